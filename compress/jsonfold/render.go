package jsonfold

import (
	"slices"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// params are the thresholds of the lossy steps.
type params struct {
	// longString is the size (bytes) from which a string leaf far over
	// its budget is compressed or cut.
	longString int
	// topK is how many items an extreme intent keeps per field.
	topK int
	// rarePerField bounds the items kept for rare values of one field.
	rarePerField int
	// allProblems is how many problem items a collection keeps all of;
	// beyond it, the first and last of each kind of problem.
	allProblems int
	// minItem is the least budget an item over it is compressed to.
	minItem int
}

func newParams(b fold.Budget) params {
	if b.Aggressive {
		return params{longString: 160, topK: 3, rarePerField: 2, allProblems: 4, minItem: 160}
	}
	return params{longString: 256, topK: 5, rarePerField: 4, allProblems: 8, minItem: 256}
}

// compressor holds the state of one Compress call.
type compressor struct {
	in  *fold.Input
	q   *relevance.Query
	t   *jsonspan.Tree
	src string
	p   params
	// probs holds valueProblem by node, shared by every compression of
	// the tree (nil: none kept).
	probs *problems
	// polls counts work since the caller's Stop was last polled.
	polls   int
	stopped bool
	// budget is the whole output's budget.
	budget int
	// rewrite allows lossless rewrites of kept items: minified layout,
	// constant members written once, columns (the aggressive profile).
	rewrite bool
	// placed is set once the positions the query names ("the 40th item")
	// were kept in a collection: the outermost one cut, the one the
	// request counts in.
	placed bool
	// twin is the object being rendered as one of several objects of a
	// collection (-1: none), which stays a record (see mapLike).
	twin int
}

func newCompressor(in *fold.Input, t *jsonspan.Tree) *compressor {
	q := in.Query
	if q == nil {
		q = &relevance.Query{}
	}
	// The first call to stop polls.
	return &compressor{in: in, q: q, t: t, src: in.Text, p: newParams(in.Budget), polls: pollEvery, budget: max(in.Budget.Bytes, 0), twin: -1}
}

// pollEvery is how much work (items, values) passes between polls of the
// caller's Stop.
const pollEvery = 1 << 14

// stop polls the caller's Stop every so often; once it reports true, the
// compressor keeps what it has and winds down.
func (c *compressor) stop(work int) bool {
	if c.stopped {
		return true
	}
	c.polls += work
	if c.polls >= pollEvery {
		c.polls = 0
		c.stopped = c.in.Stopped()
	}
	return c.stopped
}

// document renders the whole text within the budget.
func (c *compressor) document() string {
	b := c.budget
	if c.t.NumRoots() == 1 {
		s, e := c.t.Span(0)
		return c.src[:s] + c.render(0, b-(len(c.src)-(e-s))) + c.src[e:]
	}
	return c.collection(c.streamSeq(), b)
}

// render returns value i within about budget bytes; what must survive is
// kept beyond it.
func (c *compressor) render(i, budget int) string {
	raw := c.t.Raw(i)
	if len(raw) <= budget || c.stop(1) {
		return raw
	}
	switch c.t.Kind(i) {
	case jsonspan.String:
		return c.longString(i, budget)
	case jsonspan.Object:
		if c.mapLike(i) {
			return c.collection(c.kidsSeq(i), budget)
		}
		return c.record(i, budget)
	case jsonspan.Array:
		return c.collection(c.kidsSeq(i), budget)
	}
	return raw
}

// itemStart is where child k of a container starts in the source: its
// member name, or the value.
func (c *compressor) itemStart(k int) int {
	if c.t.IsMember(k) {
		s, _ := c.t.KeySpan(k)
		return s
	}
	return c.t.Start(k)
}

// renderKid renders child k of a container (member name included) within
// budget bytes.
func (c *compressor) renderKid(k, budget int) string {
	s := c.itemStart(k)
	v := c.t.Start(k)
	if c.t.End(k)-s <= budget {
		return c.src[s:c.t.End(k)]
	}
	return c.src[s:v] + c.render(k, budget-(v-s))
}

// record renders an object whose members are named fields, not data: every
// member is kept, small ones whole, and large values are compressed with
// the budget left split by size.
func (c *compressor) record(i, budget int) string {
	n := c.t.NumKids(i)
	kids := make([]int, 0, n)
	sizes := make([]int, 0, n)
	fixed := len(c.t.Raw(i))
	for k := range c.t.Kids(i) {
		kids = append(kids, k)
		sz := c.t.End(k) - c.t.Start(k)
		sizes = append(sizes, sz)
		fixed -= sz
	}
	shares := waterFill(sizes, budget-fixed, c.p.minItem/4)
	var sb strings.Builder
	sb.Grow(min(len(c.t.Raw(i)), 2*max(budget, 0)+64))
	pos := c.t.Start(i)
	for x, k := range kids {
		if sizes[x] <= shares[x] {
			continue
		}
		s, e := c.t.Span(k)
		sb.WriteString(c.src[pos:s])
		sb.WriteString(c.render(k, shares[x]))
		pos = e
	}
	sb.WriteString(c.src[pos:c.t.End(i)])
	return sb.String()
}

// waterFill splits budget over items of the given sizes: every item gets
// min(size, cap) with cap as large as the budget allows, and at least
// min(size, floor).
func waterFill(sizes []int, budget, floor int) []int {
	out := make([]int, len(sizes))
	total := 0
	for _, s := range sizes {
		total += s
	}
	if total <= budget {
		copy(out, sizes)
		return out
	}
	sorted := slices.Clone(sizes)
	slices.Sort(sorted)
	left, rest := max(budget, 0), len(sorted)
	capSize := 0
	for _, s := range sorted {
		if s*rest > left {
			capSize = left / rest
			break
		}
		left -= s
		rest--
		capSize = s
	}
	for x, s := range sizes {
		out[x] = max(min(s, capSize), min(s, floor))
	}
	return out
}
