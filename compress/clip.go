package compress

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Long kept lines: a process row carrying its whole environment, a
// minified bundle in a search hit, a base64 blob in a log can each weigh
// more than the rest of a compressed block. When a block is still over its
// budget after its compressor, every kept line longer than longLine keeps
// its start, its end and the text around the task's specific terms, and
// the rest of it becomes an inline note saying how much went. What stays
// is still verbatim, and a line the user asks to quote is never cut.

const (
	// longLine is the length (about 250 tokens) from which a kept line
	// may be cut.
	longLine = 1024
	// clipHead, clipTail and clipAround are what a cut line keeps: its
	// first and last bytes, and the bytes on each side of a task term.
	clipHead   = 240
	clipTail   = 96
	clipAround = 120
)

// clipLongLines cuts the long kept lines of out (see above) while out is
// over budget bytes. Notes are left as they are.
func clipLongLines(out string, q *relevance.Query, budget int) string {
	if len(out) <= budget || !hasLongLine(out) {
		return out
	}
	terms := specificTerms(q)
	var sb strings.Builder
	sb.Grow(len(out))
	for l := range strings.SplitAfterSeq(out, "\n") {
		line, nl := strings.CutSuffix(l, "\n")
		if len(line) > longLine && !lines.IsNote(line) && !quoted(line, q, terms) {
			line = clipLine(line, terms)
		}
		sb.WriteString(line)
		if nl {
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

func hasLongLine(s string) bool {
	for len(s) > longLine {
		i := strings.IndexByte(s, '\n')
		if i < 0 || i > longLine {
			return true
		}
		s = s[i+1:]
	}
	return false
}

// specificTerms are the terms of the latest request worth keeping text
// around: identifiers, numbers, phrases and longer words.
func specificTerms(q *relevance.Query) []relevance.Term {
	var out []relevance.Term
	for _, t := range q.Terms {
		if t.Latest && (t.Kind != relevance.Word || len(t.Text) >= 4 && t.Prior >= 1) {
			out = append(out, t)
		}
	}
	return out
}

// quoted reports whether the user asks to quote line: a quote request
// naming something the line holds.
func quoted(line string, q *relevance.Query, terms []relevance.Term) bool {
	if !q.Intent.Has(relevance.Quote) {
		return false
	}
	for _, t := range terms {
		if containsTerm(line, t) {
			return true
		}
	}
	return false
}

// clipLine keeps line's head, tail and the text around each term, and
// notes every gap longer than its note.
func clipLine(line string, terms []relevance.Term) string {
	keep := make([][2]int, 0, 4)
	keep = append(keep, [2]int{0, clipHead}, [2]int{len(line) - clipTail, len(line)})
	for _, t := range terms {
		for off, n := 0, 0; n < 8; n++ {
			i, j := lines.IndexFold(line[off:], t.Text)
			if i < 0 || j == i {
				break
			}
			keep = append(keep, [2]int{off + i - clipAround, off + j + clipAround})
			off += j
		}
	}
	// Merge the spans, in order, on rune boundaries.
	spans := mergeSpans(keep, len(line))
	for i := range spans {
		spans[i][0] = runeStart(line, spans[i][0])
		spans[i][1] = runeStart(line, spans[i][1])
	}
	var sb strings.Builder
	pos := 0
	for _, sp := range spans {
		if gap := sp[0] - pos; gap > 0 {
			sb.WriteString(lines.Note(strconv.Itoa(gap) + " bytes of this line omitted"))
		}
		sb.WriteString(line[sp[0]:sp[1]])
		pos = sp[1]
	}
	if len(sb.String()) >= len(line) {
		return line
	}
	return sb.String()
}

// mergeSpans clamps spans to [0, n), sorts them and merges those that
// overlap or lie closer than a note is long.
func mergeSpans(spans [][2]int, n int) [][2]int {
	for i := range spans {
		spans[i][0] = max(0, spans[i][0])
		spans[i][1] = min(n, spans[i][1])
	}
	for i := 1; i < len(spans); i++ {
		for j := i; j > 0 && spans[j][0] < spans[j-1][0]; j-- {
			spans[j], spans[j-1] = spans[j-1], spans[j]
		}
	}
	const noteLen = 40
	out := spans[:1]
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		if sp[0] <= last[1]+noteLen {
			last[1] = max(last[1], sp[1])
			continue
		}
		out = append(out, sp)
	}
	return out
}

// runeStart moves i back to the start of the rune holding it.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}
