package tokens

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tiktoken-go/tokenizer"
)

// samePieces checks that encoding the pieces one by one gives exactly the
// token ids of encoding the whole text: the split matches the library's.
func samePieces(t *testing.T, name string, s string) {
	t.Helper()
	for _, enc := range []struct {
		o200k bool
		codec tokenizer.Codec
	}{{true, o200kCodec()}, {false, cl100kCodec()}} {
		whole, _, err := enc.codec.Encode(s)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		var parts []uint
		var bad string
		pretokenize(s, enc.o200k, func(p string) {
			ids, _, _ := enc.codec.Encode(p)
			parts = append(parts, ids...)
			if bad == "" && len(p) == 0 {
				bad = "empty piece"
			}
		})
		if bad != "" || !slices.Equal(whole, parts) {
			// Find the first differing token for the message.
			i := 0
			for i < len(whole) && i < len(parts) && whole[i] == parts[i] {
				i++
			}
			ctx := s
			if len(ctx) > 200 {
				ctx = ctx[:200]
			}
			t.Fatalf("%s (%s): split differs from the library at token %d of %d/%d %s; text starts %q",
				name, enc.codec.GetName(), i, len(whole), len(parts), bad, ctx)
		}
	}
}

// TestPretokenizerMatchesCodec checks the split on generated and hand-picked
// texts; TestPretokenizerMatchesCodecCorpus does the corpus.
func TestPretokenizerMatchesCodec(t *testing.T) {
	texts := map[string]string{
		"mixed":     "Hello WORLD HTTPServer don't I'LL we've x'd 12345 1,234.5 ü ÜBER straße 日本語テキスト 😀 ok\r\n\r\n  \t\n   x  \u00a0y\u2003z\n// path/to/file.go:12: a/b /c\n",
		"spaces":    "a  b   c    \n\n   \t  d   ",
		"invalid":   "abc\xff\xfedef \xc3 x",
		"marks":     "e\u0301a\u0301 \u0301\u0301x Ǆǅǆ ʰʰa ﬁ",
		"numbers":   "٣٤٥ ⅧⅨ ²³ 1234567",
		"trailing":  "end with spaces   ",
		"only":      "\n",
		"punctuate": "a,b;c... --> <tag attr=\"v\">/x/y/ ''' 's 'S 'Re",
	}
	maps.Copy(texts, genSamples(200))
	for name, s := range texts {
		samePieces(t, name, s)
	}
}

func FuzzPretokenizer(f *testing.F) {
	f.Add("Hello WORLD don't 123 ü 日本 \n\n  x")
	f.Add("a\xffb  \t\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		samePieces(t, "fuzz", s)
	})
}

// TestPretokenizerUnicodeSweep runs every rune below U+30000 through the
// split in a few contexts (after a letter, doubled, after a space, before a
// digit, at a line end), 256 runes per text.
func TestPretokenizerUnicodeSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("sweeps the Unicode range")
	}
	var sb strings.Builder
	for r := rune(0); r < 0x30000; r++ {
		if r >= 0xD800 && r < 0xE000 {
			continue
		}
		c := string(r)
		sb.WriteString("a" + c + "B" + c + c + "x " + c + "1" + c + "\n" + c + "'s  " + c)
		if r%256 == 255 {
			samePieces(t, "sweep", sb.String())
			sb.Reset()
		}
	}
	samePieces(t, "sweep", sb.String())
}

// TestBPECountMatchesCodec: the memoized count equals the codec's count on
// generated texts; TestBPECountMatchesCodecCorpus does the corpus.
func TestBPECountMatchesCodec(t *testing.T) {
	checkCountsMatchCodec(t, []string{genMixed(300), "Ünïcödé 日本語 don't \x7f\xff  \n\n x"})
}

// checkCountsMatchCodec fails unless the memoized o200k and cl100k counts
// of every text equal the library codec's.
func checkCountsMatchCodec(t *testing.T, texts []string) {
	t.Helper()
	for _, model := range []string{"gpt-4o", "gpt-4"} {
		tk := For(model).(bpeCounter)
		for i, s := range texts {
			want, err := tk.codec.Count(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := tk.Count(s); got != want {
				t.Errorf("%s text %d: Count = %d, codec says %d", model, i, got, want)
			}
		}
	}
}

func BenchmarkBPECount(b *testing.B) {
	text := genMixed(4000)
	for _, model := range []string{"gpt-4o", "gpt-4"} {
		tk := For(model).(bpeCounter)
		b.Run(model+"/pretokenized", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				tk.Count(text)
			}
		})
		b.Run(model+"/codec", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = tk.codec.Count(text)
			}
		})
	}
}
