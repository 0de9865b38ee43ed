package compress

import (
	"fmt"
	"strings"
	"testing"
)

// identifierGrep builds git-grep-like output for an identifier across Go
// code: a few boilerplate lines repeat many times, the rest are distinct.
func identifierGrep() (text string, distinct []string) {
	var sb strings.Builder
	for f, file := range []string{"server.go", "store.go"} {
		for i := range 60 {
			n := 10 + i*7
			switch {
			case i%3 == 0:
				fmt.Fprintf(&sb, "%s:%d:\tif err != nil {\n", file, n)
			case i%3 == 1:
				fmt.Fprintf(&sb, "%s:%d:\t\treturn nil, err\n", file, n)
			default:
				l := fmt.Sprintf("%s:%d:\tv%d_%d, err := lookup%d(ctx, key)", file, n, f, i, i)
				distinct = append(distinct, l)
				sb.WriteString(l + "\n")
			}
		}
	}
	return sb.String(), distinct
}

// TestSearchDedupedKeepsDistinctHits checks that grep output dominated by
// repeated lines keeps every distinct hit whole and lists the repeats by
// line number, instead of sampling a few hits per file.
func TestSearchDedupedKeepsDistinctHits(t *testing.T) {
	in, distinct := identifierGrep()
	out, ok := compressSearch(in, &hints{})
	if !ok {
		t.Fatal("not compressed")
	}
	if len(out) >= len(in) {
		t.Fatalf("not shorter: %d >= %d", len(out), len(in))
	}
	for _, l := range distinct {
		if !strings.Contains(out, l+"\n") {
			t.Errorf("distinct hit lost: %q", l)
		}
	}
	// Every line number of the input is still named somewhere.
	for _, l := range strings.Split(strings.TrimSuffix(in, "\n"), "\n") {
		h := parseSearchLine(l)
		if !strings.Contains(out, ":"+h.number+":") && !strings.Contains(out, " "+h.number+" ") &&
			!strings.Contains(out, " "+h.number+",") {
			t.Errorf("line %s of %s not accounted for", h.number, h.path)
		}
	}
	if !strings.Contains(out, "server.go:10:\tif err != nil {\n[... same text at lines 31, 52,") {
		t.Errorf("repeats not folded after their first occurrence:\n%s", out[:min(len(out), 600)])
	}
	if again, _ := compressSearch(in, &hints{}); again != out {
		t.Error("not deterministic")
	}
}

// TestSearchDedupedSkipsContextOutput checks that grep -C output, whose
// groups folding would break, is left to the other forms.
func TestSearchDedupedSkipsContextOutput(t *testing.T) {
	in := "a.go-1-package a\na.go:2:\tif err != nil {\na.go-3-\treturn\n--\na.go:9:\tif err != nil {\n"
	b := splitBlock(in)
	hits := make([]searchHit, len(b.lines))
	for i, l := range b.lines {
		hits[i] = parseSearchLine(l)
	}
	if _, ok := searchDeduped(b, hits, make([]bool, len(b.lines))); ok {
		t.Error("context output deduplicated")
	}
}
