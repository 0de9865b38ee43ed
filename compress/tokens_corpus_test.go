package compress_test

import (
	"fmt"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// Corpus-driven checks of token counting: the hand-written pre-tokenizer
// and the memoized BPE counts against the tokenizer library, on every text
// of the corpus bodies (corpus.Texts: a superset of the blocks the hook
// hands an engine). The estimate's calibration, which is about tool output
// blocks, is in hook/native_corpus_test.go.

// TestPretokenizerMatchesCodecCorpus checks the pre-tokenizer split on
// every corpus text (the first 300 KB of each).
func TestPretokenizerMatchesCodecCorpus(t *testing.T) {
	for _, c := range corpus.Load(t) {
		for i, text := range c.Texts(t) {
			if len(text) > 300<<10 {
				text = text[:300<<10]
			}
			compress.SamePieces(t, fmt.Sprintf("%s#%d", c.Name, i), text)
		}
	}
}

// TestBPECountMatchesCodecCorpus: the memoized count equals the codec's
// count on every corpus text.
func TestBPECountMatchesCodecCorpus(t *testing.T) {
	var texts []string
	for _, c := range corpus.Load(t) {
		texts = append(texts, c.Texts(t)...)
	}
	compress.CheckCountsMatchCodec(t, texts)
}
