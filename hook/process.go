package hook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/workers"
)

// Answer is the outcome of one hook call: the response to send and what
// happened, for logs and metrics.
type Answer struct {
	Outcome Outcome
	// Reason explains a non-modify outcome in a few words, for logs.
	Reason string
	// Response is the JSON to send: {"action":"allow"} or the modify reply.
	Response []byte

	Shape              Shape
	Model, Provider    string
	Session, RequestID string
	Blocks, Rewritten  int
	Kinds              []string // kind of each rewritten block
	TokensBefore       int
	TokensAfter        int
	// ToolTokensBefore and ToolTokensAfter count tool output blocks only:
	// the part of a request compression is aimed at.
	ToolTokensBefore  int
	ToolTokensAfter   int
	BytesIn, BytesOut int // request body before and after
	EngineTime        time.Duration
	// TokenizerName names how tokens were counted ("o200k_base", "estimate").
	TokenizerName string
}

var allowResponse = []byte(`{"action":"allow"}`)

func allow(outcome Outcome, reason string) *Answer {
	return &Answer{Outcome: outcome, Reason: reason, Response: allowResponse}
}

// Process runs one hook call (the JSON Aperture POSTs) and returns the
// answer. It never fails: every problem becomes an "allow" answer with the
// outcome that names it. ctx bounds the work: when it ends first the answer
// is allow with outcome timeout.
func (h *Hook) Process(ctx context.Context, call []byte) *Answer {
	root, err := parseTree(call)
	if err != nil {
		return allow(OutcomeDecodeError, "hook call: "+err.Error())
	}
	if !root.isObject() {
		return allow(OutcomeDecodeError, "hook call is not a JSON object")
	}
	md := root.get("metadata")
	a := &Answer{
		Provider:  md.str(call, "provider"),
		Session:   md.str(call, "session_id"),
		RequestID: md.str(call, "request_id"),
		Model:     md.str(call, "model"),
	}
	fail := func(o Outcome, reason string) *Answer {
		a.Outcome, a.Reason, a.Response = o, reason, allowResponse
		return a
	}
	rb := root.get("request_body")
	if rb == nil || rb.kind == 'n' {
		return fail(OutcomePassthrough, "no request_body (hook not configured with send: request_body)")
	}
	if !rb.isObject() {
		return fail(OutcomeDecodeError, "request_body is not a JSON object")
	}
	a.BytesIn = rb.end - rb.start
	a.BytesOut = a.BytesIn
	a.Shape = detectShape(md.str(call, "url"), a.Provider)
	if a.Model == "" {
		a.Model = rb.str(call, "model")
	}
	if a.Shape == ShapeUnknown {
		return fail(OutcomePassthrough, "unknown request shape")
	}
	blocks, turns, slots, ok := extract(a.Shape, rb, call)
	if !ok {
		return fail(OutcomePassthrough, "body has no conversation array for shape "+string(a.Shape))
	}
	a.Blocks = len(blocks)

	tok := compress.TokenizerFor(a.Model)
	a.TokenizerName = tok.Name()
	if len(blocks) == 0 {
		a.TokensBefore = compress.EstimateTokenizer{}.Count(string(call[rb.start:rb.end]))
		a.TokensAfter = a.TokensBefore
		return fail(OutcomeNoop, "no candidate blocks")
	}

	knobs, knobsNote := h.knobsFor(md, call)
	if knobsNote != "" {
		a.Reason = knobsNote
	}
	req := &compress.Request{Model: a.Model, Session: a.Session, Blocks: blocks, Turns: turns, Config: knobs}
	engineStart := time.Now()
	res, err := h.runEngine(ctx, req)
	a.EngineTime = time.Since(engineStart)
	switch {
	case errors.Is(err, workers.ErrOverload):
		return fail(OutcomeOverload, "worker pool overloaded")
	case errors.Is(err, context.DeadlineExceeded):
		return fail(OutcomeTimeout, "compression budget exceeded")
	case err != nil:
		return fail(OutcomeError, err.Error())
	case len(res.Blocks) != len(blocks):
		return fail(OutcomeError, fmt.Sprintf("engine returned %d results for %d blocks", len(res.Blocks), len(blocks)))
	}

	accepted := make([]*string, len(blocks))
	saved, toolSaved := 0, 0
	blockTokens := 0
	for i, r := range res.Blocks {
		blockTokens += r.TokensBefore
		if blocks[i].Source == compress.ToolOutput {
			a.ToolTokensBefore += r.TokensBefore
		}
		if acceptable(blocks[i], r) {
			t := r.Text
			accepted[i] = &t
		}
	}
	var edits []edit
	for _, s := range slots {
		texts := make([]*string, len(s.blocks))
		any := false
		for j, bi := range s.blocks {
			texts[j] = accepted[bi]
			any = any || texts[j] != nil
		}
		if !any {
			continue
		}
		data, err := s.render(texts)
		if err != nil {
			continue // this slot keeps its bytes; the others still apply
		}
		edits = append(edits, edit{start: s.start - rb.start, end: s.end - rb.start, data: data})
		for _, bi := range s.blocks {
			if accepted[bi] != nil {
				r := res.Blocks[bi]
				saved += r.TokensBefore - r.TokensAfter
				if blocks[bi].Source == compress.ToolOutput {
					toolSaved += r.TokensBefore - r.TokensAfter
				}
				a.Rewritten++
				a.Kinds = append(a.Kinds, string(r.Kind))
			}
		}
	}
	body := call[rb.start:rb.end]
	// The rest of the body (JSON syntax, tool definitions, opaque reasoning
	// blobs) is never rewritten: an estimate is enough for the request
	// total, and running a BPE over encrypted blobs would cost more than
	// the compression itself.
	a.TokensBefore = blockTokens + compress.EstimateTokenizer{}.Count(string(outside(body, slots, rb.start)))
	a.TokensAfter = a.TokensBefore
	a.ToolTokensAfter = a.ToolTokensBefore
	if saved <= 0 || len(edits) == 0 {
		a.Rewritten, a.Kinds = 0, nil
		return fail(OutcomeNoop, "nothing worth rewriting")
	}
	newBody := applyEdits(body, edits)
	a.TokensAfter = a.TokensBefore - saved
	a.ToolTokensAfter = a.ToolTokensBefore - toolSaved
	a.BytesOut = len(newBody)
	var resp bytes.Buffer
	resp.Grow(len(newBody) + 48)
	resp.WriteString(`{"action":"modify","request_body":`)
	resp.Write(newBody)
	resp.WriteString("}")
	a.Outcome, a.Response = OutcomeModify, resp.Bytes()
	return a
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
// tokens the engine did not count), for the request's token total.
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

// runEngine runs the engine in a pool slot, bounded by the hook's budget and
// ctx. The answer does not wait for an engine that overruns: the slot stays
// busy until the engine notices the cancellation, which the pool gauges show.
func (h *Hook) runEngine(ctx context.Context, req *compress.Request) (*compress.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, h.budget)
	defer cancel()
	type outcome struct {
		res *compress.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var res *compress.Result
		err := h.pool.Do(ctx, func(ctx context.Context) error {
			var err error
			res, err = h.engine.Compress(ctx, req)
			return err
		})
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err == nil && o.res == nil {
			o.err = errors.New("engine returned no result")
		}
		return o.res, o.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, context.DeadlineExceeded
		}
		return nil, fmt.Errorf("caller went away: %w", ctx.Err())
	}
}
