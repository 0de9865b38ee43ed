package diff

import (
	"github.com/tsheadroom/tsheadroom/compress/internal/head"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// detectLines bounds the sample Detect reads (and head.MaxBytes).
const detectLines = 400

// Detect reports whether text is a block this package compresses: a
// unified diff (a hunk under a file header), a commit log (two or more
// commits with their headers, with or without patches or stat lines), or
// a one-line commit log. It reads a bounded sample from the start, and
// asks that most of the sample be diff or log structure, so that source
// code or a log quoting a diff is not claimed.
func Detect(text string) bool {
	// Diff and log structure is judged by whole lines: a line the byte
	// bound cuts is left out of the sample.
	b := head.Lines(text, detectLines, true)
	if len(b.L) == 0 {
		return false
	}
	d := parse(b)
	headed := 0
	for _, f := range d.files {
		if f.part >= 0 && len(f.hunks) > 0 {
			headed++
		}
	}
	if headed == 0 && len(d.commits) < 2 {
		return isOneline(b.L)
	}
	structure, blank := 0, 0
	for _, p := range d.parts {
		if p.kind != partOther {
			structure += p.to - p.from
			continue
		}
		for i := p.from; i < p.to; i++ {
			if lines.Blank(b.L[i]) {
				blank++
			}
		}
	}
	return structure*2 >= len(b.L)-blank
}
