package search

import (
	"fmt"
	"strings"
	"testing"
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
	kt.Bench(b, "", searchText, "where is ticket_57 opened with the shard-3 key?")
}
