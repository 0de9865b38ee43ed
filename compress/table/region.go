package table

import (
	"slices"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/internal/lsmode"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// format is how a table separates its columns.
type format uint8

const (
	// aligned columns are separated by blanks at fixed positions (ps, df,
	// ss, package lists, profiler rows).
	aligned format = iota
	// csvRows are comma-separated values with RFC 4180 quoting.
	csvRows
	// tsvRows are tab-separated values.
	tsvRows
	// pipeRows form a markdown pipe table: "| a | b |".
	pipeRows
)

// minRows is the fewest lines a run needs to be read as a table.
const minRows = 4

// maxScan bounds the line width the column analysis of aligned tables
// reads: text beyond it belongs to the last column.
const maxScan = 4096

// region is one table of a block: lines [from, to), of which the first
// header lines are its preamble, column titles and rulers.
type region struct {
	from, to int
	header   int
	format   format
	cols     []column
	// sep is the separator of delimited formats.
	sep byte
}

// column is one column of a region.
type column struct {
	// name is the column's title from the header (may be empty).
	name string
	// start and end are the byte positions an aligned column occupies in
	// its rows; end < 0 for the last, ragged column.
	start, end int
}

// cell is one cell of a row; ok is false where the row does not hold a
// well-delimited value for the column.
type cell struct {
	s  string
	ok bool
}

// cells splits row into the region's cells, appending to dst. A delimited
// row with a different number of cells than the header yields nil.
func (r *region) cells(row string, dst []cell) []cell {
	dst = dst[:0]
	switch r.format {
	case aligned:
		for k := range r.cols {
			dst = append(dst, alignedCell(row, r.cols, k))
		}
		return dst
	case pipeRows:
		fs, ok := splitPipe(row, nil)
		if !ok || len(fs) != len(r.cols) {
			return nil
		}
		for _, f := range fs {
			dst = append(dst, cell{f, true})
		}
		return dst
	}
	fs, ok := splitDelimited(lines.TrimCR(row), r.sep, nil)
	if !ok || len(fs) != len(r.cols) {
		return nil
	}
	for _, f := range fs {
		dst = append(dst, cell{f, true})
	}
	return dst
}

// alignedCell is the text of row in column k: the column's span, widened
// over a value that overflows it into the separators on either side (a
// right-aligned number wider than most), as long as a blank still
// separates it from the neighbouring columns' text.
func alignedCell(row string, cols []column, k int) cell {
	c := cols[k]
	if c.start >= len(row) {
		return cell{"", true}
	}
	lo := 0
	if k > 0 {
		lo = cols[k-1].end
	}
	s := c.start
	for s > lo && !blankByte(row[s-1]) {
		s--
	}
	if s == lo && lo > 0 && !blankByte(row[s-1]) {
		return cell{}
	}
	if c.end < 0 {
		return cell{strings.TrimSpace(row[s:]), true}
	}
	hi := len(row)
	if k+1 < len(cols) {
		hi = min(hi, cols[k+1].start)
	}
	e := min(c.end, len(row))
	for e < hi && !blankByte(row[e]) {
		e++
	}
	if e == hi && hi < len(row) && !blankByte(row[hi]) {
		return cell{}
	}
	return cell{strings.TrimSpace(row[s:e]), true}
}

func blankByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// splitDelimited splits a CSV or TSV line at sep, honouring double-quoted
// fields ("a, b" and "" escapes). Fields keep their quotes, as printed. ok
// is false for an unterminated quote.
func splitDelimited(line string, sep byte, dst []string) ([]string, bool) {
	i := 0
	for {
		start := i
		if i < len(line) && line[i] == '"' {
			i++
			for {
				j := strings.IndexByte(line[i:], '"')
				if j < 0 {
					return dst, false
				}
				i += j + 1
				if i < len(line) && line[i] == '"' {
					i++
					continue
				}
				break
			}
			if i < len(line) && line[i] != sep {
				return dst, false
			}
		} else if j := strings.IndexByte(line[i:], sep); j >= 0 {
			i += j
		} else {
			i = len(line)
		}
		dst = append(dst, line[start:i])
		if i >= len(line) {
			return dst, true
		}
		i++ // the separator
		if len(dst) > 512 {
			return dst, false
		}
	}
}

// boxBar is the vertical bar of box-drawn tables ("│ a │ b │", as
// sqlite's box mode and many CLIs print them), read as a pipe.
const boxBar = "│"

// splitPipe splits a markdown table row "| a | b |" (or a box-drawn one,
// "│ a │ b │") into its trimmed cells. Escaped pipes (\|) stay inside
// their cell.
func splitPipe(row string, dst []string) ([]string, bool) {
	t := strings.TrimSpace(row)
	bar := "|"
	if strings.HasPrefix(t, boxBar) {
		bar = boxBar
	}
	if len(t) < 2*len(bar) || !strings.HasPrefix(t, bar) {
		return dst, false
	}
	t = t[len(bar):]
	if strings.HasSuffix(t, bar) && !strings.HasSuffix(t, `\`+bar) {
		t = t[:len(t)-len(bar)]
	}
	start := 0
	for i := 0; i < len(t); i++ {
		switch {
		case t[i] == '\\':
			i++
		case strings.HasPrefix(t[i:], bar):
			dst = append(dst, strings.TrimSpace(t[start:i]))
			start = i + len(bar)
			i += len(bar) - 1
		}
	}
	dst = append(dst, strings.TrimSpace(t[start:]))
	return dst, len(dst) >= 2
}

// boxRuler reports a line drawn only with box-drawing characters
// (U+2500 to U+257F) and blanks: a box-drawn table's top, bottom or rule.
func boxRuler(row string) bool {
	t := strings.TrimSpace(row)
	if t == "" {
		return false
	}
	for _, r := range t {
		if (r < 0x2500 || r > 0x257F) && r != ' ' {
			return false
		}
	}
	return true
}

// pipeRuler reports a markdown table's delimiter row: "| --- | :---: |".
func pipeRuler(row string) bool {
	if boxRuler(row) {
		return true
	}
	t := strings.TrimSpace(row)
	if !strings.HasPrefix(t, "|") || !strings.Contains(t, "-") {
		return false
	}
	return strings.Trim(t, "|-: \t\r") == "" // nothing but those bytes
}

// isRuler reports a separator line of an aligned table: only dashes,
// equals signs, plus signs, pipes and blanks ("+++-====-===", "-----  ---").
func isRuler(row string) bool {
	if boxRuler(row) {
		return true
	}
	t := strings.TrimSpace(row)
	if len(t) < 3 {
		return false
	}
	dashes := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '-', '=', '_':
			dashes++
		case '+', '|', ' ', '\t', '\r', ':':
		default:
			return false
		}
	}
	return dashes*2 >= len(t)
}

// findRegions finds the tables of b: runs of at least minRows non-blank
// lines in one of the formats. stop is polled between runs.
func findRegions(b *lines.Lines, stop func() bool) []region {
	var out []region
	n := len(b.L)
	for i := 0; i < n; {
		if lines.Blank(b.L[i]) {
			i++
			continue
		}
		j := i
		for j < n && !lines.Blank(b.L[j]) {
			j++
		}
		if j-i >= minRows {
			if r, ok := classify(b.L, i, j); ok {
				out = append(out, r)
			}
		}
		if stop != nil && stop() {
			break
		}
		i = j
	}
	return out
}

// classify reads lines [from, to) as a table, trying the delimited formats
// first (they are unambiguous) and aligned columns last.
func classify(ls []string, from, to int) (region, bool) {
	run := ls[from:to]
	if r, ok := classifyPipe(run); ok {
		r.from, r.to = from, to
		return r, true
	}
	for _, sep := range [...]byte{'\t', ','} {
		if r, ok := classifyDelimited(run, sep); ok {
			r.from, r.to = from, to
			return r, true
		}
	}
	// Lines without padding around aligned rows ("goos: linux", "PASS")
	// are a preamble or a trailer, not rows: they stay text outside the
	// table, so no column is named after them.
	lead, trail := 0, 0
	for lead < len(run)-minRows && lead < 8 && unpadded(run[lead]) {
		lead++
	}
	for trail < len(run)-lead-minRows && trail < 8 && unpadded(run[len(run)-1-trail]) {
		trail++
	}
	if r, ok := classifyAligned(run[lead : len(run)-trail]); ok {
		r.from, r.to = from+lead, to-trail
		return r, true
	}
	return region{}, false
}

// unpadded reports a line with no run of blanks or tab between its words.
func unpadded(l string) bool {
	return paddedRuns(l) == 0 && !strings.Contains(strings.TrimSpace(l), "\t")
}

func classifyPipe(run []string) (region, bool) {
	rows := 0
	for _, l := range run {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "|") && strings.Count(l, "|") >= 2 || strings.HasPrefix(t, boxBar) && strings.Count(l, boxBar) >= 2 || boxRuler(t) {
			rows++
		}
	}
	if rows*10 < len(run)*8 {
		return region{}, false
	}
	// The header is the row above the delimiter row.
	for k := 1; k < len(run) && k < 8; k++ {
		if !pipeRuler(run[k]) {
			continue
		}
		names, ok := splitPipe(run[k-1], nil)
		if !ok {
			continue // a box's top line, or a rule under text
		}
		r := region{format: pipeRows, header: k + 1}
		for _, nm := range names {
			r.cols = append(r.cols, column{name: nm})
		}
		return r, true
	}
	return region{}, false
}

// classifyDelimited accepts CSV or TSV with a header: the first line's
// fields are short non-numeric titles, and most lines split into as many
// fields.
func classifyDelimited(run []string, sep byte) (region, bool) {
	head, ok := splitDelimited(lines.TrimCR(run[0]), sep, nil)
	if !ok || len(head) < 2 || len(head) > 256 {
		return region{}, false
	}
	spaced := 0
	for k, h := range head {
		if k > 0 && strings.HasPrefix(h, " ") {
			spaced++ // ", " reads as a sentence's comma
		}
		h = strings.Trim(h, `" `)
		if h == "" || len(h) > 64 || strings.Contains(h, ". ") {
			return region{}, false
		}
		if _, num := lines.Number(h); num {
			return region{}, false
		}
	}
	if sep == ',' && spaced*2 >= len(head)-1 {
		return region{}, false
	}
	same := 0
	var buf []string
	for _, l := range run[1:] {
		fs, ok := splitDelimited(lines.TrimCR(l), sep, buf[:0])
		buf = fs
		if ok && len(fs) == len(head) {
			same++
		}
	}
	if same*10 < (len(run)-1)*8 {
		return region{}, false
	}
	f := csvRows
	if sep == '\t' {
		f = tsvRows
	}
	r := region{format: f, header: 1, sep: sep}
	for _, h := range head {
		r.cols = append(r.cols, column{name: h})
	}
	return r, true
}

// classifyAligned finds columns from the positions that are blank in
// nine rows of ten and have text after them in most rows. Most rows must
// carry padding (runs of two or more blanks between fields), which
// single-spaced prose and log records do not, and the rows must not be
// long-format file listings (those are listings, not tables).
func classifyAligned(run []string) (region, bool) {
	padded, perms := 0, 0
	for _, l := range run {
		if paddedRuns(l) >= 2 {
			padded++
		}
		if permString(l) {
			perms++
		}
	}
	if padded*10 < len(run)*6 || perms*2 > len(run) {
		return region{}, false
	}
	cols := alignedColumns(run)
	if len(cols) < 3 {
		return region{}, false
	}
	r := region{format: aligned, cols: cols}
	r.header = alignedHeader(run, cols)
	if r.header >= len(run) {
		return region{}, false
	}
	for k := r.header - 1; k >= 0; k-- {
		if !isRuler(run[k]) {
			titles(&r, run[k])
			break
		}
	}
	return r, true
}

// alignedColumns computes the columns of aligned rows in one pass over
// their bytes.
func alignedColumns(run []string) []column {
	width := 0
	for _, l := range run {
		width = max(width, min(len(l), maxScan))
	}
	filled := make([]int, width+1)
	lens := make([]int, 0, len(run))
	for _, l := range run {
		l = strings.TrimRight(l, " \t\r")
		lens = append(lens, len(l))
		for p := 0; p < len(l) && p < maxScan; p++ {
			if !blankByte(l[p]) {
				filled[p]++
			}
		}
	}
	slices.Sort(lens)
	// longer(q) is the number of rows with text at or beyond position q.
	longer := func(q int) int {
		k, _ := slices.BinarySearch(lens, q+1)
		return len(lens) - k
	}
	n := len(run)
	sepAt := func(p int) bool { return filled[p]*10 <= n }
	var cols []column
	start := -1
	for p := 0; p <= width; p++ {
		if p < width && !sepAt(p) {
			if start < 0 {
				start = p
			}
			continue
		}
		if start < 0 {
			continue
		}
		// A separator run [p, q): real when most rows go on past it.
		q := p
		for q < width && sepAt(q) {
			q++
		}
		if q >= width || longer(q)*2 < n {
			cols = append(cols, column{start: start, end: -1})
			return cols
		}
		cols = append(cols, column{start: start, end: p})
		start = -1
		p = q - 1
	}
	if start >= 0 {
		cols = append(cols, column{start: start, end: -1})
	}
	return cols
}

// alignedHeader returns how many leading lines of an aligned table are its
// header: up to and including a ruler among the first lines, else the
// first line when it reads as column titles, else none.
func alignedHeader(run []string, cols []column) int {
	for k := 0; k < len(run) && k < 8; k++ {
		if isRuler(run[k]) {
			return k + 1
		}
	}
	if titleRow(run, cols) {
		return 1
	}
	return 0
}

// titleRow reports whether the first line of aligned rows reads as column
// titles rather than as the first row: none of its cells is a number or a
// key=value pair, and none is a value its column holds in the rows below
// ("TLSv1.3" heading a column of protocol names is a row).
func titleRow(run []string, cols []column) bool {
	var hdr []cell
	for k := range cols {
		c := alignedCell(run[0], cols, k)
		if !c.ok || c.s == "" {
			hdr = append(hdr, cell{})
			continue
		}
		if _, num := number(c.s); num || strings.Contains(c.s, "=") {
			return false
		}
		hdr = append(hdr, c)
	}
	for _, row := range run[1:min(len(run), 200)] {
		for k := range cols {
			if hdr[k].ok && alignedCell(row, cols, k).s == hdr[k].s {
				return false
			}
		}
	}
	return true
}

// titles names the columns from the header line: each column gets the
// header words that overlap its span (or lie just before it, for
// right-aligned numbers).
func titles(r *region, hdr string) {
	i := 0
	for i < len(hdr) {
		for i < len(hdr) && blankByte(hdr[i]) {
			i++
		}
		if i >= len(hdr) {
			break
		}
		j := i
		for j < len(hdr) && !blankByte(hdr[j]) {
			j++
		}
		k := columnOf(r.cols, i, j)
		c := &r.cols[k]
		if c.name != "" {
			c.name += " "
		}
		c.name += hdr[i:j]
		i = j
	}
}

// columnOf returns the column a header word at [i, j) belongs to: the
// one its span overlaps most, else the nearest one after it.
func columnOf(cols []column, i, j int) int {
	best, bestOver := -1, 0
	for c, col := range cols {
		end := col.end
		if end < 0 {
			end = max(j, col.start+1)
		}
		if over := min(j, end) - max(i, col.start); over > bestOver {
			best, bestOver = c, over
		}
	}
	if best >= 0 {
		return best
	}
	for c, col := range cols {
		if col.start >= j {
			return c
		}
	}
	return len(cols) - 1
}

// paddedRuns counts the runs of two or more blanks inside a line (not at
// its start or end).
func paddedRuns(l string) int {
	l = strings.TrimSpace(l)
	n := 0
	for i := 0; i+1 < len(l); i++ {
		if blankByte(l[i]) && blankByte(l[i+1]) {
			n++
			for i < len(l) && blankByte(l[i]) {
				i++
			}
		}
	}
	return n
}

// permString reports a line starting with a file mode ("drwxr-xr-x"), the
// mark of a long-format listing.
func permString(l string) bool {
	return lsmode.Is(l, "-dlcbps")
}
