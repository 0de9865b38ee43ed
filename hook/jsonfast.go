package hook

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// fastTree parses src into the span tree readNode builds, without the
// jsontext decoder: on a cached call the body parse was about half of the
// hook's CPU, most of it checking the bytes of long strings that an
// earlier call had already sent. The parser lets such a string skip its
// check (see strMemo) and allocates its tree in chunks; checking a new
// string, eight bytes at a time, it runs about as fast as the decoder.
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

	kids []*node  // members of the open containers
	keys []string // names of the open objects' members
	// The chunks that nodes, member lists, name lists and names are
	// carved from.
	nodes     []node
	nodeChunk int // size of the last chunk of nodes
	kidChunk  []*node
	keyChunk  []string
	names     []byte
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
			n := p.node('"', start, end)
			if t, ok := texts.get(k); ok {
				p.i = end
				n.memo = &memoed{key: k, text: t, ok: true}
				return n, true
			}
			if _, ok := p.str(); !ok || p.i != end {
				return nil, false
			}
			n.memo = &memoed{key: k}
			return n, true
		}
		if _, ok := p.str(); !ok {
			return nil, false
		}
		return p.node('"', start, p.i), true
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
		return p.node('0', start, p.i), true
	}
}

func (p *fastParser) literal(lit string, kind byte) (*node, bool) {
	start := p.i
	if !bytes.HasPrefix(p.src[p.i:], []byte(lit)) {
		return nil, false
	}
	p.i += len(lit)
	return p.node(jsontext.Kind(kind), start, p.i), true
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
		i = skipDigits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		d := i + 1
		if i = skipDigits(s, d); i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		if i = skipDigits(s, d); i == d {
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
	n := p.node(jsontext.Kind(open), p.i, 0)
	p.i++
	closer := open + 2 // '}' == '{'+2, ']' == '['+2
	p.space()
	if p.i < len(p.src) && p.src[p.i] == closer {
		p.i++
		n.end = p.i
		p.depth--
		return n, true
	}
	// Members collect on the parser's stacks and are carved out of shared
	// chunks once the count is known: growing two slices per container
	// and a node and a name apiece were most of a cached call's
	// allocations.
	kidBase, keyBase := len(p.kids), len(p.keys)
	var seen map[string]struct{} // names, once an object has many
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
			raw := p.src[at+1 : p.i-1]
			names := p.keys[keyBase:]
			switch {
			case seen != nil:
				if _, dup := seen[string(raw)]; dup {
					return nil, false // a duplicate: the decoder's error
				}
			case len(names) >= 32:
				seen = make(map[string]struct{}, 2*len(names))
				for _, k := range names {
					seen[k] = struct{}{}
				}
				if _, dup := seen[string(raw)]; dup {
					return nil, false
				}
			default:
				for _, k := range names {
					if k == string(raw) {
						return nil, false
					}
				}
			}
			name := p.name(raw)
			if seen != nil {
				seen[name] = struct{}{}
			}
			p.keys = append(p.keys, name)
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
		p.kids = append(p.kids, kid)
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
			n.kids = carve(&p.kidChunk, p.kids[kidBase:])
			p.kids = p.kids[:kidBase]
			if open == '{' {
				n.keys = carve(&p.keyChunk, p.keys[keyBase:])
				p.keys = p.keys[:keyBase]
			}
			return n, true
		default:
			return nil, false
		}
	}
}

// node returns a new node from the parser's current chunk of nodes.
func (p *fastParser) node(kind jsontext.Kind, start, end int) *node {
	if len(p.nodes) == 0 {
		// Chunks double from a small one: a body of a few long strings
		// has few values for its size.
		p.nodeChunk = min(max(2*p.nodeChunk, 16), 512)
		p.nodes = make([]node, p.nodeChunk)
	}
	n := &p.nodes[0]
	p.nodes = p.nodes[1:]
	n.kind, n.start, n.end = kind, start, end
	return n
}

// name returns raw as a string kept in the parser's chunk of names:
// bytes once written there are never written again.
func (p *fastParser) name(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	if cap(p.names)-len(p.names) < len(raw) {
		p.names = make([]byte, 0, max(len(raw), min(2*cap(p.names), 4096), 256))
	}
	at := len(p.names)
	p.names = append(p.names, raw...)
	return unsafe.String(&p.names[at], len(raw))
}

// carve copies items into the free part of *chunk and returns that copy
// with its capacity cut to its length (an append to it cannot reach the
// next container's members).
func carve[T any](chunk *[]T, items []T) []T {
	if len(items) == 0 {
		return nil
	}
	if cap(*chunk)-len(*chunk) < len(items) {
		*chunk = make([]T, 0, max(len(items), 2*cap(*chunk), 16))
	}
	at := len(*chunk)
	*chunk = append(*chunk, items...)
	return (*chunk)[at : at+len(items) : at+len(items)]
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
				if _, ok := escapedRune(s[i:]); !ok {
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

// skipDigits returns the end of the run of decimal digits in s from i.
func skipDigits(s []byte, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
