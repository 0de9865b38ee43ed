// Package search compresses search results: the hits of a recursive grep
// or any tool printing "path:line:text" (and "path:line:col:text"), with
// "path-line-text" context lines and "--" group separators; the hits of a
// search of one file ("line:text"); per-file counts ("path:count"); and
// reports that head each file's hits with its path (a path line, then
// "line:text" or "  line:col  message" members, as linters and
// ripgrep --heading print); and annotated files, where each line of one
// file carries its commit ("hash (author date N) text", as blame prints).
//
// Lossless first: consecutive hits of one file are grouped under their
// path, written once as a "path:" heading with "line:text" members (the
// lines of one commit under their annotation) — every line still a
// substring of the input — unless the query asks for lines as printed. A small result, or one within budget, is not cut: a short search
// is often itself the answer. Lossy steps run only while over budget: whole
// low-relevance files go first (a note names each with its hit count),
// then the hits of the remaining files are capped, relevance deciding
// which stay: hits holding task terms and the code around them (nearby
// line numbers of the same file), problem and summary lines, the first and
// last hit of each file, the first hit of each category of a per-file
// report (a linter's rule), the largest counts.
//
// It does not handle compiler diagnostics with code frames, logs, or
// listings of bare paths (grep -l): those are other kinds.
package search

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/head"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// detectLines bounds what Detect reads (and head.MaxBytes).
const detectLines = 200

// Detect reports whether text is a search result: within its first lines,
// a hit and at least three hits and context lines together, and seven
// lines in ten are hits, context lines, separators or file headings. A search of one file without paths
// ("12:text") must show strictly increasing line numbers.
func Detect(text string) bool {
	// A hit line is counted from its start, so the line the byte bound
	// cuts is read too.
	ls := head.Lines(text, detectLines, false)
	p := parse(ls, nil)
	var c [count + 1]int
	for _, k := range p.kind {
		c[k]++
	}
	nonBlank := len(p.kind) - c[blank]
	hits := c[match] + c[count]
	structured := c[match] + c[context] + c[separator] + c[heading] + c[count]
	if hits == 0 || hits+c[context] < 3 || structured*10 < nonBlank*7 {
		return false
	}
	if diagnostics(ls, p, hits) {
		return false
	}
	named := false
	for _, f := range p.files {
		if f.path != "" {
			named = true
		}
	}
	if named {
		return true
	}
	// One file searched, no paths: line numbers go up.
	if structured*10 < nonBlank*9 || hits+c[context] < 5 {
		return false
	}
	up, pairs, last := 0, 0, int32(-1)
	for i, k := range p.kind {
		if k != match && k != context {
			continue
		}
		if last >= 0 {
			pairs++
			if p.num[i] > last {
				up++
			}
		}
		last = p.num[i]
	}
	return up*10 >= pairs*9
}

// smallBytes is the size up to which a search result is never cut (about
// 1,500 tokens): a short search is often itself the answer.
const smallBytes = 6 << 10

// Compress compresses a search result (see the package doc). ok is false
// when nothing worth changing was found.
func Compress(in *fold.Input) (string, bool) {
	b := in.Lines()
	if len(b.L) == 0 {
		return "", false
	}
	p := parse(b, in.Stop)
	if len(p.files) == 0 || in.Stopped() {
		return "", false
	}
	c := newCompressor(in, p)
	if in.Stopped() {
		// The caller gave up (its index may be partial): rendering even
		// the lossless form reads the whole block again.
		return "", false
	}
	return in.Choose(c.render(nil), smallBytes, c.lossy)
}

// diagnostics reports whether most hits are a compiler's or checker's
// diagnostics rather than matched lines: "path:line:col: message" (one
// blank, then the message, where a matched line of code has its own
// indentation or none) or "path:line: error: message". Those lines are
// what a user quotes and an editor jumps to: they are a build log, whose
// lines stay whole, not hits to regroup under their file.
func diagnostics(ls *lines.Lines, p *parsed, hits int) bool {
	diag := 0
	for i, k := range p.kind {
		if k == match && diagnosticLine(ls.L[i]) {
			diag++
		}
	}
	return diag*10 >= hits*6
}

// diagnosticLine reports whether l reads "path:line:col: message" or
// "path:line: severity: message".
func diagnosticLine(l string) bool {
	path, rest, ok := strings.Cut(l, ":")
	if !ok || path == "" || strings.ContainsAny(path, " \t") {
		return false
	}
	n := lines.SkipDigits(rest, 0)
	if n == 0 || n >= len(rest) || rest[n] != ':' {
		return false
	}
	rest = rest[n+1:]
	if m := lines.SkipDigits(rest, 0); m > 0 && m < len(rest) && rest[m] == ':' {
		rest = rest[m+1:]
		return len(rest) > 2 && rest[0] == ' ' && rest[1] != ' ' && rest[1] != '\t'
	}
	if len(rest) < 2 || rest[0] != ' ' {
		return false
	}
	word, _, ok := strings.Cut(rest[1:], ":")
	if !ok {
		return false
	}
	switch strings.ToLower(word) {
	case "error", "warning", "note", "info", "fatal error", "hint":
		return true
	}
	return false
}
