package hook_test

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

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
	"github.com/tsheadroom/tsheadroom/hook"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
	"github.com/tsheadroom/tsheadroom/workers"
)

// The headroom engine on real headroom-ai (from TSHEADROOM_TEST_PYTHON; a
// failure under CI=true, a loud skip otherwise) over the development corpus:
// through the whole hook, and on the requests the hook builds (see
// loadCorpus).

// startHeadroom starts the headroom engine with n preloaded workers; it
// stops when the test ends.
func startHeadroom(t testing.TB, n int) *workers.Headroom {
	t.Helper()
	return startHeadroomLogged(t, n, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
}

// startHeadroomLogged is startHeadroom logging to log.
func startHeadroomLogged(t testing.TB, n int, log *slog.Logger) *workers.Headroom {
	t.Helper()
	eng, err := workers.NewHeadroom(workers.HeadroomConfig{
		Python: testenv.HeadroomPython(t), Workers: n, Preload: true, CallTimeout: 2 * time.Minute,
		Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// startRealHook starts the headroom engine with the default number of
// workers and a hook around it.
func startRealHook(t testing.TB) (*workers.Headroom, *hook.Hook) {
	t.Helper()
	eng := startHeadroom(t, workers.DefaultWorkers)
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

// toolHeavy are the corpus kinds made of bulky tool output (logs, JSON,
// listings, search hits, tables, diffs, HTML); source code and sessions are
// not in it. The total over them must shrink.
var toolHeavy = map[string]bool{
	"mixed-log": true, "system-log": true, "build-log": true, "test-log": true,
	"json": true, "file-listing": true, "code-search": true, "table": true,
	"diff": true, "html": true, "stack-trace": true,
}

// checkInvariants asserts what every engine result must satisfy.
func checkInvariants(t *testing.T, name string, req *compress.Request, res *compress.Result) {
	t.Helper()
	if len(res.Blocks) != len(req.Blocks) {
		t.Fatalf("%s: %d results for %d blocks", name, len(res.Blocks), len(req.Blocks))
	}
	tok := tokens.For(req.Model)
	for i, br := range res.Blocks {
		b := req.Blocks[i]
		if !br.Changed {
			if br.TokensAfter != br.TokensBefore {
				t.Errorf("%s block %d: unchanged but %d -> %d tokens", name, i, br.TokensBefore, br.TokensAfter)
			}
			continue
		}
		if compress.IntroducesRetrievalMarker(b.Text, br.Text) {
			t.Errorf("%s block %d: output carries a retrieval marker", name, i)
		}
		if br.TokensAfter >= br.TokensBefore || br.TokensAfter != tok.Count(br.Text) {
			t.Errorf("%s block %d: tokens %d -> %d (recount %d): inflated or miscounted", name, i, br.TokensBefore, br.TokensAfter, tok.Count(br.Text))
		}
		if b.JSONObject {
			var obj map[string]any
			if err := json.Unmarshal([]byte(br.Text), &obj); err != nil {
				t.Errorf("%s block %d: JSON object block is no longer a JSON object: %v", name, i, err)
			}
		}
		if b.Source == compress.MessageText && b.FromEnd < req.Config.ProtectRecent {
			t.Errorf("%s block %d: protected recent message text was rewritten", name, i)
		}
	}
}

type caseTotals struct{ before, after, toolBefore, toolAfter, changed, restored int }

func totals(req *compress.Request, res *compress.Result) caseTotals {
	var c caseTotals
	for i, br := range res.Blocks {
		c.before += br.TokensBefore
		c.after += br.TokensAfter
		if req.Blocks[i].Source == compress.ToolOutput {
			c.toolBefore += br.TokensBefore
			c.toolAfter += br.TokensAfter
		}
		if br.Changed {
			c.changed++
		}
		if br.Restored != "" {
			c.restored++
		}
	}
	return c
}

// TestHeadroomRealCorpus compresses every corpus case, as the hook builds
// its request, through real headroom-ai: invariants hold, every output
// headroom-ai gives is used unless it saves nothing or a later turn needs the
// block whole (never dropped as a worker error or a broken structure), the
// tool-heavy cases save tokens in total, output is the same from another
// worker process, and growing sessions keep their compressed prefix.
//
// Not every case saves: headroom-ai 0.42 leaves many of the corpus's tool
// outputs as they are (its router excludes some tools, routes others to a
// no-op, keeps short outputs), and a block a later turn asks about goes out
// whole. TestHeadroomReport measures how much it saves per kind.
func TestHeadroomRealCorpus(t *testing.T) {
	cases := loadCorpus(t)
	// Two engines of one worker each: every request runs on both processes.
	log, logs := logtest.NewAt(t, slog.LevelDebug)
	eng, other := startHeadroomLogged(t, 1, log), startHeadroom(t, 1)
	if eng.Version() == "" {
		t.Fatal("no headroom version from the handshake")
	}
	t.Logf("headroom-ai %s", eng.Version())
	ctx := context.Background()

	reqs := map[string]*compress.Request{}
	results := map[string]*compress.Result{}
	var heavyBefore, heavyAfter int
	for _, c := range cases {
		req := c.Req
		reqs[c.Name] = req
		res, err := eng.Compress(ctx, req)
		if err != nil {
			t.Fatalf("%s: Compress: %v", c.Name, err)
		}
		checkInvariants(t, c.Name, req, res)
		tot := totals(req, res)
		if toolHeavy[c.Kind] {
			heavyBefore, heavyAfter = heavyBefore+tot.toolBefore, heavyAfter+tot.toolAfter
		}
		t.Logf("%-22s %-13s tool tokens %7d -> %7d, blocks changed %d, restored %d", c.Name, c.Kind, tot.toolBefore, tot.toolAfter, tot.changed, tot.restored)
		results[c.Name] = res

		// The same request on the other worker gives the same bytes.
		res2, err := other.Compress(ctx, req)
		if err != nil {
			t.Fatalf("%s: second Compress: %v", c.Name, err)
		}
		for i := range res.Blocks {
			if res.Blocks[i] != res2.Blocks[i] {
				t.Errorf("%s block %d: output differs between workers/runs", c.Name, i)
			}
		}
	}
	for _, why := range []string{"reason=worker_error", "reason=structure"} {
		if n := logs.Count(why); n > 0 {
			t.Errorf("%d headroom outputs dropped with %s:\n%s", n, why, logs)
		}
	}
	if heavyAfter >= heavyBefore || heavyBefore == 0 {
		t.Errorf("tool-heavy cases: %d -> %d tool-output tokens, want a saving", heavyBefore, heavyAfter)
	}

	// Growing sessions: a block compressed on one turn compresses to the
	// same bytes on every later turn.
	for _, c := range cases {
		if c.Session == "" {
			continue
		}
		base, _, _ := strings.Cut(c.Name, ".t")
		next := fmt.Sprintf("%s.t%d", base, c.Turn+1)
		nres, ok := results[next]
		if !ok {
			continue
		}
		req, nreq := reqs[c.Name], reqs[next]
		for i, br := range results[c.Name].Blocks {
			if i >= len(nreq.Blocks) || nreq.Blocks[i].Text != req.Blocks[i].Text {
				t.Fatalf("%s block %d is not a prefix block of %s", c.Name, i, next)
			}
			if br.Changed && (nres.Blocks[i].Changed != br.Changed || nres.Blocks[i].Text != br.Text) {
				t.Errorf("%s block %d: compressed differently on turn %s", c.Name, i, next)
			}
		}
	}
	for _, e := range []*workers.Headroom{eng, other} {
		for _, w := range e.Workers() {
			if w.Restarts != 0 {
				t.Errorf("worker %d restarted %d times: want none with healthy workers", w.Index, w.Restarts)
			}
		}
	}
}

// BenchmarkHeadroomCorpus measures one Compress call through the real
// headroom-ai workers per corpus case (needs TSHEADROOM_TEST_PYTHON):
//
//	TSHEADROOM_TEST_PYTHON=... go test ./hook/ -run '^$' -bench HeadroomCorpus
func BenchmarkHeadroomCorpus(b *testing.B) {
	cases := loadCorpus(b)
	eng := startHeadroom(b, workers.DefaultWorkers)
	ctx := context.Background()
	for _, c := range cases {
		req := c.Req
		b.Run(c.Name, func(b *testing.B) {
			var size int64
			for _, blk := range req.Blocks {
				size += int64(len(blk.Text))
			}
			b.SetBytes(size)
			for b.Loop() {
				if _, err := eng.Compress(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
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
//	  go test ./hook/ -run TestHeadroomReport -v -count=1
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
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	_, rest, _ := strings.Cut(string(data), "\nVmHWM:")
	var kb int64
	fmt.Sscan(rest, &kb)
	return kb * 1024
}
