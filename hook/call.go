package hook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tsheadroom/tsheadroom/compress"
)

// Call is a parsed hook call: the metadata Aperture sent and the provider
// request body, kept as byte spans of the original JSON so that a rewrite
// replaces single values and copies every other byte.
type Call struct {
	// Provider, Session and RequestID are metadata.provider, .session_id
	// and .request_id.
	Provider, Session, RequestID string
	// Model is metadata.model, else the body's own "model" (Gemini and
	// Bedrock bodies carry none; Aperture's resolved name wins).
	Model string
	// Shape is the body's request format, from metadata.url and
	// metadata.provider; empty when the call has no request body object.
	Shape Shape

	src  []byte
	md   *node // metadata; nil when absent
	body *node // request_body; nil when absent
}

// ParseCall parses the JSON Aperture POSTs to the hook. It fails only when
// data is not one valid JSON object: invalid JSON or UTF-8, duplicate
// member names, nesting past the decoder's limit. A missing or malformed
// request_body is reported by Candidates, so that the call's metadata is
// still known for logs and metrics.
func ParseCall(data []byte) (*Call, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, fmt.Errorf("hook call: %w", err)
	}
	if !root.isObject() {
		return nil, errors.New("hook call is not a JSON object")
	}
	md := root.get("metadata")
	c := &Call{
		Provider:  md.str(data, "provider"),
		Session:   md.str(data, "session_id"),
		RequestID: md.str(data, "request_id"),
		Model:     md.str(data, "model"),
		src:       data,
		md:        md,
		body:      root.get("request_body"),
	}
	if c.body.isObject() {
		c.Shape = detectShape(md.str(data, "url"), c.Provider)
		if c.Model == "" {
			c.Model = c.body.str(data, "model")
		}
	}
	return c, nil
}

// Body returns the bytes of the request body, or nil when the call has no
// request body object.
func (c *Call) Body() []byte {
	if !c.body.isObject() {
		return nil
	}
	return c.body.raw(c.src)
}

// Knobs returns the knobs for this call: base with the caller's overrides
// from metadata.grants[capName] applied in order (Aperture forwards the
// custom capabilities of the grants that matched the caller). Overrides
// that do not parse or validate are ignored as a whole, so the call still
// compresses with base, and note says why.
func (c *Call) Knobs(base compress.Config, capName string) (knobs compress.Config, note string) {
	grants := c.md.get("grants").get(capName).items()
	if len(grants) == 0 {
		return base, ""
	}
	knobs = base
	for _, g := range grants {
		if !g.isObject() {
			return base, "grant override is not an object"
		}
		if err := json.Unmarshal(g.raw(c.src), &knobs); err != nil {
			return base, "grant override: " + err.Error()
		}
	}
	if err := knobs.Validate(); err != nil {
		return base, "grant override: " + err.Error()
	}
	return knobs, ""
}

// modifyPrefix and modifySuffix wrap a rewritten body into the modify reply.
const (
	modifyPrefix = `{"action":"modify","request_body":`
	modifySuffix = `}`
)

func modifyReply(body []byte) []byte {
	resp := make([]byte, 0, len(modifyPrefix)+len(body)+len(modifySuffix))
	resp = append(resp, modifyPrefix...)
	resp = append(resp, body...)
	return append(resp, modifySuffix...)
}

// ForwardedBody returns the request body Aperture forwards after answer a
// to call: the replacement for a modify, else the original request_body.
func ForwardedBody(call []byte, a *Answer) []byte {
	if a.Outcome == OutcomeModify {
		body := bytes.TrimPrefix(a.Response, []byte(modifyPrefix))
		return bytes.TrimSuffix(body, []byte(modifySuffix))
	}
	c, err := ParseCall(call)
	if err != nil || c.body == nil {
		return nil
	}
	return c.body.raw(call)
}
