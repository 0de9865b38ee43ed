package markup

import (
	"cmp"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// xnode is one element of an XML document, by its byte offsets in the
// text: the start tag is [start, openEnd), the end tag [closeStart, end)
// (empty for a self-closing element).
type xnode struct {
	name                            string
	start, openEnd, closeStart, end int
	parent                          int32
	children                        []int32
	depth                           int
	// member is set for members of a collection: siblings of one name
	// that repeat.
	member bool
	// index is the element's place among its same-named siblings; last
	// marks the last of them.
	index int
	last  bool
	// unclosed marks an element the text ends inside (a cut output).
	unclosed bool
}

func (n *xnode) size() int { return n.end - n.start }

// maxDepth bounds the nesting read; deeper documents are not compressed.
const maxDepth = 256

// parseXML reads the elements of the document that starts at from, up to
// the end of its root element; end is the offset after it.
func parseXML(text string, from int, stop func() bool) ([]xnode, int, error) {
	d := xml.NewDecoder(strings.NewReader(text[from:]))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var nodes []xnode
	var stack []int32
	for k := 0; ; k++ {
		if k&1023 == 0 && stop != nil && stop() {
			return nil, 0, errors.New("stopped")
		}
		start := from + int(d.InputOffset())
		// RawToken: names as written (no namespace translation), and
		// the nesting is checked here.
		tok, err := d.RawToken()
		if err != nil {
			if truncated(err) && len(stack) > 0 && len(nodes) >= 2 {
				// The output was cut (head, a tool's size limit): the
				// elements still open end where the last whole token
				// does, without end tags; the partial rest is text
				// after the document.
				for _, id := range stack {
					nodes[id].closeStart, nodes[id].end = start, start
					nodes[id].unclosed = true
				}
				return nodes, start, nil
			}
			return nil, 0, err
		}
		end := from + int(d.InputOffset())
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, 0, errors.New("too deep")
			}
			parent := int32(-1)
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			id := int32(len(nodes))
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			nodes = append(nodes, xnode{name: name, start: start, openEnd: end, parent: parent, depth: len(stack)})
			if parent >= 0 {
				nodes[parent].children = append(nodes[parent].children, id)
			}
			stack = append(stack, id)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, 0, errors.New("unbalanced end tag")
			}
			n := &nodes[stack[len(stack)-1]]
			if name := t.Name.Local; t.Name.Space != "" && t.Name.Space+":"+name != n.name || t.Name.Space == "" && name != n.name {
				return nil, 0, errors.New("mismatched end tag")
			}
			stack = stack[:len(stack)-1]
			n.closeStart, n.end = start, end
			if n.end < n.openEnd {
				n.closeStart, n.end = n.openEnd, n.openEnd
			}
			if len(stack) == 0 {
				return nodes, end, nil
			}
		}
	}
}

// xmlParse is what parsedXML keeps of a document.
type xmlParse struct {
	from, end int
	nodes     []xnode
	err       error
}

// parsedXML is parseXML of in.Text from offset from, with its collections
// marked (see markCollections), kept in in.Memo: a document re-judged by a
// later turn is compressed again under another query and budget, and its
// elements depend on its text alone. The nodes are read-only once made; a
// parse cut short by the caller's stop is not kept.
func parsedXML(in *fold.Input, from int) ([]xnode, int, error) {
	if v, ok := in.Memo.Get("markup.xml", in.Text); ok {
		if x := v.(*xmlParse); x.from == from {
			return x.nodes, x.end, x.err
		}
	}
	nodes, end, err := parseXML(in.Text, from, in.Stop)
	if err == nil {
		markCollections(nodes)
	}
	if !in.Stopped() {
		in.Memo.Put("markup.xml", in.Text, &xmlParse{from: from, end: end, nodes: nodes, err: err})
	}
	return nodes, end, err
}

// markCollections marks the collections: children of one parent that
// share a name and repeat.
func markCollections(nodes []xnode) {
	for i := range nodes {
		kids := nodes[i].children
		if len(kids) < 3 {
			continue
		}
		count := map[string]int{}
		for _, c := range kids {
			count[nodes[c].name]++
		}
		seen := map[string]int{}
		for _, c := range kids {
			n := &nodes[c]
			n.index = seen[n.name]
			seen[n.name]++
			n.member = count[n.name] >= 3
			n.last = seen[n.name] == count[n.name]
		}
	}
}

// truncated reports a decoding error that only says the text ended.
func truncated(err error) bool {
	if err == io.EOF {
		return true
	}
	var se *xml.SyntaxError
	return errors.As(err, &se) && strings.HasPrefix(se.Msg, "unexpected EOF")
}

// xplan is the selection state of one XML document.
type xplan struct {
	in    *fold.Input
	text  string
	nodes []xnode
	from  int // where the document starts in text
	ix    *relevance.Index
	whole []bool
	open  []bool
	prio  []float64
	// rep marks the children of records kept for the task that repeat a
	// tag shown already (keepRecord): they only fill what is left.
	rep []bool
}

// Sizes that decide how an element is kept.
const (
	// smallMember is the largest collection member kept whole as the
	// first or last of its collection.
	smallMember = 600
	// smallLeaf is the largest lone element kept for the structure.
	smallLeaf = 300
	// openingXML bounds the prolog kept whatever the budget.
	openingXML = 1024
)

// compressXML compresses the document at offset from of in.Text; the text
// around it (a log that printed it) is kept, or folded when long.
func compressXML(in *fold.Input, from int) (string, bool) {
	nodes, end, err := parsedXML(in, from)
	if err != nil || len(nodes) < 2 || (len(in.Text)-end)*2 > len(in.Text) {
		return "", false
	}
	budget := in.Budget.Bytes
	var sb strings.Builder
	head, tail := in.Text[:from], in.Text[end:]
	around := func(s string) string {
		// A preamble gets an eighth of the budget; a run of output the
		// document follows (the test run that wrote the report), its
		// share of the text.
		b := max(budget/8, int(int64(budget)*int64(len(s))/int64(len(in.Text))))
		if len(s) <= b || strings.TrimSpace(s) == "" {
			return s
		}
		sub := &fold.Input{Text: s, Query: in.Query, Budget: fold.Budget{Bytes: b, Lossy: true, Aggressive: in.Budget.Aggressive}, Stop: in.Stop}
		if o, ok := fold.Text(sub); ok {
			if !strings.HasSuffix(o, "\n") && strings.HasSuffix(s, "\n") {
				o += "\n"
			}
			return o
		}
		return s
	}
	h, t := around(head), around(tail)
	p := newXPlan(in, nodes, from, end)
	p.choose(max(budget-len(h)-len(t), budget/4))
	sb.WriteString(h)
	p.render(&sb)
	sb.WriteString(t)
	return sb.String(), true
}

func newXPlan(in *fold.Input, nodes []xnode, from, end int) *xplan {
	p := &xplan{in: in, text: in.Text, nodes: nodes, from: from}
	// Units for relevance: the prolog, then from each start tag to the
	// next; a unit belongs to the element whose start tag opens it.
	starts := make([]int, 0, len(nodes)+1)
	starts = append(starts, 0)
	for i := range nodes {
		starts = append(starts, nodes[i].start-from)
	}
	if len(starts) > 1 && starts[1] == 0 {
		starts = starts[1:]
	}
	p.ix = in.Index(in.Query, maskNames(in.Text[from:end]), starts)
	p.whole = make([]bool, len(nodes))
	p.open = make([]bool, len(nodes))
	p.prio = make([]float64, len(nodes))
	return p
}

// maskNames returns s with the names of elements and attributes blanked,
// offsets unchanged: they are the document's structure, present in every
// member of a collection, while what tells members apart (text, attribute
// values) stays for matching the task.
func maskNames(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		if b[i] != '<' || i+1 >= len(b) || b[i+1] == '!' || b[i+1] == '?' {
			continue
		}
		j := i + 1
		if b[j] == '/' {
			j++
		}
		inValue := byte(0)
		for ; j < len(b) && (b[j] != '>' || inValue != 0); j++ {
			c := b[j]
			switch {
			case inValue != 0:
				if c == inValue {
					inValue = 0
				}
			case c == '"' || c == '\'':
				inValue = c
			case c != '=' && c != '/' && c != ' ' && c != '\t' && c != '\n' && c != '\r':
				b[j] = ' '
			}
		}
		i = j
	}
	return string(b)
}

// unit returns the index unit of element i.
func (p *xplan) unit(i int) int {
	if p.ix.Units() == len(p.nodes) {
		return i
	}
	return i + 1
}

// choose decides which elements are kept whole and which are kept open
// (their tags, with some of their children), within limit bytes.
//
// What the task names comes first: around each element holding a term
// rare in the document, the collection member it belongs to (a glyph, a
// plugin) is kept whole, or the element itself when the member is large.
// Their ancestors are open. Then, from the root down through the open
// elements: the first and last member of each collection (a large one
// open, showing the leaf elements that name it), and, while the budget
// allows, lone small elements near the root, weaker matches and the
// remaining members in order.
func (p *xplan) choose(limit int) {
	nodes := p.nodes
	maxWhole := max(2048, p.in.Budget.Bytes/3)
	used := 0
	keepWhole := func(i int) {
		if !p.whole[i] && !p.insideWhole(i) {
			p.whole[i] = true
			used += nodes[i].size()
		}
	}
	for i := range nodes {
		u := p.unit(i)
		if !p.ix.Strong(u) {
			if s := p.ix.Score(u); s > 0 {
				p.prio[i] = 100 + 10*s
			}
			continue
		}
		p.keepAround(i, maxWhole, keepWhole)
	}
	// Elements that report a problem, while they take at most half of
	// the limit; past it they compete by priority. The first record of
	// each name that reports one is kept whatever the limit: a report's
	// one failure is what it is read for, however much else is around.
	firstOf := map[string]bool{}
	for _, i := range p.problems() {
		r := p.recordAround(i, maxWhole)
		first := !firstOf[nodes[r].name]
		firstOf[nodes[r].name] = true
		if first || used+nodes[r].size() <= limit/2 {
			p.keepTarget(r, maxWhole, keepWhole)
		} else {
			p.prio[r] = max(p.prio[r], prioProblem)
		}
	}
	p.rareShapes()
	p.extremes(maxWhole, keepWhole)
	// A repeat matches the task as much as the ones shown: it fills
	// last, in order.
	for c := range p.rep {
		if p.rep[c] {
			p.prio[c] = min(p.prio[c], 5-float64(p.nodes[c].index)/float64(len(p.nodes)+1))
		}
	}
	p.openAncestors()
	p.open[0] = true
	// Top down through the open elements.
	for i := range nodes {
		if !p.open[i] || p.whole[i] {
			continue
		}
		kids := nodes[i].children
		for _, c := range kids {
			n := &nodes[c]
			switch {
			case p.whole[c] || p.open[c] || p.quiet(c):
			case !n.member && n.size() <= smallMember && p.namesTerm(int(c)):
				// The task names its tag or an attribute ("the glob",
				// "which version") and it is the only one here: it is
				// what was asked for. (A collection's tag names them
				// all, which says nothing of which.)
				p.prio[c] = max(p.prio[c], 95)
			case n.member && (n.index == 0 || n.last):
				if n.size() <= smallMember {
					keepWhole(int(c))
				} else {
					p.open[c] = true
					p.showIdentity(int(c), keepWhole)
				}
			case n.member:
				p.prio[c] = max(p.prio[c], 10-float64(n.index)/float64(len(kids)+1))
			case len(n.children) == 0 && n.size() <= smallLeaf:
				p.prio[c] = max(p.prio[c], 50-float64(n.depth))
			default:
				p.prio[c] = max(p.prio[c], 30-float64(n.depth))
			}
		}
	}
	// Then by priority while the budget allows.
	order := make([]int, 0, len(nodes))
	for i := range nodes {
		if p.prio[i] > 0 && !p.whole[i] {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case p.prio[a] > p.prio[b]:
			return -1
		case p.prio[a] < p.prio[b]:
			return 1
		}
		return a - b
	})
	misses := 0
	for _, i := range order {
		if p.insideWhole(i) || !p.parentShown(i) && p.prio[i] < 100 {
			continue
		}
		if nodes[i].size() > maxWhole || used+nodes[i].size() > limit {
			if misses++; misses > 64 {
				break
			}
			continue
		}
		keepWhole(i)
	}
	p.openAncestors()
}

// recordAround returns the record element i belongs to: the outermost
// collection member around it that is still small (a <comment> of a
// <mime-type> stands for the mime-type), else the element itself.
func (p *xplan) recordAround(i, maxWhole int) int {
	target := i
	for a := i; a >= 0 && p.nodes[a].size() <= maxWhole; a = int(p.nodes[a].parent) {
		if p.nodes[a].member {
			target = a
		}
	}
	return target
}

// keepAround keeps the record around element i (recordAround) for the
// task, or opens it when it is too large to keep whole.
func (p *xplan) keepAround(i, maxWhole int, keepWhole func(int)) {
	p.keepTarget(p.recordAround(i, maxWhole), maxWhole, keepWhole)
}

// keepTarget keeps record target, or opens it when it is too large to
// keep whole.
func (p *xplan) keepTarget(target, maxWhole int, keepWhole func(int)) {
	if p.nodes[target].size() <= maxWhole {
		p.keepRecord(target, keepWhole)
	} else {
		p.open[target] = true
	}
}

// Priorities of elements kept for what they are rather than for the task
// (a task match ranks 100 and up by its score).
const (
	prioProblem = 190
	prioRare    = 150
)

// problems returns the elements that report a problem: a start tag
// (<failure message="AssertionError: …">, status="failed") or the text of
// a leaf element that reads as one. Where most elements of one name under
// one parent report alike, the signal is a field they all print
// (severity="error" on every check) and none of them stands out.
func (p *xplan) problems() []int {
	nodes, text := p.nodes, p.text
	var found []int
	type sibling struct {
		parent int32
		name   string
	}
	signalled, all := map[sibling]int{}, map[sibling]int{}
	for i := range nodes {
		n := &nodes[i]
		k := sibling{n.parent, n.name}
		all[k]++
		sig := lines.Signal(text[n.start:min(n.openEnd, n.start+512)])
		if sig != lines.Problem && len(n.children) == 0 && n.closeStart > n.openEnd {
			inner := text[n.openEnd:min(n.closeStart, n.openEnd+512)]
			for l := range strings.Lines(inner) {
				if sig = lines.Signal(l); sig == lines.Problem {
					break
				}
			}
		}
		if sig == lines.Problem && i > 0 {
			found = append(found, i)
			signalled[k]++
		}
	}
	kept := found[:0]
	for _, i := range found {
		k := sibling{nodes[i].parent, nodes[i].name}
		if all[k] < 4 || signalled[k]*2 <= all[k] {
			kept = append(kept, i)
		}
	}
	return kept
}

// rareShapes ranks the collection members that hold a child element few
// of the others hold (the <failure> of one <testcase> in a hundred, the
// <exclusions> of one dependency): what sets a member apart is what it is
// read for.
func (p *xplan) rareShapes() {
	nodes := p.nodes
	for i := range nodes {
		kids := nodes[i].children
		if len(kids) < 8 {
			continue
		}
		// Per member name, how many members hold each child name.
		holders := map[[2]string]int{}
		members := map[string]int{}
		seen := map[string]bool{}
		for _, c := range kids {
			m := &nodes[c]
			if !m.member {
				continue
			}
			members[m.name]++
			clear(seen)
			for _, g := range m.children {
				if nm := nodes[g].name; !seen[nm] {
					seen[nm] = true
					holders[[2]string{m.name, nm}]++
				}
			}
		}
		for _, c := range kids {
			m := &nodes[c]
			if !m.member || members[m.name] < 8 {
				continue
			}
			for _, g := range m.children {
				if h := holders[[2]string{m.name, nodes[g].name}]; h*10 <= members[m.name] {
					p.prio[c] = max(p.prio[c], prioRare)
					break
				}
			}
		}
	}
}

// Extremes: among the many elements of one name (the test cases of a
// report, the entries of a log), for each numeric attribute, the elements
// holding its largest and smallest value rank with the rare ones; the
// top few at the end the task asks for ("which test took longest") are
// kept with their records.
const (
	minExtremeSet   = 8 // the fewest elements of one name that have extremes
	maxExtremeAttrs = 4 // numeric attributes read per name
)

// extremes marks the elements holding extreme attribute values.
func (p *xplan) extremes(maxWhole int, keepWhole func(int)) {
	nodes, text := p.nodes, p.text
	intent := p.in.Query.Intent
	topK := max(3, p.in.Query.TopN)
	var names []string
	byName := map[string][]int{}
	for i := range nodes {
		nm := nodes[i].name
		if byName[nm] == nil {
			names = append(names, nm)
		}
		byName[nm] = append(byName[nm], i)
	}
	type valued struct {
		el int
		v  float64
	}
	for _, nm := range names {
		els := byName[nm]
		if len(els) < minExtremeSet {
			continue
		}
		var attrs []string
		vals := map[string][]valued{}
		for _, i := range els {
			for _, a := range shortAttrs(text[nodes[i].start:nodes[i].openEnd]) {
				name, v, _ := strings.Cut(a, "=")
				f, err := strconv.ParseFloat(strings.Trim(v, `"'`), 64)
				if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					continue
				}
				if vals[name] == nil {
					if len(attrs) == maxExtremeAttrs {
						continue
					}
					attrs = append(attrs, name)
				}
				vals[name] = append(vals[name], valued{i, f})
			}
		}
		for _, a := range attrs {
			vs := vals[a]
			if len(vs)*10 < len(els)*8 {
				continue // not a numeric attribute of these elements
			}
			// Stable: ties keep document order.
			slices.SortStableFunc(vs, func(x, y valued) int { return cmp.Compare(y.v, x.v) })
			if vs[0].v == vs[len(vs)-1].v {
				continue
			}
			pick := func(v valued, asked bool) {
				if asked {
					p.keepAround(v.el, maxWhole, keepWhole)
					return
				}
				r := p.recordAround(v.el, maxWhole)
				p.prio[r] = max(p.prio[r], prioRare)
			}
			for k := range min(len(vs), topK) {
				pick(vs[k], intent.Has(relevance.Max) && vs[k].v > vs[len(vs)-1].v)
				pick(vs[len(vs)-1-k], intent.Has(relevance.Min) && vs[len(vs)-1-k].v < vs[0].v)
				if k == 0 && !intent.Has(relevance.Max) && !intent.Has(relevance.Min) {
					break
				}
			}
		}
	}
}

// repeatsShown is how many children of one tag a record kept for the
// task shows when that tag repeats more often than that plus two.
const repeatsShown = 2

// keepRecord keeps record i for the task: whole, unless it is made mostly
// of one repeated tag (a <comment> per language around the one <glob>):
// then it is kept open with every child whose tag it holds at most
// repeatsShown+1 times whole, and of each repeated tag the first
// repeatsShown, the rest left to the budget and otherwise to one note
// naming what varies among them. The unique children are the record's
// facts; the 20th translation of its description is not.
func (p *xplan) keepRecord(i int, keepWhole func(int)) {
	n := &p.nodes[i]
	if p.whole[i] || p.insideWhole(i) {
		return
	}
	count := map[string]int{}
	repeated := false
	for _, c := range n.children {
		count[p.nodes[c].name]++
		repeated = repeated || count[p.nodes[c].name] > repeatsShown+1
	}
	if !repeated || n.size() <= smallMember {
		keepWhole(i)
		return
	}
	p.open[i] = true
	maxWhole := max(2048, p.in.Budget.Bytes/3)
	for _, c := range n.children {
		cn := &p.nodes[c]
		if count[cn.name] > repeatsShown+1 && cn.index >= repeatsShown {
			if p.rep == nil {
				p.rep = make([]bool, len(p.nodes))
			}
			p.rep[c] = true
			continue
		}
		if cn.size() <= maxWhole {
			keepWhole(int(c))
		} else {
			p.open[c] = true
		}
	}
}

// quiet reports whether element c is one of the repeats (keepRecord).
func (p *xplan) quiet(c int32) bool {
	return p.rep != nil && p.rep[c]
}

// namesTerm reports whether the task names element i's tag or one of its
// attributes: the whole name, or a part of four letters or more of it
// ("class" of "sub-class-of").
func (p *xplan) namesTerm(i int) bool {
	q := p.in.Query
	if q == nil || len(q.Terms) == 0 {
		return false
	}
	n := &p.nodes[i]
	names := []string{n.name}
	tag := p.text[n.start:n.openEnd]
	for _, f := range strings.Fields(tag) {
		if eq := strings.IndexByte(f, '='); eq > 0 {
			names = append(names, f[:eq])
		}
	}
	for _, t := range q.Terms {
		if !t.Latest {
			continue
		}
		for _, nm := range names {
			nm = lines.Fold(nm)
			if nm == t.Text {
				return true
			}
			if len(t.Text) < 4 {
				continue
			}
			for _, part := range strings.FieldsFunc(nm, func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == ':' }) {
				if part == t.Text {
					return true
				}
			}
		}
	}
	return false
}

// openAncestors opens the ancestors of everything kept: their start tags
// say where a kept element sits.
func (p *xplan) openAncestors() {
	for i := range p.nodes {
		if p.whole[i] || p.open[i] {
			for a := p.nodes[i].parent; a >= 0 && !p.open[a]; a = p.nodes[a].parent {
				p.open[a] = true
			}
		}
	}
}

// parentShown reports whether element i's parent is open, so keeping i
// adds to what the reader sees rather than opening a new branch.
func (p *xplan) parentShown(i int) bool {
	par := p.nodes[i].parent
	return par < 0 || p.open[par]
}

// identityLeaves bounds the leaf elements shown to name a large member.
const identityLeaves = 2

// showIdentity keeps the first leaf children of a large member kept open
// (a plugin's artifactId and version), which name it.
func (p *xplan) showIdentity(i int, keep func(int)) {
	shown := 0
	for _, c := range p.nodes[i].children {
		n := &p.nodes[c]
		if len(n.children) > 0 || n.size() > smallLeaf {
			break
		}
		keep(int(c))
		if shown++; shown == identityLeaves {
			return
		}
	}
}

// insideWhole reports whether element i lies in an element kept whole.
func (p *xplan) insideWhole(i int) bool {
	for a := p.nodes[i].parent; a >= 0; a = p.nodes[a].parent {
		if p.whole[a] {
			return true
		}
	}
	return false
}

// xrender writes the kept parts of a document.
type xrender struct {
	p   *xplan
	sb  *strings.Builder
	pos int // end of what was written or accounted for
}

func (p *xplan) render(sb *strings.Builder) {
	r := &xrender{p: p, sb: sb, pos: p.from}
	root := &p.nodes[0]
	// The prolog (declaration, doctype, comments) up to the root.
	if root.start-p.from <= openingXML {
		r.emit(p.from, root.start)
	} else {
		r.pos = root.start
	}
	r.node(0)
	// Whatever follows the root inside the document's span.
	r.gap(root.end)
}

// node writes element i: whole, or its tags around its kept children with
// a note for each run of omitted ones.
func (r *xrender) node(i int) {
	n := &r.p.nodes[i]
	if r.p.whole[i] {
		r.emit(n.start, n.end)
		return
	}
	r.emit(n.start, n.openEnd)
	var run []int32
	for _, c := range n.children {
		if r.p.whole[c] || r.p.open[c] {
			r.omit(run)
			run = run[:0]
			r.node(int(c))
			continue
		}
		run = append(run, c)
	}
	r.omit(run)
	if n.closeStart > n.openEnd || n.end > n.openEnd {
		r.emit(n.closeStart, n.end)
	}
}

// emit writes text[s:e] after what lies between the last write and s.
func (r *xrender) emit(s, e int) {
	r.gap(s)
	if e > r.pos {
		r.sb.WriteString(r.p.text[r.pos:e])
		r.pos = e
	}
}

// gap writes what lies between the last write and s: white space and
// short text as they are, longer text as a note.
func (r *xrender) gap(s int) {
	if s <= r.pos {
		return
	}
	g := r.p.text[r.pos:s]
	if strings.TrimSpace(g) == "" || len(g) <= 200 {
		r.sb.WriteString(g)
	} else {
		lead := g[:len(g)-len(strings.TrimLeft(g, " \t\r\n"))]
		r.sb.WriteString(lead)
		r.sb.WriteString(lines.Note(strconv.Itoa(len(g)) + " bytes of text omitted"))
		r.sb.WriteString(g[len(strings.TrimRight(g, " \t\r\n")):])
	}
	r.pos = s
}

// omit replaces a run of omitted sibling elements with one note, on a
// line of its own where the run stood on lines of its own.
func (r *xrender) omit(run []int32) {
	if len(run) == 0 {
		return
	}
	nodes := r.p.nodes
	first, last := &nodes[run[0]], &nodes[run[len(run)-1]]
	note := lines.Note(r.describe(run))
	// A note replaces what is worth replacing: not a few short
	// elements that cost little more than it.
	if span := last.end - first.start; span <= len(note) || len(run) <= 2 && span <= 2*len(note) {
		r.emit(first.start, last.end)
		return
	}
	// The white space before the run (its line's indentation) stays.
	g := r.p.text[r.pos:first.start]
	if strings.TrimSpace(g) == "" {
		r.sb.WriteString(g)
	} else {
		r.gap(first.start)
	}
	r.sb.WriteString(note)
	r.pos = last.end
}

// maxLabels bounds the names a note lists.
const maxLabels = 4

// describe says what a run of omitted elements held: how many of which
// name, and their names.
func (r *xrender) describe(run []int32) string {
	nodes := r.p.nodes
	byName := map[string]int{}
	var names []string
	for _, c := range run {
		if byName[nodes[c].name] == 0 {
			names = append(names, nodes[c].name)
		}
		byName[nodes[c].name]++
	}
	if len(names) > 1 {
		parts := make([]string, 0, len(names))
		for k, nm := range names {
			if k == maxLabels {
				parts = append(parts, "…")
				break
			}
			part := "<" + nm + ">"
			if byName[nm] > 1 {
				part = strconv.Itoa(byName[nm]) + " " + part
				sub := make([]int32, 0, byName[nm])
				for _, c := range run {
					if nodes[c].name == nm {
						sub = append(sub, c)
					}
				}
				if rg := r.ranges(sub); rg != "" {
					part += " (" + rg + ")"
				}
			}
			parts = append(parts, part)
		}
		return lines.Count(len(run), "element", "elements") + " omitted: " + strings.Join(parts, ", ")
	}
	msg := lines.Count(len(run), "<"+names[0]+"> element", "<"+names[0]+"> elements") + " omitted"
	var labels []string
	for _, c := range run {
		if l := r.label(int(c)); l != "" {
			labels = append(labels, l)
		}
	}
	same := len(labels) == len(run) && len(labels) > 1 && sameAttr(labels) != "" && !slices.ContainsFunc(labels, func(l string) bool { return l != labels[0] })
	if same {
		// The first attribute is one they share (the class of every
		// test case): the first attribute that varies names them.
		if v := r.varyingAttr(run); v != nil {
			labels = v
			same = false
		}
	}
	switch {
	case same:
		msg += ", all " + labels[0]
	case len(labels) == 0:
		// Containers named by nothing of their own (a <properties>
		// block): what they hold.
		if held := r.held(run); held != "" {
			msg += ", holding " + held
		}
	case sameAttr(labels) != "":
		// One attribute that varies (xml:lang="de", "fr", ...): its
		// values, more of them, as they are short.
		name := sameAttr(labels)
		vals := make([]string, 0, maxAttrValues+2)
		for k, l := range labels {
			if k == maxAttrValues && len(labels) > maxAttrValues+1 {
				vals = append(vals, "…", attrValue(labels[len(labels)-1]))
				break
			}
			vals = append(vals, attrValue(l))
		}
		msg += ": " + name + "=" + strings.Join(vals, ", ")
	case len(labels) <= maxLabels:
		msg += ": " + strings.Join(labels, ", ")
	default:
		msg += ": " + labels[0] + " … " + labels[len(labels)-1]
	}
	if rg := r.ranges(run); rg != "" {
		msg += "; " + rg
	}
	return msg
}

// held counts the children of a run of elements by name: "30 <property>".
func (r *xrender) held(run []int32) string {
	nodes := r.p.nodes
	byName := map[string]int{}
	var names []string
	for _, c := range run {
		for _, g := range nodes[c].children {
			nm := nodes[g].name
			if byName[nm] == 0 {
				names = append(names, nm)
			}
			byName[nm]++
		}
	}
	parts := make([]string, 0, min(len(names), maxLabels+1))
	for k, nm := range names {
		if k == maxLabels {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, strconv.Itoa(byName[nm])+" <"+nm+">")
	}
	return strings.Join(parts, ", ")
}

// maxRanges bounds the numeric attributes whose range a note gives.
const maxRanges = 2

// ranges gives the range of each numeric attribute that every element of
// a run of one name holds and that varies among them, as written: "time
// 0.001..0.030". It tells the reader what the omitted elements are not
// (the slowest case is not among them when it was kept elsewhere).
func (r *xrender) ranges(run []int32) string {
	if len(run) < 2 {
		return ""
	}
	nodes, text := r.p.nodes, r.p.text
	type span struct {
		name           string
		lo, hi         float64
		loText, hiText string
		n              int
	}
	var spans []*span
	for k, c := range run {
		seen := 0
		for _, a := range shortAttrs(text[nodes[c].start:nodes[c].openEnd]) {
			name, v, _ := strings.Cut(a, "=")
			v = strings.Trim(v, `"'`)
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				continue
			}
			if k == 0 {
				spans = append(spans, &span{name: name, lo: f, hi: f, loText: v, hiText: v, n: 1})
				continue
			}
			for _, sp := range spans[seen:] {
				seen++
				if sp.name != name {
					continue
				}
				sp.n++
				if f < sp.lo {
					sp.lo, sp.loText = f, v
				}
				if f > sp.hi {
					sp.hi, sp.hiText = f, v
				}
				break
			}
		}
	}
	var parts []string
	for _, sp := range spans {
		if sp.n == len(run) && sp.lo < sp.hi {
			parts = append(parts, sp.name+" "+sp.loText+".."+sp.hiText)
			if len(parts) == maxRanges {
				break
			}
		}
	}
	return strings.Join(parts, ", ")
}

// maxAttrValues bounds the values of one attribute a note lists.
const maxAttrValues = 8

// sameAttr returns the attribute name all labels (name="value" as
// written) share, or "" when they are not all attributes of one name.
func sameAttr(labels []string) string {
	name := ""
	for _, l := range labels {
		eq := strings.Index(l, "=\"")
		if eq <= 0 || !strings.HasSuffix(l, "\"") {
			return ""
		}
		if name == "" {
			name = l[:eq]
		} else if l[:eq] != name {
			return ""
		}
	}
	return name
}

// attrValue returns the value of a name="value" label.
func attrValue(l string) string {
	eq := strings.Index(l, "=\"")
	return l[eq+2 : len(l)-1]
}

// label names element i in a note: the text of its first short leaf
// child (an artifactId), or its first short attribute as written.
func (r *xrender) label(i int) string {
	nodes, text := r.p.nodes, r.p.text
	for _, c := range nodes[i].children {
		n := &nodes[c]
		if len(n.children) == 0 && n.closeStart > n.openEnd {
			v := strings.TrimSpace(text[n.openEnd:n.closeStart])
			if v != "" && len(v) <= 60 && !strings.ContainsAny(v, "<\n") {
				return v
			}
		}
	}
	return firstAttr(text[nodes[i].start:nodes[i].openEnd])
}

// varyingAttr returns, for each element of run, its value of the first
// short attribute whose values differ between them (as written: name="v"),
// or nil when there is none.
func (r *xrender) varyingAttr(run []int32) []string {
	nodes, text := r.p.nodes, r.p.text
	per := make([][]string, len(run))
	for k, c := range run {
		per[k] = shortAttrs(text[nodes[c].start:nodes[c].openEnd])
	}
	for a := range per[0] {
		name := per[0][a][:strings.IndexByte(per[0][a], '=')]
		vals := make([]string, 0, len(run))
		for k := range run {
			v := ""
			for _, at := range per[k] {
				if strings.HasPrefix(at, name+"=") {
					v = at
					break
				}
			}
			if v == "" {
				break
			}
			vals = append(vals, v)
		}
		if len(vals) == len(run) && slices.ContainsFunc(vals, func(v string) bool { return v != vals[0] }) {
			return vals
		}
	}
	return nil
}

// shortAttrs returns the short attributes of a raw start tag, as written.
func shortAttrs(tag string) []string {
	var out []string
	for {
		a, rest := nextAttr(tag)
		if a == "" {
			return out
		}
		if len(a) <= 48 {
			out = append(out, a)
		}
		tag = rest
	}
}

// firstAttr returns the first short attribute of a raw start tag, as
// written: `unicode="&#xe001;"`.
func firstAttr(tag string) string {
	for {
		a, rest := nextAttr(tag)
		if a == "" || len(a) <= 48 {
			return a
		}
		tag = rest
	}
}

// nextAttr returns the first attribute of a raw start tag (or of what
// follows an attribute), as written, and the text after it; "" when there
// is none or it is not quoted.
func nextAttr(tag string) (attr, rest string) {
	if i := strings.IndexAny(tag, " \t\r\n"); i < 0 {
		return "", ""
	} else {
		rest = tag[i:]
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	eq := strings.IndexByte(rest, '=')
	if eq <= 0 || eq+1 >= len(rest) {
		return "", ""
	}
	q := rest[eq+1]
	if q != '"' && q != '\'' {
		return "", ""
	}
	end := strings.IndexByte(rest[eq+2:], q)
	if end < 0 {
		return "", ""
	}
	n := eq + 2 + end + 1
	return rest[:n], rest[n:]
}
