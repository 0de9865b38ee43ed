// Package docs compresses long documents a tool printed or read: manual
// pages, --help output and option references, READMEs and other markdown,
// changelogs, and configuration files (YAML, including CI workflows; INI
// and TOML).
//
// A document is split into units by its own structure: markdown headings
// (# and setext), list items, fenced code and table rows; a manual page's
// or help text's indentation (section names, option entries and their
// descriptions); YAML keys and list items nested by indentation; INI
// sections. Units nest into an outline.
//
// A document within its budget is left alone. A larger one keeps, each
// line verbatim: the outline (headings, level by level while they fit in
// part of the budget), the opening, every unit holding a term of the task
// that is rare in the document together with the smallest section around
// it that is still short (a whole option entry, a YAML subtree, a short
// section), the first, last and rare-valued items of YAML lists, and the
// headers above everything kept; then, while the budget allows, weaker
// matches and the lead paragraph of each section. Each run of omitted
// lines becomes one note naming the sections, options or keys it held
// ("[... 3 sections omitted (212 lines): OPTIONS, EXAMPLES, BUGS ...]").
//
// Source code is not a document: Detect declines text that reads as code
// (a README with code blocks is a document; a YAML file is a document,
// a Go file is not), and JSON, markup and logs.
package docs

import (
	"strings"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Detect reports whether text is a document this package compresses. It
// reads at most the first few hundred lines.
func Detect(text string) bool {
	b := lines.Split(firstLines(text, sampleLines))
	body, _ := stripNumbers(b.L)
	var s signals
	s.read(body)
	if s.nonBlank < 5 || s.markup || s.json {
		return false
	}
	if s.code*4 >= s.nonBlank-s.fenced || s.logs*3 >= s.nonBlank {
		return false
	}
	switch st := styleOf(body); st {
	case yaml, ini:
		if st == yaml && recordStream(body) {
			return false
		}
		if s.nested == 0 && flatRecords(body) {
			// A flat run of "name: OK" lines is a status stream (a check
			// per item), not a document: its rare lines are the signal.
			return false
		}
		return s.nested > 0 || s.nonBlank >= 10
	case markdown:
		// One heading makes a document of prose, not of a few prose
		// lines among hundreds of others (a '#' comment over a
		// terminal database entry reads as a heading).
		if s.headings >= 2 {
			return true
		}
		if s.headings == 0 {
			return false
		}
		prose := proseLines(body)
		return prose >= 3 && prose*20 >= s.nonBlank
	}
	return s.manHeadings >= 3 || s.options >= 5 && (s.usage || s.options >= 12 || proseLines(body) >= 2)
}

// recordStream reports "Key: value" records rather than a YAML document:
// an unindented key that opens three or more blank-separated paragraphs
// ("Package:" of each record a package database prints), or two
// unindented keys repeated three times or more. A YAML mapping cannot
// repeat a key; a stream of YAML documents separates them with "---". Such a stream is left to the generic fold, whose record rule
// keeps each record's identifying first line with what it keeps of it.
func recordStream(body []string) bool {
	opens := map[string]int{}
	// unindented counts the unindented keys: a YAML mapping cannot
	// repeat one, and records without blank lines between them ("stat"
	// of many files: "Modify:" in every one) repeat several.
	unindented := map[string]int{}
	para := true
	for _, l := range body {
		if lines.Blank(l) {
			para = true
			continue
		}
		t := strings.TrimSpace(l)
		if t == "---" || t == "..." {
			return false
		}
		if lines.Indent(l) == 0 {
			if k, _, ok := strings.Cut(t, ":"); ok && yamlLine(t) {
				unindented[k]++
				if para {
					opens[k]++
				}
			}
		}
		para = false
	}
	repeated := 0
	for _, c := range unindented {
		if c >= 3 {
			repeated++
		}
	}
	if repeated >= 2 {
		return true
	}
	for _, c := range opens {
		if c >= 3 {
			return true
		}
	}
	return false
}

// flatRecords reports flat "key: value" lines most of which (three in
// four) carry one and the same value.
func flatRecords(body []string) bool {
	counts := map[string]int{}
	n, top := 0, 0
	for _, l := range body {
		t := strings.TrimSpace(l)
		k := strings.Index(t, ": ")
		if k <= 0 {
			continue
		}
		n++
		v := strings.TrimSpace(t[k+2:])
		counts[v]++
		top = max(top, counts[v])
	}
	return n >= 10 && top*4 >= n*3
}

// signals are what Detect counts over a sample.
type signals struct {
	nonBlank, fenced      int
	code, logs            int
	headings, manHeadings int
	options, nested       int
	usage, markup, json   bool
	firstLine             bool
}

func (s *signals) read(body []string) {
	inFence := false
	for i, l := range body {
		if lines.Blank(l) {
			continue
		}
		t := strings.TrimSpace(l)
		if !s.firstLine {
			s.firstLine = true
			lt := strings.ToLower(t)
			s.markup = strings.HasPrefix(lt, "<?xml") || strings.HasPrefix(lt, "<!doctype") || strings.HasPrefix(lt, "<html")
			s.json = (t[0] == '{' || t[0] == '[') && !isSection(t)
		}
		s.nonBlank++
		if isFence(l) {
			inFence = !inFence
			s.fenced++
			continue
		}
		if inFence {
			s.fenced++
			continue
		}
		ind := lines.Indent(l)
		next := ""
		for k := i + 1; k < len(body); k++ {
			if !lines.Blank(body[k]) {
				next = body[k]
				break
			}
		}
		prevBlank := i == 0 || lines.Blank(body[i-1])
		if atxLevel(l) > 0 && prevBlank && (next == "" || atxLevel(next) == 0) || prevBlank && setext(body, i) {
			s.headings++
		}
		if ind == 0 && manHeading(t) && next != "" && lines.Indent(next) > 0 {
			s.manHeadings++
		}
		if ind >= 1 && ind <= 8 && isOption(t) {
			s.options++
		}
		if yamlLine(t) && strings.HasSuffix(t, ":") && next != "" && lines.Indent(next) > ind {
			s.nested++
		}
		// Six bytes that fold to an ASCII word are that word: no lowered
		// copy of every line.
		if len(t) >= 6 && strings.EqualFold(t[:6], "usage:") {
			s.usage = true
		}
		if codeLine(t) {
			s.code++
		}
		if logLine(t) || runLine(t) {
			s.logs++
		}
	}
}

// proseLines counts the lines of running text (see proseLine) among the
// lines of body that signals.read reads (not blank, outside fences). It
// is the costliest test of a line and few samples get to the decisions
// that need it, so it is counted only then.
func proseLines(body []string) int {
	n := 0
	inFence := false
	for _, l := range body {
		if lines.Blank(l) {
			continue
		}
		if isFence(l) {
			inFence = !inFence
			continue
		}
		if !inFence && proseLine(strings.TrimSpace(l)) {
			n++
		}
	}
	return n
}

// codeKeywords start lines of source code.
var codeKeywords = []string{
	"func ", "package ", "import ", "import(", "return ", "return;", "def ", "class ", "#include", "#define",
	"public ", "private ", "protected ", "static ", "const ", "let ", "var ", "fn ", "pub ", "impl ",
	"struct ", "typedef ", "namespace ", "using ", "if (", "for (", "while (", "switch (", "} else",
	"elif ", "except ", "try:", "async ", "await ", "export ", "function ", "module.exports",
}

// codeLine reports a trimmed line that reads as source code: it ends in a
// brace or semicolon or starts with a keyword of a programming language.
// YAML values end in "}}" (templates) and are not code.
func codeLine(t string) bool {
	if strings.HasSuffix(t, "}}") || strings.HasPrefix(t, "- ") {
		return false
	}
	switch t[len(t)-1] {
	case '{', '}', ';':
		return true
	}
	for _, kw := range keywordsByFirst[t[0]] {
		if strings.HasPrefix(t, kw) {
			return true
		}
	}
	return false
}

// keywordsByFirst are codeKeywords by their first byte: a line is tried
// against the few that can start it, where trying all of them cost most
// of the detection of documents.
var keywordsByFirst = func() (by [256][]string) {
	for _, kw := range codeKeywords {
		by[kw[0]] = append(by[kw[0]], kw)
	}
	return by
}()

// logLine reports a trimmed line that starts like a log record: a date or
// time stamp, or a bracketed level.
func logLine(t string) bool {
	if len(t) >= 10 && lines.IsDigit(t[0]) && lines.IsDigit(t[3]) && (t[4] == '-' || t[4] == '/') && lines.IsDigit(t[5]) {
		return true
	}
	if len(t) >= 8 && lines.IsDigit(t[0]) && lines.IsDigit(t[1]) && t[2] == ':' && lines.IsDigit(t[3]) && t[5] == ':' {
		return true
	}
	for _, lv := range [...]string{"[INFO]", "[WARN", "[ERROR]", "[DEBUG]", "INFO ", "WARN ", "ERROR ", "DEBUG "} {
		if strings.HasPrefix(t, lv) {
			return true
		}
	}
	return false
}

// runLine reports a trimmed line that reads as the record of a run
// rather than a document: a test verdict, a stack frame, a progress row
// of dots and letters.
func runLine(t string) bool {
	for _, p := range [...]string{"ok ", "not ok ", "FAIL", "PASS", "ERROR:", "=== RUN", "--- FAIL", "--- PASS", "Traceback (", "Caused by:", "File \"", "goroutine "} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	if strings.HasPrefix(t, "at ") && strings.Contains(t, "(") {
		return true
	}
	if len(t) < 8 {
		return false
	}
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '.', 'F', 'E', 's', 'x':
		default:
			return false
		}
	}
	return true
}

// proseLine reports a line of running text: six or more blank-separated
// words, most of them made of letters.
func proseLine(t string) bool {
	// The fields as strings.Fields cuts them, without the slice: most
	// lines are not prose, and this runs on every sampled line. An ASCII
	// line is cut here; strings.Fields cuts other lines at Unicode spaces
	// too.
	fields, words := 0, 0
	for i := 0; i < len(t); {
		if t[i] >= utf8.RuneSelf {
			return proseFields(t)
		}
		if asciiSpace(t[i]) {
			i++
			continue
		}
		j := i
		for j < len(t) && t[j] < utf8.RuneSelf && !asciiSpace(t[j]) {
			j++
		}
		if j < len(t) && t[j] >= utf8.RuneSelf {
			return proseFields(t)
		}
		fields++
		if proseWord(t[i:j]) {
			words++
		}
		i = j
	}
	return fields >= 6 && words*10 >= fields*6
}

// proseFields is proseLine of a line that is not all ASCII.
func proseFields(t string) bool {
	fields, words := 0, 0
	for f := range strings.FieldsSeq(t) {
		fields++
		if proseWord(f) {
			words++
		}
	}
	return fields >= 6 && words*10 >= fields*6
}

// asciiSpace reports the ASCII bytes strings.Fields cuts at.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// proseWord reports a field of letters (apostrophes, hyphens and
// non-ASCII bytes too), punctuation around it aside.
func proseWord(f string) bool {
	// strings.TrimRight(f, ",.;:!?)"), without building the cutset's
	// table on every call.
	for len(f) > 0 {
		switch f[len(f)-1] {
		case ',', '.', ';', ':', '!', '?', ')':
			f = f[:len(f)-1]
			continue
		}
		break
	}
	f = strings.TrimLeft(f, "(")
	alpha := f != ""
	for i := 0; i < len(f) && alpha; i++ {
		c := f[i] | 0x20
		alpha = c >= 'a' && c <= 'z' || f[i] == '\'' || f[i] == '-' || f[i] >= 0x80
	}
	return alpha
}

// Compress compresses the document in.Text. ok is false when nothing
// worth changing was found: a document within its budget, or one asked
// for whole.
func Compress(in *fold.Input) (string, bool) {
	if !in.Budget.Lossy || len(in.Text) <= in.Budget.Bytes || in.Query.Intent.Has(relevance.Whole) {
		return "", false
	}
	d := parse(in.Lines())
	if len(d.units) < 2 {
		return "", false
	}
	budget := in.Budget.Bytes
	p := newPlan(in, d)
	out := p.render(p.choose(budget))
	// Notes cost bytes too: when they push the output well over the
	// budget, fill again with their cost taken off (what must stay
	// stays: choose only adds to it).
	if over := len(out) - budget; over > budget/10 {
		if o := p.render(p.choose(max(budget-over, budget/2))); len(o) < len(out) {
			out = o
		}
	}
	if len(out) >= len(in.Text) {
		return "", false
	}
	return out, true
}
