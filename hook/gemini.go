package hook

import "github.com/tsheadroom/tsheadroom/compress"

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
