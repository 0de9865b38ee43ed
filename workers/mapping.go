package workers

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress"
)

// plannedItem ties a wire item to the request block it was built from.
type plannedItem struct {
	block int
	item  wireItem
}

// planItems decides which blocks go to headroom and builds one small
// OpenAI-format conversation per block.
//
// One conversation per block, holding only the block and what came before
// it (the user's task), keeps headroom's output for a block independent of
// later blocks and of the rest of the conversation (headroom adapts its
// aggressiveness to the total size of what it is given), which is what
// keeps compressed prefixes byte-identical from turn to turn.
//
// The eligibility rules that depend on a block's position in the real
// conversation are applied here, as compression.md defines them, because
// headroom only sees the small conversation.
func planItems(req *compress.Request) []plannedItem {
	cfg := req.Config
	var out []plannedItem
	for i := range req.Blocks {
		b := &req.Blocks[i]
		if !eligible(b, cfg) {
			continue
		}
		out = append(out, plannedItem{block: i, item: buildItem(b, i, cfg)})
	}
	return out
}

// eligible reports whether a block is worth sending to headroom: the knobs
// do not protect it and it has text that survives the JSON round trip.
func eligible(b *compress.Block, cfg compress.Config) bool {
	// Invalid UTF-8 would not survive the JSON round trip byte for byte,
	// so such a block could come back altered without headroom touching it.
	if strings.TrimSpace(b.Text) == "" || !utf8.ValidString(b.Text) {
		return false
	}
	// A token spans at least one byte, so a block with fewer bytes than the
	// threshold has fewer tokens too: no need to ask Python.
	if len(b.Text) < cfg.MinTokensToCompress {
		return false
	}
	return !cfg.Protects(b)
}

// buildItem turns a block into a conversation headroom understands: the
// user's task, then the assistant tool call and the tool message holding the
// output (or the message holding the text). The target message is last.
func buildItem(b *compress.Block, index int, cfg compress.Config) wireItem {
	var msgs []wireMessage
	text := b.Text
	task := b.Task
	if b.Source == compress.ToolOutput {
		if task != "" {
			msgs = append(msgs, wireMessage{Role: "user", Content: &task})
		}
		id := b.ToolCallID
		if id == "" {
			id = fmt.Sprintf("call_%d", index)
		}
		name := b.ToolName
		if name == "" {
			name = "tool"
		}
		args := b.ToolInput
		if args == "" {
			args = "{}"
		}
		msgs = append(msgs,
			wireMessage{Role: "assistant", ToolCalls: []wireToolCall{{ID: id, Type: "function", Function: wireFunction{Name: name, Arguments: args}}}},
			wireMessage{Role: "tool", ToolCallID: id, Content: &text},
		)
	} else {
		role := b.Role
		if role == "assistant" && task != "" {
			msgs = append(msgs, wireMessage{Role: "user", Content: &task})
		}
		msgs = append(msgs, wireMessage{Role: role, Content: &text})
	}

	// headroom's recent-message protection (it shields code) counts from the
	// end of what it sees, where the target is the last message; translate
	// the block's real distance from the end.
	protect := cfg.ProtectRecent - b.FromEnd
	if protect < 0 {
		protect = 0
	}
	opts := wireOptions{
		CompressUserMessages:   cfg.CompressUserMessages,
		CompressSystemMessages: cfg.CompressSystemMessages,
		ProtectRecent:          protect,
		ProtectAnalysisContext: cfg.ProtectAnalysisContext,
		TargetRatio:            cfg.TargetRatio,
		MinTokensToCompress:    cfg.MinTokensToCompress,
	}
	if cfg.SavingsProfile != "" {
		p := cfg.SavingsProfile
		opts.SavingsProfile = &p
	}
	opts.KompressModel = cfg.KompressModel
	return wireItem{Messages: msgs, Target: len(msgs) - 1, Options: opts}
}

// rejection says why a block's headroom output was not used; "" = accepted.
type rejection string

const (
	rejectNone      rejection = ""
	rejectError     rejection = "worker_error"
	rejectStructure rejection = "structure"
	rejectMarker    rejection = "retrieval_marker"
	rejectNotObject rejection = "not_json_object"
	rejectEmpty     rejection = "empty"
	rejectNoSaving  rejection = "no_saving"
)

// acceptItem validates headroom's output for one block and returns the new
// text, or a rejection (the block then keeps its original text).
//
// Structure: same number of messages, same roles, same tool call ids, and
// the target's content still a string. Content: no retrieval marker the
// original lacked, a JSON object stays a JSON object, not emptied. Size is
// checked by the caller with the request's tokenizer.
func acceptItem(b *compress.Block, sent wireItem, got wireItemReply) (string, rejection) {
	if got.Error != "" {
		return "", rejectError
	}
	if len(got.Messages) != len(sent.Messages) {
		return "", rejectStructure
	}
	var target string
	for i, raw := range got.Messages {
		var m wireMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return "", rejectStructure
		}
		want := sent.Messages[i]
		if m.Role != want.Role || m.ToolCallID != want.ToolCallID || len(m.ToolCalls) != len(want.ToolCalls) {
			return "", rejectStructure
		}
		for j := range m.ToolCalls {
			if m.ToolCalls[j].ID != want.ToolCalls[j].ID {
				return "", rejectStructure
			}
		}
		if i == sent.Target {
			if m.Content == nil {
				return "", rejectStructure
			}
			target = *m.Content
		}
	}
	if target == b.Text {
		return target, rejectNone
	}
	if compress.IntroducesRetrievalMarker(b.Text, target) {
		return "", rejectMarker
	}
	if strings.TrimSpace(target) == "" {
		return "", rejectEmpty
	}
	if b.JSONObject {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(target), &obj); err != nil || obj == nil {
			return "", rejectNotObject
		}
	}
	return target, rejectNone
}

// routerKinds maps a word of headroom's router strategy onto a kind; the
// first that the strategy holds wins.
var routerKinds = []struct {
	strategy string
	kind     compress.Kind
}{
	{"smart_crusher", compress.KindJSON},
	{"search", compress.KindSearch},
	{"log", compress.KindLog},
	{"diff", compress.KindDiff},
	{"html", compress.KindHTML},
	{"tabular", compress.KindTable},
	{"code", compress.KindCode},
}

// kindOf names the content kind of a rewritten block from the strategy
// headroom's router reported ("router:<strategy>:<ratio>" or
// "router:<path>:<strategy>"), mapped onto compress's closed set. headroom
// does not tell listings or duplicates apart, and its text, mixed and ML
// strategies are reported as KindText.
func kindOf(transforms []string) compress.Kind {
	for _, t := range transforms {
		rest, ok := strings.CutPrefix(t, "router:")
		if !ok || strings.HasPrefix(rest, "protected") || rest == "noop" || rest == "excluded:tool" {
			continue
		}
		for _, m := range routerKinds {
			if strings.Contains(rest, m.strategy) {
				return m.kind
			}
		}
		return compress.KindText
	}
	return compress.KindText
}
