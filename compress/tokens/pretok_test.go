package tokens

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tiktoken-go/tokenizer"
)

// Reference codecs of the tokenizer library, which the direct counts and
// the split are checked against.
var (
	libO200k  = sync.OnceValue(func() tokenizer.Codec { return mustLib(tokenizer.O200kBase) })
	libCl100k = sync.OnceValue(func() tokenizer.Codec { return mustLib(tokenizer.Cl100kBase) })
)

func mustLib(enc tokenizer.Encoding) tokenizer.Codec {
	c, err := tokenizer.Get(enc)
	if err != nil {
		panic(err)
	}
	return c
}

// pretokenize calls yield with each piece of s in order.
func pretokenize(s string, o200k bool, yield func(piece string)) {
	for i := 0; i < len(s); {
		p := s[i : i+pieceLen(s, i, o200k)]
		yield(p)
		i += len(p)
	}
}

// libDropsDEL reports whether s holds DEL (U+007F), which the tokenizer
// library's compiled expressions match with no alternative, so that it
// drops the character, where OpenAI's tiktoken (and pretokenize) takes it
// for a symbol like any other control character. Such texts are checked
// against tiktoken only (TestCountMatchesTiktoken, TestCountsAsTiktoken).
func libDropsDEL(s string) bool { return strings.IndexByte(s, 0x7f) >= 0 }

// samePieces checks that encoding the pieces one by one gives exactly the
// token ids of encoding the whole text: the split matches the library's.
func samePieces(t *testing.T, name string, s string) {
	t.Helper()
	if libDropsDEL(s) {
		return
	}
	for _, enc := range []struct {
		o200k bool
		codec tokenizer.Codec
	}{{true, libO200k()}, {false, libCl100k()}} {
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

// TestPretokenizerPieces checks pieces where the token counts alone cannot
// tell a wrong split (what Python's regex module, which tiktoken's
// reference implementation uses, makes of the expressions).
func TestPretokenizerPieces(t *testing.T) {
	for _, tc := range []struct {
		text        string
		cl100k, o2k []string
	}{
		// (?i:'s) matches U+017F, the long s.
		{"x'ſa", []string{"x", "'ſ", "a"}, []string{"x'ſ", "a"}},
		{"don'ſ", []string{"don", "'ſ"}, []string{"don'ſ"}},
		{"WE'Sx", []string{"WE", "'S", "x"}, []string{"WE'S", "x"}},
		{"a\n \n b", []string{"a", "\n \n", " b"}, []string{"a", "\n \n", " b"}},
		{"a\x7fb", []string{"a", "\x7fb"}, []string{"a", "\x7fb"}},
	} {
		for _, enc := range []struct {
			o200k bool
			want  []string
		}{{false, tc.cl100k}, {true, tc.o2k}} {
			var got []string
			pretokenize(tc.text, enc.o200k, func(p string) { got = append(got, p) })
			if !slices.Equal(got, enc.want) {
				t.Errorf("%q (o200k %v): pieces %q, want %q", tc.text, enc.o200k, got, enc.want)
			}
		}
	}
}

// TestRuneTable: the table built from the Unicode ranges gives the classes
// the predicates give, for every rune of the Basic Multilingual Plane.
func TestRuneTable(t *testing.T) {
	tab := runeClasses()
	for r := range rune(len(tab)) {
		if got, want := tab.class(r), classOf(r); got != want {
			t.Fatalf("U+%04X: table class %08b, predicates %08b", r, got, want)
		}
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
		if r >= 0xD800 && r < 0xE000 || r == 0x7f { // see libDropsDEL
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
