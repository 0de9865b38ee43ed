package listing

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// maxSegments is how many closed directories one run of omitted lines may
// describe one note each; beyond it one note lists them.
const maxSegments = 8

// render writes the listing: the kept lines (all when keep is nil), runs of
// bare paths of one directory folded under it, and a note for each
// directory (or stretch) left out.
func (c *compressor) render(keep []bool) string {
	ls := c.ls
	n := len(ls.form)
	k := fold.Kept(keep, n)
	if keep != nil {
		for i, f := range ls.form {
			if f == blank {
				k[i] = i > 0 && k[i-1]
			}
		}
		// A run whose notes would cost most of what its lines do is written
		// out: the lines say more.
		fold.KeepCostlyRuns(ls.b, k, 70, func(i, j int) int {
			cost := 0
			for _, s := range c.notes(k, i, j) {
				cost += len(s) + 1
			}
			return cost
		}, nil)
	}
	c.ownShown = nil
	var w lines.Writer
	c.in.Grow(&w, keep == nil)
	for i := 0; i < n; {
		if !k[i] {
			j := fold.Omitted(k, i)
			for _, s := range c.notes(k, i, j) {
				w.Line(s)
			}
			i = j
			continue
		}
		if j := c.foldRun(k, i); j > i+1 {
			c.writeFolded(&w, k, i, j)
			i = j
			continue
		}
		w.Line(ls.b.L[i])
		i++
	}
	return w.String(ls.b.FinalNL)
}

// structural reports whether lines [i, j) are only a section's "total"
// and "." rows (and blanks).
func (c *compressor) structural(i, j int) bool {
	for m := i; m < j; m++ {
		if f := c.ls.form[m]; f != lsTotal && f != blank && !c.ls.dotRow(m) {
			return false
		}
	}
	return true
}

// foldRun returns the end of the run of kept bare paths in one directory
// that starts at i (i+1 when there is none to fold): two or more paths of
// the same directory, none holding a rare task term.
func (c *compressor) foldRun(k []bool, i int) int {
	ls := c.ls
	if c.verbatim || ls.form[i] != bare || c.strong[i] {
		return i + 1
	}
	dir := dirPart(ls.b.L[i])
	if dir == "" {
		return i + 1
	}
	j := i + 1
	for j < len(ls.form) && k[j] && ls.form[j] == bare && !c.strong[j] && dirPart(ls.b.L[j]) == dir && len(ls.b.L[j]) > len(dir) {
		j++
	}
	if len(ls.b.L[i]) == len(dir) {
		return i + 1
	}
	return j
}

// writeFolded writes the paths [i, j) under their directory. When the next
// line is a bare name that could be read as one more entry of the
// directory, a blank line ends the group.
func (c *compressor) writeFolded(w *lines.Writer, k []bool, i, j int) {
	ls := c.ls
	dir := dirPart(ls.b.L[i])
	w.Line(dir)
	for m := i; m < j; m++ {
		w.Line(ls.b.L[m][len(dir):])
	}
	if j < len(ls.form) && k[j] && ls.form[j] == bare && !hasSlash(ls.b.L[j]) {
		w.Line("")
	}
}

// dirPart returns the directory of a path line with its final '/'.
func dirPart(l string) string { return l[:strings.LastIndexByte(l, '/')+1] }

// segment is a stretch of omitted lines described by one note.
type segment struct {
	start, end int
	// unit is the closed directory the lines lie in (the child of the
	// nearest shown directory), or -1 for lines of a shown directory, or
	// -2 for lines that are no entries.
	unit  int32
	shown int32 // the nearest shown directory
}

// notes describes the omitted lines [i, j).
func (c *compressor) notes(k []bool, i, j int) []string {
	ls := c.ls
	if c.structural(i, j) {
		return []string{lines.Note("total, . and .. rows omitted")}
	}
	if !c.ordered {
		// Entries of one directory lie apart: the run is described as a
		// whole.
		return []string{c.runNote(i, j)}
	}
	var segs []segment
	tree := ls.main == treeLine
	for m := i; m < j; m++ {
		unit, shown := c.unitOf(k, m)
		if tree && unit >= -1 {
			// In a tree the note sits under the shown item: one note for
			// all that is omitted below it.
			unit = -1
		}
		if ls.form[m] == blank && len(segs) > 0 {
			segs[len(segs)-1].end = m + 1
			continue
		}
		if len(segs) > 0 {
			last := &segs[len(segs)-1]
			if last.unit == unit && last.shown == shown {
				last.end = m + 1
				continue
			}
		}
		segs = append(segs, segment{start: m, end: m + 1, unit: unit, shown: shown})
	}
	// Lines that are no entries (a section's "total" and "." rows) go
	// with the entries after them, or before them.
	if len(segs) > 1 {
		merged := segs[:0]
		start := -1 // start of entry-less segments waiting for the next
		for _, sg := range segs {
			if c.statsOf(sg.start, sg.end).entries == 0 {
				if start < 0 {
					start = sg.start
				}
				continue
			}
			if start >= 0 {
				sg.start, start = start, -1
			}
			merged = append(merged, sg)
		}
		if start >= 0 && len(merged) > 0 {
			merged[len(merged)-1].end = j
		}
		if len(merged) > 0 {
			segs = merged
		}
	}
	closed := 0
	for _, s := range segs {
		if s.unit >= 0 {
			closed++
		}
	}
	var out []string
	if closed > maxSegments {
		return []string{c.mergedNote(segs, i, j)}
	}
	for _, s := range segs {
		out = append(out, c.segmentNote(k, s))
	}
	return out
}

// unitOf returns, for line m, the closed directory it lies in below the
// nearest shown one, and that shown one.
func (c *compressor) unitOf(k []bool, m int) (unit, shown int32) {
	ls := c.ls
	start := ls.in[m]
	switch {
	case ls.form[m] == lsHeading:
		start = ls.self[m]
	case start < 0:
		return -2, -1
	case ls.form[m] != lsRow && ls.self[m] >= 0 && ls.nodes[ls.self[m]].entries > 0:
		// A directory's own line goes with its entries.
		start = ls.self[m]
	}
	child := int32(-1)
	for d := start; d >= 0; d = ls.nodes[d].parent {
		if c.visible(k, d) {
			if child < 0 {
				return -1, d
			}
			return child, d
		}
		child = d
	}
	return child, -1
}

// visible reports whether directory d is shown: opened, or its own line
// kept in a tree (where its children sit right under it).
func (c *compressor) visible(k []bool, d int32) bool {
	if d == 0 || c.opened != nil && c.opened[d] {
		return true
	}
	nd := &c.ls.nodes[d]
	if nd.heading >= 0 && k[nd.heading] {
		// A section whose heading is written: its rows sit below it.
		return true
	}
	return c.ls.main == treeLine && nd.line >= 0 && k[nd.line]
}

// headed reports whether directory d's "dir:" heading is written.
func (c *compressor) headed(k []bool, d int32) bool {
	h := c.ls.nodes[d].heading
	return h >= 0 && k[h]
}

// someShown reports whether an entry of directory d is written.
func (c *compressor) someShown(k []bool, d int32) bool {
	if d < 0 {
		return false
	}
	if c.ownShown == nil {
		c.ownShown = make([]int8, len(c.ls.nodes))
	}
	if v := c.ownShown[d]; v != 0 {
		return v > 0
	}
	c.ownShown[d] = -1
	for _, i := range c.ls.nodes[d].own {
		if k[i] {
			c.ownShown[d] = 1
			break
		}
	}
	return c.ownShown[d] > 0
}

// stats sums up entry lines.
type stats struct {
	entries, dirs int
	exts          map[string]int
	order         []string
	minAt, maxAt  int // lines of the smallest and largest sized entries
}

func (c *compressor) statsOf(s, e int) stats {
	ls := c.ls
	st := stats{minAt: -1, maxAt: -1}
	for m := s; m < e; m++ {
		if !ls.form[m].entry() || ls.dotRow(m) {
			continue
		}
		st.entries++
		if ls.isDir[m] {
			st.dirs++
		} else if x := extOf(ls.name[m]); x != "" {
			if st.exts == nil {
				st.exts = map[string]int{}
			}
			if st.exts[x] == 0 {
				st.order = append(st.order, x)
			}
			st.exts[x]++
		}
		if ls.hasSize[m] {
			if st.minAt < 0 || ls.size[m] < ls.size[st.minAt] {
				st.minAt = m
			}
			if st.maxAt < 0 || ls.size[m] > ls.size[st.maxAt] {
				st.maxAt = m
			}
		}
	}
	return st
}

// segmentNote describes one segment.
func (c *compressor) segmentNote(k []bool, s segment) string {
	ls := c.ls
	st := c.statsOf(s.start, s.end)
	var sb strings.Builder
	if ls.main == treeLine {
		sb.WriteString(c.indentFor(s.start))
	}
	sb.WriteString(lines.NoteOpen)
	switch {
	case st.entries == 0:
		sb.WriteString(lines.Count(s.end-s.start, "line", "lines"))
		sb.WriteString(" omitted")
		sb.WriteString(lines.NoteClose)
		return sb.String()
	case s.unit >= 0 && !(ls.main == treeLine && c.visible(k, s.unit)):
		sb.WriteString(c.dirLabel(s.unit))
		sb.WriteString(": ")
	case s.unit < 0 && s.shown > 0 && ls.main != treeLine && !c.headed(k, s.shown):
		sb.WriteString(c.dirLabel(s.shown))
		sb.WriteString(": ")
	}
	if s.unit < 0 && c.someShown(k, s.shown) {
		sb.WriteString(lines.Count(st.entries, "more entry", "more entries"))
	} else {
		sb.WriteString(lines.Count(st.entries, "entry", "entries"))
	}
	sb.WriteString(" omitted")
	c.writeStats(&sb, st, s)
	sb.WriteString(lines.NoteClose)
	return sb.String()
}

// writeStats appends what the entries were: directories, extensions,
// sizes.
func (c *compressor) writeStats(sb *strings.Builder, st stats, s segment) {
	ls := c.ls
	var parts []string
	if st.dirs > 0 && st.dirs < st.entries && ls.main != treeLine {
		parts = append(parts, lines.Count(st.dirs, "dir", "dirs"))
	}
	if len(st.order) > 0 {
		sortByCount(st.order, st.exts)
		shown := 0
		for x, e := range st.order {
			if x == 3 {
				break
			}
			parts = append(parts, strconv.Itoa(st.exts[e])+" ."+e)
			shown += st.exts[e]
		}
		if rest := st.entries - st.dirs - shown; rest > 0 {
			parts = append(parts, strconv.Itoa(rest)+" other")
		}
	}
	if st.maxAt >= 0 && st.maxAt != st.minAt {
		parts = append(parts, "sizes "+c.sizeText(st.minAt)+" to "+c.sizeText(st.maxAt))
	} else if st.maxAt >= 0 {
		parts = append(parts, "size "+c.sizeText(st.maxAt))
	}
	if s.unit >= 0 {
		nd := &ls.nodes[s.unit]
		if nd.sized && nd.line >= 0 && ls.form[nd.line] == sized && s.start <= nd.first && s.end > nd.last {
			// The directory's own du line is omitted with it.
			parts = append(parts, c.sizeText(nd.line)+" in all")
		} else if nd.sized && ls.form[nd.first] != sized && s.start <= nd.first && s.end > nd.last {
			parts = append(parts, humanSize(nd.size)+" in all")
		}
	}
	if len(parts) > 0 {
		sb.WriteString(": ")
		sb.WriteString(strings.Join(parts, ", "))
	}
}

// sizeText returns the size of line m as printed.
func (c *compressor) sizeText(m int) string {
	ls := c.ls
	l := ls.b.L[m]
	switch ls.form[m] {
	case sized:
		t := strings.TrimLeft(l, " ")
		if e := strings.IndexAny(t, " \t"); e > 0 {
			return t[:e]
		}
	case lsRow:
		return humanSize(ls.size[m])
	}
	return strconv.FormatFloat(ls.size[m], 'f', -1, 64)
}

// runNote describes lines [i, j) by what their entries were.
func (c *compressor) runNote(i, j int) string {
	st := c.statsOf(i, j)
	var sb strings.Builder
	sb.WriteString(lines.NoteOpen)
	if st.entries == 0 {
		sb.WriteString(lines.Count(j-i, "line", "lines"))
	} else {
		sb.WriteString(lines.Count(st.entries, "entry", "entries"))
	}
	sb.WriteString(" omitted")
	c.writeStats(&sb, st, segment{unit: -1})
	sb.WriteString(lines.NoteClose)
	return sb.String()
}

// mergedNote describes a run of many closed directories in one note: how
// many entries in how many directories, and the first directories' names.
func (c *compressor) mergedNote(segs []segment, i, j int) string {
	st := c.statsOf(i, j)
	var names []string
	dirs := 0
	for _, s := range segs {
		if s.unit < 0 {
			continue
		}
		dirs++
		if len(names) < maxSegments {
			names = append(names, c.dirLabel(s.unit)+" ("+strconv.Itoa(c.statsOf(s.start, s.end).entries)+")")
		}
	}
	var sb strings.Builder
	if c.ls.main == treeLine {
		sb.WriteString(c.indentFor(i))
	}
	sb.WriteString(lines.NoteOpen)
	sb.WriteString(lines.Count(st.entries, "entry", "entries"))
	sb.WriteString(" in ")
	sb.WriteString(lines.Count(dirs, "directory", "directories"))
	sb.WriteString(" omitted")
	c.writeStats(&sb, st, segment{unit: -1})
	sb.WriteString("; ")
	sb.WriteString(strings.Join(names, ", "))
	if dirs > len(names) {
		sb.WriteString(", and ")
		sb.WriteString(strconv.Itoa(dirs - len(names)))
		sb.WriteString(" more")
	}
	sb.WriteString(lines.NoteClose)
	return sb.String()
}

// dirLabel names directory d in a note: its path with a final '/'.
func (c *compressor) dirLabel(d int32) string {
	p := c.ls.nodes[d].path
	if c.ls.main == treeLine {
		// A tree's joined names are not a path anyone printed: its own
		// line's name is.
		if l := c.ls.nodes[d].line; l >= 0 {
			return c.ls.name[l]
		}
	}
	if p == "" {
		return "."
	}
	if strings.HasSuffix(p, "/") {
		return p
	}
	return p + "/"
}

// indentFor returns the drawing of line m before its connector, so that a
// note sits where the omitted items would.
func (c *compressor) indentFor(m int) string {
	l := c.ls.b.L[m]
	if c.ls.form[m] != treeLine {
		return ""
	}
	_, at, _ := treePrefix(l)
	p := l[:at]
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		switch r {
		case '├', '└', '┬', '┼', '┴', '┌', '╰', '╭', '┣', '┗', '`', '+', '\\':
			return p[:i]
		case '|':
			if strings.HasPrefix(p[i+n:], "--") {
				return p[:i]
			}
		}
		i += n
	}
	return ""
}

// extOf returns a name's extension: one to eight letters or digits after
// its last dot, holding a letter.
func extOf(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 || len(name)-i-1 > 8 {
		return ""
	}
	x := name[i+1:]
	letter := false
	for k := 0; k < len(x); k++ {
		ch := x[k]
		switch {
		case ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
			letter = true
		case lines.IsDigit(ch):
		default:
			return ""
		}
	}
	if !letter {
		return ""
	}
	return x
}

// humanSize renders a byte count as du -h does: 512, 12K, 3.8M.
func humanSize(v float64) string {
	const units = "KMGTP"
	if v < 1024 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	u := -1
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + units[u:u+1]
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + units[u:u+1]
}

// sortByCount orders vals by descending count, ties in first-seen order.
func sortByCount(vals []string, n map[string]int) {
	slices.SortStableFunc(vals, func(a, b string) int { return n[b] - n[a] })
}
