package hook

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress"
)

// slot is one value of the body that may be replaced, and the engine blocks
// whose results make up its replacement: usually one block (a tool output
// string), several for a JSON document whose long strings are rewritten one
// by one.
type slot struct {
	// start and end span the JSON value to replace in the body.
	start, end int
	// blocks are indices into the request's block list.
	blocks []int
	// render builds the replacement from the new text of each block (nil
	// where that block is unchanged); it fails when the result would break
	// the shape.
	render func(texts []*string) ([]byte, error)
}

// toolCall is what a tool result's context needs from the call that
// produced it.
type toolCall struct{ name, input string }

// walker accumulates the blocks and slots of one conversation in order, with the
// context every block needs: the user task so far and the tool calls seen.
type walker struct {
	src   []byte
	total int // messages in the conversation
	index int // current message
	// users holds every user word so far, newest last; task, the last
	// maxTaskBytes of it, is a substring, so blocks share one copy and a
	// user turn costs its own length, not the task's.
	users  strings.Builder
	task   string
	calls  map[string]toolCall
	turns  []compress.Turn
	blocks []compress.Block
	slots  []slot
	// maxTexts bounds the blocks, and the turns; over is set, and nothing
	// more is recorded, once a call passes it.
	maxTexts int
	over     bool
	// maxValues bounds a JSON document inside a tool output string.
	maxValues int
}

func newWalker(src []byte, total int) *walker {
	return &walker{src: src, total: total, calls: map[string]toolCall{}, maxTexts: DefaultMaxBlocks, maxValues: DefaultMaxValues}
}

// maxTaskBytes bounds the task text handed to engines: the most recent user
// words matter most, and a bound keeps per-block work small.
const maxTaskBytes = 4 << 10

// addUserText records text the user wrote, for the task of later blocks.
// Only the last maxTaskBytes are kept, cut at a UTF-8 boundary.
func (w *walker) addUserText(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	if w.users.Len() > 0 {
		w.users.WriteByte('\n')
	}
	w.users.WriteString(s)
	t := w.users.String()
	if len(t) > maxTaskBytes {
		t = t[len(t)-maxTaskBytes:]
		for len(t) > 0 && !utf8.RuneStart(t[0]) {
			t = t[1:]
		}
	}
	w.task = t
}

// full reports, and records, that the call has as many blocks as it may:
// one more makes it too large.
func (w *walker) full() bool {
	if len(w.blocks) >= w.maxTexts {
		w.over = true
	}
	return w.over
}

func (w *walker) fromEnd() int { return w.total - 1 - w.index }

// addTurn records text a participant wrote, for the task of later blocks
// and the follow-ups of earlier ones.
func (w *walker) addTurn(role, text string) {
	if len(w.turns) >= w.maxTexts {
		w.over = true
		return
	}
	w.turns = append(w.turns, compress.Turn{Role: role, Text: text, Message: w.index})
}

// block completes a block's position and task and records it, returning
// its index.
func (w *walker) block(b compress.Block) int {
	w.full() // past it the call is refused whole; the index stays valid meanwhile
	b.FromEnd = w.fromEnd()
	b.Task = w.task
	b.Turn = len(w.turns)
	b.Message = w.index
	w.blocks = append(w.blocks, b)
	return len(w.blocks) - 1
}

// addString makes a string node one slot holding one block.
func (w *walker) addString(n *node, text string, b compress.Block) {
	if w.full() {
		return
	}
	b.Text = text
	w.slots = append(w.slots, slot{start: n.start, end: n.end, blocks: []int{w.block(b)}, render: quoteFirst})
}

func quoteFirst(texts []*string) ([]byte, error) { return quotes.quote(*texts[0]) }

// addText makes a non-empty string node a candidate.
func (w *walker) addText(n *node, b compress.Block) {
	if text, ok := n.text(w.src); ok && text != "" {
		w.addString(n, text, b)
	}
}

// addToolText adds tool output held in a string node. Some agents (Codex)
// send a function output as a JSON document in a string, e.g.
// {"output":"...","metadata":{...}}; then the long strings inside it are
// the content, each rewritten in place inside the inner document, and the
// rest of that document keeps its bytes.
func (w *walker) addToolText(n *node, b compress.Block) {
	if w.full() {
		return
	}
	text, ok := n.text(w.src)
	if !ok || text == "" {
		return
	}
	if looksLikeJSONObject(text) {
		inner := []byte(text)
		if tree, err := parseTreeMax(inner, w.maxValues); err == nil && tree.isObject() {
			if leaves := longStringLeaves(tree); len(leaves) > 0 {
				s := slot{start: n.start, end: n.end}
				for _, leaf := range leaves {
					lb := b
					lb.Text, _ = leaf.text(inner)
					s.blocks = append(s.blocks, w.block(lb))
				}
				s.render = func(texts []*string) ([]byte, error) {
					doc, err := spliceLeaves(inner, leaves, texts)
					if err != nil {
						return nil, err
					}
					return quote(string(doc))
				}
				w.slots = append(w.slots, s)
				return
			}
		}
	}
	w.addString(n, text, b)
}

// minLeafBytes is the size from which a string inside a JSON tool output is
// treated as content of its own (a log, a listing) rather than a field.
const minLeafBytes = 512

func looksLikeJSONObject(s string) bool {
	for i := range len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

// longStringLeaves returns the string values of n (at any depth, in document
// order) long enough to be content of their own, when they are what the
// value is made of: an envelope around output ({"output": "...", "metadata":
// {...}}) holds most of its bytes in them. A data document (a schema, an API
// description, a config) that merely has some long description strings is
// not an envelope: its structure is the content, so it is nil and the whole
// value is one block, compressed as JSON.
func longStringLeaves(n *node) []*node {
	leaves := stringLeaves(n)
	in := 0
	for _, l := range leaves {
		in += l.end - l.start
	}
	if 2*in < n.end-n.start {
		return nil
	}
	return leaves
}

// stringLeaves returns the string values of n of minLeafBytes or more, at
// any depth, in document order.
func stringLeaves(n *node) []*node {
	var out []*node
	var walk func(*node)
	walk = func(n *node) {
		switch n.kind {
		case '"':
			if n.end-n.start >= minLeafBytes {
				out = append(out, n)
			}
		case '{', '[':
			for _, k := range n.kids {
				walk(k)
			}
		}
	}
	walk(n)
	return out
}

// addJSONValue adds a JSON value (Gemini functionResponse.response, Bedrock
// {"json": ...}) as a candidate. The replacement must be valid JSON of the
// same kind (an object stays an object). When the value holds long strings,
// those are the content and are rewritten one by one instead, keeping the
// value's other bytes.
func (w *walker) addJSONValue(n *node, b compress.Block) {
	if n == nil || (n.kind != '{' && n.kind != '[') || w.full() {
		return
	}
	if leaves := longStringLeaves(n); len(leaves) > 0 {
		for _, leaf := range leaves {
			w.addText(leaf, b)
		}
		return
	}
	b.Text = string(n.raw(w.src))
	b.JSONObject = n.kind == '{'
	kind := n.kind
	w.slots = append(w.slots, slot{start: n.start, end: n.end, blocks: []int{w.block(b)},
		render: func(texts []*string) ([]byte, error) {
			out := []byte(*texts[0])
			t, err := parseTree(out)
			if err != nil {
				return nil, err
			}
			if t.kind != kind {
				return nil, errShapeChanged
			}
			return out, nil
		}})
}

// messageText offers text a participant wrote: a candidate for the engine
// (which applies the user/system/protect_recent knobs) and, for the user,
// part of the task that later tool outputs are judged by.
func (w *walker) messageText(n *node, role string, b compress.Block) {
	text, ok := n.text(w.src)
	if !ok || text == "" {
		return
	}
	b.Source = compress.MessageText
	b.Role = role
	w.addString(n, text, b)
	w.addTurn(role, text)
	if role == "user" {
		w.addUserText(text)
	}
}

// toolTexts adds tool output held in content: content itself when it is a
// string, else the text of each part whose type is one of types.
func (w *walker) toolTexts(content *node, b compress.Block, types ...string) {
	w.eachText(content, types, func(n *node) { w.addToolText(n, b) })
}

// messageTexts offers the text a participant wrote in content, a string or
// parts as for toolTexts.
func (w *walker) messageTexts(content *node, role string, types ...string) {
	w.eachText(content, types, func(n *node) { w.messageText(n, role, compress.Block{}) })
}

func (w *walker) eachText(content *node, types []string, add func(*node)) {
	if content.isString() {
		add(content)
		return
	}
	for _, part := range content.items() {
		if slices.Contains(types, part.str(w.src, "type")) {
			add(part.get("text"))
		}
	}
}

// toolOutputBlock starts the block of a tool output, with what the call
// that produced it said.
func (w *walker) toolOutputBlock(role, id string, isError, cacheControl bool) compress.Block {
	call := w.calls[id]
	return compress.Block{
		Source:       compress.ToolOutput,
		Role:         role,
		ToolCallID:   id,
		ToolName:     call.name,
		ToolInput:    call.input,
		IsError:      isError,
		CacheControl: cacheControl,
	}
}

// rawOf returns the source text of a value, or "" for a missing one.
func rawOf(n *node, src []byte) string {
	if n == nil {
		return ""
	}
	return string(n.raw(src))
}
