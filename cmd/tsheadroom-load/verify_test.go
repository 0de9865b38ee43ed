package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/hook"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
	"github.com/tsheadroom/tsheadroom/workers"
)

// nativeHook is the real hook with the native engine.
func nativeHook(t testing.TB) *hook.Hook {
	t.Helper()
	eng, err := compress.NewNative(compress.NativeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := workers.NewPool(workers.PoolConfig{Size: 2, MaxWaiting: 64})
	if err != nil {
		t.Fatal(err)
	}
	h, err := hook.New(hook.Config{Engine: eng, Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// samples are the repository's own hook calls.
func samples(t testing.TB) []corpus.Case {
	t.Helper()
	cases, err := corpus.Read("../../testdata/samples")
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestCheckerAcceptsTheHook: every answer of the real hook to the samples
// and, when present, the corpus passes the checker.
func TestCheckerAcceptsTheHook(t *testing.T) {
	h := nativeHook(t)
	cases := samples(t)
	if dir, ok := corpus.Dir(); ok {
		more, err := corpus.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, more...)
	}
	modifies := 0
	for _, c := range cases {
		ck, err := newChecker(c.Call)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		a := h.Process(context.Background(), c.Call)
		out, err := ck.outcome(a.Response)
		if err != nil {
			t.Errorf("%s (%s): %v", c.Name, a.Outcome, err)
		}
		if out == "modify" {
			modifies++
		}
	}
	if modifies == 0 {
		t.Fatal("no modify answer to check")
	}
}

// TestCheckerCatchesCorruption: a modify that changes anything but a
// candidate block is refused, whatever the change.
func TestCheckerCatchesCorruption(t *testing.T) {
	h := nativeHook(t)
	var call, answer []byte
	for _, c := range samples(t) {
		if a := h.Process(context.Background(), c.Call); a.Outcome == hook.OutcomeModify {
			call, answer = c.Call, a.Response
			break
		}
	}
	if call == nil {
		t.Fatal("no sample is modified")
	}
	ck, err := newChecker(call)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ck.outcome(answer); err != nil {
		t.Fatalf("the real answer: %v", err)
	}
	replaceOnce := func(old, new string) []byte {
		if !bytes.Contains(answer, []byte(old)) {
			t.Fatalf("answer lacks %q", old)
		}
		return bytes.Replace(answer, []byte(old), []byte(new), 1)
	}
	for name, bad := range map[string][]byte{
		"role renamed":        replaceOnce(`"role":"user"`, `"role":"usex"`),
		"space after a colon": replaceOnce(`"role":`, `"role": `),
		"member renamed":      replaceOnce(`"role":`, `"rolf":`),
		"model changed":       replaceOnce(`"model":"`, `"model":"x`),
		"not JSON":            []byte(modifyPrefix + `{"messages":[` + modifySuffix),
		"no request_body":     []byte(`{"action":"modify"}`),
		"other action":        []byte(`{"action":"deny"}`),
		"trailing garbage":    append(bytes.Clone(answer), ' '),
	} {
		if _, err := ck.outcome(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if out, err := ck.outcome([]byte(allowAnswer)); out != "allow" || err != nil {
		t.Errorf("allow: %q %v", out, err)
	}
}

// TestRunLoad drives the real hook behind an HTTP server: every call is
// counted, checked and timed, and the figures come from the server's
// metrics endpoint.
func TestRunLoad(t *testing.T) {
	h := nativeHook(t)
	mux := http.NewServeMux()
	mux.Handle("POST /", h)
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("# HELP go_goroutines x\ngo_goroutines 7\ntsheadroom_requests_by_outcome{outcome=\"modify\"} 0\n"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var bodies []body
	for _, c := range samples(t) {
		ck, err := newChecker(c.Call)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, body{name: c.Name, call: c.Call, ck: ck})
	}
	rep, err := runLoad(context.Background(), loadConfig{
		client: newClient(4, nil), hookURL: srv.URL + "/",
		targets: []target{{name: "s", hookURL: srv.URL + "/", metricsURL: srv.URL + "/metrics"}},
		bodies:  bodies, concurrency: 4, requests: 100, duration: time.Minute, window: 25, callTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Calls != 100 || rep.Non200 != 0 || rep.TransportErrs != 0 || rep.Corrupt != 0 || rep.Answers["modify"]+rep.Answers["allow"] != 100 {
		t.Errorf("report %+v", rep)
	}
	if len(rep.Samples) == 0 || rep.Samples[0].Goroutines["s"] != 7 {
		t.Errorf("samples %+v", rep.Samples)
	}
	if rep.P50 <= 0 || rep.P99 < rep.P50 || rep.Max < rep.P99 {
		t.Errorf("latencies p50 %v p99 %v max %v", rep.P50, rep.P99, rep.Max)
	}
	var out strings.Builder
	printReport(&out, rep, "samples", "test", nil)
	if !strings.Contains(out.String(), "corrupt 0") {
		t.Errorf("report: %s", out.String())
	}
}

// TestVerifiedCountsOnce: the same new answer checked by many callers at
// once is one distinct answer, not one per caller.
func TestVerifiedCountsOnce(t *testing.T) {
	h := nativeHook(t)
	c := samples(t)[0]
	ck, err := newChecker(c.Call)
	if err != nil {
		t.Fatal(err)
	}
	answer := h.Process(context.Background(), c.Call).Response
	v := &verified{seen: map[[32]byte]string{}, per: map[int]int{}, keep: map[int][][]byte{}}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := v.check(0, body{name: c.Name, call: c.Call, ck: ck}, answer); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if v.per[0] != 1 || len(v.keep[0]) != 1 {
		t.Errorf("one answer counted %d times (%d kept)", v.per[0], len(v.keep[0]))
	}
}
