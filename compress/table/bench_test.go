package table

import (
	"fmt"
	"strings"
	"testing"
)

// synthTable writes an aligned table of about n bytes: a header, then rows
// with numeric, categorical and key columns.
func synthTable(n int) string {
	var sb strings.Builder
	sb.WriteString("OWNER        PID CPU% MEM%   VIRT   RES STAT CMD\n")
	states := []string{"S", "S", "S", "Ss", "R", "Sl"}
	for i := 0; sb.Len() < n; i++ {
		fmt.Fprintf(&sb, "%-8s %8d %4.1f %4.1f %6d %5d %-4s worker-%d --queue q%d\n",
			[]string{"root", "www", "app"}[i%3], i+1, float64(i%97)/10, float64(i%13)/10, 4000+i*7%90000, 900+i*13%20000, states[i%len(states)], i, i%17)
	}
	return sb.String()
}

// BenchmarkCompress measures throughput at kindtest.BenchSizes, with the
// engine's budget for tables (see kindtest.Compressor.Bench).
func BenchmarkCompress(b *testing.B) {
	kt.Bench(b, "", synthTable, "which process uses the most memory? worker-4711")
}
