package listing

import (
	"cmp"
	"slices"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// compressor holds what the lossless and lossy forms of one listing share.
type compressor struct {
	in       *fold.Input
	ls       *listing
	verbatim bool
	// Per line: relevance by its text and its full path; strong when it
	// holds a term rare in the block.
	score  []float64
	strong []bool
	// named marks directories whose path holds a rare task term.
	named []bool
	// opened marks directories whose entries are all shown (lossy form).
	opened []bool
	// ordered is set when entries of one directory stand together (a
	// listing in path order, a tree); sorted is +1 (-1) when entries come
	// in ascending (descending) order of size instead.
	ordered bool
	sorted  int
	// ownShown caches, while rendering, whether some entry of a directory
	// is written (1), or none (-1).
	ownShown []int8
}

// Priorities of optional lines; must-keep lines are kept regardless.
const (
	prioTerm    = 100
	prioExtreme = 70
	prioMap     = 50
	prioTail    = 40
	prioOther   = 30
	prioWeak    = 20
)

func newCompressor(in *fold.Input, ls *listing) *compressor {
	n := len(ls.form)
	c := &compressor{
		in: in, ls: ls,
		verbatim: in.Verbatim(),
		score:    make([]float64, n),
		strong:   make([]bool, n),
		named:    make([]bool, len(ls.nodes)),
	}
	c.relevance()
	c.order()
	return c
}

// order tells how the entries are ordered: by path (one directory's
// entries together, consecutive entries mostly in one directory or in a
// directory and its subdirectories), or by size.
func (c *compressor) order() {
	ls := c.ls
	if ls.main == treeLine {
		c.ordered = true
		return
	}
	pairs, related, up, down, sizedPairs := 0, 0, 0, 0, 0
	prev := -1
	for i, f := range ls.form {
		if !f.entry() || ls.dotRow(i) {
			continue
		}
		if prev >= 0 {
			pairs++
			a, b := parentOf(ls.path[prev]), parentOf(ls.path[i])
			if a == b || strings.HasPrefix(b, a+"/") || strings.HasPrefix(a, b+"/") || ls.form[i] == lsRow {
				related++
			}
			if ls.hasSize[prev] && ls.hasSize[i] {
				sizedPairs++
				switch {
				case ls.size[i] > ls.size[prev]:
					up++
				case ls.size[i] < ls.size[prev]:
					down++
				}
			}
		}
		prev = i
	}
	// Sizes that only go up (or down) are a sort by size, whatever order
	// equal sizes come in; long-format rows keep their sections.
	if ls.main != lsRow && sizedPairs >= 8 && sizedPairs*10 >= pairs*9 {
		switch {
		case down*100 <= sizedPairs && up >= 3 && up > 4*down:
			c.sorted = 1
		case up*100 <= sizedPairs && down >= 3 && down > 4*up:
			c.sorted = -1
		}
	}
	c.ordered = c.sorted == 0 && (pairs == 0 || related*10 >= pairs*6)
}

// relevance scores lines by their text and by their full path (a listing
// of one directory's rows names the directory once, in its heading), and
// directories by their paths.
func (c *compressor) relevance() {
	ls, q := c.ls, c.in.Query
	if q.Empty() || len(q.Terms) == 0 {
		return
	}
	b := ls.b
	ix := c.in.Index(q, b.Text, b.Start)
	if c.in.Stopped() {
		return // the caller gave up: Compress returns at once
	}
	for i := range b.L {
		c.score[i], c.strong[i] = ix.Score(i), ix.Strong(i)
	}
	pt := ls.pathTexts()
	if pt.any {
		px := c.in.Index(q, pt.paths, pt.pathStarts)
		for i := range b.L {
			c.score[i] = max(c.score[i], px.Score(i))
			c.strong[i] = c.strong[i] || px.Strong(i)
		}
	}
	// Directories: a rare term in a directory's path names it, unless the
	// directory holds most of the listing (then naming it says nothing).
	if len(ls.nodes) < 3 || c.in.Stopped() {
		return
	}
	dx := c.in.Index(q, pt.dirs, pt.dirAt)
	all := ls.nodes[0].entries
	for k := 1; k < len(ls.nodes); k++ {
		c.named[k] = dx.Strong(k) && ls.nodes[k].entries*2 <= all
	}
	// A directory named only as the start of a named subdirectory's path
	// ("store" of "store/wal") is not what the task names: the subdirectory,
	// which matches more, is. Children come after their parents.
	for k := len(ls.nodes) - 1; k > 0; k-- {
		if p := ls.nodes[k].parent; c.named[k] && p > 0 && c.named[p] && dx.Score(k) > dx.Score(int(p)) {
			c.named[p] = false
		}
	}
}

// pathTexts returns the listing's path texts, made on first use.
func (ls *listing) pathTexts() *pathTexts {
	if ls.texts != nil {
		return ls.texts
	}
	b := ls.b
	pt := &pathTexts{}
	// Rows, tree lines and names under a heading print a name; the path
	// it stands for is built from the headings and parents above.
	built := func(i int) bool {
		f := ls.form[i]
		return f == lsRow || f == treeLine || f == bare && ls.path[i] != "" && !strings.HasSuffix(b.L[i], ls.path[i])
	}
	for i := range b.L {
		if built(i) {
			pt.any = true
			break
		}
	}
	if pt.any {
		var sb strings.Builder
		sb.Grow(len(b.Text))
		pt.pathStarts = make([]int, len(b.L))
		for i := range b.L {
			pt.pathStarts[i] = sb.Len()
			if built(i) {
				sb.WriteString(ls.path[i])
			}
			sb.WriteByte('\n')
		}
		pt.paths = sb.String()
	}
	if len(ls.nodes) >= 3 {
		var ds strings.Builder
		pt.dirAt = make([]int, len(ls.nodes))
		for k := range ls.nodes {
			pt.dirAt[k] = ds.Len()
			if k > 0 {
				ds.WriteString(ls.nodes[k].path)
			}
			ds.WriteByte('\n')
		}
		pt.dirs = ds.String()
	}
	ls.texts = pt
	return pt
}

// namedAbove reports whether a directory above k is named (then k is
// shown with it).
func (c *compressor) namedAbove(k int32) bool {
	for p := c.ls.nodes[k].parent; p > 0; p = c.ls.nodes[p].parent {
		if c.named[p] {
			return true
		}
	}
	return false
}

// lossy selects what to keep under the budget and renders it.
func (c *compressor) lossy() string {
	return c.in.Lossy(len(c.ls.form), c.mark, c.open, c.render)
}

// mark sets the lines that must stay and the priority of the others.
func (c *compressor) mark(must []bool, prio []float64) {
	ls := c.ls
	best := 0.0
	for _, s := range c.score {
		best = max(best, s)
	}
	first, last := -1, -1
	for i, f := range ls.form {
		if f.entry() {
			if first < 0 {
				first = i
			}
			last = i
		}
		if f == other {
			prio[i] = prioOther
			if lines.Signal(ls.b.L[i]) == lines.Problem || lines.Summary(ls.b.L[i]) {
				must[i] = true
			}
		}
		s := c.score[i]
		switch {
		case c.strong[i]:
			must[i] = true
			prio[i] = prioTerm + 10*s
		case s > 0 && s >= best/2:
			prio[i] = max(prio[i], prioTerm+10*s)
		case s > 0:
			prio[i] = max(prio[i], prioWeak+10*s/best)
		}
	}
	if first >= 0 {
		must[first], must[last] = true, true
	}
	if c.sorted != 0 {
		// Sorted by size: the large end is where the answer usually is;
		// lines weigh less the further they are from it.
		n := float64(len(ls.form))
		for i, f := range ls.form {
			if !f.entry() {
				continue
			}
			r := float64(len(ls.form) - 1 - i)
			if c.sorted < 0 {
				r = float64(i)
			}
			prio[i] = max(prio[i], prioTail-10*r/n)
		}
	}
	c.extremes(must, prio)
	c.rarities(must, prio)
	// A kept entry brings the lines of its directories: their tree lines
	// or rows, and the heading of its section.
	for i := range must {
		if must[i] {
			c.withParents(i, must)
		}
	}
}

// withParents marks the lines that name the directories above line i.
func (c *compressor) withParents(i int, keep []bool) {
	ls := c.ls
	for k := ls.in[i]; k > 0; k = ls.nodes[k].parent {
		nd := &ls.nodes[k]
		if nd.heading >= 0 {
			keep[nd.heading] = true
		}
		if ls.main == treeLine && nd.line >= 0 {
			if keep[nd.line] {
				break
			}
			keep[nd.line] = true
		}
	}
}

// extremes keeps the largest and smallest files, and the newest and
// oldest items; when the task asks for the largest (smallest, newest,
// oldest), the top few of each of the first levels below the listing's
// root and of the files.
func (c *compressor) extremes(must []bool, prio []float64) {
	ls := c.ls
	intent := c.in.Query.Intent
	topK := 5
	if c.in.Budget.Aggressive {
		topK = 3
	}
	var files, dated []int
	for i, f := range ls.form {
		if !f.entry() || ls.dotRow(i) {
			continue
		}
		if ls.hasSize[i] && !ls.isDir[i] {
			files = append(files, i)
		}
		if ls.hasDate[i] {
			dated = append(dated, i)
		}
	}
	size := func(i int) float64 { return ls.size[i] }
	date := func(i int) float64 { return float64(ls.date[i]) }
	keepEnds := func(idx []int, key func(int) float64, top, bottom bool) {
		if len(idx) < 2 {
			return
		}
		hi, lo := ends(idx, key, topK)
		must[hi[0]], must[lo[0]] = true, true
		for j := 1; j < len(hi); j++ {
			must[hi[j]] = must[hi[j]] || top
			must[lo[j]] = must[lo[j]] || bottom
		}
	}
	maxI, minI := intent.Has(relevance.Max), intent.Has(relevance.Min)
	keepEnds(files, size, maxI, minI)
	keepEnds(dated, date, intent.Has(relevance.Newest), intent.Has(relevance.Oldest))
	if !maxI && !minI {
		return
	}
	// The top of each level below the first branching directory: the
	// largest top-level packages, then the largest of the next level.
	root := c.branchRoot()
	var levels [3][]int
	for i, f := range ls.form {
		if !f.entry() || !ls.hasSize[i] || ls.dotRow(i) {
			continue
		}
		d := ls.nodes[ls.in[i]].depth - ls.nodes[root].depth
		if d >= 0 && d < len(levels) && c.under(ls.in[i], root) {
			levels[d] = append(levels[d], i)
		}
	}
	for _, idx := range levels {
		keepEnds(idx, size, maxI, minI)
	}
}

// ends returns the k items of idx with the largest keys, largest first,
// and the k with the smallest, smallest first; equal keys keep the order of
// idx. It costs one pass and k comparisons per item.
func ends(idx []int, key func(int) float64, k int) (hi, lo []int) {
	insert := func(best []int, i int, better func(a, b float64) bool) []int {
		v := key(i)
		at := len(best)
		for at > 0 && better(v, key(best[at-1])) {
			at--
		}
		if at >= k {
			return best
		}
		if len(best) < k {
			best = append(best, 0)
		}
		copy(best[at+1:], best[at:len(best)-1])
		best[at] = i
		return best
	}
	for _, i := range idx {
		hi = insert(hi, i, func(a, b float64) bool { return a > b })
		lo = insert(lo, i, func(a, b float64) bool { return a < b })
	}
	return hi, lo
}

// under reports whether node k is root or below it.
func (c *compressor) under(k, root int32) bool {
	for ; k >= 0; k = c.ls.nodes[k].parent {
		if k == root {
			return true
		}
	}
	return false
}

// branchRoot returns the first directory from the top with more than one
// child or with entries of its own: the listing's real root.
func (c *compressor) branchRoot() int32 {
	ls := c.ls
	k := int32(0)
	for {
		nd := &ls.nodes[k]
		if len(nd.children) != 1 || len(nd.own) > 1 || len(nd.own) == 1 && ls.self[nd.own[0]] != nd.children[0] {
			return k
		}
		k = nd.children[0]
	}
}

// rarities keeps long-format rows whose mode, owner or group is rare among
// rows of their type (an executable among plain files, a file of another
// owner).
func (c *compressor) rarities(must []bool, prio []float64) {
	ls := c.ls
	if ls.lsCol == nil {
		return
	}
	for col := 0; col < 3; col++ {
		for _, typ := range [...]byte{'-', 'd'} {
			counts := map[string]int{}
			rows := 0
			for i, f := range ls.form {
				if f == lsRow && !ls.dotRow(i) && ls.b.L[i][0] == typ {
					counts[ls.lsCol[i][col]]++
					rows++
				}
			}
			top := 0
			for _, n := range counts {
				top = max(top, n)
			}
			if rows < 10 || top*10 < rows*6 {
				continue
			}
			kept := 0
			for i, f := range ls.form {
				if f != lsRow || ls.dotRow(i) || ls.b.L[i][0] != typ {
					continue
				}
				if n := counts[ls.lsCol[i][col]]; n*50 <= rows || n <= 2 {
					if kept < 8 {
						must[i] = true
					} else {
						prio[i] = max(prio[i], prioExtreme)
					}
					kept++
				}
			}
		}
	}
}

// open decides which directories are shown whole within budget bytes and
// returns the lines to keep: the must lines; the entries of the listing's
// root; directories the task names, whole; then directories by relevance
// and depth while they fit, each closed one costing a note; then single
// lines by priority.
func (c *compressor) open(must []bool, prio []float64, budget int) []bool {
	ls := c.ls
	n := len(ls.form)
	keep := slices.Clone(must)
	c.opened = make([]bool, len(ls.nodes))
	size := 0
	for i := range keep {
		if keep[i] {
			size += len(ls.b.L[i]) + 1
		}
	}
	const noteCost = 40
	// openCost is what showing node k's entries adds: its lines not yet
	// kept, and a note for each child directory left closed.
	openCost := func(k int32) int {
		nd := &ls.nodes[k]
		cost := 0
		for _, i := range nd.own {
			if !keep[i] {
				cost += len(ls.b.L[i]) + 1
			}
		}
		for _, i := range [...]int{nd.heading, nd.total} {
			if i >= 0 && !keep[i] {
				cost += len(ls.b.L[i]) + 1
			}
		}
		for _, ch := range nd.children {
			if !c.opened[ch] && ls.nodes[ch].entries > 0 {
				cost += noteCost
			}
		}
		if k > 0 && !c.opened[k] && nd.entries > 0 {
			cost -= noteCost
		}
		return cost
	}
	// doOpen shows node k's entries; callers add openCost(k) first.
	doOpen := func(k int32) {
		nd := &ls.nodes[k]
		c.opened[k] = true
		for _, i := range nd.own {
			keep[i] = true
		}
		for _, i := range [...]int{nd.heading, nd.total} {
			if i >= 0 {
				keep[i] = true
			}
		}
		// The section's "." and ".." rows.
		for i := max(nd.first, 0); i <= nd.last && i < n; i++ {
			if ls.in[i] == k && ls.dotRow(i) {
				keep[i] = true
			}
		}
	}
	open := func(k int32) {
		size += openCost(k)
		doOpen(k)
	}
	// Directories the task names first, whole when that fits in the block's
	// budget; a larger one is opened from its top while it fits.
	full := c.in.Budget.Bytes
	for k := int32(1); k < int32(len(ls.nodes)); k++ {
		if !c.named[k] || c.namedAbove(k) {
			continue
		}
		sub := c.subtree(k)
		cost := 0
		for _, d := range sub {
			cost += openCost(d)
		}
		whole := cost <= full
		for _, d := range sub {
			if whole || size+openCost(d) <= full {
				open(d)
			}
		}
		// With the lines that name it and its parents.
		for d := k; d > 0; d = ls.nodes[d].parent {
			for _, l := range [...]int{ls.nodes[d].line, ls.nodes[d].heading} {
				if l >= 0 && !keep[l] && (d == k || ls.main == treeLine || l == ls.nodes[d].heading) {
					keep[l] = true
					size += len(ls.b.L[l]) + 1
				}
			}
		}
	}
	// The top: every directory down to the first branching one, and that
	// one (the map of the listing) unless it is too wide for what is left.
	root := c.branchRoot()
	for k := root; k >= 0 && c.ordered; k = ls.nodes[k].parent {
		if c.opened[k] {
			continue
		}
		if k == root && size+openCost(k) > full*3/2 {
			// Too wide to show whole: its subdirectories are the map,
			// its files compete by priority.
			for _, i := range ls.nodes[k].own {
				if ls.isDir[i] {
					prio[i] = max(prio[i], prioMap)
				}
			}
			continue
		}
		open(k)
	}
	// Then directories whose parent is open: the relevant first, then the
	// shallow, then in listing order.
	relevant := make([]float64, len(ls.nodes))
	for i, s := range c.score {
		if s > 0 && ls.in[i] >= 0 {
			for k := ls.in[i]; k >= 0; k = ls.nodes[k].parent {
				relevant[k] = max(relevant[k], s)
			}
		}
	}
	cand := make([]int32, 0, len(ls.nodes))
	for k := int32(1); k < int32(len(ls.nodes)); k++ {
		if !c.opened[k] && ls.nodes[k].entries > 0 {
			cand = append(cand, k)
		}
	}
	slices.SortStableFunc(cand, func(a, b int32) int {
		ra, rb := relevant[a], relevant[b]
		switch {
		case ra > rb:
			return -1
		case ra < rb:
			return 1
		}
		return ls.nodes[a].depth - ls.nodes[b].depth
	})
	for pass := 0; pass < 8 && c.ordered; pass++ {
		progress := false
		for _, k := range cand {
			if c.opened[k] || !c.opened[ls.nodes[k].parent] {
				continue
			}
			if size+openCost(k) <= budget {
				open(k)
				progress = true
			}
			if c.in.Stopped() {
				return keep
			}
		}
		if !progress {
			break
		}
	}
	// Then single lines by priority.
	order := make([]int, 0, n)
	for i := range keep {
		if !keep[i] && prio[i] > 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(prio[b], prio[a]) })
	for _, i := range order {
		cost := len(ls.b.L[i]) + 1 + noteCost/2
		if size+cost > budget {
			break
		}
		keep[i] = true
		size += cost
		c.withParents(i, keep)
	}
	return keep
}

// subtree returns node k and the nodes below it, parents first.
func (c *compressor) subtree(k int32) []int32 {
	out := []int32{k}
	for i := 0; i < len(out); i++ {
		out = append(out, c.ls.nodes[out[i]].children...)
	}
	return out
}
