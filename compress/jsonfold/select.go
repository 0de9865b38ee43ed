package jsonfold

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Priorities of optional items (must-keep items are kept regardless).
const (
	prioTerm    = 100 // plus 10 per point of relevance score
	prioProblem = 70
	prioWarning = 35
)

// minTermScore is the relevance score from which a task match ranks an
// item above problems.
const minTermScore = 0.5

// markProblems marks the items that report a problem: all of them when
// they are few, otherwise the first and last of each kind of problem
// (rarest kinds first), the rest ranked above ordinary items.
func (c *compressor) markProblems(sq *seq, a *analysis) {
	type kind struct {
		sig         uint64
		first, last int
		n           int
	}
	var kinds []kind
	var byS map[uint64]int
	probs := 0
	for x, sev := range a.sev {
		switch sev {
		case lines.Problem:
			probs++
			a.prio[x] = max(a.prio[x], prioProblem)
			if byS == nil {
				byS = map[uint64]int{}
			}
			i, ok := byS[a.sig[x]]
			if !ok {
				i = len(kinds)
				byS[a.sig[x]] = i
				kinds = append(kinds, kind{sig: a.sig[x], first: x})
			}
			kinds[i].last = x
			kinds[i].n++
		case lines.Warning:
			a.prio[x] = max(a.prio[x], prioWarning)
		}
	}
	if probs <= c.p.allProblems {
		for x, sev := range a.sev {
			if sev == lines.Problem {
				a.must[x] = true
			}
		}
		return
	}
	slices.SortStableFunc(kinds, func(x, y kind) int { return cmp.Compare(x.n, y.n) })
	limit := 2*c.p.allProblems + len(sq.items)/50
	for i, kd := range kinds {
		if i >= limit {
			break
		}
		a.must[kd.first] = true
		if !c.in.Budget.Aggressive {
			a.must[kd.last] = true
		}
	}
}

// valueProblem reports whether value k reports a problem in a string it
// holds, or under a member name inside it that reports one with a value
// set ("error": "...", "failed": 3; not "error": null), and a signature
// telling kinds of problems apart. Member k's own name is not looked at.
func (c *compressor) valueProblem(k int) (lines.Severity, uint64) {
	pc := c.probs
	if pc == nil {
		return c.valueProblemOf(k)
	}
	if pc.sev == nil {
		n := c.t.Len()
		pc.known, pc.sev, pc.sig = make([]uint64, (n+63)/64), make([]lines.Severity, n), make([]uint64, n)
	}
	w, b := uint(k)/64, uint64(1)<<(uint(k)%64)
	if pc.known[w]&b == 0 {
		pc.sev[k], pc.sig[k] = c.valueProblemOf(k)
		pc.known[w] |= b
	}
	return pc.sev[k], pc.sig[k]
}

// problems holds valueProblem by node of a tree: it reads the tree alone,
// yet a nested collection asks again for the values of every level below
// it, and a block compressed again for a later turn for all of them.
type problems struct {
	known []uint64 // bit k: node k's answer is in sev and sig
	sev   []lines.Severity
	sig   []uint64
}

// valueProblemOf is valueProblem, computed.
func (c *compressor) valueProblemOf(k int) (lines.Severity, uint64) {
	t := c.t
	switch t.Kind(k) {
	case jsonspan.String:
		return c.stringProblem(k)
	case jsonspan.Object, jsonspan.Array:
	default:
		return lines.NoSignal, 0
	}
	best, sig := lines.NoSignal, uint64(0)
	end := t.End(k)
	for j := k + 1; j < t.Len() && t.Start(j) < end; j++ {
		sev := lines.NoSignal
		var s uint64
		if t.Kind(j) == jsonspan.String {
			sev, s = c.stringProblem(j)
		}
		if t.IsMember(j) && sev < lines.Problem && isSet(t.Raw(j)) {
			if ks := lines.Signal(t.RawKey(j)); ks > sev {
				sev, s = ks, lines.ShapeHash(t.RawKey(j))
			}
		}
		if sev > best {
			best, sig = sev, s
			if best == lines.Problem {
				break
			}
		}
	}
	return best, sig
}

// stringProblem reports whether string value k reports a problem. A
// member's value does in one word ("status": "failed"); an element of a
// list needs more than a word, since lists hold names ("errors" is a
// package in a list of imports).
func (c *compressor) stringProblem(k int) (lines.Severity, uint64) {
	raw := c.t.Raw(k)
	if !c.t.IsMember(k) && oneWord(raw) {
		return lines.NoSignal, 0
	}
	if sev := lines.Signal(raw); sev != lines.NoSignal {
		return sev, lines.ShapeHash(raw)
	}
	return lines.NoSignal, 0
}

// oneWord reports whether a raw string holds a single word: letters,
// digits, '_' and '-' between its quotes.
func oneWord(raw string) bool {
	for i := 1; i < len(raw)-1; i++ {
		if c := raw[i]; !lines.IsWordByte(c) && c != '-' {
			return false
		}
	}
	return true
}

// isSet reports whether a raw value says something is there: not null,
// false, zero or empty.
func isSet(raw string) bool {
	switch raw {
	case "null", "false", "0", `""`, "[]", "{}":
		return false
	}
	return len(raw) < 2 || raw[0] != '[' && raw[0] != '{' || !blankInside(raw)
}

func blankInside(raw string) bool {
	for i := 1; i < len(raw)-1; i++ {
		if c := raw[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// choose picks the items to keep and each kept item's budget. Must-keep
// items are kept; then optional ones in order of priority (an even
// spread of the rest last) while they fit. An item larger than a quarter
// of the budget counts at that size: it is compressed inside.
func (c *compressor) choose(sq *seq, a *analysis, budget int) ([]bool, []int) {
	n := len(sq.items)
	keep := make([]bool, n)
	sizes := make([]int, n)
	total := 0
	for x := range sq.items {
		sizes[x] = c.size(sq, x)
		total += sizes[x]
	}
	sep := len(c.sepAfter(sq, 0))
	overhead := sq.end - sq.start - total - (n-1)*sep
	budget -= max(overhead, 0)
	itemCap := max(c.p.minItem, budget/4)
	whole := c.wholeItems(a, sizes, budget)
	cost := func(x int) int {
		if whole != nil && whole[x] {
			return sizes[x] + sep
		}
		return min(sizes[x], itemCap) + sep
	}

	// Large items that all fit at a small size are all kept, each
	// compressed inside: a few big records say more than one whole one.
	if total/n >= 4*c.p.minItem && n*(c.p.minItem+sep) <= budget {
		for x := range keep {
			keep[x] = true
		}
		return keep, shareOut(sizes, keep, whole, budget-n*sep, c.p.minItem)
	}

	left := budget - noteReserve
	kept := 0
	for x := range keep {
		if a.must[x] {
			keep[x] = true
			left -= cost(x)
			kept++
		}
	}
	order := make([]int, 0, n)
	for x := range keep {
		if !keep[x] && a.prio[x] > 0 {
			order = append(order, x)
		}
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(a.prio[y], a.prio[x]) })
	order = spread(order, keep, a.prio)
	for _, x := range order {
		if left <= sep {
			break
		}
		if cost(x) <= left {
			keep[x] = true
			left -= cost(x)
			kept++
		}
	}
	return keep, shareOut(sizes, keep, whole, budget-kept*sep-noteReserve, c.p.minItem)
}

// wholeItems marks the items kept whole, not compressed inside: those the
// conversation names (a group the conversation names is kept whole), by
// their name or by a term rare in the collection, unless together they
// are far over the budget (then those named by their name only). Nil when
// there are none.
func (c *compressor) wholeItems(a *analysis, sizes []int, budget int) []bool {
	if a.ix == nil || !a.ix.Any() {
		return nil
	}
	for _, strong := range []bool{true, false} {
		var whole []bool
		sum := 0
		for x := range sizes {
			if a.named != nil && a.named[x] || strong && a.strong[x] {
				if whole == nil {
					whole = make([]bool, len(sizes))
				}
				whole[x] = true
				sum += sizes[x]
			}
		}
		if whole != nil && sum <= 2*budget {
			return whole
		}
		if whole != nil && !strong && sum <= c.budget/4 {
			// Deep in a document a collection's share is small, but the
			// items the task names by name are what it asks about: a
			// quarter of the whole budget may go to them.
			return whole
		}
	}
	return nil
}

// shareOut splits budget over the kept items: whole ones get their size,
// the others share the rest by waterFill.
func shareOut(sizes []int, keep, whole []bool, budget, floor int) []int {
	out := make([]int, len(sizes))
	var rest []int
	for x := range sizes {
		switch {
		case !keep[x]:
		case whole != nil && whole[x]:
			out[x] = sizes[x]
			budget -= sizes[x]
		default:
			rest = append(rest, sizes[x])
		}
	}
	shares := waterFill(rest, budget, floor)
	j := 0
	for x := range sizes {
		if keep[x] && (whole == nil || !whole[x]) {
			out[x] = shares[j]
			j++
		}
	}
	return out
}

// noteReserve is the room set aside for the note of omitted items.
const noteReserve = 240

// spread appends to order the items that are neither kept nor in it, in
// an order that covers the collection evenly at any length: item indices
// in bit-reversed counting order (0, n/2, n/4, 3n/4, ...).
func spread(order []int, keep []bool, prio []float32) []int {
	n := len(keep)
	width := bits.Len(uint(max(n-1, 0)))
	for i := 0; i < 1<<width; i++ {
		x := i
		if width > 0 {
			x = int(bits.Reverse(uint(i)) >> (bits.UintSize - width))
		}
		if x < n && !keep[x] && prio[x] <= 0 {
			order = append(order, x)
		}
	}
	return order
}
