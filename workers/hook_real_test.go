package workers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/hook"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
	"github.com/tsheadroom/tsheadroom/workers"
)

// startRealHook starts the headroom engine on real headroom-ai (from
// TSHEADROOM_TEST_PYTHON; a failure under CI=true, a loud skip otherwise)
// with preloaded default workers, and a hook around it.
func startRealHook(t testing.TB) (*workers.Headroom, *hook.Hook) {
	t.Helper()
	py := testenv.HeadroomPython(t)
	eng, err := workers.NewHeadroom(workers.HeadroomConfig{
		Python: py, Preload: true, CallTimeout: 2 * time.Minute,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	pool, err := workers.NewPool(workers.PoolConfig{Size: workers.DefaultWorkers, MaxWaiting: 8})
	if err != nil {
		t.Fatal(err)
	}
	h, err := hook.New(hook.Config{Engine: eng, Pool: pool, Budget: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return eng, h
}

// TestHookWithRealHeadroom runs the whole hook (extraction, engine, splice)
// with the headroom engine on real headroom-ai over the corpus: every call
// ends in modify or noop, no retrieval marker reaches a forwarded body, a
// modify saves tokens, and growing sessions keep their forwarded prefix
// byte-identical from turn to turn.
func TestHookWithRealHeadroom(t *testing.T) {
	_, h := startRealHook(t)
	cases := corpus.Load(t)
	protect := h.Knobs().ProtectRecent

	markers := []string{"<<ccr:", "_ccr_dropped", "Retrieve more", "hash="}
	turns := map[string][][]json.RawMessage{}
	var sessions []string
	modified := 0
	for _, c := range cases {
		a := h.Process(context.Background(), c.Call)
		if a.Outcome != hook.OutcomeModify && a.Outcome != hook.OutcomeNoop {
			t.Errorf("%s: outcome %s (%s), want modify or noop", c.Name, a.Outcome, a.Reason)
			continue
		}
		body := hook.ForwardedBody(c.Call, a)
		if a.Outcome == hook.OutcomeModify {
			modified++
			if a.TokensAfter >= a.TokensBefore {
				t.Errorf("%s: modify without saving (%d -> %d tokens)", c.Name, a.TokensBefore, a.TokensAfter)
			}
			for _, m := range markers {
				if hook.ContainsString(body, m) && !hook.ContainsString(c.Call, m) {
					t.Errorf("%s: forwarded body carries the retrieval marker %q", c.Name, m)
				}
			}
		}
		t.Logf("%-22s %-8s tool tokens %7d -> %7d, blocks rewritten %d", c.Name, a.Outcome, a.ToolTokensBefore, a.ToolTokensAfter, a.Rewritten)
		if c.Session == "" {
			continue
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s: forwarded body is not JSON: %v", c.Name, err)
		}
		var items []json.RawMessage
		for _, key := range []string{"messages", "input", "contents"} {
			if raw, ok := doc[key]; ok {
				if err := json.Unmarshal(raw, &items); err != nil {
					t.Fatalf("%s: %s: %v", c.Name, key, err)
				}
			}
		}
		if turns[c.Session] == nil {
			sessions = append(sessions, c.Session)
		}
		turns[c.Session] = append(turns[c.Session], items)
	}
	if modified == 0 {
		t.Error("no corpus call was modified")
	}
	for _, s := range sessions {
		ts := turns[s]
		for n := 0; n+1 < len(ts); n++ {
			for i := 0; i < len(ts[n])-protect; i++ {
				if string(ts[n][i]) != string(ts[n+1][i]) {
					t.Errorf("session %s: item %d of turn %d changed in turn %d", s, i, n+1, n+2)
				}
			}
		}
	}
}

// TestHeadroomReport prints the headroom engine's figures on the corpus,
// through the real hook (extraction, engine, splice), for the README's
// native-vs-headroom table: tokens saved, must_keep strings kept in the
// forwarded body, latency, resident memory per worker. It runs only with
// TSHEADROOM_REPORT=1:
//
//	TSHEADROOM_REPORT=1 TSHEADROOM_TEST_PYTHON=/path/to/venv/bin/python \
//	  go test ./workers/ -run TestHeadroomReport -v -count=1
//
// Latency is the wall time of hook.Process. "first" is the first call with
// that content on a preloaded worker; "repeat p50" the median of the next
// calls with the same body, which headroom's in-process result cache
// usually answers (what a later turn pays for the same tool output).
func TestHeadroomReport(t *testing.T) {
	if os.Getenv("TSHEADROOM_REPORT") != "1" {
		t.Skip("set TSHEADROOM_REPORT=1 to print the headroom engine report")
	}
	const repeats = 5
	eng, h := startRealHook(t)
	cases := corpus.Load(t)
	ctx := context.Background()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

	var b strings.Builder
	fmt.Fprintf(&b, "headroom engine: headroom-ai %s, %d preloaded workers, default knobs, through hook.Process\n", eng.Version(), workers.DefaultWorkers)
	fmt.Fprintf(&b, "| case | kind | outcome | tool tokens before | after | tool tokens saved | all tokens saved | must_keep kept | first ms | repeat p50 ms |\n")
	fmt.Fprintf(&b, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	var sumTB, sumTA, sumB, sumA, keptAll, keepAll int
	var firsts []time.Duration
	for _, c := range cases {
		var lat []time.Duration
		var a *hook.Answer
		for r := 0; r <= repeats; r++ {
			start := time.Now()
			a = h.Process(ctx, c.Call)
			lat = append(lat, time.Since(start))
			if a.Outcome != hook.OutcomeModify && a.Outcome != hook.OutcomeNoop {
				t.Fatalf("%s: outcome %s (%s)", c.Name, a.Outcome, a.Reason)
			}
		}
		first, rest := lat[0], lat[1:]
		firsts = append(firsts, first)
		sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
		body := hook.ForwardedBody(c.Call, a)
		kept := 0
		for _, s := range c.MustKeep {
			if hook.ContainsString(body, s) {
				kept++
			}
		}
		sumTB, sumTA, sumB, sumA = sumTB+a.ToolTokensBefore, sumTA+a.ToolTokensAfter, sumB+a.TokensBefore, sumA+a.TokensAfter
		keptAll, keepAll = keptAll+kept, keepAll+len(c.MustKeep)
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s | %s | %d/%d | %.1f | %.1f |\n", c.Name, c.Kind, a.Outcome,
			a.ToolTokensBefore, a.ToolTokensAfter, pct(a.ToolTokensBefore, a.ToolTokensAfter), pct(a.TokensBefore, a.TokensAfter),
			kept, len(c.MustKeep), ms(first), ms(rest[len(rest)/2]))
	}
	sort.Slice(firsts, func(i, j int) bool { return firsts[i] < firsts[j] })
	fmt.Fprintf(&b, "| **total** | | | %d | %d | %s | %s | %d/%d | p50 %.1f | |\n", sumTB, sumTA,
		pct(sumTB, sumTA), pct(sumB, sumA), keptAll, keepAll, ms(firsts[len(firsts)/2]))
	for _, w := range eng.Workers() {
		fmt.Fprintf(&b, "worker %d: pid %d, RSS %.1f MiB, peak RSS %.1f MiB\n", w.Index, w.PID,
			float64(w.RSSBytes)/(1<<20), float64(peakRSS(w.PID))/(1<<20))
	}
	t.Log("\n" + b.String())
}

func pct(before, after int) string {
	if before == 0 {
		return "0 (0%)"
	}
	return fmt.Sprintf("%d (%.1f%%)", before-after, 100*float64(before-after)/float64(before))
}

// peakRSS reads a process's peak resident set size (VmHWM) from /proc.
func peakRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(rest), &kb)
			return kb * 1024
		}
	}
	return 0
}
