package listing

import (
	"os"
	"path/filepath"
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
		f.Add(s, uint16(len(s)/4), "where is the largest file?")
	}
	f.Add("a/b\na/c\nd\n", uint16(3), "")
	f.Add(".:\ntotal 1\n-rw-r--r-- 1 a b 1 Jan  1  2025 x\n\n./y:\ntotal 0\n", uint16(4), "y")
	f.Add("root\n├── a\n│   └── b\n└── c\n", uint16(2), "b")
	f.Add("1K\ta/b\n2M\ta\n", uint16(1), "biggest")
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
	})
}
