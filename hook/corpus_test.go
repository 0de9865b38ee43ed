package hook

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// rewritable lists, per shape, the paths of a request body where tool output
// lives: the only places a rewrite may land (the stub engine rewrites tool
// output only). Everything else — ids, roles, signatures, cache_control,
// top-level fields — must keep its bytes.
var rewritable = map[Shape]*regexp.Regexp{
	ShapeAnthropic:       regexp.MustCompile(`^\.messages\[\d+\]\.content\[\d+\]\.content(\[\d+\]\.text)?$`),
	ShapeOpenAIChat:      regexp.MustCompile(`^\.messages\[\d+\]\.content(\[\d+\]\.text)?$`),
	ShapeOpenAIResponses: regexp.MustCompile(`^\.input\[\d+\]\.output(\[\d+\]\.text)?$`),
	ShapeGemini:          regexp.MustCompile(`^\.contents\[\d+\]\.parts\[\d+\]\.functionResponse\.response(\..*)?$`),
}

// TestCorpusSplice runs every corpus case through the hook and checks a
// modify keeps every byte outside the rewritten tool outputs: ids, roles,
// order and counts unchanged, top-level fields identical.
func TestCorpusSplice(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	for _, c := range corpus.Load(t) {
		t.Run(c.Name, func(t *testing.T) {
			a := h.Process(context.Background(), c.Call)
			if string(a.Shape) != c.Shape {
				t.Errorf("shape %s, corpus says %s", a.Shape, c.Shape)
			}
			body := splitModify(t, a)
			re := rewritable[a.Shape]
			paths := changedPaths(t, originalBody(t, c.Call), body)
			for _, p := range paths {
				if !re.MatchString(p) {
					t.Errorf("rewrite outside tool output: %s", p)
				}
			}
			if len(paths) == 0 {
				t.Errorf("nothing rewritten")
			}
			if strings.Contains(string(a.Response), `\u003c`) && !strings.Contains(string(c.Call), `\u003c`) {
				t.Errorf("HTML escaping introduced")
			}
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				t.Errorf("rewritten body: %v", err)
			}
		})
	}
}

// TestCorpusMustKeep runs every corpus case through the hook with the
// native engine: each must_keep string survives and no case grows.
func TestCorpusMustKeep(t *testing.T) {
	eng := newNative(t, compress.NativeConfig{})
	h := newTestHook(t, eng, func(c *Config) { c.Budget = time.Minute })
	for _, c := range corpus.Load(t) {
		t.Run(c.Name, func(t *testing.T) {
			a := h.Process(context.Background(), c.Call)
			if a.Outcome != OutcomeModify && a.Outcome != OutcomeNoop {
				t.Fatalf("outcome %s (%s)", a.Outcome, a.Reason)
			}
			body := ForwardedBody(c.Call, a)
			for _, keep := range c.MustKeep {
				if !ContainsString(body, keep) {
					t.Errorf("lost must_keep %q", keep)
				}
			}
			if a.TokensAfter > a.TokensBefore || a.BytesOut > a.BytesIn {
				t.Errorf("inflated: tokens %d -> %d, bytes %d -> %d", a.TokensBefore, a.TokensAfter, a.BytesIn, a.BytesOut)
			}
		})
	}
}

// TestCorpusPrefixStable: for every growing session NAME.t1, .t2, .t3, each
// message of turn N's output outside the last protect_recent messages is
// byte-identical in turn N+1's output, so provider prompt caches keep
// hitting.
func TestCorpusPrefixStable(t *testing.T) {
	eng := newNative(t, compress.NativeConfig{CacheEntries: -1})
	h := newTestHook(t, eng, func(c *Config) { c.Budget = time.Minute })
	protect := h.Knobs().ProtectRecent
	turns := map[string][][][]byte{} // session -> conversation items of each turn's output
	var order []string
	for _, c := range corpus.Load(t) {
		if c.Session == "" {
			continue
		}
		body := ForwardedBody(c.Call, h.Process(context.Background(), c.Call))
		root, err := parseTree(body)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var items [][]byte
		for _, key := range []string{"messages", "input", "contents"} {
			for _, it := range root.get(key).items() {
				items = append(items, it.raw(body))
			}
		}
		if turns[c.Session] == nil {
			order = append(order, c.Session)
		}
		turns[c.Session] = append(turns[c.Session], items)
	}
	if len(order) == 0 {
		t.Skip("SKIP: no growing sessions in the corpus")
	}
	checked := 0
	for _, s := range order {
		ts := turns[s]
		for n := 0; n+1 < len(ts); n++ {
			prev, next := ts[n], ts[n+1]
			for i := 0; i < len(prev)-protect; i++ {
				checked++
				if string(prev[i]) != string(next[i]) {
					t.Errorf("%s: item %d of turn %d changed in turn %d", s, i, n+1, n+2)
				}
			}
		}
	}
	t.Logf("%d sessions, %d items checked", len(order), checked)
}
