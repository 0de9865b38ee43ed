package hook

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
		w.toolTexts(content, b, "text")
		return
	}
	for _, tc := range msg.get("tool_calls").items() {
		fn := tc.get("function")
		w.calls[tc.str(w.src, "id")] = toolCall{name: fn.str(w.src, "name"), input: fn.str(w.src, "arguments")}
	}
	w.messageTexts(content, role, "text")
}
