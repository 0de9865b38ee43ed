package hook_test

import (
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/hook"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
	"github.com/tsheadroom/tsheadroom/settings"
)

// The tests of this package that drive an engine directly (native_corpus,
// headroom_corpus) see exactly the requests the hook builds: they take the
// same exported steps as Hook.Process, with the default knobs.

// corpusCase is a corpus entry with the engine request the hook builds for
// it.
type corpusCase struct {
	corpus.Case
	Req *compress.Request
}

// loadCorpus reads every corpus case, sorted by name, and builds its engine
// request; it skips the test when the corpus is absent.
func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	var out []corpusCase
	for _, c := range corpus.Load(tb) {
		out = append(out, corpusCase{Case: c, Req: engineRequest(tb, c.Name, c.Call)})
	}
	return out
}

// engineRequest takes Process's steps up to the engine on one hook call.
func engineRequest(tb testing.TB, name string, data []byte) *compress.Request {
	tb.Helper()
	call, err := hook.ParseCall(data)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	cands, err := call.Candidates()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	knobs, issues := call.Knobs(settings.Default(), hook.DefaultGrantsCap)
	if len(issues) > 0 {
		tb.Fatalf("%s: %v", name, issues)
	}
	return cands.Request(knobs)
}

// savedPct is the share of tokens removed, in percent.
func savedPct(before, after int) float64 {
	if before == 0 {
		return 0
	}
	return 100 * float64(before-after) / float64(before)
}
