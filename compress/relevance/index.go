package relevance

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Index weighs a query's terms over the units of one block. Units partition
// the block's text: unit i spans [starts[i], starts[i+1]) (the last one runs
// to the end); for line-based kinds they are the lines, for JSON the items.
type Index struct {
	q      *Query
	n      int
	starts []int
	// df and weight are per query term: the number of units holding the
	// term and its BM25-style weight in this block (0 when absent).
	df     []int
	weight []float64
	// hits[t] lists the units holding term t, ascending (at most maxHits).
	hits  [][]int32
	score []float32
	// strong marks units holding a term that is rare in the block,
	// specific those holding one in at most a tenth of the units.
	strong   []bool
	specific []bool
	anyHit   bool
}

// maxHits bounds the units recorded per term; a term found in more units
// marks nothing in particular and gets (almost) no weight anyway.
const maxHits = 1 << 14

// veryRareDF is how few units a term of the latest request may be in for
// them to count as named by the user, however well other units match.
const veryRareDF = 12

// Build indexes text, split into units at starts (ascending offsets, the
// first 0). A nil or empty query gives an index that scores every unit 0.
// The cost is one pass over the text's words plus one substring scan per
// compound term, whatever the number of units.
func Build(q *Query, text string, starts []int) *Index {
	return BuildStop(q, text, starts, nil)
}

// pollBytes is how much text the index reads between polls of stop.
const pollBytes = 64 << 10

// BuildStop is Build polling stop (nil never stops) every pollBytes of
// text read: once it reports true, the index holds what was found so far
// (the caller is giving up and discards its result).
func BuildStop(q *Query, text string, starts []int, stop func() bool) *Index {
	return BuildMemo(q, text, starts, stop, nil)
}

// BuildMemo is BuildStop remembering in m (nil remembers nothing) what it
// reads of text alone, for later indexes of the same text (see
// wordrecs.go). The index is the same with or without m.
func BuildMemo(q *Query, text string, starts []int, stop func() bool, m *lines.Memo) *Index {
	ix := &Index{q: q, n: len(starts), starts: starts}
	stopped := false
	nextPoll := pollBytes
	// poll reports whether to stop, reading stop once pos passes the
	// next poll point.
	poll := func(pos int) bool {
		if stop == nil || stopped || pos < nextPoll {
			return stopped
		}
		nextPoll = pos + pollBytes
		stopped = stop()
		return stopped
	}
	if q == nil || len(q.Terms) == 0 || len(starts) == 0 {
		return ix
	}
	// What the memo holds of text, looked up once: a lookup hashes the
	// whole text.
	ti := infoOf(m, text)
	if ti != nil {
		// The same text indexed again for an equal query (a block
		// compressed again under a larger budget) and units.
		key := queryKey(q)
		for _, old := range ti.indexes[key] {
			if slices.Equal(old.starts, starts) {
				again := *old
				again.q, again.starts = q, starts
				return &again
			}
		}
		defer func() {
			if stopped {
				return
			}
			if ti.indexes == nil {
				ti.indexes = map[string][]*Index{}
			}
			if l := ti.indexes[key]; len(l) < 4 {
				ti.indexes[key] = append(l, ix)
			}
		}()
	}
	nt := len(q.Terms)
	ix.df = make([]int, nt)
	ix.weight = make([]float64, nt)
	ix.hits = make([][]int32, nt)
	// last[t] is the last unit term t was seen in, so a unit counts once.
	last := make([]int32, nt)
	for i := range last {
		last[i] = -1
	}
	record := func(t, u int) {
		if last[t] == int32(u) {
			return
		}
		// Units arrive in order for words; compound scans also run in
		// order, so a unit repeats only back to back.
		last[t] = int32(u)
		ix.df[t]++
		if len(ix.hits[t]) < maxHits {
			ix.hits[t] = append(ix.hits[t], int32(u))
		}
	}

	// Whole words (and identifier parts, and inflections).
	var wt wordTable
	var qt *queryTable
	switch {
	case ti != nil && ti.words != nil && wordKey(q) != "":
		qt = ti.words.table(q, nil)
		wt = qt.wt
	case m != nil:
		wt = tableOf(m, q)
	default:
		wt.build(q)
	}
	if wt.any() {
		u := 0
		next := ix.boundary(1)
		if ti != nil && ti.words == nil && !ti.direct && (ti.indexed > 0 || len(text) >= streamFirstBytes) {
			// Recording the words costs a little more than one direct
			// walk; every later index of the text is then cheap.
			if ti.words = streamAround(m, text, poll); ti.words == nil {
				ti.words = streamOf(text, poll)
			}
			recorded(m, ti, text)
			if ti.words != nil {
				qt = ti.words.table(q, &wt)
			}
		}
		if ti != nil && ti.words != nil {
			ws := ti.words
			qt.matchStream(ws, wordIdx(q), poll, func(k, t int) {
				start := ws.pos(k)
				for start >= next {
					u++
					next = ix.boundary(u + 1)
				}
				record(t, u)
			})
		} else if !stopped {
			if ti != nil {
				ti.indexed++
			}
			// Most words start unlike every term and are passed over
			// unread: the deadline is polled between pieces of the text
			// (cut where no word runs on) rather than at words.
			for from := 0; from < len(text) && !poll(from); {
				to := pieceEnd(text, from+pollBytes)
				lines.WordsHashedFirst(text[from:to], wt.first, func(w string, start int, h, hs uint64, hashed bool) bool {
					start += from
					for start >= next {
						u++
						next = ix.boundary(u + 1)
					}
					wt.matchHashed(w, h, hs, hashed, func(t int) { record(t, u) })
					return true
				})
				from = to
			}
		}
	}
	// Compounds, numbers and phrases: substring scans of the lowered text.
	var lower string
	lowered := func() string {
		if lower == "" && ti != nil {
			lower = ti.lower
		}
		if lower == "" {
			lower = lines.LowerASCII(text)
			if ti != nil {
				ti.lower = lower
			}
		}
		return lower
	}
	var ascii bool
	if ti != nil {
		ascii = ti.ascii
	} else {
		ascii = lines.IsASCII(text)
	}
	scanned, scans := 0, 0
	for t := range q.Terms {
		term := &q.Terms[t]
		if term.Kind == Word {
			continue
		}
		// Each scan reads the whole text: poll between them.
		if scanned += len(text); poll(scanned) {
			break
		}
		scans++
		if ascii && !hasLetter(term.Text) {
			// Lowering changes letters only: a term without one (a
			// number, an address) is found in the text as it stands.
			ix.scanIn(ti, text, text, ascii, t, record)
			continue
		}
		// A text lowered already (by an earlier index) is searched as
		// it is; otherwise the scan folds as it compares.
		if lower == "" && ti != nil {
			lower = ti.lower
		}
		ix.scanIn(ti, lower, text, ascii, t, record)
	}
	var variants []int32
	if scans > 0 {
		variants = ix.variants(lowered, text)
	}

	// Weights: rarer terms weigh more; a term in every unit weighs ~0.
	N := float64(ix.n)
	for t := range q.Terms {
		df := float64(ix.df[t])
		if df == 0 {
			continue
		}
		idf := math.Log(1 + (N-df+0.5)/(df+0.5))
		boost := 1.0
		switch q.Terms[t].Kind {
		case Compound, Phrase:
			boost = 1.6
		case Number:
			boost = 1.3
		}
		ix.weight[t] = q.Terms[t].Prior * boost * idf
	}
	ix.score = make([]float32, ix.n)
	ix.strong = make([]bool, ix.n)
	ix.specific = make([]bool, ix.n)
	tenth := max(3, ix.n/10)
	// veryRare terms mark their units strongly whatever else matches.
	veryRare := make([]bool, ix.n)
	every := q.Intent.Has(Every)
	for t := range q.Terms {
		rare := ix.rareLimit(&q.Terms[t])
		for _, u := range ix.hits[t] {
			ix.score[u] += float32(ix.weight[t])
			if ix.df[t] <= rare {
				ix.strong[u] = true
			}
			if q.Terms[t].Latest && (ix.df[t] <= veryRareDF || every && ix.df[t] <= rare && q.Terms[t].Prior >= 0.8) {
				// Asked for every item of a set, each unit holding a
				// rare term of the request is one of them.
				veryRare[u] = true
			}
			if ix.df[t] <= tenth {
				ix.specific[u] = true
			}
			ix.anyHit = true
		}
	}
	for _, u := range variants {
		ix.strong[u], veryRare[u], ix.specific[u], ix.anyHit = true, true, true, true
	}
	// A unit whose rare term is in dozens of units is strong only when it
	// is among the best matches: in "when was tzdata last upgraded", the
	// lines naming tzdata outrank the hundred that only say "upgrade".
	var best float32
	for _, sc := range ix.score {
		best = max(best, sc)
	}
	for u := range ix.strong {
		if ix.strong[u] && !veryRare[u] && ix.score[u] < 0.4*best {
			ix.strong[u] = false
		}
	}
	return ix
}

// Variants: asked about a value that nearly every unit holds ("which
// exports are versioned later than OPENSSL_3.0.0?", "which hosts are not
// on 1.24.3?"), the answer is the units holding the few values of the
// same shape that differ from it (OPENSSL_3.0.8, 1.22.1): the exceptions.

// maxVariantTerms bounds the terms whose variants are looked for.
const maxVariantTerms = 4

// variants returns the units holding a rare variant of a common term of
// the latest request: a token with the term's shape (its letters, and
// digits where it has digits) but other digits. lower is text lowered.
func (ix *Index) variants(lowered func() string, text string) []int32 {
	var out []int32
	var lower string
	tried := 0
	for t := range ix.q.Terms {
		term := &ix.q.Terms[t]
		if !term.Latest || term.Kind == Word || tried >= maxVariantTerms || ix.df[t] <= ix.rareLimit(term) {
			continue
		}
		needle := lines.LowerASCII(term.Text)
		cut := strings.IndexAny(needle, "0123456789")
		if cut < 3 || !lines.IsASCII(needle) {
			continue // no digits, or too short a literal part to look for
		}
		tried++
		if lower == "" {
			lower = lowered()
		}
		shape := maskDigits(needle)
		prefix := needle[:cut]
		byToken := map[string][]int32{}
		total := 0
		for off := 0; off < len(lower) && total <= 4*ix.rareLimit(term); {
			i := strings.Index(lower[off:], prefix)
			if i < 0 {
				break
			}
			s := off + i
			off = s + 1
			if s > 0 && isWordAt(text, s-1) {
				continue
			}
			e := s + len(prefix)
			for e < len(lower) && (lines.IsWordByte(lower[e]) || lower[e] == '.' || lower[e] == '-') {
				e++
			}
			tok := strings.TrimRight(lower[s:e], ".-")
			if tok == needle || maskDigits(tok) != shape {
				continue
			}
			u := int32(ix.unitAt(s))
			if us := byToken[tok]; len(us) == 0 || us[len(us)-1] != u {
				byToken[tok] = append(us, u)
				total++
			}
		}
		// Exceptions are few: when the other values are common too, the
		// term named one value among many, not a rule with exceptions.
		if total == 0 || total > ix.rareLimit(term) || total*4 > ix.df[t] {
			continue
		}
		for _, us := range byToken {
			out = append(out, us...)
		}
	}
	return out
}

// maskDigits replaces every run of digits in s with one '#'.
func maskDigits(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if lines.IsDigit(s[i]) {
			if b.Len() == 0 || b.String()[b.Len()-1] != '#' {
				b.WriteByte('#')
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// boundary returns the start of unit u, or past the text for u == n.
func (ix *Index) boundary(u int) int {
	if u >= len(ix.starts) {
		return math.MaxInt
	}
	return ix.starts[u]
}

// unitAt returns the unit holding byte offset off.
func (ix *Index) unitAt(off int) int {
	return sort.SearchInts(ix.starts, off+1) - 1
}

// rareLimit is how many units a term may be in and still mark them
// strongly: few enough that keeping them all is keeping what the user
// named. Terms of the latest request may be in up to 3% of the units
// (compounds and phrases, which are more specific, 5%); terms of earlier
// context only in 0.3%.
func (ix *Index) rareLimit(t *Term) int {
	if (ix.q.Intent.Has(Quote) || ix.q.Intent.Has(Every)) && t.Latest {
		// Asked to quote what a term names, or for every item of a set,
		// all of its lines are the answer: twice as many may be kept.
		return 2 * ix.baseLimit(t)
	}
	return ix.baseLimit(t)
}

func (ix *Index) baseLimit(t *Term) int {
	switch {
	case !t.Latest:
		return max(2, ix.n/300)
	case t.Prior < 0.8:
		// Parts of compounds and identifiers.
		return max(2, ix.n/100)
	case t.Kind == Compound || t.Kind == Phrase:
		return max(12, ix.n/20)
	}
	// A handful of lines is never too many to keep for a named term, even
	// in a short output where they are more than 3%.
	return max(8, ix.n/33)
}

// scan finds term t as a substring that does not start or end inside a
// word (where the term itself starts or ends with a word character). ASCII
// text is searched in its ASCII-lowered copy (lower, same offsets) when
// there is one, else folded as it is compared (lines.IndexLowerASCII); other
// text with IndexFold, which folds every letter and reports spans in text.
func (ix *Index) scan(lower, text string, ascii bool, t int, record func(t, u int)) {
	eachMatch(lower, text, ascii, ix.q.Terms[t].Text, func(s int) int {
		u := ix.unitAt(s)
		record(t, u)
		// Skip to the next unit: one hit per unit is enough.
		if u+1 >= len(ix.starts) {
			return -1
		}
		return max(s+1, ix.starts[u+1])
	})
}

// Compound terms of a block's first query are looked for again by every
// re-compression (a later turn's query keeps them) and by the check of
// each later turn: the text's record keeps where each one matches.

// maxScanStarts bounds the matches kept of one term (4 bytes each); a term
// found more often is scanned unit by unit each time.
const maxScanStarts = 4096

// maxScanTerms bounds the terms whose matches a text's record keeps.
const maxScanTerms = 64

// termStarts is where a term matches a text (see matchStarts); many is set
// when it matches more than maxScanStarts times (starts nil).
type termStarts struct {
	starts []int32
	many   bool
}

// scanIn is scan, through ti's record of the text when there is one.
func (ix *Index) scanIn(ti *textInfo, lower, text string, ascii bool, t int, record func(t, u int)) {
	if ti == nil {
		ix.scan(lower, text, ascii, t, record)
		return
	}
	ix.scanMemo(ti, lower, text, ascii, t, record)
}

// scanMemo is scan, remembering in ti where the term matches the text
// (which does not depend on lower: see scan).
func (ix *Index) scanMemo(ti *textInfo, lower, text string, ascii bool, t int, record func(t, u int)) {
	nd := ix.q.Terms[t].Text
	ts, ok := ti.scans[nd]
	if !ok {
		ts.starts, ts.many = matchStarts(lower, text, ascii, nd)
		if len(ti.scans) < maxScanTerms {
			if ti.scans == nil {
				ti.scans = map[string]termStarts{}
			}
			ti.scans[nd] = ts
		}
	}
	if ts.many {
		ix.scan(lower, text, ascii, t, record)
		return
	}
	// The units of the matches, in order: what scan records, which skips
	// to the next unit after a match.
	for _, s := range ts.starts {
		record(t, ix.unitAt(int(s)))
	}
}

// matchStarts returns where term nd matches text as scan finds it (a
// substring not starting or ending inside a word, see scan), every match;
// many is set, and starts nil, past maxScanStarts of them.
func matchStarts(lower, text string, ascii bool, nd string) (starts []int32, many bool) {
	eachMatch(lower, text, ascii, nd, func(s int) int {
		if len(starts) == maxScanStarts {
			starts, many = nil, true
			return -1
		}
		starts = append(starts, int32(s))
		return s + 1
	})
	return starts, many
}

// eachMatch calls at with the start of every match of nd in text that
// does not start or end inside a word (where nd itself starts or ends
// with a word character), in order; at returns where to look on from, or
// -1 to stop. ASCII text is searched in lower, its lowered copy, when
// there is one, else folded as it is compared; other text with
// IndexFold.
func eachMatch(lower, text string, ascii bool, nd string, at func(s int) int) {
	if nd == "" {
		return
	}
	wordStart := lines.IsWordByte(nd[0])
	wordEnd := lines.IsWordByte(nd[len(nd)-1])
	var folded *lines.LowerSearch
	var fs *lines.FoldSearch
	if ascii && lower == "" {
		folded = lines.NewLowerSearch(text, nd)
	}
	for off := 0; off < len(text); {
		var s, e int
		if folded != nil {
			if s = folded.Next(off); s < 0 {
				return
			}
			e = s + len(nd)
		} else if ascii {
			i := strings.Index(lower[off:], nd)
			if i < 0 {
				return
			}
			s, e = off+i, off+i+len(nd)
		} else {
			if fs == nil {
				// Kept between matches: see lines.FoldSearch.
				fs = lines.NewFoldSearch(text, nd)
			}
			if s, e = fs.Next(off); s < 0 {
				return
			}
		}
		if wordStart && s > 0 && isWordAt(text, s-1) && !GluedNumberStart(text, s, nd) ||
			wordEnd && e < len(text) && isWordAt(text, e) && !GluedNumberEnd(text, e, nd) {
			off = s + 1
			continue
		}
		if off = at(s); off < 0 {
			return
		}
	}
}

// GluedNumberStart reports whether needle, matched at s in text after a
// word byte, starts a number glued to an ASCII prefix: a needle that
// starts with a digit may follow a letter or underscore ("11:35" in
// "2026-11-03T11:35", "2.14" in "GLIBC_2.14", "1.2" in "v1.2"), never
// another digit (inside a longer number).
func GluedNumberStart(text string, s int, needle string) bool {
	p := text[s-1]
	return lines.IsDigit(needle[0]) && p < utf8.RuneSelf && !lines.IsDigit(p)
}

// GluedNumberEnd is GluedNumberStart at the end e of a match: a needle
// that ends with a digit may precede a unit or suffix ("200" in "200ms",
// "11:35" in "11:35Z"), never another digit.
func GluedNumberEnd(text string, e int, needle string) bool {
	c := text[e]
	return lines.IsDigit(needle[len(needle)-1]) && c < utf8.RuneSelf && !lines.IsDigit(c)
}

// isWordAt reports whether the byte at i belongs to a word (ASCII word
// byte, or a byte of a non-ASCII letter).
func isWordAt(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return lines.IsWordByte(c)
	}
	// Find the rune holding i.
	j := i
	for j > 0 && !utf8.RuneStart(s[j]) {
		j--
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return r != utf8.RuneError && (isLetterOrDigit(r))
}

// Units is the number of units.
func (ix *Index) Units() int { return ix.n }

// Any reports whether any term was found in any unit.
func (ix *Index) Any() bool { return ix.anyHit }

// Score is unit u's relevance: the summed weights of the terms it holds.
func (ix *Index) Score(u int) float64 {
	if ix.score == nil {
		return 0
	}
	return float64(ix.score[u])
}

// Strong reports whether unit u holds a term that is rare in the block:
// then it is what the user named, and lossy steps keep it.
func (ix *Index) Strong(u int) bool {
	return ix.strong != nil && ix.strong[u]
}

// Specific reports whether unit u holds a term found in at most a tenth
// of the units: a weaker mark than Strong, still worth keeping when the
// budget allows, where a term found everywhere is not.
func (ix *Index) Specific(u int) bool {
	return ix.specific != nil && ix.specific[u]
}

// Hits returns the units holding term t (ascending, capped), and the
// term's document frequency.
func (ix *Index) Hits(t int) ([]int32, int) {
	if ix.hits == nil {
		return nil, 0
	}
	return ix.hits[t], ix.df[t]
}

// Weight returns term t's weight in this block.
func (ix *Index) Weight(t int) float64 {
	if ix.weight == nil {
		return 0
	}
	return ix.weight[t]
}

// Query returns the indexed query.
func (ix *Index) Query() *Query { return ix.q }

// pieceEnd returns the first offset from at on where text can be cut
// between words: past an ASCII byte that no word holds, or the end.
func pieceEnd(text string, at int) int {
	for at < len(text) {
		if c := text[at]; c < utf8.RuneSelf && !lines.IsWordByte(c) {
			return at + 1
		}
		at++
	}
	return len(text)
}

// hasLetter reports whether s holds an ASCII letter.
func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}
