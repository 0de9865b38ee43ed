package compress

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// This file holds the log compressor (logs, build and test output, system
// logs, stack traces) and the line machinery that the search, listing and
// diff compressors share with it: splitting a block into lines without
// copying, marking lines that carry error signals or task terms, and
// writing self-describing omission notes.

// blockLines is a block split into lines. Lines share memory with the text;
// nothing is copied.
type blockLines struct {
	text string
	// lines are the block's lines without their '\n'. A final '\n' does
	// not start an extra empty line (finalNL records it).
	lines []string
	// starts[i] is the byte offset of lines[i] in text.
	starts  []int
	finalNL bool
	// lower is text with ASCII letters lowercased (same offsets), built
	// on first use by the substring scans.
	lower string
}

// lowered returns the ASCII-lowercased text.
func (b *blockLines) lowered() string {
	if b.lower == "" && b.text != "" {
		buf := make([]byte, len(b.text))
		text := b.text[:len(buf)] // one bounds check for the loop
		for i := range buf {
			buf[i] = asciiLower[text[i]]
		}
		b.lower = string(buf)
	}
	return b.lower
}

// asciiLower maps a byte to its ASCII lowercase (a read-only table: a
// lookup is cheaper than a branch per byte).
var asciiLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'A' && i <= 'Z' {
			t[i] = byte(i) + 'a' - 'A'
		}
	}
	return t
}()

// splitBlock splits text into lines (two allocations, whatever the size).
func splitBlock(text string) *blockLines {
	n := strings.Count(text, "\n") + 1
	b := &blockLines{text: text, lines: make([]string, 0, n), starts: make([]int, 0, n)}
	off := 0
	for off < len(text) {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			break
		}
		b.lines = append(b.lines, text[off:off+i])
		b.starts = append(b.starts, off)
		off += i + 1
	}
	if off < len(text) {
		b.lines = append(b.lines, text[off:])
		b.starts = append(b.starts, off)
	} else {
		b.finalNL = len(text) > 0
	}
	return b
}

// lineAt returns the index of the line holding byte offset off.
func (b *blockLines) lineAt(off int) int {
	return sort.SearchInts(b.starts, off+1) - 1
}

// markSignals sets marks[i] for every line with an error signal and
// returns how many it marked.
func (b *blockLines) markSignals(marks []bool) int {
	n := 0
	for i, l := range b.lines {
		if hasErrorSignal(l) {
			marks[i] = true
			n++
		}
	}
	return n
}

// markTerms sets marks[i] for every line that mentions one of the task
// terms (case-insensitive) and returns, per term, the lines it marked. A
// term found on more than limit lines is not distinctive in this block and
// marks nothing: keeping every line that mentions it would keep most of
// the block. Each term costs one scan of the text, not one per line.
func (b *blockLines) markTerms(terms []string, limit int, marks []bool) [][]int {
	per := make([][]int, len(terms))
	for k, t := range terms {
		per[k] = b.termHits(t, limit, nil)
		for _, li := range per[k] {
			marks[li] = true
		}
	}
	return per
}

// termHits appends to dst the lines that mention term, in order, or
// nothing when more than limit lines do (or the term is unusable).
func (b *blockLines) termHits(term string, limit int, dst []int) []int {
	if term == "" || strings.IndexByte(term, '\n') >= 0 || len(b.lines) == 0 {
		return dst
	}
	n0 := len(dst)
	// Terms are lowercase: an ASCII one is found in the lowered text by a
	// plain (fast) substring search; others fold case as they go.
	hay, find := b.text, func(s string) int { return indexFold(s, term) }
	if isASCII(term) {
		hay, find = b.lowered(), func(s string) int { return strings.Index(s, term) }
	}
	for off := 0; off < len(hay) && len(dst)-n0 <= limit; {
		i := find(hay[off:])
		if i < 0 {
			break
		}
		li := b.lineAt(off + i)
		dst = append(dst, li)
		// Continue after the end of that line: one hit per line.
		off = b.starts[li] + len(b.lines[li]) + 1
	}
	if len(dst)-n0 > limit {
		return dst[:n0]
	}
	return dst
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// termLimit is how many lines of a block a task term may mark before it
// counts as too common to single anything out.
func termLimit(lines int) int {
	return max(8, lines/25)
}

// weakTermLimit is termLimit for derived task terms (stems, parts of
// compound terms): they only guess at what the user wrote, so in a long
// log they single out lines only when very rare ("upgrad" from "upgraded"
// on every upgrade line of a package log does not).
func weakTermLimit(lines int) int {
	return max(3, lines/300)
}

// hasWordPrefix reports whether the lowercase term starts a word of line
// (case-insensitive).
func hasWordPrefix(line, term string) bool {
	for off := 0; off < len(line); {
		i := indexFold(line[off:], term)
		if i < 0 {
			return false
		}
		if i += off; i == 0 || !isWordByte(line[i-1]) {
			return true
		}
		off = i + 1
	}
	return false
}

// splitTermStrength splits task terms into the ones the user wrote and the
// weaker ones derived from them: stems of the task's words and the parts of
// compound terms (splitCompoundTerms).
func splitTermStrength(terms, stems []string) (strong, weak []string) {
	for _, t := range terms {
		if slices.Contains(stems, t) {
			weak = append(weak, t)
		} else {
			strong = append(strong, t)
		}
	}
	for _, t := range splitCompoundTerms(terms) {
		if !slices.Contains(terms, t) {
			weak = append(weak, t)
		}
	}
	return strong, weak
}

// lineOut writes the kept lines of a block and the notes that stand in for
// what was dropped, with one '\n' between lines.
type lineOut struct {
	sb    strings.Builder
	lines int
}

func (o *lineOut) line(s string) {
	if o.lines > 0 {
		o.sb.WriteByte('\n')
	}
	o.sb.WriteString(s)
	o.lines++
}

// finish returns the output, ending in '\n' when the input did.
func (o *lineOut) finish(finalNL bool) string {
	if finalNL && o.lines > 0 {
		o.sb.WriteByte('\n')
	}
	return o.sb.String()
}

// repeatNote is the lossless note for a run of identical lines.
func repeatNote(times int) string {
	if times == 1 {
		return "[previous line repeated once]"
	}
	return "[previous line repeated " + strconv.Itoa(times) + " times]"
}

// sameShape reports whether two lines differ only in numbers, hashes,
// timestamps, ids and a minority of free-text fields: they split into the
// same number of fields, their first fields match once digit runs are
// ignored, and at least half of all fields match that way.
func sameShape(a, b string) bool {
	var r shapeRef
	r.set(a, nil)
	return r.matches(b)
}

// shapeRef is a line split into fields once, to compare many lines with.
type shapeRef struct{ fields []string }

// set splits ex, reusing buf.
func (r *shapeRef) set(ex string, buf []string) {
	r.fields = buf[:0]
	for {
		var f string
		f, ex = nextField(ex)
		if f == "" {
			return
		}
		r.fields = append(r.fields, f)
	}
}

// matches reports sameShape(ex, b) for the line r was set to. It stops as
// soon as the answer is known and allocates nothing.
func (r *shapeRef) matches(b string) bool {
	n := len(r.fields)
	if n == 0 {
		return false
	}
	miss := 0
	k := 0
	for ; ; k++ {
		var f string
		f, b = nextField(b)
		if f == "" {
			break
		}
		if k >= n {
			return false
		}
		if !fieldsMatch(r.fields[k], f) {
			if k == 0 {
				return false
			}
			miss++
			if miss*2 > n {
				return false
			}
		}
	}
	return k == n
}

// nextField returns the next space- or tab-separated field of s and the
// rest after it.
func nextField(s string) (field, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '\t' {
		j++
	}
	return s[i:j], s[j:]
}

// fieldsMatch compares two fields with every run of digits (and of hex
// digits mixed with digits, as in hashes and ids) treated as equal.
func fieldsMatch(x, y string) bool {
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		xd, yd := isDigitByte(x[i]), isDigitByte(y[j])
		if xd || yd {
			if !(xd && yd) {
				// A hex run may start with a letter on one side only.
				if !isHexByte(x[i]) || !isHexByte(y[j]) {
					return false
				}
			}
			i = skipHexRun(x, i)
			j = skipHexRun(y, j)
			continue
		}
		if x[i] != y[j] {
			return false
		}
		i++
		j++
	}
	return i == len(x) && j == len(y)
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipHexRun skips the run of hex digits starting at i when it holds a
// decimal digit (a number, hash or id); otherwise only the leading letter.
func skipHexRun(s string, i int) int {
	j := i
	digit := false
	for j < len(s) && isHexByte(s[j]) {
		if isDigitByte(s[j]) {
			digit = true
		}
		j++
	}
	if !digit {
		return i + 1
	}
	return j
}

// foldNote describes an omitted run of lines. similar counts the omitted
// lines shaped like the example line written just before the note (0 when
// no example was written).
func foldNote(omitted, similar int, example bool) string {
	n := strconv.Itoa(omitted)
	switch {
	case example && similar == omitted:
		return "[... " + n + " similar lines omitted ...]"
	case example && similar*2 >= omitted:
		return "[... " + n + " lines omitted, " + strconv.Itoa(similar) + " of them like the line above ...]"
	case omitted == 1:
		return "[... 1 line omitted ...]"
	default:
		return "[... " + n + " lines omitted ...]"
	}
}

// logParams are the sizes the lossy log step works with.
type logParams struct {
	head, tail           int // lines kept at the start and the end
	headBytes, tailBytes int // ... unless they add up to more bytes than this
	context              int // lines kept on each side of an error line
	maxContextLen        int // longer lines are not kept as mere context
	minLines             int // smaller blocks get only the lossless step
	maxExampleLen        int // longer lines are not repeated as examples
}

// hugeLog is the size (bytes) from which a log counts as huge (about 16k
// tokens).
const hugeLog = 64 << 10

func newLogParams(h *hints, lines, size int) logParams {
	p := logParams{head: 10, tail: 10, headBytes: 1500, tailBytes: 1500, context: 2,
		maxContextLen: 500, minLines: 40, maxExampleLen: 300}
	if h != nil && h.aggressive {
		p = logParams{head: 4, tail: 4, headBytes: 600, tailBytes: 600, context: 1,
			maxContextLen: 300, minLines: 20, maxExampleLen: 200}
	}
	if size >= hugeLog {
		// A huge log is read for its errors and the lines the task is
		// about, which are kept whatever the size: head and tail shrink
		// to one line each (what the log is, where it ended), so the
		// output does not grow with the input.
		p.head, p.tail = min(p.head, 1), min(p.tail, 1)
		p.headBytes, p.tailBytes = min(p.headBytes, 400), min(p.tailBytes, 400)
		p.maxContextLen = min(p.maxContextLen, 300)
		p.maxExampleLen = min(p.maxExampleLen, 120)
	}
	if h != nil && h.isError {
		// A failed command says why at its end.
		p.tail *= 2
		p.tailBytes *= 2
	}
	if h != nil && h.keepRatio > 0 {
		// Spend a share of the target on head and tail: the mandatory
		// lines take the rest.
		p.head = max(p.head, int(h.keepRatio*float64(lines)/4))
		p.tail = p.head
		p.headBytes = max(p.headBytes, int(h.keepRatio*float64(size)/4))
		p.tailBytes = p.headBytes
	}
	return p
}

// lineRun is a run of identical consecutive lines: lines[first] repeated n
// times.
type lineRun struct{ first, n int }

// identicalRuns groups consecutive identical lines.
func identicalRuns(lines []string) []lineRun {
	runs := make([]lineRun, 0, len(lines))
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && lines[j] == lines[i] {
			j++
		}
		runs = append(runs, lineRun{i, j - i})
		i = j
	}
	return runs
}

// writeRun writes a run losslessly: the line, then either its copies or a
// note saying how often it repeats, whichever is shorter.
func writeRun(o *lineOut, lines []string, r lineRun) {
	l := lines[r.first]
	o.line(l)
	if r.n == 1 {
		return
	}
	if note := repeatNote(r.n - 1); (r.n-1)*(len(l)+1) > len(note)+1 {
		o.line(note)
		return
	}
	for k := 1; k < r.n; k++ {
		o.line(l)
	}
}

// runLen is the byte length writeRun produces for r (with one '\n' per
// line).
func runLen(lines []string, r lineRun) int {
	l := len(lines[r.first]) + 1
	if r.n == 1 {
		return l
	}
	if note := len(repeatNote(r.n-1)) + 1; (r.n-1)*l > note {
		return l + note
	}
	return r.n * l
}

// looksLikeLog reports whether text reads like a log, build or test output
// or a stack trace: many lines start with a timestamp or a level, are test
// runner or compiler progress lines, stack frames, or share a leading word.
// It is the broadest detector; the dispatcher tries the more specific kinds
// (JSON, diff, search results, listings, tables) first.
func looksLikeLog(text string) bool {
	nonEmpty, logish := 0, 0
	var firstWords [32]struct {
		w string
		n int
	}
	codeish := 0
	rest := text
	for lines := 0; lines < 200 && rest != ""; lines++ {
		var l string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			l, rest = rest, ""
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		nonEmpty++
		if logLineHint(l) {
			logish++
		}
		if codeLineHint(l) {
			codeish++
		}
		w, _ := nextField(l)
		if w == "" || allDigits(w) || allPunct(w) || strings.IndexByte("<{\"}]", w[0]) >= 0 ||
			w[0] == '[' && (len(w) == 1 || strings.IndexByte("{[\"0123456789", w[1]) >= 0) {
			// Numbered lines (cat -n), list bullets, comments, markup and
			// JSON lines repeat their first word without being logs.
			continue
		}
		w = shapeKey(w)
		for k := range firstWords {
			if firstWords[k].w == w {
				firstWords[k].n++
				break
			}
			if firstWords[k].n == 0 {
				firstWords[k].w, firstWords[k].n = w, 1
				break
			}
		}
	}
	if nonEmpty < 3 {
		return false
	}
	if logish*10 >= nonEmpty*3 {
		return true
	}
	if codeish*10 >= nonEmpty {
		return false
	}
	for _, fw := range firstWords {
		if fw.n*10 >= nonEmpty*4 && nonEmpty >= 10 {
			return true
		}
	}
	return false
}

// allPunct reports a word made only of ASCII punctuation ("-", "*", "#",
// "//", "|").
func allPunct(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 {
			return false
		}
	}
	return s != ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigitByte(s[i]) {
			return false
		}
	}
	return s != ""
}

// shapeKey cuts a leading word down to what sameShape compares: digits and
// what follows them are dropped ("2025-06-24" and "2026-01-02" agree).
func shapeKey(w string) string {
	for i := 0; i < len(w); i++ {
		if isDigitByte(w[i]) {
			return w[:i] + "#"
		}
	}
	return w
}

// logLineHint reports whether a line has the look of a log line.
func logLineHint(l string) bool {
	t := strings.TrimLeft(l, " \t")
	for _, p := range logPrefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	head := l
	if len(head) > 40 {
		head = head[:40]
	}
	// A timestamp near the start: 2025-06-24, 2025/06/24, 14:36:25.
	for i := 0; i+8 <= len(head); i++ {
		if isDigitByte(head[i]) && isDigitByte(head[i+1]) {
			if i+10 <= len(head) && isDigitByte(head[i+2]) && isDigitByte(head[i+3]) &&
				(head[i+4] == '-' || head[i+4] == '/') && isDigitByte(head[i+5]) && isDigitByte(head[i+6]) &&
				head[i+7] == head[i+4] {
				return true
			}
			if head[i+2] == ':' && isDigitByte(head[i+3]) && isDigitByte(head[i+4]) && head[i+5] == ':' &&
				isDigitByte(head[i+6]) && isDigitByte(head[i+7]) {
				return true
			}
		}
	}
	for _, lv := range logLevels {
		if strings.Contains(head, lv) {
			return true
		}
	}
	return false
}

// logPrefixes start lines of test runners, compilers, build tools and
// stack traces.
var logPrefixes = [...]string{
	"=== RUN", "=== PAUSE", "=== CONT", "=== NAME", "--- PASS", "--- FAIL", "--- SKIP", "ok  \t", "FAIL\t",
	"PASS", "FAIL", "?   \t", "panic:", "goroutine ", "fatal error:", "Traceback (", "File \"", "at ",
	"Compiling ", "Listing ", "Building ", "Running ", "Downloading ", "Installing ", "Collecting ",
	"mkdir -p ", "cd /", "cp ", "mv ", "rm -", "echo ", "cat >", "go ", "gcc ", "cc ", "make", "cargo ",
	"+ ", "[INFO]", "[WARN", "[ERROR]", "[DEBUG]", "npm ", "error:", "warning:",
	"error[", "Exit code", "Exit status",
}

// logLevels are level words that mark log lines when they appear near the
// start.
var logLevels = [...]string{"INFO", "WARN", "ERROR", "DEBUG", "TRACE", "FATAL", "level=", "NOTICE"}

// codeLineHint reports whether a line looks like source code.
func codeLineHint(l string) bool {
	t := strings.TrimSpace(l)
	if t == "" {
		return false
	}
	switch t[len(t)-1] {
	case '{', '}', ';':
		return true
	}
	for _, p := range [...]string{"func ", "def ", "class ", "import ", "return ", "package ", "#include", "const ", "var ", "let "} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// testSummaryLine reports whether l is a per-test or per-package result of
// a test runner that a reader of test output needs: failures, skips and
// package verdicts (go test, pytest, unittest, cargo, jest).
func testSummaryLine(l string) bool {
	t := strings.TrimLeft(l, " \t")
	switch {
	case strings.HasPrefix(t, "--- FAIL"), strings.HasPrefix(t, "--- SKIP"):
		return true
	case strings.HasPrefix(l, "ok  "), strings.HasPrefix(l, "ok\t"), strings.HasPrefix(l, "FAIL"),
		strings.HasPrefix(l, "?   \t"), l == "PASS", strings.HasPrefix(l, "PASS\t"):
		return true
	case strings.HasPrefix(l, "test result:"), strings.HasPrefix(l, "Tests:"), strings.HasPrefix(l, "Test Suites:"),
		strings.HasPrefix(l, "FAILED"), strings.HasPrefix(l, "OK ("), l == "OK":
		return true
	case strings.HasPrefix(l, "Ran ") && len(l) > 4 && isDigitByte(l[4]):
		return true
	case strings.HasPrefix(l, "===") && (strings.Contains(l, " passed") || strings.Contains(l, " failed") || strings.Contains(l, " error")):
		return true
	}
	return false
}

// testProgressLine reports the lines a test runner prints while tests
// start and pass (go test -v "=== RUN", "--- PASS"): the verdicts carry
// what matters.
func testProgressLine(l string) bool {
	t := strings.TrimLeft(l, " ")
	return strings.HasPrefix(t, "=== RUN") || strings.HasPrefix(t, "=== PAUSE") || strings.HasPrefix(t, "=== CONT") ||
		strings.HasPrefix(t, "=== NAME") || strings.HasPrefix(t, "--- PASS")
}

// namesProblem reports problem lines that the shared error signal misses
// because the keyword is glued to a type name: "SyntaxError: ...",
// "NullPointerException", "DeprecationWarning: ...".
func namesProblem(l string) bool {
	for _, k := range [...]string{"Error:", "Exception", "Warning:"} {
		if strings.Contains(l, k) {
			return true
		}
	}
	return false
}

// blankPathTokens appends line to dst with every path- or identifier-like
// token (one holding '/', '\\', '=' or an inner '.') blanked out.
func blankPathTokens(dst []byte, line string) []byte {
	for rest := line; rest != ""; {
		i := 0
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t') {
			i++
		}
		dst = append(dst, rest[:i]...)
		rest = rest[i:]
		j := 0
		for j < len(rest) && rest[j] != ' ' && rest[j] != '\t' {
			j++
		}
		tok := rest[:j]
		rest = rest[j:]
		dot := strings.IndexByte(tok, '.')
		if strings.ContainsAny(tok, "/\\=") || dot >= 0 && dot < len(tok)-1 && tok[dot+1] != '.' && tok[dot+1] != ' ' {
			dst = append(dst, ' ')
			continue
		}
		dst = append(dst, tok...)
	}
	return dst
}

// markLogBlocks marks the lines that belong to a problem as a whole: a Go
// panic or fatal error and the goroutine that raised it, a Python
// traceback down to its exception line, and the output a failed or
// skipped Go test printed before its verdict. Every walk is bounded, so
// the cost stays linear.
func markLogBlocks(lines []string, marks []bool) {
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: "):
			seenGoroutine := false
			for j := i + 1; j < len(lines) && j <= i+80; j++ {
				if strings.TrimSpace(lines[j]) == "" {
					if seenGoroutine {
						break
					}
					continue
				}
				if strings.HasPrefix(lines[j], "goroutine ") {
					if seenGoroutine {
						break
					}
					seenGoroutine = true
				}
				marks[j] = true
			}
		case strings.HasPrefix(strings.TrimLeft(l, " "), "Traceback (most recent call last)"):
			for j := i + 1; j < len(lines) && j <= i+200; j++ {
				marks[j] = true
				if lj := lines[j]; lj != "" && lj[0] != ' ' && lj[0] != '\t' {
					break
				}
			}
		default:
			t := strings.TrimLeft(l, " ")
			if !strings.HasPrefix(t, "--- FAIL: ") && !strings.HasPrefix(t, "--- SKIP: ") {
				continue
			}
			name, _ := nextField(t[len("--- FAIL: "):])
			for j := i - 1; j >= 0 && j >= i-60; j-- {
				lj := strings.TrimLeft(lines[j], " ")
				if strings.HasPrefix(lj, "=== ") {
					// === RUN / CONT / NAME / PAUSE of this test ends the walk.
					_, rest := nextField(lj[4:])
					if n, _ := nextField(rest); n == name {
						break
					}
					continue
				}
				if strings.HasPrefix(lj, "--- ") {
					break
				}
				marks[j] = true
			}
		}
	}
}

// compressLog compresses logs, build and test output and stack traces.
//
// Lossless: runs of identical lines collapse into the line and a
// "[previous line repeated N times]" note. Lossy, only when the block is
// still large: it keeps the head and the tail, every line with an error
// signal (plus a few lines of context), test verdicts and the output of
// failed or skipped tests, panics with the goroutine that panicked,
// tracebacks and lines that mention the task; each dropped stretch becomes
// its first line as an example and a note counting the lines omitted and
// how many of them are shaped like the example.
func compressLog(text string, h *hints) (string, bool) {
	if text == "" {
		return "", false
	}
	b := splitBlock(text)
	lines := b.lines
	runs := identicalRuns(lines)
	p := newLogParams(h, len(lines), len(text))

	losslessOnly := len(runs) <= p.minLines
	if h != nil && h.keepRatio > 0 && len(runs) > p.minLines {
		// Lossy only if the lossless form is still above the target.
		size := 0
		for _, r := range runs {
			size += runLen(lines, r)
		}
		losslessOnly = float64(size) <= h.keepRatio*float64(len(text))
	}
	if losslessOnly {
		if len(runs) == len(lines) {
			return "", false
		}
		var o lineOut
		o.sb.Grow(len(text))
		for _, r := range runs {
			writeRun(&o, lines, r)
		}
		return shorter(o.finish(b.finalNL), text)
	}

	// Importance marks, by line.
	marks := make([]bool, len(lines))
	signal := make([]bool, len(lines))
	b.markSignals(marks)
	var scratch []byte
	for i, l := range lines {
		switch {
		case marks[i]:
			// Context only for a problem being reported, not for a signal
			// word inside a path or identifier ("errors=/pkg/errors.a").
			scratch = blankPathTokens(scratch[:0], l)
			signal[i] = namesProblem(l) || hasErrorSignal(string(scratch))
		case namesProblem(l):
			signal[i] = true
			marks[i] = true
		case testSummaryLine(l):
			marks[i] = true
		}
	}
	if h != nil {
		strong, weak := splitTermStrength(h.taskTerms, h.stems)
		b.markTerms(strong, termLimit(len(lines)), marks)
		// A stem is a word's prefix: "forc" (from "forced") marks
		// "forcing" but not "enforcement.go".
		for _, t := range weak {
			for _, li := range b.termHits(t, weakTermLimit(len(lines)), nil) {
				marks[li] = marks[li] || hasWordPrefix(lines[li], t)
			}
		}
	}
	markLogBlocks(lines, marks)

	// From lines to runs: a run is kept if any of its lines is.
	keep := make([]bool, len(runs))
	for ri, r := range runs {
		for k := r.first; k < r.first+r.n; k++ {
			if marks[k] {
				keep[ri] = true
				break
			}
		}
	}
	// Context around error lines, head and tail: short lines only, and
	// no test-runner progress lines, which say nothing a verdict does not.
	useful := func(ri int) bool {
		l := lines[runs[ri].first]
		return len(l) <= p.maxContextLen && !testProgressLine(l)
	}
	for ri, r := range runs {
		if !signal[r.first] {
			continue
		}
		for d := 1; d <= p.context; d++ {
			if k := ri - d; k >= 0 && useful(k) {
				keep[k] = true
			}
			if k := ri + d; k < len(runs) && useful(k) {
				keep[k] = true
			}
		}
	}
	for ri, k, size := 0, 0, 0; ri < len(runs) && k < p.head && (k == 0 || size < p.headBytes); ri++ {
		if testProgressLine(lines[runs[ri].first]) {
			continue
		}
		keep[ri] = true
		k++
		size += len(lines[runs[ri].first])
	}
	for ri, k, size := len(runs)-1, 0, 0; ri >= 0 && k < p.tail && (k == 0 || size < p.tailBytes); ri-- {
		if testProgressLine(lines[runs[ri].first]) {
			continue
		}
		keep[ri] = true
		k++
		size += len(lines[runs[ri].first])
	}

	var o lineOut
	o.sb.Grow(len(text) / 2)
	for ri := 0; ri < len(runs); {
		if keep[ri] {
			writeRun(&o, lines, runs[ri])
			ri++
			continue
		}
		end := ri
		for end < len(runs) && !keep[end] {
			end++
		}
		foldRuns(&o, lines, runs[ri:end], p.maxExampleLen)
		ri = end
	}
	return shorter(o.finish(b.finalNL), text)
}

// foldRuns writes an omitted stretch of runs: its first line as an example
// and a note, or the lines themselves when that is not shorter.
func foldRuns(o *lineOut, lines []string, runs []lineRun, maxExample int) {
	total, verbatim := 0, 0
	for _, r := range runs {
		total += r.n
		verbatim += runLen(lines, r)
	}
	ex := lines[runs[0].first]
	useExample := total > 1 && strings.TrimSpace(ex) != "" && len(ex) <= maxExample && !testProgressLine(ex)
	omitted, similar := total, 0
	if useExample {
		omitted = total - 1
		similar = runs[0].n - 1
		var ref shapeRef
		var buf [16]string
		ref.set(ex, buf[:0])
		for _, r := range runs[1:] {
			if ref.matches(lines[r.first]) {
				similar += r.n
			}
		}
	}
	note := foldNote(omitted, similar, useExample)
	cost := len(note) + 1
	if useExample {
		cost += len(ex) + 1
	}
	if total <= 2 || cost >= verbatim {
		for _, r := range runs {
			writeRun(o, lines, r)
		}
		return
	}
	if useExample {
		o.line(ex)
	}
	o.line(note)
}

// shorter returns out, true when out is shorter than text.
func shorter(out, text string) (string, bool) {
	if len(out) >= len(text) {
		return "", false
	}
	return out, true
}
