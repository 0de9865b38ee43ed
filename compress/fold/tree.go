package fold

import (
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Tree-shaped output (include graphs, dependency trees, indented
// outlines) says where a line sits only through the lines above it of
// smaller depth: "which header pulls in x" is answered by x's ancestors,
// which a fold keeping x alone would drop. keepAncestors keeps the chain
// of ancestors of every line the task names or that reports a problem.

// Limits of keepAncestors: the most ancestors kept per line, and the
// share of the budget all kept ancestors may take.
const (
	maxAncestors      = 10
	ancestorBudgetDiv = 4
)

// treeDepth is the width of a line's leading run of indentation and tree
// marks: spaces, tabs, box-drawing characters, '|' and '`', and dots
// followed by a space (". a.h", ".. b.h"). It reports false for a blank
// line.
func treeDepth(l string) (int, bool) {
	d := 0
	for i := 0; i < len(l); {
		c := l[i]
		switch {
		case c == ' ':
			d++
		case c == '\t':
			d += 4
		case c == '|' || c == '`':
			d++
		case c == '.':
			j := i
			for j < len(l) && l[j] == '.' {
				j++
			}
			if j >= len(l) || l[j] != ' ' {
				return d, true
			}
			d += j - i
			i = j
			continue
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(l[i:])
			if r < 0x2500 || r > 0x257f { // not a box-drawing character
				return d, true
			}
			d++
			i += size
			continue
		case c == '\r':
			return 0, false
		default:
			return d, true
		}
		i++
	}
	return 0, false
}

// keepAncestors marks as musts the ancestors of the anchored lines (the
// task's strong matches and the problem musts) when the block nests: a
// third of its lines or more lie deeper than the top and it has three
// depths or more.
func (p *plan) keepAncestors() {
	b, n := p.b, len(p.b.L)
	if n < 8 {
		return
	}
	anchored := false
	for i := 0; i < n && !anchored; i++ {
		anchored = p.must[i] && (p.ix.Strong(i) || p.sev[i] == lines.Problem)
	}
	if !anchored {
		return
	}
	depth := make([]int32, n)
	levels := map[int]bool{}
	nested, nonBlank, top := 0, 0, -1
	for i, l := range b.L {
		d, ok := treeDepth(l)
		if !ok {
			depth[i] = -1
			continue
		}
		depth[i] = int32(d)
		nonBlank++
		if len(levels) < 3 {
			levels[d] = true
		}
		if top < 0 || d < top {
			top = d
		}
	}
	for _, d := range depth {
		if d > int32(top) {
			nested++
		}
	}
	if len(levels) < 3 || nested*3 < nonBlank {
		return
	}
	allow := p.in.Budget.Bytes / ancestorBudgetDiv
	// parent[i] is the nearest line above i of smaller depth, or -1; a
	// stack of the open lines finds it in one pass.
	parent := make([]int32, n)
	var open []int32
	for i, d := range depth {
		parent[i] = -1
		if d < 0 {
			continue
		}
		for len(open) > 0 && depth[open[len(open)-1]] >= d {
			open = open[:len(open)-1]
		}
		if len(open) > 0 {
			parent[i] = open[len(open)-1]
		}
		open = append(open, int32(i))
	}
	for i := 0; i < n && allow > 0; i++ {
		if !p.must[i] || !(p.ix.Strong(i) || p.sev[i] == lines.Problem) {
			continue
		}
		for k, j := 0, parent[i]; j >= 0 && k < maxAncestors && allow > 0; k, j = k+1, parent[j] {
			if p.must[j] {
				continue
			}
			p.must[j] = true
			allow -= len(b.L[j]) + 1
		}
	}
}
