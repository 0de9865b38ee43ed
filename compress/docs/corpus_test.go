package docs_test

import (
	"encoding/json"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/docs"
	"github.com/tsheadroom/tsheadroom/compress/markup"
	"github.com/tsheadroom/tsheadroom/compress/table"
	"github.com/tsheadroom/tsheadroom/compress/wrapper"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// largeStrings returns the strings of at least n bytes anywhere in a
// decoded JSON value (tool outputs, whatever the request's shape), with an
// agent CLI's wrapper peeled; a string holding a JSON object with an
// "output" string (one shape's tool results) yields that string.
func largeStrings(v any, n int, out []string) []string {
	switch x := v.(type) {
	case string:
		if len(x) < n {
			return out
		}
		var inner struct {
			Output string `json:"output"`
		}
		if json.Unmarshal([]byte(x), &inner) == nil && len(inner.Output) >= n {
			x = inner.Output
		}
		return append(out, wrapper.Peel(x).Payload)
	case []any:
		for _, e := range x {
			out = largeStrings(e, n, out)
		}
	case map[string]any:
		for _, e := range x {
			out = largeStrings(e, n, out)
		}
	}
	return out
}

// The detectors of documents, tables and markup claim the tool outputs of
// their kinds in the corpus (the large ones: small outputs are not
// compressed) and nothing else: no source code, log, test output, listing
// or JSON.
func TestCorpusDetection(t *testing.T) {
	want := map[string]string{"text": "docs", "yaml": "docs", "table": "table", "html": "markup", "xml": "markup"}
	for _, c := range corpus.Load(t) {
		var call struct {
			Body any `json:"request_body"`
		}
		if err := json.Unmarshal(c.Call, &call); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		claimed := map[string]int{}
		blocks := largeStrings(call.Body, 3000, nil)
		for _, s := range blocks {
			var by []string
			if docs.Detect(s) {
				by = append(by, "docs")
			}
			if table.Detect(s) {
				by = append(by, "table")
			}
			if markup.Detect(s) {
				by = append(by, "markup")
			}
			if len(by) > 1 {
				t.Errorf("%s: a block is claimed by %v", c.Name, by)
			}
			for _, k := range by {
				claimed[k]++
			}
		}
		kind, mine := want[c.Kind]
		switch {
		case mine && len(blocks) > 0 && claimed[kind] == 0:
			t.Errorf("%s (%s): no block detected by %s", c.Name, c.Kind, kind)
		case c.Kind == "source-code" && len(claimed) > 0:
			t.Errorf("%s: source code claimed: %v", c.Name, claimed)
		case !mine && c.Kind != "session" && len(claimed) > 0:
			// Other kinds may hold a table or document among their
			// blocks (a package manager's outdated table in a build
			// log); report them so changes in detection are visible.
			t.Logf("%s (%s): claimed %v", c.Name, c.Kind, claimed)
		}
	}
}
