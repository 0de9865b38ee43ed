package hook

import (
	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
)

// Candidates are what a call offers an engine: the blocks it may rewrite,
// in conversation order, and where each one sits in the body.
type Candidates struct {
	// Blocks are the candidate blocks with their context (role, position,
	// tool call, task); they become the engine's Request.Blocks.
	Blocks []compress.Block
	// Turns are the texts participants wrote, in order: the engine judges
	// a block by the turns before it and re-judges it by those after.
	Turns []compress.Turn

	call  *Call
	slots []slot
	// otherTokens caches the estimate of the tokens outside the slots
	// (-1 until counted).
	otherTokens int
}

// skipError says why a call has no candidates and which outcome that is:
// passthrough for what the hook does not handle, decode_error for a body
// that is not what a hook call must carry.
type skipError struct {
	outcome Outcome
	reason  string
}

func (e *skipError) Error() string { return e.reason }

// Candidates walks the conversation of the call's body and collects its
// candidate blocks. It fails when the call has no request body object, a
// shape the hook does not know or no conversation array for its shape;
// such a call passes through untouched. A conversation with nothing to
// offer gives empty Candidates, not an error.
func (c *Call) Candidates() (*Candidates, error) {
	switch {
	case c.body == nil || c.body.kind == 'n':
		return nil, &skipError{OutcomePassthrough, "no request_body (hook not configured with send: request_body)"}
	case !c.body.isObject():
		return nil, &skipError{OutcomeDecodeError, "request_body is not a JSON object"}
	}
	member, walk, ok := c.Shape.conversation()
	if !ok {
		return nil, &skipError{OutcomePassthrough, "unknown request shape"}
	}
	conv := c.body.get(member)
	if !conv.isArray() {
		return nil, &skipError{OutcomePassthrough, "body has no conversation array for shape " + string(c.Shape)}
	}
	w := newWalker(c.src, len(conv.kids))
	for i, item := range conv.kids {
		w.index = i
		if item.isObject() {
			walk(w, item)
		}
	}
	return &Candidates{Blocks: w.blocks, Turns: w.turns, call: c, slots: w.slots, otherTokens: -1}, nil
}

// Request is the engine request for the candidates under knobs: the
// blocks, the call's model (which picks the tokenizer), its session
// (which picks a warm worker) and the tokens outside the blocks (for the
// context window check).
func (cs *Candidates) Request(knobs compress.Config) *compress.Request {
	return &compress.Request{Model: cs.call.Model, Session: cs.call.Session, Blocks: cs.Blocks, Turns: cs.Turns,
		Config: knobs, OtherTokens: cs.outsideTokens()}
}

// outsideTokens estimates the tokens of the body outside the candidate
// blocks (JSON syntax, tool definitions, opaque reasoning blobs). Those
// bytes are never rewritten, so an estimate is enough, and running a BPE
// over encrypted blobs would cost more than the compression itself.
func (cs *Candidates) outsideTokens() int {
	if cs.otherTokens < 0 {
		cs.otherTokens = tokens.Estimate{}.Count(string(outside(cs.call.Body(), cs.slots, cs.call.body.start)))
	}
	return cs.otherTokens
}
