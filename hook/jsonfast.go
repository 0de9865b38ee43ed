package hook

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// fastTree parses src into the span tree readNode builds, without the
// jsontext decoder: on a cached call the body parse was about half of the
// hook's CPU, most of it the decoder checking string bytes one at a time,
// while a body is mostly a few long strings that can be checked eight
// bytes at a time.
//
// It accepts a strict subset of what the decoder accepts and gives up
// (ok false) on anything else: invalid or unusual input (a surrogate
// escape, an escaped object name, deep nesting, more than maxValues
// values) is left to parseTreeMax's decoder, which then decides and
// explains. So the tree, or the error, is always the decoder's.
func fastTree(src []byte, maxValues int) (*node, bool) {
	p := fastParser{src: src, left: maxValues}
	p.space()
	n, ok := p.value()
	if !ok {
		return nil, false
	}
	p.space()
	return n, p.i == len(p.src)
}

type fastParser struct {
	src   []byte
	i     int
	left  int // values that may still be read, as readNode counts them
	depth int
}

// fastMaxDepth bounds nesting well inside the decoder's limit (10000), so
// that a document the decoder refuses for its depth is never accepted.
const fastMaxDepth = 500

func (p *fastParser) space() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) value() (*node, bool) {
	if p.left--; p.left < 0 || p.i >= len(p.src) {
		return nil, false
	}
	start := p.i
	switch c := p.src[p.i]; c {
	case '{', '[':
		return p.container(c)
	case '"':
		if end := stringEnd(p.src, start); end-start >= minMemoBytes {
			// A long string: one seen before is neither checked nor
			// decoded again (see strMemo).
			k := texts.key(p.src[start:end])
			if t, ok := texts.get(k); ok {
				p.i = end
				return &node{kind: '"', start: start, end: end, memo: &memoed{key: k, text: t, ok: true}}, true
			}
			if _, ok := p.str(); !ok || p.i != end {
				return nil, false
			}
			return &node{kind: '"', start: start, end: end, memo: &memoed{key: k}}, true
		}
		if _, ok := p.str(); !ok {
			return nil, false
		}
		return &node{kind: '"', start: start, end: p.i}, true
	case 't':
		return p.literal("true", 't')
	case 'f':
		return p.literal("false", 'f')
	case 'n':
		return p.literal("null", 'n')
	default:
		if !p.number() {
			return nil, false
		}
		return &node{kind: '0', start: start, end: p.i}, true
	}
}

func (p *fastParser) literal(lit string, kind byte) (*node, bool) {
	start := p.i
	if !bytes.HasPrefix(p.src[p.i:], []byte(lit)) {
		return nil, false
	}
	p.i += len(lit)
	return &node{kind: jsontext.Kind(kind), start: start, end: p.i}, true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *fastParser) number() bool {
	s, i := p.src, p.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	p.i = i
	return true
}

func (p *fastParser) container(open byte) (*node, bool) {
	if p.depth++; p.depth > fastMaxDepth {
		return nil, false
	}
	n := &node{kind: jsontext.Kind(open), start: p.i}
	p.i++
	closer := open + 2 // '}' == '{'+2, ']' == '['+2
	p.space()
	if p.i < len(p.src) && p.src[p.i] == closer {
		p.i++
		n.end = p.i
		p.depth--
		return n, true
	}
	for {
		if open == '{' {
			if p.i >= len(p.src) || p.src[p.i] != '"' {
				return nil, false
			}
			at := p.i
			escaped, ok := p.str()
			if !ok || escaped {
				// The decoder compares names decoded: left to it.
				return nil, false
			}
			name := string(p.src[at+1 : p.i-1])
			for _, k := range n.keys {
				if k == name {
					return nil, false // a duplicate: the decoder's error
				}
			}
			n.keys = append(n.keys, name)
			p.space()
			if p.i >= len(p.src) || p.src[p.i] != ':' {
				return nil, false
			}
			p.i++
			p.space()
		}
		kid, ok := p.value()
		if !ok {
			return nil, false
		}
		n.kids = append(n.kids, kid)
		p.space()
		if p.i >= len(p.src) {
			return nil, false
		}
		switch p.src[p.i] {
		case ',':
			p.i++
			p.space()
		case closer:
			p.i++
			n.end = p.i
			p.depth--
			return n, true
		default:
			return nil, false
		}
	}
}

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plain8 reports whether none of 8 bytes needs a look of its own in a
// string: a quote, a backslash, a control character or a non-ASCII byte.
func plain8(x uint64) bool {
	// (v - lows) &^ v has a high bit set iff some byte of v is 0; x - 0x20*lows
	// does for a byte below 0x20 (or, where no high bit of x is set, never else).
	q := x ^ '"'*lows
	b := x ^ '\\'*lows
	return (x|(x-0x20*lows)|((q-lows)&^q)|((b-lows)&^b))&highs == 0
}

// str reads the string at p.i (its opening quote) and reports whether it
// holds escapes. It refuses control characters, invalid UTF-8, unknown
// escapes and \u escapes of surrogates (whose pairing rules are the
// decoder's).
func (p *fastParser) str() (escaped, ok bool) {
	s := p.src
	i := p.i + 1
	for {
		for i+8 <= len(s) && plain8(binary.LittleEndian.Uint64(s[i:])) {
			i += 8
		}
		if i >= len(s) {
			return false, false
		}
		switch c := s[i]; {
		case c == '"':
			p.i = i + 1
			return escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(s) {
				return false, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) {
					return false, false
				}
				var v rune
				for _, h := range s[i+2 : i+6] {
					switch {
					case h >= '0' && h <= '9':
						v = v<<4 | rune(h-'0')
					case h >= 'a' && h <= 'f':
						v = v<<4 | rune(h-'a'+10)
					case h >= 'A' && h <= 'F':
						v = v<<4 | rune(h-'A'+10)
					default:
						return false, false
					}
				}
				if v >= 0xD800 && v <= 0xDFFF {
					return false, false
				}
				i += 6
			default:
				return false, false
			}
		case c < 0x20:
			return false, false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				return false, false
			}
			i += size
		}
	}
}
