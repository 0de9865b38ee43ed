package search

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// FuzzCompress checks, on any input, that Compress does not panic, and when
// it rewrites: the output is shorter, every line outside notes is a
// substring of the input, and a second run gives the same bytes.
func FuzzCompress(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		s := string(b)
		if len(s) > 4096 {
			s = s[:4096]
		}
		f.Add(s, uint16(len(s)/4), "which file registers it?")
	}
	f.Add("a.go:1:x\na.go:2:y\n--\nb.go-3-z\nb.go:4:w\n", uint16(10), "quote a.go")
	f.Add("x:1\ny:0\nz:12\n", uint16(5), "most")
	f.Add("/p/q.js\n  1:2  error  m  r\n\n/p/r.js\n  3:4  warn  m  r\n", uint16(8), "")
	f.Fuzz(func(t *testing.T, text string, size uint16, task string) {
		in := &fold.Input{
			Text:   text,
			Query:  relevance.Parse(task, ""),
			Budget: fold.Budget{Bytes: int(size), Lossy: true, Aggressive: size%2 == 1},
		}
		_ = Detect(text)
		out, ok := Compress(in)
		if !ok {
			return
		}
		checkOutput(t, text, out)
		again := &fold.Input{Text: text, Query: in.Query, Budget: in.Budget}
		if out2, _ := Compress(again); out2 != out {
			t.Fatalf("not deterministic:\n%s\n---\n%s", out, out2)
		}
		if strings.Contains(out, "\x00") && !strings.Contains(text, "\x00") {
			t.Fatalf("output holds a NUL")
		}
	})
}
