package hook

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/settings"
)

// Call is a parsed hook call: the metadata Aperture sent and the provider
// request body, kept as byte spans of the original JSON so that a rewrite
// replaces single values and copies every other byte.
type Call struct {
	// Provider, Session and RequestID are metadata.provider, .session_id
	// and .request_id; LoginName is metadata.login_name, the user behind
	// the LLM call, whom per-team overrides belong to.
	Provider, Session, RequestID, LoginName string
	// Model is metadata.model, else the body's own "model" (Gemini and
	// Bedrock bodies carry none; Aperture's resolved name wins).
	Model string
	// Shape is the body's request format, from metadata.url and
	// metadata.provider, or guessed from the body's keys when the call has
	// no metadata.url (as the original tsheadroom and the compress
	// subcommand do); empty when the call has no request body object.
	Shape Shape

	src    []byte
	md     *node // metadata; nil when absent
	body   *node // request_body; nil when absent
	limits limits
}

// ParseCall parses the JSON Aperture POSTs to the hook. It fails only when
// data is not one valid JSON object: invalid JSON or UTF-8, duplicate
// member names, nesting past the decoder's limit. A missing or malformed
// request_body is reported by Candidates, so that the call's metadata is
// still known for logs and metrics.
func ParseCall(data []byte) (*Call, error) { return parseCall(data, defaultLimits) }

func parseCall(data []byte, lim limits) (*Call, error) {
	root, err := parseTreeMax(data, lim.values)
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
		LoginName: md.str(data, "login_name"),
		Model:     md.str(data, "model"),
		src:       data,
		md:        md,
		body:      root.get("request_body"),
		limits:    lim,
	}
	if c.body.isObject() {
		u := md.str(data, "url")
		if md.get("url") == nil {
			u = guessURL(c.body, data)
		}
		c.Shape = detectShape(u, c.Provider)
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

// OverrideIssue is a member of a per-team override that was not applied.
type OverrideIssue struct {
	// Field is the member's name.
	Field string
	// Problem says why, e.g. `unknown field (did you mean "protect_recent"?)`,
	// "not overridable", "protect_recent must be >= 0, got -1".
	Problem string
}

func (i OverrideIssue) String() string { return i.Field + ": " + i.Problem }

// Knobs returns the knobs for this call: base's knobs with the caller's
// overrides from metadata.grants[capName] applied in order (Aperture
// forwards the custom capabilities of the grants that matched the
// caller). Each member of an override is applied on its own: a member that
// names an unknown field, a knob base does not list as overridable, or a
// value that does not validate is skipped and reported in issues, and the
// rest still apply; an override that is not a JSON object is skipped
// whole.
func (c *Call) Knobs(base settings.Settings, capName string) (knobs compress.Config, issues []OverrideIssue) {
	knobs = base.Config
	for _, g := range c.md.get("grants").get(capName).items() {
		members, err := settings.Members(g.raw(c.src))
		if err != nil {
			issues = append(issues, OverrideIssue{Field: "(override)", Problem: err.Error()})
			continue
		}
		for _, m := range members {
			switch {
			case !settings.IsKnob(m.Name):
				issues = append(issues, OverrideIssue{m.Name, settings.UnknownFieldError(m.Name, settings.Knobs()).Msg})
				continue
			case !base.MayOverride(m.Name):
				issues = append(issues, OverrideIssue{m.Name, "not overridable (the admin's overridable list leaves it out)"})
				continue
			}
			next := settings.Settings{Config: knobs}
			err := next.Set(m.Name, m.Value)
			if err == nil {
				err = next.Config.Validate()
			}
			if err != nil {
				issues = append(issues, OverrideIssue{m.Name, strings.TrimPrefix(err.Error(), m.Name+": ")})
				continue
			}
			knobs = next.Config
		}
	}
	return knobs, issues
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
