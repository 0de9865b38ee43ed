package tokens

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// Corpus-driven checks of token counting run on the strings of the
// development corpus's request bodies. The hook's extraction lives above
// this package, so the strings are found here with a plain walk of the
// JSON: every string value, and, for the calibration of the estimate, the
// tool outputs picked the way the hook picks them (tool results, function
// call outputs, function responses; long strings inside a JSON document
// stand for themselves).

// corpusText is one string of a corpus request.
type corpusText struct {
	name string // case name and position, for messages
	text string
	tool bool // a tool output, as the hook would extract it
}

// corpusTexts returns the strings of every corpus request, in order.
func corpusTexts(tb testing.TB) []corpusText {
	tb.Helper()
	var out []corpusText
	for _, c := range corpus.Load(tb) {
		var call struct {
			RequestBody json.RawMessage `json:"request_body"`
		}
		if err := json.Unmarshal(c.Call, &call); err != nil {
			tb.Fatalf("%s: %v", c.Name, err)
		}
		w := &textWalker{name: c.Name}
		w.value(call.RequestBody, false)
		out = append(out, w.out...)
	}
	return out
}

type textWalker struct {
	name string
	out  []corpusText
}

func (w *textWalker) add(s string, tool bool) {
	w.out = append(w.out, corpusText{name: fmt.Sprintf("%s#%d", w.name, len(w.out)), text: s, tool: tool})
}

// minLeafBytes: from this size a string inside a JSON tool output is
// content of its own (the hook's rule).
const minLeafBytes = 512

// value walks a JSON value; tool says it sits inside a tool output.
func (w *textWalker) value(raw json.RawMessage, tool bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "" {
			return
		}
		// A tool output that is itself a JSON document with long strings
		// (Codex's {"output": ...}) is those strings.
		if tool && bytes.HasPrefix(bytes.TrimSpace([]byte(s)), []byte("{")) && json.Valid([]byte(s)) {
			if leaves := longLeaves(json.RawMessage(s)); len(leaves) > 0 {
				for _, l := range leaves {
					w.add(l, true)
				}
				return
			}
		}
		w.add(s, tool)
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return
		}
		str := func(k string) string {
			var s string
			_ = json.Unmarshal(obj[k], &s)
			return s
		}
		switch str("type") {
		case "tool_result", "function_call_output", "custom_tool_call_output":
			tool = true
		}
		if r := str("role"); r == "tool" || r == "function" {
			tool = true
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			v := obj[k]
			if k == "functionResponse" || k == "toolResult" {
				w.jsonOutputs(v)
				continue
			}
			w.value(v, tool)
		}
	case '[':
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return
		}
		for _, v := range arr {
			w.value(v, tool)
		}
	}
}

// jsonOutputs walks a Gemini functionResponse or Bedrock toolResult: its
// JSON values are tool output, as their long strings or, without any, as
// the value's own text.
func (w *textWalker) jsonOutputs(raw json.RawMessage) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return
	}
	var values []json.RawMessage
	if r, ok := obj["response"]; ok {
		values = append(values, r)
	}
	var parts []map[string]json.RawMessage
	_ = json.Unmarshal(obj["content"], &parts)
	for _, p := range parts {
		if t, ok := p["text"]; ok {
			w.value(t, true)
		} else if j, ok := p["json"]; ok {
			values = append(values, j)
		}
	}
	for _, v := range values {
		v = bytes.TrimSpace(v)
		if len(v) == 0 || v[0] != '{' && v[0] != '[' {
			continue
		}
		if leaves := longLeaves(v); len(leaves) > 0 {
			for _, l := range leaves {
				w.add(l, true)
			}
			continue
		}
		w.add(string(v), true)
	}
}

// longLeaves returns the string values of a JSON document, at any depth
// and in document order, whose encoded form has at least minLeafBytes.
func longLeaves(raw json.RawMessage) []string {
	var out []string
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		if s, ok := tok.(string); ok && dec.InputOffset()-start >= minLeafBytes {
			out = append(out, s)
		}
	}
}

// TestPretokenizerMatchesCodecCorpus checks the pre-tokenizer split on
// every corpus string (the first 300 KB of each).
func TestPretokenizerMatchesCodecCorpus(t *testing.T) {
	for _, c := range corpusTexts(t) {
		s := c.text
		if len(s) > 300<<10 {
			s = s[:300<<10]
		}
		samePieces(t, c.name, s)
	}
}

// TestCountMatchesLibraryCorpus: the direct count equals the library's
// count on every corpus string.
func TestCountMatchesLibraryCorpus(t *testing.T) {
	var texts []string
	for _, c := range corpusTexts(t) {
		texts = append(texts, c.text)
	}
	checkCountsMatchLibrary(t, texts)
}
