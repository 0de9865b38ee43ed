package hook

import "github.com/tsheadroom/tsheadroom/compress"

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
			w.toolTexts(blk.get("content"), b, "text")
		}
	}
}
