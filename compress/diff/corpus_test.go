package diff

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
	"github.com/tsheadroom/tsheadroom/compress/wrapper"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// Corpus-driven check: every tool output of the development corpus that
// Detect claims is compressed with the task the user gave before it and,
// as a restore would add them, the user messages after it; the output must
// hold what checkOutput asserts and every must_keep string of the case
// found in the block. Savings are logged (go test -v -run Corpus).

// message is one turn of a corpus request, whatever the API shape.
type message struct {
	user bool   // a user's own words (not a tool result)
	tool string // a tool output, else ""
	text string
}

// messages reads the turns of a hook call in the request shapes the corpus
// holds (Anthropic and OpenAI chat messages, OpenAI Responses input items,
// Gemini contents).
func messages(call []byte) []message {
	var c struct {
		Body struct {
			Messages []json.RawMessage `json:"messages"`
			Input    []json.RawMessage `json:"input"`
			Contents []json.RawMessage `json:"contents"`
		} `json:"request_body"`
	}
	if json.Unmarshal(call, &c) != nil {
		return nil
	}
	var out []message
	for _, raw := range append(append(c.Body.Messages, c.Body.Input...), c.Body.Contents...) {
		var m struct {
			Role    string          `json:"role"`
			Type    string          `json:"type"`
			Content json.RawMessage `json:"content"`
			Output  string          `json:"output"`
			Parts   []struct {
				Text     string `json:"text"`
				Response *struct {
					Response map[string]any `json:"response"`
				} `json:"functionResponse"`
			} `json:"parts"`
		}
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		switch {
		case m.Type == "function_call_output" || m.Type == "custom_tool_call_output":
			out = append(out, message{tool: m.Output})
		case m.Role == "tool":
			out = append(out, message{tool: texts(m.Content)})
		case len(m.Parts) > 0:
			for _, p := range m.Parts {
				if p.Response != nil {
					for _, v := range p.Response.Response {
						if s, ok := v.(string); ok {
							out = append(out, message{tool: s})
						}
					}
				} else if p.Text != "" {
					out = append(out, message{user: m.Role == "user", text: p.Text})
				}
			}
		default:
			var blocks []struct {
				Type    string          `json:"type"`
				Text    string          `json:"text"`
				Content json.RawMessage `json:"content"`
			}
			if json.Unmarshal(m.Content, &blocks) != nil {
				out = append(out, message{user: m.Role == "user", text: texts(m.Content)})
				continue
			}
			for _, b := range blocks {
				if b.Type == "tool_result" {
					out = append(out, message{tool: texts(b.Content)})
				} else if b.Text != "" {
					out = append(out, message{user: m.Role == "user", text: b.Text})
				}
			}
		}
	}
	return out
}

// texts reads a content that is a string or a list of text blocks.
func texts(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var blocks []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &blocks)
	var parts []string
	for _, b := range blocks {
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, "\n")
}

func TestCorpusMustKeep(t *testing.T) {
	var before, after int
	for _, c := range corpus.Load(t) {
		ms := messages(c.Call)
		var latest, earlier string
		for i, m := range ms {
			if m.tool == "" {
				if m.user {
					if latest != "" {
						earlier += latest + "\n"
					}
					latest = m.text
				}
				continue
			}
			payload := wrapper.Peel(m.tool).Payload
			if len(payload) < 2000 || !Detect(payload) {
				continue
			}
			q := relevance.Parse(latest, earlier)
			for _, later := range ms[i+1:] {
				if later.user {
					q = q.WithFollowup(later.text, "")
				}
			}
			in := &fold.Input{Text: payload, Query: q, Budget: fold.Budget{Bytes: 2048 + len(payload)*12/100, Lossy: true}}
			out, ok := Compress(in)
			if !ok {
				out = payload
			} else if err := checkOutput(in, out); err != nil {
				t.Errorf("%s block %d: %v", c.Name, i, err)
			}
			for _, mk := range c.MustKeep {
				if strings.Contains(payload, mk) && !strings.Contains(out, mk) {
					t.Errorf("%s block %d: must_keep %q lost", c.Name, i, mk)
				}
			}
			before += len(payload)
			after += len(out)
			t.Logf("%-24s block %2d %8d -> %7d bytes (%4.1f%% saved)", c.Name, i, len(payload), len(out), 100*float64(len(payload)-len(out))/float64(len(payload)))
		}
	}
	if before > 0 {
		t.Logf("all diff blocks: %d -> %d bytes (%4.1f%% saved)", before, after, 100*float64(before-after)/float64(before))
	}
}
