package tokens

import "unicode/utf8"

// Estimate approximates BPE token counts for model families whose
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
type Estimate struct{}

func (Estimate) Name() string { return "estimate" }
func (Estimate) Exact() bool  { return false }

// Count estimates the number of tokens of s. It allocates nothing.
func (Estimate) Count(s string) int {
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
