package tokens

import (
	"testing"

	"github.com/tiktoken-go/tokenizer"
)

// TestEmbeddedVocab checks the embedded vocabularies against the
// tokenizer library's (run go run gen_vocab.go when the library changes).
func TestEmbeddedVocab(t *testing.T) {
	for _, c := range []struct {
		name string
		lib  tokenizer.Codec
	}{{o200kName, libO200k()}, {cl100kName, libCl100k()}} {
		toks, starts, err := vocabOf(c.name)
		if err != nil {
			t.Fatal(err)
		}
		n := len(starts) - 1
		for r := 0; ; r++ {
			want, err := c.lib.Decode([]uint{uint(r)})
			if err != nil || want == "" {
				if r != n {
					t.Fatalf("%s: %d tokens embedded, the library has %d", c.name, n, r)
				}
				break
			}
			if r >= n {
				t.Fatalf("%s: %d tokens embedded, the library has more", c.name, n)
			}
			if got := toks[starts[r]:starts[r+1]]; got != want {
				t.Fatalf("%s: token %d is %q, the library's %q", c.name, r, got, want)
			}
		}
	}
}
