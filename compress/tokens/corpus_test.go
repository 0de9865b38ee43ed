package tokens

import (
	"fmt"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// Corpus-driven checks of token counting run on every string of the
// development corpus's request bodies (corpus.Case.Texts). The blocks the
// hook hands an engine are built above this package; the calibration of
// the estimate on tool outputs, which are among these strings, is checked
// there too (hook's TestEstimateCalibration).

// corpusText is one string of a corpus request.
type corpusText struct {
	name  string // case name and position, for messages
	group string // the case, without the turn of a session
	text  string
}

// corpusTexts returns the strings of every corpus request, in order.
func corpusTexts(tb testing.TB) []corpusText {
	tb.Helper()
	var out []corpusText
	for _, c := range corpus.Load(tb) {
		group := c.Name
		if c.Session != "" {
			group = c.Session
		}
		for i, s := range c.Texts(tb) {
			out = append(out, corpusText{name: fmt.Sprintf("%s#%d", c.Name, i), group: group, text: s})
		}
	}
	return out
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
