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

// The fields of a collection are the member names of its object items (or,
// for items that are scalars, their own values as one field). For each
// field one pass gathers what selection and notes need, in memory bounded
// by the number of fields, never by items times fields: how many items
// have it, whether it is constant, the extremes of its numbers and dates
// (and the top few when the task asks for them), and the counts of its
// values while they are few.

// maxFields bounds the fields tracked per collection: items with many
// distinct keys (maps inside items) cost no more than that.
const maxFields = 256

// cardLimit is how many distinct values a field may have and still count
// as categorical.
const cardLimit = 64

// ranked is one item's value of a field, for extremes: a number, or the
// raw text of a date (ISO dates compare as text). Numbers carry no
// pointer, so keeping the extremes of every value costs no write barrier.
type ranked[T cmp.Ordered] struct {
	v  T
	at int32
}

// valStat counts one value of a categorical field and remembers the first
// items holding it.
type valStat struct {
	n  int32
	at [3]int32
	// sev and sig: the value's problem report.
	sev lines.Severity
	sig uint64
}

type field struct {
	// key is the member name as written (quoted); "" for the items' own
	// values.
	key string
	// count is how many items have the field.
	count int32
	// firstAt and lastAt are the first and last items having it.
	firstAt, lastAt int32
	// first is the first value; constant stays true while all are equal.
	first    string
	constant bool
	// scalar stays true while no value is an object or array.
	scalar bool
	// nums and dates are the extremes of the values that are numbers and
	// ISO dates (which compare as text).
	nums  extremes[float64]
	dates extremes[string]
	// keySev is 1 + the severity of the field's name, 0 until known.
	keySev lines.Severity
	// vals indexes stats by raw value until the field has more than
	// cardLimit distinct values (highCard).
	vals     map[string]int32
	stats    []valStat
	highCard bool
	// lastVal is the value valueAt found last, at lastValAt.
	lastVal   string
	lastValAt int32
	// fieldWord is 0 until scoped.namesField knows whether the task names
	// the field, then 1 (no) or 2 (yes).
	fieldWord uint8
	// mixed marks the values of a map's members, whose kinds mix (a
	// settings dump's flags, sizes and paths): its numbers have extremes
	// however few of its values they are.
	mixed bool
	// nested marks a field below the items' members (see nestedSet): its
	// values' problems are found by the member that holds them.
	nested bool
}

type fieldSet struct {
	list  []*field
	index map[string]int32
	// objects counts the items that are objects.
	objects int
	// topK is how many items per field extreme intents keep (0: none).
	topK              int
	wantMax, wantMin  bool
	wantNew, wantOld  bool
	scalars, numItems int
	// rarePerField bounds the items one field's rare values keep.
	rarePerField int
	// indexText is the collection's text with the names of shared fields
	// cut out, when asked for, and indexStarts its items' offsets in it.
	// A cut span is a member name or a scalar value, which JSON's
	// punctuation or blanks stand on either side of: cutting it joins no
	// words, and it costs the index no time to read.
	indexText   string
	indexStarts []int
	// scoped holds the items markScoped marks.
	scoped *scoped
	// nested holds the fields below the items' members, nil when there
	// are none (see nestedSet).
	nested *nestedSet
}

// fieldsOf gathers the fields of the items and, in the same walk, how
// strongly each item reports a problem (into a.sev and a.sig).
func (c *compressor) fieldsOf(sq *seq, a *analysis, blank bool) *fieldSet {
	in := c.q.Intent
	fs := &fieldSet{
		topK:    max(c.p.topK, c.q.TopN),
		wantMax: in.Has(relevance.Max), wantMin: in.Has(relevance.Min),
		wantNew: in.Has(relevance.Newest), wantOld: in.Has(relevance.Oldest),
		numItems: len(sq.items), rarePerField: c.p.rarePerField,
	}
	t := c.t
	// The index text is the collection's text with the names of fields
	// seen before cut out (see fieldSet.indexText), made in this walk when
	// there is a query: the source between the cut spans, which come in
	// order.
	var ib indexWriter
	if blank {
		ib.src = c.src[sq.start:sq.end]
		ib.b.Grow(len(ib.src))
		fs.indexStarts = make([]int, len(sq.items))
	}
	// Without a term that holds a digit, the numbers and dates of fields
	// match nothing: they are blanked too.
	numbersToo := !c.digitTerms()
	sc := c.newScoped(sq)
	reached := 0
	for x, k := range sq.items {
		if x&1023 == 0 && c.stop(1024) {
			break
		}
		if blank {
			fs.indexStarts[x] = ib.at(c.itemStart(k) - sq.start)
		}
		reached = x + 1
		var sev lines.Severity
		var sig uint64
		switch t.Kind(k) {
		case jsonspan.Object:
			fs.objects++
			pos := 0
			for m := t.First(k); m >= 0; m = t.Next(m) {
				f := fs.lookup(t.RawKey(m), pos)
				if sc != nil {
					sc.member(c, x, m, f)
				}
				var s lines.Severity
				var g uint64
				if f != nil {
					s, g = f.add(c, fs, int32(x), m)
					if k := t.Kind(m); k == jsonspan.Object || k == jsonspan.Array {
						fs.nestedSet().walk(c, int32(x), m, f)
					}
					if blank {
						if f.count >= 2 {
							ks, ke := t.KeySpan(m)
							ib.cut(ks-sq.start, ke-sq.start)
						}
						if numbersToo && (t.Kind(m) == jsonspan.Number || t.Kind(m) == jsonspan.String && isDate(t.Raw(m))) {
							vs, ve := t.Span(m)
							ib.cut(vs-sq.start, ve-sq.start)
						}
					}
				} else {
					s, g = c.valueProblem(m)
				}
				pos++
				if sev == lines.Problem {
					continue
				}
				if ks := f.keySignal(t.RawKey(m)); ks > s && isSet(t.Raw(m)) {
					s, g = ks, lines.ShapeHash(t.RawKey(m))
				}
				if s > sev {
					sev, sig = s, g
				}
			}
		case jsonspan.Array:
			sev, sig = c.valueProblem(k)
		case jsonspan.Line:
			if sev = lines.Signal(t.Raw(k)); sev != lines.NoSignal {
				sig = lines.ShapeHash(t.Raw(k))
			}
		default:
			fs.scalars++
			if f := fs.lookup("", 0); f != nil {
				sev, sig = f.add(c, fs, int32(x), k)
			} else {
				sev, sig = c.valueProblem(k)
			}
		}
		a.sev[x], a.sig[x] = sev, sig
	}
	fs.scoped = sc
	if sq.kind == jsonspan.Object {
		if j := fs.find("", 0); j >= 0 {
			fs.list[j].mixed = true
		}
	}
	if blank {
		fs.indexText = ib.text()
		for x := reached; x < len(sq.items); x++ {
			// The walk gave up before item x: it starts after every cut.
			fs.indexStarts[x] = ib.at(c.itemStart(sq.items[x]) - sq.start)
		}
		fs.indexStarts[0] = 0
	}
	return fs
}

// indexWriter writes a copy of src with spans cut out.
type indexWriter struct {
	src string
	b   strings.Builder
	// src[:done] is written or cut, removed bytes of it cut.
	done, removed int
}

// cut cuts src[s:e], which starts at or after the last span cut.
func (w *indexWriter) cut(s, e int) {
	w.b.WriteString(w.src[w.done:s])
	w.done, w.removed = e, w.removed+e-s
}

// at returns the offset in the copy of offset off of src, at or after the
// last span cut.
func (w *indexWriter) at(off int) int { return off - w.removed }

// text returns the copy, the source after the last span included.
func (w *indexWriter) text() string {
	w.b.WriteString(w.src[w.done:])
	return w.b.String()
}

// digitTerms reports whether a term of the query holds a digit.
func (c *compressor) digitTerms() bool {
	for _, t := range c.q.Terms {
		if strings.ContainsAny(t.Text, "0123456789") {
			return true
		}
	}
	return false
}

// keySignal is how strongly a member name reports a problem ("error",
// "failures"), computed once per field.
func (f *field) keySignal(raw string) lines.Severity {
	if f == nil {
		return lines.Signal(raw)
	}
	if f.keySev == 0 {
		f.keySev = lines.Signal(raw) + 1
	}
	return f.keySev - 1
}

// lookup returns the field named key, the pos-th member of its item,
// adding it while there are fewer than maxFields.
func (fs *fieldSet) lookup(key string, pos int) *field {
	if i := fs.find(key, pos); i >= 0 {
		return fs.list[i]
	}
	if len(fs.list) >= maxFields {
		return nil
	}
	f := &field{key: key, firstAt: -1, constant: true, scalar: true}
	if fs.index != nil {
		fs.index[key] = int32(len(fs.list))
	}
	fs.list = append(fs.list, f)
	return f
}

// find returns the position in fs.list of the field named key, the pos-th
// member of its item, or -1: items usually list their keys in one order,
// so the field at that position is tried before the index.
func (fs *fieldSet) find(key string, pos int) int {
	if pos < len(fs.list) && fs.list[pos].key == key {
		return pos
	}
	if fs.index == nil && len(fs.list) > 0 {
		fs.index = make(map[string]int32, len(fs.list)*2)
		for i, f := range fs.list {
			fs.index[f.key] = int32(i)
		}
	}
	if i, ok := fs.index[key]; ok {
		return int(i)
	}
	return -1
}

// add records value node v of item x and returns how strongly it reports
// a problem (known once per value of a categorical field).
func (f *field) add(c *compressor, fs *fieldSet, x int32, v int) (lines.Severity, uint64) {
	raw := c.t.Raw(v)
	kind := c.t.Kind(v)
	f.count++
	if f.firstAt < 0 {
		f.firstAt, f.first = x, raw
	} else if f.constant && raw != f.first {
		f.constant = false
	}
	f.lastAt = x
	switch kind {
	case jsonspan.Object, jsonspan.Array:
		f.scalar = false
		return f.problem(c, v)
	case jsonspan.Number:
		if num, ok := parseNumber(raw); ok {
			f.nums.add(ranked[float64]{num, x}, fs.topK, fs.wantMax, fs.wantMin)
		}
	case jsonspan.String:
		if isDate(raw) {
			f.dates.add(ranked[string]{raw, x}, fs.topK, fs.wantNew, fs.wantOld)
		}
	}
	if f.highCard {
		if kind == jsonspan.String && len(raw) > 18 && strings.IndexByte(raw, ' ') < 0 {
			// A long value of one token in a field whose every item
			// differs (a time, an id, a path, a URL, a hash) reports no
			// problem; looking at each costs as much as the rest.
			return lines.NoSignal, 0
		}
		return f.problem(c, v)
	}
	if f.vals == nil {
		f.vals = make(map[string]int32, 8)
	}
	i, ok := f.valueAt(raw)
	if !ok {
		if len(f.stats) >= cardLimit {
			f.highCard, f.vals, f.stats, f.lastVal = true, nil, nil, ""
			return f.problem(c, v)
		}
		i = int32(len(f.stats))
		f.vals[raw] = i
		sev, sig := f.problem(c, v)
		f.stats = append(f.stats, valStat{sev: sev, sig: sig})
	}
	st := &f.stats[i]
	if st.n < int32(len(st.at)) {
		st.at[st.n] = x
	}
	st.n++
	return st.sev, st.sig
}

// problem is how strongly value v reports a problem, by valueProblem;
// none for a nested field.
func (f *field) problem(c *compressor, v int) (lines.Severity, uint64) {
	if f.nested {
		return lines.NoSignal, 0
	}
	return c.valueProblem(v)
}

// valueAt returns the index in f.stats of raw value raw. Values recur
// from one item to the next (a level, a state, a service), so the last one
// found is compared before the map is asked.
func (f *field) valueAt(raw string) (int32, bool) {
	if raw == f.lastVal && raw != "" {
		return f.lastValAt, true
	}
	i, ok := f.vals[raw]
	if ok {
		f.lastVal, f.lastValAt = raw, i
	}
	return i, ok
}

// extremes are the lowest and highest values of a field, and the top few
// at either end when the task asks for them.
type extremes[T cmp.Ordered] struct {
	n           int32
	lo, hi      ranked[T]
	top, bottom []ranked[T]
}

// add records r; k is how many the top and bottom lists hold when
// wanted.
func (e *extremes[T]) add(r ranked[T], k int, wantTop, wantBottom bool) {
	if e.n == 0 {
		e.lo, e.hi = r, r
	} else {
		if r.v < e.lo.v {
			e.lo = r
		}
		if r.v > e.hi.v {
			e.hi = r
		}
	}
	e.n++
	if wantTop {
		e.top = pushRanked(e.top, r, k, true)
	}
	if wantBottom {
		e.bottom = pushRanked(e.bottom, r, k, false)
	}
}

// varies reports whether the field holds enough such values, which are not
// all equal: most of its values are of the kind.
func (e *extremes[T]) varies(count int32) bool {
	return e.n >= 3 && e.n*10 >= count*9 && e.lo.v < e.hi.v
}

// keep marks the items holding the extremes.
func (e *extremes[T]) keep(must []bool) {
	must[e.lo.at], must[e.hi.at] = true, true
	for _, r := range e.top {
		must[r.at] = true
	}
	for _, r := range e.bottom {
		must[r.at] = true
	}
}

// pushRanked keeps the k best values in xs (best first: the largest when
// largest is set, else the smallest); on ties the earlier item stays
// ahead.
func pushRanked[T cmp.Ordered](xs []ranked[T], r ranked[T], k int, largest bool) []ranked[T] {
	better := func(a, b ranked[T]) bool {
		if largest {
			return a.v > b.v
		}
		return a.v < b.v
	}
	if k <= 0 || len(xs) == k && !better(r, xs[k-1]) {
		return xs
	}
	i := len(xs)
	for i > 0 && better(r, xs[i-1]) {
		i--
	}
	if len(xs) < k {
		xs = append(xs, ranked[T]{})
	}
	copy(xs[i+1:], xs[i:len(xs)-1])
	xs[i] = r
	return xs
}

// numeric reports whether most of the field's values are numbers, not all
// equal.
func (f *field) numeric() bool {
	return f.nums.varies(f.count) || f.mixed && f.nums.n >= 3 && f.nums.lo.v < f.nums.hi.v
}

// dated reports whether most of the field's values are dates, not all
// equal.
func (f *field) dated() bool { return f.dates.varies(f.count) }

// categorical reports whether the field has few distinct values, each
// shared by several items.
func (f *field) categorical() bool {
	return !f.highCard && len(f.stats) >= 2 && f.count >= 8 && len(f.stats)*4 <= int(f.count)
}

// mark makes the items holding extremes and rare values must-keep: of
// the items' fields, and of the fields nested below them (whose extremes
// count only when the task asks for the largest or newest: an item has
// many such numbers, and each would keep two items).
func (fs *fieldSet) mark(a *analysis) {
	fs.markFields(a, fs.objects, true)
	if fs.nested != nil {
		fs.nested.markFields(a, fs.objects, fs.wantMax || fs.wantMin || fs.wantNew || fs.wantOld)
	}
}

// markFields marks the items holding fs's extremes (when extremes is
// set), rare values and rare keys, among objects object items.
func (fs *fieldSet) markFields(a *analysis, objects int, extremes bool) {
	keep := func(at int32) { a.must[at] = true }
	var rareKeys []*field
	for _, f := range fs.list {
		if f.count <= 2 && objects >= 20 && f.key != "" {
			rareKeys = append(rareKeys, f)
		}
		if f.count < 3 {
			continue
		}
		if extremes && f.numeric() {
			f.nums.keep(a.must)
		}
		if extremes && f.dated() {
			f.dates.keep(a.must)
		}
		if f.categorical() {
			fs.markRare(f, a, keep)
		}
	}
	// A key only a few items have (an "error" member among thousands of
	// records) marks them, unless rare keys are the norm (keys that are
	// data, not names).
	if len(rareKeys) <= 4 {
		for _, f := range rareKeys {
			keep(f.firstAt)
			keep(f.lastAt)
		}
	}
}

// rareLimit is how many items a value may have and still be rare.
func rareLimit(count int32) int32 {
	switch {
	case count < 100:
		return 1
	case count < 1000:
		return 2
	}
	return 3
}

// markRare keeps the items holding rare values of a categorical field,
// rarest first, at most rarePerField of them.
func (fs *fieldSet) markRare(f *field, a *analysis, keep func(int32)) {
	limit := rareLimit(f.count)
	type rv struct {
		i int
		n int32
	}
	var rares []rv
	for i, st := range f.stats {
		if st.n <= limit {
			rares = append(rares, rv{i, st.n})
		}
	}
	if len(rares)*2 > len(f.stats) {
		// Most values are rare: the field is not a category with outliers.
		return
	}
	slices.SortStableFunc(rares, func(x, y rv) int { return int(x.n - y.n) })
	kept := 0
	for _, r := range rares {
		st := &f.stats[r.i]
		for j := int32(0); j < min(st.n, int32(len(st.at))); j++ {
			if kept >= fs.rarePerField {
				return
			}
			keep(st.at[j])
			kept++
		}
	}
}

// ident returns the field that names items (present in every object item,
// scalar, different in each), or nil.
func (fs *fieldSet) ident() *field {
	for _, f := range fs.list {
		if f.key == "" || int(f.count) != fs.objects || fs.objects < 2 || !f.scalar || f.constant || len(f.first) > 80 {
			continue
		}
		if f.highCard || len(f.stats) == int(f.count) {
			return f
		}
	}
	return nil
}

// parseNumber converts a JSON number's text. Integers and decimals of up
// to 15 digits, the common case, skip the general float parser: their
// digits and the power of ten are exact in a float64, so one division
// rounds as the parser would.
func parseNumber(raw string) (float64, bool) {
	if len(raw) > 0 && len(raw) <= 16 {
		neg, s := raw[0] == '-', raw
		if neg {
			s = s[1:]
		}
		v, frac, digits, ok := int64(0), -1, 0, len(s) > 0
		for i := 0; i < len(s) && ok; i++ {
			switch d := s[i]; {
			case d >= '0' && d <= '9':
				v = v*10 + int64(d-'0')
				digits++
				if frac >= 0 {
					frac++
				}
			case d == '.' && frac < 0:
				frac = 0
			default:
				ok = false
			}
		}
		if ok && digits <= 15 && frac != 0 {
			x := float64(v)
			if frac > 0 {
				x /= pow10[frac]
			}
			if neg {
				x = -x
			}
			return x, true
		}
	}
	x, err := strconv.ParseFloat(raw, 64)
	return x, err == nil
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// isDate reports whether a raw JSON string starts with an ISO date
// (YYYY-MM-DD).
func isDate(raw string) bool {
	if len(raw) < 12 || raw[5] != '-' || raw[8] != '-' {
		return false
	}
	for _, i := range [...]int{1, 2, 3, 4, 6, 7, 9, 10} {
		if raw[i] < '0' || raw[i] > '9' {
			return false
		}
	}
	return true
}
