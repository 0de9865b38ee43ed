package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
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
	o, err := jsonspan.Parse(ck.body, jsonspan.Options{})
	if err != nil {
		return fmt.Errorf("original body: %w", err)
	}
	n, err := jsonspan.Parse(got, jsonspan.Options{})
	if err != nil {
		return fmt.Errorf("rewritten body is not valid JSON: %w", err)
	}
	return ck.compare(o, n, 0, 0, "")
}

// compare checks value j of the rewritten body n against value i of the
// original o.
func (ck *checker) compare(o, n *jsonspan.Tree, i, j int, path string) error {
	ob, nb := o.Raw(i), n.Raw(j)
	if ob == nb {
		return nil
	}
	ok, nk := o.Kind(i), n.Kind(j)
	if ok.IsContainer() && ck.candidates[ck.compact([]byte(ob))] {
		return nil // a JSON-valued block, rewritten as a whole
	}
	if ok != nk {
		return fmt.Errorf("%s: %c became %c", pathOr(path), ok, nk)
	}
	switch ok {
	case jsonspan.String:
		if ck.replaceable(ob) {
			return nil
		}
		return fmt.Errorf("%s: a string that was not a candidate block changed (%.60q -> %.60q)", pathOr(path), ob, nb)
	case jsonspan.Object, jsonspan.Array:
		if o.NumKids(i) != n.NumKids(j) {
			return fmt.Errorf("%s: %d members became %d", pathOr(path), o.NumKids(i), n.NumKids(j))
		}
		// The bytes between the children (brackets, commas, member names,
		// whitespace) must be the same.
		osrc, nsrc := o.Source(), n.Source()
		oAt, nAt := o.Start(i), n.Start(j)
		oc, nc := o.First(i), n.First(j)
		for m := 0; oc >= 0; m++ {
			if osrc[oAt:o.Start(oc)] != nsrc[nAt:n.Start(nc)] {
				return fmt.Errorf("%s: bytes before member %d changed", pathOr(path), m)
			}
			child := path + "[" + strconv.Itoa(m) + "]"
			if ok == jsonspan.Object {
				child = path + "." + o.Key(oc)
			}
			if err := ck.compare(o, n, oc, nc, child); err != nil {
				return err
			}
			oAt, nAt = o.End(oc), n.End(nc)
			oc, nc = o.Next(oc), n.Next(nc)
		}
		if osrc[oAt:o.End(i)] != nsrc[nAt:n.End(j)] {
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
func (ck *checker) replaceable(raw string) bool {
	text, ok := jsonspan.Unquote(raw)
	if !ok {
		return false
	}
	if ck.candidates[text] {
		return true
	}
	inner, err := jsonspan.ParseString(text, jsonspan.Options{})
	if err != nil || inner.Kind(0) != jsonspan.Object {
		return false
	}
	for i := range inner.Len() {
		if inner.Kind(i) != jsonspan.String {
			continue
		}
		if leaf, ok := inner.Text(i); ok && ck.candidates[leaf] {
			return true
		}
	}
	return false
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
