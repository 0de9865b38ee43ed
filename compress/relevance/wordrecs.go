package relevance

import (
	"math/bits"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Indexing the same text again (a block re-judged by a later turn is
// compressed again under a larger query; the safety net folds a payload
// its compressor already read) repeats what depends on the text alone:
// splitting it into words, hashing each word and its stem, cutting
// identifiers into parts, lowering it for substring scans. With a memo
// (see lines.Memo) the second index of a text records that once, as a
// word stream, and every later one matches its query against the stream:
// two filter probes a word instead of a walk, a stem and two hashes.

// maxStreamBytes bounds the texts whose words are recorded (about 40
// bytes a word): a larger one is read directly every time.
const maxStreamBytes = 2 << 20

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
}

// textInfo is what an index remembers of a text in a memo.
type textInfo struct {
	indexed int // how many indexes read the text directly
	words   *wordStream
	ascii   bool
	lower   string // the ASCII-lowered text, once a scan needed it
}

// infoOf returns the memo's record of text (nil without a memo).
func infoOf(m *lines.Memo, text string) *textInfo {
	if m == nil {
		return nil
	}
	if v, ok := m.Get("relevance", text); ok {
		return v.(*textInfo)
	}
	ti := &textInfo{ascii: lines.IsASCII(text)}
	m.Put("relevance", text, ti)
	return ti
}

// hashes returns h and hs for w as wordTable.lookup computes them.
func hashes(w string) (h, hs uint64) {
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
	ws := &wordStream{words: make([]wordRec, 0, len(text)/6+1)}
	stopped := false
	lines.Words(text, func(w string, start, _ int) bool {
		if poll(start) {
			stopped = true
			return false
		}
		h, hs := hashes(w)
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
	if wt.filter&(1<<(h&63)) != 0 {
		set |= wt.exact[h]
	}
	if n >= 4 && wt.filter&(1<<(hs&63)) != 0 {
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
		if poll(int(r.start)) {
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
