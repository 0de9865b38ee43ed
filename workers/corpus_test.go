package workers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"tsheadroom/compress"
)

// A small reader of the shared development corpus (Aperture hook calls, see
// ../shared/corpus/README.md) for the headroom integration test: it turns a
// hook body into an engine Request the way the hook does, simplified: tool
// outputs and message texts with role, distance from the end, tool call
// details and the user's task before them.

// findCorpus locates ../shared/corpus beside the repository root (the
// directory with go.mod) or returns "".
func findCorpus() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if st, err := os.Stat(c); err != nil || !st.IsDir() {
		return ""
	}
	return c
}

type corpusMeta struct {
	Kind     string   `json:"kind"`
	Shape    string   `json:"shape"`
	MustKeep []string `json:"must_keep"`
	Session  string   `json:"session"`
	Turn     int      `json:"turn"`
}

type corpusCase struct {
	Name string
	Meta corpusMeta
	Req  *compress.Request
}

// loadCorpusCases reads every case, sorted by name; it skips the test when
// the corpus is absent.
func loadCorpusCases(t testing.TB) []corpusCase {
	t.Helper()
	dir := findCorpus()
	if dir == "" {
		t.Skip("SKIPPING corpus test: ../shared/corpus beside the repository root is not present")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.hook.json"))
	if len(files) == 0 {
		t.Skipf("SKIPPING corpus test: no *.hook.json in %s", dir)
	}
	sort.Strings(files)
	var out []corpusCase
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".hook.json")
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		var meta corpusMeta
		mraw, err := os.ReadFile(strings.TrimSuffix(f, ".hook.json") + ".meta.json")
		if err != nil {
			t.Fatalf("read meta of %s: %v", name, err)
		}
		if err := json.Unmarshal(mraw, &meta); err != nil {
			t.Fatalf("parse meta of %s: %v", name, err)
		}
		req, err := hookToRequest(raw, meta.Shape)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		out = append(out, corpusCase{Name: name, Meta: meta, Req: req})
	}
	return out
}

// convMsg is one conversation message reduced to its blocks.
type convMsg struct {
	role   string
	blocks []compress.Block
	// userText is the plain text a user wrote in this message (no tool
	// results), for the task of later blocks.
	userText string
}

type toolCall struct{ name, input string }

func hookToRequest(raw []byte, shape string) (*compress.Request, error) {
	var hook struct {
		Metadata struct {
			Model     string `json:"model"`
			SessionID string `json:"session_id"`
		} `json:"metadata"`
		Body map[string]json.RawMessage `json:"request_body"`
	}
	if err := json.Unmarshal(raw, &hook); err != nil {
		return nil, err
	}
	calls := map[string]toolCall{}
	var msgs []convMsg
	var err error
	switch shape {
	case "anthropic":
		msgs, err = anthropicMessages(hook.Body, calls)
	case "openai-chat":
		msgs, err = chatMessages(hook.Body, calls)
	case "openai-responses":
		msgs, err = responsesMessages(hook.Body, calls)
	case "gemini":
		msgs, err = geminiMessages(hook.Body, calls)
	default:
		err = fmt.Errorf("unknown shape %q", shape)
	}
	if err != nil {
		return nil, err
	}
	req := &compress.Request{Model: hook.Metadata.Model, Session: hook.Metadata.SessionID, Config: compress.DefaultConfig()}
	var task []string
	for i, m := range msgs {
		t := strings.Join(task, "\n")
		if len(t) > 4096 {
			t = t[len(t)-4096:]
		}
		for _, b := range m.blocks {
			b.Role = m.role
			b.FromEnd = len(msgs) - 1 - i
			b.Task = t
			if b.Source == compress.ToolOutput {
				c := calls[b.ToolCallID]
				b.ToolName, b.ToolInput = c.name, c.input
			}
			req.Blocks = append(req.Blocks, b)
		}
		if m.userText != "" {
			task = append(task, m.userText)
		}
	}
	return req, nil
}

func text(s string) compress.Block { return compress.Block{Text: s, Source: compress.MessageText} }

func anthropicMessages(body map[string]json.RawMessage, calls map[string]toolCall) ([]convMsg, error) {
	var out []convMsg
	if sys := body["system"]; len(sys) > 0 {
		m := convMsg{role: "system"}
		var s string
		if json.Unmarshal(sys, &s) == nil {
			m.blocks = append(m.blocks, text(s))
		} else {
			var parts []struct{ Text string }
			if err := json.Unmarshal(sys, &parts); err != nil {
				return nil, fmt.Errorf("system: %w", err)
			}
			for _, p := range parts {
				m.blocks = append(m.blocks, text(p.Text))
			}
		}
		out = append(out, m)
	}
	var msgs []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(body["messages"], &msgs); err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	for _, raw := range msgs {
		m := convMsg{role: raw.Role}
		var s string
		if json.Unmarshal(raw.Content, &s) == nil {
			m.blocks = append(m.blocks, text(s))
			if raw.Role == "user" {
				m.userText = s
			}
			out = append(out, m)
			continue
		}
		var parts []struct {
			Type         string          `json:"type"`
			Text         string          `json:"text"`
			ID           string          `json:"id"`
			Name         string          `json:"name"`
			Input        json.RawMessage `json:"input"`
			ToolUseID    string          `json:"tool_use_id"`
			Content      json.RawMessage `json:"content"`
			IsError      bool            `json:"is_error"`
			CacheControl json.RawMessage `json:"cache_control"`
		}
		if err := json.Unmarshal(raw.Content, &parts); err != nil {
			return nil, fmt.Errorf("content: %w", err)
		}
		var user []string
		for _, p := range parts {
			switch p.Type {
			case "text":
				b := text(p.Text)
				b.CacheControl = len(p.CacheControl) > 0
				m.blocks = append(m.blocks, b)
				if raw.Role == "user" {
					user = append(user, p.Text)
				}
			case "tool_use":
				calls[p.ID] = toolCall{p.Name, string(p.Input)}
			case "tool_result":
				tb := compress.Block{Source: compress.ToolOutput, ToolCallID: p.ToolUseID, IsError: p.IsError, CacheControl: len(p.CacheControl) > 0}
				if json.Unmarshal(p.Content, &s) == nil {
					tb.Text = s
					m.blocks = append(m.blocks, tb)
					continue
				}
				var inner []struct{ Type, Text string }
				if err := json.Unmarshal(p.Content, &inner); err == nil {
					for _, ip := range inner {
						if ip.Type == "text" {
							tb.Text = ip.Text
							m.blocks = append(m.blocks, tb)
						}
					}
				}
			}
		}
		m.userText = strings.Join(user, "\n")
		out = append(out, m)
	}
	return out, nil
}

// partsText reads content given as a string or a list of {type,text} parts.
func partsText(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var parts []struct{ Text string }
	if json.Unmarshal(raw, &parts) != nil {
		return nil
	}
	var out []string
	for _, p := range parts {
		if p.Text != "" {
			out = append(out, p.Text)
		}
	}
	return out
}

func chatMessages(body map[string]json.RawMessage, calls map[string]toolCall) ([]convMsg, error) {
	var msgs []struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		ToolCallID string          `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	}
	if err := json.Unmarshal(body["messages"], &msgs); err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	var out []convMsg
	for _, raw := range msgs {
		m := convMsg{role: raw.Role}
		for _, tc := range raw.ToolCalls {
			calls[tc.ID] = toolCall{tc.Function.Name, tc.Function.Arguments}
		}
		texts := partsText(raw.Content)
		for _, s := range texts {
			if raw.Role == "tool" {
				m.blocks = append(m.blocks, compress.Block{Text: s, Source: compress.ToolOutput, ToolCallID: raw.ToolCallID})
			} else {
				m.blocks = append(m.blocks, text(s))
			}
		}
		if raw.Role == "user" {
			m.userText = strings.Join(texts, "\n")
		}
		out = append(out, m)
	}
	return out, nil
}

func responsesMessages(body map[string]json.RawMessage, calls map[string]toolCall) ([]convMsg, error) {
	var out []convMsg
	var instr string
	if json.Unmarshal(body["instructions"], &instr) == nil && instr != "" {
		out = append(out, convMsg{role: "system", blocks: []compress.Block{text(instr)}})
	}
	var items []struct {
		Type      string          `json:"type"`
		Role      string          `json:"role"`
		Content   json.RawMessage `json:"content"`
		Name      string          `json:"name"`
		Arguments string          `json:"arguments"`
		CallID    string          `json:"call_id"`
		Output    json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal(body["input"], &items); err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	for _, it := range items {
		switch it.Type {
		case "message":
			m := convMsg{role: it.Role}
			texts := partsText(it.Content)
			for _, s := range texts {
				m.blocks = append(m.blocks, text(s))
			}
			if it.Role == "user" {
				m.userText = strings.Join(texts, "\n")
			}
			out = append(out, m)
		case "function_call":
			calls[it.CallID] = toolCall{it.Name, it.Arguments}
			out = append(out, convMsg{role: "assistant"})
		case "function_call_output":
			m := convMsg{role: "tool"}
			var s string
			if json.Unmarshal(it.Output, &s) == nil {
				m.blocks = append(m.blocks, compress.Block{Text: s, Source: compress.ToolOutput, ToolCallID: it.CallID})
			}
			out = append(out, m)
		default: // reasoning and other opaque items
			out = append(out, convMsg{role: "assistant"})
		}
	}
	return out, nil
}

func geminiMessages(body map[string]json.RawMessage, calls map[string]toolCall) ([]convMsg, error) {
	type part struct {
		Text         string `json:"text"`
		FunctionCall *struct {
			ID   string          `json:"id"`
			Name string          `json:"name"`
			Args json.RawMessage `json:"args"`
		} `json:"functionCall"`
		FunctionResponse *struct {
			ID       string          `json:"id"`
			Name     string          `json:"name"`
			Response json.RawMessage `json:"response"`
		} `json:"functionResponse"`
	}
	var out []convMsg
	if si := body["systemInstruction"]; len(si) > 0 {
		var sys struct{ Parts []part }
		if err := json.Unmarshal(si, &sys); err != nil {
			return nil, fmt.Errorf("systemInstruction: %w", err)
		}
		m := convMsg{role: "system"}
		for _, p := range sys.Parts {
			if p.Text != "" {
				m.blocks = append(m.blocks, text(p.Text))
			}
		}
		out = append(out, m)
	}
	var contents []struct {
		Role  string `json:"role"`
		Parts []part `json:"parts"`
	}
	if err := json.Unmarshal(body["contents"], &contents); err != nil {
		return nil, fmt.Errorf("contents: %w", err)
	}
	for _, c := range contents {
		role := c.Role
		if role == "model" {
			role = "assistant"
		}
		m := convMsg{role: role}
		var user []string
		for _, p := range c.Parts {
			switch {
			case p.FunctionCall != nil:
				calls[p.FunctionCall.ID] = toolCall{p.FunctionCall.Name, string(p.FunctionCall.Args)}
			case p.FunctionResponse != nil:
				var buf bytes.Buffer
				if err := json.Compact(&buf, p.FunctionResponse.Response); err != nil {
					return nil, fmt.Errorf("functionResponse: %w", err)
				}
				m.blocks = append(m.blocks, compress.Block{Text: buf.String(), Source: compress.ToolOutput,
					ToolCallID: p.FunctionResponse.ID, JSONObject: true})
			case p.Text != "":
				m.blocks = append(m.blocks, text(p.Text))
				if role == "user" {
					user = append(user, p.Text)
				}
			}
		}
		m.userText = strings.Join(user, "\n")
		out = append(out, m)
	}
	return out, nil
}
