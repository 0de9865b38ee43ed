package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/tsheadroom/tsheadroom/hook"
)

// The answers a hook may give, byte for byte (the modify one as prefix and
// suffix around the new request body).
const (
	allowAnswer  = `{"action":"allow"}`
	modifyPrefix = `{"action":"modify","request_body":`
	modifySuffix = `}`
)

// errAnswer marks an answer that is neither an allow nor a modify.
var errAnswer = errors.New("not a hook answer")

// checker verifies modify answers against the call they answer. Its
// candidates come from the hook's own parser: the texts the hook offered
// the engine are the only values a rewrite may replace.
type checker struct {
	call       []byte
	body       []byte          // the original request_body
	candidates map[string]bool // block texts (strings; compact JSON for JSON values)
	compact    func([]byte) string
}

func newChecker(call []byte) (*checker, error) {
	c, err := hook.ParseCall(call)
	if err != nil {
		return nil, err
	}
	ck := &checker{call: call, body: c.Body(), candidates: map[string]bool{}, compact: compactJSON}
	if cs, err := c.Candidates(); err == nil {
		for _, b := range cs.Blocks {
			ck.candidates[b.Text] = true
		}
	}
	return ck, nil
}

// outcome classifies an answer and, for a modify, checks the new body: it
// returns "allow" or "modify", or an error saying what is wrong.
func (ck *checker) outcome(answer []byte) (string, error) {
	if string(answer) == allowAnswer {
		return "allow", nil
	}
	if !bytes.HasPrefix(answer, []byte(modifyPrefix)) || !bytes.HasSuffix(answer, []byte(modifySuffix)) {
		return "", fmt.Errorf("%w: %.80q", errAnswer, answer)
	}
	forwarded := hook.ForwardedBody(nil, &hook.Answer{Outcome: hook.OutcomeModify, Response: answer})
	if err := ck.checkBody(forwarded); err != nil {
		return "modify", err
	}
	return "modify", nil
}

// checkBody verifies a rewritten request body: the same JSON structure
// (kinds, member names and order, array lengths), every byte outside the
// replaced values unchanged (punctuation and whitespace included), every
// scalar unchanged, and only values the hook offered as candidate blocks
// replaced: a string whose text was a block (or, for a string holding a
// JSON object, one of whose string leaves was), or a JSON value whose
// compact text was one.
func (ck *checker) checkBody(got []byte) error {
	if ck.body == nil {
		return errors.New("modify for a call without a request body")
	}
	o, err := parseSpans(ck.body)
	if err != nil {
		return fmt.Errorf("original body: %w", err)
	}
	n, err := parseSpans(got)
	if err != nil {
		return fmt.Errorf("rewritten body is not valid JSON: %w", err)
	}
	return ck.compare(o, n, ck.body, got, "")
}

func (ck *checker) compare(o, n *span, osrc, nsrc []byte, path string) error {
	ob, nb := o.raw(osrc), n.raw(nsrc)
	if bytes.Equal(ob, nb) {
		return nil
	}
	if o.kind == '{' || o.kind == '[' {
		if ck.candidates[ck.compact(ob)] {
			return nil // a JSON-valued block, rewritten as a whole
		}
	}
	if o.kind != n.kind {
		return fmt.Errorf("%s: %c became %c", pathOr(path), o.kind, n.kind)
	}
	switch o.kind {
	case '"':
		if ck.replaceable(ob) {
			return nil
		}
		return fmt.Errorf("%s: a string that was not a candidate block changed (%.60q -> %.60q)", pathOr(path), ob, nb)
	case '{', '[':
		if len(o.kids) != len(n.kids) {
			return fmt.Errorf("%s: %d members became %d", pathOr(path), len(o.kids), len(n.kids))
		}
		// The bytes between the children (brackets, commas, member names,
		// whitespace) must be the same.
		oAt, nAt := o.start, n.start
		for i := range o.kids {
			if !bytes.Equal(osrc[oAt:o.kids[i].start], nsrc[nAt:n.kids[i].start]) {
				return fmt.Errorf("%s: bytes before member %d changed", pathOr(path), i)
			}
			child := path + "[" + strconv.Itoa(i) + "]"
			if o.kind == '{' {
				child = path + "." + o.keys[i]
			}
			if err := ck.compare(o.kids[i], n.kids[i], osrc, nsrc, child); err != nil {
				return err
			}
			oAt, nAt = o.kids[i].end, n.kids[i].end
		}
		if !bytes.Equal(osrc[oAt:o.end], nsrc[nAt:n.end]) {
			return fmt.Errorf("%s: closing bytes changed", pathOr(path))
		}
		return nil
	default:
		return fmt.Errorf("%s: scalar %s became %s", pathOr(path), ob, nb)
	}
}

// replaceable reports whether the JSON string raw was offered to the
// engine: its text is a block, or it holds a JSON object with a string
// leaf that is one (tool output that is itself JSON is rewritten leaf by
// leaf, inside the string).
func (ck *checker) replaceable(raw []byte) bool {
	text, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return false
	}
	if ck.candidates[string(text)] {
		return true
	}
	inner, err := parseSpans(text)
	if err != nil || inner.kind != '{' {
		return false
	}
	var walk func(s *span) bool
	walk = func(s *span) bool {
		if s.kind == '"' {
			leaf, err := jsontext.AppendUnquote(nil, s.raw(text))
			return err == nil && ck.candidates[string(leaf)]
		}
		for _, k := range s.kids {
			if walk(k) {
				return true
			}
		}
		return false
	}
	return walk(inner)
}

func pathOr(p string) string {
	if p == "" {
		return "request_body"
	}
	return "request_body" + p
}

func compactJSON(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return ""
	}
	return buf.String()
}

// span is one JSON value and where it sits in its source.
type span struct {
	kind       jsontext.Kind
	start, end int
	keys       []string
	kids       []*span
}

func (s *span) raw(src []byte) []byte { return src[s.start:s.end] }

// parseSpans parses one JSON value into spans.
func parseSpans(src []byte) (*span, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(src), jsontext.AllowDuplicateNames(true))
	s, err := readSpan(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err == nil {
		return nil, errors.New("trailing data")
	}
	return s, nil
}

func readSpan(dec *jsontext.Decoder) (*span, error) {
	k := dec.PeekKind()
	if k != '{' && k != '[' {
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		end := int(dec.InputOffset())
		return &span{kind: k, start: end - len(v), end: end}, nil
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	s := &span{kind: k, start: int(dec.InputOffset()) - 1}
	for dec.PeekKind() != k+2 { // '}' is '{'+2, ']' is '['+2
		if k == '{' {
			name, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			s.keys = append(s.keys, name.String())
		}
		kid, err := readSpan(dec)
		if err != nil {
			return nil, err
		}
		s.kids = append(s.kids, kid)
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	s.end = int(dec.InputOffset())
	return s, nil
}
