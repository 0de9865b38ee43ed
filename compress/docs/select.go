package docs

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Shares of the budget.
const (
	// outlineShare bounds what the outline may take: headers are kept
	// level by level while they fit.
	outlineShare = 0.2
	// openingBytes bounds the opening kept whatever the budget (and
	// openingShare of the budget, when that is less).
	openingBytes = 1024
	openingShare = 0.10
	// minWhole is the least size of a section kept whole for a match.
	minWhole = 1200
)

// preciseDF is the most units a term may be in and still name them.
const preciseDF = 3

// Priorities of optional units.
const (
	prioTerm   = 100
	prioLead   = 60
	prioHeader = 40
	prioBody   = 10
	prioCover  = 150
)

// plan is the selection state of one document.
type plan struct {
	in     *fold.Input
	d      *doc
	ix     *relevance.Index
	size   []int // bytes of each unit's lines
	sub    []int // bytes of each header's subtree
	must   []bool
	prio   []float64
	inOut  []bool // headers in the outline
	scores []float64
}

func newPlan(in *fold.Input, d *doc) *plan {
	b := d.b
	p := &plan{in: in, d: d}
	starts := make([]int, len(d.units))
	for i := range d.units {
		starts[i] = b.Start[d.units[i].from]
	}
	if len(starts) > 0 {
		starts[0] = 0
	}
	p.ix = in.Index(in.Query, b.Text, starts)
	p.size = make([]int, len(d.units))
	p.sub = make([]int, len(d.units))
	for i := range d.units {
		u := &d.units[i]
		p.size[i] = b.End(u.to-1) - b.Start[u.from]
		if u.header() && u.end > u.from {
			p.sub[i] = b.End(u.end-1) - b.Start[u.from]
		} else {
			p.sub[i] = p.size[i]
		}
	}
	p.must = make([]bool, len(d.units))
	p.prio = make([]float64, len(d.units))
	p.inOut = make([]bool, len(d.units))
	p.computeScores()
	return p
}

// A candidate is a set of units kept together or not at all (a unit, or
// a section kept whole), with a priority.
type candidate struct {
	units []int
	prio  float64
	pos   int
}

// score is unit i's relevance. A term in a heading or an entry's name
// says more about what follows than one in running text, as titles do
// in document retrieval: such units count double.
//
// A matching unit inside a section whose heading matches too is about
// what the heading names: it gains half the heading's score.
func (p *plan) score(i int) float64 {
	return p.scores[i]
}

// computeScores fills p.scores (see score).
func (p *plan) computeScores() {
	d := p.d
	p.scores = make([]float64, len(d.units))
	for i := range d.units {
		s := p.ix.Score(i)
		if u := &d.units[i]; u.header() || u.option {
			s *= 2
		}
		p.scores[i] = s
	}
	for i := range d.units {
		if p.scores[i] == 0 || d.units[i].header() {
			continue
		}
		ctx := 0.0
		for a := d.units[i].parent; a >= 0; a = d.units[a].parent {
			if d.units[a].kind == heading {
				ctx = max(ctx, p.scores[a])
			}
		}
		p.scores[i] += ctx / 2
	}
}

// byScore orders units best score first, ties in document order.
func (p *plan) byScore(a, b int) int {
	sa, sb := p.score(a), p.score(b)
	switch {
	case sa > sb:
		return -1
	case sa < sb:
		return 1
	}
	return a - b
}

// choose decides which units to keep: what must stay by the block's
// budget, then candidates while the kept units fit in limit bytes.
func (p *plan) choose(limit int) []bool {
	budget := p.in.Budget.Bytes
	p.outline(int(outlineShare * float64(budget)))
	p.opening(min(openingBytes, int(openingShare*float64(budget))))
	cands := p.matches(budget)
	cands = append(cands, p.coverage()...)
	cands = append(cands, p.sections(budget)...)
	p.collections()
	p.priorities()
	for i, pr := range p.prio {
		if pr > 0 {
			cands = append(cands, candidate{units: []int{i}, prio: pr})
		}
	}
	for k := range cands {
		cands[k].units = p.introduced(cands[k].units)
	}

	keep := slices.Clone(p.must)
	used := 0
	for i, k := range keep {
		if k {
			used += p.size[i]
		}
	}
	// Highest priority first; ties in document order, then in the order
	// the candidates were made (a total order: the result is
	// deterministic without a stable sort).
	for k := range cands {
		cands[k].pos = k
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		switch {
		case a.prio > b.prio:
			return -1
		case a.prio < b.prio:
			return 1
		case a.units[0] != b.units[0]:
			return a.units[0] - b.units[0]
		}
		return a.pos - b.pos
	})
	misses := 0
	for _, c := range cands {
		cost := 0
		for _, u := range c.units {
			if !keep[u] {
				cost += p.size[u]
			}
		}
		if cost == 0 {
			continue
		}
		if used+cost > limit {
			// Smaller candidates further down may still fit; give up
			// after a run of misses.
			if misses++; misses > 64 {
				break
			}
			continue
		}
		for _, u := range c.units {
			keep[u] = true
		}
		used += cost
	}
	// Kept units keep the headers they sit under, so the reader knows
	// where they are.
	for i := range keep {
		if keep[i] {
			for a := p.d.units[i].parent; a >= 0 && !keep[a]; a = p.d.units[a].parent {
				keep[a] = true
			}
		}
	}
	p.documentHeads(keep)
	p.keepDefinitions(keep)
	return keep
}

// keepDefinitions keeps the units holding the definitions of the
// variables kept lines use (fold.KeepDefinitions): a kept rule's
// "$(COMPILE.c) $(OUTPUT_OPTION) $<" with what it expands to.
func (p *plan) keepDefinitions(keep []bool) {
	d := p.d
	uses := false // most documents use no variable: nothing to map
	for i := range d.units {
		for l := d.units[i].from; keep[i] && !uses && l < d.units[i].to && l < len(d.body); l++ {
			uses = strings.Contains(d.body[l], "$")
		}
	}
	if !uses {
		return
	}
	lineKeep := make([]bool, len(d.body))
	unitOf := make([]int32, len(d.body))
	for i := range unitOf {
		unitOf[i] = -1
	}
	for i := range d.units {
		for l := d.units[i].from; l < d.units[i].to && l < len(d.body); l++ {
			unitOf[l] = int32(i)
			lineKeep[l] = keep[i]
		}
	}
	for _, l := range fold.KeepDefinitions(d.body, lineKeep) {
		if u := unitOf[l]; u >= 0 && !keep[u] {
			keep[u] = true
			for a := d.units[u].parent; a >= 0 && !keep[a]; a = d.units[a].parent {
				keep[a] = true
			}
		}
	}
}

// maxDocumentHead is the most top-level "key: value" lines a YAML
// document keeps with its separator.
const maxDocumentHead = 4

// documentHeads keeps, in a stream of YAML documents, the separator and
// the first top-level scalar fields ("apiVersion: v1", "kind: Role") of
// every document something is kept of: they say what the kept part
// belongs to.
func (p *plan) documentHeads(keep []bool) {
	d := p.d
	if d.style != yaml {
		return
	}
	var docs [][2]int // unit ranges of the documents, when separated
	start := 0
	for i := range d.units {
		if strings.TrimSpace(d.body[d.units[i].from]) == "---" {
			docs = append(docs, [2]int{start, i})
			start = i
		}
	}
	if len(docs) == 0 {
		return
	}
	docs = append(docs, [2]int{start, len(d.units)})
	for _, r := range docs {
		kept := false
		for i := r[0]; i < r[1] && !kept; i++ {
			kept = keep[i]
		}
		if !kept {
			continue
		}
		heads := 0
		for i := r[0]; i < r[1] && heads < maxDocumentHead; i++ {
			u := &d.units[i]
			t := strings.TrimSpace(d.body[u.from])
			switch {
			case t == "---":
				keep[i] = true
			case u.parent < 0 && !u.header() && lines.Indent(d.body[u.from]) == 0 && yamlLine(t):
				keep[i] = true
				heads++
			}
		}
	}
}

// outline keeps the headings, level by level, while they fit in max
// bytes. Entries (options, keys) are not headings but count as levels of
// the outline too, after the headings.
func (p *plan) outline(maxBytes int) {
	d := p.d
	var depths []int
	cost := map[int]int{}
	for i := range d.units {
		k, ok := outlineLevel(&d.units[i])
		if !ok {
			continue
		}
		if _, seen := cost[k]; !seen {
			depths = append(depths, k)
		}
		cost[k] += p.size[i]
	}
	slices.Sort(depths)
	total := 0
	allowed := map[int]bool{}
	for _, k := range depths {
		if total+cost[k] > maxBytes {
			break
		}
		total += cost[k]
		allowed[k] = true
	}
	for i := range d.units {
		if k, ok := outlineLevel(&d.units[i]); ok && allowed[k] {
			p.must[i] = true
			p.inOut[i] = true
		}
	}
}

// outlineLevel is the level of the outline header u belongs to: its
// depth, entries ranking after headings. Tables are not part of it.
func outlineLevel(u *unit) (int, bool) {
	if !u.header() || u.kind == tableHead {
		return 0, false
	}
	if u.kind == entry {
		return u.depth + 1<<20, true
	}
	return u.depth, true
}

// opening keeps the start of the document: its units in order while they
// fit in left bytes (a title, the name and synopsis, the first paragraph).
func (p *plan) opening(left int) {
	for i := range p.d.units {
		if p.size[i] > left {
			if i == 0 {
				p.must[i] = true
			}
			return
		}
		p.must[i] = true
		left -= p.size[i]
	}
}

// matches keeps what the task names. Units holding a term rare in the
// document are kept, the best scoring first, while they and the units
// named precisely fill up to a quarter of the budget; the others compete by score with every other
// match (a query of many words makes many units "rare", and not all of
// them are what the user named). Each such unit also offers, as a
// candidate, the largest section around it that is still small (a whole
// option entry, a YAML subtree, a short section).
func (p *plan) matches(budget int) []candidate {
	d := p.d
	whole := max(minWhole, budget/4)
	var strong []int
	for i := range d.units {
		if p.ix.Strong(i) {
			strong = append(strong, i)
		}
	}
	slices.SortFunc(strong, p.byScore)
	var cands []candidate
	used := 0
	// What the task names may take a quarter of the budget, half when the
	// task asks for quotes: then the named lines are the answer.
	namedShare := budget / 4
	if p.in.Verbatim() {
		namedShare = budget / 2
	}
	// A term of the request found in at most a few units names them
	// precisely: they stay first (rarest terms first).
	type named struct {
		t  int
		df int
	}
	var precise []named
	for t, term := range p.in.Query.Terms {
		if _, df := p.ix.Hits(t); term.Latest && df > 0 && df <= preciseDF && p.ix.Weight(t) > 0 {
			precise = append(precise, named{t, df})
		}
	}
	slices.SortStableFunc(precise, func(a, b named) int { return a.df - b.df })
	for _, nm := range precise {
		hits, _ := p.ix.Hits(nm.t)
		for _, u := range hits {
			if !p.must[u] && used+p.size[u] <= namedShare {
				p.must[u] = true
				used += p.size[u]
			}
		}
	}
	for k, i := range strong {
		if p.in.Stopped() {
			break
		}
		if k == 0 || !p.must[i] && used+p.size[i] <= namedShare {
			p.must[i] = true
			used += p.size[i]
		}
		target := -1
		if d.units[i].header() && p.sub[i] <= whole {
			target = i
		}
		for a := d.units[i].parent; a >= 0 && p.sub[a] <= whole; a = d.units[a].parent {
			target = int(a)
		}
		if target >= 0 {
			cands = append(cands, candidate{units: p.subtree(target), prio: prioTerm + 10*p.score(i) - 5})
		}
	}
	return cands
}

// coverPerTerm is how many of its best units each task term offers
// before any term offers more.
const coverPerTerm = 3

// coverage offers, for every task term that is not common in the
// document, its best units first: with many terms (a task and its
// follow-ups), units that pile up matches of common ones must not crowd
// out the only paragraph about another.
func (p *plan) coverage() []candidate {
	q := p.in.Query
	n := len(p.d.units)
	var cands []candidate
	for t := range q.Terms {
		hits, df := p.ix.Hits(t)
		w := p.ix.Weight(t)
		if df == 0 || w <= 0 || df*5 > max(15, n) {
			continue
		}
		best := make([]int, len(hits))
		for k, u := range hits {
			best[k] = int(u)
		}
		slices.SortFunc(best, p.byScore)
		for k := 0; k < len(best) && k < coverPerTerm; k++ {
			cands = append(cands, candidate{units: []int{best[k]}, prio: prioCover + 10*w - float64(k)/100})
		}
		// The rows of a table that hold the term go together, under
		// the table's header: "its rows" are usually what is asked.
		rows := map[int32][]int{}
		var tables []int32
		for _, u := range hits {
			if par := p.d.units[u].parent; par >= 0 && p.d.units[par].kind == tableHead {
				if rows[par] == nil {
					tables = append(tables, par)
				}
				rows[par] = append(rows[par], int(u))
			}
		}
		for k, tb := range tables {
			cands = append(cands, candidate{units: append([]int{int(tb)}, rows[tb]...), prio: prioCover + 10*w - float64(k)/100 - 0.5})
		}
	}
	return cands
}

// sections offers every short section with several matching units (a
// table with matching rows, an entry whose name and description match, a
// section with matching paragraphs) as a whole, ranked just below its
// best unit.
func (p *plan) sections(budget int) []candidate {
	d := p.d
	whole := max(minWhole, budget/4)
	best := 0.0
	for i := range d.units {
		best = max(best, p.score(i))
	}
	var cands []candidate
	for h := range d.units {
		if !d.units[h].header() || p.sub[h] > whole {
			continue
		}
		units := p.subtree(h)
		top, matched := 0.0, 0
		for _, u := range units {
			if s := p.score(u); s > 0 {
				top = max(top, s)
				matched++
			}
		}
		if matched >= 2 && top*20 >= best*7 {
			cands = append(cands, candidate{units: units, prio: prioTerm + 10*top - 5 + float64(min(matched, 4))})
		}
	}
	return cands
}

// maxIntroduced bounds what a paragraph ending in ':' brings along.
const maxIntroduced = 1024

// introduced extends units with what a paragraph among them introduces:
// one that ends in ':' is read with the list, code block or table right
// after it ("ripgrep will ignore all of the following:").
func (p *plan) introduced(units []int) []int {
	d := p.d
	last := units[len(units)-1]
	u := &d.units[last]
	if u.header() || !strings.HasSuffix(strings.TrimSpace(d.body[u.to-1]), ":") {
		return units
	}
	size := 0
	for k := last + 1; k < len(d.units); k++ {
		nu := &d.units[k]
		first := strings.TrimSpace(d.body[nu.from])
		if nu.header() && nu.kind != tableHead || !(isListItem(d.body[nu.from]) || isFence(d.body[nu.from]) || strings.HasPrefix(first, "|") || d.style != markdown && nu.parent == u.parent) {
			break
		}
		if size += p.size[k]; size > maxIntroduced {
			break
		}
		units = append(units, k)
	}
	return units
}

// subtree lists header h and the units of its subtree.
func (p *plan) subtree(h int) []int {
	d := p.d
	end := d.units[h].end
	var out []int
	for k := h; k < len(d.units) && d.units[k].from < end; k++ {
		out = append(out, k)
	}
	return out
}

// keepSubtree marks header h and every unit of its subtree.
func (p *plan) keepSubtree(h int) {
	d := p.d
	end := d.units[h].end
	for k := h; k < len(d.units) && d.units[k].from < end; k++ {
		p.must[k] = true
	}
}

// collections keeps, of a header's list of items (YAML sequences of
// mappings, option lists), the first and last items and the items holding
// a rare value of a field ("rust: 1.74.0" among "rust: stable", "phase:
// Failed" among "phase: Running" however deep in the item). A rare item
// too large to keep whole keeps its first line, the line that names it,
// and the rare lines with the keys above them.
func (p *plan) collections() {
	d := p.d
	children := map[int32][]int{}
	for i := range d.units {
		if u := &d.units[i]; u.item {
			children[u.parent] = append(children[u.parent], i)
		}
	}
	// Each list is handled on its own; the order lists are visited in
	// does not change what is marked.
	for _, items := range children {
		if len(items) < 4 {
			continue
		}
		for _, it := range []int{items[0], items[len(items)-1]} {
			if p.sub[it] <= minWhole/2 {
				p.keepSubtree(it)
			} else {
				p.must[it] = true
			}
		}
		fs := p.itemFields(items)
		for _, r := range fs.rare() {
			it := items[r.item]
			if p.sub[it] <= minWhole {
				p.keepSubtree(it)
				continue
			}
			p.must[it] = true
			if id := fs.ident[r.item]; id >= 0 {
				p.mustWithParents(id, it)
			}
			p.mustWithParents(r.unit, it)
		}
	}
}

// mustWithParents marks unit u and its headers up to item it.
func (p *plan) mustWithParents(u, it int) {
	for ; u > it; u = int(p.d.units[u].parent) {
		p.must[u] = true
	}
}

// itemFields holds, for a list of items, each item's "key: value" lines
// by the path of keys from the item down.
type itemFields struct {
	fields [][]itemField // per item
	counts map[fieldValue]int
	// ident is, per item, the unit of the field that names the items (in
	// every item once, a different short value in each), or -1.
	ident []int
}

type fieldValue struct{ path, value string }

type itemField struct {
	fieldValue
	unit int
}

// rareHit is a unit holding a rare value, and its item's index.
type rareHit struct{ item, unit int }

// itemFields reads the fields of items.
func (p *plan) itemFields(items []int) *itemFields {
	d := p.d
	fs := &itemFields{fields: make([][]itemField, len(items)), counts: map[fieldValue]int{}, ident: make([]int, len(items))}
	path := map[int]string{}
	for k, it := range items {
		end := d.units[it].end
		for u := it; u < len(d.units) && d.units[u].from < end; u++ {
			key, value, ok := keyValue(d.body[d.units[u].from])
			if !ok {
				continue
			}
			pre := ""
			if u != it {
				pre = path[int(d.units[u].parent)] + "/"
			}
			if d.units[u].header() {
				path[u] = pre + key
			}
			if value == "" {
				continue
			}
			x := fieldValue{pre + key, value}
			fs.fields[k] = append(fs.fields[k], itemField{x, u})
			fs.counts[x]++
		}
	}
	fs.ident = fs.identify()
	return fs
}

// keyValue splits a "key: value" line ("- " item marks dropped); value is
// empty for a key that opens a mapping.
func keyValue(l string) (key, value string, ok bool) {
	t := strings.TrimPrefix(strings.TrimSpace(l), "- ")
	if c := strings.Index(t, ": "); c > 0 {
		return t[:c], strings.TrimSpace(t[c+2:]), true
	}
	if k, found := strings.CutSuffix(t, ":"); found && k != "" {
		return k, "", true
	}
	return "", "", false
}

// rare returns the units holding a value few items hold for a field most
// items agree on: under one holder in sixteen, at most one per field of
// an item.
func (fs *itemFields) rare() []rareHit {
	top := map[string]int{}
	holders := map[string]int{}
	for x, c := range fs.counts {
		top[x.path] = max(top[x.path], c)
		holders[x.path] += c
	}
	var out []rareHit
	for k, f := range fs.fields {
		for _, x := range f {
			h := holders[x.path]
			if fs.counts[x.fieldValue] <= max(1, h/16) && top[x.path] >= 3 && top[x.path]*2 >= h && h >= 6 {
				out = append(out, rareHit{k, x.unit})
			}
		}
	}
	return out
}

// identify finds the field that names the items: held once by every
// item, with a short value different in each. A key that says it names
// ("name", "id", "...Name") wins over one found first.
func (fs *itemFields) identify() []int {
	if len(fs.fields) < 2 {
		return nil
	}
	held := map[string]int{}
	repeats := map[string]bool{} // a value held twice, or too long to name
	for _, f := range fs.fields {
		for _, x := range f {
			held[x.path]++
			if fs.counts[x.fieldValue] != 1 || len(x.value) > 80 {
				repeats[x.path] = true
			}
		}
	}
	best, bestNames := "", false
	for _, x := range fs.fields[0] {
		if held[x.path] != len(fs.fields) || repeats[x.path] || best != "" && (bestNames || !namingKey(x.path)) {
			continue
		}
		best, bestNames = x.path, namingKey(x.path)
	}
	ident := make([]int, len(fs.fields))
	for k, f := range fs.fields {
		ident[k] = -1
		for _, x := range f {
			if best != "" && x.path == best {
				ident[k] = x.unit
				break
			}
		}
	}
	return ident
}

// namingKey reports a field path whose last key names what holds it.
func namingKey(path string) bool {
	k := strings.ToLower(path[strings.LastIndexByte(path, '/')+1:])
	return k == "name" || k == "id" || strings.HasSuffix(k, "name") || strings.HasSuffix(k, "_id")
}

// priorities rank the optional units: weaker task matches, then the lead
// paragraph of each section, then headers outside the outline, then body
// text in order.
func (p *plan) priorities() {
	d := p.d
	// Weak matches rank above the structure only when they score near the
	// best unit: a common word ("the tool's name") would otherwise keep
	// every paragraph that mentions it, in document order.
	best := 0.0
	for i := range d.units {
		best = max(best, p.score(i))
	}
	leadDone := map[int32]bool{}
	for i := range d.units {
		u := &d.units[i]
		switch s := p.score(i); {
		case s > 0 && s*20 >= best*7:
			p.prio[i] = prioTerm + 10*s
		case s > 0 && !u.header():
			p.prio[i] = prioLead - 1 + s/best
		case u.header() && !p.inOut[i]:
			p.prio[i] = prioHeader
		case !u.header() && u.parent >= 0 && !leadDone[u.parent]:
			p.prio[i] = prioLead
		default:
			p.prio[i] = prioBody - float64(i)/float64(len(d.units)+1)
		}
		if !u.header() && u.parent >= 0 {
			leadDone[u.parent] = true
		}
	}
}

// docShortRun is the most bytes of a run of one or two lines render keeps
// rather than notes.
const docShortRun = 64

// render writes the kept units' lines verbatim and a note for each
// omitted run, indented like the first line it replaces.
func (p *plan) render(keep []bool) string {
	d, b := p.d, p.d.b
	n := len(b.L)
	keepLine := make([]bool, n)
	for i, k := range keep {
		if k {
			u := &d.units[i]
			for l := u.from; l < u.to; l++ {
				keepLine[l] = true
			}
		}
	}
	// A run of one or two short lines reads better than a note about it,
	// which costs nearly as much ("actual: 50" beside a kept
	// "expected: 100"); a document's lines are longer than a log's
	// fields, so the bound is lower.
	fold.KeepShortRuns(b, keepLine, nil, docShortRun)
	var w lines.Writer
	w.Grow(len(b.Text) / 4)
	for i := 0; i < n; {
		if keepLine[i] {
			w.Line(b.L[i])
			i++
			continue
		}
		j := i + 1
		for j < n && !keepLine[j] {
			j++
		}
		// Blank lines next to kept text stay: they separate paragraphs.
		if blankRun(b.L[i:j]) {
			for k := i; k < j; k++ {
				w.Line(b.L[k])
			}
			i = j
			continue
		}
		note := p.describe(i, j)
		ind := ""
		if !d.prefix {
			ind = b.L[firstNonBlank(b.L, i, j)]
			ind = ind[:len(ind)-len(strings.TrimLeft(ind, " \t"))]
		}
		// A note replaces what is worth replacing: more than one line,
		// or a line much longer than the note.
		noteBytes := len(ind) + len(note) + len(lines.NoteOpen) + len(lines.NoteClose) + 1
		if runBytes := b.End(j-1) - b.Start[i]; runBytes <= noteBytes || j-i == 1 && runBytes <= 2*noteBytes {
			for k := i; k < j; k++ {
				w.Line(b.L[k])
			}
		} else {
			w.Line(ind + lines.Note(note))
		}
		i = j
	}
	return w.String(b.FinalNL)
}

func blankRun(ls []string) bool {
	for _, l := range ls {
		if !lines.Blank(l) {
			return false
		}
	}
	return true
}

func firstNonBlank(ls []string, i, j int) int {
	for k := i; k < j; k++ {
		if !lines.Blank(ls[k]) {
			return k
		}
	}
	return i
}

// maxTitles and maxNames bound the names a note lists and their length.
const (
	maxTitles = 4
	maxNames  = 100
)

// describe says what the omitted lines [i, j) held: how many lines, and
// the sections, options or keys among them by name.
func (p *plan) describe(i, j int) string {
	d := p.d
	count := 0
	var titled []int
	for k := i; k < j; k++ {
		if lines.Blank(d.body[k]) {
			continue
		}
		count++
		if u := d.unitOf[k]; u >= 0 && d.units[u].from == k && (d.units[u].header() || d.units[u].option) {
			titled = append(titled, int(u))
		}
	}
	msg := lines.Count(count, "line", "lines") + " omitted"
	if len(titled) == 0 {
		return msg
	}
	// Name the outermost units: a section's own entries are implied.
	top := titled[:0]
	minDepth := -1
	for _, u := range titled {
		if dp := d.units[u].depth; minDepth < 0 || dp < minDepth {
			minDepth = dp
		}
	}
	for _, u := range titled {
		if d.units[u].depth == minDepth {
			top = append(top, u)
		}
	}
	noun := p.noun(&d.units[top[0]])
	var names []string
	length := 0
	for k, u := range top {
		t := d.title(&d.units[u])
		if k == maxTitles || k > 0 && length+len(t) > maxNames {
			names = append(names, "… "+strconv.Itoa(len(top)-k)+" more")
			break
		}
		names = append(names, t)
		length += len(t) + 2
	}
	whole := d.unitOf[firstNonBlank(d.body, i, j)] == int32(top[0])
	if whole {
		return lines.Count(len(top), noun[0], noun[1]) + " omitted (" + lines.Count(count, "line", "lines") + "): " + strings.Join(names, ", ")
	}
	return msg + ", among them " + lines.Count(len(top), noun[0], noun[1]) + ": " + strings.Join(names, ", ")
}

// noun names units like u in a note.
func (p *plan) noun(u *unit) [2]string {
	switch {
	case u.kind == heading:
		return [2]string{"section", "sections"}
	case u.kind == tableHead:
		return [2]string{"table", "tables"}
	case p.d.style == yaml || p.d.style == ini:
		if u.item {
			return [2]string{"item", "items"}
		}
		return [2]string{"key", "keys"}
	case u.option || isOption(strings.TrimSpace(p.d.body[u.from])):
		return [2]string{"option", "options"}
	}
	return [2]string{"entry", "entries"}
}
