package jsonfold

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
)

// minify writes text (valid JSON: one value or a stream) without the
// whitespace between tokens, one top-level value per line. Every token
// keeps its bytes.
func minify(text string) (string, bool) {
	t, err := jsonspan.ParseString(text, jsonspan.Options{Stream: true, MaxDepth: maxDepth + 1})
	if err != nil {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(text))
	for r := range t.Roots() {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		squeeze(&b, t.Raw(r))
	}
	return b.String(), true
}

// squeeze writes valid JSON text v without whitespace outside strings.
func squeeze(b *strings.Builder, v string) {
	inStr, esc := false, false
	from := 0
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				inStr = false
			}
		case ch == '"':
			inStr = true
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			b.WriteString(v[from:i])
			from = i + 1
		}
	}
	b.WriteString(v[from:])
}
