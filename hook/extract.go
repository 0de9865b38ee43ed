package hook

import (
	"github.com/tsheadroom/tsheadroom/compress"
)

// extract finds the candidate blocks of a request body of the given shape.
// ok is false when the body does not have the shape's conversation array:
// such a request passes through untouched.
func extract(shape Shape, body *node, src []byte) (blocks []compress.Block, turns []compress.Turn, slots []slot, ok bool) {
	var conv *node
	switch shape {
	case ShapeAnthropic, ShapeOpenAIChat, ShapeBedrockConverse:
		conv = body.get("messages")
	case ShapeOpenAIResponses:
		conv = body.get("input")
	case ShapeGemini:
		conv = body.get("contents")
	}
	if !conv.isArray() {
		return nil, nil, nil, false
	}
	w := newWalker(src, len(conv.kids))
	for i, msg := range conv.kids {
		w.index = i
		if !msg.isObject() {
			continue
		}
		switch shape {
		case ShapeAnthropic:
			w.anthropicMessage(msg)
		case ShapeOpenAIChat:
			w.chatMessage(msg)
		case ShapeOpenAIResponses:
			w.responsesItem(msg)
		case ShapeGemini:
			w.geminiContent(msg)
		case ShapeBedrockConverse:
			w.converseMessage(msg)
		}
	}
	return w.blocks, w.turns, w.slots, true
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

// anthropicMessage: content is a string or a list of blocks; tool results
// sit in user turns. thinking/redacted_thinking (signed), tool_use, image
// and document blocks are never touched.
func (w *walker) anthropicMessage(msg *node) {
	role := msg.str(w.src, "role")
	content := msg.get("content")
	if content.isString() {
		w.messageText(content, role, compress.Block{})
		return
	}
	for _, blk := range content.items() {
		switch blk.str(w.src, "type") {
		case "text":
			w.messageText(blk.get("text"), role, compress.Block{CacheControl: blk.get("cache_control") != nil})
		case "tool_use":
			w.calls[blk.str(w.src, "id")] = toolCall{name: blk.str(w.src, "name"), input: rawOf(blk.get("input"), w.src)}
		case "tool_result":
			b := w.toolOutputBlock(role, blk.str(w.src, "tool_use_id"), blk.isTrue(w.src, "is_error"), blk.get("cache_control") != nil)
			rc := blk.get("content")
			if rc.isString() {
				w.addToolText(rc, b)
				continue
			}
			for _, part := range rc.items() {
				if part.str(w.src, "type") == "text" {
					w.addToolText(part.get("text"), b)
				}
			}
		}
	}
}

// chatMessage: role "tool" messages (and "function" ones of the legacy
// function-calling API) carry outputs, as a string or text parts; assistant
// tool_calls carry the ids and arguments, never touched.
func (w *walker) chatMessage(msg *node) {
	role := msg.str(w.src, "role")
	content := msg.get("content")
	if role == "tool" || role == "function" {
		b := w.toolOutputBlock("tool", msg.str(w.src, "tool_call_id"), false, false)
		if role == "function" {
			b.ToolName = msg.str(w.src, "name")
		}
		if content.isString() {
			w.addToolText(content, b)
			return
		}
		for _, part := range content.items() {
			if part.str(w.src, "type") == "text" {
				w.addToolText(part.get("text"), b)
			}
		}
		return
	}
	for _, tc := range msg.get("tool_calls").items() {
		fn := tc.get("function")
		w.calls[tc.str(w.src, "id")] = toolCall{name: fn.str(w.src, "name"), input: fn.str(w.src, "arguments")}
	}
	if content.isString() {
		w.messageText(content, role, compress.Block{})
		return
	}
	for _, part := range content.items() {
		if part.str(w.src, "type") == "text" {
			w.messageText(part.get("text"), role, compress.Block{})
		}
	}
}

// responsesItem: function_call_output items carry outputs; reasoning items
// (encrypted_content), call ids and function_call arguments are never
// touched.
func (w *walker) responsesItem(item *node) {
	switch typ := item.str(w.src, "type"); typ {
	case "function_call", "custom_tool_call":
		input := item.str(w.src, "arguments")
		if typ == "custom_tool_call" {
			input = item.str(w.src, "input")
		}
		w.calls[item.str(w.src, "call_id")] = toolCall{name: item.str(w.src, "name"), input: input}
	case "function_call_output", "custom_tool_call_output":
		b := w.toolOutputBlock("tool", item.str(w.src, "call_id"), false, false)
		out := item.get("output")
		if out.isString() {
			w.addToolText(out, b)
			return
		}
		for _, part := range out.items() {
			if t := part.str(w.src, "type"); t == "input_text" || t == "output_text" || t == "text" {
				w.addToolText(part.get("text"), b)
			}
		}
	case "message", "":
		role := item.str(w.src, "role")
		if role == "" {
			return
		}
		content := item.get("content")
		if content.isString() {
			w.messageText(content, role, compress.Block{})
			return
		}
		for _, part := range content.items() {
			if t := part.str(w.src, "type"); t == "input_text" || t == "output_text" || t == "text" {
				w.messageText(part.get("text"), role, compress.Block{})
			}
		}
	}
}

// geminiContent: functionResponse.response must stay a JSON object;
// functionCall parts and anything carrying a thought signature are never
// touched.
func (w *walker) geminiContent(content *node) {
	role := content.str(w.src, "role")
	if role == "model" {
		role = "assistant"
	}
	for _, part := range content.get("parts").items() {
		if part.get("thought") != nil || part.get("thoughtSignature") != nil || part.get("thought_signature") != nil {
			continue
		}
		if fc := part.get("functionCall"); fc.isObject() {
			call := toolCall{name: fc.str(w.src, "name"), input: rawOf(fc.get("args"), w.src)}
			w.calls[geminiCallKey(fc, w.src)] = call
			continue
		}
		if fr := part.get("functionResponse"); fr.isObject() {
			b := w.toolOutputBlock("tool", geminiCallKey(fr, w.src), false, false)
			w.addJSONValue(fr.get("response"), b)
			continue
		}
		if t := part.get("text"); t.isString() {
			w.messageText(t, role, compress.Block{})
		}
	}
}

// geminiCallKey links a functionResponse to its functionCall: by id when the
// client sends one, else by function name (the latest call of that name).
func geminiCallKey(n *node, src []byte) string {
	if id := n.str(src, "id"); id != "" {
		return id
	}
	return "name:" + n.str(src, "name")
}

// converseMessage: toolResult.content[] holds {text} or {json} outputs;
// toolUse ids and inputs are never touched.
func (w *walker) converseMessage(msg *node) {
	role := msg.str(w.src, "role")
	for _, blk := range msg.get("content").items() {
		if tu := blk.get("toolUse"); tu.isObject() {
			w.calls[tu.str(w.src, "toolUseId")] = toolCall{name: tu.str(w.src, "name"), input: rawOf(tu.get("input"), w.src)}
			continue
		}
		if tr := blk.get("toolResult"); tr.isObject() {
			b := w.toolOutputBlock(role, tr.str(w.src, "toolUseId"), tr.str(w.src, "status") == "error", false)
			for _, part := range tr.get("content").items() {
				if t := part.get("text"); t.isString() {
					w.addToolText(t, b)
				} else if j := part.get("json"); j != nil {
					w.addJSONValue(j, b)
				}
			}
			continue
		}
		if t := blk.get("text"); t.isString() {
			w.messageText(t, role, compress.Block{})
		}
	}
}

// rawOf returns the source text of a value, or "" for a missing one.
func rawOf(n *node, src []byte) string {
	if n == nil {
		return ""
	}
	return string(n.raw(src))
}
