package search

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// maxNamed bounds the files a note of dropped files names.
const maxNamed = 8

// render writes the result: the kept lines (all when keep is nil), the
// hits of one file grouped under a heading of its path where that saves
// bytes, and a note for each run of omitted lines.
func (c *compressor) render(keep []bool) string {
	p := c.p
	n := len(p.kind)
	k := c.structure(keep)
	c.shown = make([]bool, len(p.files))
	for i, f := range p.fileOf {
		if f >= 0 && k[i] {
			c.shown[f] = true
		}
	}
	// A run whose notes would cost as much as its lines is written out.
	fold.KeepCostlyRuns(p.b, k, 100, func(i, j int) int {
		cost := 0
		for _, it := range c.notes(k, i, j, -1) {
			cost += len(it.text) + 1
		}
		return cost
	}, func(i, j int) {
		for _, f := range p.fileOf[i:j] {
			if f >= 0 {
				c.shown[f] = true
			}
		}
	})
	// A run of one file is grouped when two or more of its kept lines can
	// drop their path.
	c.groups = map[int32]int{}
	for i := range p.kind {
		if k[i] && c.block[i] >= 0 && c.groupable(i) {
			c.groups[c.block[i]]++
		}
	}
	defer func() { c.groups = nil }()

	var w lines.Writer
	c.in.Grow(&w, keep == nil)
	in := int32(-1) // the block whose heading is written
	for i := 0; i < n; {
		blk := c.block[i]
		if blk != in {
			in = -1
		}
		if k[i] {
			if blk >= 0 && in != blk && c.grouped(blk) && c.groupable(i) {
				w.Line(c.header(i))
				in = blk
			}
			switch {
			case p.kind[i] == heading:
				in = blk
				w.Line(p.b.L[i])
			case in == blk && blk >= 0 && c.groupable(i):
				w.Line(p.body(i))
			default:
				w.Line(p.b.L[i])
			}
			i++
			continue
		}
		j := fold.Omitted(k, i)
		for _, it := range c.notes(k, i, j, in) {
			if it.heading {
				in = it.blk
			}
			w.Line(it.text)
		}
		i = j
	}
	return w.String(p.b.FinalNL)
}

// grouped reports whether the run blk is written under one heading.
func (c *compressor) grouped(blk int32) bool { return blk >= 0 && c.groups[blk] >= 2 }

// noteLine is a line notes asks render to write: a note, or the heading of
// a grouped run whose first lines were omitted.
type noteLine struct {
	text    string
	heading bool
	blk     int32
}

// header is the heading of the grouped run holding line i: its file's
// "path:" when some hit of the file starts so (then it is a substring of
// the input), else the bare path; or the annotation of an annotated run.
func (c *compressor) header(i int) string {
	if a := c.p.annot[i]; a >= 0 {
		return c.p.annots[a]
	}
	fl := &c.p.files[c.p.fileOf[i]]
	if fl.hasColon {
		return fl.path + ":"
	}
	return fl.path
}

// structure returns which lines are written given the kept ones: a heading
// when a line of its file's run is, a separator between two kept lines, a
// blank line after a kept one.
func (c *compressor) structure(keep []bool) []bool {
	p := c.p
	n := len(p.kind)
	k := fold.Kept(keep, n)
	if keep == nil {
		return k
	}
	for i, kd := range p.kind {
		switch kd {
		case heading, separator, blank:
			k[i] = false
		}
	}
	for i := range p.kind {
		if k[i] && p.kind[i] != heading && c.block[i] >= 0 {
			// The heading of this run, if it has one, is its first line.
			for j := i - 1; j >= 0 && c.block[j] == c.block[i]; j-- {
				if p.kind[j] == heading {
					k[j] = true
					break
				}
				if k[j] {
					break
				}
			}
		}
	}
	for i, kd := range p.kind {
		switch kd {
		case separator:
			k[i] = i > 0 && k[i-1] && i+1 < n && keep[i+1]
		case blank:
			k[i] = i > 0 && k[i-1]
		}
	}
	return k
}

// notes describes the omitted lines [i, j): for each stretch of one file
// whose other lines are shown, how many of its matches (and context lines)
// were left out and where; for stretches of files shown nowhere, one note
// naming them with their match counts; and a count of other lines. in is
// the block whose heading is written at i.
func (c *compressor) notes(k []bool, i, j int, in int32) []noteLine {
	p := c.p
	var out []noteLine
	var dropped []int32 // files shown nowhere, in order
	seenDrop := map[int32]bool{}
	others := 0
	flush := func() {
		if len(dropped) > 0 {
			out = append(out, noteLine{text: c.droppedNote(dropped)})
			dropped = dropped[:0]
			clear(seenDrop)
		}
		if others > 0 {
			out = append(out, noteLine{text: lines.Note(lines.Count(others, "other line", "other lines") + " omitted")})
			others = 0
		}
	}
	for s := i; s < j; {
		blk := c.block[s]
		e := s + 1
		for e < j && (c.block[e] == blk || p.annot[s] >= 0 && p.annot[e] >= 0) {
			// An annotated file's omitted lines make one note whatever
			// commits they run through.
			e++
		}
		if blk < 0 {
			for m := s; m < e; m++ {
				if p.kind[m] == other {
					others++
				}
			}
			s = e
			continue
		}
		f := p.fileOf[s]
		if f < 0 {
			// A separator of a run: it has the run's block but no file.
			for m := s; m < e && f < 0; m++ {
				f = p.fileOf[m]
			}
		}
		if f < 0 {
			s = e
			continue
		}
		if !c.shown[f] {
			if !seenDrop[f] {
				seenDrop[f] = true
				dropped = append(dropped, f)
			}
			s = e
			continue
		}
		flush()
		inside := in == blk
		if !inside && c.grouped(blk) {
			out = append(out, noteLine{text: c.header(s), heading: true, blk: blk})
			in, inside = blk, true
		}
		out = append(out, noteLine{text: c.omittedNote(s, e, f, inside)})
		s = e
	}
	flush()
	return out
}

// omittedNote describes the omitted lines [s, e) of file f.
func (c *compressor) omittedNote(s, e int, f int32, inside bool) string {
	p := c.p
	matches, contexts := 0, 0
	lo, hi := int32(-1), int32(-1)
	var cats map[string]int
	var catOrder []string
	for m := s; m < e; m++ {
		switch p.kind[m] {
		case match, count:
			matches++
		case context:
			contexts++
		default:
			continue
		}
		if p.num[m] >= 0 {
			if lo < 0 {
				lo = p.num[m]
			}
			hi = p.num[m]
		}
		if c.cat != nil && c.cat[m] != "" {
			if cats == nil {
				cats = map[string]int{}
			}
			if cats[c.cat[m]] == 0 {
				catOrder = append(catOrder, c.cat[m])
			}
			cats[c.cat[m]]++
		}
	}
	var sb strings.Builder
	if !inside && p.files[f].path != "" {
		sb.WriteString(p.files[f].path)
		sb.WriteString(": ")
	}
	switch {
	case c.p.annot[s] >= 0:
		// An annotated file: its lines, not hits.
		sb.WriteString(lines.Count(e-s, "line", "lines"))
	case matches > 0 && contexts > 0:
		sb.WriteString(lines.Count(matches, "match", "matches"))
		sb.WriteString(" and ")
		sb.WriteString(lines.Count(contexts, "context line", "context lines"))
	case matches > 0:
		sb.WriteString(lines.Count(matches, "match", "matches"))
	case contexts > 0:
		sb.WriteString(lines.Count(contexts, "context line", "context lines"))
	default:
		sb.WriteString(lines.Count(e-s, "line", "lines"))
	}
	sb.WriteString(" omitted")
	if lo >= 0 && hi > lo {
		sb.WriteString(" (lines ")
		sb.WriteString(strconv.Itoa(int(lo)))
		sb.WriteByte('-')
		sb.WriteString(strconv.Itoa(int(hi)))
		sb.WriteByte(')')
	} else if lo >= 0 && p.kind[s] != count {
		sb.WriteString(" (line ")
		sb.WriteString(strconv.Itoa(int(lo)))
		sb.WriteByte(')')
	}
	if len(catOrder) > 0 {
		// By category, most frequent first.
		sortByCount(catOrder, cats)
		sb.WriteString(": ")
		for x, v := range catOrder {
			if x == 3 {
				sb.WriteString(", ...")
				break
			}
			if x > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(strconv.Itoa(cats[v]))
			sb.WriteByte(' ')
			sb.WriteString(v)
		}
	}
	return lines.Note(sb.String())
}

// droppedNote names files shown nowhere with their match counts.
func (c *compressor) droppedNote(files []int32) string {
	p := c.p
	total, allCounts := 0, true
	for _, f := range files {
		total += c.hits[f]
		if !c.countsOnly[f] {
			allCounts = false
		}
	}
	var sb strings.Builder
	if allCounts {
		// Counts: the files with none are only counted.
		var some []int32
		for _, f := range files {
			if c.hits[f] > 0 {
				some = append(some, f)
			}
		}
		sb.WriteString(lines.Count(len(files), "more file", "more files"))
		if len(some) == 0 {
			sb.WriteString(" with count 0 omitted")
			return lines.Note(sb.String())
		}
		sb.WriteString(" omitted, ")
		sb.WriteString(strconv.Itoa(len(files) - len(some)))
		sb.WriteString(" with count 0; the others")
		files = some
	}
	if !allCounts {
		sb.WriteString(lines.Count(len(files), "more file", "more files"))
		sb.WriteString(" with ")
		sb.WriteString(lines.Count(total, "match", "matches"))
		sb.WriteString(" omitted")
	}
	named := files[:min(len(files), maxNamed)]
	paths := make([]string, len(named))
	for x, f := range named {
		paths[x] = p.files[f].path
		if paths[x] == "" {
			paths[x] = "(no path)"
		}
	}
	// Names share their common directory, and consecutive names of one
	// directory are written "dir/{a.go (1), b.go (2)}".
	prefix := commonDir(paths)
	if len(paths) < 2 || len(prefix) < 8 {
		prefix = ""
	}
	if prefix != "" {
		sb.WriteString(" under ")
		sb.WriteString(prefix)
	}
	sb.WriteByte(':')
	for x := 0; x < len(named); {
		dir := dirOf(paths[x][len(prefix):])
		y := x + 1
		for y < len(named) && dirOf(paths[y][len(prefix):]) == dir {
			y++
		}
		if x > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte(' ')
		if y-x >= 2 && dir != "" {
			sb.WriteString(dir)
			sb.WriteByte('{')
			for z := x; z < y; z++ {
				if z > x {
					sb.WriteString(", ")
				}
				c.writeNamed(&sb, paths[z][len(prefix)+len(dir):], named[z])
			}
			sb.WriteByte('}')
		} else {
			for z := x; z < y; z++ {
				if z > x {
					sb.WriteString(", ")
				}
				c.writeNamed(&sb, paths[z][len(prefix):], named[z])
			}
		}
		x = y
	}
	if rest := len(files) - len(named); rest > 0 {
		sb.WriteString(", and ")
		sb.WriteString(strconv.Itoa(rest))
		sb.WriteString(" more")
	}
	return lines.Note(sb.String())
}

// writeNamed writes a file's name and its match count.
func (c *compressor) writeNamed(sb *strings.Builder, name string, f int32) {
	sb.WriteString(name)
	sb.WriteString(" (")
	sb.WriteString(strconv.Itoa(c.hits[f]))
	sb.WriteByte(')')
}

// dirOf returns the directory part of a path, with its final '/' ("" for a
// bare name).
func dirOf(path string) string { return path[:strings.LastIndexByte(path, '/')+1] }

// commonDir returns the longest directory prefix (ending in '/') that all
// paths share.
func commonDir(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	pre := dirOf(paths[0])
	for _, q := range paths[1:] {
		for !strings.HasPrefix(q, pre) {
			pre = dirOf(strings.TrimSuffix(pre, "/"))
			if pre == "" {
				return ""
			}
		}
	}
	return pre
}

// sortByCount orders vals by descending count, ties in first-seen order.
func sortByCount(vals []string, n map[string]int) {
	slices.SortStableFunc(vals, func(a, b string) int { return n[b] - n[a] })
}
