package relevance

import (
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Indexing the same text again (a block re-judged by a later turn is
// compressed again under a larger query; the safety net folds a payload
// its compressor already read) repeats what depends on the text alone:
// splitting it into words, hashing each word and its stem, cutting
// identifiers into parts, lowering it for substring scans. With a memo
// (see lines.Memo) the first index of a text of streamFirstBytes or more
// (of a smaller one, the second) records that once, as a word stream, and
// every later one matches its query against the stream: two filter probes
// per distinct word and an array read per word, instead of a walk, a stem
// and two hashes.

// maxStreamBytes bounds the texts whose words are recorded (about 10
// bytes a word, for its occurrence and a tenth of a vocabulary entry): a
// larger one is read directly every time.
const maxStreamBytes = 2 << 20

// streamFirstBytes is the size from which a text's first index records
// its word stream: a smaller block is often indexed once, and its stream
// would be allocation for nothing.
const streamFirstBytes = 32 << 10

// A stream records each distinct word of the text once (its vocabulary)
// and every occurrence as an offset and a vocabulary entry: a text repeats
// its words (about one occurrence in ten is a new word in tool output), so
// this is a quarter of the memory of a record per occurrence, an
// identifier is cut into parts once, and a later index looks each distinct
// word up once and then only reads an array per occurrence.

// vocabWord is one distinct word of a text (as it stands, case kept: the
// parts depend on it) as the word table looks it up.
type vocabWord struct {
	h, hs uint64 // hash of the folded word, of its stem (h when none)
	at    int32  // offset of its first occurrence
	n     int32  // length in bytes
	// parts[p0:p1] are its identifier parts (see lines.Parts), recorded
	// when it has a case change or an underscore.
	p0, p1 int32
}

// partRec is one identifier part of a word.
type partRec struct {
	h, hs uint64
	n     int32
}

// occurrence is one word of the text: where it starts, and which word of
// the vocabulary it is.
type occurrence struct {
	start int32
	id    int32
}

// wordStream is every word of a text, hashed.
type wordStream struct {
	vocab []vocabWord
	parts []partRec
	occ   []occurrence
	// base is where the text starts in the one the words were recorded
	// from (0 but for a view of a part of it, see within).
	base int32
	// tables are the word tables of the queries the stream and its views
	// were matched against (shared by them), at most maxQueryTables.
	tables *[]*queryTable
}

// queryTable is the word table of one set of word terms, kept with a
// stream: a compressor indexes many parts of one text under one query
// (every hunk of a diff), and a text is indexed again under an equal one;
// the table is built once, and each distinct word of the vocabulary is
// looked up once.
type queryTable struct {
	key string // wordKey of the query
	wt  wordTable
	// sets[id] holds the term bits of word id of the vocabulary, once
	// known[id/64] has bit id%64.
	sets, known []uint64
}

// maxQueryTables bounds the tables kept with a stream (each holds 8
// bytes per distinct word).
const maxQueryTables = 6

// wordKey names the word terms of q that a word table holds, in order: the
// term bits of a table are their positions in it.
func wordKey(q *Query) string {
	var b strings.Builder
	size := 0
	for i := range q.Terms {
		size += len(q.Terms[i].Text) + 4
	}
	b.Grow(size)
	n := 0
	for i := range q.Terms {
		if t := &q.Terms[i]; t.Kind == Word && n < 64 {
			b.WriteString(strconv.Itoa(len(t.Text)))
			b.WriteByte(':')
			b.WriteString(t.Text)
			n++
		}
	}
	return b.String()
}

// table returns the table of q's word terms kept with ws, built (from
// built when not nil, which is wordTable.build of q) and kept when new.
// Its idx is that of the query it was built for: callers map term bits
// to their own query's terms with wordIdx.
func (ws *wordStream) table(q *Query, built *wordTable) *queryTable {
	key := wordKey(q)
	for _, qt := range *ws.tables {
		if qt.key == key {
			return qt
		}
	}
	qt := &queryTable{key: key, sets: make([]uint64, len(ws.vocab)), known: make([]uint64, (len(ws.vocab)+63)/64)}
	if built != nil {
		qt.wt = *built
	} else {
		qt.wt.build(q)
	}
	if len(*ws.tables) < maxQueryTables {
		*ws.tables = append(*ws.tables, qt)
	}
	return qt
}

// maxMemoTables bounds the word tables a memo keeps (see tableOf).
const maxMemoTables = 16

// tableOf returns wordTable.build of q, kept in m by q's word terms: a
// compressor indexes many texts of one block under one query (each
// collection of a JSON document), which are read directly, without a
// stream to keep the table with.
func tableOf(m *lines.Memo, q *Query) wordTable {
	key := wordKey(q)
	var tables map[string]*wordTable
	if v, ok := m.Get("relevance.tables", ""); ok {
		tables = v.(map[string]*wordTable)
	} else {
		tables = map[string]*wordTable{}
		m.Put("relevance.tables", "", tables)
	}
	if wt, ok := tables[key]; ok {
		c := *wt
		c.idx = wordIdx(q)
		return c
	}
	var wt wordTable
	wt.build(q)
	if len(tables) < maxMemoTables {
		c := wt
		tables[key] = &c
	}
	return wt
}

// wordIdx maps the term bits of a word table of q to q's term indexes, as
// wordTable.build does.
func wordIdx(q *Query) []int {
	var idx []int
	for i := range q.Terms {
		if q.Terms[i].Kind == Word && len(idx) < 64 {
			idx = append(idx, i)
		}
	}
	return idx
}

// pos returns the offset of word k in the stream's text.
func (ws *wordStream) pos(k int) int { return int(ws.occ[k].start - ws.base) }

// end returns the offset just past word k in the recorded text.
func (ws *wordStream) end(k int) int {
	return int(ws.occ[k].start + ws.vocab[ws.occ[k].id].n)
}

// within returns the stream of text[off:off+n] (a view, nothing copied),
// or nil when a word runs across either end, which would be cut there.
func (ws *wordStream) within(off, n int) *wordStream {
	end := off + n
	lo := sort.Search(len(ws.occ), func(k int) bool { return int(ws.occ[k].start) >= off })
	hi := lo + sort.Search(len(ws.occ)-lo, func(k int) bool { return int(ws.occ[lo+k].start) >= end })
	if lo > 0 && ws.end(lo-1) > off || hi > lo && ws.end(hi-1) > end {
		return nil
	}
	return &wordStream{vocab: ws.vocab, parts: ws.parts, occ: ws.occ[lo:hi], base: int32(off), tables: ws.tables}
}

// textInfo is what an index remembers of a text in a memo.
type textInfo struct {
	direct  bool // too large for a stream: read directly every time
	indexed int  // direct walks so far
	words   *wordStream
	ascii   bool
	lower   string // the ASCII-lowered text, once a scan needed it
	text    string // set for a parent (see recorded)
	// indexes are the indexes built of the text, by query (queryKey), at
	// most four per query (one per set of units).
	indexes map[string][]*Index
	// scans are where compound terms match the text (see scanMemo).
	scans map[string]termStarts
}

// infoOf returns the memo's record of text (nil without a memo).
func infoOf(m *lines.Memo, text string) *textInfo {
	if m == nil {
		return nil
	}
	if v, ok := m.Get("relevance", text); ok {
		return v.(*textInfo)
	}
	ti := &textInfo{ascii: lines.IsASCII(text), direct: len(text) > maxStreamBytes}
	if len(text) > 0 {
		// A part of a text already recorded (a diff's hunk, a section)
		// is a view of its stream.
		p := uintptr(unsafe.Pointer(unsafe.StringData(text)))
		for _, pt := range parentsOf(m) {
			q := uintptr(unsafe.Pointer(unsafe.StringData(pt.text)))
			if p < q || p+uintptr(len(text)) > q+uintptr(len(pt.text)) {
				continue
			}
			off := int(p - q)
			if ws := pt.words.within(off, len(text)); ws != nil {
				ti.words = ws
				if pt.lower != "" {
					ti.lower = pt.lower[off : off+len(text)]
				}
				break
			}
		}
	}
	m.Put("relevance", text, ti)
	return ti
}

// Lowered returns text with its ASCII letters lowered when text is all
// ASCII (the lowered copy the index scans compound terms in, kept in m,
// nil keeping nothing), and false otherwise.
func Lowered(m *lines.Memo, text string) (string, bool) {
	ti := infoOf(m, text)
	if ti == nil {
		if !lines.IsASCII(text) {
			return "", false
		}
		return lines.LowerASCII(text), true
	}
	if !ti.ascii {
		return "", false
	}
	if ti.lower == "" {
		ti.lower = lines.LowerASCII(text)
	}
	return ti.lower, true
}

// minParentBytes is the size from which a recorded text is looked up as
// the parent of the texts indexed after it.
const minParentBytes = 4 << 10

// maxParents bounds the recorded texts looked up as parents.
const maxParents = 8

// parentsOf returns the texts of m recorded as parents.
func parentsOf(m *lines.Memo) []*textInfo {
	if v, ok := m.Get("relevance.parents", ""); ok {
		return *v.(*[]*textInfo)
	}
	return nil
}

// recorded notes that ti (of text) now has its words recorded: a large
// text becomes a parent whose parts are views of its stream.
func recorded(m *lines.Memo, ti *textInfo, text string) {
	if ti.words == nil || len(text) < minParentBytes || ti.words.base != 0 {
		return
	}
	var parents *[]*textInfo
	if v, ok := m.Get("relevance.parents", ""); ok {
		parents = v.(*[]*textInfo)
	} else {
		parents = new([]*textInfo)
		m.Put("relevance.parents", "", parents)
	}
	if len(*parents) < maxParents {
		ti.text = text
		*parents = append(*parents, ti)
	}
}

// hashes returns h and hs for w as wordTable.lookup computes them.
func hashes(w string) (h, hs uint64) {
	if h, hs, ok := lines.HashStem(w); ok {
		return h, hs
	}
	h = hashWord(w)
	hs = h
	if len(w) >= 4 {
		if sl := lines.StemLen(w); sl < len(w) {
			hs = lines.HashFold(w[:sl])
		}
	}
	return h, hs
}

// streamOf records the words of text; nil when poll stopped it.
func streamOf(text string, poll func(pos int) bool) *wordStream {
	// About one word in seven bytes of text, in most outputs, one in ten
	// of them new: one allocation each, where growing would copy the
	// records over and over.
	b := newStreamBuilder(text, len(text)/6+16, len(text)/64+16)
	if !b.walk(0, len(text), poll) {
		return nil
	}
	return b.ws
}

// streamAround records the words of text from the stream of a recorded
// parent that text holds (a tool output around the payload its compressor
// read: "Output:\n" before it, an exit status after), reading only the rest
// of text; nil when there is no such parent or poll stopped it.
//
// The words of text are the parent's, shifted, between those of what comes
// before and after it, when no word runs across either end of the parent
// in text: at each end, the byte before it or the byte after it is ASCII
// and not a word byte (a word is read the same from a fresh start after
// such a byte, and ends before it). A payload usually ends with a newline
// and is followed by a trailer's word ("Error: (none)").
func streamAround(m *lines.Memo, text string, poll func(pos int) bool) *wordStream {
	if len(text) == 0 {
		return nil
	}
	t0 := uintptr(unsafe.Pointer(unsafe.StringData(text)))
	for _, pt := range parentsOf(m) {
		p := uintptr(unsafe.Pointer(unsafe.StringData(pt.text)))
		if len(pt.text) >= len(text) || p < t0 || p+uintptr(len(pt.text)) > t0+uintptr(len(text)) {
			continue
		}
		off := int(p - t0)
		end := off + len(pt.text)
		if off > 0 && !wordGap(text, off) || end < len(text) && !wordGap(text, end) {
			continue
		}
		pw := pt.words
		rest := len(text) - len(pt.text)
		b := newStreamBuilder(text, len(pw.occ)+rest/6+16, len(pw.vocab)+rest/64+16)
		for _, v := range pw.vocab {
			v.at += int32(off)
			b.ws.vocab = append(b.ws.vocab, v)
		}
		b.ws.parts = append(b.ws.parts, pw.parts...)
		b.rehash()
		if !b.walk(0, off, poll) {
			return nil
		}
		for _, o := range pw.occ {
			o.start += int32(off)
			b.ws.occ = append(b.ws.occ, o)
		}
		if !b.walk(end, len(text), poll) {
			return nil
		}
		return b.ws
	}
	return nil
}

// wordGap reports whether no word runs across offset i of text (0 < i <
// len(text)): the byte before or the byte at i is ASCII and not a word
// byte. An ASCII byte is never inside a multi-byte rune, so the walk
// reaches it on its own.
func wordGap(text string, i int) bool {
	return nonWordASCII(text[i-1]) || nonWordASCII(text[i])
}

func nonWordASCII(c byte) bool { return c < utf8.RuneSelf && !lines.IsWordByte(c) }

// streamBuilder records a text's words into a stream.
type streamBuilder struct {
	text string
	ws   *wordStream
	// slots is an open-addressing table of the vocabulary by hash: entry
	// id+1, 0 for free, kept at most half full.
	slots []int32
	bits  int
	// recent maps a word's hash to its vocabulary entry and its latest
	// occurrence, direct-mapped: a text repeats its words close together
	// (a log's field names, a listing's columns), and the text at a recent
	// occurrence is in the processor's cache where the slots, the
	// vocabulary and the first occurrence of a large text's words are not.
	recent [1024]recentWord
}

type recentWord struct {
	h         uint64
	at, n, id int32 // n 0: empty
}

func newStreamBuilder(text string, occCap, vocabCap int) *streamBuilder {
	b := &streamBuilder{text: text, ws: &wordStream{
		occ:    make([]occurrence, 0, occCap),
		vocab:  make([]vocabWord, 0, vocabCap),
		tables: new([]*queryTable),
	}}
	b.bits = 6
	for 1<<b.bits < 2*vocabCap {
		b.bits++
	}
	b.slots = make([]int32, 1<<b.bits)
	return b
}

// walk records the words of text[from:to], which must not start or end
// inside a word; false when poll stopped it.
func (b *streamBuilder) walk(from, to int, poll func(pos int) bool) bool {
	ws := b.ws
	stopped := false
	lines.WordsHashed(b.text[from:to], func(w string, start int, h, hs uint64, hashed bool) bool {
		start += from
		if len(ws.occ)&255 == 0 && poll(start) {
			stopped = true
			return false
		}
		if !hashed {
			h, hs = hashes(w)
		}
		rw := &b.recent[h>>54]
		if rw.h == h && int(rw.n) == len(w) && b.text[rw.at:int(rw.at)+len(w)] == w {
			ws.occ = append(ws.occ, occurrence{start: int32(start), id: rw.id})
			rw.at = int32(start)
			return true
		}
		mask := len(b.slots) - 1
		i := int(h>>(64-b.bits)) & mask
		for {
			id := b.slots[i]
			if id == 0 {
				break
			}
			if v := &ws.vocab[id-1]; v.h == h && int(v.n) == len(w) && b.text[v.at:int(v.at)+len(w)] == w {
				ws.occ = append(ws.occ, occurrence{start: int32(start), id: id - 1})
				*rw = recentWord{h: h, at: int32(start), n: int32(len(w)), id: id - 1}
				return true
			}
			i = (i + 1) & mask
		}
		id := int32(len(ws.vocab))
		v := vocabWord{h: h, hs: hs, at: int32(start), n: int32(len(w)), p0: int32(len(ws.parts))}
		if hasCaseChangeOrUnderscore(w) {
			lines.Parts(w, func(p string) {
				ph, phs := hashes(p)
				ws.parts = append(ws.parts, partRec{h: ph, hs: phs, n: int32(len(p))})
			})
		}
		v.p1 = int32(len(ws.parts))
		ws.vocab = append(ws.vocab, v)
		ws.occ = append(ws.occ, occurrence{start: int32(start), id: id})
		*rw = recentWord{h: h, at: int32(start), n: int32(len(w)), id: id}
		b.slots[i] = id + 1
		if 2*len(ws.vocab) > len(b.slots) {
			b.bits++
			b.rehash()
		}
		return true
	})
	return !stopped
}

// rehash rebuilds slots, of 1<<bits entries, from the vocabulary.
func (b *streamBuilder) rehash() {
	for 1<<b.bits < 2*len(b.ws.vocab) {
		b.bits++
	}
	if len(b.slots) != 1<<b.bits {
		b.slots = make([]int32, 1<<b.bits)
	} else {
		clear(b.slots)
	}
	mask := len(b.slots) - 1
	for k := range b.ws.vocab {
		j := int(b.ws.vocab[k].h>>(64-b.bits)) & mask
		for b.slots[j] != 0 {
			j = (j + 1) & mask
		}
		b.slots[j] = int32(k) + 1
	}
}

// lookupHashed is wordTable.lookup of a word of n bytes hashed to h, hs.
func (wt *wordTable) lookupHashed(h, hs uint64, n int32) uint64 {
	var set uint64
	if wt.exactIn.has(h) {
		set |= wt.exact[h]
	}
	if n >= 4 && wt.stemIn.has(hs) {
		set |= wt.stem[hs]
	}
	return set
}

// matchStream is the word pass of BuildStop over a recorded stream: fn
// gets the index (by idx, see wordIdx) of every term word k of the stream
// is a form of, as wordTable.match would for the word itself.
func (qt *queryTable) matchStream(ws *wordStream, idx []int, poll func(pos int) bool, fn func(k int, t int)) {
	for k, o := range ws.occ {
		if k&255 == 0 && poll(int(o.start-ws.base)) {
			return
		}
		w, b := uint32(o.id)/64, uint64(1)<<(uint32(o.id)%64) // unsigned: a shift, no sign fix-up
		if qt.known[w]&b == 0 {
			qt.sets[o.id] = qt.wt.vocabSet(ws, o.id)
			qt.known[w] |= b
		}
		if set := qt.sets[o.id]; set != 0 {
			emit(set, idx, k, fn)
		}
	}
}

// vocabSet returns the bits of the terms word id of the vocabulary is a
// form of, itself or through its identifier parts.
func (wt *wordTable) vocabSet(ws *wordStream, id int32) uint64 {
	v := &ws.vocab[id]
	minLen, maxLen := int32(wt.minLen), int32(wt.maxLen)
	var set uint64
	if v.n >= minLen && v.n <= maxLen {
		set = wt.lookupHashed(v.h, v.hs, v.n)
	}
	if v.n > minLen {
		for _, p := range ws.parts[v.p0:v.p1] {
			set |= wt.lookupHashed(p.h, p.hs, p.n)
		}
	}
	return set
}

// emit calls fn(k, idx[b]) for every bit b of set, in bit order.
func emit(set uint64, idx []int, k int, fn func(k int, t int)) {
	for set != 0 {
		b := set & -set
		set ^= b
		fn(k, idx[bits.TrailingZeros64(b)])
	}
}
