package jsonfold

import (
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// seq is a collection: the elements of an array, the members of an object
// used as a map, or the values of a stream.
type seq struct {
	// kind is Array or Object, 0 for a stream.
	kind jsonspan.Kind
	// items are the children's node indices, in order.
	items []int
	// start and end span the container (the whole text for a stream).
	start, end int
	// The idiom of the collection's notes (see noteElement), once known.
	idiomKnown, noteWrapped bool
	noteHead, noteTail      string
}

func (c *compressor) kidsSeq(i int) *seq {
	sq := &seq{kind: c.t.Kind(i), items: make([]int, 0, c.t.NumKids(i))}
	sq.start, sq.end = c.t.Span(i)
	for k := range c.t.Kids(i) {
		sq.items = append(sq.items, k)
	}
	return sq
}

func (c *compressor) streamSeq() *seq {
	sq := &seq{items: make([]int, 0, c.t.NumRoots()), end: len(c.src)}
	for k := range c.t.Roots() {
		sq.items = append(sq.items, k)
	}
	return sq
}

// size is item x's length, member name included.
func (c *compressor) size(sq *seq, x int) int {
	k := sq.items[x]
	return c.t.End(k) - c.itemStart(k)
}

// sepAfter is the source text between item x and the next one (for the
// last item, the text after the first one).
func (c *compressor) sepAfter(sq *seq, x int) string {
	if x+1 >= len(sq.items) {
		if len(sq.items) < 2 {
			if sq.kind == 0 {
				return "\n"
			}
			return ", "
		}
		x = 0
	}
	return c.src[c.t.End(sq.items[x]):c.itemStart(sq.items[x+1])]
}

// mapLike reports whether object i is a map (its member names are data:
// versions, names, paths, ids) rather than a record of named fields: then
// its members are items that may be left out.
func (c *compressor) mapLike(i int) bool {
	n := c.t.NumKids(i)
	if n >= minSimilarMembers && c.similarObjects(i) {
		return true
	}
	if n < 8 {
		return false
	}
	var kinds [256]int
	dataKeys, top, scalars := 0, 0, 0
	for k := range c.t.Kids(i) {
		kd := c.t.Kind(k)
		kinds[kd]++
		top = max(top, kinds[kd])
		if dataKey(c.t.RawKey(k)) {
			dataKeys++
		}
		if kd != jsonspan.Object && kd != jsonspan.Array {
			scalars++
		}
	}
	// A flat object of very many scalar members (a configuration dump, an
	// environment, a table of settings) is a map whatever its names look
	// like: a record names a few dozen fields, not hundreds. One of several
	// objects of a collection is a record whatever its width: its names
	// are the collection's fields, which the collection chose among.
	return dataKeys*5 >= n*4 || n >= 16 && (top*5 >= n*4 || dataKeys*2 >= n) || n >= minFlatMembers && scalars*10 >= n*9 && i != c.twin
}

// minFlatMembers is the fewest members from which a flat object of scalar
// values reads as a map.
const minFlatMembers = 64

// minSimilarMembers is the fewest members from which an object whose
// values are similar objects reads as a map of records.
const minSimilarMembers = 4

// similarObjects reports whether every member of object i is an object
// and their member names are mostly shared: each member has at least half
// of its names among those that half the members have (a schema's
// properties, an API's methods, a registry keyed by package). Such an
// object is a collection of records keyed by name, whatever its names
// look like, while a record of differently shaped parts (metadata, spec,
// status) is not.
func (c *compressor) similarObjects(i int) bool {
	n := c.t.NumKids(i)
	freq := map[string]int{}
	for k := range c.t.Kids(i) {
		if c.t.Kind(k) != jsonspan.Object || c.t.NumKids(k) == 0 {
			return false
		}
		for g := range c.t.Kids(k) {
			freq[c.t.RawKey(g)]++
		}
	}
	for k := range c.t.Kids(i) {
		shared := 0
		for g := range c.t.Kids(k) {
			if 2*freq[c.t.RawKey(g)] >= n {
				shared++
			}
		}
		if 2*shared < c.t.NumKids(k) {
			return false
		}
	}
	return true
}

// dataKey reports whether a member name (quoted) reads as data rather
// than a field name: it holds a digit, a path or dotted separator, an '@',
// or a blank.
func dataKey(raw string) bool {
	return strings.ContainsAny(raw, "0123456789/.@: ")
}

// collection renders a collection within budget bytes: the items it must
// keep, then the best of the rest while they fit, then one note for those
// left out.
func (c *compressor) collection(sq *seq, budget int) string {
	n := len(sq.items)
	if n == 0 {
		return c.src[sq.start:sq.end]
	}
	a := c.analyze(sq)
	if c.stopped {
		return c.src[sq.start:sq.end]
	}
	keep, shares := c.choose(sq, a, budget)
	c.keepCheapGaps(sq, keep, shares)
	omitted := 0
	for _, k := range keep {
		if !k {
			omitted++
		}
	}
	var note, noteText string
	if omitted > 0 {
		noteText = c.describe(sq, a, keep, omitted)
		note = c.noteElement(sq, noteText)
		// A note never costs more than what it replaces.
		saved := 0
		for x := range keep {
			if !keep[x] {
				saved += c.size(sq, x) + len(c.sepAfter(sq, x))
			}
		}
		if saved <= len(note)+len(c.sepAfter(sq, 0)) {
			for x := range keep {
				if !keep[x] {
					keep[x], shares[x] = true, c.size(sq, x)
				}
			}
			note, noteText = "", ""
		}
	}
	gaps := c.gapNotes(sq, keep)
	if len(gaps) > 0 && note != "" && sq.kind != jsonspan.Object {
		// The gaps are marked where they are: the final note is their
		// total, not more items, and says so.
		noteText = "in all, " + noteText
		note = c.noteElement(sq, noteText)
	}
	if gaps == nil && note != "" && sq.kind != jsonspan.Object {
		// Too many gaps to mark each: the note says where the kept items
		// stand, so "the 40th item" can still be found.
		noteText += "; kept: " + keptPositions(keep)
		note = c.noteElement(sq, noteText)
	}
	if c.rewrite {
		if out, ok := c.regroup(sq, a, keep, shares, noteText); ok {
			return out
		}
	}
	return c.renderSeq(sq, keep, shares, gaps, note)
}

// keepCheapGaps keeps the items of an interior run of omitted items that
// cost no more than the note that would mark the run.
func (c *compressor) keepCheapGaps(sq *seq, keep []bool, shares []int) {
	if sq.kind == jsonspan.Object {
		return
	}
	for x := 0; x < len(keep); x++ {
		if keep[x] {
			continue
		}
		end, size := x, 0
		for end < len(keep) && !keep[end] {
			size += c.size(sq, end) + len(c.sepAfter(sq, end))
			end++
		}
		if end < len(keep) && size <= len(positions(x, end))+len(`{"_omitted": " omitted"}, `) {
			for y := x; y < end; y++ {
				keep[y], shares[y] = true, c.size(sq, y)
			}
		}
		x = end
	}
}

// maxGapNotes bounds the gaps of a collection marked where they are.
const maxGapNotes = 32

// gapNotes returns, for an array or stream whose omitted items form at
// most maxGapNotes runs between kept ones, a note for each run saying which
// positions it held ("items 16–27 omitted"), keyed by the run's first
// item; nil when there are more runs (or for a map, whose members' names
// say where they stand). A trailing run needs none: the final note follows
// it. Runs cheaper than their note were kept by the caller.
func (c *compressor) gapNotes(sq *seq, keep []bool) map[int]string {
	if sq.kind == jsonspan.Object {
		return map[int]string{}
	}
	out := map[int]string{}
	for x := 0; x < len(keep); x++ {
		if keep[x] {
			continue
		}
		end := x
		for end < len(keep) && !keep[end] {
			end++
		}
		if end < len(keep) {
			if len(out) == maxGapNotes {
				return nil
			}
			out[x] = c.noteElement(sq, positions(x, end)+" omitted")
		}
		x = end
	}
	return out
}

// positions names items [from, to) by their 1-based positions.
func positions(from, to int) string {
	if to-from == 1 {
		return "item " + strconv.Itoa(from+1)
	}
	return "items " + strconv.Itoa(from+1) + "–" + strconv.Itoa(to)
}

// maxPositions bounds the runs keptPositions lists.
const maxPositions = 64

// keptPositions lists the 1-based positions of the kept items as runs:
// "1–15, 28–29, 40, …".
func keptPositions(keep []bool) string {
	var parts []string
	for x := 0; x < len(keep); x++ {
		if !keep[x] {
			continue
		}
		end := x
		for end < len(keep) && keep[end] {
			end++
		}
		if len(parts) == maxPositions {
			parts = append(parts, "…")
			break
		}
		if end-x == 1 {
			parts = append(parts, strconv.Itoa(x+1))
		} else {
			parts = append(parts, strconv.Itoa(x+1)+"–"+strconv.Itoa(end))
		}
		x = end
	}
	return strings.Join(parts, ", ")
}

// renderSeq writes the kept items with the separators of the source, the
// note after the last one.
func (c *compressor) renderSeq(sq *seq, keep []bool, shares []int, gaps map[int]string, note string) string {
	n := len(sq.items)
	var sb strings.Builder
	first := c.itemStart(sq.items[0])
	sb.WriteString(c.src[sq.start:first])
	last := -1
	twins := c.objectItems(sq) >= 2
	for x, k := range sq.items {
		if !keep[x] {
			if g, ok := gaps[x]; ok {
				if last >= 0 {
					sb.WriteString(c.sepAfter(sq, last))
				}
				sb.WriteString(g)
				last = x
			}
			continue
		}
		if last >= 0 {
			sb.WriteString(c.sepAfter(sq, last))
		}
		if twins {
			c.twin = k
		}
		sb.WriteString(c.renderKid(k, shares[x]))
		c.twin = -1
		last = x
	}
	if note != "" {
		sb.WriteString(c.sepAfter(sq, last))
		sb.WriteString(note)
	}
	sb.WriteString(c.src[c.t.End(sq.items[n-1]):sq.end])
	return sb.String()
}

// objectItems counts the items of sq that are objects, up to two.
func (c *compressor) objectItems(sq *seq) int {
	n := 0
	for _, k := range sq.items {
		if c.t.Kind(k) == jsonspan.Object {
			if n++; n == 2 {
				break
			}
		}
	}
	return n
}

// noteElement renders the note for omitted items in the idiom of the
// container: a member "_omitted" in an object; among objects, an object
// {"_omitted": ...} laid out like the first of them; a string otherwise.
func (c *compressor) noteElement(sq *seq, text string) string {
	if !sq.idiomKnown {
		// A collection writes a note per gap, each of which would look at
		// every item again to find the idiom.
		sq.noteHead, sq.noteTail, sq.noteWrapped = c.noteIdiom(sq)
		sq.idiomKnown = true
	}
	if !sq.noteWrapped {
		return jsonspan.Quote("[... " + text + " ...]")
	}
	return sq.noteHead + jsonspan.Quote(text) + sq.noteTail
}

// noteIdiom returns what comes before and after a note's quoted text in
// the container's idiom; wrapped is false when the note is a string of
// its own.
func (c *compressor) noteIdiom(sq *seq) (head, tail string, wrapped bool) {
	if sq.kind == jsonspan.Object {
		k := sq.items[0]
		_, ke := c.t.KeySpan(k)
		return `"_omitted"` + c.src[ke:c.t.Start(k)], "", true
	}
	o := -1
	for _, k := range sq.items {
		switch {
		case c.t.Kind(k) == jsonspan.Object:
			if o < 0 {
				o = k
			}
		case sq.kind != 0:
			// Among other values, or in an array mixing kinds, a string.
			return "", "", false
		}
	}
	if o < 0 {
		return "", "", false
	}
	m := c.t.First(o)
	if m < 0 {
		return `{"_omitted":`, "}", true
	}
	ms, me := c.t.KeySpan(m)
	lastMember := m
	for k := range c.t.Kids(o) {
		lastMember = k
	}
	return "{" + c.src[c.t.Start(o)+1:ms] + `"_omitted"` + c.src[me:c.t.Start(m)],
		c.src[c.t.End(lastMember):c.t.End(o)-1] + "}", true
}

// analysis is what a collection's items are worth.
type analysis struct {
	// must marks items kept whatever the budget.
	must []bool
	// prio orders the optional items: higher first, 0 for no preference.
	prio []float32
	// sev and sig say how strongly each item reports a problem and which
	// kind of problem.
	sev []lines.Severity
	sig []uint64
	// fields are the items' fields, for extremes and notes.
	fields *fieldSet
	// ix scores the items against the query (nil without terms).
	ix *relevance.Index
	// strong marks the items holding a term rare in the collection (see
	// strongItems).
	strong []bool
	// named marks items whose name (member name or identifying field) holds
	// a term the task names: the items the user asks about, kept whole.
	named []bool
}

func (c *compressor) analyze(sq *seq) *analysis {
	n := len(sq.items)
	a := &analysis{must: make([]bool, n), prio: make([]float32, n), sev: make([]lines.Severity, n), sig: make([]uint64, n)}
	a.must[0], a.must[n-1] = true, true
	a.fields = c.fieldsOf(sq, a, len(c.q.Terms) > 0)
	c.markProblems(sq, a)
	c.markRelated(sq, a)
	c.markOrdinals(sq, a)
	a.fields.mark(a)
	c.markOddItems(sq, a)
	if len(c.q.Terms) > 0 {
		c.markAffixKeys(sq, a)
		text, starts := a.fields.indexText, a.fields.indexStarts
		if text == "" {
			text, starts = c.src[sq.start:sq.end], c.unitStarts(sq)
		}
		a.ix = c.in.Index(c.q, text, starts)
		if c.in.Stopped() {
			// The index gave up part way: what follows would read it.
			c.stopped = true
			return a
		}
		a.strong = c.strongItems(sq, a.ix)
		for x := range sq.items {
			if a.strong[x] {
				a.must[x] = true
			}
			// A term found in nearly every item scores near 0: it
			// ranks an item below problems and warnings.
			if sc := a.ix.Score(x); sc >= minTermScore {
				a.prio[x] = max(a.prio[x], float32(prioTerm+10*sc))
			} else if sc > 0 {
				a.prio[x] = max(a.prio[x], float32(10*sc))
			}
		}
		c.markNamed(sq, a)
		c.markScoped(sq, a)
		c.markScopedExtremes(sq, a)
	}
	return a
}

// markScopedExtremes answers "among the cache hosts, which has the least
// free disk": asked for an extreme of a number field the task names, for
// each term of the task some but not all items hold, the item with the
// extreme value among them is kept, however far down the whole
// collection's order it is.
func (c *compressor) markScopedExtremes(sq *seq, a *analysis) {
	in := c.q.Intent
	high := in.Has(relevance.Max) || in.Has(relevance.Newest)
	low := in.Has(relevance.Min) || in.Has(relevance.Oldest)
	if !high && !low || sq.kind != jsonspan.Array && sq.kind != 0 || a.fields == nil {
		return
	}
	var named []string
	for _, f := range a.fields.list {
		if f.key != "" && f.nums.varies(f.count) && c.q.NamesField(unquoteKey(f.key)) {
			named = append(named, unquoteKey(f.key))
		}
	}
	if len(named) == 0 {
		return
	}
	for ti, term := range c.q.Terms {
		if !term.Latest {
			continue
		}
		hits, df := a.ix.Hits(ti)
		if df < 2 || df >= len(sq.items) || len(hits) < df {
			continue
		}
		for _, name := range named {
			hi, lo := -1, -1
			var hv, lv float64
			for _, u := range hits {
				k := sq.items[u]
				if c.t.Kind(k) != jsonspan.Object {
					continue
				}
				m := c.t.Get(k, name)
				if m < 0 {
					continue
				}
				v, ok := parseNumber(c.t.Raw(m))
				if !ok {
					continue
				}
				if hi < 0 || v > hv {
					hi, hv = int(u), v
				}
				if lo < 0 || v < lv {
					lo, lv = int(u), v
				}
			}
			if high && hi >= 0 {
				a.must[hi] = true
			}
			if low && lo >= 0 {
				a.must[lo] = true
			}
		}
	}
}

// strongItems marks the items the index finds holding a term rare in the
// collection. Among a map's members a term found in more than half of
// them tells none apart, however few they are: the members of a small map
// of similar records (an API's methods, a schema's properties) all hold
// the field names and words a question uses, and marking them all would
// keep every member at every level of a deep document.
func (c *compressor) strongItems(sq *seq, ix *relevance.Index) []bool {
	n := len(sq.items)
	out := make([]bool, n)
	for x := range out {
		out[x] = ix.Strong(x)
	}
	if sq.kind != jsonspan.Object {
		return out
	}
	telling := make([]bool, n)
	for ti := range c.q.Terms {
		hits, df := ix.Hits(ti)
		if 2*df > n {
			continue
		}
		for _, u := range hits {
			telling[u] = true
		}
	}
	for x := range out {
		out[x] = out[x] && telling[x]
	}
	return out
}

// markOrdinals keeps the items at the positions the query names, in the
// first collection that holds them.
func (c *compressor) markOrdinals(sq *seq, a *analysis) {
	if c.placed {
		return
	}
	for _, o := range c.q.Ordinals {
		if !o.Line && o.N <= len(sq.items) {
			a.must[o.N-1] = true
			c.placed = true
		}
	}
}

// markScoped marks the items where a term of the task stands in the
// field another of its words names: asked which packages "import" X, the
// items whose Imports hold X, not those that only list X among their
// Deps. It applies when that picks out few items, which fieldsOf found in
// its walk (see scoped).
func (c *compressor) markScoped(sq *seq, a *analysis) {
	sc := a.fields.scoped
	if sc == nil || len(sc.picked) > sc.limit {
		return
	}
	if len(sc.picked) > 0 && a.named == nil {
		a.named = make([]bool, len(sq.items))
	}
	for _, x := range sc.picked {
		a.must[x], a.named[x] = true, true
		a.prio[x] = max(a.prio[x], prioTerm+50)
	}
}

// scoped finds the items of markScoped as fieldsOf walks the members of
// the items.
type scoped struct {
	// words are the words of the task, by stem, that may name a field.
	words map[string]bool
	limit int
	// picked lists an item once per member of it holding a term, until
	// there are more than limit.
	picked []int
}

// newScoped returns what finds markScoped's items among those of sq, or
// nil when there is nothing to find.
func (c *compressor) newScoped(sq *seq) *scoped {
	if sq.kind != jsonspan.Array && sq.kind != 0 {
		return nil
	}
	words := map[string]bool{}
	for _, t := range c.q.Terms {
		if t.Latest && t.Kind == relevance.Word && t.Prior >= 0.8 {
			words[lines.Stem(t.Text)] = true
		}
	}
	if len(words) == 0 {
		return nil
	}
	return &scoped{words: words, limit: max(3, len(sq.items)/5)}
}

// member looks at member m of object item x, of field f (nil when not
// tracked).
func (sc *scoped) member(c *compressor, x, m int, f *field) {
	if len(sc.picked) > sc.limit || !sc.namesField(c, m, f) {
		return
	}
	val := c.t.Raw(m)
	for _, t := range c.q.Terms {
		if !t.Latest || t.Prior < 0.8 || t.Kind == relevance.Word && sc.words[lines.Stem(t.Text)] {
			continue // context, a part of a compound, or the field word itself
		}
		if t.Kind != relevance.Word || len(t.Text) >= 4 {
			if hasTerm(val, t.Text) {
				sc.picked = append(sc.picked, x)
				return
			}
		}
	}
}

// namesField reports whether member m's name is one of the words. Items
// repeat their member names, whose folding and stemming would cost more
// than the rest of the walk: the answer is kept in the field.
func (sc *scoped) namesField(c *compressor, m int, f *field) bool {
	if f != nil && f.fieldWord != 0 {
		return f.fieldWord == 2
	}
	yes := sc.words[lines.Stem(lines.Fold(c.t.Key(m)))]
	if f != nil {
		f.fieldWord = 1
		if yes {
			f.fieldWord = 2
		}
	}
	return yes
}

// unitStarts returns the offsets of the items in the collection's text
// (the first unit starts at 0).
func (c *compressor) unitStarts(sq *seq) []int {
	starts := make([]int, len(sq.items))
	for x, k := range sq.items {
		starts[x] = c.itemStart(k) - sq.start
	}
	starts[0] = 0
	return starts
}

// markNamed marks the items whose name holds a term of the task that
// names few of them: the member name in a map, the identifying field
// among objects. Only items the index found holding the term are looked
// at.
func (c *compressor) markNamed(sq *seq, a *analysis) {
	if !a.ix.Any() {
		return
	}
	id, idName := a.fields.ident(), ""
	if id != nil {
		idName = unquoteKey(id.key)
	} else if sq.kind != jsonspan.Object {
		return
	}
	name := func(x int) string {
		k := sq.items[x]
		if sq.kind == jsonspan.Object {
			return c.t.RawKey(k)
		}
		if c.t.Kind(k) == jsonspan.Object {
			if m := c.t.Get(k, idName); m >= 0 && c.t.End(m)-c.t.Start(m) <= 200 {
				return c.t.Raw(m)
			}
		}
		return ""
	}
	limit := max(3, len(sq.items)/33)
	var found []int
	for ti, term := range c.q.Terms {
		if !term.Latest || term.Prior < 0.8 {
			continue
		}
		hits, _ := a.ix.Hits(ti)
		// The names of a few thousand holders are enough to tell whether
		// the term names few items.
		hits = hits[:min(len(hits), maxNameHits)]
		found = found[:0]
		for _, u := range hits {
			if hasTerm(name(int(u)), term.Text) {
				found = append(found, int(u))
				if len(found) > limit {
					break
				}
			}
		}
		if len(found) == 0 || len(found) > limit {
			continue
		}
		if a.named == nil {
			a.named = make([]bool, len(sq.items))
		}
		for _, x := range found {
			a.named[x], a.must[x] = true, true
		}
	}
}

// maxNameHits bounds the holders of a term whose names are looked at.
const maxNameHits = 4096

// hasTerm reports whether s holds term (lower case, as lines.Fold
// writes it) as a whole word or identifier, case folded.
func hasTerm(s, term string) bool {
	if term == "" {
		return false
	}
	wordStart, wordEnd := lines.IsWordByte(term[0]), lines.IsWordByte(term[len(term)-1])
	for off := 0; off < len(s); {
		i, e := lines.IndexFold(s[off:], term)
		if i < 0 {
			return false
		}
		i, e = off+i, off+e
		if (i == 0 || !wordStart || !lines.IsWordByte(s[i-1])) && (e == len(s) || !wordEnd || !lines.IsWordByte(s[e])) {
			return true
		}
		off = i + 1
	}
	return false
}

// maxShort is the most items of an array short enough that each item of
// its own kind is kept.
const maxShort = 8

// markOddItems keeps, in a short array of similar objects, every item
// that is the only one of its kind: whose values of the fields that group
// items (values shared by some, not all, items: a family, a state, a
// type) no other item has. When the items fall into kinds at all (two
// share one), the odd one out (the only IPv4 address among IPv6 ones) is
// what a reader asks about.
func (c *compressor) markOddItems(sq *seq, a *analysis) {
	n := len(sq.items)
	fs := a.fields
	if sq.kind != jsonspan.Array || n < 3 || n > maxShort || fs.objects != n {
		return
	}
	var keys []string
	for _, f := range fs.list {
		if f.key != "" && int(f.count) == n && f.scalar && !f.highCard && len(f.stats) >= 2 && len(f.stats) < n {
			keys = append(keys, unquoteKey(f.key))
		}
	}
	if len(keys) == 0 {
		return
	}
	sigs := make([]string, n)
	count := map[string]int{}
	for x, k := range sq.items {
		var sb strings.Builder
		for _, key := range keys {
			if m := c.t.Get(k, key); m >= 0 {
				sb.WriteString(c.t.Raw(m))
			}
			sb.WriteByte(0)
		}
		sigs[x] = sb.String()
		count[sigs[x]]++
	}
	if len(count) == n {
		return // every item its own kind: no kinds
	}
	for x, sig := range sigs {
		if count[sig] == 1 {
			a.must[x] = true
		}
	}
}

// markAffixKeys keeps the members of an object whose name a term of the
// latest request holds as its start or end, or the other way round: asked
// about "libuv", the member "uv"; about "ssl", the member "openssl". The
// shorter name must be at least two fifths of the longer, and few members
// may match.
func (c *compressor) markAffixKeys(sq *seq, a *analysis) {
	if sq.kind != jsonspan.Object {
		return
	}
	limit := max(3, len(sq.items)/33)
	var found []int
	// The members' names lowered, once for all the terms.
	var keys []string
	for _, term := range c.q.Terms {
		if !term.Latest || term.Prior < 0.8 || len(term.Text) < 3 || !isWord(term.Text) {
			continue
		}
		if keys == nil {
			keys = make([]string, len(sq.items))
			for x, k := range sq.items {
				keys[x] = strings.ToLower(unquoteKey(c.t.RawKey(k)))
			}
		}
		found = found[:0]
		for x, key := range keys {
			if key == term.Text || !affix(key, term.Text) {
				continue
			}
			if found = append(found, x); len(found) > limit {
				break
			}
		}
		if len(found) > limit {
			continue
		}
		for _, x := range found {
			a.must[x] = true
		}
	}
}

// affix reports whether the shorter of a and b starts or ends the longer
// and is at least two fifths of it and two bytes long.
func affix(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 2 || len(a)*5 < len(b)*2 || !isWord(a) {
		return false
	}
	return strings.HasPrefix(b, a) || strings.HasSuffix(b, a)
}

// isWord reports whether s is letters and digits only.
func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}
