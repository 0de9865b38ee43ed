package hook

import "github.com/tsheadroom/tsheadroom/compress"

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
