package relevance

import (
	"slices"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Spans: a request that names a stretch of output by its two ends
// ("offsets 0x1a40 through 0x1a70", "lines 120-140", "between 10:02 and
// 10:05") wants what lies between them, not only the two lines that hold
// the ends. Only ends with a digit count: a number, an offset, a time, a
// version — prose ("from start to finish") names no stretch of lines.

// Span is a stretch the request names: the spellings of each end, which
// are terms of the query.
type Span struct {
	From, To []string
}

// maxSpans bounds the spans a query names.
const maxSpans = 4

// spanWords join the two ends of a span.
var spanWords = setOf(`to through thru till until - – — ..`)

// spansOf finds the spans of s: "X to Y" (or through, until, a dash),
// "between X and Y", and one token "X-Y" or "X..Y".
func spansOf(s string) []Span {
	fields := strings.Fields(s)
	var out []Span
	add := func(a, b string) {
		a, b = spanEnd(a), spanEnd(b)
		if a == "" || b == "" || a == b || len(out) == maxSpans {
			return
		}
		out = append(out, Span{From: endForms(a), To: endForms(b)})
	}
	for k, f := range fields {
		if k+2 < len(fields) && (spanWords[strings.ToLower(fields[k+1])] || fields[k+1] == "and" && k > 0 && strings.EqualFold(fields[k-1], "between")) {
			add(f, fields[k+2])
			continue
		}
		t := strings.Trim(f, ".,;:!?()[]{}<>\"'`*")
		for _, sep := range [...]string{"..", "–", "-"} {
			if strings.Count(t, sep) == 1 {
				i := strings.Index(t, sep)
				add(t[:i], t[i+len(sep):])
				break
			}
		}
	}
	return out
}

// spanEnd returns a span's end as a term, or "" when it is no end: it
// must hold a digit.
func spanEnd(f string) string {
	f = strings.Trim(f, ".,;:!?()[]{}<>\"'`*")
	if len(f) < 2 || !strings.ContainsFunc(f, func(r rune) bool { return r >= '0' && r <= '9' }) {
		return ""
	}
	return lines.Fold(f)
}

// endForms returns the spellings of a span's end: itself, and the forms
// of a hexadecimal offset.
func endForms(e string) []string {
	return append([]string{e}, hexForms(e)...)
}

// SpanUnits returns the units of the first stretch of the text that span
// s names: from the first unit holding its start to the first unit at or
// after it holding its end; ok is false when the text holds no such pair.
func (ix *Index) SpanUnits(s Span) (from, to int, ok bool) {
	first := func(ends []string, after int) int {
		best := -1
		for t := range ix.q.Terms {
			if !slices.Contains(ends, ix.q.Terms[t].Text) {
				continue
			}
			hits, _ := ix.Hits(t)
			for _, u := range hits {
				if int(u) >= after {
					if best < 0 || int(u) < best {
						best = int(u)
					}
					break
				}
			}
		}
		return best
	}
	from = first(s.From, 0)
	if from < 0 {
		return 0, 0, false
	}
	to = first(s.To, from)
	return from, to, to >= 0
}
