package compress_test

import (
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/hook"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// The corpus-driven tests of the engine live in this external test package
// so that they see exactly the requests the hook builds (hook.Extract):
// package compress's own tests cannot import hook, which imports compress.

// corpusCase is a corpus entry with the engine request the hook builds
// for it.
type corpusCase struct {
	corpus.Case
	Req *compress.Request
}

// loadCorpus reads every corpus case, sorted by name, and extracts its
// request; it skips the test when the corpus is absent.
func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	var out []corpusCase
	for _, c := range corpus.Load(tb) {
		_, req, err := hook.Extract(c.Call)
		if err != nil {
			tb.Fatalf("%s: %v", c.Name, err)
		}
		out = append(out, corpusCase{Case: c, Req: req})
	}
	return out
}

// savedPct is the share of tokens removed, in percent.
func savedPct(before, after int) float64 {
	if before == 0 {
		return 0
	}
	return 100 * float64(before-after) / float64(before)
}
