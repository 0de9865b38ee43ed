package tokens

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// A hand-written equivalent of the pre-tokenizer regular expressions of
// cl100k_base and o200k_base. The BPE library runs those expressions with a
// backtracking regexp engine, which costs far more than the byte-pair
// merges themselves; splitting the text here and merging each piece
// directly (encoding.count) gives the same count many times faster. A
// piece is exactly one match of the expression, so it merges in isolation
// exactly as it does inside the text.
//
// The split is OpenAI's tiktoken's (TestCountMatchesTiktoken). It is also
// the Go library's (TestPretokenizerMatchesCodec, FuzzPretokenizer) but for
// two departures of the library's generated regexp code: it cuts a run of
// blank lines holding other whitespace ("\n \n") after its first line
// breaks, though \s*[\r\n]+ matches the run up to its last one, and it
// drops DEL (U+007F), which [^\s\p{L}\p{N}] matches.
//
// o200k_base:
//
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// cl100k_base:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
//	| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+

// runeAt decodes the rune at i; invalid bytes read as U+FFFD, as the
// regexp engine sees them.
func runeAt(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func isL(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

func isN(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= '0' && r <= '9'
	}
	return unicode.IsNumber(r)
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r >= '\t' && r <= '\r'
	}
	return unicode.IsSpace(r)
}

// isUpperish: \p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}.
func isUpperish(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'A' && r <= 'Z'
	}
	return unicode.In(r, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M)
}

// isLowerish: \p{Ll}\p{Lm}\p{Lo}\p{M}.
func isLowerish(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z'
	}
	return unicode.In(r, unicode.Ll, unicode.Lm, unicode.Lo, unicode.M)
}

// isPrefixRune: [^\r\n\p{L}\p{N}].
func isPrefixRune(r rune) bool {
	return r != '\r' && r != '\n' && !isL(r) && !isN(r)
}

// isPunct: [^\s\p{L}\p{N}].
func isPunct(r rune) bool {
	return !isSpace(r) && !isL(r) && !isN(r)
}

// runeTable holds the class bits (cUpper...) of every rune of the Basic
// Multilingual Plane: the split of non-ASCII text looks them up instead of
// searching the Unicode tables rune by rune.
type runeTable [1 << 16]uint8

// runeClasses is built on first use, from the ranges of the Unicode
// tables (TestRuneTable checks it against classOf), and never modified.
var runeClasses = sync.OnceValue(func() *runeTable {
	var letter, number, space, upper, lower runeTable
	set := func(t *runeTable, tabs ...*unicode.RangeTable) {
		for _, tab := range tabs {
			for _, rg := range tab.R16 {
				for r := int(rg.Lo); r <= int(rg.Hi); r += int(rg.Stride) {
					t[r] = 1
				}
			}
		}
	}
	set(&letter, unicode.L)
	set(&number, unicode.N)
	set(&space, unicode.White_Space)
	set(&upper, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M)
	set(&lower, unicode.Ll, unicode.Lm, unicode.Lo, unicode.M)
	t := new(runeTable)
	for r := range t {
		var c uint8
		if upper[r] != 0 {
			c |= cUpper
		}
		if lower[r] != 0 {
			c |= cLower
		}
		if letter[r] != 0 {
			c |= cLetter
		}
		if number[r] != 0 {
			c |= cDigit
		}
		if space[r] != 0 {
			c |= cSpace
		}
		if letter[r] == 0 && number[r] == 0 {
			if r != '\r' && r != '\n' {
				c |= cPrefix
			}
			if space[r] == 0 {
				c |= cPunct
			}
		}
		t[r] = c
	}
	return t
})

// classOf computes the class bits of r from the predicates.
func classOf(r rune) uint8 {
	var c uint8
	for _, p := range []struct {
		class uint8
		is    func(rune) bool
	}{
		{cUpper, isUpperish}, {cLower, isLowerish}, {cLetter, isL}, {cDigit, isN},
		{cSpace, isSpace}, {cPrefix, isPrefixRune}, {cPunct, isPunct},
	} {
		if p.is(r) {
			c |= p.class
		}
	}
	return c
}

// class returns the class bits of r.
func (t *runeTable) class(r rune) uint8 {
	if r < rune(len(t)) {
		return t[r]
	}
	return classOf(r)
}

// runEnd returns the end of the run of runes from i of class c.
func (t *runeTable) runEnd(s string, i int, c uint8) int {
	for i < len(s) {
		r, n := runeAt(s, i)
		if t.class(r)&c == 0 {
			break
		}
		i += n
	}
	return i
}

// contraction returns the length of a (?i:'s|'t|'re|'ve|'m|'ll|'d) at i,
// or 0.
func contraction(s string, i int) int {
	if i >= len(s) || s[i] != '\'' || i+1 >= len(s) {
		return 0
	}
	switch s[i+1] | 0x20 {
	case 's', 't', 'm', 'd':
		return 2
	case 0xc5 | 0x20:
		// U+017F LATIN SMALL LETTER LONG S, which (?i) takes for an s
		// (Unicode case folding); no other letter of the contractions
		// folds to a non-ASCII one.
		if s[i+1] == 0xc5 && i+2 < len(s) && s[i+2] == 0xbf {
			return 3
		}
	case 'r', 'v', 'l':
		if i+2 < len(s) {
			a, b := s[i+1]|0x20, s[i+2]|0x20
			if a == 'r' && b == 'e' || a == 'v' && b == 'e' || a == 'l' && b == 'l' {
				return 3
			}
		}
	}
	return 0
}

// pieceLen returns the byte length of the piece at i (< len(s)), for the
// o200k_base expression if o200k, else cl100k_base; it is at least 1.
func pieceLen(s string, i int, o200k bool) int {
	if s[i] < utf8.RuneSelf {
		if n, ok := asciiPieceLen(s, i, o200k); ok {
			return n
		}
	}
	t := runeClasses()
	r, rn := runeAt(s, i)
	c := t.class(r)
	if !o200k {
		if n := contraction(s, i); n > 0 {
			return n
		}
		// [^\r\n\p{L}\p{N}]?\p{L}+
		if c&cPrefix != 0 && i+rn < len(s) {
			if r2, _ := runeAt(s, i+rn); t.class(r2)&cLetter != 0 {
				return t.runEnd(s, i+rn, cLetter) - i
			}
		}
		if c&cLetter != 0 {
			return t.runEnd(s, i, cLetter) - i
		}
	} else {
		// The two letter alternatives, each with the optional prefix rune
		// tried first.
		starts := [2]int{i, -1}
		if c&cPrefix != 0 {
			starts = [2]int{i + rn, i}
		}
		for _, j := range starts {
			if j >= 0 {
				if e := t.upperLower(s, j); e > j {
					return e + contraction(s, e) - i
				}
			}
		}
		for _, j := range starts {
			if j >= 0 && j < len(s) {
				if e := t.runEnd(s, j, cUpper); e > j {
					e = t.runEnd(s, e, cLower)
					return e + contraction(s, e) - i
				}
			}
		}
	}
	// \p{N}{1,3}
	if c&cDigit != 0 {
		e := i + rn
		for k := 1; k < 3 && e < len(s); k++ {
			r2, n2 := runeAt(s, e)
			if t.class(r2)&cDigit == 0 {
				break
			}
			e += n2
		}
		return e - i
	}
	// ' ?[^\s\p{L}\p{N}]+[\r\n/]*' (cl100k: [\r\n]*)
	p := i
	if r == ' ' && i+1 < len(s) {
		if r2, _ := runeAt(s, i+1); t.class(r2)&cPunct != 0 {
			p = i + 1
		}
	}
	if p > i || c&cPunct != 0 {
		e := t.runEnd(s, p, cPunct)
		for e < len(s) && (s[e] == '\r' || s[e] == '\n' || o200k && s[e] == '/') {
			e++
		}
		return e - i
	}
	// Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
	e := t.runEnd(s, i, cSpace)
	if e == i { // cannot happen: every rune is a letter, number, space or symbol
		return rn
	}
	// \s*[\r\n]+: up to the last line break in the run.
	for k := e; k > i; {
		r2, n2 := utf8.DecodeLastRuneInString(s[:k])
		if r2 == '\r' || r2 == '\n' {
			return k - i
		}
		k -= n2
	}
	// \s+(?!\S): the whole run at the end of the text, else all but its
	// last rune (which then starts the next piece), else \s+.
	if e == len(s) {
		return e - i
	}
	_, last := utf8.DecodeLastRuneInString(s[:e])
	if e-last > i {
		return e - last - i
	}
	return e - i
}

// upperLower matches [Lu Lt Lm Lo M]*[Ll Lm Lo M]+ at j with the regexp's
// backtracking: the greedy upper run gives back runes until a lower-ish
// run can start. It returns the end, or j when there is no match.
func (t *runeTable) upperLower(s string, j int) int {
	if j >= len(s) {
		return j
	}
	ue := t.runEnd(s, j, cUpper)
	if ue < len(s) {
		if r, _ := runeAt(s, ue); t.class(r)&cLower != 0 {
			return t.runEnd(s, ue, cLower)
		}
	}
	// Give back upper-ish runes one at a time; the first one that is also
	// lower-ish (Lm, Lo, M) ends the match right after it: the runes after
	// it up to ue are not lower-ish, or an earlier step would have matched.
	for k := ue; k > j; {
		r, n := utf8.DecodeLastRuneInString(s[:k])
		k -= n
		if t.class(r)&cLower != 0 {
			return k + n
		}
	}
	return j
}

// Classes of bytes, by the predicates above (of ASCII bytes), for
// asciiPieceLen.
const (
	cUpper  = 1 << iota // isUpperish
	cLower              // isLowerish
	cLetter             // isL
	cDigit              // isN
	cSpace              // isSpace
	cPrefix             // isPrefixRune
	cPunct              // isPunct
	cHigh               // not ASCII: asciiPieceLen leaves its rune to pieceLen
)

var asciiClass = func() (t [256]uint8) {
	for b := range rune(len(t)) {
		if b >= utf8.RuneSelf {
			t[b] = cHigh
		} else {
			t[b] = classOf(b)
		}
	}
	return t
}()

// class returns the class bits of s[i], 0 past the end of s.
func class(s string, i int) uint8 {
	if i >= len(s) {
		return 0
	}
	return asciiClass[s[i]]
}

// asciiRun returns the end of the run of bytes of class c from i; ok is
// false if the run stops at a non-ASCII byte, which might continue it.
func asciiRun(s string, i int, c uint8) (end int, ok bool) {
	for i < len(s) && asciiClass[s[i]]&c != 0 {
		i++
	}
	return i, i == len(s) || asciiClass[s[i]]&cHigh == 0
}

// asciiPieceLen is pieceLen for the common case, a piece that ASCII bytes
// alone delimit, without decoding runes. s[i] is ASCII; ok is false when a
// non-ASCII byte could change the match, and pieceLen decides by runes.
func asciiPieceLen(s string, i int, o200k bool) (n int, ok bool) {
	c := asciiClass[s[i]]
	if !o200k && s[i] == '\'' {
		if n := contraction(s, i); n > 0 {
			return n, true
		}
	}
	// Letters, after at most one prefix character.
	j := i
	if c&cPrefix != 0 {
		next := class(s, i+1)
		if next&cHigh != 0 {
			return 0, false // a letter, maybe
		}
		if next&cLetter != 0 {
			j = i + 1
		}
	}
	if asciiClass[s[j]]&cLetter != 0 {
		if !o200k {
			e, ok := asciiRun(s, j, cLetter)
			return e - i, ok
		}
		// [upper]*[lower]+ or [upper]+[lower]*: for ASCII, the upper-case
		// run then the lower-case run, then a contraction.
		ue, ok := asciiRun(s, j, cUpper)
		if !ok {
			return 0, false
		}
		le, ok := asciiRun(s, ue, cLower)
		if !ok {
			return 0, false
		}
		return le + contraction(s, le) - i, true
	}
	// \p{N}{1,3}
	if c&cDigit != 0 {
		e := i + 1
		for e < i+3 {
			d := class(s, e)
			if d&cHigh != 0 {
				return 0, false
			}
			if d&cDigit == 0 {
				break
			}
			e++
		}
		return e - i, true
	}
	// ' ?[^\s\p{L}\p{N}]+[\r\n/]*' (cl100k: [\r\n]*)
	p := i
	if s[i] == ' ' {
		next := class(s, i+1)
		if next&cHigh != 0 {
			return 0, false
		}
		if next&cPunct != 0 {
			p = i + 1
		}
	}
	if asciiClass[s[p]]&cPunct != 0 {
		e, ok := asciiRun(s, p, cPunct)
		if !ok {
			return 0, false
		}
		for e < len(s) && (s[e] == '\r' || s[e] == '\n' || o200k && s[e] == '/') {
			e++
		}
		return e - i, true
	}
	// Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
	e, ok := asciiRun(s, i, cSpace)
	if !ok {
		return 0, false
	}
	for k := e; k > i; k-- {
		if s[k-1] == '\r' || s[k-1] == '\n' {
			return k - i, true
		}
	}
	if e == len(s) || e-i == 1 {
		return e - i, true
	}
	return e - 1 - i, true
}
