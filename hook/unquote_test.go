package hook

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// checkUnquote checks that unquoteParsed, where it decodes raw, gives
// what jsontext.AppendUnquote gives.
func checkUnquote(t *testing.T, raw []byte) {
	t.Helper()
	got, ok := unquoteParsed(raw)
	if !ok {
		return
	}
	want, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		t.Fatalf("%q: decoded, but AppendUnquote fails: %v", raw, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%q: decoded %q, want %q", raw, got, want)
	}
}

// stringNodes calls fn with the raw bytes of every string value of a
// parsed document.
func stringNodes(src []byte, n *node, fn func(raw []byte)) {
	if n.isString() {
		fn(n.raw(src))
	}
	for _, k := range n.kids {
		stringNodes(src, k, fn)
	}
}

func TestUnquoteParsed(t *testing.T) {
	pieces := []string{"a", "é", "日本", "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r",
		"\\u0041", "\\u00e9", "\\u00E9", "\\u2028", "\\u0000", "\\u001f", "\\uffff", "\\ud83d\\ude00",
		"\\ud800", "\\udc00x", "\\ud83dx", " ", "<>&", "\U0001F600"}
	r := rand.New(rand.NewSource(1))
	decoded := 0
	for range 20000 {
		var b bytes.Buffer
		b.WriteByte('"')
		for range r.Intn(12) {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		b.WriteByte('"')
		raw := b.Bytes()
		// Only what the decoder accepts reaches unquoteParsed.
		if tree, err := parseTree(raw); err != nil || !tree.isString() {
			continue
		}
		if _, ok := unquoteParsed(raw); ok {
			decoded++
		}
		checkUnquote(t, raw)
	}
	if decoded == 0 {
		t.Fatal("no string decoded")
	}
}

// TestUnquoteParsedCorpus checks every string of the corpus calls.
func TestUnquoteParsedCorpus(t *testing.T) {
	for _, c := range corpus.Load(t) {
		root, err := parseTree(c.Call)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		stringNodes(c.Call, root, func(raw []byte) { checkUnquote(t, raw) })
	}
}

func FuzzUnquoteParsed(f *testing.F) {
	f.Add([]byte(`"a\nb\u00e9\ud83d\ude00"`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if tree, err := parseTree(raw); err != nil || !tree.isString() {
			return
		}
		checkUnquote(t, raw)
	})
}
