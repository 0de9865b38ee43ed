package tokens

import (
	"fmt"
	"strings"
)

// Deterministic synthetic texts for unit tests, fuzz seeds and benchmarks,
// written for this project: the shapes of tool output that token counting
// meets (logs, JSON, tables, markup, prose with non-ASCII text).

// genSamples returns one text of each shape, each about n lines.
func genSamples(n int) map[string]string {
	var log, js, table, markup, prose strings.Builder
	js.WriteString("[\n")
	table.WriteString("NAME                      READY   STATUS    RESTARTS   AGE\n")
	for i := range n {
		fmt.Fprintf(&log, "2026-04-%02dT08:%02d:%02d.%06dZ pid=%d level=%s msg=\"sync shard %d of %d\" took=%d.%03ds\n",
			1+i%28, i/60%60, i%60, i*7919%1000000, 3000+i%17, []string{"info", "info", "debug", "warn"}[i%4], i%64, 64, i%9, i*37%1000)
		fmt.Fprintf(&js, "  {\"uid\": \"%08x-%04x\", \"replicas\": %d, \"labels\": {\"app\": \"cart-%d\", \"tier\": \"backend\"}, \"ready\": %t}",
			uint32(i*2654435761), i%65536, 1+i%5, i%12, i%7 != 0)
		if i < n-1 {
			js.WriteString(",")
		}
		js.WriteString("\n")
		fmt.Fprintf(&table, "%-25s %d/%d     %-9s %-10d %dd%dh\n", fmt.Sprintf("cart-%d-7f9c%04x", i%12, i), 1, 1+i%2, []string{"Running", "Pending", "CrashLoopBackOff"}[i%3], i%4, i%30, i%24)
		fmt.Fprintf(&markup, "<tr class=\"row-%d\"><td><a href=\"/api/v2/items/%d?fmt=json&amp;x=1\">Item&nbsp;%d</a></td><td>&lt;%s&gt;</td></tr>\n", i%2, i, i, strings.Repeat("x", i%5))
		fmt.Fprintf(&prose, "Paragraph %d: Die Größe der Übersicht wächst; naïve café-Einträge, 東京 %d件, ошибка №%d — don't stop, WE'LL see.\r\n\t\t  ", i, i, i)
	}
	js.WriteString("]\n")
	return map[string]string{
		"log":    log.String(),
		"json":   js.String(),
		"table":  table.String(),
		"markup": markup.String(),
		"prose":  prose.String(),
	}
}

// genMixed returns all samples of genSamples(n) joined, in a fixed order.
func genMixed(n int) string {
	s := genSamples(n)
	return s["log"] + s["json"] + s["table"] + s["markup"] + s["prose"]
}
