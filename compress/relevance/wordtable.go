package relevance

import (
	"math/bits"
	"unicode"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// wordTable finds the Word terms of a query among the words of a text
// without allocating: terms are keyed by the hash of their folded form and
// of their stem, and a bit filter per map skips most words with one probe.
type wordTable struct {
	exact map[uint64]uint64 // hash of folded word -> term bits
	stem  map[uint64]uint64 // hash of stem -> term bits
	// exactIn and stemIn have bit filterBit(h) set for every key of exact
	// and stem. A query has up to 64 word terms, two keys each: a filter
	// of 64 bits is then almost all ones and lets every word through to
	// the maps, which cost most of a word pass; at 4096 bits one word in
	// about a hundred gets through.
	exactIn, stemIn filter
	idx             []int // term bit -> index in Query.Terms
	// minLen and maxLen bound the words that can match a term, itself or
	// inflected (a stem drops at most five letters).
	minLen, maxLen int
	// first holds the first bytes, both cases, of the terms: a word
	// (or its stem) matches a term only if it starts like one. Nil when
	// a term starts beyond ASCII.
	first *[256]bool
}

func (wt *wordTable) build(q *Query) {
	for i := range q.Terms {
		t := &q.Terms[i]
		if t.Kind != Word || len(wt.idx) == 64 {
			continue
		}
		bit := uint64(1) << len(wt.idx)
		wt.idx = append(wt.idx, i)
		if wt.minLen == 0 || len(t.Text) < wt.minLen {
			wt.minLen = min(len(t.Text), lines.StemLen(t.Text))
		}
		wt.maxLen = max(wt.maxLen, len(t.Text)+5)
		if wt.exact == nil {
			wt.exact = map[uint64]uint64{}
			wt.stem = map[uint64]uint64{}
		}
		wt.addFirst(t.Text)
		h := lines.HashFold(t.Text)
		wt.exact[h] |= bit
		wt.exactIn.add(h)
		if sl := lines.StemLen(t.Text); sl < len(t.Text) {
			hs := lines.HashFold(t.Text[:sl])
			wt.stem[hs] |= bit
			wt.stemIn.add(hs)
		} else if isStemmable(t.Text) {
			// An uninflected word is its own stem: "resume" must meet
			// "resumes" (stem "resum") — its stem is a shorter prefix,
			// handled above; words without a suffix match as stems too.
			wt.stem[h] |= bit
			wt.stemIn.add(h)
		}
	}
}

// filter is a set of hashes that may answer "present" for an absent one
// (one in about a hundred at 64 keys), never "absent" for a present one.
type filter [1 << filterLog / 64]uint64

const filterLog = 12 // 4096 bits, 512 bytes

// filterAt returns the word and mask of h's bit, taken from its top bits,
// which FNV-1a mixes best (every byte's multiply carries into them).
func filterAt(h uint64) (int, uint64) {
	b := h >> (64 - filterLog)
	return int(b >> 6), 1 << (b & 63)
}

func (f *filter) add(h uint64) {
	i, m := filterAt(h)
	f[i] |= m
}

func (f *filter) has(h uint64) bool {
	i, m := filterAt(h)
	return f[i]&m != 0
}

// addFirst adds term's first byte to wt.first.
func (wt *wordTable) addFirst(term string) {
	if len(wt.idx) == 1 {
		wt.first = new([256]bool)
	}
	if wt.first == nil || term == "" {
		return
	}
	c := term[0]
	if c >= utf8.RuneSelf {
		wt.first = nil
		return
	}
	wt.first[c] = true
	if c|0x20 >= 'a' && c|0x20 <= 'z' {
		wt.first[c|0x20], wt.first[c&^0x20] = true, true
	}
}

func isStemmable(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return len(w) >= 4
}

func (wt *wordTable) any() bool { return len(wt.idx) > 0 }

// matchHashed calls fn with the index of every term that word w (as it stands
// in the text) is a form of, including through its identifier parts.
// The word comes hashed to h, hs when hashed is set (see
// lines.WordsHashed); otherwise it is hashed here.
func (wt *wordTable) matchHashed(w string, h, hs uint64, hashed bool, fn func(t int)) {
	var set uint64
	if len(w) >= wt.minLen && len(w) <= wt.maxLen {
		if hashed {
			set = wt.lookupHashed(h, hs, int32(len(w)))
		} else {
			set = wt.lookup(w)
		}
	}
	if len(w) > wt.minLen && hasCaseChangeOrUnderscore(w) {
		lines.Parts(w, func(p string) { set |= wt.lookup(p) })
	}
	for set != 0 {
		b := set & -set
		set ^= b
		fn(wt.idx[bits.TrailingZeros64(b)])
	}
}

func (wt *wordTable) lookup(w string) uint64 {
	h, hs := hashes(w)
	return wt.lookupHashed(h, hs, int32(len(w)))
}

// hashWord hashes the folded form of w: ASCII fast, other letters lowered.
func hashWord(w string) uint64 {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return lines.HashFold(lines.Fold(w))
		}
	}
	return lines.HashFold(w)
}

func hasCaseChangeOrUnderscore(w string) bool {
	for i := 1; i < len(w); i++ {
		c, p := w[i], w[i-1]
		if c == '_' || c >= 'A' && c <= 'Z' && p >= 'a' && p <= 'z' {
			return true
		}
	}
	return false
}

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
