package fold

import (
	"math"
	"slices"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Line clustering: lines printed by one statement of a program share a
// shape (lines.ShapeHash: numbers, hashes and ids masked); shapes that
// differ only in a minority of their fields (a file name, a package, a word
// of a message) are merged into one cluster, as log template miners do:
// shapes with the same number of fields and the same first field join the
// first cluster whose template they match in at least half of the fields.

// noCluster marks blank lines.
const noCluster = -1

// maxClustersPerGroup bounds the clusters compared per (field count, first
// field) group, so a text of unique lines stays linear.
const maxClustersPerGroup = 24

// cluster is a set of lines of one template.
type cluster struct {
	// tmpl holds the masked hash of each field, 0 where members differ.
	tmpl []uint64
	// rep is the first line of the cluster.
	rep int
	// members counts the cluster's lines.
	members int
	// fields is the number of fields of every member.
	fields int
}

// clustering assigns every line of a block to a cluster.
type clustering struct {
	of       []int32 // line -> cluster, noCluster for blank lines
	clusters []cluster
	// shape maps a line to its shape (lines.ShapeHash), numbered in
	// order of first sight; shapeRep holds the first line of each.
	shape    []int32
	shapeRep []int
	// masked holds each line's masked-form hash (lines.Shape): lines of
	// one masked form, white space included, have equal ones.
	masked []uint64
}

// shapeOf is what a shape hash maps to while clustering.
type shapeOf struct {
	cluster, shape int32
}

type groupKey struct {
	n     int
	first uint64
}

// linePrefix returns the token a tool writes before every line of its
// output ("==5869==" of valgrind, "remote:" of a git server), when nearly
// every line opens with it and some hold nothing else: those are the
// output's blank lines, which end its records and paragraphs.
func linePrefix(b *lines.Lines) string {
	const sample = 64
	if len(b.L) < 8 {
		return ""
	}
	first := func(l string) string {
		l = strings.TrimLeft(l, " \t")
		if i := strings.IndexAny(l, " \t"); i >= 0 {
			return l[:i]
		}
		return l
	}
	cand := first(b.L[0])
	if cand == "" || len(cand) > 24 {
		return ""
	}
	with, alone := 0, 0
	for _, l := range b.L[:min(len(b.L), sample)] {
		if first(l) == cand {
			with++
		}
	}
	if with*10 < min(len(b.L), sample)*9 {
		return ""
	}
	for _, l := range b.L {
		if t := strings.TrimSpace(l); t == cand {
			alone++
		}
	}
	if alone < 3 {
		return ""
	}
	return b.L[0][:strings.Index(b.L[0], cand)+len(cand)]
}

// clusterLines clusters the lines of b and splits them into fields, in
// one read of each line. stop is polled between shapes.
func clusterLines(b *lines.Lines, stop func() bool) (*clustering, *fieldTable) {
	ft := newFieldTable(b)
	c := &clustering{of: make([]int32, len(b.L)), shape: make([]int32, len(b.L)), masked: make([]uint64, len(b.L))}
	shapes := make(map[uint64]shapeOf, 64)
	groups := make(map[groupKey][]int32, 16)
	var fieldBuf []string
	var hashBuf []uint64
	prefix := linePrefix(b)
	for i, l := range b.L {
		h, masked := lines.Shape(l, &ft.span)
		ft.first[i+1] = int32(len(ft.span) / 2)
		c.masked[i] = masked
		if lines.Blank(l) || prefix != "" && strings.HasPrefix(l, prefix) && lines.Blank(l[len(prefix):]) {
			c.of[i], c.shape[i] = noCluster, noCluster
			continue
		}
		if s, ok := shapes[h]; ok {
			c.of[i], c.shape[i] = s.cluster, s.shape
			c.clusters[s.cluster].members++
			continue
		}
		shape := int32(len(c.shapeRep))
		c.shapeRep = append(c.shapeRep, i)
		c.shape[i] = shape
		if stop != nil && i&255 == 0 && stop() {
			// Out of time: the rest of the lines are their own shapes.
			stop = nil
		}
		hashBuf = hashBuf[:0]
		fieldBuf = ft.of(i, fieldBuf[:0])
		for _, f := range fieldBuf {
			hashBuf = append(hashBuf, lines.FieldHash(f))
		}
		key := groupKey{n: len(hashBuf), first: hashBuf[0]}
		if lines.SourceLocation(fieldBuf[0]) {
			// A diagnostic opens with the place it is about: the same
			// message in every file is one statement of the compiler,
			// its path a varying field.
			key.first = locationKey
		}
		best, bestSim := int32(-1), -1.0
		for _, id := range groups[key] {
			if s := similarity(c.clusters[id].tmpl, hashBuf); s > bestSim {
				best, bestSim = id, s
			}
		}
		full := len(groups[key]) >= maxClustersPerGroup
		if best >= 0 && (bestSim >= 0.5 || full) && len(hashBuf) > 1 {
			cl := &c.clusters[best]
			for k, hv := range hashBuf {
				if cl.tmpl[k] != hv {
					cl.tmpl[k] = 0
				}
			}
			cl.members++
			shapes[h] = shapeOf{best, shape}
			c.of[i] = best
			continue
		}
		id := int32(len(c.clusters))
		c.clusters = append(c.clusters, cluster{tmpl: slices.Clone(hashBuf), rep: i, members: 1, fields: len(hashBuf)})
		groups[key] = append(groups[key], id)
		shapes[h] = shapeOf{id, shape}
		c.of[i] = id
	}
	ft.finish()
	return c, ft
}

// locationKey is the group key of lines that open with a source location.
var locationKey = lines.FieldHash("\x00location")

// similarity is the share of fields where a line agrees with a template
// (wildcard fields agree with anything).
func similarity(tmpl, fields []uint64) float64 {
	same := 0
	for k, h := range fields {
		if tmpl[k] == 0 || tmpl[k] == h {
			same++
		}
	}
	return float64(same) / float64(len(fields))
}

// size returns the members of line i's cluster (0 for blank lines).
func (c *clustering) size(i int) int {
	if c.of[i] == noCluster {
		return 0
	}
	return c.clusters[c.of[i]].members
}

// fieldStats describes one field position of a cluster across its members.
type fieldStats struct {
	pos int
	// distinct counts members per raw value, up to maxDistinct values;
	// many is set when there are more. linesOf holds the first few lines
	// of each value.
	distinct map[string]int
	linesOf  map[string][]int
	many     bool
	// Numeric fields: every member's value parses as a number.
	numeric  bool
	min, max float64
	minLine  int
	maxLine  int
	// order holds (value, line) of members for top-k selection.
	order []numAt
}

type numAt struct {
	v    float64
	line int
}

const maxDistinct = 12

// A numeric field's values may miss one member in maxNonNumeric.
const maxNonNumeric = 8

// varyingFields computes the statistics of the fields that vary among the
// members of cluster id (members lists its lines).
func varyingFields(ft *fieldTable, cl *cluster, members []int, withOrder bool) []fieldStats {
	if len(members) < 2 {
		return nil
	}
	repFields := ft.of(members[0], nil)
	if len(repFields) != cl.fields {
		return nil
	}
	stats := make([]fieldStats, cl.fields)
	for k := range stats {
		// A field without a digit in the first line is no number.
		stats[k] = fieldStats{pos: k, numeric: strings.ContainsAny(repFields[k], "0123456789"), min: math.Inf(1), max: math.Inf(-1)}
	}
	// Values other than the first member's, counted in a short list
	// while they are few: a dozen string compares cost less than the
	// two map operations per member and field they replace.
	tallies := make([]valueTally, cl.fields)
	varies := make([]bool, cl.fields)
	// Members that agree with the first one in a field are counted there
	// without a map lookup: most fields of a cluster are its fixed words.
	same := make([]int, cl.fields)
	nonNumeric := make([]int, cl.fields)
	for _, li := range members {
		// Fields are read in place: building each member's list wrote
		// string headers (and their barriers) for every field.
		if ft.count(li) != cl.fields {
			continue
		}
		for k := range cl.fields {
			f := ft.field(li, k)
			st := &stats[k]
			if f == repFields[k] {
				same[k]++
				if !st.numeric || st.min <= st.max && !withOrder {
					continue // the first member's value was measured already
				}
			} else {
				varies[k] = true
			}
			if !st.many && f != repFields[k] && !tallies[k].add(f, li) {
				st.many = true
				tallies[k] = valueTally{}
			}
			if st.numeric {
				v, ok := ft.number(li, k)
				if !ok {
					// A few members of another shape merged into the
					// cluster ("... above review threshold" among
					// "... amount_cents=98993 unit_count=20") do not
					// make a column of numbers a column of words.
					if nonNumeric[k]++; nonNumeric[k]*maxNonNumeric > len(members) {
						st.numeric = false
						st.order = nil
					}
					continue
				}
				if v < st.min {
					st.min, st.minLine = v, li
				}
				if v > st.max {
					st.max, st.maxLine = v, li
				}
				if withOrder {
					st.order = append(st.order, numAt{v, li})
				}
			}
		}
	}
	var out []fieldStats
	for k := range stats {
		if !varies[k] {
			continue
		}
		st := &stats[k]
		if !st.many {
			st.distinct, st.linesOf = tallies[k].maps()
			if len(st.distinct) < maxDistinct {
				st.distinct[repFields[k]] = same[k]
				st.linesOf[repFields[k]] = firstLines(ft, members, k, repFields[k])
			} else {
				st.many, st.distinct, st.linesOf = true, nil, nil
			}
		}
		out = append(out, *st)
	}
	return out
}

// valueTally counts up to maxDistinct values of a field, and the first
// few lines of each.
type valueTally struct {
	vals   []string
	counts []int
	lines  [][]int
}

// add counts value v at line li; false when it would be one value too
// many.
func (t *valueTally) add(v string, li int) bool {
	for i, have := range t.vals {
		if have == v {
			if t.counts[i] < 5 {
				t.lines[i] = append(t.lines[i], li)
			}
			t.counts[i]++
			return true
		}
	}
	if len(t.vals) == maxDistinct {
		return false
	}
	t.vals = append(t.vals, v)
	t.counts = append(t.counts, 1)
	t.lines = append(t.lines, []int{li})
	return true
}

// maps returns the tally as fieldStats holds it.
func (t *valueTally) maps() (map[string]int, map[string][]int) {
	counts := make(map[string]int, len(t.vals)+1)
	lines := make(map[string][]int, len(t.vals)+1)
	for i, v := range t.vals {
		counts[v], lines[v] = t.counts[i], t.lines[i]
	}
	return counts, lines
}

// firstLines returns the first few members whose field k is v.
func firstLines(ft *fieldTable, members []int, k int, v string) []int {
	var out []int
	for _, li := range members {
		if k < ft.count(li) && ft.field(li, k) == v {
			out = append(out, li)
			if len(out) == 5 {
				break
			}
		}
	}
	return out
}

// top returns the lines of the k largest (or smallest) values of a numeric
// field, ties broken by line order.
func (st *fieldStats) top(k int, largest bool) []int {
	o := slices.Clone(st.order)
	slices.SortStableFunc(o, func(a, b numAt) int {
		switch {
		case a.v == b.v:
			return a.line - b.line
		case (a.v > b.v) == largest:
			return -1
		}
		return 1
	})
	var out []int
	for i := 0; i < len(o) && i < k; i++ {
		out = append(out, o[i].line)
	}
	return out
}

// templateText renders cluster cl's template for a note: the fields of its
// first line, masked, with the fields that vary shown as "…".
func templateText(ft *fieldTable, cl *cluster, maxLen int) string {
	fields := ft.of(cl.rep, nil)
	var sb strings.Builder
	for k, f := range fields {
		if k > 0 {
			sb.WriteByte(' ')
		}
		if k < len(cl.tmpl) && cl.tmpl[k] == 0 {
			sb.WriteString("…")
		} else {
			sb.WriteString(lines.Masked(f))
		}
		if sb.Len() > maxLen {
			return ""
		}
	}
	return sb.String()
}

// valueOf returns the value of a key=value or key:value field ("duration=
// 41ms", "rss:812M"), or the field itself.
func valueOf(f string) string {
	i := 0
	for i < len(f) && f[i] != '=' && f[i] != ':' {
		i++
	}
	if i == 0 || i >= len(f)-1 {
		return f
	}
	for k := 0; k < i; k++ {
		if !lines.IsWordByte(f[k]) && f[k] != '-' && f[k] != '.' {
			return f
		}
	}
	return f[i+1:]
}
