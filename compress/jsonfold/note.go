package jsonfold

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Limits that keep a note short.
const (
	noteConstants = 6
	noteRanges    = 4
	noteDists     = 3
	noteExtremes  = 3
	noteValue     = 40 // longest value shown
)

// describe writes the note for the omitted items of a collection: how
// many, the fields every item has with one value, the ranges of numbers
// and dates, the counts of categorical values and, when the task asks for
// an extreme, which item holds it (kept above).
func (c *compressor) describe(sq *seq, a *analysis, keep []bool, omitted int) string {
	n := len(sq.items)
	noun := "items"
	switch sq.kind {
	case jsonspan.Object:
		noun = "members"
	case 0:
		noun = "values"
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(omitted) + " of " + strconv.Itoa(n) + " " + noun + " omitted")
	if sq.kind == jsonspan.Object {
		// A map's member names are its data: which ones exist tells the
		// reader what to ask for.
		b.WriteString(c.omittedNames(sq, keep))
	}
	fs := a.fields
	var consts, ranges, dists []string
	var shown []*field
	for _, f := range fs.list {
		switch {
		case f.constant && f.scalar && f.key != "" && int(f.count) == fs.objects && fs.objects >= 2:
			// Constant over all items, so over the omitted ones too.
			if v := plain(f.first); len(v) <= noteValue {
				consts = append(consts, pair(fieldName(f), v))
			}
		case f.numeric(), f.dated(), f.categorical() && len(f.stats) <= 6:
			if len(shown) < noteRanges+noteDists+2 {
				shown = append(shown, f)
			}
		}
	}
	// Ranges and counts describe the omitted items only: a note that
	// counted the kept ones too would say failures were left out when
	// every one of them is shown.
	for i, st := range c.omittedStats(sq, keep, fs, shown) {
		f, name := shown[i], fieldName(shown[i])
		switch {
		case st.n == 0:
		case f.numeric() && st.nums > 0:
			ranges = append(ranges, name+" "+rangeText(num(st.lo), num(st.hi)))
		case f.dated() && st.dlo != "":
			ranges = append(ranges, name+" "+rangeText(plain(st.dlo), plain(st.dhi)))
		case f.categorical() && len(st.counts) > 0:
			dists = append(dists, name+": "+distribution(st.counts))
		}
	}
	if len(consts) > 0 {
		b.WriteString("; all have " + strings.Join(capList(consts, noteConstants), ", "))
	}
	if len(ranges) > 0 {
		b.WriteString("; " + strings.Join(capList(ranges, noteRanges), "; "))
	}
	if len(dists) > 0 {
		b.WriteString("; " + strings.Join(capList(dists, noteDists), "; "))
	}
	for _, e := range c.extremes(sq, fs) {
		b.WriteString("; " + e)
	}
	if c.rewrite {
		// The kept items do not read as the tool printed them.
		b.WriteString("; kept items minified")
	}
	return b.String()
}

// extremes says which kept items hold the extremes the task asks for:
// "largest size=9000: name=big (kept)".
func (c *compressor) extremes(sq *seq, fs *fieldSet) []string {
	in := c.q.Intent
	if in&relevance.Extremes == 0 {
		return nil
	}
	id := fs.ident()
	var out []string
	add := func(word string, f *field, at int32, v string) {
		if len(out) < noteExtremes {
			out = append(out, word+" "+pair(fieldName(f), v)+": "+c.itemName(sq, id, int(at))+" (kept)")
		}
	}
	for _, f := range c.rankFields(fs) {
		switch {
		case f.numeric():
			if in.Has(relevance.Max) {
				add("largest", f, f.nums.hi.at, num(f.nums.hi.v))
			}
			if in.Has(relevance.Min) {
				add("smallest", f, f.nums.lo.at, num(f.nums.lo.v))
			}
		case f.dated():
			if in.Has(relevance.Newest) {
				add("newest", f, f.dates.hi.at, plain(f.dates.hi.v))
			}
			if in.Has(relevance.Oldest) {
				add("oldest", f, f.dates.lo.at, plain(f.dates.lo.v))
			}
		}
	}
	return out
}

// rankFields orders the fields for extreme notes: those the task names
// first.
func (c *compressor) rankFields(fs *fieldSet) []*field {
	named := func(f *field) int {
		name := strings.ToLower(fieldName(f))
		for _, t := range c.q.Terms {
			if t.Latest && strings.Contains(name, t.Text) {
				return 0
			}
		}
		return 1
	}
	out := slices.Clone(fs.list)
	slices.SortStableFunc(out, func(x, y *field) int { return cmp.Compare(named(x), named(y)) })
	return out
}

// itemName names item x for a note: its identifying field, its member
// name, or its position.
func (c *compressor) itemName(sq *seq, id *field, x int) string {
	k := sq.items[x]
	if sq.kind == jsonspan.Object {
		return plain(c.t.RawKey(k))
	}
	if id != nil && c.t.Kind(k) == jsonspan.Object {
		if m := c.t.Get(k, unquoteKey(id.key)); m >= 0 {
			if v := plain(c.t.Raw(m)); len(v) <= noteValue*2 {
				return pair(fieldName(id), v)
			}
		}
	}
	return "item " + strconv.Itoa(x+1) + " of " + strconv.Itoa(len(sq.items))
}

// fieldStat is what the omitted items hold of one field.
type fieldStat struct {
	n        int // omitted items having the field
	nums     int
	lo, hi   float64
	dlo, dhi string
	// counts are the values of a categorical field by count, the first
	// cardLimit distinct ones, made at the end of the walk from byVal
	// (by the value's index in the field's stats) and other (containers,
	// which have no stat).
	counts   map[string]int32
	byVal    []int32
	other    map[string]int32
	distinct int
}

// count counts raw, a value of categorical field f.
func (st *fieldStat) count(f *field, raw string) {
	if i, ok := f.valueAt(raw); ok {
		if st.byVal == nil {
			st.byVal = make([]int32, len(f.stats))
		}
		if st.byVal[i] == 0 {
			if st.distinct >= cardLimit {
				return
			}
			st.distinct++
		}
		st.byVal[i]++
		return
	}
	if st.other == nil {
		st.other = map[string]int32{}
	}
	if _, ok := st.other[raw]; !ok {
		if st.distinct >= cardLimit {
			return
		}
		st.distinct++
	}
	st.other[raw]++
}

// countsOf makes st.counts from what count counted of field f.
func (st *fieldStat) countsOf(f *field) {
	if st.distinct == 0 {
		return
	}
	st.counts = make(map[string]int32, st.distinct)
	if st.byVal != nil {
		for raw, i := range f.vals {
			if n := st.byVal[i]; n > 0 {
				st.counts[raw] = n
			}
		}
	}
	for raw, n := range st.other {
		st.counts[raw] = n
	}
}

// omittedStats gathers, in one walk over the omitted items, the ranges and
// value counts of the given fields of fs.
func (c *compressor) omittedStats(sq *seq, keep []bool, fs *fieldSet, fields []*field) []fieldStat {
	out := make([]fieldStat, len(fields))
	if len(fields) == 0 {
		return out
	}
	// slot maps a field's position in fs.list to its stat, -1 for fields
	// not asked for: members are found by position (see fieldSet.find),
	// not hashed by name.
	slot := make([]int, len(fs.list))
	for i := range slot {
		slot[i] = -1
	}
	for i, f := range fields {
		for j, g := range fs.list {
			if g == f {
				slot[j] = i
			}
		}
	}
	slotOf := func(key string, pos int) int {
		if j := fs.find(key, pos); j >= 0 {
			return slot[j]
		}
		return -1
	}
	add := func(i, v int) {
		st, f := &out[i], fields[i]
		raw := c.t.Raw(v)
		st.n++
		switch {
		case f.numeric() && c.t.Kind(v) == jsonspan.Number:
			if x, ok := parseNumber(raw); ok {
				if st.nums == 0 || x < st.lo {
					st.lo = x
				}
				if st.nums == 0 || x > st.hi {
					st.hi = x
				}
				st.nums++
			}
		case f.dated() && c.t.Kind(v) == jsonspan.String && isDate(raw):
			if st.dlo == "" || raw < st.dlo {
				st.dlo = raw
			}
			if raw > st.dhi {
				st.dhi = raw
			}
		case f.categorical():
			st.count(f, raw)
		}
	}
	own := slotOf("", 0)
	for x, k := range sq.items {
		if keep[x] {
			continue
		}
		if c.t.Kind(k) != jsonspan.Object {
			if own >= 0 {
				add(own, k)
			}
			continue
		}
		pos := 0
		for m := c.t.First(k); m >= 0; m = c.t.Next(m) {
			if i := slotOf(c.t.RawKey(m), pos); i >= 0 {
				add(i, m)
			}
			pos++
		}
	}
	for i := range out {
		out[i].countsOf(fields[i])
	}
	return out
}

// rangeText writes lo..hi, or the one value when they are equal.
func rangeText(lo, hi string) string {
	if lo == hi {
		return lo
	}
	return lo + ".." + hi
}

// distribution lists a categorical field's values by count.
func distribution(counts map[string]int32) string {
	type vc struct {
		v string
		n int32
	}
	vcs := make([]vc, 0, len(counts))
	for v, n := range counts {
		vcs = append(vcs, vc{v, n})
	}
	slices.SortFunc(vcs, func(x, y vc) int {
		if x.n != y.n {
			return cmp.Compare(y.n, x.n)
		}
		return strings.Compare(x.v, y.v)
	})
	parts := make([]string, 0, 4)
	for i, x := range vcs {
		if i == 4 {
			parts = append(parts, lines.Count(len(vcs)-4, "more value", "more values"))
			break
		}
		v := plain(x.v)
		if len(v) > noteValue {
			v = v[:noteValue] + "…"
		}
		parts = append(parts, v+" ("+strconv.Itoa(int(x.n))+")")
	}
	return strings.Join(parts, ", ")
}

// fieldName shows a field's name in a note.
func fieldName(f *field) string {
	if f.key == "" {
		return "values"
	}
	return plain(f.key)
}

// pair writes name=value, or "name: value" where "=" would spell a
// retrieval marker ("hash=").
func pair(name, v string) string {
	if strings.HasSuffix(strings.ToLower(name), "hash") {
		return name + ": " + v
	}
	return name + "=" + v
}

// noteNames bounds the bytes of member names an omitted-members note
// lists.
const noteNames = 160

// omittedNames lists the names of a map's omitted members, as many as fit
// in noteNames bytes, then how many more. When that would list under a
// third of them it says what they are instead: the first and last of them
// when the map is sorted by name, and the name prefixes most of them
// share, with counts (a dump of hundreds of settings).
func (c *compressor) omittedNames(sq *seq, keep []bool) string {
	var b strings.Builder
	var names []string
	listed, left := 0, 0
	for x, k := range sq.items {
		if keep[x] {
			continue
		}
		name := unquoteKey(c.t.RawKey(k))
		names = append(names, name)
		if left > 0 || b.Len()+len(name) > noteNames || name == "" {
			left++
			continue
		}
		if listed == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(name)
		listed++
	}
	if left > 2*listed {
		if s := c.nameSummary(sq, names); s != "" {
			return s
		}
	}
	if left > 0 {
		b.WriteString(" and " + strconv.Itoa(left) + " more")
	}
	return b.String()
}

// Bounds of nameSummary.
const (
	notePrefixes   = 6  // prefixes shown
	minPrefixRun   = 3  // fewest names a prefix shown holds
	maxNoteName    = 48 // longest name shown as an end of the range
	prefixSepBytes = "_.-/:"
)

// nameSummary describes the omitted names of a map (in order) by their
// range, when the map's names are sorted, and by the prefixes they share:
// ": AIX_BUILDDATE … userbase, by prefix HAVE_… 412, MODULE_… 93, other
// 310". "" when it can say neither.
func (c *compressor) nameSummary(sq *seq, names []string) string {
	var b strings.Builder
	if first, last := names[0], names[len(names)-1]; c.sortedByName(sq) && len(first) <= maxNoteName && len(last) <= maxNoteName && first != "" {
		b.WriteString(", " + first + " … " + last)
	}
	// Names are grouped by their first part; a group's prefix is then
	// all the parts its names share ("node_modules/", not "node_").
	counts := map[string]int{}
	shared := map[string]string{}
	for _, name := range names {
		p := namePrefix(name)
		if p == "" {
			continue
		}
		counts[p]++
		if s, ok := shared[p]; !ok {
			shared[p] = name
		} else {
			shared[p] = commonStart(s, name)
		}
	}
	type pc struct {
		p string
		n int
	}
	var groups []pc
	for p, n := range counts {
		if n >= max(minPrefixRun, len(names)/50) {
			groups = append(groups, pc{p, n})
		}
	}
	slices.SortFunc(groups, func(x, y pc) int {
		if x.n != y.n {
			return cmp.Compare(y.n, x.n)
		}
		return strings.Compare(x.p, y.p)
	})
	groups = groups[:min(len(groups), notePrefixes)]
	if len(groups) > 0 {
		b.WriteString(", by prefix ")
		other := len(names)
		for i, g := range groups {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(partsOf(shared[g.p]) + "… " + strconv.Itoa(g.n))
			other -= g.n
		}
		if other > 0 {
			b.WriteString(", other " + strconv.Itoa(other))
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return ":" + b.String()[1:]
}

// namePrefix is the start of a member name up to and including its first
// separator ("HAVE_" of "HAVE_FORK", "net." of "net.core.somaxconn"); ""
// when it has none past its first byte or the prefix is long.
func namePrefix(name string) string {
	i := strings.IndexAny(name, prefixSepBytes)
	if i < 1 || i >= maxNoteName/2 {
		return ""
	}
	return name[:i+1]
}

// commonStart returns the longest common prefix of a and b.
func commonStart(a, b string) string {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return a[:i]
		}
	}
	return a[:n]
}

// partsOf cuts s after its last separator: the whole parts of a shared
// prefix.
func partsOf(s string) string {
	return s[:strings.LastIndexAny(s, prefixSepBytes)+1]
}

// sortedByName reports whether the map's member names are in ascending
// byte order: then what lies between two names is known to the reader.
func (c *compressor) sortedByName(sq *seq) bool {
	prev := ""
	for x, k := range sq.items {
		name := unquoteKey(c.t.RawKey(k))
		if x > 0 && name <= prev {
			return false
		}
		prev = name
	}
	return true
}

// plain shows a raw scalar in a note: strings decoded, without quotes.
func plain(raw string) string {
	if s, ok := jsonspan.Unquote(raw); ok {
		return s
	}
	return raw
}

// unquoteKey decodes a raw member name.
func unquoteKey(raw string) string {
	s, _ := jsonspan.Unquote(raw)
	return s
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func capList(xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	return append(xs[:n:n], lines.Count(len(xs)-n, "more field", "more fields"))
}
