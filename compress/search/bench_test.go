package search

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// searchText builds a recursive grep's output of about n bytes: files of a
// few to a few dozen hits, as a search over a source tree prints.
func searchText(n int) string {
	var b strings.Builder
	b.Grow(n + 256)
	words := []string{"queue", "flush", "retry", "lease", "shard", "ticket", "window", "budget", "cursor", "ledger"}
	for f := 0; b.Len() < n; f++ {
		path := fmt.Sprintf("./pkg/%s/%s_%d.go", words[f%len(words)], words[(f/10)%len(words)], f)
		line := 1
		for h := 0; h < 3+f*7%29 && b.Len() < n; h++ {
			line += 1 + (f*h)%17
			w := words[(f+h)%len(words)]
			fmt.Fprintf(&b, "%s:%d:\tif err := %s.Open(ctx, %q); err != nil {\n", path, line, w, w+"-"+fmt.Sprint(h))
		}
	}
	return b.String()
}

func BenchmarkCompress(b *testing.B) {
	q := relevance.Parse("where is ticket_57 opened with the shard-3 key?", "")
	for _, size := range []int{64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		text := searchText(size)
		bud := fold.Budget{Bytes: 2048 + (len(text)-2048)*12/100, Lossy: true}
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := Compress(&fold.Input{Text: text, Query: q, Budget: bud}); !ok {
					b.Fatal("not compressed")
				}
			}
		})
	}
}

func BenchmarkDetect(b *testing.B) {
	text := searchText(1 << 20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if !Detect(text) {
			b.Fatal("not detected")
		}
	}
}
