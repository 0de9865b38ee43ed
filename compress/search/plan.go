package search

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// compressor holds what the lossless and lossy forms of one result share.
type compressor struct {
	in       *fold.Input
	p        *parsed
	verbatim bool
	// Per line: relevance of its text, and whether it holds a term that is
	// rare in the block (then it is kept, whole).
	score  []float64
	strong []bool
	// Per file: relevance of its path and hits; named is set when its
	// path holds a rare task term.
	fileScore []float64
	named     []bool
	// block numbers runs of consecutive lines of one file (-1 for lines of
	// no file); a run is grouped under one heading.
	block []int32
	// cost is the size of each line in the lossless form.
	cost []int
	// cat is the category of each match line (a linter's rule), nil when
	// the hits have none.
	cat []string
	// groups counts, while rendering, the kept lines of each run that can
	// drop their path; shown marks files with a line written.
	groups map[int32]int
	shown  []bool
	// hits is each file's number of matches (or the sum of its counts);
	// countsOnly marks files known only by count lines.
	hits       []int
	countsOnly []bool
}

// Priorities of optional lines; must-keep lines are kept regardless.
const (
	prioTerm     = 100
	prioNear     = 80
	prioCategory = 60
	prioWeak     = 45
	prioOther    = 30
	prioProblem  = 25
	prioRest     = 10
)

// nearLines is how far (in line numbers of one file) the code around a hit
// that holds a task term reaches.
const nearLines = 12

func newCompressor(in *fold.Input, p *parsed) *compressor {
	n := len(p.kind)
	c := &compressor{
		in: in, p: p,
		verbatim:  in.Verbatim(),
		score:     make([]float64, n),
		strong:    make([]bool, n),
		fileScore: make([]float64, len(p.files)),
		named:     make([]bool, len(p.files)),
		block:     make([]int32, n),
		cost:      make([]int, n),
	}
	c.relevance()
	c.blocks()
	c.hits = make([]int, len(p.files))
	c.countsOnly = make([]bool, len(p.files))
	for f := range p.files {
		fl := &p.files[f]
		c.hits[f] = fl.matches
		if fl.matches > 0 {
			continue
		}
		for _, i := range fl.lines {
			if p.kind[i] == count {
				c.countsOnly[f] = true
				c.hits[f] += int(p.num[i])
			}
		}
	}
	return c
}

// relevance scores lines by their text (not their path, which every line
// of a file repeats) and files by their path.
func (c *compressor) relevance() {
	p, q := c.p, c.in.Query
	if q.Empty() || len(q.Terms) == 0 {
		return
	}
	var sb strings.Builder
	sb.Grow(len(p.b.Text))
	starts := make([]int, len(p.kind))
	for i := range p.kind {
		starts[i] = sb.Len()
		if p.annot[i] >= 0 {
			// An annotation names who and when: it is searched too.
			sb.WriteString(p.b.L[i])
		} else {
			sb.WriteString(p.body(i))
		}
		sb.WriteByte('\n')
	}
	ix := c.in.Index(q, sb.String(), starts)
	for i := range p.kind {
		c.score[i] = ix.Score(i)
		c.strong[i] = ix.Strong(i)
	}
	var paths strings.Builder
	fstarts := make([]int, len(p.files))
	for f := range p.files {
		fstarts[f] = paths.Len()
		paths.WriteString(p.files[f].path)
		paths.WriteByte('\n')
	}
	fx := c.in.Index(q, paths.String(), fstarts)
	for f := range p.files {
		c.fileScore[f] = fx.Score(f)
		c.named[f] = fx.Strong(f) && p.files[f].path != ""
	}
}

// blocks numbers the runs of lines of one file (separators between lines
// of one file belong to its run) and sizes every line's lossless form.
func (c *compressor) blocks() {
	p := c.p
	id := int32(-1)
	prev := int32(-1) // file of the current run
	prevAnnot := int32(-1)
	for i, k := range p.kind {
		f := p.fileOf[i]
		switch {
		case f >= 0 && f == prev && p.annot[i] != prevAnnot:
			// Annotated lines run by commit.
			id++
			prevAnnot = p.annot[i]
		case f >= 0 && f == prev:
		case f >= 0:
			id++
			prev, prevAnnot = f, p.annot[i]
		case k == separator && prev >= 0 && i+1 < len(p.kind) && p.fileOf[i+1] == prev:
			c.block[i] = id
			continue
		default:
			prev = -1
			c.block[i] = -1
			continue
		}
		c.block[i] = id
	}
	for i := range p.kind {
		c.cost[i] = len(p.b.L[i]) + 1
	}
}

// groupable reports whether line i may be written without its path under
// a heading of its file.
func (c *compressor) groupable(i int) bool {
	return !c.verbatim && c.p.cut[i] > 0 && !c.strong[i]
}

// lossy selects what to keep under the budget (whole files first, see
// selectLines) and renders it.
func (c *compressor) lossy() string {
	return c.in.Lossy(len(c.p.kind), c.mark, c.selectLines, c.render)
}

// selectLines keeps, within budget bytes, whole files first (dropping the
// least relevant), then the lines of the kept files by priority.
func (c *compressor) selectLines(must0 []bool, prio0 []float64, budget int) []bool {
	p := c.p
	must := slices.Clone(must0)
	prio := slices.Clone(prio0)
	dropped := c.dropFiles(must, budget)
	// Each kept file shows its first and last hit.
	for f := range p.files {
		if dropped[f] {
			continue
		}
		first, last := int32(-1), int32(-1)
		for _, i := range p.files[f].lines {
			if p.kind[i] == match || p.kind[i] == count {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first >= 0 {
			must[first], must[last] = true, true
		}
	}
	for i := range prio {
		if f := p.fileOf[i]; f >= 0 && dropped[f] && !must[i] {
			prio[i] = 0
		}
	}
	return c.fill(must, prio, budget)
}

// mark sets the lines that must stay and the priority of the others.
func (c *compressor) mark(must []bool, prio []float64) {
	p := c.p
	intent := c.in.Query.Intent
	best := 0.0
	for _, s := range c.score {
		best = max(best, s)
	}
	firstHit, lastHit := -1, -1
	for i, k := range p.kind {
		switch k {
		case match, count:
			if firstHit < 0 {
				firstHit = i
			}
			lastHit = i
			prio[i] = prioRest
		case context:
			prio[i] = prioRest / 2
		case other:
			prio[i] = prioOther
			if lines.Signal(p.b.L[i]) == lines.Problem || lines.Summary(p.b.L[i]) {
				must[i] = true
			}
		case heading, separator, blank:
			// Written with the lines they belong to.
		}
		if c.strong[i] {
			must[i] = true
		}
		if s := c.score[i]; s > 0 && c.anchor(i, best) {
			prio[i] = max(prio[i], prioTerm+10*s)
		} else if s > 0 {
			// A weak match (a common word of the task): above plain
			// hits, below the code around strong ones.
			prio[i] = max(prio[i], prioWeak+10*s/best)
		}
		if k == match && lines.Signal(p.text(i)) == lines.Problem {
			// In a search, problem words are mostly code ("return err"):
			// they weigh little.
			prio[i] = max(prio[i], prioProblem)
		}
	}
	if firstHit >= 0 {
		must[firstHit], must[lastHit] = true, true
	}
	c.near(prio, best)
	if len(p.annots) == 0 {
		c.categories(must, prio)
	}
	c.counts(must, prio, intent)
	c.dates(must, intent)
	// Context lines go with the matches of their group.
	for i, k := range p.kind {
		if k != match {
			continue
		}
		v := prio[i]
		if must[i] {
			v = prioTerm
		}
		for _, d := range [2]int{-1, 1} {
			for j := i + d; j >= 0 && j < len(p.kind) && p.kind[j] == context && p.fileOf[j] == p.fileOf[i]; j += d {
				prio[j] = max(prio[j], v*0.95)
			}
		}
	}
}

// near raises the hits of a file whose line numbers lie close to a hit
// that holds a task term: they are the code around it.
func (c *compressor) near(prio []float64, best float64) {
	p := c.p
	for f := range p.files {
		var anchors []int32
		for _, i := range p.files[f].lines {
			if p.num[i] >= 0 && c.anchor(int(i), best) {
				anchors = append(anchors, p.num[i])
			}
		}
		if len(anchors) == 0 {
			continue
		}
		slices.Sort(anchors)
		for _, i := range p.files[f].lines {
			if p.num[i] < 0 || p.kind[i] == count {
				continue
			}
			k, _ := slices.BinarySearch(anchors, p.num[i])
			d := int32(math.MaxInt32)
			if k < len(anchors) {
				d = anchors[k] - p.num[i]
			}
			if k > 0 {
				d = min(d, p.num[i]-anchors[k-1])
			}
			if d > 0 && d <= nearLines {
				prio[i] = max(prio[i], prioNear-float64(d))
			}
		}
	}
}

// anchor reports whether line i is a relevant hit: it holds a rare task
// term, or scores at least half as high as the block's best line.
func (c *compressor) anchor(i int, best float64) bool {
	return c.strong[i] || best > 0 && c.score[i] >= best/2
}

// categories finds a category column — the last word of the hits, when
// few values repeat across many hits (a linter's rule names) — and keeps
// the first hit of each category, and raises the first of each category
// in every file.
func (c *compressor) categories(must []bool, prio []float64) {
	p := c.p
	c.cat = c.categoryOf()
	cat := c.cat
	if cat == nil {
		return
	}
	seen := map[string]bool{}
	seenIn := map[[2]string]bool{}
	for i, v := range cat {
		if v == "" {
			continue
		}
		if !seen[v] {
			seen[v] = true
			must[i] = true
		}
		key := [2]string{p.files[p.fileOf[i]].path, v}
		if !seenIn[key] {
			seenIn[key] = true
			prio[i] = max(prio[i], prioCategory)
		}
	}
}

// categoryOf returns the category of every match line, or nil when the
// hits have no category column.
func (c *compressor) categoryOf() []string {
	p := c.p
	cat := make([]string, len(p.kind))
	counts := map[string]int{}
	hits, ident := 0, 0
	for i, k := range p.kind {
		if k != match {
			continue
		}
		hits++
		v := lastField(p.text(i))
		if !identLike(v) {
			continue
		}
		ident++
		cat[i] = v
		if counts[v]++; len(counts) > 64 {
			return nil
		}
	}
	if hits < 20 || ident*10 < hits*6 || len(counts)*8 > hits {
		return nil
	}
	top := 0
	for _, n := range counts {
		top = max(top, n)
	}
	if top*10 < hits {
		return nil
	}
	return cat
}

// lastField returns the last whitespace-separated field of s.
func lastField(s string) string {
	s = strings.TrimRight(s, " \t\r")
	i := strings.LastIndexAny(s, " \t")
	return s[i+1:]
}

// identLike reports whether v reads as a name: three or more letters,
// digits and "-_/@.", starting with a letter, not ending in punctuation;
// brackets around it ("[arg-type]", "(no-var)") are allowed.
func identLike(v string) bool {
	if len(v) > 2 && (v[0] == '[' && v[len(v)-1] == ']' || v[0] == '(' && v[len(v)-1] == ')') {
		v = v[1 : len(v)-1]
	}
	if len(v) < 3 || len(v) > 64 || !lines.IsLetter(v[0]) {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !lines.IsWordByte(c) && c != '-' && c != '/' && c != '@' && c != '.' {
			return false
		}
	}
	last := v[len(v)-1]
	return lines.IsWordByte(last)
}

// counts keeps the largest per-file counts (the top few when the task asks
// for the most) and weighs files with no hits least.
func (c *compressor) counts(must []bool, prio []float64, intent relevance.Intent) {
	p := c.p
	var idx []int
	for i, k := range p.kind {
		if k == count {
			idx = append(idx, i)
			if p.num[i] == 0 {
				prio[i] = min(prio[i], prioRest/4)
			}
		}
	}
	if len(idx) < 2 {
		return
	}
	top := 1
	if intent&(relevance.Max|relevance.Min|relevance.Count) != 0 {
		top = 5
	}
	byCount := slices.Clone(idx)
	slices.SortStableFunc(byCount, func(a, b int) int { return int(p.num[b]) - int(p.num[a]) })
	for k := 0; k < top && k < len(byCount); k++ {
		if p.num[byCount[k]] > 0 {
			must[byCount[k]] = true
		}
	}
	if intent.Has(relevance.Min) {
		for k := len(byCount) - 1; k >= 0 && k >= len(byCount)-top; k-- {
			must[byCount[k]] = true
		}
	}
}

// dates keeps the newest and oldest annotated lines, and the few newest
// (oldest) when the task asks for the latest (earliest).
func (c *compressor) dates(must []bool, intent relevance.Intent) {
	p := c.p
	if p.date == nil {
		return
	}
	var idx []int
	for i, d := range p.date {
		if d > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		return
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(p.date[b], p.date[a]) })
	must[idx[0]], must[idx[len(idx)-1]] = true, true
	for k := 1; k < 5 && k < len(idx); k++ {
		if intent.Has(relevance.Newest) {
			must[idx[k]] = true
		}
		if intent.Has(relevance.Oldest) {
			must[idx[len(idx)-1-k]] = true
		}
	}
}

// dropFiles drops whole files, least relevant first, while the lossless
// form is over budget. Files that hold a line that must stay, or whose
// path the task names, are never dropped.
func (c *compressor) dropFiles(must []bool, budget int) []bool {
	p := c.p
	nf := len(p.files)
	dropped := make([]bool, nf)
	keepFile := make([]bool, nf)
	size := make([]int, nf)
	maxScore := make([]float64, nf)
	total := 0
	groupable := make([]int, nf)
	for i := range p.kind {
		f := p.fileOf[i]
		if f < 0 {
			total += c.cost[i]
			continue
		}
		size[f] += c.cost[i]
		if c.groupable(i) {
			groupable[f]++
		}
		maxScore[f] = max(maxScore[f], c.score[i])
		if must[i] {
			keepFile[f] = true
		}
	}
	for f := range p.files {
		if c.named[f] {
			keepFile[f] = true
		}
		if g := groupable[f]; g >= 2 {
			// Under one heading, each line drops its path.
			size[f] -= g*(len(p.files[f].path)+1) - (len(p.files[f].path) + 2)
		}
		total += size[f]
	}
	// Least relevant first; among equals, the later file first.
	order := make([]int, nf)
	for f := range order {
		order[f] = f
	}
	// Ties (files no term marks) go by their number of hits being zero
	// (grep -c's empty files first), then by position.
	rank := func(f int) float64 {
		r := 4*c.fileScore[f] + maxScore[f]
		if c.hits[f] > 0 {
			r += 1e-6
		}
		return r
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := rank(a), rank(b)
		switch {
		case ra < rb:
			return -1
		case ra > rb:
			return 1
		}
		return b - a
	})
	for _, f := range order {
		if total <= budget {
			break
		}
		if keepFile[f] {
			continue
		}
		dropped[f] = true
		// A dropped file costs its name and count in a note, when it is
		// among the first few a note names; an empty count costs nothing.
		note := (len(p.files[f].path) + 8) / 2
		if c.countsOnly[f] && c.hits[f] == 0 {
			note = 0
		}
		total -= size[f] - min(size[f], note)
	}
	return dropped
}

// fill keeps the must lines, then the others by priority while they fit
// in budget bytes (a long line that does not fit is skipped so that
// shorter ones still may).
func (c *compressor) fill(must []bool, prio []float64, budget int) []bool {
	p := c.p
	keep := make([]bool, len(must))
	size := 0
	lineCost := func(i int) int {
		if c.groupable(i) {
			return c.cost[i] - len(p.files[p.fileOf[i]].path) - 1
		}
		return c.cost[i]
	}
	var order []int
	for i, m := range must {
		if m {
			keep[i] = true
			size += lineCost(i)
		} else if prio[i] > 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(prio[b], prio[a]), a-b) })
	for _, i := range order {
		cost := lineCost(i)
		if size+cost > budget {
			if cost > 200 {
				continue
			}
			break
		}
		keep[i] = true
		size += cost
	}
	return keep
}
