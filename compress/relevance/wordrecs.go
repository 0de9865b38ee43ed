package relevance

import (
	"math/bits"
	"sort"
	"unsafe"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Indexing the same text again (a block re-judged by a later turn is
// compressed again under a larger query; the safety net folds a payload
// its compressor already read) repeats what depends on the text alone:
// splitting it into words, hashing each word and its stem, cutting
// identifiers into parts, lowering it for substring scans. With a memo
// (see lines.Memo) the first index of a text of streamFirstBytes or more
// (of a smaller one, the second) records that once, as a word stream, and every later one matches its query against the stream:
// two filter probes a word instead of a walk, a stem and two hashes.

// maxStreamBytes bounds the texts whose words are recorded (about 40
// bytes a word): a larger one is read directly every time.
const maxStreamBytes = 2 << 20

// streamFirstBytes is the size from which a text's first index records
// its word stream: a smaller block is often indexed once, and its stream
// would be allocation for nothing.
const streamFirstBytes = 32 << 10

// wordRec is one word of a text as the word table looks it up.
type wordRec struct {
	h, hs uint64 // hash of the folded word, of its stem (h when none)
	start int32  // byte offset in the text
	n     int32  // length in bytes, as it stands in the text
	// parts[p0:p1] are its identifier parts (see lines.Parts), recorded
	// when it has a case change or an underscore.
	p0, p1 int32
}

// partRec is one identifier part of a word.
type partRec struct {
	h, hs uint64
	n     int32
}

// wordStream is every word of a text, hashed.
type wordStream struct {
	words []wordRec
	parts []partRec
	// base is where the text starts in the one the words were recorded
	// from (0 but for a view of a part of it, see within).
	base int32
}

// pos returns the offset of word k in the stream's text.
func (ws *wordStream) pos(k int) int { return int(ws.words[k].start - ws.base) }

// within returns the stream of text[off:off+n] (a view, nothing copied),
// or nil when a word runs across either end, which would be cut there.
func (ws *wordStream) within(off, n int) *wordStream {
	end := off + n
	lo := sort.Search(len(ws.words), func(k int) bool { return int(ws.words[k].start) >= off })
	hi := lo + sort.Search(len(ws.words)-lo, func(k int) bool { return int(ws.words[lo+k].start) >= end })
	if lo > 0 && int(ws.words[lo-1].start+ws.words[lo-1].n) > off ||
		hi > lo && int(ws.words[hi-1].start+ws.words[hi-1].n) > end {
		return nil
	}
	return &wordStream{words: ws.words[lo:hi], parts: ws.parts, base: int32(off)}
}

// textInfo is what an index remembers of a text in a memo.
type textInfo struct {
	direct  bool // too large for a stream: read directly every time
	indexed int  // direct walks so far
	words   *wordStream
	ascii   bool
	lower   string // the ASCII-lowered text, once a scan needed it
	text    string // set for a parent (see recorded)
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
	// About one word in five bytes of text at most, in most outputs: one
	// allocation, where growing would copy the records over and over.
	ws := &wordStream{words: make([]wordRec, 0, len(text)/5+16), parts: make([]partRec, 0, len(text)/64+4)}
	stopped := false
	lines.WordsHashed(text, func(w string, start int, h, hs uint64, hashed bool) bool {
		if poll(start) {
			stopped = true
			return false
		}
		if !hashed {
			h, hs = hashes(w)
		}
		r := wordRec{h: h, hs: hs, start: int32(start), n: int32(len(w)), p0: int32(len(ws.parts))}
		if hasCaseChangeOrUnderscore(w) {
			lines.Parts(w, func(p string) {
				ph, phs := hashes(p)
				ws.parts = append(ws.parts, partRec{h: ph, hs: phs, n: int32(len(p))})
			})
		}
		r.p1 = int32(len(ws.parts))
		ws.words = append(ws.words, r)
		return true
	})
	if stopped {
		return nil
	}
	return ws
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
// gets the index of every term word k of the stream is a form of, as
// wordTable.match would for the word itself.
func (wt *wordTable) matchStream(ws *wordStream, poll func(pos int) bool, fn func(k int, t int)) {
	minLen, maxLen := int32(wt.minLen), int32(wt.maxLen)
	for k := range ws.words {
		r := &ws.words[k]
		if poll(int(r.start - ws.base)) {
			return
		}
		var set uint64
		if r.n >= minLen && r.n <= maxLen {
			set = wt.lookupHashed(r.h, r.hs, r.n)
		}
		if r.n > minLen {
			for _, p := range ws.parts[r.p0:r.p1] {
				set |= wt.lookupHashed(p.h, p.hs, p.n)
			}
		}
		for set != 0 {
			b := set & -set
			set ^= b
			fn(k, wt.idx[bits.TrailingZeros64(b)])
		}
	}
}
