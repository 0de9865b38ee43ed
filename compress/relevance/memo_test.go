package relevance

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
	uni := "ÄÖÜ äöü Straße Größe GRÖSSE prüfen\nSanitizeHostname max_old_space_size — naïve café ǅemal\u0301x\n"
	texts := []string{"", uni, strings.Repeat(uni, 200)}
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
		// Parts of the text (views of its stream, or read directly when
		// a word runs across an end): whole lines, and cuts anywhere.
		views := 0
		rng := rand.New(rand.NewPCG(1, uint64(len(text))))
		for range 60 {
			if len(text) == 0 {
				break
			}
			from, to := rng.IntN(len(text)), rng.IntN(len(text)+1)
			if from > to {
				from, to = to, from
			}
			if rng.IntN(2) == 0 {
				from, to = ls.Start[ls.At(from)], ls.End(ls.At(max(to-1, 0)))
			}
			sub := text[from:to]
			if ti := infoOf(m, sub); ti.words != nil && ti.words.base != 0 {
				views++
			}
			sls := lines.Split(sub)
			for qi, q := range queries {
				want := Build(q, sub, sls.Start)
				got := BuildMemo(q, sub, sls.Start, nil, m)
				if !reflect.DeepEqual(want, got) {
					t.Fatalf("text of %d bytes, part [%d:%d], query %d: index with memo differs", len(text), from, to, qi)
				}
			}
		}
		if len(text) >= minParentBytes && views == 0 {
			t.Errorf("text of %d bytes: no part was a view of its stream", len(text))
		}
	}
}

// TestBuildMemoAround checks the index of a text around a recorded one (a
// tool output around the payload its compressor read), whose stream is
// the inner one's with the words around it read: it is the index built
// without a memo, whatever bytes surround the inner text.
func TestBuildMemoAround(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.txt")
	more, _ := filepath.Glob("../fold/testdata/*.txt")
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("no testdata")
	}
	q := Parse("why did TestServeExport fail in lib/view.js with E0609 and max_old_space?", "the resumes are parsing dependencies")
	around := [][2]string{
		{"Exit code 1\nOutput:\n", "\nError: (none)\nExit Code: 1"},
		{"", " done"},
		{"Output: ", ""},
		{"Output:", "Error: (none)"}, // a word right after the inner text's end
		{"x", "\nError"},
		{"x", "y"},          // words run across both ends: read in full
		{"café ", " naïve"}, // words that are not ASCII next to the ends
		{"é", "\u0301"},
	}
	arounds := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inner := string(b)
		for len(inner) < minParentBytes {
			inner += "\n" + string(b)
		}
		for _, a := range around {
			text := a[0] + inner + a[1]
			m := lines.NewMemo()
			in := text[len(a[0]) : len(a[0])+len(inner)]
			// Its second index records its words (the first, of a
			// text this small, reads them directly).
			BuildMemo(q, in, lines.Split(in).Start, nil, m)
			BuildMemo(q, in, lines.Split(in).Start[:1], nil, m)
			ls := lines.Split(text)
			want := Build(q, text, ls.Start)
			got := BuildMemo(q, text, ls.Start, nil, m)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("%s around %q: index with memo differs", f, a)
			}
			if ws := streamAround(m, text, func(int) bool { return false }); ws != nil {
				arounds++
				if full := streamOf(text, func(int) bool { return false }); len(full.occ) != len(ws.occ) {
					t.Fatalf("%s around %q: %d words, %d read in full", f, a, len(ws.occ), len(full.occ))
				}
			}
		}
	}
	if arounds == 0 {
		t.Error("no text was read around a recorded one")
	}
}
