package hook

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
		w.toolTexts(item.get("output"), b, "input_text", "output_text", "text")
	case "message", "":
		if role := item.str(w.src, "role"); role != "" {
			w.messageTexts(item.get("content"), role, "input_text", "output_text", "text")
		}
	}
}
