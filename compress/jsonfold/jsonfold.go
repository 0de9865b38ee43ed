// Package jsonfold is the native engine's compressor for JSON tool output:
// one value (an API response, a manifest, a registry document) or a stream
// of values (concatenated objects, JSON Lines logs).
//
// It works on the source text through a span tree (compress/jsonspan),
// never on decoded values: what it keeps is copied byte for byte, so a kept
// item reads exactly as the tool printed it, with its own indentation and
// number texts, and the output is valid JSON (or a valid stream) with the
// source's separators. A JSON object stays an object.
//
// Collections are what it reduces: arrays, streams, and objects used as
// maps (members keyed by version, name, path or id, or hundreds of scalar
// settings, as a configuration dump holds). A collection over its
// budget keeps, whatever the budget, its first and last items, items that
// report a problem, items holding a term the task names that is rare in
// the collection, for every numeric field the items holding its minimum
// and maximum (the top few when the task asks for the largest or
// smallest), the newest and oldest by date-like fields, and items with a
// rare value of a categorical field; then it fills the budget with the
// items that match the task best and an even spread of the rest. The
// omitted items become one trailing note element in the container's idiom
// ({"_omitted": "..."} among objects, a string among other values, an
// "_omitted" member in an object) saying how many were left out, which
// fields are constant, value ranges and which item holds an extreme; of
// a map's many omitted members, their first and last names when the map
// is sorted and the name prefixes they share, with counts.
// Items too large for their share are compressed the same way inside,
// and objects that are records (a few named members) keep every member,
// their large values compressed with budgets split by size. Long string
// leaves are compressed as text of their own (a log inside a string) or
// cut with a note saying how much.
//
// Rewrites that lose nothing but re-render kept items (minifying) are used
// only by the aggressive profile, and never when the task quotes.
package jsonfold

import (
	"strings"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
)

// maxDepth bounds the nesting the compressor accepts: it recurses once per
// level it reduces.
const maxDepth = 256

// detectPrefix bounds what Detect parses of a large text.
const detectPrefix = 64 << 10

// Detect reports whether text is JSON: one value or a stream of values,
// starting with an object or array and ending like one. It parses at most
// the first 64 KiB (running out of input there is fine); Compress parses
// the whole text and declines what does not parse.
func Detect(text string) bool {
	t := strings.TrimSpace(text)
	if len(t) < 2 || (t[0] != '{' && t[0] != '[') || (t[len(t)-1] != '}' && t[len(t)-1] != ']') {
		return jsonLines(text)
	}
	if len(t) > detectPrefix {
		cut := detectPrefix
		for cut > 0 && !utf8.RuneStart(t[cut]) {
			cut--
		}
		t = t[:cut]
	}
	return jsonspan.ValidPrefix(t, jsonspan.Options{Stream: true})
}

// Sampling bounds of jsonLines.
const (
	sampleLines = 200
	sampleBytes = 64 << 10
)

// jsonLines reports whether text is JSON Lines mixed with plain text
// lines (a build tool's JSON messages among its text output): of the
// first lines, at least three and 60% of those not blank are one JSON
// object or array each.
func jsonLines(text string) bool {
	if len(text) > sampleBytes {
		text = text[:sampleBytes]
	}
	values, nonBlank := 0, 0
	for line := range strings.Lines(text) {
		if nonBlank == sampleLines {
			break
		}
		l := strings.TrimSpace(line)
		if l == "" {
			continue
		}
		nonBlank++
		if (l[0] == '{' || l[0] == '[') && (l[len(l)-1] == '}' || l[len(l)-1] == ']') && jsonspan.Valid(l, jsonspan.Options{}) {
			values++
		}
	}
	return values >= 3 && values*10 >= nonBlank*6
}

// Compress compresses JSON text (see the package comment). ok is false
// when the text does not parse or nothing worth changing was found.
func Compress(in *fold.Input) (string, bool) {
	if len(in.Text) <= in.Budget.Bytes || !in.Budget.Lossy && !in.Budget.Aggressive {
		// Within its budget a block is left as it is, even under the
		// aggressive profile: a file that was read stays editable.
		return "", false
	}
	pd := parsedOf(in)
	if !pd.ok {
		return "", false
	}
	t, opt := pd.t, pd.opt
	c := newCompressor(in, t)
	c.probs = &pd.probs
	// The aggressive profile trades the source's layout for tokens, unless
	// the task quotes; JSON Lines keep their lines.
	c.rewrite = in.Budget.Aggressive && !in.Verbatim() && !opt.TextLines
	var out string
	switch {
	case c.rewrite:
		// Lossless first: minified, the whole text may fit.
		m := minifyTree(t)
		if len(m) <= in.Budget.Bytes || !in.Budget.Lossy {
			out = m
			break
		}
		// The lossy steps aim at what the budget holds once minified.
		c.budget = int(float64(c.budget) * float64(len(in.Text)) / float64(len(m)))
		if out = c.document(); !c.stopped {
			out, _ = minify(out)
		}
	case in.Budget.Lossy:
		out = c.document()
	default:
		return "", false
	}
	if c.stopped || out == "" || len(out) >= len(in.Text) || !sameShape(t, out, opt) {
		return "", false
	}
	return out, true
}

// parsed is the tree of a text and the options it parsed with (ok false
// when it did not), and what the compressions of the tree keep of it.
type parsed struct {
	t     *jsonspan.Tree
	opt   jsonspan.Options
	ok    bool
	probs problems
}

// parsedOf parses in.Text, as a document or else as JSON Lines, kept in
// in.Memo: a block compressed again for a later turn reads the same tree
// (which nothing changes).
func parsedOf(in *fold.Input) *parsed {
	if v, ok := in.Memo.Get("jsonfold.tree", in.Text); ok {
		return v.(*parsed)
	}
	p := &parsed{opt: jsonspan.Options{Stream: true, MaxDepth: maxDepth}}
	var err error
	if p.t, err = jsonspan.ParseString(in.Text, p.opt); err == nil {
		p.ok = true
	} else if jsonLines(in.Text) {
		p.opt.TextLines = true
		p.t, err = jsonspan.ParseString(in.Text, p.opt)
		p.ok = err == nil
	}
	in.Memo.Put("jsonfold.tree", in.Text, p)
	return p
}

// sameShape reports whether out parses as the input did: one value of the
// same kind, or a stream.
func sameShape(in *jsonspan.Tree, out string, opt jsonspan.Options) bool {
	opt.MaxDepth++
	t, err := jsonspan.ParseString(out, opt)
	if err != nil {
		return false
	}
	if in.NumRoots() == 1 {
		// An array may have become columnar (an object); an object stays
		// an object.
		return t.NumRoots() == 1 && (t.Kind(0) == in.Kind(0) || in.Kind(0) == jsonspan.Array && t.Kind(0) == jsonspan.Object)
	}
	return true
}
