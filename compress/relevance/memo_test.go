package relevance

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// TestBuildMemoSame checks that an index built with a memo (the first
// reading the text, the second recording its word stream, the later ones
// matching against it) is the index built without one.
func TestBuildMemoSame(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.txt")
	more, _ := filepath.Glob("../fold/testdata/*.txt")
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("no testdata")
	}
	queries := []*Query{
		Parse("why did TestServeExport fail in lib/view.js with E0609 and max_old_space?", "the resumes are parsing dependencies"),
		Parse("quote the lines naming HTTPServer or SanitizeHostname", ""),
		Parse("which packages are the largest, 1.22.1 or OPENSSL_3.0.0?", "Größe der Dateien prüfen"),
		(&Query{}).WithFollowup("what about the panic in goroutine 17 and main.go:42", "the run failed"),
	}
	texts := []string{"", "ÄÖÜ äöü Straße Größe GRÖSSE prüfen\nSanitizeHostname max_old_space_size\n"}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	for _, text := range texts {
		ls := lines.Split(text)
		m := lines.NewMemo()
		for round := range 4 {
			for qi, q := range queries {
				want := Build(q, text, ls.Start)
				got := BuildMemo(q, text, ls.Start, nil, m)
				if !reflect.DeepEqual(want, got) {
					t.Fatalf("text of %d bytes, round %d, query %d: index with memo differs", len(text), round, qi)
				}
			}
		}
	}
}
