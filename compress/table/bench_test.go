package table

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
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

func BenchmarkCompress(b *testing.B) {
	q := relevance.Parse("which process uses the most memory? worker-4711", "")
	for _, size := range []int{64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		text := synthTable(size)
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				in := &fold.Input{Text: text, Query: q, Budget: fold.Budget{Bytes: 2048 + len(text)*8/100, Lossy: true}}
				if _, ok := Compress(in); !ok {
					b.Fatal("not compressed")
				}
			}
		})
	}
}
