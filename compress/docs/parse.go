package docs

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// style is how a document marks its structure.
type style uint8

const (
	// markdown: headings (# and setext underlines), lists, fenced code,
	// pipe tables; changelogs and READMEs.
	markdown style = iota
	// indented: structure by indentation alone; manual pages, --help and
	// option references, plain text.
	indented
	// yaml: keys and list items nested by indentation.
	yaml
	// ini: [section] headers and key = value lines (INI, TOML).
	ini
)

// unitKind is what a unit of a document is.
type unitKind uint8

const (
	// block is body text: a paragraph, a list item, a code block, a row.
	block unitKind = iota
	// heading is a section heading (markdown, a manual page's section
	// name, a short line ending in ':' that introduces a list).
	heading
	// entry is a line with an indented body: an option and its
	// description, a key with nested keys, a list item with fields.
	entry
	// tableHead is a markdown table's header and delimiter rows.
	tableHead
)

// unit is a span of lines a document is selected by.
type unit struct {
	from, to int // lines [from, to)
	kind     unitKind
	// option marks a block that starts with a command-line option: it is
	// named in notes like an entry.
	option bool
	// depth orders headers: a header contains the units after it up to
	// the next header of equal or smaller depth.
	depth int
	// parent is the innermost header containing the unit, or -1.
	parent int32
	// end is one past the last line of a header's subtree.
	end int
	// item marks a YAML list item ("- key: v").
	item bool
}

// header reports whether u heads a subtree.
func (u *unit) header() bool { return u.kind != block }

// doc is a document split into units.
type doc struct {
	b *lines.Lines
	// body holds the lines with a line-number prefix removed (a `cat -n`
	// or Read-tool listing); analysis reads body, output copies b.L.
	body   []string
	prefix bool
	style  style
	units  []unit
	// unitOf maps a line to its unit, -1 for blank lines.
	unitOf []int32
}

// parse splits b into units.
func parse(b *lines.Lines) *doc {
	d := &doc{b: b, unitOf: make([]int32, len(b.L))}
	d.body, d.prefix = stripNumbers(b.L)
	for i := range d.unitOf {
		d.unitOf[i] = -1
	}
	d.style = styleOf(d.body)
	switch d.style {
	case markdown:
		d.buildMarkdown()
	default:
		d.buildIndented()
	}
	return d
}

// stripNumbers removes a line-number prefix ("    12\t", "    12→") when
// nearly every non-blank line has one.
func stripNumbers(ls []string) ([]string, bool) {
	n, numbered := 0, 0
	for _, l := range ls {
		if lines.Blank(l) {
			continue
		}
		n++
		if _, ok := numberPrefix(l); ok {
			numbered++
		}
	}
	if n == 0 || numbered*10 < n*9 {
		return ls, false
	}
	body := make([]string, len(ls))
	for i, l := range ls {
		if k, ok := numberPrefix(l); ok {
			body[i] = l[k:]
		} else {
			body[i] = l
		}
	}
	return body, true
}

// numberPrefix returns the length of a line-number prefix of l.
func numberPrefix(l string) (int, bool) {
	i := 0
	for i < len(l) && l[i] == ' ' {
		i++
	}
	j := lines.SkipDigits(l, i)
	if j == i || j-i > 7 {
		return 0, false
	}
	switch {
	case j < len(l) && l[j] == '\t':
		return j + 1, true
	case strings.HasPrefix(l[j:], "→"):
		return j + len("→"), true
	case j == len(l):
		return j, true // a numbered blank line
	}
	return 0, false
}

// styleOf decides how a document marks its structure, from a sample.
func styleOf(body []string) style {
	var md, yamlish, iniKV, sections, nonBlank, comments int
	inFence := false
	for i, l := range body {
		if i >= sampleLines {
			break
		}
		if lines.Blank(l) {
			continue
		}
		nonBlank++
		t := strings.TrimSpace(l)
		if isFence(l) {
			inFence = !inFence
			md += 2
			continue
		}
		if inFence {
			continue
		}
		if atxLevel(l) > 0 || setext(body, i) {
			md++
		}
		if strings.HasPrefix(t, "#") {
			comments++
		}
		if yamlLine(t) {
			yamlish++
		}
		if isSection(t) {
			sections++
		} else if iniLine(t) {
			iniKV++
		}
	}
	switch {
	case sections >= 1 && (iniKV+sections)*10 >= (nonBlank-comments)*7:
		return ini
	case yamlish >= 3 && yamlish*10 >= (nonBlank-comments)*7:
		return yaml
	case md >= 2:
		return markdown
	}
	return indented
}

const sampleLines = 400

// firstLines returns the first n lines of text.
func firstLines(text string, n int) string {
	end := 0
	for l := range strings.Lines(text) {
		if n == 0 {
			break
		}
		end += len(l)
		n--
	}
	return text[:end]
}

// yamlLine reports a trimmed line that reads as YAML: "key:", "key:
// value", "- item", a comment.
func yamlLine(t string) bool {
	if strings.HasPrefix(t, "- ") || t == "-" || strings.HasPrefix(t, "#") || t == "---" {
		return true
	}
	k := strings.IndexByte(t, ':')
	if k <= 0 || k > 60 || (k+1 < len(t) && t[k+1] != ' ') {
		return false
	}
	key := strings.Trim(t[:k], `"'`)
	if offsetKey(key) {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !lines.IsWordByte(c) && c != '-' && c != '.' && c != '/' && c != '$' && c != '{' && c != '}' {
			return false
		}
	}
	return key != ""
}

// offsetKey reports a key of four or more hex digits, at least one a
// decimal digit: the address a hex dump starts its lines with
// ("00001a40:"), not a YAML key.
func offsetKey(k string) bool {
	return len(k) >= 4 && lines.SkipHex(k, 0) == len(k) && strings.ContainsAny(k, "0123456789")
}

// isSection reports an INI/TOML section header: "[name]", "[[name]]".
func isSection(t string) bool {
	if len(t) < 3 || t[0] != '[' || t[len(t)-1] != ']' {
		return false
	}
	in := strings.Trim(t, "[]")
	return in != "" && !strings.ContainsAny(in, " \t[]") || strings.HasPrefix(in, "\"")
}

// iniLine reports "key = value" (or "key=value").
func iniLine(t string) bool {
	k := strings.IndexByte(t, '=')
	if k <= 0 {
		return strings.HasPrefix(t, ";") || strings.HasPrefix(t, "#")
	}
	key := strings.TrimSpace(t[:k])
	for i := 0; i < len(key); i++ {
		if c := key[i]; !lines.IsWordByte(c) && c != '-' && c != '.' && c != '"' {
			return false
		}
	}
	return key != ""
}

// isFence reports a fenced code block delimiter (``` or ~~~).
func isFence(l string) bool {
	t := strings.TrimLeft(l, " ")
	return len(l)-len(t) <= 3 && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"))
}

// atxLevel returns the level of a "# Heading" line, or 0.
func atxLevel(l string) int {
	t := strings.TrimLeft(l, " ")
	if len(l)-len(t) > 3 {
		return 0
	}
	k := 0
	for k < len(t) && t[k] == '#' {
		k++
	}
	if k == 0 || k > 6 || k < len(t) && t[k] != ' ' && t[k] != '\t' {
		return 0
	}
	if strings.TrimSpace(t[k:]) == "" {
		return 0
	}
	return k
}

// underline returns 1 for a setext "===" underline, 2 for "---", else 0.
func underline(l string) int {
	t := strings.TrimSpace(l)
	if len(t) < 3 || len(l)-len(strings.TrimLeft(l, " ")) > 3 {
		return 0
	}
	c := t[0]
	if c != '=' && c != '-' {
		return 0
	}
	for i := 0; i < len(t); i++ {
		if t[i] != c {
			return 0
		}
	}
	if c == '=' {
		return 1
	}
	return 2
}

// setext reports whether body[i] is the text of a setext heading: a line
// underlined by '=' or '-' about as long as itself (a longer rule is a
// separator, as test runners print them).
func setext(body []string, i int) bool {
	if i+1 >= len(body) || underline(body[i+1]) == 0 {
		return false
	}
	t := strings.TrimSpace(body[i])
	return t != "" && !isListItem(body[i]) && !tableRow(body[i]) && underline(body[i]) == 0 &&
		len(strings.TrimSpace(body[i+1])) <= len(t)+2
}

// isListItem reports a markdown list item: "- x", "* x", "+ x", "1. x".
func isListItem(l string) bool {
	t := strings.TrimLeft(l, " \t")
	if len(t) >= 2 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && (t[1] == ' ' || t[1] == '\t') {
		return true
	}
	k := 0
	for k < len(t) && k < 4 && lines.IsDigit(t[k]) {
		k++
	}
	return k > 0 && k+1 < len(t) && (t[k] == '.' || t[k] == ')') && t[k+1] == ' '
}

// isOption reports a line that starts with a command-line option: "-x",
// "--flag", "-o, --out".
func isOption(t string) bool {
	return len(t) >= 2 && t[0] == '-' && (lines.IsWordByte(t[1]) || t[1] == '-' && len(t) > 2 && lines.IsWordByte(t[2]))
}

// pseudoHeading reports a short title ending in ':' ("Bug fixes:",
// "Options:", "**Examples**:"): at most four words, not a sentence.
func pseudoHeading(l string) bool {
	t := strings.TrimSpace(l)
	if len(t) < 3 || len(t) > 48 || !strings.HasSuffix(t, ":") || isListItem(l) || strings.HasPrefix(t, "|") {
		return false
	}
	return len(strings.Fields(t)) <= 4
}

// introducesList reports whether the next non-blank line after i is a
// list item.
func introducesList(body []string, i int) bool {
	for j := i + 1; j < len(body) && j <= i+2; j++ {
		if !lines.Blank(body[j]) {
			return isListItem(body[j])
		}
	}
	return false
}

// tableRow reports a markdown table row.
func tableRow(l string) bool {
	return strings.HasPrefix(strings.TrimSpace(l), "|")
}

// tableRuler reports a markdown table delimiter row.
func tableRuler(l string) bool {
	t := strings.TrimSpace(l)
	if !strings.HasPrefix(t, "|") || !strings.Contains(t, "-") {
		return false
	}
	return strings.Trim(t, "|-: \t") == ""
}

// builder tracks the open headers while units are added.
type builder struct {
	d     *doc
	stack []int32
}

// add appends a unit for lines [from, to), closing the headers it ends.
func (bd *builder) add(u unit) {
	d := bd.d
	if u.header() {
		bd.close(u.depth, u.from)
	}
	u.parent = -1
	if len(bd.stack) > 0 {
		u.parent = bd.stack[len(bd.stack)-1]
	}
	id := int32(len(d.units))
	d.units = append(d.units, u)
	for i := u.from; i < u.to; i++ {
		d.unitOf[i] = id
	}
	if u.header() {
		bd.stack = append(bd.stack, id)
	}
}

// close ends the open headers of depth >= depth at line at.
func (bd *builder) close(depth, at int) {
	for len(bd.stack) > 0 {
		top := &bd.d.units[bd.stack[len(bd.stack)-1]]
		if top.depth < depth {
			return
		}
		top.end = at
		bd.stack = bd.stack[:len(bd.stack)-1]
	}
}

// level is the depth of the innermost open heading (not entry or table).
func (bd *builder) level() int {
	for k := len(bd.stack) - 1; k >= 0; k-- {
		if u := &bd.d.units[bd.stack[k]]; u.kind == heading {
			return u.depth
		}
	}
	return 0
}

// Depths of markdown headers: headings by level, then what a heading may
// introduce.
const (
	levelStep   = 10
	pseudoDepth = 5 // a pseudo-heading inside a heading's section
	tableDepth  = 8 // a table inside a section
)

func (d *doc) buildMarkdown() {
	bd := &builder{d: d}
	body := d.body
	n := len(body)
	for i := 0; i < n; {
		l := body[i]
		if lines.Blank(l) {
			i++
			continue
		}
		prevBlank := i == 0 || lines.Blank(body[i-1])
		switch {
		case isFence(l):
			j := i + 1
			for j < n && !isFence(body[j]) {
				j++
			}
			j = min(j+1, n)
			bd.add(unit{from: i, to: j})
			i = j
		case atxLevel(l) > 0:
			bd.add(unit{from: i, to: i + 1, kind: heading, depth: levelStep * atxLevel(l)})
			i++
		case setext(body, i) && (prevBlank || d.unitOf[i-1] >= 0 && d.units[d.unitOf[i-1]].header()):
			bd.add(unit{from: i, to: i + 2, kind: heading, depth: levelStep * underline(body[i+1])})
			i += 2
		case tableRow(l) && i+1 < n && tableRuler(body[i+1]):
			bd.add(unit{from: i, to: i + 2, kind: tableHead, depth: bd.level() + tableDepth})
			j := i + 2
			for j < n && tableRow(body[j]) {
				bd.add(unit{from: j, to: j + 1})
				j++
			}
			bd.close(bd.level()+tableDepth, j)
			i = j
		case prevBlank && pseudoHeading(l) && introducesList(body, i):
			bd.add(unit{from: i, to: i + 1, kind: heading, depth: bd.level() + pseudoDepth})
			i++
		default:
			item := isListItem(l)
			ind := lines.Indent(l)
			j := i + 1
			for j < n {
				nl := body[j]
				if lines.Blank(nl) || isFence(nl) || atxLevel(nl) > 0 || tableRow(nl) && !tableRow(l) ||
					isListItem(nl) && (item || lines.Indent(nl) <= ind) || j+1 < n && underline(body[j+1]) > 0 && !item {
					break
				}
				j++
			}
			bd.add(unit{from: i, to: j})
			i = j
		}
	}
	bd.close(-1, n)
}

// buildIndented builds the tree from indentation: a line whose next
// non-blank line is indented deeper heads the lines below it; a YAML list
// item counts as indented one past its dash, so "key:" over "- item" at
// the same column still heads it.
func (d *doc) buildIndented() {
	bd := &builder{d: d}
	body := d.body
	n := len(body)
	vind := make([]int, n)
	for i, l := range body {
		vind[i] = lines.Indent(l)
		if d.style == yaml && (strings.HasPrefix(strings.TrimLeft(l, " "), "- ") || strings.TrimSpace(l) == "-") {
			vind[i]++
		}
	}
	comment := func(i int) bool {
		return (d.style == yaml || d.style == ini) && strings.HasPrefix(strings.TrimSpace(body[i]), "#")
	}
	// nextAt returns the next non-blank, non-comment line after i.
	nextAt := func(i int) int {
		j := i + 1
		for j < n && (lines.Blank(body[j]) || comment(j)) {
			j++
		}
		return j
	}
	oneLine := d.style == yaml || d.style == ini
	for i := 0; i < n; {
		l := body[i]
		if lines.Blank(l) {
			i++
			continue
		}
		t := strings.TrimSpace(l)
		if comment(i) {
			bd.add(unit{from: i, to: i + 1})
			i++
			continue
		}
		ind := vind[i]
		nx := nextAt(i)
		if d.style == ini && isSection(t) {
			bd.add(unit{from: i, to: i + 1, kind: heading, depth: 0})
			i++
			continue
		}
		bd.close(ind+1, i) // close the headers this line is not inside
		if nx < n && vind[nx] > ind || ind == 0 && manHeading(t) {
			kind := entry
			if ind == 0 && d.style == indented && (manHeading(t) || pseudoHeading(l)) {
				kind = heading
			}
			bd.add(unit{from: i, to: i + 1, kind: kind, depth: ind + 1, item: vind[i] != lines.Indent(l)})
			i++
			continue
		}
		j := i + 1
		for !oneLine && j < n && !lines.Blank(body[j]) && vind[j] == ind && !isOption(strings.TrimSpace(body[j])) {
			if k := nextAt(j); k < n && vind[k] > ind {
				break
			}
			j++
		}
		bd.add(unit{from: i, to: j, option: isOption(t)})
		i = j
	}
	bd.close(-1, n)
}

// manHeading reports a manual page's section heading: a short line of
// capital letters and spaces ("EXIT STATUS", "SEE ALSO").
func manHeading(t string) bool {
	if len(t) < 3 || len(t) > 40 {
		return false
	}
	letters := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z':
			letters++
		case c == ' ' || c == '-' || c == '_' || c == '/':
		default:
			return false
		}
	}
	return letters >= 3
}

// title is how a note names header or option unit u.
func (d *doc) title(u *unit) string {
	t := strings.TrimSpace(d.body[u.from])
	switch {
	case u.kind == heading && d.style == markdown:
		t = strings.TrimSpace(strings.Trim(t, "#"))
	case u.kind == tableHead:
		t = "table " + t
	case d.style == yaml:
		t = strings.TrimPrefix(t, "- ")
		if k := strings.Index(t, ": "); k > 0 && !u.item {
			t = t[:k]
		}
		t = strings.TrimSuffix(t, ":")
	case d.style == ini:
		if k := strings.IndexByte(t, '='); k > 0 {
			t = strings.TrimSpace(t[:k])
		}
	default:
		// An entry's name: up to a run of blanks or a parenthesised
		// description; an option's name when that is still long.
		if k := strings.Index(t, "  "); k > 0 {
			t = t[:k]
		}
		if k := strings.Index(t, " ("); k > 0 {
			t = t[:k]
		}
		if len(t) > 30 {
			if k := strings.IndexByte(t, ' '); k > 0 && isOption(t) {
				t = t[:k]
			}
		}
	}
	return clip(t, 40)
}

// clip shortens s to about n bytes at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}
