package compress

import (
	"strings"
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
	switch {
	case isJSON(text):
		return KindJSON
	case looksLikeHTML(text):
		return KindHTML
	case looksLikeDiff(text):
		return KindDiff
	case looksLikeSearch(text) && !mostlyTimestamped(text):
		// ISO timestamps ("2026-03-01T10:00:00") read like path:line:
		// prefixes; records that start with one are a log.
		return KindSearch
	case looksLikeCode(text):
		return KindCode
	case looksLikeListing(text):
		return KindListing
	case looksLikeTable(text):
		return KindTable
	case looksLikeLog(text):
		return KindLog
	}
	return KindText
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

// looksLikeHTML: a document (doctype, <html>, <head>, <body>) or markup
// dense with common HTML elements.
func looksLikeHTML(text string) bool {
	head := text
	if len(head) > 4096 {
		head = head[:4096]
	}
	t := strings.ToLower(strings.TrimSpace(head))
	if strings.HasPrefix(t, "<!doctype html") || strings.HasPrefix(t, "<html") {
		return true
	}
	if !strings.HasPrefix(t, "<") {
		return false
	}
	tags := 0
	for _, tag := range []string{"<div", "<p>", "<p ", "<span", "<a ", "<li", "<table", "<td", "<h1", "<h2", "<h3", "<body", "<head", "<meta", "<script", "<br"} {
		tags += strings.Count(t, tag)
	}
	return tags >= 12
}

// looksLikeCode: most non-blank lines look like source code once a `cat -n`
// or Read-tool line-number prefix is removed: they end in a brace, bracket,
// semicolon or colon, start with a keyword or a comment, or are indented
// continuations; and few lines look like log records.
func looksLikeCode(text string) bool {
	lines := sampleLines(text, detectSampleLines)
	nonBlank, codeish, logish := 0, 0, 0
	for _, l := range lines {
		l = stripLineNumber(l)
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		nonBlank++
		if codeLine(l, t) {
			codeish++
		}
		if logRecordLine(t) {
			logish++
		}
	}
	if nonBlank < 5 {
		return false
	}
	return codeish*10 >= nonBlank*6 && logish*10 < nonBlank
}

// stripLineNumber removes a `cat -n` ("   12\t") or Read-tool ("    12→")
// line-number prefix.
func stripLineNumber(l string) string {
	i := 0
	for i < len(l) && l[i] == ' ' {
		i++
	}
	j := i
	for j < len(l) && l[j] >= '0' && l[j] <= '9' {
		j++
	}
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

var codeKeywords = []string{
	"func ", "package ", "import ", "import(", "return", "if ", "for ", "else", "switch ", "case ", "default:",
	"const ", "var ", "type ", "def ", "class ", "from ", "try:", "except", "raise ", "with ", "elif ",
	"#include", "#define", "public ", "private ", "protected ", "static ", "let ", "fn ", "use ", "struct ",
	"impl ", "pub ", "while ", "do ", "go ", "defer ", "select ", "async ", "await ", "export ", "function ",
	"@", "yield", "lambda", "pass", "break", "continue", "goto ", "namespace ", "template", "typedef ",
}

// codeLine reports whether a line (t is it trimmed) reads like source code.
func codeLine(l, t string) bool {
	switch t[len(t)-1] {
	case '{', '}', ';', ')', '(', ',', ':', '[', ']':
		return true
	}
	if strings.HasPrefix(t, "//") || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "/*") ||
		strings.HasPrefix(t, "*") || strings.HasPrefix(t, "\"\"\"") || strings.HasPrefix(t, "'''") {
		return true
	}
	for _, kw := range codeKeywords {
		if strings.HasPrefix(t, kw) {
			return true
		}
	}
	// An indented line of an assignment or call.
	if (strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "    ")) &&
		(strings.Contains(t, " = ") || strings.Contains(t, ":= ") || strings.Contains(t, "(")) {
		return true
	}
	return false
}

// logRecordLine reports whether a trimmed line starts like a log record: a
// date or time stamp, or a level word.
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

// looksLikeTable: whitespace-aligned columns. Over a sample of lines, at
// least three character positions are blank in nine lines of ten and
// separate text, and most lines carry padding (two or more spaces in a
// row), which single-spaced log records do not.
func looksLikeTable(text string) bool {
	lines := sampleLines(text, 200)
	var rows []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			rows = append(rows, strings.TrimRight(l, " \r"))
		}
	}
	if len(rows) < 4 {
		return false
	}
	maxLen, padded := 0, 0
	for _, r := range rows {
		maxLen = max(maxLen, len(r))
		if paddedFields(r) >= 3 {
			padded++
		}
	}
	if padded*10 < len(rows)*6 || maxLen > 4096 {
		return false
	}
	return len(columnGaps(rows, 0.9)) >= 3
}

// columnGaps returns the start of each run of positions that are blank (or
// past the end) in at least share of the rows, bordered by text on both
// sides in some rows.
func columnGaps(rows []string, share float64) []int {
	maxLen := 0
	for _, r := range rows {
		maxLen = max(maxLen, len(r))
	}
	blank := make([]int, maxLen)
	filled := make([]int, maxLen)
	for _, r := range rows {
		for i := 0; i < maxLen; i++ {
			if i >= len(r) || r[i] == ' ' || r[i] == '\t' {
				blank[i]++
			} else {
				filled[i]++
			}
		}
	}
	need := int(share * float64(len(rows)))
	var gaps []int
	inGap := false
	seenText := false
	for i := 0; i < maxLen; i++ {
		isGap := blank[i] >= need
		switch {
		case isGap && !inGap && seenText:
			gaps = append(gaps, i)
			inGap = true
		case !isGap:
			inGap = false
			seenText = true
		}
	}
	// A gap at the very end (ragged last column) is not a separator.
	if inGap && len(gaps) > 0 {
		gaps = gaps[:len(gaps)-1]
	}
	return gaps
}

func isDigitASCII(c byte) bool { return c >= '0' && c <= '9' }

// paddedFields counts the runs of two or more spaces inside a line (not at
// its start).
func paddedFields(l string) int {
	l = strings.TrimLeft(l, " ")
	n := 0
	for i := 0; i+1 < len(l); i++ {
		if l[i] == ' ' && l[i+1] == ' ' {
			n++
			for i < len(l) && l[i] == ' ' {
				i++
			}
		}
	}
	return n
}

// mostlyTimestamped reports whether most sampled lines start with a date
// or a time of day.
func mostlyTimestamped(text string) bool {
	lines := sampleLines(text, 100)
	n, ts := 0, 0
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" {
			n++
			if startsWithTimestamp(t) {
				ts++
			}
		}
	}
	return n > 0 && ts*2 > n
}

// startsWithTimestamp: YYYY-MM-DD / YYYY/MM/DD or HH:MM:SS at the start.
func startsWithTimestamp(t string) bool {
	if len(t) >= 10 && isDigitASCII(t[0]) && isDigitASCII(t[1]) && isDigitASCII(t[2]) && isDigitASCII(t[3]) &&
		(t[4] == '-' || t[4] == '/') && isDigitASCII(t[5]) && isDigitASCII(t[6]) {
		return true
	}
	return len(t) >= 8 && isDigitASCII(t[0]) && isDigitASCII(t[1]) && t[2] == ':' && isDigitASCII(t[3]) && isDigitASCII(t[4]) && t[5] == ':'
}
