package workers

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
)

// FuzzAcceptItem feeds arbitrary worker replies for a tool-output block
// (the target's content as any JSON value, a message's role or tool call
// id possibly changed, messages dropped or added) through the mapping of
// headroom's output. What it accepts is the target message's string
// content with the conversation's structure intact, and when that differs
// from the original it is not blank, adds no retrieval marker and, for a
// JSON-object block, is a JSON object; rejections return no text. The
// kind reported for any transforms list is one compress knows.
func FuzzAcceptItem(f *testing.F) {
	f.Add("original text\nwith lines", false, []byte(`"short"`), uint8(0), "router:smart_crusher:0.5")
	f.Add(`{"a":1,"b":[1,2]}`, true, []byte(`"{\"a\":1}"`), uint8(0), "router:log:0.3")
	f.Add(`{"a":1}`, true, []byte(`"[1,2]"`), uint8(0), "router:protected")
	f.Add("text", false, []byte(`"short <<ccr:abc>>"`), uint8(0), "")
	f.Add("text", false, []byte(`[{"type":"text","text":"x"}]`), uint8(1), "router:search")
	f.Add("text", false, []byte(`"x"`), uint8(2), "router:kompress")
	f.Add("text", false, []byte(`null`), uint8(3), "router:text:0.2")
	f.Fuzz(func(t *testing.T, text string, jsonObject bool, content []byte, edit uint8, transform string) {
		if k := kindOf([]string{transform}); !slices.Contains(append(compress.CompressedKinds(), compress.KindText), k) {
			t.Fatalf("kindOf(%q) = %q, not a kind compress knows", transform, k)
		}
		if !json.Valid(content) {
			return
		}
		b := compress.Block{Text: text, Source: compress.ToolOutput, ToolCallID: "c1", Task: "task", JSONObject: jsonObject}
		sent := buildItem(&b, 0, compress.DefaultConfig())
		var msgs []map[string]any
		data, _ := json.Marshal(sent.Messages)
		if err := json.Unmarshal(data, &msgs); err != nil {
			t.Fatal(err)
		}
		msgs[sent.Target]["content"] = json.RawMessage(content)
		structural := true
		switch edit % 5 {
		case 1:
			msgs = msgs[1:]
		case 2:
			msgs = append(msgs, map[string]any{"role": "user", "content": "x"})
		case 3:
			msgs[sent.Target]["role"] = "user"
		case 4:
			msgs[sent.Target]["tool_call_id"] = "c2"
		default:
			structural = false
		}
		var got wireItemReply
		for _, m := range msgs {
			raw, err := json.Marshal(m)
			if err != nil {
				return
			}
			got.Messages = append(got.Messages, raw)
		}
		out, why := acceptItem(&b, sent, got)
		if why != rejectNone {
			if out != "" {
				t.Fatalf("rejected (%s) but returned text %q", why, out)
			}
			return
		}
		if structural {
			t.Fatalf("accepted a reply with its structure changed (edit %d)", edit%5)
		}
		var want string
		if err := json.Unmarshal(content, &want); err != nil {
			t.Fatalf("accepted content %s, which is not a string", content)
		}
		if out != want {
			t.Fatalf("accepted %q, the reply says %q", out, want)
		}
		if out != text {
			if strings.TrimSpace(out) == "" || compress.IntroducesRetrievalMarker(text, out) {
				t.Fatalf("accepted %q for %q", out, text)
			}
			var obj map[string]json.RawMessage
			if jsonObject && (json.Unmarshal([]byte(out), &obj) != nil || obj == nil) {
				t.Fatalf("a JSON-object block became %q", out)
			}
		}
	})
}
