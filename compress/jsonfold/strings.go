package jsonfold

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// minNestedLines is how many lines make a string text of its own (a log,
// a diff, a listing) rather than a long value.
const minNestedLines = 4

// longString renders string value i within about budget bytes. Multi-line
// content is compressed as the text it is (its own kind's compressor,
// through the engine); a single long line is cut, with a note saying how
// much was cut.
func (c *compressor) longString(i, budget int) string {
	raw := c.t.Raw(i)
	if len(raw) < c.p.longString || 2*budget >= len(raw) {
		return raw
	}
	s, ok := jsonspan.Unquote(raw)
	if !ok {
		return raw
	}
	budget = max(budget, c.p.longString/2)
	if strings.Count(s, "\n") >= minNestedLines {
		b := fold.Budget{Bytes: budget, Lossy: true, Aggressive: c.in.Budget.Aggressive}
		var out string
		if c.in.Nested != nil {
			out, ok = c.in.Nested(s, b)
		} else {
			out, ok = fold.Text(&fold.Input{Text: s, Query: c.q, Budget: b, IsError: c.in.IsError, Stop: c.in.Stop})
		}
		if ok {
			if q := jsonspan.Quote(out); len(q) < len(raw) {
				return q
			}
		}
		if len(s) <= 4*budget {
			return raw
		}
	}
	return c.cut(raw, s, budget)
}

// cut keeps the head of s (about budget bytes, ending on a character
// boundary) and a note of how much was cut.
func (c *compressor) cut(raw, s string, budget int) string {
	keep := min(max(budget-48, 64), len(s))
	for keep > 0 && keep < len(s) && !utf8.RuneStart(s[keep]) {
		keep--
	}
	rest := utf8.RuneCountInString(s[keep:])
	total := utf8.RuneCountInString(s[:keep]) + rest
	q := jsonspan.Quote(s[:keep] + " " + lines.Note(strconv.Itoa(rest)+" of "+strconv.Itoa(total)+" characters cut"))
	if len(q) >= len(raw) {
		return raw
	}
	return q
}
