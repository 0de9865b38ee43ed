// Package jsonspan parses JSON text into a tree of byte spans: for every
// value its kind and where it stands in the source, for every object member
// where its name stands. Nothing is decoded or copied, so a caller can keep,
// drop or replace any value and copy the rest of the source byte for byte
// (its number texts, escapes, indentation and separators).
//
// It is the one JSON parser of the project: the native engine's JSON
// compressor reads tool output with it, and it serves anything that must
// splice a JSON document without re-encoding it. Syntax, UTF-8 and nesting
// are checked by go-json-experiment's jsontext decoder; this package only
// records spans. It does not unmarshal into Go values (use encoding/json
// for that) and does not write JSON.
//
// The tree is flat: one slice of nodes in document order, a container
// followed by its descendants, so a document of any size costs a handful
// of allocations and no per-value maps or pointers.
package jsonspan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Kind is the kind of a JSON value: its first byte, with every number as
// '0'.
type Kind byte

// The kinds of values.
const (
	Null   Kind = 'n'
	False  Kind = 'f'
	True   Kind = 't'
	String Kind = '"'
	Number Kind = '0'
	Object Kind = '{'
	Array  Kind = '['
	// Line is a top-level line of text that is not JSON, in a stream
	// parsed with Options.TextLines.
	Line Kind = 'L'
)

// IsContainer reports whether k is an object or an array.
func (k Kind) IsContainer() bool { return k == Object || k == Array }

// Options configure a parse.
type Options struct {
	// Stream accepts a sequence of top-level values (concatenated, or one
	// per line as in JSON Lines); otherwise exactly one value is accepted.
	Stream bool
	// TextLines accepts JSON Lines mixed with lines of plain text (a build
	// tool's JSON messages among its text output): a line that holds one
	// JSON object, array or string is that value, any other line that is
	// not blank is a Line node. It implies Stream.
	TextLines bool
	// MaxDepth bounds nesting (0: the decoder's own limit of 10,000).
	// Recursive consumers set it to bound their own stack.
	MaxDepth int
	// RejectDuplicateNames makes an object with a member name twice an
	// error (the readers of such a document may disagree on which wins);
	// by default it is accepted, as encoding/json does.
	RejectDuplicateNames bool
}

// ErrTooDeep reports nesting beyond Options.MaxDepth.
var ErrTooDeep = errors.New("jsonspan: nesting too deep")

// maxSize bounds the input: spans are 32-bit.
const maxSize = math.MaxInt32

// node is one value: 28 bytes whatever its size.
type node struct {
	start, end       int32 // the value is src[start:end]
	keyStart, keyEnd int32 // its member name (quoted) when in an object
	next             int32 // index of the next sibling, or -1
	len              int32 // number of children
	kind             Kind
}

// Tree is a parsed document: its values in document order, each container
// followed by its descendants. A value is named by its index (an int): the
// first top-level value is 0. The zero Tree is empty.
type Tree struct {
	src   string
	nodes []node
	roots int
}

// ParseString parses src. The tree refers to src; src is not copied.
func ParseString(src string, opt Options) (*Tree, error) {
	if len(src) > maxSize {
		return nil, fmt.Errorf("jsonspan: %d bytes is too large", len(src))
	}
	return parse(src, strings.NewReader(src), opt)
}

// Parse parses src. The tree keeps a copy of src; the hook bodies and tool
// outputs it is meant for are parsed once, so one copy is cheaper than
// tying the tree to a buffer its caller may reuse.
func Parse(src []byte, opt Options) (*Tree, error) {
	if len(src) > maxSize {
		return nil, fmt.Errorf("jsonspan: %d bytes is too large", len(src))
	}
	return parse(string(src), bytes.NewReader(src), opt)
}

// parser builds a tree from a decoder's tokens.
type parser struct {
	dec   *jsontext.Decoder
	nodes []node
	// open holds, per open container, its index and the index of its last
	// child so far (-1 when none).
	open     []frame
	maxDepth int
}

type frame struct{ container, last int32 }

func parse(src string, r io.Reader, opt Options) (*Tree, error) {
	dec := jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(!opt.RejectDuplicateNames))
	if opt.TextLines {
		return parseLines(src, dec, opt)
	}
	p := &parser{
		dec: dec,
		// Compact JSON holds about one value per 10-15 bytes, indented
		// JSON one per 20-30: starting there saves most regrowth.
		nodes:    make([]node, 0, min(len(src)/12+8, 1<<20)),
		maxDepth: opt.MaxDepth,
	}
	t := &Tree{src: src}
	lastRoot := int32(-1)
	for {
		if dec.PeekKind() == 0 {
			// End of input or a syntax error: ReadToken says which.
			_, err := dec.ReadToken()
			if err == io.EOF && t.roots > 0 {
				break
			}
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("jsonspan: %w", err)
		}
		if t.roots > 0 && !opt.Stream {
			return nil, fmt.Errorf("jsonspan: more than one value (at offset %d)", dec.InputOffset())
		}
		root := int32(len(p.nodes))
		if err := p.value(); err != nil {
			return nil, err
		}
		if lastRoot >= 0 {
			p.nodes[lastRoot].next = root
		}
		lastRoot = root
		t.roots++
	}
	t.nodes = p.nodes
	return t, nil
}

// parseLines parses src line by line: a line is one JSON value (with
// blanks around it) or a Line node; blank lines are skipped.
func parseLines(src string, dec *jsontext.Decoder, opt Options) (*Tree, error) {
	p := &parser{dec: dec, nodes: make([]node, 0, min(len(src)/12+8, 1<<20)), maxDepth: opt.MaxDepth}
	t := &Tree{src: src}
	var rd strings.Reader
	dup := jsontext.AllowDuplicateNames(!opt.RejectDuplicateNames)
	lastRoot := int32(-1)
	for off := 0; off < len(src); {
		end := strings.IndexByte(src[off:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += off
		}
		line := src[off:end]
		if trimmed := strings.TrimSpace(line); trimmed != "" {
			root := int32(len(p.nodes))
			ok := false
			if c := trimmed[0]; c == '{' || c == '[' || c == '"' {
				rd.Reset(line)
				dec.Reset(&rd, dup)
				p.open = p.open[:0]
				if p.value() == nil {
					_, err := dec.ReadToken()
					ok = err == io.EOF
				}
			}
			if ok {
				// Spans are relative to the line.
				for i := root; i < int32(len(p.nodes)); i++ {
					n := &p.nodes[i]
					n.start += int32(off)
					n.end += int32(off)
					if n.keyEnd > 0 {
						n.keyStart += int32(off)
						n.keyEnd += int32(off)
					}
				}
			} else {
				p.nodes = append(p.nodes[:root], node{start: int32(off), end: int32(end), next: -1, kind: Line})
			}
			if lastRoot >= 0 {
				p.nodes[lastRoot].next = root
			}
			lastRoot = root
			t.roots++
		}
		off = end + 1
	}
	if t.roots == 0 {
		return nil, errors.New("jsonspan: no values")
	}
	t.nodes = p.nodes
	return t, nil
}

// value reads one value and its descendants, iteratively.
func (p *parser) value() error {
	dec := p.dec
	for {
		var keyStart, keyEnd int32
		if n := len(p.open); n > 0 {
			top := &p.open[n-1]
			k := dec.PeekKind()
			if k == ']' || k == '}' {
				// The end of the innermost container.
				if _, err := dec.ReadToken(); err != nil {
					return wrap(err)
				}
				c := &p.nodes[top.container]
				c.end = int32(dec.InputOffset())
				p.open = p.open[:n-1]
				if len(p.open) == 0 {
					return nil
				}
				continue
			}
			if p.nodes[top.container].kind == Object {
				name, err := dec.ReadValue()
				if err != nil {
					return wrap(err)
				}
				keyEnd = int32(dec.InputOffset())
				keyStart = keyEnd - int32(len(name))
			}
		}
		k := dec.PeekKind()
		idx := int32(len(p.nodes))
		nd := node{keyStart: keyStart, keyEnd: keyEnd, next: -1, kind: Kind(k)}
		switch k {
		case '{', '[':
			if p.maxDepth > 0 && len(p.open) >= p.maxDepth {
				return fmt.Errorf("%w (at offset %d)", ErrTooDeep, dec.InputOffset())
			}
			if _, err := dec.ReadToken(); err != nil {
				return wrap(err)
			}
			nd.start = int32(dec.InputOffset()) - 1
		case 0:
			_, err := dec.ReadValue()
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return wrap(err)
		default:
			v, err := dec.ReadValue()
			if err != nil {
				return wrap(err)
			}
			nd.end = int32(dec.InputOffset())
			nd.start = nd.end - int32(len(v))
			if k != '"' && k != 't' && k != 'f' && k != 'n' {
				nd.kind = Number
			}
		}
		p.nodes = append(p.nodes, nd)
		if n := len(p.open); n > 0 {
			top := &p.open[n-1]
			if top.last >= 0 {
				p.nodes[top.last].next = idx
			}
			top.last = idx
			p.nodes[top.container].len++
		}
		if k == '{' || k == '[' {
			p.open = append(p.open, frame{container: idx, last: -1})
			continue
		}
		if len(p.open) == 0 {
			return nil
		}
	}
}

func wrap(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("jsonspan: %w", err)
}

// Source returns the parsed text.
func (t *Tree) Source() string { return t.src }

// Len is the number of values in the tree, nested ones included.
func (t *Tree) Len() int { return len(t.nodes) }

// NumRoots is the number of top-level values (1 unless Options.Stream).
func (t *Tree) NumRoots() int { return t.roots }

// Roots returns the top-level values in order.
func (t *Tree) Roots() iter.Seq[int] { return t.siblings(0) }

// Kind returns the kind of value i.
func (t *Tree) Kind(i int) Kind { return t.nodes[i].kind }

// Span returns where value i stands: src[start:end].
func (t *Tree) Span(i int) (start, end int) {
	n := &t.nodes[i]
	return int(n.start), int(n.end)
}

// Start returns the offset of value i's first byte.
func (t *Tree) Start(i int) int { return int(t.nodes[i].start) }

// End returns the offset just past value i.
func (t *Tree) End(i int) int { return int(t.nodes[i].end) }

// Raw returns value i's source text.
func (t *Tree) Raw(i int) string {
	n := &t.nodes[i]
	return t.src[n.start:n.end]
}

// IsMember reports whether value i is an object member.
func (t *Tree) IsMember(i int) bool { return t.nodes[i].keyEnd > 0 }

// KeySpan returns where the name of member i stands, quotes included;
// (0, 0) when i is not an object member.
func (t *Tree) KeySpan(i int) (start, end int) {
	n := &t.nodes[i]
	return int(n.keyStart), int(n.keyEnd)
}

// RawKey returns the name of member i as written, quotes and escapes
// included ("" when i is not an object member).
func (t *Tree) RawKey(i int) string {
	n := &t.nodes[i]
	return t.src[n.keyStart:n.keyEnd]
}

// Key returns the decoded name of member i ("" when i is not a member).
func (t *Tree) Key(i int) string {
	n := &t.nodes[i]
	if n.keyEnd == 0 {
		return ""
	}
	s, _ := Unquote(t.src[n.keyStart:n.keyEnd])
	return s
}

// NumKids is the number of children of value i: members of an object,
// elements of an array, 0 for scalars.
func (t *Tree) NumKids(i int) int { return int(t.nodes[i].len) }

// First returns the first child of value i, or -1.
func (t *Tree) First(i int) int {
	if t.nodes[i].len == 0 {
		return -1
	}
	return i + 1
}

// Next returns the sibling after value i (the next member, element or
// top-level value), or -1.
func (t *Tree) Next(i int) int { return int(t.nodes[i].next) }

// Kids returns the children of value i in order.
func (t *Tree) Kids(i int) iter.Seq[int] {
	return t.siblings(t.First(i))
}

func (t *Tree) siblings(first int) iter.Seq[int] {
	return func(yield func(int) bool) {
		if len(t.nodes) == 0 {
			return
		}
		for c := first; c >= 0; c = int(t.nodes[c].next) {
			if !yield(c) {
				return
			}
		}
	}
}

// Get returns the member of object i named name (the first, should the
// name occur twice), or -1.
func (t *Tree) Get(i int, name string) int {
	if t.nodes[i].kind != Object {
		return -1
	}
	for c := t.First(i); c >= 0; c = t.Next(c) {
		if t.keyIs(c, name) {
			return c
		}
	}
	return -1
}

// keyIs reports whether member c is named name.
func (t *Tree) keyIs(c int, name string) bool {
	raw := t.src[t.nodes[c].keyStart+1 : t.nodes[c].keyEnd-1]
	if strings.IndexByte(raw, '\\') < 0 {
		return raw == name
	}
	s, ok := Unquote(t.RawKey(c))
	return ok && s == name
}

// Text returns the decoded content of string value i; ok is false for
// other kinds.
func (t *Tree) Text(i int) (string, bool) {
	if t.nodes[i].kind != String {
		return "", false
	}
	return Unquote(t.Raw(i))
}

// Unquote decodes a JSON string literal (quotes included). Literals
// without escapes come back without copying.
func Unquote(raw string) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	if strings.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], true
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// Quote encodes s as a JSON string literal, without escaping HTML
// characters. Invalid UTF-8 becomes U+FFFD: what is quoted is text a
// compressor wrote or cut, and a cut may fall inside a character.
func Quote(s string) string {
	b, err := jsontext.AppendQuote(make([]byte, 0, len(s)+2), s)
	if err != nil {
		b, _ = jsontext.AppendQuote(make([]byte, 0, len(s)+2), strings.ToValidUTF8(s, "\uFFFD"))
	}
	return string(b)
}

// Valid reports whether src is valid JSON: one value, or with
// Options.Stream a sequence of values. Only Options.Stream applies.
func Valid(src string, opt Options) bool { return check(src, opt.Stream, false) }

// ValidPrefix reports whether src is valid JSON (one value, or with
// Options.Stream a sequence of values) or the start of it: a cheap check
// on the first part of a large document. Only Options.Stream applies.
func ValidPrefix(src string, opt Options) bool { return check(src, opt.Stream, true) }

// check reads the values of src; prefix accepts running out of input
// inside one.
func check(src string, stream, prefix bool) bool {
	dec := jsontext.NewDecoder(strings.NewReader(src), jsontext.AllowDuplicateNames(true))
	for n := 0; ; n++ {
		_, err := dec.ReadValue()
		switch {
		case err == io.EOF:
			return n > 0
		case prefix && errors.Is(err, io.ErrUnexpectedEOF):
			return n == 0 || stream
		case err != nil, !stream && n > 0:
			return false
		}
	}
}
