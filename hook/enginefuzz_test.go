package hook

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/tsheadroom/tsheadroom/compress"
)

// FuzzNativeHook drives the real native engine behind the real hook: for
// every answer, a modify keeps the body's structure (kinds, member names
// and order, array lengths, every non-string scalar byte for byte) and
// every byte outside the string values it rewrote.
func FuzzNativeHook(f *testing.F) {
	fuzzSeeds(f, func(call []byte) { f.Add(call) })
	// Non-ASCII letters whose lower case is longer in UTF-8 (U+023A), in
	// a tool output and the task.
	out := strings.Repeat("\u023a ERROR Jérome: disk full\\n", 300)
	f.Add([]byte(`{"metadata":{"url":"http://ai/v1/messages"},"request_body":{"model":"claude-sonnet-4-5","messages":[` +
		`{"role":"user","content":"what did JÉrome and \"Jérome: disk\" do?"},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"cmd":"cat log"}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"` + out + `"}]},` +
		`{"role":"user","content":"and now?"}]}}`))
	eng := newNative(f, compress.NativeConfig{CacheEntries: -1})
	h := newTestHook(f, eng)
	f.Fuzz(func(t *testing.T, call []byte) {
		a := h.Process(context.Background(), call)
		checkAnswer(t, call, a)
		if a.Outcome != OutcomeModify {
			return
		}
		if err := sameOutsideRewrites(ForwardedBody(call, &Answer{}), ForwardedBody(nil, a)); err != nil {
			t.Fatal(err)
		}
	})
}

// sameOutsideRewrites reports how rewritten differs from orig beyond
// rewritten values: both are walked in parallel; values that differ are
// string values (or a JSON value a provider's shape lets the engine
// rewrite whole: a Gemini functionResponse.response), and the bytes
// between and around them must be identical.
func sameOutsideRewrites(orig, rewritten []byte) error {
	ta, err := parseTree(orig)
	if err != nil {
		return fmt.Errorf("original: %v", err)
	}
	tb, err := parseTree(rewritten)
	if err != nil {
		return fmt.Errorf("rewritten body is not valid JSON: %v", err)
	}
	var spans [][2]*node // differing values, in source order
	var walk func(path string, x, y *node) error
	walk = func(path string, x, y *node) error {
		if bytes.Equal(x.raw(orig), y.raw(rewritten)) {
			return nil
		}
		if strings.HasSuffix(path, "functionResponse.response") {
			spans = append(spans, [2]*node{x, y})
			return nil
		}
		if x.kind != y.kind {
			return fmt.Errorf("%s: kind %v became %v", path, x.kind, y.kind)
		}
		switch x.kind {
		case jsontext.KindBeginObject:
			if strings.Join(x.keys, "\x00") != strings.Join(y.keys, "\x00") {
				return fmt.Errorf("%s: members %q became %q", path, x.keys, y.keys)
			}
			for i, k := range x.keys {
				if err := walk(path+"."+k, x.kids[i], y.kids[i]); err != nil {
					return err
				}
			}
		case jsontext.KindBeginArray:
			if len(x.kids) != len(y.kids) {
				return fmt.Errorf("%s: %d elements became %d", path, len(x.kids), len(y.kids))
			}
			for i := range x.kids {
				if err := walk(fmt.Sprintf("%s[%d]", path, i), x.kids[i], y.kids[i]); err != nil {
					return err
				}
			}
		case jsontext.KindString:
			spans = append(spans, [2]*node{x, y})
		default:
			return fmt.Errorf("%s: scalar %s became %s", path, x.raw(orig), y.raw(rewritten))
		}
		return nil
	}
	if err := walk("", ta, tb); err != nil {
		return err
	}
	pa, pb := 0, 0
	for _, s := range spans {
		if !bytes.Equal(orig[pa:s[0].start], rewritten[pb:s[1].start]) {
			return fmt.Errorf("bytes before offset %d changed: %q became %q", s[0].start, orig[pa:s[0].start], rewritten[pb:s[1].start])
		}
		pa, pb = s[0].end, s[1].end
	}
	if !bytes.Equal(orig[pa:], rewritten[pb:]) {
		return fmt.Errorf("bytes after offset %d changed", pa)
	}
	return nil
}

// TestSameOutsideRewrites: the checker accepts a rewritten string and
// refuses changed bytes around it.
func TestSameOutsideRewrites(t *testing.T) {
	orig := []byte(`{"a": "long text" , "n":1.50,"b":["x"]}`)
	if err := sameOutsideRewrites(orig, []byte(`{"a": "short" , "n":1.50,"b":["x"]}`)); err != nil {
		t.Errorf("rewritten string refused: %v", err)
	}
	for _, bad := range []string{
		`{"a": "short", "n":1.50,"b":["x"]}`,    // white space changed
		`{"a": "short" , "n":1.5,"b":["x"]}`,    // number re-encoded
		`{"a": "short" , "n":1.50,"b":["x",1]}`, // structure changed
	} {
		if err := sameOutsideRewrites(orig, []byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
