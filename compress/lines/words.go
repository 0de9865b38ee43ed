package lines

import (
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// IsWordByte reports whether c is an ASCII letter, digit or '_'.
func IsWordByte(c byte) bool { return wordByte[c] }

// wordByte is IsWordByte as a table: one load instead of four compares on
// the hottest loops of the engine.
var wordByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	return t
}()

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// IsLetter reports whether c is an ASCII letter.
func IsLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// IsHex reports whether c is an ASCII hex digit.
func IsHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// SkipDigits returns the end of the run of ASCII digits in s from i: the
// scan parsers start with to read a number in place.
func SkipDigits(s string, i int) int {
	for i < len(s) && IsDigit(s[i]) {
		i++
	}
	return i
}

// AllDigits reports whether s is a non-empty run of ASCII digits.
func AllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !IsDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// SkipHex returns the end of the run of ASCII hex digits in s from i (a
// hash, an address).
func SkipHex(s string, i int) int {
	for i < len(s) && IsHex(s[i]) {
		i++
	}
	return i
}

// Words calls fn for every word of s, in order: maximal runs of letters,
// digits and '_' (any script). fn gets the word as it stands in s and its
// byte offsets; it stops the walk by returning false.
func Words(s string, fn func(w string, start, end int) bool) {
	i := 0
	for i < len(s) {
		c := s[i]
		j := i + 1
		if c < utf8.RuneSelf {
			if !wordByte[c] {
				i++
				continue
			}
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				i += n
				continue
			}
			j = i + n
		}
		for j < len(s) && wordByte[s[j]] {
			j++
		}
		j = wordEnd(s, j)
		if !fn(s[i:j], i, j) {
			return
		}
		i = j
	}
}

// Parts calls fn for the parts of an identifier-like word that are worth
// matching on their own: the pieces between underscores and at lower-to-
// upper case changes ("SanitizeHostname" -> "Sanitize", "Hostname";
// "max_old_space" -> "max", "old", "space"), when there are at least two.
// Pieces shorter than three bytes are skipped.
func Parts(w string, fn func(p string)) {
	var cuts [32]int
	n := 0
	cuts[n] = 0
	n++
	for i := 1; i < len(w) && n < len(cuts)-1; i++ {
		c, p := w[i], w[i-1]
		switch {
		case c == '_':
			cuts[n] = i
			n++
		case c >= 'A' && c <= 'Z' && p >= 'a' && p <= 'z':
			cuts[n] = i
			n++
		case c >= 'A' && c <= 'Z' && p >= 'A' && p <= 'Z' && i+1 < len(w) && w[i+1] >= 'a' && w[i+1] <= 'z':
			// "HTTPServer" -> "HTTP", "Server".
			cuts[n] = i
			n++
		}
	}
	if n < 2 {
		return
	}
	cuts[n] = len(w)
	for k := 0; k < n; k++ {
		p := strings.Trim(w[cuts[k]:cuts[k+1]], "_")
		if len(p) >= 3 {
			fn(p)
		}
	}
}

// Fold returns w in lower case. ASCII words are lowered without
// allocating when already lower case.
func Fold(w string) string {
	ascii, upper := true, false
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	if ascii && !upper {
		return w
	}
	if ascii {
		b := make([]byte, len(w))
		for i := 0; i < len(w); i++ {
			c := w[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		return string(b)
	}
	return strings.ToLower(w)
}

// Stem strips a common English inflection from a lowercase, all-letter
// word so that its forms meet: "resumes", "resumed", "resuming" -> "resum";
// "dependencies" -> "dependenc"; "skipped" -> "skip". Words with digits or
// '_', and words whose stem would be shorter than four letters, come back
// unchanged. The stem is always a prefix of the word.
func Stem(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	return w[:stemLen(w)]
}

// StemLen returns len(Stem(Fold(w))) for an ASCII word w, without building
// either: callers hash w[:StemLen(w)] with HashFold.
func StemLen(w string) int {
	for i := 0; i < len(w); i++ {
		if c := asciiLower[w[i]]; c < 'a' || c > 'z' {
			return len(w)
		}
	}
	return stemLen(w)
}

// stemLen computes the stem length of an all-letter word, folding ASCII
// case as it reads.
func stemLen(w string) int {
	n := len(w)
	if n < 5 {
		return n
	}
	at := func(i int) byte { return asciiLower[w[i]] }
	has := func(suf string) bool {
		if len(suf) > n {
			return false
		}
		for k := 0; k < len(suf); k++ {
			if at(n-len(suf)+k) != suf[k] {
				return false
			}
		}
		return true
	}
	s := n
	switch {
	case has("ies"):
		s = n - 3
	case has("sses"):
		s = n - 2
	case has("ing"):
		s = n - 3
	case has("ed"):
		s = n - 2
	case has("es") && n > 5 && strings.IndexByte("sxz", at(n-3)) >= 0:
		s = n - 2
	case has("s") && !has("ss") && !has("us") && !has("is"):
		s = n - 1
	case has("e"):
		s = n - 1
	case has("y") && n >= 6 && strings.IndexByte("aeiou", at(n-2)) < 0:
		// "dependency" meets "dependencies" at "dependenc".
		s = n - 1
	}
	// Doubled final consonant: "skipped" -> "skipp" -> "skip".
	if s >= 5 && at(s-1) == at(s-2) && strings.IndexByte("aeiouls", at(s-1)) < 0 {
		s--
	}
	// "resume"/"resumed" meet at "resum": a final silent e goes too.
	if s >= 5 && at(s-1) == 'e' {
		s--
	}
	if s < 4 {
		return n
	}
	return s
}

// asciiLower maps a byte to its ASCII lower case.
var asciiLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'A' && i <= 'Z' {
			t[i] = byte(i) + 'a' - 'A'
		}
	}
	return t
}()

// LowerASCII returns s with ASCII letters lowered and every other byte
// unchanged, so offsets into the result are offsets into s. (Unicode
// lowering can change a letter's length in UTF-8: never slice s with an
// index found in strings.ToLower(s).)
func LowerASCII(s string) string {
	if len(s) == 0 {
		return ""
	}
	buf := make([]byte, len(s))
	// Eight bytes at a time: a block lowered whole is megabytes.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], lower8(binary.LittleEndian.Uint64([]byte(s[i:i+8]))))
	}
	for ; i < len(s); i++ {
		buf[i] = asciiLower[s[i]]
	}
	// buf is never written again: the string shares it rather than
	// copying megabytes once more.
	return unsafe.String(unsafe.SliceData(buf), len(buf))
}

// lower8 lowers the ASCII capitals among the eight bytes of x: per byte,
// with the top bit cleared so no sum carries into the next byte, +0x3f
// sets the top bit from 'A' up and +0x25 from past 'Z'; a byte that had
// its top bit (part of a UTF-8 sequence) is left alone.
func lower8(x uint64) uint64 {
	const low7, high = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	x7 := x & low7
	fromA := x7 + 0x3f3f3f3f3f3f3f3f
	pastZ := x7 + 0x2525252525252525
	capital := fromA &^ pastZ &^ x & high
	return x | capital>>2
}

// HashFold hashes w with ASCII letters lowered (other bytes as they are).
func HashFold(w string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(asciiLower[w[i]])) * fnvPrime
	}
	return h
}

// HashStem returns HashFold(w) and HashFold(w[:StemLen(w)]) in one pass
// over w; ok is false (and nothing is computed) when w holds a non-ASCII
// byte.
func HashStem(w string) (h, hs uint64, ok bool) {
	n := len(w)
	sl := n
	if n >= 5 {
		sl = stemLen(w) // meaningful only when w is all letters
	}
	h = fnvOffset
	letters := true
	for i := 0; i < n; i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return 0, 0, false
		}
		if i == sl {
			hs = h
		}
		lc := asciiLower[c]
		if lc < 'a' || lc > 'z' {
			letters = false
		}
		h = (h ^ uint64(lc)) * fnvPrime
	}
	if !letters || sl == n {
		hs = h
	}
	return h, hs, true
}

// WordsHashed is Words that also hashes each word as it reads it: when
// hashed is set, h and hs are HashStem(w)'s (w is ASCII); otherwise (a word
// with non-ASCII letters) the caller hashes w itself.
func WordsHashed(s string, fn func(w string, start int, h, hs uint64, hashed bool) bool) {
	WordsHashedFirst(s, nil, fn)
}

// WordsHashedFirst is WordsHashed for a reader that looks words up by
// their first byte: an ASCII word whose first byte is not in first (nil:
// every word is read) is passed over unhashed, unless it has identifier
// parts (a case change or an underscore after its first byte), which may
// start otherwise; those come unhashed.
func WordsHashedFirst(s string, first *[256]bool, fn func(w string, start int, h, hs uint64, hashed bool) bool) {
	var hist [8]uint64
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !wordByte[c] {
				i++
				continue
			}
			if first != nil && !first[c] {
				j, parts := i+1, false
				for j < len(s) && wordByte[s[j]] {
					if d := s[j]; d == '_' || d >= 'A' && d <= 'Z' && s[j-1] >= 'a' && s[j-1] <= 'z' {
						parts = true
					}
					j++
				}
				if j == len(s) || s[j] < utf8.RuneSelf {
					if parts && !fn(s[i:j], i, 0, 0, false) {
						return
					}
					i = j
					continue
				}
				// Non-ASCII letters follow: read it as Words does.
			}
			// An ASCII run, hashed as it is read; the hash before each
			// byte is kept for the last eight, where the stem ends.
			h := uint64(fnvOffset)
			letters := true
			j := i
			for j < len(s) && wordByte[s[j]] {
				hist[j&7] = h
				lc := asciiLower[s[j]]
				if lc < 'a' || lc > 'z' {
					letters = false
				}
				h = (h ^ uint64(lc)) * fnvPrime
				j++
			}
			if j == len(s) || s[j] < utf8.RuneSelf {
				w := s[i:j]
				hs := h
				if n := j - i; letters && n >= 5 {
					if sl := stemLen(w); sl < n {
						hs = hist[(i+sl)&7]
					}
				}
				if !fn(w, i, h, hs, true) {
					return
				}
				i = j
				continue
			}
		}
		// A word with non-ASCII letters: as Words reads it.
		j := i + 1
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				i += n
				continue
			}
			j = i + n
		}
		j = wordEnd(s, j)
		if !fn(s[i:j], i, 0, 0, false) {
			return
		}
		i = j
	}
}

// wordEnd returns where the word running at j in s ends: ASCII word bytes,
// and beyond ASCII letters, digits and combining marks.
func wordEnd(s string, j int) int {
	for j < len(s) {
		c := s[j]
		if c < utf8.RuneSelf {
			if !wordByte[c] {
				break
			}
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		j += n
	}
	return j
}

// IndexLowerASCII returns the index of the first place in s whose ASCII
// lowering is needle (LowerASCII(s) searched for needle, without making
// the lowered copy), or -1. It looks for the needle's rarest byte, in
// either case, and checks the window around each: in tool output a
// term's first letter is everywhere, its rarest seldom.
func IndexLowerASCII(s, needle string) int {
	return NewLowerSearch(s, needle).Next(0)
}

// LowerSearch finds needle in s as IndexLowerASCII does, one match after
// another: it remembers where the next candidates of each case are, so
// a scan of all the matches reads s once, however far apart the two
// cases' candidates lie.
type LowerSearch struct {
	s, needle string
	at        int  // index in needle of the byte looked for
	c, other  byte // that byte, and its other case (c when none)
	pc, po    int  // next candidate of each, or len(s); -1: to find
	last      int  // the last place the byte can start a match
}

// NewLowerSearch prepares the search for needle (lowered ASCII) in s.
func NewLowerSearch(s, needle string) *LowerSearch {
	ls := &LowerSearch{s: s, needle: needle, pc: -1, po: -1}
	if needle == "" || len(needle) > len(s) {
		return ls
	}
	ls.at = rarestByte(needle)
	ls.c = needle[ls.at]
	ls.other = ls.c
	if ls.c >= 'a' && ls.c <= 'z' {
		ls.other = ls.c - 'a' + 'A'
	}
	ls.last = len(s) - len(needle) + ls.at
	return ls
}

// Next returns the first match at from or after it (from never goes
// back between calls), or -1.
func (ls *LowerSearch) Next(from int) int {
	if ls.needle == "" {
		if from <= len(ls.s) {
			return from
		}
		return -1
	}
	if len(ls.needle) > len(ls.s) {
		return -1
	}
	min0 := from + ls.at // the byte of a match at from or after
	if ls.pc < min0 {
		ls.pc = ls.next(ls.c, min0)
	}
	if ls.other == ls.c {
		ls.po = len(ls.s)
	} else if ls.po < min0 {
		ls.po = ls.next(ls.other, min0)
	}
	for {
		p := min(ls.pc, ls.po)
		if p == len(ls.s) {
			return -1
		}
		if start := p - ls.at; lowerIs(ls.s[start:start+len(ls.needle)], ls.needle) {
			return start
		}
		if p == ls.pc {
			ls.pc = ls.next(ls.c, p+1)
		} else {
			ls.po = ls.next(ls.other, p+1)
		}
	}
}

// next returns the first b at from or after it where a match can start,
// or len(s).
func (ls *LowerSearch) next(b byte, from int) int {
	if from > ls.last {
		return len(ls.s)
	}
	if i := strings.IndexByte(ls.s[from:ls.last+1], b); i >= 0 {
		return from + i
	}
	return len(ls.s)
}

// lowerIs reports whether LowerASCII(w) == needle (same lengths).
func lowerIs(w, needle string) bool {
	for i := 0; i < len(w); i++ {
		if asciiLower[w[i]] != needle[i] {
			return false
		}
	}
	return true
}

// rarestByte returns the index of the byte of needle that is least common
// in text, by a rough rank of byte frequencies in English and in tool
// output (letters by their frequency in prose, digits, then punctuation
// and other bytes as rare).
func rarestByte(needle string) int {
	best, bestRank := 0, -1
	for i := 0; i < len(needle); i++ {
		if r := byteRarity[needle[i]]; r > bestRank {
			best, bestRank = i, r
		}
	}
	return best
}

var byteRarity = func() (t [256]int) {
	for c := range t {
		t[c] = 200 // bytes without a rank below are rare
	}
	// From the most common to the least: blanks, then letters as prose
	// uses them, digits and the punctuation tool output is full of.
	common := " \n\te/-.:_tasoinrl0123456789hdcump=,fgybwvk\"x()[]jqz"
	for i := 0; i < len(common); i++ {
		t[common[i]] = i
	}
	return t
}()
