package compress

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// This file turns the shared development corpus (Aperture hook calls, see
// ../shared/corpus/README.md) into engine Requests for tests. It mirrors
// what the hook package extracts, in a simplified form that needs nothing
// outside this package: the blocks of tool outputs and message texts, with
// their role, position from the end and the user task that preceded them.

// findCorpus locates ../shared/corpus beside the repository root (the
// directory holding go.mod).
func findCorpus() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod) not found")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if st, err := os.Stat(c); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s not present (the development corpus lives in shared/corpus beside the repo)", c)
	}
	return c, nil
}

// corpusDir returns the corpus directory or skips the test when it is
// absent.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	c, err := findCorpus()
	if err != nil {
		tb.Skipf("corpus tests skipped: %v", err)
	}
	return c
}

type corpusMeta struct {
	Kind     string   `json:"kind"`
	Shape    string   `json:"shape"`
	MustKeep []string `json:"must_keep"`
}

type corpusCase struct {
	Name string
	Meta corpusMeta
	Req  *Request
}

// loadCorpus reads every case of the corpus, sorted by name.
func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	dir := corpusDir(tb)
	files, err := filepath.Glob(filepath.Join(dir, "*.hook.json"))
	if err != nil || len(files) == 0 {
		tb.Skipf("corpus tests skipped: no *.hook.json in %s", dir)
	}
	sort.Strings(files)
	var out []corpusCase
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".hook.json")
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatalf("read %s: %v", f, err)
		}
		var meta corpusMeta
		if mraw, err := os.ReadFile(strings.TrimSuffix(f, ".hook.json") + ".meta.json"); err == nil {
			if err := json.Unmarshal(mraw, &meta); err != nil {
				tb.Fatalf("parse meta of %s: %v", name, err)
			}
		}
		req, err := corpusRequest(raw)
		if err != nil {
			tb.Fatalf("parse %s: %v", name, err)
		}
		out = append(out, corpusCase{Name: name, Meta: meta, Req: req})
	}
	return out
}

type jmap = map[string]any

func jstr(m jmap, k string) string {
	s, _ := m[k].(string)
	return s
}

// corpusRequest builds a Request from one hook call.
func corpusRequest(raw []byte) (*Request, error) {
	var call struct {
		Metadata    jmap `json:"metadata"`
		RequestBody jmap `json:"request_body"`
	}
	if err := json.Unmarshal(raw, &call); err != nil {
		return nil, err
	}
	body := call.RequestBody
	req := &Request{Model: jstr(call.Metadata, "model"), Config: DefaultConfig()}
	if m := jstr(body, "model"); m != "" && req.Model == "" {
		req.Model = m
	}
	var conv []any
	var shape string
	switch {
	case body["messages"] != nil:
		conv, _ = body["messages"].([]any)
		shape = "messages"
	case body["input"] != nil:
		conv, _ = body["input"].([]any)
		shape = "responses"
	default:
		conv, _ = body["contents"].([]any)
		shape = "gemini"
	}
	var task []string
	calls := map[string][2]string{}
	add := func(i int, b Block) {
		b.FromEnd = len(conv) - 1 - i
		t := strings.Join(task, "\n")
		if len(t) > 4<<10 {
			t = t[len(t)-4<<10:]
		}
		b.Task = t
		req.Blocks = append(req.Blocks, b)
	}
	text := func(i int, role, s string) {
		if s == "" {
			return
		}
		add(i, Block{Source: MessageText, Role: role, Text: s})
		if role == "user" {
			task = append(task, strings.TrimSpace(s))
		}
	}
	tool := func(i int, role, id, s string, isErr bool) {
		if s == "" {
			return
		}
		c := calls[id]
		b := Block{Source: ToolOutput, Role: role, ToolCallID: id, ToolName: c[0], ToolInput: c[1], IsError: isErr}
		// A JSON document in a string with long string leaves: the leaves
		// are the content (what the hook does for Codex outputs).
		var doc jmap
		if strings.HasPrefix(strings.TrimSpace(s), "{") && json.Unmarshal([]byte(s), &doc) == nil {
			if leaves := longLeaves(doc); len(leaves) > 0 {
				for _, l := range leaves {
					lb := b
					lb.Text = l
					add(i, lb)
				}
				return
			}
		}
		b.Text = s
		add(i, b)
	}
	for i, item := range conv {
		m, ok := item.(jmap)
		if !ok {
			continue
		}
		switch shape {
		case "messages":
			role := jstr(m, "role")
			if role == "tool" {
				tool(i, role, jstr(m, "tool_call_id"), contentText(m["content"]), false)
				continue
			}
			if tcs, ok := m["tool_calls"].([]any); ok {
				for _, tc := range tcs {
					tcm, _ := tc.(jmap)
					fn, _ := tcm["function"].(jmap)
					calls[jstr(tcm, "id")] = [2]string{jstr(fn, "name"), jstr(fn, "arguments")}
				}
			}
			switch c := m["content"].(type) {
			case string:
				text(i, role, c)
			case []any:
				for _, p := range c {
					pm, _ := p.(jmap)
					switch jstr(pm, "type") {
					case "text":
						text(i, role, jstr(pm, "text"))
					case "tool_use":
						in, _ := json.Marshal(pm["input"])
						calls[jstr(pm, "id")] = [2]string{jstr(pm, "name"), string(in)}
					case "tool_result":
						isErr, _ := pm["is_error"].(bool)
						switch rc := pm["content"].(type) {
						case string:
							tool(i, role, jstr(pm, "tool_use_id"), rc, isErr)
						case []any:
							for _, part := range rc {
								partm, _ := part.(jmap)
								if jstr(partm, "type") == "text" {
									tool(i, role, jstr(pm, "tool_use_id"), jstr(partm, "text"), isErr)
								}
							}
						}
					}
				}
			}
		case "responses":
			switch jstr(m, "type") {
			case "function_call":
				calls[jstr(m, "call_id")] = [2]string{jstr(m, "name"), jstr(m, "arguments")}
			case "function_call_output":
				tool(i, "tool", jstr(m, "call_id"), contentText(m["output"]), false)
			case "message", "":
				text(i, jstr(m, "role"), contentText(m["content"]))
			}
		case "gemini":
			role := jstr(m, "role")
			if role == "model" {
				role = "assistant"
			}
			parts, _ := m["parts"].([]any)
			for _, p := range parts {
				pm, _ := p.(jmap)
				if fc, ok := pm["functionCall"].(jmap); ok {
					args, _ := json.Marshal(fc["args"])
					calls["name:"+jstr(fc, "name")] = [2]string{jstr(fc, "name"), string(args)}
					continue
				}
				if fr, ok := pm["functionResponse"].(jmap); ok {
					resp, _ := fr["response"].(jmap)
					id := "name:" + jstr(fr, "name")
					if leaves := longLeaves(resp); len(leaves) > 0 {
						for _, l := range leaves {
							tool(i, "tool", id, l, false)
						}
						continue
					}
					c := calls[id]
					add(i, Block{Source: ToolOutput, Role: "tool", ToolCallID: id, ToolName: c[0], ToolInput: c[1],
						Text: compactJSON(fr["response"]), JSONObject: true})
					continue
				}
				if t := jstr(pm, "text"); t != "" {
					text(i, role, t)
				}
			}
		}
	}
	return req, nil
}

// contentText flattens string-or-parts content to text.
func contentText(c any) string {
	switch c := c.(type) {
	case string:
		return c
	case []any:
		var parts []string
		for _, p := range c {
			if pm, ok := p.(jmap); ok {
				if t := jstr(pm, "text"); t != "" {
					parts = append(parts, t)
				}
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// longLeaves returns the string leaves of v of 512 bytes or more, in
// document order (map keys sorted: the corpus objects have one long leaf).
func longLeaves(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if len(v) >= 512 {
				out = append(out, v)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case jmap:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(v[k])
			}
		}
	}
	walk(v)
	return out
}

func compactJSON(v any) string {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(sb.String(), "\n")
}
