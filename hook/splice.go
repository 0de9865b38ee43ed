package hook

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress"
)

// Rewrite is the body that results from splicing an engine's results into
// a call's candidates, with its accounting.
type Rewrite struct {
	// Body is the new request body; the original bytes when Rewritten is 0.
	Body []byte
	// Rewritten counts the blocks whose new text was spliced in, and Kinds
	// holds the kind of each of them.
	Rewritten int
	Kinds     []string
	// Restores lists the rewritten blocks whose form a later turn changed
	// (each one breaks the prompt cache once, from that block on), and
	// RestoredTokens sums what they added back. Both count in TokensAfter.
	Restores       []Restore
	RestoredTokens int
	// Stats has one entry per candidate block, rewritten or not, for
	// reports.
	Stats []BlockStat
	// TokensBefore and TokensAfter count the whole body: the engine's
	// counts for the blocks plus an estimate for the bytes outside them.
	// ToolTokensBefore and ToolTokensAfter count tool output blocks only,
	// the part of a request compression is aimed at.
	TokensBefore, TokensAfter         int
	ToolTokensBefore, ToolTokensAfter int
}

// BlockStat is what became of one candidate block: its source, the kind
// the engine detected, its tokens before and after (equal when it went
// out unchanged) and whether it was rewritten.
type BlockStat struct {
	Source                    compress.Source
	Kind                      compress.Kind
	TokensBefore, TokensAfter int
	Rewritten                 bool
	// Protected: a knob kept the block as it is (see
	// compress.BlockResult.Protected).
	Protected bool
}

// Restore is one block a later turn restored: which candidate block, why
// (one of compress.RestoreReasons), the tokens it added back, and whether
// this request is the one on which the block changed form (Fresh; later
// requests carry the same restore).
type Restore struct {
	Block  int
	Reason string
	Tokens int
	Fresh  bool
}

// Splice applies res, the engine's answer to a Request of cs, to the body.
// A block's new text is used only when it is acceptable; a slot whose
// replacement would break the shape keeps its bytes while the others still
// apply. Every byte outside the replaced values is copied unchanged. It
// fails when res does not hold one result per block.
func (cs *Candidates) Splice(res *compress.Result) (*Rewrite, error) {
	if len(res.Blocks) != len(cs.Blocks) {
		return nil, fmt.Errorf("engine returned %d results for %d blocks", len(res.Blocks), len(cs.Blocks))
	}
	rw := &Rewrite{Stats: make([]BlockStat, len(cs.Blocks))}
	accepted := make([]*string, len(cs.Blocks))
	blockTokens := 0
	for i, r := range res.Blocks {
		blockTokens += r.TokensBefore
		if cs.Blocks[i].Source == compress.ToolOutput {
			rw.ToolTokensBefore += r.TokensBefore
		}
		rw.Stats[i] = BlockStat{Source: cs.Blocks[i].Source, Kind: r.Kind, TokensBefore: r.TokensBefore, TokensAfter: r.TokensBefore, Protected: r.Protected}
		if acceptable(cs.Blocks[i], r) {
			t := r.Text
			accepted[i] = &t
		}
	}
	body, offset := cs.call.Body(), cs.call.body.start
	saved, toolSaved := 0, 0
	var edits []edit
	for _, s := range cs.slots {
		texts := make([]*string, len(s.blocks))
		changed := false
		for j, bi := range s.blocks {
			texts[j] = accepted[bi]
			changed = changed || texts[j] != nil
		}
		if !changed {
			continue
		}
		data, err := s.render(texts)
		if err != nil {
			continue // this slot keeps its bytes; the others still apply
		}
		edits = append(edits, edit{start: s.start - offset, end: s.end - offset, data: data})
		for _, bi := range s.blocks {
			if accepted[bi] == nil {
				continue
			}
			r := res.Blocks[bi]
			saved += r.TokensBefore - r.TokensAfter
			if cs.Blocks[bi].Source == compress.ToolOutput {
				toolSaved += r.TokensBefore - r.TokensAfter
			}
			rw.Rewritten++
			rw.Kinds = append(rw.Kinds, string(r.Kind))
			rw.Stats[bi].TokensAfter, rw.Stats[bi].Rewritten = r.TokensAfter, true
		}
	}
	rw.TokensBefore = blockTokens + cs.outsideTokens()
	rw.TokensAfter, rw.ToolTokensAfter = rw.TokensBefore, rw.ToolTokensBefore
	rw.Body = body
	if saved <= 0 || len(edits) == 0 {
		rw.Rewritten, rw.Kinds = 0, nil
		for i := range rw.Stats {
			rw.Stats[i].TokensAfter, rw.Stats[i].Rewritten = rw.Stats[i].TokensBefore, false
		}
		rw.restores(res, nil)
		return rw, nil
	}
	rw.Body = applyEdits(body, edits)
	rw.restores(res, accepted)
	rw.TokensAfter -= saved
	rw.ToolTokensAfter -= toolSaved
	return rw, nil
}

// restores records the blocks a later turn restored. A restored block that
// goes out as its original (restored whole, or its new form not used)
// still changed form since first sight: it adds back all it had dropped.
func (rw *Rewrite) restores(res *compress.Result, accepted []*string) {
	for i, r := range res.Blocks {
		if r.Restored == "" {
			continue
		}
		added := r.RestoredTokens
		if accepted == nil || accepted[i] == nil {
			added += r.TokensBefore - r.TokensAfter
		}
		rw.Restores = append(rw.Restores, Restore{Block: i, Reason: r.Restored, Tokens: added, Fresh: r.RestoreFresh})
		rw.RestoredTokens += added
	}
}

// acceptable enforces the engine guarantees the hook can check on any
// engine's output: fewer tokens, valid UTF-8, no retrieval markers.
func acceptable(b compress.Block, r compress.BlockResult) bool {
	return r.Changed && r.Text != b.Text &&
		r.TokensAfter < r.TokensBefore &&
		utf8.ValidString(r.Text) &&
		!compress.IntroducesRetrievalMarker(b.Text, r.Text)
}

// outside returns the bytes of body not covered by any slot (the parts whose
// tokens the engine did not count), for the request's token total. offset
// is the body's position in the source the slots point into.
func outside(body []byte, slots []slot, offset int) []byte {
	var out []byte
	pos := 0
	for _, s := range slots {
		start, end := s.start-offset, s.end-offset
		if start < pos {
			continue
		}
		out = append(out, body[pos:start]...)
		pos = end
	}
	return append(out, body[pos:]...)
}

// errShapeChanged rejects a replacement that would change a value's JSON
// kind (an object must stay an object).
var errShapeChanged = errors.New("replacement changes the JSON kind of the value")

// edit replaces src[start:end] with data.
type edit struct {
	start, end int
	data       []byte
}

// applyEdits returns src with the non-overlapping edits applied; every byte
// outside them is copied unchanged.
func applyEdits(src []byte, edits []edit) []byte {
	if len(edits) == 0 {
		return src
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	size := len(src)
	for _, e := range edits {
		size += len(e.data) - (e.end - e.start)
	}
	out := make([]byte, 0, size)
	pos := 0
	for _, e := range edits {
		out = append(out, src[pos:e.start]...)
		out = append(out, e.data...)
		pos = e.end
	}
	return append(out, src[pos:]...)
}

// spliceLeaves replaces the string leaves of doc that have a new text.
func spliceLeaves(doc []byte, leaves []*node, texts []*string) ([]byte, error) {
	var edits []edit
	for i, leaf := range leaves {
		if texts[i] == nil {
			continue
		}
		q, err := quote(*texts[i])
		if err != nil {
			return nil, err
		}
		edits = append(edits, edit{start: leaf.start, end: leaf.end, data: q})
	}
	return applyEdits(doc, edits), nil
}
