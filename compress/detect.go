package compress

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Content detection: cheap, deterministic checks on the text alone, tried
// from the most specific kind to the most general. Each check looks at a
// bounded sample of lines, so detection costs little even on megabytes.

// detectSampleLines bounds how many lines the line-based checks read.
const detectSampleLines = 400

// detectKind names the kind of text. Source code (also in `cat -n` or
// Read-tool numbered form) is KindCode and prose KindText: both are left
// alone by the native engine.
func detectKind(text string) Kind {
	for _, d := range detectedKinds {
		if d.detect(text) {
			return d.kind
		}
	}
	return KindText
}

// looksLikeLog reports program output read line by line — a log, a build
// or test run, a trace: most sampled lines start like a log record (a
// timestamp or a level), or share their first word's shape with many
// others, or the text holds problem lines among a run of lines, or it is
// a wall of compiler diagnostics with code frames. Anything
// else that no detector claims is prose (KindText), left alone when small.
func looksLikeLog(text string) bool {
	sample := sampleLines(text, 200)
	nonBlank, records, problems := 0, 0, 0
	first := map[string]int{}
	for _, l := range sample {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		nonBlank++
		if logRecordLine(t) {
			records++
		}
		if lines.Signal(t) == lines.Problem {
			problems++
		}
		if f, _, _ := strings.Cut(t, " "); f != "" {
			first[lines.Masked(f)]++
		}
	}
	if nonBlank < 5 {
		return false
	}
	if records*10 >= nonBlank*3 || problems >= 2 && nonBlank >= 8 || diagnosticWall(sample) {
		return true
	}
	top := 0
	for _, c := range first {
		top = max(top, c)
	}
	return nonBlank >= 10 && top*10 >= nonBlank*3
}

// sampleLines returns up to n lines from the start of text.
func sampleLines(text string, n int) []string {
	lines := make([]string, 0, min(n, 64))
	for len(text) > 0 && len(lines) < n {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i])
		text = text[i+1:]
	}
	return lines
}

// looksLikeCode reports source code (also in `cat -n` or Read-tool
// numbered form): many non-blank lines open or close a block, end a
// statement, start with a keyword followed by code punctuation, or are
// comments; and the lines do not repeat one shape the way program output
// does. A line ending in ')' is not evidence: log lines often do
// ("(cache updated)", "(0.01s)").
func looksLikeCode(text string) bool {
	lines := sampleLines(text, detectSampleLines)
	if diagnosticWall(lines) {
		// Diagnostics quote code in their frames: program output.
		return false
	}
	nonBlank, codeish, logish, structural, frames := 0, 0, 0, 0, 0
	firstWord := map[string]int{}
	for _, l := range lines {
		l = stripLineNumber(l)
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		nonBlank++
		switch codeLine(t) {
		case 2:
			codeish += 2
			structural++
		case 1:
			codeish++
		}
		if logRecordLine(t) {
			logish++
		}
		if stackFrameLine(t) {
			frames++
		}
		if f, _, _ := strings.Cut(t, " "); len(f) > 1 && !isCommentMarker(f) {
			// Masked, so that annotated lines (a hash or a number before
			// each line, as blame output has) count as one word.
			firstWord[masked(f)]++
		}
	}
	if nonBlank < 3 || frames*10 >= nonBlank*2 {
		// A stack trace quotes a source line under each frame: program
		// output, however much code it quotes.
		return false
	}
	// Program output repeats its first word; code rarely does beyond its
	// keywords (which codeLine already counted).
	for w, c := range firstWord {
		if nonBlank < 10 {
			continue
		}
		if c*10 >= nonBlank*4 && !isCodeKeyword(w) || c*10 >= nonBlank*8 {
			return false
		}
	}
	// Lines that look like calls are not enough (a system-call trace is
	// all calls): code also opens and closes blocks and ends statements.
	return codeish*10 >= nonBlank*6 && logish*10 < nonBlank && structural*10 >= nonBlank
}

// stripLineNumber removes a `cat -n` ("   12\t") or Read-tool ("    12→")
// line-number prefix.
func stripLineNumber(l string) string {
	i := 0
	for i < len(l) && l[i] == ' ' {
		i++
	}
	j := lines.SkipDigits(l, i)
	if j == i || j-i > 7 {
		return l
	}
	switch {
	case j < len(l) && l[j] == '\t':
		return l[j+1:]
	case strings.HasPrefix(l[j:], "→"):
		return l[j+len("→"):]
	}
	return l
}

var codeKeywords = map[string]bool{
	"func": true, "package": true, "import": true, "return": true, "if": true, "for": true, "else": true,
	"switch": true, "case": true, "default:": true, "const": true, "var": true, "type": true, "def": true,
	"class": true, "from": true, "try:": true, "except": true, "raise": true, "with": true, "elif": true,
	"#include": true, "#define": true, "public": true, "private": true, "protected": true, "static": true,
	"let": true, "fn": true, "use": true, "struct": true, "impl": true, "pub": true, "while": true,
	"defer": true, "select": true, "async": true, "await": true, "export": true, "function": true,
	"yield": true, "lambda": true, "break": true, "continue": true, "namespace": true, "template": true,
	"typedef": true, "interface": true, "enum": true, "match": true, "mod": true, "extern": true,
	"throw": true, "new": true, "do": true, "go": true, "end": true, "module": true, "require": true,
}

// isCommentMarker reports the words that open a comment line.
func isCommentMarker(w string) bool {
	switch w {
	case "//", "#", "/*", "--", ";", "///", "//!", "#!", `"""`, "'" + "''":
		return true
	}
	return false
}

// masked replaces each run of digits (and hex with digits) in w by '#'.
func masked(w string) string { return lines.Masked(w) }

func isCodeKeyword(w string) bool {
	return codeKeywords[strings.TrimRight(w, "({:")]
}

// codeLine grades a trimmed line as source code: 2 for a line only code
// writes (it opens or closes a block, ends a statement, or starts with a
// keyword and holds code punctuation), 1 for a comment or an indented
// assignment, 0 otherwise.
func codeLine(t string) int {
	switch t {
	case "}", "};", "})", "});", "]", "];", "end", ")", "),":
		return 2
	}
	last := t[len(t)-1]
	if last == '{' || last == ';' {
		return 2
	}
	if strings.HasPrefix(t, "//") || strings.HasPrefix(t, "/*") ||
		strings.HasPrefix(t, "\"\"\"") || strings.HasPrefix(t, "# ") {
		return 1
	}
	w, rest, _ := strings.Cut(t, " ")
	if strings.HasSuffix(w, ":") && w != "default:" && w != "else:" && w != "try:" && w != "finally:" {
		// "type: bool": a key, not a keyword.
		return 0
	}
	if isCodeKeyword(w) && (strings.ContainsAny(rest, "(){}[]=:;,\"'") || rest == "" || last == ':') {
		return 2
	}
	if strings.ContainsAny(w, "(") && (last == ')' || last == ',' || last == '{') && !strings.Contains(t, ": ") {
		// A call statement: foo(bar) / foo.bar(x,
		return 1
	}
	if strings.Contains(t, " = ") || strings.Contains(t, " := ") || strings.Contains(t, " += ") {
		return 1
	}
	return 0
}

// logRecordLine reports whether a trimmed line starts like a log record: a
// date or time stamp, or a level word.
// stackFrameLine reports a line of a stack trace: a traceback's opening,
// a frame naming its file and line (`File "x.py", line 3, in f`, `at
// f (x.js:3:5)`, `at a.B.f(B.java:3)`), or a goroutine's frame location.
func stackFrameLine(t string) bool {
	switch {
	case strings.HasPrefix(t, "Traceback ("):
		return true
	case strings.HasPrefix(t, "File \""):
		return strings.Contains(t, "\", line ")
	case strings.HasPrefix(t, "at "):
		return strings.HasSuffix(t, ")") && strings.Contains(t, "(") && strings.Contains(t, ":")
	case strings.HasPrefix(t, "/"):
		return strings.Contains(t, ".go:") && strings.Contains(t, " +0x")
	}
	return false
}

func logRecordLine(t string) bool {
	if startsWithTimestamp(t) {
		return true
	}
	for _, lvl := range []string{"INFO", "WARN", "ERROR", "DEBUG", "TRACE", "=== RUN", "--- PASS", "--- FAIL", "ok  \t", "[INFO]", "[WARN]"} {
		if strings.HasPrefix(t, lvl) {
			return true
		}
	}
	return false
}

func isDigitASCII(c byte) bool { return c >= '0' && c <= '9' }

// startsWithTimestamp: YYYY-MM-DD / YYYY/MM/DD or HH:MM:SS at the start.
func startsWithTimestamp(t string) bool {
	if len(t) >= 10 && isDigitASCII(t[0]) && isDigitASCII(t[1]) && isDigitASCII(t[2]) && isDigitASCII(t[3]) &&
		(t[4] == '-' || t[4] == '/') && isDigitASCII(t[5]) && isDigitASCII(t[6]) {
		return true
	}
	return len(t) >= 8 && isDigitASCII(t[0]) && isDigitASCII(t[1]) && t[2] == ':' && isDigitASCII(t[3]) && isDigitASCII(t[4]) && t[5] == ':'
}
