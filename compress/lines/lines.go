// Package lines is the line toolkit of the native engine: a block split into
// lines without copying, the words of a line, its shape (what is left when
// numbers, hashes and ids are masked), the numbers it carries, whether it
// reports a problem or sums up a run, and a writer that keeps lines verbatim
// and replaces what was left out with plain notes.
//
// It knows nothing about content kinds, tasks or budgets: the kind
// compressors and the generic fold build on it.
package lines

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Lines is a text split into lines. Lines share memory with the text.
type Lines struct {
	// Text is the whole text.
	Text string
	// L holds the lines without their '\n' (a '\r' before it stays). A final
	// '\n' does not start an extra empty line; FinalNL records it.
	L []string
	// Start[i] is the byte offset of L[i] in Text.
	Start   []int
	FinalNL bool
}

// Split splits text into lines with two allocations, whatever its size.
func Split(text string) *Lines {
	n := strings.Count(text, "\n") + 1
	b := &Lines{Text: text, L: make([]string, 0, n), Start: make([]int, 0, n)}
	off := 0
	for off < len(text) {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			break
		}
		b.L = append(b.L, text[off:off+i])
		b.Start = append(b.Start, off)
		off += i + 1
	}
	if off < len(text) {
		b.L = append(b.L, text[off:])
		b.Start = append(b.Start, off)
	} else {
		b.FinalNL = len(text) > 0
	}
	return b
}

// Len is the number of lines.
func (b *Lines) Len() int { return len(b.L) }

// At returns the index of the line holding byte offset off.
func (b *Lines) At(off int) int {
	return sort.SearchInts(b.Start, off+1) - 1
}

// End returns the byte offset just past line i and its '\n' (if any).
func (b *Lines) End(i int) int {
	if i+1 < len(b.Start) {
		return b.Start[i+1]
	}
	return len(b.Text)
}

// Span returns the text of lines [from, to), with the newlines between
// them and the one after the last, as it stands in Text.
func (b *Lines) Span(from, to int) string {
	if from >= to {
		return ""
	}
	return b.Text[b.Start[from]:b.End(to-1)]
}

// Blank reports whether s holds only white space: what strings.TrimSpace
// removes (so a line that is not Blank trims to something).
func Blank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n', '\v', '\f':
		default:
			if s[i] < utf8.RuneSelf {
				return false
			}
			return strings.TrimSpace(s[i:]) == ""
		}
	}
	return true
}

// Indent is the width of s's leading blanks (a tab counts 4).
func Indent(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			n++
		case '\t':
			n += 4
		default:
			return n
		}
	}
	return n
}

// IsRule reports whether s is a separator line: at least eight of one
// punctuation character (---, ===, ___, ***, ~~~, ###), possibly with a short
// title in the middle ("===== FAILURES =====", "____ test_x ____").
func IsRule(s string) bool {
	t := strings.TrimSpace(s)
	if len(t) < 8 {
		return false
	}
	c := t[0]
	if strings.IndexByte("-=_*~#+", c) < 0 {
		return false
	}
	lead := 0
	for lead < len(t) && t[lead] == c {
		lead++
	}
	if lead == len(t) {
		return true
	}
	trail := 0
	for trail < len(t) && t[len(t)-1-trail] == c {
		trail++
	}
	return lead >= 3 && trail >= 3 && lead+trail >= 8 && len(t)-lead-trail <= 100
}

// TrimCR drops one trailing '\r'.
func TrimCR(s string) string {
	return strings.TrimSuffix(s, "\r")
}
