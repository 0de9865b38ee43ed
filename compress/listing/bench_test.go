package listing

import (
	"fmt"
	"strings"
	"testing"
)

var benchWords = []string{"queue", "flush", "retry", "lease", "shard", "ticket", "window", "budget", "cursor", "ledger"}

// pathsText builds a sorted find-style listing of about n bytes: three
// levels of directories with a few dozen files each.
func pathsText(n int) string {
	var b strings.Builder
	b.Grow(n + 256)
	for d := 0; b.Len() < n; d++ {
		dir := fmt.Sprintf("./%s%d/%s/%s", benchWords[d%10], d/100, benchWords[(d/10)%10], benchWords[(d*7)%10])
		for f := 0; f < 5+d%37 && b.Len() < n; f++ {
			fmt.Fprintf(&b, "%s/%s_%d.go\n", dir, benchWords[(d+f)%10], f)
		}
	}
	return b.String()
}

// duText builds a du -ah style listing of about n bytes, in path order.
func duText(n int) string {
	var b strings.Builder
	b.Grow(n + 256)
	for d := 0; b.Len() < n; d++ {
		dir := fmt.Sprintf("node_modules/%s-%d", benchWords[d%10], d)
		for f := 0; f < 3+d%23 && b.Len() < n; f++ {
			fmt.Fprintf(&b, "%dK\t%s/lib/%s%d.js\n", 4+(d*f)%300, dir, benchWords[f%10], f)
		}
		fmt.Fprintf(&b, "%d.%dM\t%s\n", 1+d%9, d%10, dir)
	}
	return b.String()
}

func BenchmarkCompress(b *testing.B) {
	kt.Bench(b, "paths/", pathsText, "which files under ticket5 are the largest?")
	kt.Bench(b, "du/", duText, "which files under ticket5 are the largest?")
}
