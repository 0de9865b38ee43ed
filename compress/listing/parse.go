package listing

import (
	"strings"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress/internal/lsmode"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// form is the shape of one line of a listing.
type form uint8

const (
	other form = iota
	blank
	// bare is a path alone on its line (find, git ls-files).
	bare
	// sized is a quantity then a path ("4.0K\tnode_modules/x", du; "  178
	// a.go", wc -l).
	sized
	// lsRow is a long-format row: mode, links, owner, group, size, date,
	// name.
	lsRow
	// lsHeading is "dir:" above the rows of one directory.
	lsHeading
	// lsTotal is the "total N" line under a heading.
	lsTotal
	// treeLine is a line of a box-drawing tree ("├── name", "│ └─┬ x").
	treeLine
)

// entry reports whether f is a line that names an item of the listing.
func (f form) entry() bool { return f == bare || f == sized || f == lsRow || f == treeLine }

// node is a directory (or, in a tree, an item with children).
type node struct {
	// path is the directory's path, as the listing spells it (joined
	// names for a tree).
	path   string
	parent int32
	// line is the line that names the directory itself (its row, its tree
	// line, its du line), heading its "dir:" line, total its "total N"
	// line; -1 when absent.
	line, heading, total int
	// children are its subdirectories, own the lines of its entries.
	children []int32
	own      []int32
	depth    int
	// Subtree aggregates: entry lines, the span of lines, file sizes.
	entries     int
	first, last int
	size        float64
	sized       bool
}

// listing is a parsed listing.
type listing struct {
	b    *lines.Lines
	form []form
	// Per line: the node the entry lies in, the node the line names
	// itself (-1 when none), its full path, its name, and its size and
	// date when the listing shows them.
	in      []int32
	self    []int32
	path    []string
	name    []string
	size    []float64
	hasSize []bool
	date    []int64
	hasDate []bool
	isDir   []bool
	// lsCol holds, for long-format rows, the mode, owner and group
	// fields.
	lsCol [][3]string
	nodes []node
	// main is the form most lines have.
	main form
	// The texts the relevance step indexes besides the lines (see
	// pathTexts), made once: every compression of the block indexes the
	// same ones.
	texts *pathTexts
}

// pathTexts are the built paths of the lines (any: some line has one)
// and the directories' paths, one per line, with the starts of the lines.
type pathTexts struct {
	any               bool
	paths, dirs       string
	pathStarts, dirAt []int
}

// classify returns the form of a line on its own (trees, headings and
// sized paths need no context).
func classify(l string) form {
	if lines.Blank(l) {
		return blank
	}
	l = lines.TrimCR(l)
	if _, _, ok := treePrefix(l); ok {
		return treeLine
	}
	if isLsRow(l) {
		return lsRow
	}
	if strings.HasPrefix(l, "total ") && lines.AllDigits(strings.TrimSpace(l[6:])) {
		return lsTotal
	}
	if len(l) > 1 && l[len(l)-1] == ':' && isPath(l[:len(l)-1], false) {
		return lsHeading
	}
	if _, _, ok := splitSized(l); ok {
		return sized
	}
	if isPath(l, true) {
		return bare
	}
	return other
}

// isPath reports whether l is a path alone: no blank at its start, no tab,
// blanks only inside a path that starts with "./" or "/", none of the
// characters of code or prose, and (when needSep) a '/' or an extension.
func isPath(l string, needSep bool) bool {
	if l == "" || len(l) > 4096 || l[0] == ' ' || l[0] == '-' || l == "." && needSep {
		return false
	}
	rooted := strings.HasPrefix(l, "./") || strings.HasPrefix(l, "/") || strings.HasPrefix(l, "../")
	sep, dot := false, false
	for i := 0; i < len(l); i++ {
		switch c := l[i]; c {
		case '\t', '(', ')', '{', '}', ';', '=', '"', '\'', '<', '>', '|', '*', ',', '`', '[', ']':
			return false
		case ' ':
			if !rooted || i+1 < len(l) && l[i+1] == ' ' {
				return false
			}
		case ':':
			// A drive letter only.
			if i != 1 {
				return false
			}
		case '/', '\\':
			sep = true
		case '.':
			if i > 0 {
				dot = true
			}
		}
	}
	return !needSep || sep || dot
}

// splitSized splits "3.8M\tpath" or "  178 path": a quantity, blanks, and a
// path (with a '/' or an extension).
func splitSized(l string) (size float64, at int, ok bool) {
	i := 0
	for i < len(l) && l[i] == ' ' {
		i++
	}
	j := i
	for j < len(l) && l[j] != ' ' && l[j] != '\t' {
		j++
	}
	if j == i || j >= len(l) {
		return 0, 0, false
	}
	v, ok := lines.Number(l[i:j])
	if !ok || !lines.IsDigit(l[i]) {
		return 0, 0, false
	}
	k := j
	for k < len(l) && (l[k] == ' ' || l[k] == '\t') {
		k++
	}
	if k == len(l) || !isPath(l[k:], true) {
		return 0, 0, false
	}
	return v, k, true
}

// isLsRow reports whether l is a long-format row: a mode string such as
// "-rw-r--r--" or "drwxr-xr-x." and a link count.
func isLsRow(l string) bool {
	// D is a Solaris door, which ls prints too.
	if len(l) < 12 || !lsmode.Is(l, "-dlcbpsD") {
		return false
	}
	rest := l[10:]
	if rest != "" && strings.IndexByte(".+@", rest[0]) >= 0 {
		rest = rest[1:]
	}
	if rest == "" || rest[0] != ' ' {
		return false
	}
	rest = strings.TrimLeft(rest, " ")
	k := strings.IndexByte(rest, ' ')
	return k > 0 && lines.AllDigits(rest[:k])
}

// lsParts are the parts of a long-format row, as substrings of it.
type lsParts struct {
	mode, owner, group string
	size               float64
	hasSize            bool
	date               int64
	hasDate            bool
	name               string
}

// parseLsRow splits a long-format row. The date is "YYYY-MM-DD HH:MM"
// (long-iso, optionally with seconds and a zone) or "Mon DD HH:MM" / "Mon
// DD YYYY"; the name is the rest of the line. Rows without a group column
// (ls -o, ls -g) parse too.
func parseLsRow(l string) (lsParts, bool) {
	var f [6]string
	var end [6]int
	n, i := 0, 0
	for n < len(f) && i < len(l) {
		for i < len(l) && l[i] == ' ' {
			i++
		}
		s := i
		for i < len(l) && l[i] != ' ' {
			i++
		}
		if s == i {
			break
		}
		f[n], end[n] = l[s:i], i
		n++
	}
	for _, sizeField := range [...]int{4, 3} {
		if sizeField >= n {
			continue
		}
		r := lsParts{mode: f[0], owner: f[2]}
		if sizeField == 4 {
			r.group = f[3]
		}
		at := sizeField
		if strings.HasSuffix(f[at], ",") && at+1 < n {
			// A device: "major, minor".
			at++
		} else if v, ok := lines.Number(f[at]); ok && lines.IsDigit(f[at][0]) {
			r.size, r.hasSize = v, true
		} else {
			continue
		}
		if nameAt, key, ok := parseDate(l, end[at]); ok {
			r.date, r.hasDate = key, true
			r.name = lines.TrimCR(strings.TrimLeft(l[nameAt:], " "))
			if r.name != "" {
				return r, true
			}
		}
	}
	return lsParts{}, false
}

// parseDate reads the date of a long-format row from offset i: it returns
// the offset after it and a key that orders dates.
func parseDate(l string, i int) (int, int64, bool) {
	var df [3]string
	var dend [3]int
	for k := 0; k < 3 && i < len(l); k++ {
		for i < len(l) && l[i] == ' ' {
			i++
		}
		s := i
		for i < len(l) && l[i] != ' ' {
			i++
		}
		df[k], dend[k] = l[s:i], i
	}
	switch {
	case isISODate(df[0]) && isClock(df[1]):
		at := dend[1]
		if len(df[2]) == 5 && (df[2][0] == '+' || df[2][0] == '-') && lines.AllDigits(df[2][1:]) {
			at = dend[2]
		}
		return at, isoKey(df[0], df[1]), at < len(l)
	case monthOf(df[0]) > 0 && lines.AllDigits(df[1]) && (isClock(df[2]) || len(df[2]) == 4 && lines.AllDigits(df[2])):
		return dend[2], monthKey(df[0], df[1], df[2]), dend[2] < len(l)
	}
	return 0, 0, false
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func monthOf(s string) int {
	for k, m := range months {
		if s == m {
			return k + 1
		}
	}
	return 0
}

func isISODate(s string) bool {
	return len(s) == 10 && s[4] == '-' && s[7] == '-' && lines.AllDigits(s[:4]) && lines.AllDigits(s[5:7]) && lines.AllDigits(s[8:])
}

// isClock: "21:34", "21:34:05", "21:34:05.123456789".
func isClock(s string) bool {
	return len(s) >= 5 && s[2] == ':' && lines.AllDigits(s[:2]) && lines.AllDigits(s[3:5])
}

// isoKey orders ISO dates and times: YYYYMMDDHHMM.
func isoKey(d, t string) int64 {
	k := atoi(d[:4])*1e8 + atoi(d[5:7])*1e6 + atoi(d[8:])*1e4
	return k + atoi(t[:2])*100 + atoi(t[3:5])
}

// monthKey orders "Mon DD HH:MM" (this year: newer than any dated with a
// year, as ls prints it for the last six months) and "Mon DD YYYY".
func monthKey(mon, day, yt string) int64 {
	m, d := int64(monthOf(mon)), atoi(day)
	if isClock(yt) {
		return 9999*1e8 + m*1e6 + d*1e4 + atoi(yt[:2])*100 + atoi(yt[3:5])
	}
	return atoi(yt)*1e8 + m*1e6 + d*1e4
}

func atoi(s string) int64 {
	var n int64
	for i := 0; i < len(s); i++ {
		if lines.IsDigit(s[i]) {
			n = n*10 + int64(s[i]-'0')
		}
	}
	return n
}

// treePrefix returns the drawing of a tree line: its width in runes and
// the offset of the item's name. The drawing is made of box-drawing
// characters ("├── ", "│   └─┬ ") or the ASCII "|-- ", "`-- ", "+-- ",
// "\-- ", and must hold a connector.
func treePrefix(l string) (width, nameAt int, ok bool) {
	connector := false
	i := 0
	for i < len(l) {
		r, n := utf8.DecodeRuneInString(l[i:])
		switch r {
		case '├', '└', '┬', '┼', '┴', '┌', '╰', '╭', '┣', '┗':
			connector = true
		case '│', '─', '┃', '━', ' ', '\u00a0':
		case '|', '`', '+', '\\':
			if strings.HasPrefix(l[i+n:], "--") {
				connector = true
				width += 3
				i += n + 2
				continue
			}
			if r != '|' {
				return 0, 0, false
			}
		default:
			if !connector || i == 0 {
				return 0, 0, false
			}
			return width, i, true
		}
		width++
		i += n
	}
	return 0, 0, false
}

// parse builds the listing's lines, entries and directories.
func parse(b *lines.Lines, stop func() bool) *listing {
	n := len(b.L)
	ls := &listing{
		b:       b,
		form:    make([]form, n),
		in:      make([]int32, n),
		self:    make([]int32, n),
		path:    make([]string, n),
		name:    make([]string, n),
		size:    make([]float64, n),
		hasSize: make([]bool, n),
		date:    make([]int64, n),
		hasDate: make([]bool, n),
		isDir:   make([]bool, n),
	}
	var count [treeLine + 1]int
	for i := range b.L {
		ls.in[i], ls.self[i] = -1, -1
	}
	for i, l := range b.L {
		if i&1023 == 0 && stop != nil && stop() {
			// Out of time: the rest of the lines stay as they are.
			break
		}
		ls.form[i] = classify(l)
		if ls.form[i] == sized {
			// Read the quantity once; the path starts after it.
			v, at, _ := splitSized(lines.TrimCR(l))
			ls.size[i], ls.hasSize[i] = v, true
			ls.path[i] = l[at:]
		}
		count[ls.form[i]]++
	}
	best := 0
	for f := bare; f <= treeLine; f++ {
		if f == lsHeading || f == lsTotal {
			continue
		}
		if count[f] > best {
			best, ls.main = count[f], f
		}
	}
	if ls.main == bare {
		// In a listing of paths, a plain name is a path too
		// ("Dockerfile" beside "cmd/main.go").
		for i, l := range b.L {
			if ls.form[i] == other && isPath(lines.TrimCR(l), false) && strings.IndexByte(l, ' ') < 0 {
				ls.form[i] = bare
			}
		}
	}
	ls.nodes = append(ls.nodes, node{parent: -1, line: -1, heading: -1, total: -1, first: -1, last: -1})
	if count[treeLine] > 0 && ls.main == treeLine {
		ls.parseTree()
	} else {
		ls.parsePaths()
	}
	ls.aggregate()
	return ls
}

// parsePaths builds directories from the paths of bare, sized and
// long-format lines.
func (ls *listing) parsePaths() {
	index := map[string]int32{"": 0}
	var nodeOf func(p string) int32
	nodeOf = func(p string) int32 {
		if k, ok := index[p]; ok {
			return k
		}
		parent := nodeOf(parentOf(p))
		k := int32(len(ls.nodes))
		ls.nodes = append(ls.nodes, node{path: p, parent: parent, line: -1, heading: -1, total: -1, first: -1, last: -1, depth: ls.nodes[parent].depth + 1})
		ls.nodes[parent].children = append(ls.nodes[parent].children, k)
		index[p] = k
		return k
	}
	section := int32(0) // the node of the current "dir:" heading
	for i, l := range ls.b.L {
		l = lines.TrimCR(l)
		switch ls.form[i] {
		case lsHeading:
			d := strings.TrimSuffix(l[:len(l)-1], "/")
			section = nodeOf(d)
			ls.self[i] = section
			if ls.nodes[section].heading < 0 {
				ls.nodes[section].heading = i
			}
			continue
		case lsTotal:
			if ls.nodes[section].total < 0 {
				ls.nodes[section].total = i
			}
			ls.in[i] = section
			continue
		case blank:
			continue
		case bare:
			p := strings.TrimSuffix(l, "/")
			ls.isDir[i] = len(p) < len(l)
			if section > 0 && !strings.ContainsAny(p, "/\\") {
				// A name under a "dir:" heading (ls -R without -l).
				p = joinPath(ls.nodes[section].path, p)
			}
			ls.path[i], ls.name[i] = p, baseOf(p)
		case sized:
			p := strings.TrimSuffix(lines.TrimCR(ls.path[i]), "/")
			ls.path[i], ls.name[i] = p, baseOf(p)
		case lsRow:
			r, ok := parseLsRow(l)
			if !ok {
				ls.form[i] = other
				continue
			}
			name := r.name
			if l[0] == 'l' {
				if k := strings.Index(name, " -> "); k > 0 {
					name = name[:k]
				}
			}
			ls.name[i] = name
			if ls.lsCol == nil {
				ls.lsCol = make([][3]string, len(ls.b.L))
			}
			ls.lsCol[i] = [3]string{r.mode, r.owner, r.group}
			if name == "." || name == ".." {
				ls.isDir[i] = true
				ls.path[i] = ls.nodes[section].path
				if name == ".." {
					ls.path[i] = parentOf(ls.path[i])
				}
				ls.in[i] = section
				ls.size[i], ls.hasSize[i] = r.size, r.hasSize
				ls.date[i], ls.hasDate[i] = r.date, r.hasDate
				continue
			}
			ls.path[i] = joinPath(ls.nodes[section].path, name)
			ls.size[i], ls.hasSize[i] = r.size, r.hasSize
			ls.date[i], ls.hasDate[i] = r.date, r.hasDate
			ls.isDir[i] = l[0] == 'd'
			if ls.isDir[i] {
				k := nodeOf(ls.path[i])
				ls.self[i] = k
				if ls.nodes[k].line < 0 {
					ls.nodes[k].line = i
				}
			}
			ls.in[i] = section
			continue
		default:
			continue
		}
		ls.in[i] = nodeOf(parentOf(ls.path[i]))
	}
	// A bare or sized path that names a directory of the listing is that
	// directory's own line (find lists directories, du sums them).
	for i, f := range ls.form {
		if f != bare && f != sized {
			continue
		}
		if k, ok := index[ls.path[i]]; ok && k > 0 {
			ls.isDir[i] = true
			ls.self[i] = k
			if ls.nodes[k].line < 0 {
				ls.nodes[k].line = i
			}
		}
	}
}

// parseTree builds the nodes of a box-drawing tree: an item's parent is the
// nearest line above it drawn further left; the line just above the first
// item (". ", a package name) is the root.
func (ls *listing) parseTree() {
	type level struct {
		width int
		node  int32
	}
	var stack []level
	root := int32(0)
	for i, l := range ls.b.L {
		if ls.form[i] != treeLine {
			if ls.form[i] == blank {
				stack = stack[:0]
				root = 0
				continue
			}
			// A line that is not drawn starts a new tree: it is the root
			// of the items below it.
			k := int32(len(ls.nodes))
			ls.nodes = append(ls.nodes, node{path: strings.TrimSpace(lines.TrimCR(l)), parent: 0, line: i, heading: -1, total: -1, first: -1, last: -1, depth: 1})
			ls.nodes[0].children = append(ls.nodes[0].children, k)
			ls.self[i] = k
			ls.path[i] = ls.nodes[k].path
			ls.name[i] = ls.nodes[k].path
			root = k
			stack = stack[:0]
			continue
		}
		w, at, _ := treePrefix(l)
		name := strings.TrimSpace(lines.TrimCR(l[at:]))
		for len(stack) > 0 && stack[len(stack)-1].width >= w {
			stack = stack[:len(stack)-1]
		}
		parent := root
		if len(stack) > 0 {
			parent = stack[len(stack)-1].node
		}
		k := int32(len(ls.nodes))
		p := joinPath(ls.nodes[parent].path, name)
		ls.nodes = append(ls.nodes, node{path: p, parent: parent, line: i, heading: -1, total: -1, first: -1, last: -1, depth: ls.nodes[parent].depth + 1})
		ls.nodes[parent].children = append(ls.nodes[parent].children, k)
		ls.in[i], ls.self[i] = parent, k
		ls.path[i], ls.name[i] = p, name
		stack = append(stack, level{w, k})
	}
	for i := range ls.form {
		if k := ls.self[i]; k >= 0 && len(ls.nodes[k].children) > 0 {
			ls.isDir[i] = true
		}
	}
}

// aggregate fills the nodes' own entries and subtree aggregates.
func (ls *listing) aggregate() {
	for i, f := range ls.form {
		if !f.entry() || ls.in[i] < 0 || ls.dotRow(i) {
			continue
		}
		k := ls.in[i]
		ls.nodes[k].own = append(ls.nodes[k].own, int32(i))
	}
	// Children come after their parents in the node table: sum bottom-up.
	for k := len(ls.nodes) - 1; k >= 0; k-- {
		nd := &ls.nodes[k]
		for _, i := range nd.own {
			nd.entries++
			nd.span(int(i))
			if ls.hasSize[i] && !ls.isDir[i] && ls.self[i] < 0 {
				nd.size += ls.size[i]
				nd.sized = true
			}
		}
		for _, i := range [...]int{nd.line, nd.heading, nd.total} {
			if i >= 0 {
				nd.span(i)
			}
		}
		if nd.line >= 0 && ls.hasSize[nd.line] && ls.form[nd.line] == sized {
			// du prints a directory's own total.
			nd.size, nd.sized = ls.size[nd.line], true
		}
		if nd.parent >= 0 {
			pn := &ls.nodes[nd.parent]
			pn.entries += nd.entries
			if nd.first >= 0 {
				pn.span(nd.first)
				pn.span(nd.last)
			}
			if nd.sized && !(pn.line >= 0 && ls.form[pn.line] == sized) {
				pn.size += nd.size
				pn.sized = true
			}
		}
	}
}

// dotRow reports the "." and ".." rows of a long-format section.
func (ls *listing) dotRow(i int) bool {
	return ls.form[i] == lsRow && (ls.name[i] == "." || ls.name[i] == "..")
}

// span widens the node's line span to hold line i.
func (nd *node) span(i int) {
	if nd.first < 0 || i < nd.first {
		nd.first = i
	}
	if i > nd.last {
		nd.last = i
	}
}

// parentOf returns the directory of a path ("" at the top).
func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		if i == 0 && len(p) > 1 {
			return "/"
		}
		return ""
	}
	return p[:i]
}

// baseOf returns the last element of a path.
func baseOf(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// joinPath joins a directory and a name.
func joinPath(dir, name string) string {
	switch {
	case dir == "":
		return name
	case strings.HasSuffix(dir, "/"):
		return dir + name
	}
	return dir + "/" + name
}
