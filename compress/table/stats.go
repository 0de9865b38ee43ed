package table

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// maxDistinct bounds the values counted per column: a column with more is
// not categorical.
const maxDistinct = 12

// maxRuns bounds the runs of equal values a grouping column may have.
const maxRuns = 16

// colStats describes one column of a region over its data rows.
type colStats struct {
	valid int // rows with a cell for the column
	nums  int // cells that are quantities
	dates int // cells that start with a date
	empty int

	min, max         float64
	minRow, maxRow   int
	minCell, maxCell string
	// hi and lo hold the topN largest and smallest values, best first.
	hi, lo []valAt

	counts map[string]int
	many   bool
	// firstOf holds the first row of each counted value.
	firstOf map[string]int

	// Runs of equal adjacent values: a column sorted or grouped by value
	// has few runs, each value in one of them.
	runs      int
	prev      string
	grouped   bool
	runStarts []int

	totalLen int
}

// valAt is a cell's value and its line, for top-k selection.
type valAt struct {
	v    float64
	s    string
	line int
}

func newColStats() colStats {
	return colStats{min: math.Inf(1), max: math.Inf(-1), grouped: true, counts: map[string]int{}, firstOf: map[string]int{}}
}

// add records the cell of row line.
func (st *colStats) add(c cell, line int) {
	if !c.ok {
		return
	}
	st.valid++
	st.totalLen += len(c.s)
	if c.s == "" {
		st.empty++
	}
	if v, ok := number(c.s); ok {
		st.nums++
		if v < st.min {
			st.min, st.minRow, st.minCell = v, line, c.s
		}
		if v > st.max {
			st.max, st.maxRow, st.maxCell = v, line, c.s
		}
		st.rank(valAt{v: v, line: line})
	} else if startsWithDate(c.s) {
		st.dates++
		st.rank(valAt{s: c.s, line: line})
	}
	if !st.many {
		if _, ok := st.counts[c.s]; ok {
			st.counts[c.s]++
		} else if len(st.counts) < maxDistinct {
			st.counts[c.s] = 1
			st.firstOf[c.s] = line
		} else {
			st.many = true
		}
	}
	if st.runs == 0 || c.s != st.prev {
		if st.runs > 0 && st.grouped && !st.many && st.counts[c.s] > 1 {
			// The value came back after its run ended.
			st.grouped = false
		}
		st.runs++
		if len(st.runStarts) <= maxRuns {
			st.runStarts = append(st.runStarts, line)
		}
		st.prev = c.s
	}
}

// numeric reports a column of quantities that vary.
func (st *colStats) numeric() bool {
	return st.nums >= 5 && st.nums*10 >= (st.valid-st.empty)*9 && st.max > st.min
}

// temporal reports a column of dates or timestamps.
func (st *colStats) temporal() bool {
	return st.dates >= 5 && st.dates*10 >= (st.valid-st.empty)*9
}

// categorical reports a column of few values that repeat.
func (st *colStats) categorical(rows int) bool {
	return !st.many && len(st.counts) >= 2 && rows >= 10 && st.valid*10 >= rows*8 && !st.numeric()
}

// grouping reports a column whose rows come in a few runs of one value
// each (output sorted or grouped by it): the first row of each run marks
// where a group starts.
func (st *colStats) grouping(rows int) bool {
	return st.grouped && !st.many && st.runs >= 2 && st.runs <= maxRuns && st.runs*4 <= rows
}

// key reports a column that tells rows apart: mostly distinct short text.
func (st *colStats) key(rows int) bool {
	return st.many && st.valid*10 >= rows*9 && st.nums*2 < st.valid && st.totalLen <= 40*max(1, st.valid)
}

// rare returns the values of a categorical column that few rows hold: at
// most an eighth of the rows and a quarter as many as the commonest value,
// in order of first appearance.
func (st *colStats) rare(rows int) []string {
	top := 0
	for _, c := range st.counts {
		top = max(top, c)
	}
	var out []string
	for v, c := range st.counts {
		if c*8 <= rows && c*4 <= top {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return st.firstOf[a] - st.firstOf[b] })
	return out
}

// number parses a quantity (lines.Number), rejecting at once the cells
// that cannot be one: most cells of a text column.
func number(s string) (float64, bool) {
	if s == "" || strings.IndexByte("0123456789+-.([{\"'", s[0]) < 0 {
		return 0, false
	}
	return lines.Number(s)
}

// topN is the most rows top returns.
// It holds one more than the most a superlative asks for
// (relevance.Query.TopN), for a total row among them.
const topN = 11

// rank records x among the largest and smallest values seen. Earlier
// rows win ties, so the order is the rows' order.
func (st *colStats) rank(x valAt) {
	st.hi = insertTop(st.hi, x, func(a, b valAt) bool { return less(b, a) })
	st.lo = insertTop(st.lo, x, less)
}

// less orders values: numbers by value, dates by their text.
func less(a, b valAt) bool {
	if a.v != b.v {
		return a.v < b.v
	}
	return a.s < b.s
}

// insertTop inserts x into top (at most topN, best first by better).
func insertTop(top []valAt, x valAt, better func(a, b valAt) bool) []valAt {
	if len(top) == topN && !better(x, top[topN-1]) {
		return top
	}
	i := len(top)
	for i > 0 && better(x, top[i-1]) {
		i--
	}
	if len(top) < topN {
		top = append(top, valAt{})
	}
	copy(top[i+1:], top[i:len(top)-1])
	top[i] = x
	return top
}

// top returns the lines of the k (at most topN) largest or smallest
// values.
func (st *colStats) top(k int, largest bool) []int {
	src := st.lo
	if largest {
		src = st.hi
	}
	out := make([]int, 0, k)
	for i := 0; i < len(src) && i < k; i++ {
		out = append(out, src[i].line)
	}
	return out
}

// startsWithDate reports a value that starts with YYYY-MM-DD or YYYY/MM/DD.
func startsWithDate(s string) bool {
	s = strings.TrimLeft(s, `"'`)
	if len(s) < 10 {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !lines.IsDigit(s[i]) {
			return false
		}
	}
	return (s[4] == '-' || s[4] == '/') && s[7] == s[4]
}

// maxUnits bounds the labelled quantities tracked per table.
const maxUnits = 8

// unitCol is a quantity the rows label themselves, wherever it sits in the
// row: a number followed by its unit ("16914636 ns/op", "265.86 MB/s") or
// a key=number pair ("took=41ms"). Rows whose first column varies in width
// (benchmark names, paths) push such values out of any fixed column, so
// the positional columns miss them; the label finds them in every row.
type unitCol struct {
	label string
	st    colStats
}

// labelled calls fn for each labelled quantity of row.
func labelled(row string, fn func(label, value string)) {
	prev := ""
	i := 0
	for i < len(row) {
		for i < len(row) && blankByte(row[i]) {
			i++
		}
		j := i
		for j < len(row) && !blankByte(row[j]) {
			j++
		}
		if i == j {
			break
		}
		tok := row[i:j]
		if prev != "" && unitWord(tok) {
			fn(tok, prev)
			prev = ""
		} else if _, ok := number(tok); ok {
			prev = tok
		} else {
			prev = ""
			if k := strings.IndexByte(tok, '='); k > 0 && k < len(tok)-1 && unitWord(tok[:k]) {
				if _, ok := number(tok[k+1:]); ok {
					fn(tok[:k+1], tok[k+1:])
				}
			}
		}
		i = j
	}
}

// unitWord reports a short token of letters, with slashes or a percent
// sign: a unit ("ns/op", "allocs/op", "MB/s") or a key.
func unitWord(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r): // "µs"; not a box-drawn bar
			letters++
		case r == '/' || r == '%' || r == '_':
		default:
			return false
		}
	}
	return letters > 0
}

// unitStats finds the labelled quantities of rows [from, to) of b; a
// label counts when at least five rows, and a tenth of them, carry it.
func unitStats(ls []string, from, to int) []unitCol {
	var out []unitCol
	idx := map[string]int{}
	for i := from; i < to; i++ {
		labelled(ls[i], func(label, value string) {
			k, ok := idx[label]
			if !ok {
				if len(out) == 2*maxUnits {
					return
				}
				k = len(out)
				idx[label] = k
				out = append(out, unitCol{label: label, st: newColStats()})
			}
			out[k].st.add(cell{value, true}, i)
		})
	}
	kept := out[:0]
	for _, u := range out {
		if u.st.valid >= 5 && u.st.valid*10 >= to-from && u.st.numeric() && len(kept) < maxUnits {
			kept = append(kept, u)
		}
	}
	return kept
}
