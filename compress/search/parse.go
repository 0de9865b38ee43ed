package search

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// kind is what one line of a search result is.
type kind uint8

const (
	other kind = iota
	blank
	// match: "path:12:text", "path:12:5:text"; without a path "12:text"
	// (one file searched), or a member under a heading ("12:text",
	// "  12:5  error  ...").
	match
	// context: "path-12-text" (grep -A/-B/-C), "12-text" without a path.
	context
	// separator: "--" between context groups.
	separator
	// heading: a path on its own line, naming the file of the members
	// below it (ripgrep --heading, linters' per-file reports).
	heading
	// count: "path:12" (grep -c).
	count
)

// file is one searched file and its lines.
type file struct {
	// path as printed ("" for the one file of a search without paths).
	path string
	// first and last line of the file's lines (its heading included);
	// lines of other files may lie between when the output interleaves.
	first, last int
	// matches counts its match lines; counted sums the numbers of its
	// count lines.
	matches int
	// hasColon: some line of the file starts with "path:", so that text
	// is a substring of the input and can head its grouped lines.
	hasColon bool
	// heading is the line of its heading, -1 when none.
	heading int
	// lines lists the file's lines (its heading included), in order.
	lines []int32
}

// parsed is a search result split into lines and files.
type parsed struct {
	b *lines.Lines
	// kind, fileOf, cut and num are per line: cut is the offset of the
	// member part after "path:" or "path-" (0 when the line carries no
	// path), num the line number (or count) the line carries, -1 when
	// none.
	kind   []kind
	fileOf []int32
	cut    []int32
	num    []int32
	files  []file
	// annot is, for annotated lines (blame), the index of their
	// annotation in annots (the text before the line number, which heads
	// a run of one commit's lines), -1 for other lines.
	annot  []int32
	annots []string
	// date orders annotated lines by their commit's date (0 when none).
	date []int64
}

// maxPathLen bounds the path part of a hit.
const maxPathLen = 512

// splitMatch splits "path:12:text" (ok, cut after "path:") or "path:12"
// (a count: isCount). The path holds no blank, does not start with one,
// and does not read as a time of day or a date.
func splitMatch(l string) (path string, cut, num int, isCount, ok bool) {
	if l == "" || l[0] == ' ' || l[0] == '\t' {
		return "", 0, 0, false, false
	}
	from := 0
	// A drive letter ("C:\src\a.go:12:") is part of the path.
	if len(l) > 3 && l[1] == ':' && (l[2] == '\\' || l[2] == '/') && lines.IsLetter(l[0]) {
		from = 2
	}
	i := strings.IndexByte(l[from:], ':')
	if i < 0 {
		return "", 0, 0, false, false
	}
	i += from
	if i == 0 || i > maxPathLen {
		return "", 0, 0, false, false
	}
	j := i + 1
	n := 0
	for j < len(l) && lines.IsDigit(l[j]) && j-i <= 9 {
		n = n*10 + int(l[j]-'0')
		j++
	}
	if j == i+1 || j-i > 9 {
		return "", 0, 0, false, false
	}
	path = l[:i]
	if !pathLike(path) {
		return "", 0, 0, false, false
	}
	switch {
	case j == len(l) || l[j] == '\r' && j+1 == len(l):
		return path, i + 1, n, true, true
	case l[j] == ':':
		return path, i + 1, n, false, true
	}
	return "", 0, 0, false, false
}

// splitContext reports whether l is "path-12-text" for the given path,
// and returns the offset after "path-".
func splitContext(l, path string) (cut, num int, ok bool) {
	if path == "" || len(l) <= len(path)+2 || !strings.HasPrefix(l, path) || l[len(path)] != '-' {
		return 0, 0, false
	}
	j := len(path) + 1
	n := 0
	for j < len(l) && lines.IsDigit(l[j]) && j-len(path) <= 9 {
		n = n*10 + int(l[j]-'0')
		j++
	}
	if j == len(path)+1 || j >= len(l) || l[j] != '-' {
		return 0, 0, false
	}
	return len(path) + 1, n, true
}

// splitMember reports whether l is a line without a path: "12:text",
// "12-text" (context), or an indented "  12:5  message" under a heading.
// Times of day ("10:04:31 ...") are not members.
func splitMember(l string) (k kind, num int, ok bool) {
	i := 0
	for i < len(l) && l[i] == ' ' {
		i++
	}
	j := i
	n := 0
	for j < len(l) && lines.IsDigit(l[j]) && j-i < 9 {
		n = n*10 + int(l[j]-'0')
		j++
	}
	if j == i || j >= len(l) || j-i >= 9 {
		return other, 0, false
	}
	switch l[j] {
	case ':':
		// "10:04:31" is a time; "12:5:" or "12:5 " a line and column.
		if j+3 < len(l) && lines.IsDigit(l[j+1]) && lines.IsDigit(l[j+2]) && l[j+3] == ':' && j-i == 2 {
			return other, 0, false
		}
		return match, n, true
	case '-':
		// Indented, or a date ("2024-01-02"), it is not a context line.
		if i > 0 || j+3 < len(l) && lines.IsDigit(l[j+1]) && lines.IsDigit(l[j+2]) && l[j+3] == '-' {
			return other, 0, false
		}
		return context, n, true
	}
	return other, 0, false
}

// splitAnnotated splits a line annotated as blame prints it: a commit
// hash, optionally a file name, then "(author date time zone N) text".
// It returns where the line number starts (the member part of a run of
// one commit's lines) and where the annotation before it ends.
func splitAnnotated(l string) (cut, annEnd, num int, date int64, ok bool) {
	i := 0
	if i < len(l) && l[i] == '^' {
		i++
	}
	h := i
	i = lines.SkipHex(l, h)
	if i-h < 7 || i-h > 40 || i >= len(l) || l[i] != ' ' {
		return 0, 0, 0, 0, false
	}
	open := strings.IndexByte(l[i:], '(')
	if open < 0 || open > 256 {
		return 0, 0, 0, 0, false
	}
	open += i
	closing := strings.IndexByte(l[open:], ')')
	if closing < 0 || closing > 200 {
		return 0, 0, 0, 0, false
	}
	closing += open
	// "... 2015-06-20 14:36:48 -0400  419)": the number ends the parens.
	d := closing
	for d > open && lines.IsDigit(l[d-1]) {
		d--
	}
	if d == closing || d == open || l[d-1] != ' ' {
		return 0, 0, 0, 0, false
	}
	for k := d; k < closing; k++ {
		num = num*10 + int(l[k]-'0')
	}
	e := d
	for e > open && l[e-1] == ' ' {
		e--
	}
	// A date in the annotation orders the lines by commit time.
	if k := strings.Index(l[open:e], "-"); k >= 4 {
		at := open + k - 4
		if at+19 <= e && isDateTime(l[at:at+19]) {
			date = int64(atoi(l[at:at+4]))*1e10 + int64(atoi(l[at+5:at+7]))*1e8 + int64(atoi(l[at+8:at+10]))*1e6 +
				int64(atoi(l[at+11:at+13]))*1e4 + int64(atoi(l[at+14:at+16]))*100 + int64(atoi(l[at+17:at+19]))
		}
	}
	return d, e, num, date, true
}

// isDateTime reports "YYYY-MM-DD HH:MM:SS".
func isDateTime(s string) bool {
	for k := 0; k < 19; k++ {
		c := s[k]
		switch k {
		case 4, 7:
			if c != '-' {
				return false
			}
		case 10:
			if c != ' ' && c != 'T' {
				return false
			}
		case 13, 16:
			if c != ':' {
				return false
			}
		default:
			if !lines.IsDigit(c) {
				return false
			}
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for k := 0; k < len(s); k++ {
		n = n*10 + int(s[k]-'0')
	}
	return n
}

// pathLike reports whether p can be the path of a hit: no blanks, not all
// digits and punctuation (a time, a date, an address), a letter in it.
func pathLike(p string) bool {
	letter := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == ' ' || c == '\t' || c == '(' || c == ')' || c == '"' || c == '\'' || c == '=' || c == ',' || c == '<' || c == '>':
			return false
		case lines.IsLetter(c) || c >= 0x80:
			letter = true
		}
	}
	if !letter {
		return false
	}
	// A date-time: "2024-01-02T10".
	if len(p) >= 5 && lines.IsDigit(p[0]) && lines.IsDigit(p[1]) && lines.IsDigit(p[2]) && lines.IsDigit(p[3]) && (p[4] == '-' || p[4] == '/') {
		return false
	}
	// A URL scheme or a key: "http", "https", "Note" — a path of a hit
	// has a separator or an extension, or is a plain file name.
	return true
}

// headingLike reports whether l can be a heading: a path alone on its
// line.
func headingLike(l string) bool {
	l = lines.TrimCR(l)
	if l == "" || len(l) > maxPathLen || l[0] == ' ' || l[0] == '\t' || l == "--" {
		return false
	}
	if !pathLike(l) || strings.IndexByte(l, ':') >= 0 && !(len(l) > 2 && l[1] == ':') {
		return false
	}
	return strings.IndexByte(l, '/') >= 0 || strings.IndexByte(l, '\\') >= 0 || strings.IndexByte(l, '.') > 0
}

// parse splits b into lines and files. stop is polled now and then.
func parse(b *lines.Lines, stop func() bool) *parsed {
	n := len(b.L)
	p := &parsed{
		b:      b,
		kind:   make([]kind, n),
		fileOf: make([]int32, n),
		cut:    make([]int32, n),
		num:    make([]int32, n),
		annot:  make([]int32, n),
	}
	annotIndex := map[string]int32{}
	index := map[string]int32{}
	fileFor := func(path string, i int) int32 {
		f, ok := index[path]
		if !ok {
			f = int32(len(p.files))
			index[path] = f
			p.files = append(p.files, file{path: path, first: i, last: i, heading: -1})
		}
		fl := &p.files[f]
		fl.last = i
		return f
	}
	for i := range b.L {
		p.fileOf[i], p.num[i], p.annot[i] = -1, -1, -1
	}
	// Pass 1: lines that name their path, blanks and separators. Out of
	// time, the rest of the lines are left as they are (other).
	for i, l := range b.L {
		if i&1023 == 0 && stop != nil && stop() {
			break
		}
		switch {
		case lines.Blank(l):
			p.kind[i] = blank
			continue
		case l == "--" || l == "--\r":
			p.kind[i] = separator
			continue
		}
		if path, cut, num, isCount, ok := splitMatch(l); ok {
			p.kind[i] = match
			if isCount {
				p.kind[i] = count
			}
			p.cut[i], p.num[i] = int32(cut), int32(num)
			f := fileFor(path, i)
			p.fileOf[i] = f
			p.files[f].hasColon = true
			continue
		}
		if cut, annEnd, num, date, ok := splitAnnotated(l); ok {
			ann := l[:annEnd]
			a, seen := annotIndex[ann]
			if !seen {
				a = int32(len(p.annots))
				annotIndex[ann] = a
				p.annots = append(p.annots, ann)
			}
			if p.date == nil {
				p.date = make([]int64, n)
			}
			p.kind[i], p.cut[i], p.num[i], p.annot[i], p.date[i] = match, int32(cut), int32(num), a, date
			p.fileOf[i] = fileFor("", i)
		}
	}
	// Pass 2: context lines take the path of the nearest match above or
	// below them in the same group (between separators).
	prevPath := ""
	for i, l := range b.L {
		switch p.kind[i] {
		case match, count:
			prevPath = p.files[p.fileOf[i]].path
			continue
		case separator:
			prevPath = ""
			continue
		case blank:
			continue
		}
		cut, num, ok := splitContext(l, prevPath)
		if !ok {
			if next := nextPath(p, i); next != "" && next != prevPath {
				cut, num, ok = splitContext(l, next)
			}
		}
		if ok {
			path := l[:cut-1]
			p.kind[i] = context
			p.cut[i], p.num[i] = int32(cut), int32(num)
			p.fileOf[i] = fileFor(path, i)
		}
	}
	// Pass 3: lines without a path: members under a heading, or the hits
	// of a search of one file.
	cur := int32(-1) // the file of the current heading
	for i, l := range b.L {
		switch p.kind[i] {
		case blank:
			cur = -1
			continue
		case other:
		default:
			cur = -1
			continue
		}
		if k, num, ok := splitMember(l); ok {
			f := cur
			if f < 0 {
				// No heading: the one anonymous file.
				f = fileFor("", i)
			}
			p.kind[i], p.num[i], p.fileOf[i] = k, int32(num), f
			p.files[f].last = i
			continue
		}
		cur = -1
		if i+1 < len(b.L) && headingLike(l) && p.kind[i+1] == other {
			if k, _, ok := splitMember(b.L[i+1]); ok && k == match {
				p.kind[i] = heading
				f := fileFor(lines.TrimCR(l), i)
				p.fileOf[i] = f
				if p.files[f].heading < 0 {
					p.files[f].heading = i
				}
				cur = f
			}
		}
	}
	for i, k := range p.kind {
		if f := p.fileOf[i]; f >= 0 {
			fl := &p.files[f]
			fl.lines = append(fl.lines, int32(i))
			if k == match {
				fl.matches++
			}
		}
	}
	return p
}

// nextPath returns the path of the first match after line i in its group.
func nextPath(p *parsed, i int) string {
	for j := i + 1; j < len(p.kind) && j <= i+64; j++ {
		switch p.kind[j] {
		case match, count:
			return p.files[p.fileOf[j]].path
		case separator:
			return ""
		}
	}
	return ""
}

// body returns the member part of line i: the text after "path:" or
// "path-" (the whole line when it carries no path).
func (p *parsed) body(i int) string { return p.b.L[i][p.cut[i]:] }

// text returns the text of line i after its line number (and column): what
// the file holds there.
func (p *parsed) text(i int) string {
	s := p.body(i)
	j := 0
	for j < len(s) && s[j] == ' ' {
		j++
	}
	for k := 0; k < 2; k++ {
		d := j
		for d < len(s) && lines.IsDigit(s[d]) {
			d++
		}
		if d == j || d >= len(s) || s[d] != ':' && s[d] != '-' && s[d] != ')' {
			break
		}
		j = d + 1
		if s[d] == ')' {
			if j < len(s) && s[j] == ' ' {
				j++
			}
			break
		}
	}
	return s[j:]
}
