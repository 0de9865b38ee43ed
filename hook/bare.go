package hook

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Metadata is the part of a hook call's metadata that a bare request body
// lacks: what the CLI fills in to wrap a body as Aperture would.
type Metadata struct {
	URL       string `json:"url"`
	Provider  string `json:"provider,omitempty"`
	Model     string `json:"model,omitempty"`
	SessionID string `json:"session_id,omitempty"`
}

// IsCall reports whether data looks like a hook call (an object with
// metadata or request_body) rather than a bare provider request body.
func IsCall(data []byte) bool {
	root, err := parseTree(data)
	if err != nil || !root.isObject() {
		return false
	}
	return root.get("metadata") != nil || root.get("request_body") != nil
}

// WrapBody turns a bare provider request body into a hook call. The body's
// bytes are embedded unchanged. An empty md.URL is guessed from the body
// with GuessURL.
func WrapBody(body []byte, md Metadata) ([]byte, error) {
	root, err := parseTree(body)
	if err != nil {
		return nil, err
	}
	if !root.isObject() {
		return nil, errors.New("request body is not a JSON object")
	}
	if md.URL == "" {
		md.URL = guessURL(root, body)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(md); err != nil {
		return nil, err
	}
	call := make([]byte, 0, len(body)+buf.Len()+32)
	call = append(call, `{"metadata":`...)
	call = append(call, bytes.TrimSpace(buf.Bytes())...)
	call = append(call, `,"request_body":`...)
	call = append(call, body...)
	return append(call, '}'), nil
}

// guessURL picks an API path for a bare body from its keys. Hook calls never
// need this: Aperture sends the real URL. It is for trying saved bodies.
func guessURL(root *node, src []byte) string {
	switch {
	case root.get("contents") != nil:
		return "/v1beta/models/model:generateContent"
	case root.get("input") != nil:
		return "/v1/responses"
	case root.get("anthropic_version") != nil || root.get("system").isString() && root.get("max_tokens") != nil:
		return "/v1/messages"
	}
	for _, m := range root.get("messages").items() {
		for _, blk := range m.get("content").items() {
			if blk.get("toolResult") != nil || blk.get("toolUse") != nil {
				return "/model/m/converse"
			}
			switch blk.str(src, "type") {
			case "tool_result", "tool_use", "thinking", "redacted_thinking":
				return "/v1/messages"
			}
		}
		if m.str(src, "role") == "tool" || m.get("tool_calls") != nil {
			return "/v1/chat/completions"
		}
	}
	return "/v1/chat/completions"
}
