package hook

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"

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
	// affinity stands in for a missing metadata.session_id: see Request.
	affinity string
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
// such a call passes through untouched, and when the conversation is past
// the limits of work for one call (too_large). A conversation with nothing
// to offer gives empty Candidates, not an error.
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
	if n := len(conv.kids); n > c.limits.messages {
		return nil, &skipError{OutcomeTooLarge, fmt.Sprintf("%d messages, more than the limit of %d", n, c.limits.messages)}
	}
	w := newWalker(c.src, len(conv.kids))
	w.maxTexts, w.maxValues = c.limits.blocks, c.limits.values
	for i, item := range conv.kids {
		w.index = i
		if item.isObject() {
			walk(w, item)
		}
		if w.over {
			return nil, &skipError{OutcomeTooLarge, fmt.Sprintf("more than %d texts (blocks or turns)", c.limits.blocks)}
		}
	}
	return &Candidates{Blocks: w.blocks, Turns: w.turns, call: c, slots: w.slots, otherTokens: -1, affinity: conversationKey(c.src, conv)}, nil
}

// conversationKey identifies a conversation by its first two messages,
// which every later turn re-sends unchanged: the original tsheadroom's
// worker affinity key for calls without a session_id. Empty for an empty
// conversation.
func conversationKey(src []byte, conv *node) string {
	if len(conv.kids) == 0 {
		return ""
	}
	h := sha256.New()
	for _, m := range conv.kids[:min(2, len(conv.kids))] {
		b := m.raw(src)
		h.Write(binary.AppendUvarint(nil, uint64(len(b))))
		h.Write(b)
	}
	return "conv:" + hex.EncodeToString(h.Sum(nil)[:12])
}

// Request is the engine request for the candidates under knobs: the
// blocks, the call's model (which picks the tokenizer), its session
// (which picks a warm worker: metadata.session_id, or without one a key
// of the conversation's first two messages) and the tokens outside the
// blocks (for the context window check).
func (cs *Candidates) Request(knobs compress.Config) *compress.Request {
	session := cmp.Or(cs.call.Session, cs.affinity)
	return &compress.Request{Model: cs.call.Model, Session: session, Blocks: cs.Blocks, Turns: cs.Turns,
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
