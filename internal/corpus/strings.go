package corpus

import (
	"encoding/json"
	"sort"
	"strings"
)

// Strings returns the string values of at least minLen bytes anywhere in
// a case's hook call, in document order, looking inside strings that hold
// a JSON object themselves (tool outputs some agents wrap in one). Kind
// compressors' corpus checks run on them without knowing request shapes.
func (c Case) Strings(minLen int) []string {
	var v any
	if err := json.Unmarshal(c.Call, &v); err != nil {
		return nil
	}
	var out []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		switch x := v.(type) {
		case string:
			if depth < 4 && strings.HasPrefix(strings.TrimSpace(x), "{") {
				var inner any
				if json.Unmarshal([]byte(x), &inner) == nil {
					walk(inner, depth+1)
					return
				}
			}
			if len(x) >= minLen {
				out = append(out, x)
			}
		case []any:
			for _, e := range x {
				walk(e, depth)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k], depth)
			}
		}
	}
	walk(v, 0)
	return out
}
