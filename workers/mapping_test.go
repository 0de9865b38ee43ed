package workers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
)

func TestEligibility(t *testing.T) {
	big := strings.Repeat("line of output\n", 40) // 600 bytes
	cfg := compress.DefaultConfig()               // protect_recent 4, min tokens 250, system on, user off
	cases := []struct {
		name string
		b    compress.Block
		cfg  func(*compress.Config)
		want bool
	}{
		{"old tool output", compress.Block{Text: big, Source: compress.ToolOutput, Role: "tool", FromEnd: 9}, nil, true},
		{"fresh tool output is not protected by protect_recent", compress.Block{Text: big, Source: compress.ToolOutput, Role: "user", FromEnd: 0}, nil, true},
		{"protect_recent_tool_outputs", compress.Block{Text: big, Source: compress.ToolOutput, Role: "tool", FromEnd: 1},
			func(c *compress.Config) { c.ProtectRecentToolOutputs = 2 }, false},
		{"tool output just outside protect_recent_tool_outputs", compress.Block{Text: big, Source: compress.ToolOutput, Role: "tool", FromEnd: 2},
			func(c *compress.Config) { c.ProtectRecentToolOutputs = 2 }, true},
		{"too few bytes to reach min tokens", compress.Block{Text: "short\noutput", Source: compress.ToolOutput, FromEnd: 9}, nil, false},
		{"min tokens 0 lets small blocks through", compress.Block{Text: "short\noutput", Source: compress.ToolOutput, FromEnd: 9},
			func(c *compress.Config) { c.MinTokensToCompress = 0 }, true},
		{"blank", compress.Block{Text: strings.Repeat(" \n", 300), Source: compress.ToolOutput, FromEnd: 9}, nil, false},
		{"invalid UTF-8", compress.Block{Text: big + "\xff", Source: compress.ToolOutput, FromEnd: 9}, nil, false},
		{"recent assistant text", compress.Block{Text: big, Source: compress.MessageText, Role: "assistant", FromEnd: 3}, nil, false},
		{"old assistant text", compress.Block{Text: big, Source: compress.MessageText, Role: "assistant", FromEnd: 4}, nil, true},
		{"old user text, default", compress.Block{Text: big, Source: compress.MessageText, Role: "user", FromEnd: 8}, nil, false},
		{"old user text, compress_user_messages", compress.Block{Text: big, Source: compress.MessageText, Role: "user", FromEnd: 8},
			func(c *compress.Config) { c.CompressUserMessages = true }, true},
		{"system text", compress.Block{Text: big, Source: compress.MessageText, Role: "system", FromEnd: 8}, nil, true},
		{"developer text, system off", compress.Block{Text: big, Source: compress.MessageText, Role: "developer", FromEnd: 8},
			func(c *compress.Config) { c.CompressSystemMessages = false }, false},
		{"unknown role", compress.Block{Text: big, Source: compress.MessageText, Role: "critic", FromEnd: 8}, nil, false},
	}
	for _, tc := range cases {
		c := cfg
		if tc.cfg != nil {
			tc.cfg(&c)
		}
		if got := eligible(&tc.b, c); got != tc.want {
			t.Errorf("%s: eligible = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBuildItem(t *testing.T) {
	ratio := 0.3
	cfg := compress.DefaultConfig()
	cfg.TargetRatio = &ratio
	cfg.SavingsProfile = compress.ProfileAgent90

	tool := compress.Block{Text: "OUT", Source: compress.ToolOutput, Role: "user", FromEnd: 1,
		ToolName: "Bash", ToolInput: `{"command":"ls"}`, ToolCallID: "toolu_1", Task: "list files"}
	it := buildItem(&tool, 3, cfg)
	if len(it.Messages) != 3 || it.Target != 2 {
		t.Fatalf("tool item = %+v, want user, assistant, tool with the tool message as target", it)
	}
	u, a, m := it.Messages[0], it.Messages[1], it.Messages[2]
	if u.Role != "user" || *u.Content != "list files" {
		t.Errorf("task message = %+v", u)
	}
	if a.Role != "assistant" || a.Content != nil || len(a.ToolCalls) != 1 || a.ToolCalls[0].ID != "toolu_1" ||
		a.ToolCalls[0].Function.Name != "Bash" || a.ToolCalls[0].Function.Arguments != `{"command":"ls"}` {
		t.Errorf("tool call message = %+v", a)
	}
	if m.Role != "tool" || m.ToolCallID != "toolu_1" || *m.Content != "OUT" {
		t.Errorf("tool message = %+v", m)
	}
	// FromEnd 1 under protect_recent 4: headroom must see it as recent.
	if it.Options.ProtectRecent != 3 || it.Options.TargetRatio == nil || *it.Options.TargetRatio != 0.3 ||
		it.Options.SavingsProfile == nil || *it.Options.SavingsProfile != "agent-90" || it.Options.MinTokensToCompress != 250 {
		t.Errorf("options = %+v", it.Options)
	}
	data, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"content":null`) || !strings.Contains(string(data), `"target_ratio":0.3`) {
		t.Errorf("wire form %s: want a null assistant content and the ratio", data)
	}

	// Unknown call details get stable placeholders; no task, no user message.
	bare := compress.Block{Text: "OUT", Source: compress.ToolOutput, FromEnd: 9}
	it = buildItem(&bare, 5, compress.DefaultConfig())
	if len(it.Messages) != 2 || it.Messages[0].ToolCalls[0].ID != "call_5" || it.Messages[1].ToolCallID != "call_5" ||
		it.Messages[0].ToolCalls[0].Function.Name != "tool" || it.Messages[0].ToolCalls[0].Function.Arguments != "{}" {
		t.Errorf("bare tool item = %+v", it)
	}
	if it.Options.ProtectRecent != 0 || it.Options.TargetRatio != nil || it.Options.SavingsProfile != nil {
		t.Errorf("old block options = %+v, want no recent protection and headroom's defaults", it.Options)
	}

	asst := compress.Block{Text: "notes", Source: compress.MessageText, Role: "assistant", FromEnd: 7, Task: "t"}
	it = buildItem(&asst, 0, cfg)
	if len(it.Messages) != 2 || it.Messages[0].Role != "user" || it.Messages[1].Role != "assistant" || it.Target != 1 {
		t.Errorf("assistant item = %+v", it)
	}
	sys := compress.Block{Text: "rules", Source: compress.MessageText, Role: "system", FromEnd: 7, Task: "t"}
	it = buildItem(&sys, 0, cfg)
	if len(it.Messages) != 1 || it.Messages[0].Role != "system" {
		t.Errorf("system item = %+v", it)
	}
}

// reply builds a worker reply echoing item's messages with the target's
// content replaced.
func reply(t *testing.T, it wireItem, content any, edit func([]map[string]any) []map[string]any) wireItemReply {
	t.Helper()
	var msgs []map[string]any
	data, _ := json.Marshal(it.Messages)
	if err := json.Unmarshal(data, &msgs); err != nil {
		t.Fatal(err)
	}
	msgs[it.Target]["content"] = content
	if edit != nil {
		msgs = edit(msgs)
	}
	var out wireItemReply
	for _, m := range msgs {
		raw, _ := json.Marshal(m)
		out.Messages = append(out.Messages, raw)
	}
	return out
}

func TestAcceptItem(t *testing.T) {
	b := compress.Block{Text: "original text\nwith lines", Source: compress.ToolOutput, ToolCallID: "c1", Task: "task"}
	it := buildItem(&b, 0, compress.DefaultConfig())
	cases := []struct {
		name    string
		content any
		edit    func([]map[string]any) []map[string]any
		block   func(*compress.Block)
		want    rejection
	}{
		{"shorter text", "short", nil, nil, rejectNone},
		{"unchanged", b.Text, nil, nil, rejectNone},
		{"ccr marker", "short <<ccr:abc>>", nil, nil, rejectMarker},
		{"retrieve note", "short. Retrieve more: hash=1f2e", nil, nil, rejectMarker},
		{"dropped marker", `{"_ccr_dropped": 4}`, nil, nil, rejectMarker},
		{"emptied", "  \n", nil, nil, rejectEmpty},
		{"content became a list", []any{map[string]any{"type": "text", "text": "x"}}, nil, nil, rejectStructure},
		{"content became null", nil, nil, nil, rejectStructure},
		{"message dropped", "short", func(m []map[string]any) []map[string]any { return m[1:] }, nil, rejectStructure},
		{"message added", "short", func(m []map[string]any) []map[string]any {
			return append(m, map[string]any{"role": "user", "content": "x"})
		}, nil, rejectStructure},
		{"role changed", "short", func(m []map[string]any) []map[string]any { m[2]["role"] = "user"; return m }, nil, rejectStructure},
		{"tool call id changed", "short", func(m []map[string]any) []map[string]any { m[2]["tool_call_id"] = "c2"; return m }, nil, rejectStructure},
		{"tool call removed", "short", func(m []map[string]any) []map[string]any { delete(m[1], "tool_calls"); return m }, nil, rejectStructure},
		{"not a message", "short", func(m []map[string]any) []map[string]any { m[0] = map[string]any{"role": 7}; return m }, nil, rejectStructure},
		{"JSON object kept", `{"a":1}`, nil, func(b *compress.Block) { b.JSONObject = true }, rejectNone},
		{"JSON object lost", `[1,2]`, nil, func(b *compress.Block) { b.JSONObject = true }, rejectNotObject},
		{"JSON object became text", `summary`, nil, func(b *compress.Block) { b.JSONObject = true }, rejectNotObject},
	}
	for _, tc := range cases {
		blk := b
		if tc.block != nil {
			tc.block(&blk)
		}
		got := reply(t, it, tc.content, tc.edit)
		text, why := acceptItem(&blk, it, got)
		if why != tc.want {
			t.Errorf("%s: rejection %q, want %q", tc.name, why, tc.want)
		}
		if why == rejectNone && text != tc.content {
			t.Errorf("%s: accepted text %q, want %q", tc.name, text, tc.content)
		}
	}
	errReply := wireItemReply{Error: "ValueError: boom"}
	if _, why := acceptItem(&b, it, errReply); why != rejectError {
		t.Errorf("item error: rejection %q, want %q", why, rejectError)
	}
}

func TestKindOf(t *testing.T) {
	cases := map[string]compress.Kind{
		"router:smart_crusher:0.24":       compress.KindJSON,
		"router:log:0.03":                 compress.KindLog,
		"router:bash:lossless_search":     compress.KindSearch,
		"router:excluded:lossless_search": compress.KindSearch,
		"router:search:0.5":               compress.KindSearch,
		"router:diff:0.7":                 compress.KindDiff,
		"router:html:0.1":                 compress.KindHTML,
		"router:tabular:0.4":              compress.KindTable,
		"router:code_aware:0.8":           compress.KindCode,
		"router:text:0.60":                compress.KindText,
		"router:mixed:0.51":               compress.KindText,
	}
	for tr, want := range cases {
		if got := kindOf([]string{"router:protected:user_message", "router:noop", tr}); got != want {
			t.Errorf("kindOf(%q) = %q, want %q", tr, got, want)
		}
	}
	if got := kindOf(nil); got != compress.KindText {
		t.Errorf("kindOf(nil) = %q", got)
	}
}

func TestWorkerEnv(t *testing.T) {
	parent := []string{"PATH=/usr/bin", "HOME=/root", "TS_AUTHKEY=tskey-x", "AWS_SECRET_ACCESS_KEY=s", "GITHUB_TOKEN=t",
		"PYTHONPATH=/p", "LANG=C.UTF-8", "HEADROOM_OFFLINE=0", "malformed"}
	env := workerEnv(parent, []string{"HEADROOM_OFFLINE=0", "HF_HUB_OFFLINE=1"}, false)
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v // last wins, as in os/exec
	}
	for _, k := range []string{"TS_AUTHKEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "malformed"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s leaked into the worker environment", k)
		}
	}
	want := map[string]string{"PATH": "/usr/bin", "HOME": "/root", "PYTHONPATH": "/p", "LANG": "C.UTF-8",
		"PYTHONUNBUFFERED": "1", "HEADROOM_TOIN_BACKEND": "none", "HF_HUB_OFFLINE": "1",
		// The parent's own value is dropped; the explicit extra overrides the fixed default.
		"HEADROOM_OFFLINE": "0"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// TestWorkerEnvDownloads: allowing model downloads drops the offline
// switch and passes HF_TOKEN, and nothing else beyond the allow list.
func TestWorkerEnvDownloads(t *testing.T) {
	parent := []string{"PATH=/usr/bin", "HF_TOKEN=hf_secret", "GITHUB_TOKEN=t", "HUGGINGFACE_HUB_TOKEN=x", "TS_AUTHKEY=k"}
	names := func(env []string) map[string]string {
		out := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			out[k] = v
		}
		return out
	}
	off := names(workerEnv(parent, nil, false))
	if _, ok := off["HF_TOKEN"]; ok || off["HEADROOM_OFFLINE"] != "1" {
		t.Errorf("downloads off: HF_TOKEN passed or not offline: %v", off)
	}
	on := names(workerEnv(parent, nil, true))
	if on["HF_TOKEN"] != "hf_secret" {
		t.Errorf("downloads on: HF_TOKEN %q", on["HF_TOKEN"])
	}
	if _, ok := on["HEADROOM_OFFLINE"]; ok {
		t.Error("downloads on: HEADROOM_OFFLINE still set")
	}
	for _, k := range []string{"GITHUB_TOKEN", "HUGGINGFACE_HUB_TOKEN", "TS_AUTHKEY"} {
		if _, ok := on[k]; ok {
			t.Errorf("downloads on: %s passed", k)
		}
	}
}

func TestReadCapped(t *testing.T) {
	long := strings.Repeat("x", 10000)
	in := "short\n\n" + long + "\n" + "tail-no-newline"
	br := bufio.NewReaderSize(strings.NewReader(in), 16) // tiny buffer: lines span many chunks
	type res struct {
		line    string
		dropped int
		err     error
	}
	var got []res
	for {
		line, dropped, err := readCapped(br, 100)
		got = append(got, res{string(line), dropped, err})
		if err != nil {
			break
		}
	}
	want := []res{{"short", 0, nil}, {"", 0, nil}, {long[:100], 9900, nil}, {"tail-no-newline", 0, io.ErrUnexpectedEOF}}
	if len(got) != len(want) {
		t.Fatalf("got %d lines %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].line != want[i].line || got[i].dropped != want[i].dropped || !errors.Is(got[i].err, want[i].err) {
			t.Errorf("line %d = (%.20q, %d, %v), want (%.20q, %d, %v)", i, got[i].line, got[i].dropped, got[i].err, want[i].line, want[i].dropped, want[i].err)
		}
	}
	// A clean end of stream is io.EOF with nothing returned.
	br = bufio.NewReader(strings.NewReader("a\n"))
	readCapped(br, 10)
	if line, dropped, err := readCapped(br, 10); len(line) != 0 || dropped != 0 || err != io.EOF {
		t.Errorf("at EOF: (%q, %d, %v), want io.EOF", line, dropped, err)
	}
}

// FuzzReadCapped: any byte stream yields lines within the cap whose
// content plus dropped bytes account for the input exactly.
func FuzzReadCapped(f *testing.F) {
	f.Add([]byte("a\nbb\n\nccc"), 2)
	f.Add([]byte(strings.Repeat("z", 300)+"\n"), 7)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max < 1 || max > 1<<16 {
			return
		}
		br := bufio.NewReaderSize(bytes.NewReader(data), 16)
		total := 0
		for i := 0; i <= len(data)+1; i++ {
			line, dropped, err := readCapped(br, max)
			if len(line) > max {
				t.Fatalf("line of %d bytes over cap %d", len(line), max)
			}
			total += len(line) + dropped
			if err != nil {
				break
			}
			total++ // the newline
		}
		if total != len(data) {
			t.Fatalf("accounted for %d bytes of %d", total, len(data))
		}
	})
}
