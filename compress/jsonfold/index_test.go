package jsonfold

import (
	"slices"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// blankedIndexText is the index text as blanks, not cuts, would make it:
// the collection's text with every member name seen before in the items
// (and, unless digits, numbers and dates) overwritten with spaces.
func blankedIndexText(c *compressor, sq *seq, digits bool) string {
	b := []byte(c.src[sq.start:sq.end])
	blank := func(s, e int) {
		for i := s - sq.start; i < e-sq.start; i++ {
			b[i] = ' '
		}
	}
	seen := map[string]int{}
	for _, k := range sq.items {
		if c.t.Kind(k) != jsonspan.Object {
			continue
		}
		for m := range c.t.Kids(k) {
			if seen[c.t.RawKey(m)]++; seen[c.t.RawKey(m)] >= 2 {
				blank(c.t.KeySpan(m))
			}
			if !digits && (c.t.Kind(m) == jsonspan.Number || c.t.Kind(m) == jsonspan.String && isDate(c.t.Raw(m))) {
				blank(c.t.Span(m))
			}
		}
	}
	return string(b)
}

// The index text cuts spans out rather than blanking them: the index finds
// the same terms in the same items either way.
func TestIndexTextCutAsBlanked(t *testing.T) {
	compact := strings.ReplaceAll(strings.ReplaceAll(genRecords(120), "\n", ""), "  ", "")
	cases := []struct{ text, task string }{
		{genRecords(300), "why did checkout-service fail with 9000 ms?"},
		{genRecords(300), `which "request served" records are in eu-west-1?`},
		{genRecords(300), `the level error and "upstream connection refused"`},
		{genRecords(300), `latency_ms of the v2 tags`},
		{compact, `"frontend","region" 1020 and "info","service":"frontend"`},
		{compact, "2026-03-05T10:00:04Z newest"},
		{genLines(400), "the 500 panic and request r0001f1"},
		{genLines(400), `"slow request" GET /orders/17`},
		{genDistinctKeys(100), "attr_7_3 item-7"},
	}
	for _, tc := range cases {
		in := input(tc.text, tc.task)
		opt := jsonspan.Options{Stream: true}
		tr, err := jsonspan.ParseString(tc.text, opt)
		if err != nil {
			t.Fatal(err)
		}
		c := newCompressor(in, tr)
		sq := c.streamSeq()
		if tr.NumRoots() == 1 {
			sq = c.kidsSeq(0)
		}
		a := &analysis{sev: make([]lines.Severity, len(sq.items)), sig: make([]uint64, len(sq.items))}
		fs := c.fieldsOf(sq, a, true)
		cut := relevance.Build(c.q, fs.indexText, fs.indexStarts)
		blanked := relevance.Build(c.q, blankedIndexText(c, sq, c.digitTerms()), c.unitStarts(sq))
		if len(fs.indexText) >= sq.end-sq.start {
			t.Errorf("%q: nothing cut", tc.task)
		}
		for x := range sq.items {
			if cut.Score(x) != blanked.Score(x) || cut.Strong(x) != blanked.Strong(x) || cut.Specific(x) != blanked.Specific(x) {
				t.Fatalf("%q: item %d scores %v/%v/%v cut, %v/%v/%v blanked", tc.task, x,
					cut.Score(x), cut.Strong(x), cut.Specific(x), blanked.Score(x), blanked.Strong(x), blanked.Specific(x))
			}
		}
		found := false
		for ti := range c.q.Terms {
			ch, cdf := cut.Hits(ti)
			bh, bdf := blanked.Hits(ti)
			if cdf != bdf || !slices.Equal(ch, bh) {
				t.Fatalf("%q: term %q in %d items cut, %d blanked", tc.task, c.q.Terms[ti].Text, cdf, bdf)
			}
			found = found || cdf > 0
		}
		if !found {
			t.Errorf("%q: no term found: the case tests nothing", tc.task)
		}
	}
}
