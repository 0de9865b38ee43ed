// Package tokens counts the tokens of a text the way a model family's
// tokenizer does: exactly with the public OpenAI encodings (o200k_base,
// cl100k_base), whose vocabularies are embedded in the binary, and with a
// documented estimate for Claude, Gemini and unknown models, whose vendors
// publish no tokenizer that can run offline.
//
// Exact counts are OpenAI's tiktoken's. The vocabularies come from the Go
// tokenizer library (github.com/tiktoken-go/tokenizer), extracted by
// gen_vocab.go into files embedded here and read once into tables of this
// package (the library itself is used by the tests only, to check the
// files and the counts): the text is split by a hand-written equivalent of
// the encodings' pre-tokenizer expressions and each piece is merged
// directly, many times faster than the library's own count, which also
// departs from tiktoken on two rare inputs (see pretok.go).
//
// The counters of an encoding share one bounded cache of the counts of
// pieces that take merges, process-wide and safe for concurrent use: a
// memo of a pure function, it changes no result, only the cost of seeing a
// piece again. The first use of an encoding builds its tables (about 10
// ms for o200k_base); Warm builds them ahead, in the background.
package tokens

import (
	"strings"
	"sync"
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

// The encodings' vocabularies are embedded in the binary (no download at
// run time). Building a rank table reads a large vocabulary, so each is
// built once, on first use, and shared: it is never mutated, and its piece
// cache is safe for concurrent use.
var (
	o200k  = sync.OnceValue(func() *encoding { return mustEncoding(o200kName, true) })
	cl100k = sync.OnceValue(func() *encoding { return mustEncoding(cl100kName, false) })
)

// mustEncoding returns the named encoding, or nil if it cannot be built (it
// always can for the two used here; nil makes For fall back to the estimate
// rather than panic).
func mustEncoding(enc string, o200k bool) *encoding {
	e, err := newEncoding(enc, o200k, defaultCache)
	if err != nil {
		return nil
	}
	return e
}

// Warm builds the tables of the exact encodings now (o200k_base first, the
// one most OpenAI models use), so that the first request for such a model
// does not wait for them. Services call it at start in a goroutine.
func Warm() {
	o200k()
	cl100k()
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
	var e *encoding
	switch family(model) {
	case "o200k":
		e = o200k()
	case "cl100k":
		e = cl100k()
	}
	if e == nil {
		return Estimate{}
	}
	return bpeCounter{e}
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

// bpeCounter is an exact OpenAI tokenizer.
type bpeCounter struct{ enc *encoding }

func (c bpeCounter) Name() string { return c.enc.name }
func (c bpeCounter) Exact() bool  { return true }

// Count returns the BPE token count of s, exactly as tiktoken counts it.
// On valid UTF-8 it allocates only to grow the shared piece cache and to
// merge a piece longer than 64 bytes that it has not seen before.
func (c bpeCounter) Count(s string) int { return c.enc.count(s) }
