// Package head cuts the start of a block that a kind's Detect reads, so
// that detection costs the same on a block of any size.
package head

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// MaxBytes is the byte bound of a detector's sample.
const MaxBytes = 64 << 10

// Lines splits the first maxLines lines of the first MaxBytes bytes of
// text, cut as Cut does.
func Lines(text string, maxLines int, whole bool) *lines.Lines {
	return lines.Split(Cut(text, maxLines, MaxBytes, whole))
}

// Cut returns the first maxLines lines of the first maxBytes bytes of
// text. The byte bound may fall inside a line: with whole set, that cut
// line is dropped (unless it is the only one), for a detector that judges
// whole lines; without it, the cut line is kept, for one that counts
// lines' starts.
func Cut(text string, maxLines, maxBytes int, whole bool) string {
	if len(text) > maxBytes {
		text = text[:maxBytes]
		if i := strings.LastIndexByte(text, '\n'); whole && i > 0 {
			text = text[:i+1]
		}
	}
	n := 0
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			if n++; n == maxLines {
				return text[:i+1]
			}
		}
	}
	return text
}
