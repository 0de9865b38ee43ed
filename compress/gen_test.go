package compress

import (
	"fmt"
	"strings"
)

// Generators of synthetic tool output for unit tests, fuzz seeds and
// benchmarks. All deterministic (no randomness), written for this project.

// genJSONEvents returns a pretty-printed JSON array of n event objects:
// level info everywhere except one error at n/3, one latency outlier at
// n/2 and one item naming "checkout-service" at 2n/3.
func genJSONEvents(n int, indent string) string {
	var sb strings.Builder
	sb.WriteString("[\n")
	for i := range n {
		level, msg, svc, lat := "info", "request served", "frontend", 20+i%7
		switch i {
		case n / 3:
			level, msg = "error", "upstream connection refused"
		case n / 2:
			lat = 9000
		case 2 * n / 3:
			svc = "checkout-service"
		}
		fmt.Fprintf(&sb, "%s{\n%s%s\"id\": %d,\n%s%s\"level\": %q,\n%s%s\"service\": %q,\n%s%s\"latency_ms\": %d,\n%s%s\"msg\": %q\n%s}",
			indent, indent, indent, 1000+i, indent, indent, level, indent, indent, svc, indent, indent, lat, indent, indent, msg, indent)
		if i < n-1 {
			sb.WriteString(",")
		}
		sb.WriteString("\n")
	}
	sb.WriteString("]\n")
	return sb.String()
}

// genJSONCompactRecords returns a compact JSON array of n flat uniform
// records (a typical API list response).
func genJSONCompactRecords(n int) string {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range n {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"name":"pkg-%04d","version":"1.%d.%d","license":"MIT","size":%d}`, i, i%13, i%7, 1000+(i*37)%500)
	}
	sb.WriteString("]")
	return sb.String()
}

// genLog returns n lines of a service log with a warning and an error.
func genLog(n int) string {
	var sb strings.Builder
	for i := range n {
		ts := fmt.Sprintf("2026-03-01T10:%02d:%02d.%03dZ", (i/60)%60, i%60, i%1000)
		switch {
		case i == n/2:
			fmt.Fprintf(&sb, "%s ERROR worker-%d: write /data/shard-%d: no space left on device\n", ts, i%8, i%16)
		case i == n/4:
			fmt.Fprintf(&sb, "%s WARN  worker-%d: retrying upload after timeout (attempt 2)\n", ts, i%8)
		default:
			fmt.Fprintf(&sb, "%s INFO  worker-%d: processed batch %d in %dms (%d records)\n", ts, i%8, i, 10+i%90, 500+i%250)
		}
	}
	return sb.String()
}

// genTable returns a ps aux style table with n processes, one of which
// (pid 4242) holds far more memory than the rest.
func genTable(n int) string {
	var sb strings.Builder
	sb.WriteString("USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n")
	for i := range n {
		pid, cpu, mem, vsz, rss, cmd := 100+i, "0.0", "0.1", 4300+i%50, 3100+i%40, fmt.Sprintf("sleep %d", 60+i%5)
		if i == n/2 {
			pid, cpu, mem, vsz, rss, cmd = 4242, "12.5", "38.2", 9811012, 9407316, "python3 tools/cache_warm.py --all"
		}
		fmt.Fprintf(&sb, "%-8s %6d %4s %4s %6d %5d ?        S    07:24   0:00 %s\n", "app", pid, cpu, mem, vsz, rss, cmd)
	}
	return sb.String()
}

// genHTML returns an HTML documentation page with n option entries, a
// script, a style block and a navigation menu.
func genHTML(n int) string {
	var sb strings.Builder
	sb.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Widget API</title>\n")
	sb.WriteString("<style>body { font-family: sans-serif; } .nav { float: left; }</style>\n")
	sb.WriteString("<script>window.analytics = function() { return 42; };</script></head>\n<body>\n")
	sb.WriteString("<nav><ul>")
	for i := range 30 {
		fmt.Fprintf(&sb, "<li><a href=\"/page%d.html\">Page %d</a></li>", i, i)
	}
	sb.WriteString("</ul></nav>\n<main><h1>Widget API</h1>\n<p>The <code>widget</code> module builds widgets.</p>\n")
	sb.WriteString("<pre><code class=\"language-js\">const w = widget.create({ size: 3 });\nw.render();</code></pre>\n<ul>\n")
	for i := range n {
		fmt.Fprintf(&sb, "<li><code>option%d</code> <a href=\"https://example.com/types#Number\" class=\"type\">&#x3C;number></a> Controls aspect %d of the widget.\n<strong>Default:</strong> <code>%d</code>.</li>\n", i, i, i*8)
	}
	sb.WriteString("</ul>\n<p>Errors are reported through the <code>error</code> event.</p>\n</main></body></html>\n")
	return sb.String()
}
