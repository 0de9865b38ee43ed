package compress

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer"
)

// Tokenizer counts the tokens of a text the way a model family does.
//
// Implementations are immutable and safe for concurrent use.
type Tokenizer interface {
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

// TokenizerFor returns the tokenizer for a model name as Aperture or the
// request body gives it (e.g. "gpt-4o-2024-08-06", "openai/gpt-5-mini",
// "claude-sonnet-4-5", "gemini-2.5-pro"). Matching is case-insensitive and
// ignores a "provider/" prefix.
//
//   - o200k_base: gpt-4o, chatgpt-4o, gpt-4.1, gpt-4.5, gpt-5 and later,
//     gpt-oss, and the o-series (o1, o3, o4, ...).
//   - cl100k_base: gpt-4 (incl. gpt-4-turbo), gpt-3.5, text-embedding-3 and
//     ada-002.
//   - everything else (Claude, Gemini, unknown or empty names): the estimate
//     of EstimateTokenizer, since those vendors publish no tokenizer that can
//     be embedded offline.
func TokenizerFor(model string) Tokenizer {
	switch tokenFamily(model) {
	case "o200k":
		if c := o200kCodec(); c != nil {
			return bpeTokenizer{name: "o200k_base", codec: c, o200k: true}
		}
	case "cl100k":
		if c := cl100kCodec(); c != nil {
			return bpeTokenizer{name: "cl100k_base", codec: c}
		}
	}
	return EstimateTokenizer{}
}

// tokenFamily maps a model name to "o200k", "cl100k" or "" (unknown).
func tokenFamily(model string) string {
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

// bpeTokenizer is an exact OpenAI tokenizer backed by an embedded BPE codec.
type bpeTokenizer struct {
	name  string
	codec tokenizer.Codec
	o200k bool // which pre-tokenizer expression the codec uses
}

func (t bpeTokenizer) Name() string { return t.name }
func (t bpeTokenizer) Exact() bool  { return true }

// Count returns the BPE token count. The text is split into pre-tokens
// here (pretokenize, the same split as the codec's own expression) and each
// distinct piece is counted by the codec once: tool output repeats the same
// words, paths and punctuation, so most pieces cost a map lookup. If the
// codec fails (it only can on pathological input) the estimate stands in,
// so counting never fails.
func (t bpeTokenizer) Count(s string) int {
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
		return EstimateTokenizer{}.Count(s)
	}
	return n
}

// EstimateTokenizer approximates BPE token counts for model families whose
// tokenizer is not public (Claude, Gemini) and for unknown models.
//
// It walks the text once and charges each run of characters the way
// byte-pair encoders of the cl100k/o200k generation split it: a word with
// its leading space costs one token plus one per further 7 letters, digit
// runs one token per 3 digits, punctuation runs one token per 3 symbols, a
// run of whitespace one token (indentation, padding) and every non-ASCII
// character one token. The constants were chosen by sweeping them over the
// tool outputs of the development corpus (36 blocks of 2 KB to 1.2 MB: logs,
// JSON, listings, diffs, code, HTML) against cl100k_base, the public encoder
// closest in vocabulary size to the Claude and Gemini tokenizers: the total
// comes within 2% of cl100k_base, the per-block error is 8.5% RMS and 20% at
// worst (TestEstimateCalibration checks these bounds). It is an estimate,
// not the vendor's count; Exact reports false.
type EstimateTokenizer struct{}

func (EstimateTokenizer) Name() string { return "estimate" }
func (EstimateTokenizer) Exact() bool  { return false }

// Count estimates the number of tokens of s. It allocates nothing.
func (EstimateTokenizer) Count(s string) int {
	const (
		lettersPerToken = 7
		digitsPerToken  = 3
		punctPerToken   = 3
	)
	n := 0
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isASCIILetter(c):
			j := i + 1
			for j < len(s) && isASCIILetter(s[j]) {
				j++
			}
			n += 1 + (j-i-1)/lettersPerToken
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			n += (j - i + digitsPerToken - 1) / digitsPerToken
			i = j
		case c == ' ':
			// A single space joins the word or symbol that follows it; a
			// longer run (padding, indentation) is a token of its own.
			j := i + 1
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j-i > 1 {
				n++
			}
			i = j
		case c == '\n' || c == '\r' || c == '\t':
			j := i + 1
			for j < len(s) && (s[j] == '\n' || s[j] == '\r' || s[j] == '\t' || s[j] == ' ') {
				j++
			}
			n++
			i = j
		case c < utf8.RuneSelf:
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && isASCIIPunct(s[j]) {
				j++
			}
			n += (j - i + punctPerToken - 1) / punctPerToken
			i = j
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			n++
			i += size
		}
	}
	return n
}

func isASCIILetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isASCIIPunct(c byte) bool {
	return c > ' ' && c < 0x7f && !isASCIILetter(c) && (c < '0' || c > '9')
}
