package workers

import (
	"context"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
)

// TestHeadroomRestoresReferencedBlock: headroom cannot re-judge a block by
// a later turn, so when a turn after a block names something its
// compressed form dropped, the engine forwards the block whole and says
// so; with restore_referenced off it keeps headroom's form.
func TestHeadroomRestoresReferencedBlock(t *testing.T) {
	e := startFake(t, nil)
	text := bulky("build log") + "\n2026-01-01T00:01:00 ERROR tenant acme-prod hit quota_exhausted"
	session := func(later ...string) *compress.Request {
		req := toolReq("s", text)
		req.Turns = []compress.Turn{{Role: "user", Text: "why are requests slow?", Message: 0}}
		req.Blocks[0].Turn, req.Blocks[0].Message = 1, 2
		msg := 3
		for _, q := range later {
			req.Turns = append(req.Turns, compress.Turn{Role: "assistant", Text: "Done.", Message: msg},
				compress.Turn{Role: "user", Text: q, Message: msg + 1})
			msg += 2
		}
		req.Blocks[0].FromEnd = msg - 1 - 2
		return req
	}
	compressOne := func(req *compress.Request) compress.BlockResult {
		t.Helper()
		res, err := e.Compress(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return res.Blocks[0]
	}

	first := compressOne(session("Thanks, that helps."))
	if !first.Changed || first.Restored != "" || strings.Contains(first.Text, "quota_exhausted") {
		t.Fatalf("an unrelated turn: changed=%v restored=%q; the test needs the fake to drop the quota line", first.Changed, first.Restored)
	}

	ask := "Which tenant hit quota_exhausted?"
	got := compressOne(session("Thanks, that helps.", ask))
	if got.Changed || got.Restored != compress.RestoreTerms || !got.RestoreFresh {
		t.Fatalf("a turn naming a dropped term: changed=%v restored=%q fresh=%v, want the block forwarded whole (terms, fresh)",
			got.Changed, got.Restored, got.RestoreFresh)
	}
	if want := got.TokensBefore - first.TokensAfter; got.RestoredTokens != want || got.TokensAfter != got.TokensBefore {
		t.Errorf("restored tokens %d (after %d), want %d added back", got.RestoredTokens, got.TokensAfter, want)
	}
	later := compressOne(session("Thanks, that helps.", ask, "Great."))
	if later.Changed || later.Restored != compress.RestoreTerms || later.RestoreFresh {
		t.Errorf("the turn after: changed=%v restored=%q fresh=%v, want the same restore, not fresh", later.Changed, later.Restored, later.RestoreFresh)
	}

	off := session("Thanks, that helps.", ask)
	off.Config.RestoreReferenced = false
	if r := compressOne(off); !r.Changed || r.Text != first.Text || r.Restored != "" {
		t.Errorf("restore_referenced off: changed=%v restored=%q, want headroom's form", r.Changed, r.Restored)
	}
}
