// Package table compresses tabular tool output: whitespace-aligned tables
// (process and socket lists, disk usage, package lists, profiler and
// import-time rows, container lists) and delimited ones (CSV or TSV with a
// header row, markdown pipe tables).
//
// Columns are found from the rows themselves (positions blank in nine rows
// of ten, or the delimiter), never from a known command. A table that fits
// its budget is left alone. A larger one keeps, each row byte for byte as
// printed: its header lines and rulers, its first and last rows, rows that
// report a problem, rows the task names, for every numeric column the rows
// holding the minimum and maximum (the top few when the task asks for the
// largest or smallest), rows holding a rare value of a categorical column
// and the first row of each group of a grouped column; then, while the
// budget allows, rows with weaker task matches, one row per value of each
// categorical column, and head rows. Each run of omitted rows becomes one
// note saying how many rows it held and what they held ("[... 412 rows
// omitted; Name adduser … zstd; STAT S 400, R 12; %MEM 0.0–0.4 ...]").
//
// Text around the tables (a preamble, a summary line) is kept as it is.
// It is not for listings of paths or long-format file listings, which
// have their own compressor.
package table

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/head"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// detectLines bounds the lines Detect reads.
const detectLines = 200

// Detect reports whether text is mostly tables: within its first lines, the
// runs of lines read as tables hold at least three fifths of the non-blank
// lines.
func Detect(text string) bool {
	b := lines.Split(head.Cut(text, detectLines, len(text), false)) // no byte bound
	nonBlank := 0
	for _, l := range b.L {
		if !lines.Blank(l) {
			nonBlank++
		}
	}
	if nonBlank < minRows {
		return false
	}
	inTables, stamped, code := 0, 0, 0
	for _, r := range findRegions(b, nil) {
		inTables += r.to - r.from
		// A delimited table under a header of titles is a table
		// whatever its first column holds (a day per row of an export).
		delimited := (r.format == csvRows || r.format == tsvRows) && r.header > 0 && len(r.cols) >= 3
		for i := r.from + r.header; i < r.to; i++ {
			t := strings.TrimSpace(b.L[i])
			if !delimited && (startsWithDate(t) || startsWithTime(t)) {
				stamped++
			}
			if t != "" && (t[len(t)-1] == ';' || t[len(t)-1] == '{') {
				code++
			}
		}
	}
	// Rows that start with a timestamp are log records, aligned or not
	// (unless they are delimited rows under a header);
	// rows that end like statements are annotated source code (a blame,
	// a numbered listing).
	return inTables*5 >= nonBlank*3 && stamped*2 < inTables && code*5 < inTables
}

// startsWithTime reports a value that starts with HH:MM:SS.
func startsWithTime(s string) bool {
	return len(s) >= 8 && lines.IsDigit(s[0]) && lines.IsDigit(s[1]) && s[2] == ':' && lines.IsDigit(s[3]) && lines.IsDigit(s[4]) && s[5] == ':'
}

// Compress compresses the tables of in.Text. ok is false when nothing
// worth changing was found: no table, or a block within its budget.
func Compress(in *fold.Input) (string, bool) {
	b := in.Lines()
	if len(b.L) < minRows {
		return "", false
	}
	regs := findRegions(b, in.Stop)
	if len(regs) == 0 || in.Stopped() {
		return "", false
	}
	squeeze := in.Budget.Aggressive && !in.Verbatim()
	p := newPlan(in, regs)
	if !in.Budget.Lossy || len(in.Text) <= in.Budget.Bytes || in.Query.Intent.Has(relevance.Whole) {
		if !squeeze {
			return "", false
		}
		keep := make([]bool, len(b.L))
		for i := range keep {
			keep[i] = true
		}
		return shorter(p.render(keep, true), in.Text)
	}
	p.mark()
	if in.Stopped() {
		// The caller gave up (the index may be partial).
		return "", false
	}
	// Notes cost bytes too: when the first selection's notes push the
	// output over the budget, select again with their cost taken off.
	keep := fold.Select(b, p.must, p.prio, in.Budget.Bytes)
	out := p.render(keep, squeeze)
	if fold.NoteBytes(b, keep, out) > in.Budget.Bytes/4 {
		// Notes that take over a quarter of the budget crowd out the
		// rows the task ranks high (the selection below takes their
		// cost off the budget): they say less.
		p.lean = true
		out = p.render(keep, squeeze)
	}
	if over := len(out) - in.Budget.Bytes; over > 0 {
		keep = fold.Select(b, p.must, p.prio, in.Budget.Bytes-over)
		if o := p.render(keep, squeeze); len(o) < len(out) {
			out = o
		}
	}
	return shorter(out, in.Text)
}

func shorter(out, text string) (string, bool) {
	if len(out) >= len(text) {
		return "", false
	}
	return out, true
}

// Priorities of optional rows (rows that must stay are kept regardless).
const (
	prioTerm      = 100
	prioProblem   = 95
	prioExemplar  = 80
	prioRare      = 75
	prioOther     = 70
	prioWarning   = 65
	prioHead      = 50
	prioTail      = 45
	prioRest      = 1
	maxProblems   = 40 // problem rows kept whatever the budget, per table
	maxRarePerVal = 4
	maxRarePerCol = 12
)

// plan is the state of one lossy pass.
type plan struct {
	in    *fold.Input
	b     *lines.Lines
	regs  []region
	regOf []int32
	stats [][]colStats
	// units holds each table's labelled quantities.
	units [][]unitCol
	must  []bool
	prio  []float64
	// lean notes leave out the tallies of categorical columns and the
	// ranges of columns the task does not name (see Compress).
	lean bool
}

func newPlan(in *fold.Input, regs []region) *plan {
	b := in.Lines()
	n := len(b.L)
	p := &plan{in: in, b: b, regs: regs, regOf: make([]int32, n)}
	for i := range p.regOf {
		p.regOf[i] = -1
	}
	var buf []cell
	for ri := range regs {
		r := &regs[ri]
		st := make([]colStats, len(r.cols))
		for c := range st {
			st[c] = newColStats()
		}
		for i := r.from; i < r.to; i++ {
			p.regOf[i] = int32(ri)
			if i < r.from+r.header || isRuler(b.L[i]) {
				continue
			}
			buf = r.cells(b.L[i], buf)
			for c := range buf {
				st[c].add(buf[c], i)
			}
			if i&4095 == 0 && in.Stopped() {
				break
			}
		}
		p.stats = append(p.stats, st)
		p.units = append(p.units, unitStats(b.L, r.from+r.header, r.to))
	}
	return p
}

// rows returns the data rows of region r.
func (r *region) rows() int { return r.to - r.from - r.header }

// mark decides what must stay and how much the rest is worth.
func (p *plan) mark() {
	b, n := p.b, len(p.b.L)
	p.must = make([]bool, n)
	p.prio = make([]float64, n)
	ix := p.in.Index(p.in.Query, b.Text, b.Start)
	if p.in.Stopped() {
		return // Compress sees it too and gives up
	}

	// Text outside tables: kept when it is small, else by its own worth.
	other := 0
	for i := range b.L {
		if p.regOf[i] < 0 {
			other += len(b.L[i]) + 1
		}
	}
	var foldMust []bool
	var foldPrio []float64
	if other*4 > p.in.Budget.Bytes {
		// Text between the tables (a dump of titled sections with
		// tables among them): it is ranked as the generic fold ranks any
		// text, a named header with its body, problems, extremes and
		// rare lines first, around the rank of other text.
		foldMust, foldPrio = fold.Rank(p.in)
	}
	for i, l := range b.L {
		if p.regOf[i] >= 0 || lines.Blank(l) {
			continue
		}
		switch {
		case other*4 <= p.in.Budget.Bytes, lines.Signal(l) == lines.Problem, lines.Summary(l):
			p.must[i] = true
		case foldMust != nil && foldMust[i]:
			p.must[i] = true
		case foldPrio != nil:
			p.prio[i] = prioWarning + (prioTerm-prioWarning)*min(1, foldPrio[i]/fold.MaxPrio)
		default:
			p.prio[i] = prioOther
		}
	}

	for ri := range p.regs {
		p.markRegion(ri)
	}
	p.markOrdinals()
	p.markScopedExtremes(ix)

	// Weak matches rank above head rows only when they score near the
	// best row: a term in a third of the rows would otherwise scatter
	// the kept rows, each with a note of its own.
	best := 0.0
	for i := 0; i < n; i++ {
		best = max(best, ix.Score(i))
	}
	for i := 0; i < n; i++ {
		s := ix.Score(i)
		switch {
		case ix.Strong(i):
			p.must[i] = true
			p.keepContinuation(i)
		case s > 0 && s*5 >= best*2:
			p.prio[i] = max(p.prio[i], prioTerm+10*s)
			p.rankContinuation(i)
		case s > 0:
			p.prio[i] = max(p.prio[i], prioTail-1+s/best)
		}
	}
}

// maxContinuation bounds the continuation rows a named head row keeps.
const maxContinuation = 24

// keepContinuation keeps the continuation rows of head row i: the rows
// right under it that leave its first columns blank (a callee list under
// its caller, the further values of one entry). They belong to the head,
// and a head the task names is asked about with them.
func (p *plan) keepContinuation(i int) {
	for k := i + 1; k < p.continuationEnd(i); k++ {
		p.must[k] = true
	}
}

// rankContinuation ranks the continuation rows of head row i with it: the
// budget keeps the group together or not at all.
func (p *plan) rankContinuation(i int) {
	for k := i + 1; k < p.continuationEnd(i); k++ {
		p.prio[k] = max(p.prio[k], p.prio[i]-float64(k-i)/100)
	}
}

// continuationEnd is the end of head row i's continuation rows, which run
// from i+1: none under an indented row, at most maxContinuation, up to a
// blank or less indented row.
func (p *plan) continuationEnd(i int) int {
	b := p.b
	if lines.Indent(b.L[i]) > 0 {
		return i + 1
	}
	k := i + 1
	for k < len(b.L) && k <= i+maxContinuation && !lines.Blank(b.L[k]) && lines.Indent(b.L[k]) >= minContinuationIndent {
		k++
	}
	return k
}

// namesOnly reports a row whose problem words are all in cells of key
// columns (mostly distinct short names) and make up those cells: a setting,
// test or symbol named for an error, not a row reporting one.
func (p *plan) namesOnly(r *region, st []colStats, rows int, row string, buf *[]cell) bool {
	*buf = r.cells(row, (*buf)[:0])
	if *buf == nil {
		return false
	}
	named := false
	for k, c := range *buf {
		if !c.ok || lines.Signal(c.s) != lines.Problem {
			continue
		}
		if k >= len(st) || !st[k].key(rows) || strings.ContainsAny(strings.TrimSpace(c.s), " \t") {
			return false
		}
		named = true
	}
	return named
}

// minContinuationIndent is the least indent of a continuation row.
const minContinuationIndent = 8

// markRegion marks the rows of one table.
func (p *plan) markRegion(ri int) {
	r, st, b := &p.regs[ri], p.stats[ri], p.b
	first := r.from + r.header
	for i := r.from; i < first; i++ {
		p.must[i] = true
	}
	rows := r.rows()
	// Problem words that many rows carry are the table's vocabulary (a
	// state column, a status), not reports: rare values cover them.
	problems, reported := 0, 0
	sev := make([]lines.Severity, r.to-first)
	var buf []cell
	for i := first; i < r.to; i++ {
		sev[i-first] = lines.Signal(b.L[i])
		if sev[i-first] == lines.Problem && p.namesOnly(r, st, rows, b.L[i], &buf) {
			// A name that holds a problem word ("ExitOnOutOfMemoryError"
			// in a column of setting names) reports nothing.
			sev[i-first] = lines.NoSignal
		}
		if sev[i-first] == lines.Problem {
			reported++
		}
	}
	distinctive := reported*5 <= rows
	for i := first; i < r.to; i++ {
		l := b.L[i]
		k := i - first
		p.prio[i] = max(prioRest, prioHead-float64(k)/float64(rows+1))
		if r.to-i <= 3 {
			p.prio[i] = prioTail + float64(3-(r.to-i))
		}
		if isRuler(l) {
			p.must[i] = true
			continue
		}
		switch sev[k] {
		case lines.Problem:
			if distinctive && problems < maxProblems {
				p.must[i] = true
			}
			problems++
			p.prio[i] = max(p.prio[i], prioProblem)
		case lines.Warning:
			p.prio[i] = max(p.prio[i], prioWarning)
		}
		if r.format != aligned && r.cells(l, buf[:0]) == nil {
			// A row that does not split like the header: a trailer or
			// a different table.
			p.prio[i] = max(p.prio[i], prioOther)
		}
	}
	// First rows and the last one.
	for i, k := first, 0; i < r.to && k < 2; i++ {
		p.must[i] = true
		k++
	}
	if r.to > first {
		p.must[r.to-1] = true
	}

	intent := p.in.Query.Intent
	topK := 5
	if p.in.Budget.Aggressive {
		topK = 3
	}
	named := p.namedColumns(r)
	anyNamed := false
	for c := range named {
		anyNamed = anyNamed || named[c] && st[c].numeric()
	}
	for c := range st {
		s := &st[c]
		switch {
		case s.numeric():
			p.must[s.minRow] = true
			p.must[s.maxRow] = true
			k := topK
			if anyNamed && !named[c] {
				k = 0
			} else if !anyNamed {
				k = min(topK, 3)
			}
			if k > 0 {
				k = max(k, p.in.Query.TopN)
			}
			if intent.Has(relevance.Max) {
				p.mustAll(p.topRows(s, k, true))
			}
			if intent.Has(relevance.Min) {
				p.mustAll(p.topRows(s, k, false))
			}
		case s.temporal():
			if intent.Has(relevance.Newest) {
				p.mustAll(s.top(topK, true))
			}
			if intent.Has(relevance.Oldest) {
				p.mustAll(s.top(topK, false))
			}
		}
		if s.categorical(rows) {
			p.markRare(r, c, s, rows)
			for _, line := range s.firstOf {
				p.prio[line] = max(p.prio[line], prioExemplar)
			}
		}
		if s.grouping(rows) {
			p.mustAll(s.runStarts)
		}
	}
	// Labelled quantities: the rows holding each one's extremes, and its
	// top rows when the task asks for the largest or smallest.
	for _, u := range p.units[ri] {
		s := &u.st
		p.must[s.minRow] = true
		p.must[s.maxRow] = true
		k := min(topK, 3)
		if p.namedLabel(u.label) {
			k = topK
		}
		if intent.Has(relevance.Max) {
			p.mustAll(s.top(k, true))
		}
		if intent.Has(relevance.Min) {
			p.mustAll(s.top(k, false))
		}
	}
}

// topRows returns the k rows holding the largest (or smallest) values of
// a column, not counting tally rows ("5632555   437 files"): asked for the
// three largest files, a total is not one of them (it stays anyway, as a
// summary).
func (p *plan) topRows(s *colStats, k int, largest bool) []int {
	all := s.top(topN, largest)
	out := make([]int, 0, k)
	for _, i := range all {
		if len(out) == k {
			break
		}
		if !lines.Summary(p.b.L[i]) {
			out = append(out, i)
		}
	}
	return out
}

// namedLabel reports whether a word of the task names a labelled
// quantity ("bytes" does not name "B/op", "allocs" names "allocs/op").
func (p *plan) namedLabel(label string) bool {
	found := false
	lines.Words(label, func(w string, _, _ int) bool {
		sw := lines.Stem(lines.Fold(w))
		for _, t := range p.in.Query.Terms {
			if t.Kind == relevance.Word && t.Latest && len(t.Text) >= 3 && lines.Stem(t.Text) == sw {
				found = true
			}
		}
		return !found
	})
	return found
}

// markScopedExtremes answers "which madrid reading had the highest
// humidity": asked for the largest or smallest of a column the task names,
// among the rows holding a term of the task that picks out some of them
// (too many to keep them all), it keeps the top rows of that subset.
func (p *plan) markScopedExtremes(ix *relevance.Index) {
	q := p.in.Query
	if !q.Intent.Has(relevance.Max) && !q.Intent.Has(relevance.Min) || !ix.Any() {
		return
	}
	topK := 3
	var buf []cell
	for ri := range p.regs {
		r := &p.regs[ri]
		named := p.namedColumns(r)
		var cols []int // the named numeric columns
		for c := range r.cols {
			if named[c] && p.stats[ri][c].numeric() {
				cols = append(cols, c)
			}
		}
		if len(cols) == 0 {
			continue
		}
		// The subsets: the rows of each term that picks out some, and
		// the rows holding all of them ("the SE gold-tier customers").
		var subsets [][]int32
		var all []int32
		for t, term := range q.Terms {
			if !term.Latest {
				continue // a short word is a term only when typed as a code
			}
			// One row is kept anyway; a term in every row picks out none.
			// A term in most rows still does: the top of its rows may lie
			// far below the table's ("among the runtime functions").
			hits, df := ix.Hits(t)
			if df < 2 || df >= r.rows() || len(hits) < df {
				continue
			}
			if len(subsets) == 0 {
				all = hits
			} else {
				all = intersect(all, hits)
			}
			subsets = append(subsets, hits)
		}
		if len(subsets) >= 2 && len(all) >= 2 {
			subsets = append(subsets, all)
		}
		hi, lo := make([][]valAt, len(cols)), make([][]valAt, len(cols))
		for _, hits := range subsets {
			for x := range cols {
				hi[x], lo[x] = hi[x][:0], lo[x][:0]
			}
			// Each row is split once for all the columns: a question
			// naming many columns split it once per column.
			for _, u := range hits {
				i := int(u)
				if i < r.from+r.header || i >= r.to {
					continue
				}
				buf = r.cells(p.b.L[i], buf)
				for x, c := range cols {
					if c >= len(buf) || !buf[c].ok {
						continue
					}
					v, ok := number(buf[c].s)
					if !ok {
						continue
					}
					at := valAt{v: v, s: buf[c].s, line: i}
					hi[x] = insertTop(hi[x], at, func(a, b valAt) bool { return less(b, a) })
					lo[x] = insertTop(lo[x], at, less)
				}
			}
			for x := range cols {
				for k := 0; k < topK; k++ {
					if q.Intent.Has(relevance.Max) && k < len(hi[x]) {
						p.must[hi[x][k].line] = true
					}
					if q.Intent.Has(relevance.Min) && k < len(lo[x]) {
						p.must[lo[x][k].line] = true
					}
				}
			}
		}
	}
}

// intersect returns the values both sorted lists a and b hold.
func intersect(a, b []int32) []int32 {
	var out []int32
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// markOrdinals keeps the rows at the positions the query names ("the 25th
// row", counted from the first row under the header) in the first table
// that has them, and the lines the query names by number.
func (p *plan) markOrdinals() {
	placed := false
	for _, o := range p.in.Query.Ordinals {
		if o.Line {
			if o.N <= len(p.b.L) {
				p.must[o.N-1] = true
			}
			continue
		}
		for ri := range p.regs {
			r := &p.regs[ri]
			if o.N <= r.rows() && (!placed || ri == 0) {
				p.must[r.from+r.header+o.N-1] = true
				placed = true
				break
			}
		}
	}
}

// markRare keeps the rows holding a rare value of categorical column c:
// the first few rows of each such value.
func (p *plan) markRare(r *region, c int, s *colStats, rows int) {
	rare := s.rare(rows)
	if len(rare) == 0 {
		return
	}
	left := map[string]int{}
	held := 0
	for _, v := range rare {
		left[v] = maxRarePerVal
		held += s.counts[v]
	}
	dominated := held*10 <= s.valid
	kept := 0
	var buf []cell
	for i := r.from + r.header; i < r.to; i++ {
		buf = r.cells(p.b.L[i], buf)
		if c >= len(buf) || !buf[c].ok {
			continue
		}
		if v, ok := left[buf[c].s]; ok {
			switch {
			case v > 0 && kept < maxRarePerCol:
				left[buf[c].s]--
				p.must[i] = true
				kept++
			case dominated:
				// The exceptions to a value nearly every row holds
				// ("{ergonomic}" among "{default}") outrank the plain
				// rows past the cap: they are what sets rows apart.
				p.prio[i] = max(p.prio[i], prioRare)
			}
		}
	}
}

func (p *plan) mustAll(ls []int) {
	for _, l := range ls {
		p.must[l] = true
	}
}

// namedColumns marks the columns whose title holds a word of the task
// ("self", "cumulative", "memory"): the ones an extreme question is about.
func (p *plan) namedColumns(r *region) []bool {
	out := make([]bool, len(r.cols))
	for c, col := range r.cols {
		out[c] = p.in.Query.NamesField(col.name)
	}
	return out
}

// render writes the kept lines and a note for each omitted run; squeeze
// narrows the padding of kept aligned rows.
func (p *plan) render(keep []bool, squeeze bool) string {
	fold.KeepShortRuns(p.b, keep, nil, fold.ShortRun)
	view := p.b
	if squeeze {
		v := *p.b
		v.L = make([]string, len(p.b.L))
		for i, l := range p.b.L {
			if ri := p.regOf[i]; ri >= 0 && p.regs[ri].format == aligned && keep[i] {
				l = squeezePadding(l)
			}
			v.L[i] = l
		}
		view = &v
	}
	return fold.Render(view, keep, p.describe)
}

// squeezePadding narrows runs of three or more blanks inside a row to two,
// which still separate the columns.
func squeezePadding(l string) string {
	lead := len(l) - len(strings.TrimLeft(l, " "))
	if !strings.Contains(l[lead:], "   ") {
		return l
	}
	var sb strings.Builder
	sb.Grow(len(l))
	sb.WriteString(l[:lead])
	run := 0
	for i := lead; i < len(l); i++ {
		if l[i] == ' ' {
			run++
			if run <= 2 {
				sb.WriteByte(' ')
			}
			continue
		}
		run = 0
		sb.WriteByte(l[i])
	}
	return sb.String()
}

// maxNote bounds the length of a note's description of omitted rows;
// runs shorter than minDescribed rows only get their count.
const (
	maxNote      = 200
	minDescribed = 6
)

// describe says what the omitted lines [i, j) held: for rows of a table,
// their count, the range of the key column, the tally of categorical
// columns and the range of numeric ones.
func (p *plan) describe(i, j int) string {
	ri := int32(-1)
	rows, blank := 0, 0
	for k := i; k < j; k++ {
		switch {
		case lines.Blank(p.b.L[k]):
			blank++
		case p.regOf[k] >= 0:
			ri = p.regOf[k]
			rows++
		}
	}
	if ri < 0 || rows == 0 {
		if blank == j-i {
			return lines.Count(blank, "blank line", "blank lines") + " omitted"
		}
		return lines.Count(j-i-blank, "line", "lines") + " omitted"
	}
	r, st := &p.regs[ri], p.stats[ri]
	msg := lines.Count(rows, "row", "rows") + " omitted"
	// A short run goes undescribed, unless the task asks for an extreme:
	// then the range of the column it names shows nothing larger hides
	// there.
	short := rows < minDescribed
	if short && p.in.Query.Intent&relevance.Extremes == 0 {
		return msg
	}
	n := len(r.cols)
	firstVal := make([]string, n)
	lastVal := make([]string, n)
	lo := make([]valAt, n)
	hi := make([]valAt, n)
	counts := make([]map[string]int, n)
	var buf []cell
	for k := i; k < j; k++ {
		if p.regOf[k] != ri || k < r.from+r.header {
			continue
		}
		buf = r.cells(p.b.L[k], buf)
		for c := range buf {
			if !buf[c].ok || buf[c].s == "" {
				continue
			}
			s := buf[c].s
			if firstVal[c] == "" {
				firstVal[c] = s
			}
			lastVal[c] = s
			if st[c].numeric() {
				if v, ok := number(s); ok {
					if lo[c].s == "" || v < lo[c].v {
						lo[c] = valAt{v: v, s: s}
					}
					if hi[c].s == "" || v > hi[c].v {
						hi[c] = valAt{v: v, s: s}
					}
				}
			}
			if st[c].categorical(r.rows()) {
				if counts[c] == nil {
					counts[c] = map[string]int{}
				}
				counts[c][s]++
			}
		}
	}
	var parts []string
	// The key column's range tells where the omitted rows sit.
	for c := range st {
		if short {
			break
		}
		if st[c].key(r.rows()) && firstVal[c] != "" && firstVal[c] != lastVal[c] {
			parts = append(parts, colName(r, c)+" "+clip(firstVal[c])+" … "+clip(lastVal[c]))
			break
		}
	}
	named := p.namedColumns(r)
	parts = append(parts, p.unitRanges(ri, i, j, short)...)
	cats := 0
	for c := range st {
		if counts[c] == nil || cats >= 2 || short || p.lean || p.holdsUnit(ri, firstVal[c]) {
			continue
		}
		cats++
		parts = append(parts, colName(r, c)+" "+tally(counts[c], 3))
	}
	nums := 0
	for _, pass := range [...]bool{true, false} {
		for c := range st {
			if named[c] != pass || hi[c].s == "" || nums >= 2 || (short || p.lean) && !named[c] {
				continue
			}
			nums++
			rng := lo[c].s
			if hi[c].v > lo[c].v {
				rng += "–" + hi[c].s
			}
			parts = append(parts, colName(r, c)+" "+rng)
		}
	}
	for _, part := range parts {
		if len(msg)+len(part)+2 > maxNote {
			break
		}
		msg += "; " + part
	}
	return msg
}

// unitRanges gives the range of each labelled quantity of table ri over
// the omitted lines [i, j) ("ns/op 2.4–268314"): the reader sees whether
// a larger or smaller value hides there. A short run gives two.
func (p *plan) unitRanges(ri int32, i, j int, short bool) []string {
	units := p.units[ri]
	if len(units) == 0 {
		return nil
	}
	r := &p.regs[ri]
	lo := make([]valAt, len(units))
	hi := make([]valAt, len(units))
	for k := max(i, r.from+r.header); k < j && k < r.to; k++ {
		labelled(p.b.L[k], func(label, value string) {
			for u := range units {
				if units[u].label != label {
					continue
				}
				v, _ := number(value)
				if lo[u].s == "" || v < lo[u].v {
					lo[u] = valAt{v: v, s: value}
				}
				if hi[u].s == "" || v > hi[u].v {
					hi[u] = valAt{v: v, s: value}
				}
				return
			}
		})
	}
	limit := 3
	if short {
		limit = 2
	}
	var out []string
	for u := range units {
		if lo[u].s == "" || len(out) == limit {
			continue
		}
		rng := lo[u].s
		if hi[u].v > lo[u].v {
			rng += "–" + hi[u].s
		}
		out = append(out, strings.TrimSuffix(units[u].label, "=")+" "+rng)
	}
	return out
}

// holdsUnit reports a cell holding one of table ri's labelled quantities:
// its column is not one (rows of varying width shift it), and the
// quantity's range says it better than a tally.
func (p *plan) holdsUnit(ri int32, v string) bool {
	found := false
	if len(p.units[ri]) > 0 {
		labelled(v, func(label, _ string) {
			for _, u := range p.units[ri] {
				found = found || u.label == label
			}
		})
	}
	return found
}

// colName is a column's title for a note.
func colName(r *region, c int) string {
	name := r.cols[c].name
	if name == "" || len(name) > 24 {
		// A table without titles: the column by its position.
		return "column " + strconv.Itoa(c+1) + ":"
	}
	return name
}

// clip shortens a value for a note.
func clip(s string) string {
	if len(s) <= 32 {
		return s
	}
	cut := 32
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// tally renders the commonest values and their counts, most frequent
// first (ties by value).
func tally(counts map[string]int, k int) string {
	type vc struct {
		v string
		c int
	}
	var all []vc
	for v, c := range counts {
		all = append(all, vc{v, c})
	}
	slices.SortFunc(all, func(a, b vc) int {
		if a.c != b.c {
			return b.c - a.c
		}
		return strings.Compare(a.v, b.v)
	})
	var sb strings.Builder
	for x, e := range all {
		if x == k {
			sb.WriteString(", …")
			break
		}
		if x > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(clip(e.v))
		sb.WriteByte(' ')
		sb.WriteString(strconv.Itoa(e.c))
	}
	return sb.String()
}
