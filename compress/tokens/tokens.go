// Package tokens counts the tokens of a text the way a model family's
// tokenizer does: exactly with the public OpenAI encodings (o200k_base,
// cl100k_base), whose vocabularies are embedded in the binary, and with a
// documented estimate for Claude, Gemini and unknown models, whose vendors
// publish no tokenizer that can run offline.
package tokens

import (
	"strings"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

// Counter counts the tokens of a text the way a model family does.
//
// Implementations are immutable and safe for concurrent use.
type Counter interface {
	// Count returns the number of tokens of s.
	Count(s string) int
	// Name names the encoding ("o200k_base", "cl100k_base") or "estimate".
	Name() string
	// Exact reports whether Count is the model's real tokenizer (true) or an
	// estimate (false).
	Exact() bool
}

// The BPE codecs embed their vocabularies in the binary (no download at run
// time). Building one parses a large vocabulary table, so each is built once,
// on first use; a built codec is never mutated, which makes sharing it safe.
var (
	o200kCodec  = sync.OnceValue(func() tokenizer.Codec { return mustCodec(tokenizer.O200kBase) })
	cl100kCodec = sync.OnceValue(func() tokenizer.Codec { return mustCodec(tokenizer.Cl100kBase) })
)

// mustCodec returns the named embedded codec, or nil if the library does not
// know it (it always does for the two encodings used here; nil makes the
// caller fall back to the estimate rather than panic).
func mustCodec(enc tokenizer.Encoding) tokenizer.Codec {
	c, err := tokenizer.Get(enc)
	if err != nil {
		return nil
	}
	return c
}

// For returns the counter for a model name as Aperture or the request body
// gives it (e.g. "gpt-4o-2024-08-06", "openai/gpt-5-mini",
// "claude-sonnet-4-5", "gemini-2.5-pro"). Matching is case-insensitive and
// ignores a "provider/" prefix.
//
//   - o200k_base: gpt-4o, chatgpt-4o, gpt-4.1, gpt-4.5, gpt-5 and later,
//     gpt-oss, and the o-series (o1, o3, o4, ...).
//   - cl100k_base: gpt-4 (incl. gpt-4-turbo), gpt-3.5, text-embedding-3 and
//     ada-002.
//   - everything else (Claude, Gemini, unknown or empty names): Estimate,
//     since those vendors publish no tokenizer that can be embedded offline.
func For(model string) Counter {
	switch family(model) {
	case "o200k":
		if c := o200kCodec(); c != nil {
			return bpeCounter{name: "o200k_base", codec: c, o200k: true}
		}
	case "cl100k":
		if c := cl100kCodec(); c != nil {
			return bpeCounter{name: "cl100k_base", codec: c}
		}
	}
	return Estimate{}
}

// family maps a model name to "o200k", "cl100k" or "" (unknown).
func family(model string) string {
	m := strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	// Fine-tuned names look like "ft:gpt-4o-mini:org::id".
	m = strings.TrimPrefix(m, "ft:")
	switch {
	case strings.HasPrefix(m, "gpt-4o"), strings.HasPrefix(m, "chatgpt-4o"),
		strings.HasPrefix(m, "gpt-4.1"), strings.HasPrefix(m, "gpt-4.5"),
		strings.HasPrefix(m, "gpt-oss"):
		return "o200k"
	case strings.HasPrefix(m, "gpt-4"), strings.HasPrefix(m, "gpt-3.5"), strings.HasPrefix(m, "gpt-35"),
		strings.HasPrefix(m, "text-embedding-3"), strings.HasPrefix(m, "text-embedding-ada-002"):
		return "cl100k"
	case strings.HasPrefix(m, "gpt-"):
		// gpt-5, gpt-5.1, gpt-6...: every family after gpt-4 uses o200k.
		if len(m) > 4 && m[4] >= '5' && m[4] <= '9' {
			return "o200k"
		}
	case len(m) >= 2 && m[0] == 'o' && m[1] >= '1' && m[1] <= '9':
		// o1, o3-mini, o4-mini-high...; the digit run must end the name or
		// be followed by '-' so that e.g. "o2ai" is not taken for a model.
		i := 1
		for i < len(m) && m[i] >= '0' && m[i] <= '9' {
			i++
		}
		if i == len(m) || m[i] == '-' {
			return "o200k"
		}
	}
	return ""
}

// bpeCounter is an exact OpenAI tokenizer backed by an embedded BPE codec.
type bpeCounter struct {
	name  string
	codec tokenizer.Codec
	o200k bool // which pre-tokenizer expression the codec uses
}

func (t bpeCounter) Name() string { return t.name }
func (t bpeCounter) Exact() bool  { return true }

// Count returns the BPE token count. The text is split into pre-tokens
// here (pretokenize, the same split as the codec's own expression) and each
// distinct piece is counted by the codec once: tool output repeats the same
// words, paths and punctuation, so most pieces cost a map lookup. If the
// codec fails (it only can on pathological input) the estimate stands in,
// so counting never fails.
func (t bpeCounter) Count(s string) int {
	if s == "" {
		return 0
	}
	memo := make(map[string]int, 256)
	n := 0
	var err error
	pretokenize(s, t.o200k, func(p string) {
		c, ok := memo[p]
		if !ok {
			var e error
			if c, e = t.codec.Count(p); e != nil {
				err = e
			}
			memo[p] = c
		}
		n += c
	})
	if err != nil {
		return Estimate{}.Count(s)
	}
	return n
}
