package hook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// node is one JSON value of a parsed document together with its byte span in
// the source, so that a value can be replaced without re-encoding anything
// around it.
//
// The hook does not use compress/jsonspan, though both record spans with the
// same decoder: on the corpus, BenchmarkParseTree has jsonspan 2-3x
// slower with about 28x the bytes allocated (it copies the body, reads it
// through a copying reader and sizes its nodes for dense tool-output JSON),
// and the body parse is on every call's path. Worth revisiting if jsonspan
// learns to parse in place and to size its tree from the document.
type node struct {
	kind       jsontext.Kind
	start, end int      // value spans src[start:end]
	keys       []string // object member names, in source order
	kids       []*node  // object member values or array elements
	// memo is set on a long string fastTree read: text goes by it.
	memo *memoed
}

// parseTree parses src (one JSON value) into a span tree. It rejects invalid
// JSON, invalid UTF-8, duplicate object member names (ambiguous: providers
// disagree on which one wins) and nesting deeper than the decoder's limit.
func parseTree(src []byte) (*node, error) { return parseTreeMax(src, DefaultMaxValues) }

// parseTreeMax is parseTree with a bound on the values of the document: the
// tree costs about 100 bytes a value, so a body of tiny values would cost
// many times its size.
func parseTreeMax(src []byte, maxValues int) (*node, error) {
	if n, ok := fastTree(src, maxValues); ok {
		return n, nil
	}
	return decodeTree(src, maxValues)
}

// decodeTree is parseTreeMax by the jsontext decoder, the reference
// fastTree defers to.
func decodeTree(src []byte, maxValues int) (*node, error) {
	// A bytes.Buffer is parsed in place: the decoder copies nothing.
	dec := jsontext.NewDecoder(bytes.NewBuffer(src))
	left := maxValues
	n, err := readNode(dec, &left)
	if errors.Is(err, errTooManyValues) {
		return nil, tooLarge("more than %d JSON values", maxValues)
	}
	if err != nil {
		return nil, err
	}
	// Only whitespace may follow: anything else, valid JSON or not, makes
	// the document ambiguous (which value is the call?).
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	return n, nil
}

var errTooManyValues = errors.New("too many JSON values")

func readNode(dec *jsontext.Decoder, left *int) (*node, error) {
	if *left--; *left < 0 { // counted before the value is read, so no tree is built past it
		return nil, errTooManyValues
	}
	switch k := dec.PeekKind(); k {
	case '{', '[':
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		n := &node{kind: k, start: int(dec.InputOffset()) - 1}
		for dec.PeekKind() != k+2 { // '}' == '{'+2, ']' == '['+2
			if k == '{' {
				name, err := dec.ReadToken()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, name.String())
			}
			kid, err := readNode(dec, left)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		n.end = int(dec.InputOffset())
		return n, nil
	case 0:
		// PeekKind reports 0 on a syntax error or end of input; ReadValue
		// returns the error that explains which.
		_, err := dec.ReadValue()
		if err == nil {
			err = errors.New("unexpected end of JSON input")
		}
		return nil, err
	default:
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		end := int(dec.InputOffset())
		return &node{kind: k, start: end - len(v), end: end}, nil
	}
}

// get returns the value of member key of an object node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != '{' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.kids[i]
		}
	}
	return nil
}

// items returns the elements of an array node, or nil for anything else.
func (n *node) items() []*node {
	if n == nil || n.kind != '[' {
		return nil
	}
	return n.kids
}

func (n *node) isObject() bool { return n != nil && n.kind == '{' }
func (n *node) isArray() bool  { return n != nil && n.kind == '[' }
func (n *node) isString() bool { return n != nil && n.kind == '"' }

// raw returns the source bytes of the value.
func (n *node) raw(src []byte) []byte { return src[n.start:n.end] }

// text decodes a string node; ok is false for any other kind.
func (n *node) text(src []byte) (string, bool) {
	if !n.isString() {
		return "", false
	}
	if m := n.memo; m != nil {
		if !m.ok {
			t, ok := n.decode(src)
			if !ok {
				return "", false
			}
			m.text, m.ok = t, true
			texts.put(m.key, t)
		}
		return m.text, true
	}
	return n.decode(src)
}

// decode is text without the memo.
func (n *node) decode(src []byte) (string, bool) {
	raw := n.raw(src)
	if bytes.IndexByte(raw, '\\') < 0 {
		// No escapes: the contents as they are (parseTree checked them).
		return string(raw[1 : len(raw)-1]), true
	}
	b, ok := unquoteParsed(raw)
	if !ok {
		var err error
		if b, err = jsontext.AppendUnquote(make([]byte, 0, len(raw)), raw); err != nil { // it grows dst by len(raw) first
			return "", false
		}
	}
	// b is ours alone and never written again: the string can share it
	// rather than copy a tool output once more.
	return unsafe.String(unsafe.SliceData(b), len(b)), true
}

// unquoteParsed decodes raw, a JSON string parseTree read, as
// jsontext.AppendUnquote does; ok is false for what it leaves to
// AppendUnquote (a surrogate escape, anything unexpected). The decoder
// checked the string, so the bytes between escapes are valid UTF-8 with
// no control characters and are copied a run at a time: AppendUnquote
// reads them a byte at a time, and a tool output is most of a body.
func unquoteParsed(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	s := raw[1 : len(raw)-1]
	dst := make([]byte, 0, len(s))
	for {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			return append(dst, s...), true
		}
		dst = append(dst, s[:i]...)
		if i+1 >= len(s) {
			return nil, false
		}
		switch c := s[i+1]; c {
		case '"', '\\', '/':
			dst = append(dst, c)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			v, ok := escapedRune(s[i:])
			if !ok {
				return nil, false // pairs and their errors: AppendUnquote's
			}
			dst = utf8.AppendRune(dst, v)
			s = s[i+6:]
			continue
		default:
			return nil, false
		}
		s = s[i+2:]
	}
}

// str returns the decoded string member key of an object, or "".
func (n *node) str(src []byte, key string) string {
	s, _ := n.get(key).text(src)
	return s
}

// isTrue reports whether member key of an object is the literal true.
func (n *node) isTrue(src []byte, key string) bool {
	v := n.get(key)
	return v != nil && v.kind == 't'
}

// quote encodes s as a JSON string without HTML escaping. Invalid UTF-8
// cannot occur here: s comes from an engine that got valid UTF-8 text, and
// AppendQuote reports it if it ever does.
func quote(s string) ([]byte, error) {
	b, err := jsontext.AppendQuote(nil, s)
	if err != nil {
		return nil, fmt.Errorf("encode string: %w", err)
	}
	return b, nil
}

// ContainsString reports whether needle occurs inside some string value of
// the JSON document body (after decoding escapes). Reports use it to check
// that a forwarded body still holds a must-keep string.
func ContainsString(body []byte, needle string) bool {
	root, err := parseTree(body)
	if err != nil {
		return false
	}
	var walk func(n *node) bool
	walk = func(n *node) bool {
		switch n.kind {
		case '"':
			s, _ := n.text(body)
			return strings.Contains(s, needle)
		case '{', '[':
			for _, k := range n.kids {
				if walk(k) {
					return true
				}
			}
		}
		return false
	}
	return walk(root)
}

// escapedRune reads the \uXXXX escape at the start of s. A cut-off escape,
// one not in hex and a surrogate (whose pairing rules are jsontext's) are
// not ok: both callers leave them to jsontext.
func escapedRune(s []byte) (rune, bool) {
	if len(s) < 6 {
		return 0, false
	}
	var v rune
	for _, c := range s[2:6] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, !utf16.IsSurrogate(v)
}
