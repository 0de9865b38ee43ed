package compress

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Compiler and linter diagnostics quote the code they are about in code
// frames (a line-number gutter "  12 | x = y;", caret lines "   |   ^~~",
// "  --> src/a.rs:3:5"), so a wall of them holds much code; yet it is
// program output, read as a log. Told apart by layout alone: most lines
// are diagnostic headers or frame lines, and headers are a good part of
// the lines that are not frames. A code read with a line-number gutter has
// frames but no headers.

// minDiagnostics is the fewest diagnostic headers that make a wall.
const minDiagnostics = 3

// diagnosticWall reports whether the sampled lines are diagnostics with
// code frames.
func diagnosticWall(sample []string) bool {
	nonBlank, headers, frames := 0, 0, 0
	for _, l := range sample {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		nonBlank++
		switch {
		case frameLine(t):
			frames++
		case diagnosticHeader(t):
			headers++
		}
	}
	rest := nonBlank - frames
	return headers >= minDiagnostics && frames >= headers &&
		(headers+frames)*10 >= nonBlank*6 && headers*10 >= rest*4
}

// severityWords open or follow the place of a diagnostic.
var severityWords = map[string]bool{"error": true, "warning": true, "note": true, "help": true, "remark": true, "info": true}

// diagnosticHeader reports a trimmed line that opens a diagnostic: a
// source location then a severity ("a.c:7:7: warning: ...", "a.ts:3:5 -
// error TS2322: ...", "a.ts(3,5): error ..."), or a severity with a colon
// or a code ("warning: unused ...", "error[E0308]: ...").
func diagnosticHeader(t string) bool {
	f, rest, _ := strings.Cut(t, " ")
	if severityWords[strings.ToLower(strings.TrimRight(f, ":"))] && strings.HasSuffix(f, ":") {
		return true
	}
	if w, _, ok := strings.Cut(f, "["); ok && severityWords[strings.ToLower(w)] && strings.HasSuffix(f, "]:") {
		return true
	}
	if !lines.SourceLocation(f) {
		return false
	}
	for k := 0; k < 2 && rest != ""; k++ {
		var w string
		w, rest, _ = strings.Cut(rest, " ")
		if severityWords[strings.ToLower(strings.TrimRight(w, ":"))] {
			return true
		}
	}
	return false
}

// frameLine reports a trimmed line of a code frame: a gutter with or
// without a line number ("12 | x", "|   ^~~", "... |"), a frame's location
// ("--> src/a.rs:3:5", "::: src/b.rs:9:1"), a frame's note ("= note: ..."),
// or a caret line alone ("^~~~~").
func frameLine(t string) bool {
	switch {
	case t[0] == '|', strings.HasPrefix(t, "--> "), strings.HasPrefix(t, "::: "),
		strings.HasPrefix(t, "= note:"), strings.HasPrefix(t, "= help:"):
		return true
	case strings.HasPrefix(t, "..."):
		return strings.Contains(t, "|")
	}
	if j := lines.SkipDigits(t, 0); j > 0 && j < 8 {
		r := strings.TrimLeft(t[j:], " ")
		return r == "|" || strings.HasPrefix(r, "| ") || strings.HasPrefix(r, "|\t")
	}
	return strings.Trim(t, "^~-+ ") == "" && strings.ContainsAny(t, "^~")
}
