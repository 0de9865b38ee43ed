package hook

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"tsheadroom/internal/corpus"
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
