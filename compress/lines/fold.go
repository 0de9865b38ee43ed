package lines

import (
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Case-insensitive search for all of Unicode. A letter and its lower case
// may differ in length in UTF-8 (U+023A 'Ⱥ' is 2 bytes, 'ⱥ' 3; the Kelvin
// sign is 3 bytes, 'k' 1), so an index found in a lowered copy is not an
// index into the original: IndexFold reads the original rune by rune and
// returns a span in it.

// foldRune lowers r as Fold does (strings.ToLower maps rune by rune with
// unicode.ToLower).
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return rune(asciiLower[r])
	}
	return unicode.ToLower(r)
}

// IndexFold returns the byte span in s of the first match of needle, a
// string already lowered with Fold, comparing the runes of s lowered; -1,
// -1 when there is none. end-start may differ from len(needle).
func IndexFold(s, needle string) (start, end int) {
	if needle == "" {
		return 0, 0
	}
	r0, _ := utf8.DecodeRuneInString(needle)
	if r0 == utf8.RuneError {
		// Any invalid byte of s lowers to U+FFFD: try every rune start.
		for i := 0; i < len(s); {
			if e := matchFold(s[i:], needle); e >= 0 {
				return i, i + e
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		}
		return -1, -1
	}
	// Candidate starts are the lead bytes of the runes that lower to r0:
	// r0's case-fold orbit ('k', 'K' and the Kelvin sign), and U+0130,
	// the one letter whose lower case ('i') lies outside its orbit.
	var leads [6]byte
	nl := 0
	addLead := func(r rune) {
		var b [utf8.UTFMax]byte
		utf8.EncodeRune(b[:], r)
		for k := range nl {
			if leads[k] == b[0] {
				return
			}
		}
		if nl < len(leads) {
			leads[nl] = b[0]
			nl++
		}
	}
	addLead(r0)
	for r := unicode.SimpleFold(r0); r != r0; r = unicode.SimpleFold(r) {
		addLead(r)
	}
	if r0 == 'i' {
		addLead('\u0130')
	}
	// next[k] caches the next occurrence of leads[k] at or after i, so
	// the search stays linear however many candidates fail.
	var next [len(leads)]int
	for k := range nl {
		next[k] = -2
	}
	for i := 0; i < len(s); {
		c := len(s)
		for k := range nl {
			if next[k] != -1 && next[k] < i {
				next[k] = strings.IndexByte(s[i:], leads[k])
				if next[k] >= 0 {
					next[k] += i
				}
			}
			if next[k] >= 0 && next[k] < c {
				c = next[k]
			}
		}
		if c == len(s) {
			break
		}
		if e := matchFold(s[c:], needle); e >= 0 {
			return c, c + e
		}
		i = c + 1
	}
	return -1, -1
}

// FoldSearch is IndexFold for a caller that searches one text again and
// again from later offsets (counting a term's matches, most of them
// rejected at a word edge): where each candidate lead byte occurs next is
// kept between calls, where IndexFold of each rest of the text looks for a
// rare lead (the 'R' of "read") all the way to the end every time.
type FoldSearch struct {
	s, needle string
	leads     [6]byte
	nl        int
	next      [6]int // next occurrence of leads[k] at or after from; -2: to find, -1: none
	from      int    // the offset of the last call
	plain     bool   // needle is empty or opens with an invalid byte: IndexFold each time
}

// NewFoldSearch prepares the search for needle (lowered with Fold) in s.
func NewFoldSearch(s, needle string) *FoldSearch {
	f := &FoldSearch{s: s, needle: needle}
	r0, _ := utf8.DecodeRuneInString(needle)
	if needle == "" || r0 == utf8.RuneError {
		f.plain = true
		return f
	}
	// The leads of IndexFold.
	addLead := func(r rune) {
		var b [utf8.UTFMax]byte
		utf8.EncodeRune(b[:], r)
		for k := range f.nl {
			if f.leads[k] == b[0] {
				return
			}
		}
		if f.nl < len(f.leads) {
			f.leads[f.nl] = b[0]
			f.nl++
		}
	}
	addLead(r0)
	for r := unicode.SimpleFold(r0); r != r0; r = unicode.SimpleFold(r) {
		addLead(r)
	}
	if r0 == 'i' {
		addLead('\u0130')
	}
	for k := range f.nl {
		f.next[k] = -2
	}
	return f
}

// Next returns IndexFold(s[from:], needle) as offsets in s (-1, -1 when
// there is no match). Calls from a smaller offset than the last one start
// over.
func (f *FoldSearch) Next(from int) (start, end int) {
	if f.plain || from > len(f.s) {
		i, j := IndexFold(f.s[min(from, len(f.s)):], f.needle)
		if i < 0 {
			return -1, -1
		}
		return from + i, from + j
	}
	if from < f.from {
		for k := range f.nl {
			f.next[k] = -2
		}
	}
	f.from = from
	s := f.s
	for i := from; i < len(s); {
		c := len(s)
		for k := range f.nl {
			if f.next[k] != -1 && f.next[k] < i {
				f.next[k] = strings.IndexByte(s[i:], f.leads[k])
				if f.next[k] >= 0 {
					f.next[k] += i
				}
			}
			if f.next[k] >= 0 && f.next[k] < c {
				c = f.next[k]
			}
		}
		if c == len(s) {
			break
		}
		if e := matchFold(s[c:], f.needle); e >= 0 {
			return c, c + e
		}
		i = c + 1
	}
	return -1, -1
}

// matchFold returns how many bytes of s, lowered rune by rune, spell
// needle from its start, or -1.
func matchFold(s, needle string) int {
	j := 0
	for k := 0; k < len(needle); {
		if j >= len(s) {
			return -1
		}
		if c, n := s[j], needle[k]; c < utf8.RuneSelf && n < utf8.RuneSelf {
			// Both ASCII: the common case, one table load.
			if asciiLower[c] != n {
				return -1
			}
			j++
			k++
			continue
		}
		nr, nn := utf8.DecodeRuneInString(needle[k:])
		r, n := utf8.DecodeRuneInString(s[j:])
		if foldRune(r) != nr {
			return -1
		}
		j += n
		k += nn
	}
	return j
}

// IsASCII reports whether s holds only ASCII bytes.
func IsASCII(s string) bool {
	// Eight bytes at a time: whole blocks are checked.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64([]byte(s[i:i+8]))&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
