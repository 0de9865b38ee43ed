package compress

import (
	"sort"
	"strconv"
	"strings"
)

// File listings: one path per line (find, git ls-files), ls -l / ls -la
// (one or several directories), and tree drawings.

// listingLine classifies one line of a listing.
type listingLine uint8

const (
	lineOther  listingLine = iota
	lineBlank              // empty or blank
	linePath               // a path on its own
	lineLsRow              // an ls -l row
	lineLsHead             // "dir:" heading or "total N" of ls
	lineTree               // a line of a tree drawing
)

func classifyListingLine(l string) listingLine {
	if strings.TrimSpace(l) == "" {
		return lineBlank
	}
	if treeDepth(l) > 0 {
		return lineTree
	}
	if isLsRow(l) {
		return lineLsRow
	}
	if strings.HasPrefix(l, "total ") && allDigits(strings.TrimSpace(l[6:])) {
		return lineLsHead
	}
	if strings.HasSuffix(l, ":") && !strings.ContainsAny(l, " \t") {
		return lineLsHead
	}
	if isPathLine(l) {
		return linePath
	}
	return lineOther
}

// isPathLine reports whether l is a bare path: no leading blank, no tab,
// no blanks unless it is rooted ("./a b/c"), and a '/' or an extension.
func isPathLine(l string) bool {
	if len(l) > 1024 || l[0] == ' ' || strings.IndexByte(l, '\t') >= 0 || strings.Contains(l, ": ") {
		return false
	}
	if strings.IndexByte(l, ' ') >= 0 && !strings.HasPrefix(l, "./") && !strings.HasPrefix(l, "/") {
		return false
	}
	if strings.ContainsAny(l, "(){};=\"'<>|*") {
		return false
	}
	if h := parseSearchLine(l); h.sep == ':' {
		// A grep hit, not a path. (A '-' "context line" is ambiguous with
		// names like "a-1-b.pem": those stay paths.)
		return false
	}
	return strings.IndexByte(l, '/') >= 0 || strings.IndexByte(l, '.') > 0
}

// isLsRow reports whether l is an ls -l row: a mode string such as
// "-rw-r--r--" or "drwxr-xr-x." followed by a link count.
func isLsRow(l string) bool {
	if len(l) < 11 || strings.IndexByte("-dlcbpsD", l[0]) < 0 {
		return false
	}
	for i := 1; i < 10; i++ {
		if strings.IndexByte("rwxsStT-", l[i]) < 0 {
			return false
		}
	}
	rest := l[10:]
	if rest != "" && strings.IndexByte(".+@", rest[0]) >= 0 {
		rest = rest[1:]
	}
	if rest == "" || rest[0] != ' ' {
		return false
	}
	links, _ := nextField(rest)
	return allDigits(links)
}

// lsFields splits an ls -l row into owner and group, its date (the three
// fields after the size) and the entry name. They are substrings of l.
func lsFields(l string) (owner, date, name string) {
	var start, end [9]int
	k, i := 0, 0
	for k < 9 && i < len(l) {
		for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
			i++
		}
		start[k] = i
		for i < len(l) && l[i] != ' ' && l[i] != '\t' {
			i++
		}
		end[k] = i
		k++
		if k == 5 && end[4] > start[4] && l[end[4]-1] == ',' {
			// A device: "major, minor" takes one more field.
			k--
			for i < len(l) && l[i] == ' ' {
				i++
			}
			for i < len(l) && l[i] != ' ' && l[i] != '\t' {
				i++
			}
			end[4] = i
			k++
		}
	}
	if k < 8 {
		return "", "", ""
	}
	name = strings.TrimLeft(l[end[7]:], " ")
	return l[start[2]:end[3]], l[start[5]:end[7]], name
}

// treeConnectors end the drawing prefix of a tree line; treeIndents are
// the steps before them. tree(1) draws with no-break spaces in some
// locales.
var (
	treeConnectors = [...]string{"├── ", "└── ", "├──\u00a0", "└──\u00a0", "|-- ", "`-- "}
	treeIndents    = [...]string{"│   ", "│\u00a0\u00a0 ", "    ", "\u00a0\u00a0\u00a0 ", "|   "}
)

// treeDepth returns the depth of a tree-drawing line ("├── x" is 1,
// "│   └── y" is 2), or 0 when l is not one.
func treeDepth(l string) int {
	for depth := 1; depth <= 64; depth++ {
		stepped := false
		for _, c := range treeConnectors {
			if strings.HasPrefix(l, c) {
				return depth
			}
		}
		for _, in := range treeIndents {
			if strings.HasPrefix(l, in) {
				l = l[len(in):]
				stepped = true
				break
			}
		}
		if !stepped {
			return 0
		}
	}
	return 0
}

// treeIndent returns the drawing prefix of a tree line before its
// connector ("│   │   " of "│   │   ├── x").
func treeIndent(l string) string {
	for _, c := range treeConnectors {
		if i := strings.Index(l, c); i >= 0 {
			return l[:i]
		}
	}
	return ""
}

// looksLikeListing reports whether text is a file listing: bare paths, ls
// -l rows with their headings, or a tree drawing make up most lines.
func looksLikeListing(text string) bool {
	var n [lineTree + 1]int
	rest := text
	nonEmpty := 0
	for lines := 0; lines < 300 && rest != ""; lines++ {
		var l string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			l, rest = rest, ""
		}
		c := classifyListingLine(l)
		n[c]++
		if c != lineBlank {
			nonEmpty++
		}
	}
	if nonEmpty < 5 {
		return false
	}
	listing := n[linePath] + n[lineLsRow] + n[lineLsHead] + n[lineTree]
	main := max(n[linePath], n[lineLsRow], n[lineTree])
	return listing*10 >= nonEmpty*8 && main*2 >= nonEmpty
}

// listingParams are the sizes the lossy listing step works with.
type listingParams struct {
	minLines int // smaller listings only get the lossless step
	budget   int // lines the lossy form aims at
	smallDir int // directories with this many entries or fewer are listed
	lsRows   int // ls sections longer than this are summarized
	lsHead   int // rows kept at the top of a summarized ls section
}

func newListingParams(h *hints, lines int) listingParams {
	p := listingParams{minLines: 60, budget: 50, smallDir: 3, lsRows: 16, lsHead: 3}
	if h != nil && h.aggressive {
		p = listingParams{minLines: 30, budget: 25, smallDir: 2, lsRows: 8, lsHead: 2}
	}
	if h != nil && h.keepRatio > 0 {
		p.budget = max(p.budget, int(h.keepRatio*float64(lines)))
		p.lsRows = max(p.lsRows, int(h.keepRatio*float64(lines)))
	}
	return p
}

// compressListing compresses file listings.
//
// Bare paths: lossless folding writes a directory once and its entries
// indented under it; a large listing instead summarizes directories
// ("./cmd/ [... 412 paths omitted: 380 .go, 20 .md, 12 other ...]"),
// expanding the largest ones while a line budget allows. ls -l: rows stay
// whole; a long directory keeps its first rows, its last, rows with a rare
// owner or date, and the rest become a note counting them by extension.
// Trees: the top levels stay, the biggest subtrees are opened while the
// budget allows, and each hidden stretch becomes a note. In every form,
// lines that mention the task or carry an error signal are kept verbatim.
func compressListing(text string, h *hints) (string, bool) {
	if text == "" {
		return "", false
	}
	b := splitBlock(text)
	lines := b.lines
	kinds := make([]listingLine, len(lines))
	var count [lineTree + 1]int
	for i, l := range lines {
		kinds[i] = classifyListingLine(l)
		count[kinds[i]]++
	}
	must := make([]bool, len(lines))
	b.markSignals(must)
	var terms []string
	if h != nil {
		terms = splitCompoundTerms(h.taskTerms)
	}
	b.markTerms(terms, termLimit(len(lines)), must)
	p := newListingParams(h, len(lines))

	var out string
	switch {
	case count[lineTree] >= count[linePath] && count[lineTree] >= count[lineLsRow]:
		if len(lines) <= p.minLines {
			return "", false
		}
		out = compressTree(b, kinds, must, p)
	case count[lineLsRow] >= count[linePath]:
		out = compressLs(b, kinds, must, p)
	default:
		lossy := len(lines) > p.minLines
		if lossy && h != nil && h.keepRatio > 0 {
			// Lossy only if folding does not reach the target.
			out = foldPaths(b, kinds, must)
			lossy = float64(len(out)) > h.keepRatio*float64(len(text))
		}
		switch {
		case lossy:
			out = summarizePaths(b, kinds, must, p)
		case out == "":
			out = foldPaths(b, kinds, must)
		}
	}
	return shorter(out, text)
}

// pathDir returns the directory part of a path, with its trailing '/'
// ("" for a bare name).
func pathDir(p string) string {
	return p[:strings.LastIndexByte(p, '/')+1]
}

// foldPaths writes bare paths losslessly: a run of two or more paths in
// one directory becomes the directory on a line of its own and the names
// indented under it. Must-keep paths stay whole.
func foldPaths(b *blockLines, kinds []listingLine, must []bool) string {
	lines := b.lines
	var o lineOut
	o.sb.Grow(len(b.text))
	for i := 0; i < len(lines); {
		if kinds[i] != linePath || must[i] {
			o.line(lines[i])
			i++
			continue
		}
		dir := pathDir(lines[i])
		end := i + 1
		for end < len(lines) && kinds[end] == linePath && !must[end] && pathDir(lines[end]) == dir {
			end++
		}
		if dir == "" || end-i < 2 || strings.HasPrefix(lines[i][len(dir):], " ") {
			for k := i; k < end; k++ {
				o.line(lines[k])
			}
			i = end
			continue
		}
		o.line(dir)
		for k := i; k < end; k++ {
			o.line("  " + lines[k][len(dir):])
		}
		i = end
	}
	return o.finish(b.finalNL)
}

// dirNode is a directory of a bare-path listing.
type dirNode struct {
	prefix   string // "./cmd/" (with the trailing '/'); "" for the root
	parent   int    // index in the node table, -1 for the root
	children []int  // subdirectories, in order of first appearance
	files    int    // paths directly in it
	total    int    // paths in its subtree
	open     bool   // shown expanded
}

// summarizePaths writes a large bare-path listing as directory summaries:
// the root is open, and the directories with the most paths are opened
// one by one while the line budget allows. Paths in an open directory with
// few entries are listed; must-keep paths are always listed whole.
func summarizePaths(b *blockLines, kinds []listingLine, must []bool, p listingParams) string {
	lines := b.lines
	nodes := []dirNode{{parent: -1, open: true}}
	index := map[string]int{"": 0}
	// nodeOf returns the node of directory prefix d, creating it and its
	// ancestors on first sight.
	var nodeOf func(d string) int
	nodeOf = func(d string) int {
		if k, ok := index[d]; ok {
			return k
		}
		parent := nodeOf(pathDir(d[:len(d)-1]))
		k := len(nodes)
		nodes = append(nodes, dirNode{prefix: d, parent: parent})
		nodes[parent].children = append(nodes[parent].children, k)
		index[d] = k
		return k
	}
	home := make([]int, len(lines)) // node of each path's directory
	for i, l := range lines {
		home[i] = -1
		if kinds[i] != linePath || must[i] {
			continue
		}
		k := nodeOf(pathDir(l))
		home[i] = k
		nodes[k].files++
		for a := k; a >= 0; a = nodes[a].parent {
			nodes[a].total++
		}
	}

	// cost of showing node k open: its listed or summarized own paths plus
	// one line per child.
	openCost := func(k int) int {
		c := len(nodes[k].children)
		if f := nodes[k].files; f > 0 {
			if f <= p.smallDir {
				c += f
			} else {
				c++
			}
		}
		return c
	}
	// The root and any chain of lone directories under it ("./", "/usr/")
	// open, and so does the first level that branches, even over budget
	// (it is the map of the listing) unless it is very wide.
	used := 0
	for k := 0; ; {
		if k > 0 && openCost(k) > 4*p.budget {
			break
		}
		nodes[k].open = true
		used += openCost(k)
		if k > 0 {
			used--
		}
		if nodes[k].files == 0 && len(nodes[k].children) == 1 {
			k = nodes[k].children[0]
			continue
		}
		break
	}
	// Then the directories with the most paths, while the budget allows.
	cand := &weightHeap{}
	for k := range nodes {
		if !nodes[k].open && nodes[k].parent >= 0 && nodes[nodes[k].parent].open && nodes[k].total > 1 {
			cand.push(k, nodes[k].total)
		}
	}
	for cand.len() > 0 {
		best := cand.pop()
		if used-1+openCost(best) > p.budget {
			break
		}
		nodes[best].open = true
		used += openCost(best) - 1
		for _, c := range nodes[best].children {
			if nodes[c].total > 1 {
				cand.push(c, nodes[c].total)
			}
		}
	}

	// unit of a path: its outermost closed ancestor, or its own open
	// directory (as -1-k, standing for "the own paths of k").
	unit := func(i int) int {
		k := home[i]
		u := k
		for a := k; a > 0; a = nodes[a].parent {
			if !nodes[a].open {
				u = a
			}
		}
		if nodes[u].open {
			if nodes[u].files <= p.smallDir {
				return 0 // listed
			}
			return -1 - u
		}
		return u
	}

	var o lineOut
	o.sb.Grow(len(b.text) / 4)
	for i := 0; i < len(lines); {
		if home[i] < 0 {
			o.line(lines[i])
			i++
			continue
		}
		u := unit(i)
		if u == 0 {
			o.line(lines[i])
			i++
			continue
		}
		// The run of this unit, across must-keep paths inside it.
		var members []int
		end := i
		for end < len(lines) {
			if home[end] >= 0 {
				if unit(end) != u {
					break
				}
				members = append(members, end)
			} else if kinds[end] != linePath || !strings.HasPrefix(lines[end], unitPrefix(nodes, u)) {
				break
			}
			end++
		}
		dir := unitPrefix(nodes, u)
		note := pathSummary(dir, lines, members, u < 0, home, nodes)
		size := 0
		for _, m := range members {
			size += len(lines[m]) + 1
		}
		if size <= len(note)+1 {
			for _, m := range members {
				o.line(lines[m])
			}
		} else {
			o.line(note)
		}
		for k := i; k < end; k++ {
			if home[k] < 0 {
				o.line(lines[k])
			}
		}
		i = end
	}
	return o.finish(b.finalNL)
}

func unitPrefix(nodes []dirNode, u int) string {
	if u < 0 {
		return nodes[-1-u].prefix
	}
	return nodes[u].prefix
}

// pathSummary is the note standing for the paths members under dir:
// "./cmd/ [... 412 paths omitted (63 dirs): 380 .go, 20 .md, 12 other ...]".
func pathSummary(dir string, lines []string, members []int, ownOnly bool, home []int, nodes []dirNode) string {
	var sb strings.Builder
	if dir == "" {
		dir = "./"
	}
	sb.WriteString(dir)
	sb.WriteString(" [... ")
	sb.WriteString(plural(len(members), "path", "paths"))
	if ownOnly {
		sb.WriteString(" directly in it")
	}
	sb.WriteString(" omitted")
	if !ownOnly {
		dirs := 0
		seen := -1
		for _, m := range members {
			if home[m] != seen && nodes[home[m]].prefix != dir {
				dirs++
				seen = home[m]
			}
		}
		if dirs > 0 {
			sb.WriteString(" (")
			sb.WriteString(plural(dirs, "subdirectory", "subdirectories"))
			sb.WriteString(")")
		}
	}
	names := make([]string, len(members))
	for k, m := range members {
		names[k] = lines[m]
	}
	if ext := extensionSummary(names, 3); ext != "" {
		sb.WriteString(": ")
		sb.WriteString(ext)
	}
	sb.WriteString(" ...]")
	return sb.String()
}

// extensionSummary counts names by extension: "380 .go, 20 .md, 12 other".
// The most common come first (ties by extension), at most top of them.
func extensionSummary(names []string, top int) string {
	type ec struct {
		ext string
		n   int
	}
	var counts []ec
	for _, nm := range names {
		e := extensionOf(nm)
		found := false
		for k := range counts {
			if counts[k].ext == e {
				counts[k].n++
				found = true
				break
			}
		}
		if !found && len(counts) < 64 {
			counts = append(counts, ec{e, 1})
		} else if !found {
			counts = append(counts[:63], ec{"", counts[63].n + 1})
		}
	}
	sort.SliceStable(counts, func(a, b int) bool {
		if counts[a].n != counts[b].n {
			return counts[a].n > counts[b].n
		}
		return counts[a].ext < counts[b].ext
	})
	var parts []string
	other := 0
	for _, c := range counts {
		if len(parts) >= top || c.ext == "" {
			other += c.n
			continue
		}
		parts = append(parts, strconv.Itoa(c.n)+" "+c.ext)
	}
	if len(parts) == 0 {
		return ""
	}
	if other > 0 {
		parts = append(parts, strconv.Itoa(other)+" other")
	}
	return strings.Join(parts, ", ")
}

// extensionOf returns ".go" for "a/b.go", "" when the base name has no
// short extension.
func extensionOf(p string) string {
	base := strings.TrimRight(p[strings.LastIndexByte(p, '/')+1:], "\r")
	if i := strings.LastIndexByte(base, ' '); i >= 0 {
		base = base[i+1:]
	}
	dot := strings.LastIndexByte(base, '.')
	if dot <= 0 || len(base)-dot > 9 || dot == len(base)-1 {
		return ""
	}
	return base[dot:]
}

// compressLs writes ls -l output: each directory section's rows stay whole;
// a long section keeps its first rows, its last row, must-keep rows and
// rows whose owner or date is rare in the section, and each omitted stretch
// becomes "[... 140 entries omitted: 118 .py, 18 dirs, 4 other ...]".
func compressLs(b *blockLines, kinds []listingLine, must []bool, p listingParams) string {
	lines := b.lines
	keep := make([]bool, len(lines))
	for i := range lines {
		keep[i] = kinds[i] != lineLsRow || must[i]
	}
	for i := 0; i < len(lines); {
		if kinds[i] != lineLsRow {
			i++
			continue
		}
		end := i
		for end < len(lines) && kinds[end] == lineLsRow {
			end++
		}
		rows := end - i
		if rows <= p.lsRows {
			for k := i; k < end; k++ {
				keep[k] = true
			}
			i = end
			continue
		}
		for k := i; k < i+p.lsHead; k++ {
			keep[k] = true
		}
		keep[end-1] = true
		// Rare owners and dates stand out: keep them.
		rare := max(1, rows/20)
		owners := map[string]int{}
		dates := map[string]int{}
		for k := i; k < end; k++ {
			ow, dt, _ := lsFields(lines[k])
			owners[ow]++
			dates[dt]++
		}
		for k := i; k < end; k++ {
			ow, dt, _ := lsFields(lines[k])
			if owners[ow] <= rare || dates[dt] <= rare {
				keep[k] = true
			}
		}
		i = end
	}
	var o lineOut
	o.sb.Grow(len(b.text) / 2)
	for i := 0; i < len(lines); {
		if keep[i] {
			o.line(lines[i])
			i++
			continue
		}
		end := i
		for end < len(lines) && !keep[end] {
			end++
		}
		if end-i <= 2 {
			for k := i; k < end; k++ {
				o.line(lines[k])
			}
		} else {
			o.line(lsNote(lines[i:end]))
		}
		i = end
	}
	return o.finish(b.finalNL)
}

// lsNote describes omitted ls -l rows by type and extension.
func lsNote(rows []string) string {
	dirs, links := 0, 0
	var names []string
	for _, r := range rows {
		switch r[0] {
		case 'd':
			dirs++
		case 'l':
			links++
		default:
			_, _, name := lsFields(r)
			names = append(names, name)
		}
	}
	var parts []string
	if s := extensionSummary(names, 3); s != "" {
		parts = append(parts, s)
	} else if len(names) > 0 {
		parts = append(parts, plural(len(names), "file", "files"))
	}
	if dirs > 0 {
		parts = append(parts, plural(dirs, "dir", "dirs"))
	}
	if links > 0 {
		parts = append(parts, plural(links, "link", "links"))
	}
	return "[... " + plural(len(rows), "entry", "entries") + " omitted: " + strings.Join(parts, ", ") + " ...]"
}

// compressTree writes a tree drawing: the top level stays, as do must-keep
// lines and their ancestors; the largest subtrees are opened while the
// line budget allows, and each hidden stretch becomes one note at its
// indentation.
func compressTree(b *blockLines, kinds []listingLine, must []bool, p listingParams) string {
	lines := b.lines
	n := len(lines)
	depth := make([]int, n)
	parent := make([]int, n)
	size := make([]int, n) // descendants
	nchild := make([]int, n)
	var stack []int // open ancestors by depth
	for i, l := range lines {
		parent[i] = -1
		if kinds[i] != lineTree {
			stack = stack[:0]
			continue
		}
		d := treeDepth(l)
		depth[i] = d
		for len(stack) > 0 && depth[stack[len(stack)-1]] >= d {
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 {
			parent[i] = stack[len(stack)-1]
			nchild[parent[i]]++
		}
		for _, a := range stack {
			size[a]++
		}
		stack = append(stack, i)
	}
	visible := make([]bool, n)
	open := make([]bool, n)
	for i := range lines {
		if kinds[i] != lineTree || parent[i] < 0 || must[i] {
			visible[i] = true
		}
		if must[i] {
			for a := parent[i]; a >= 0 && !visible[a]; a = parent[a] {
				visible[a] = true
			}
		}
	}
	used := 0
	for i := range lines {
		if visible[i] {
			used++
			if size[i] > 0 {
				used++ // its note
			}
		}
	}
	// Open the biggest visible subtrees while the budget allows.
	// Children as linked lists: two slices, whatever the tree's shape.
	firstChild, nextSibling := make([]int, n), make([]int, n)
	lastChild := make([]int, n)
	for i := range firstChild {
		firstChild[i], nextSibling[i], lastChild[i] = -1, -1, -1
	}
	for i, pa := range parent {
		if pa < 0 {
			continue
		}
		if lastChild[pa] < 0 {
			firstChild[pa] = i
		} else {
			nextSibling[lastChild[pa]] = i
		}
		lastChild[pa] = i
	}
	cand := &weightHeap{}
	for i := range lines {
		if visible[i] && nchild[i] > 0 {
			cand.push(i, size[i])
		}
	}
	for cand.len() > 0 {
		best := cand.pop()
		cost := -1 // its note goes
		for k := firstChild[best]; k >= 0; k = nextSibling[k] {
			if !visible[k] {
				cost++
				if size[k] > 0 {
					cost++
				}
			}
		}
		if used+cost > p.budget {
			break
		}
		open[best] = true
		for k := firstChild[best]; k >= 0; k = nextSibling[k] {
			if !visible[k] {
				visible[k] = true
				if nchild[k] > 0 {
					cand.push(k, size[k])
				}
			}
		}
		used += cost
	}
	var o lineOut
	o.sb.Grow(len(b.text) / 4)
	for i := 0; i < n; {
		if visible[i] {
			o.line(lines[i])
			i++
			continue
		}
		end := i
		for end < n && !visible[end] {
			end++
		}
		note := treeIndent(lines[i]) + "[... " + plural(end-i, "entry", "entries") + " omitted ...]"
		hidden := 0
		for k := i; k < end; k++ {
			hidden += len(lines[k]) + 1
		}
		if hidden <= len(note)+1 {
			for k := i; k < end; k++ {
				o.line(lines[k])
			}
		} else {
			o.line(note)
		}
		i = end
	}
	return o.finish(b.finalNL)
}

// weightHeap is a max-heap of indices by weight; equal weights pop in
// index order, so the result is deterministic.
type weightHeap struct {
	idx, w []int
}

func (h *weightHeap) len() int { return len(h.idx) }

func (h *weightHeap) before(a, b int) bool {
	return h.w[a] > h.w[b] || h.w[a] == h.w[b] && h.idx[a] < h.idx[b]
}

func (h *weightHeap) swap(a, b int) {
	h.idx[a], h.idx[b] = h.idx[b], h.idx[a]
	h.w[a], h.w[b] = h.w[b], h.w[a]
}

func (h *weightHeap) push(i, weight int) {
	h.idx = append(h.idx, i)
	h.w = append(h.w, weight)
	for c := len(h.idx) - 1; c > 0; {
		p := (c - 1) / 2
		if !h.before(c, p) {
			break
		}
		h.swap(c, p)
		c = p
	}
}

func (h *weightHeap) pop() int {
	top := h.idx[0]
	last := len(h.idx) - 1
	h.swap(0, last)
	h.idx, h.w = h.idx[:last], h.w[:last]
	for p := 0; ; {
		c := 2*p + 1
		if c >= last {
			break
		}
		if c+1 < last && h.before(c+1, c) {
			c++
		}
		if !h.before(c, p) {
			break
		}
		h.swap(c, p)
		p = c
	}
	return top
}
