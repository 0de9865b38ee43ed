package lines

import (
	"strconv"
	"strings"
)

// Notes replace what a lossy step leaves out. They are plain text a reader
// understands without tsheadroom, in one recognisable form: "[... what was
// left out ...]". Everything else a compressor writes is copied verbatim
// from its input.
const (
	NoteOpen  = "[... "
	NoteClose = " ...]"
)

// Note returns msg as a note.
func Note(msg string) string { return NoteOpen + msg + NoteClose }

// IsNote reports whether line is a note.
func IsNote(line string) bool {
	line = strings.TrimSpace(line)
	return strings.HasPrefix(line, NoteOpen) && strings.HasSuffix(line, NoteClose)
}

// WithoutNotes calls fn for each part of s outside notes.
func WithoutNotes(s string, fn func(part string)) {
	for {
		i := strings.Index(s, NoteOpen)
		if i < 0 {
			fn(s)
			return
		}
		j := strings.Index(s[i:], NoteClose)
		if j < 0 {
			fn(s)
			return
		}
		fn(s[:i])
		s = s[i+j+len(NoteClose):]
	}
}

// Writer builds a compressed text line by line.
type Writer struct {
	b     strings.Builder
	lines int
}

// Grow reserves room for n more bytes.
func (w *Writer) Grow(n int) { w.b.Grow(n) }

// Line writes s and a newline.
func (w *Writer) Line(s string) {
	w.b.WriteString(s)
	w.b.WriteByte('\n')
	w.lines++
}

// Raw writes s as it is (it should end in a newline).
func (w *Writer) Raw(s string) {
	w.b.WriteString(s)
	w.lines += strings.Count(s, "\n")
}

// Note writes a note line.
func (w *Writer) Note(msg string) {
	w.b.WriteString(NoteOpen)
	w.b.WriteString(msg)
	w.b.WriteString(NoteClose)
	w.b.WriteByte('\n')
	w.lines++
}

// Len is the number of bytes written so far.
func (w *Writer) Len() int { return w.b.Len() }

// Lines is the number of lines written so far.
func (w *Writer) Lines() int { return w.lines }

// String returns the text, ending in a newline only when finalNL.
func (w *Writer) String(finalNL bool) string {
	s := w.b.String()
	if !finalNL {
		s = strings.TrimSuffix(s, "\n")
	}
	return s
}

// Count renders "1 line" / "12 lines".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
