package metrics

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/promtest"
)

// TestRealPrometheusScrape has a real Prometheus (Debian package) scrape
// Handler over loopback HTTP and reads the values back through its query
// API. The tailnet version of this test, through a bridge node holding the
// metrics role, lives with the service wiring (main_test.go).
func TestRealPrometheusScrape(t *testing.T) {
	pool := &fakePool{}
	pool.set(PoolStats{Total: 4, Busy: 1})
	hv := &fakeVersion{}
	hv.set("0.5.1")
	m := watched(t, pool, &fakeCache{}, hv)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	target := httptest.NewServer(mux)
	defer target.Close()

	call := Call{Provider: "anthropic", Model: "claude-x", Outcome: "modify", Duration: 4 * time.Millisecond,
		TokensBefore: 1000, TokensAfter: 250, BytesIn: 8000, BytesOut: 2000, Kinds: []string{"log"}}
	for range 3 {
		m.ObserveCall(call)
	}

	prom := promtest.Start(t, promtest.Config{Targets: []string{target.Listener.Addr().String()}})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	eq := func(want float64) func(float64) bool { return func(v float64) bool { return v == want } }

	if _, err := prom.WaitFor(ctx, `headroom_requests_total{job="tsheadroom"}`, eq(3)); err != nil {
		t.Fatal(err)
	}
	if _, err := prom.WaitFor(ctx, `tsheadroom_pool_slots_total{job="tsheadroom"}`, eq(4)); err != nil {
		t.Fatal(err)
	}
	// Names survive the real scrape unchanged (no _total added).
	for expr, want := range map[string]float64{
		`headroom_requests_by_provider{provider="anthropic"}`:                               3,
		`headroom_requests_by_model{model="claude-x"}`:                                      3,
		`tsheadroom_requests_by_outcome{outcome="modify"}`:                                  3,
		`headroom_overhead_ms_count`:                                                        3,
		`headroom_overhead_ms_max`:                                                          4,
		`tsheadroom_hook_duration_seconds_count{outcome="modify"}`:                          3,
		`tsheadroom_blocks_compressed_total{kind="log"}`:                                    3,
		`tsheadroom_build_info{engine="headroom",headroom_version="0.5.1",version="1.2.3"}`: 1,
		`tsheadroom_pool_slots_busy`:                                                        1,
	} {
		if v, err := prom.Query(ctx, expr); err != nil || v != want {
			t.Errorf("%s = %v, %v; want %v", expr, v, err, want)
		}
	}

	// A second batch, so rates have two points to work from, and a pool
	// change that Prometheus must see at its next scrape.
	for range 3 {
		m.ObserveCall(call)
	}
	pool.set(PoolStats{Total: 4, Busy: 2, Waiting: 1})
	if _, err := prom.WaitFor(ctx, `headroom_requests_total`, eq(6)); err != nil {
		t.Fatal(err)
	}
	if _, err := prom.WaitFor(ctx, `tsheadroom_pool_slots_busy`, eq(2)); err != nil {
		t.Fatal(err)
	}

	// Every dashboard query is valid PromQL to the real server, and the
	// headline panels compute what the calls imply: each call saved 75% of
	// its tokens, and 2 of 4 slots are busy.
	grafana := strings.NewReplacer("$__rate_interval", "1m", "$__range", "5m", "$instance", ".*")
	headline := map[string]float64{
		"Savings rate":           0.75,
		"Savings rate over time": 0.75,
		"Pool saturation":        0.5,
		"Failed open":            0,
	}
	d := loadDashboard(t)
	checked := 0
	seen := map[string]bool{}
	for _, p := range d.allPanels() {
		for _, tg := range p.Targets {
			expr := grafana.Replace(tg.Expr)
			samples, err := prom.QuerySamples(ctx, expr)
			if err != nil {
				t.Errorf("panel %q: Prometheus rejects %s: %v", p.Title, expr, err)
				continue
			}
			checked++
			if want, ok := headline[p.Title]; ok {
				seen[p.Title] = true
				if len(samples) != 1 || math.Abs(samples[0].Value-want) > 1e-9 {
					t.Errorf("panel %q: %s = %+v, want %v", p.Title, expr, samples, want)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d dashboard queries checked", checked)
	}
	for title := range headline {
		if !seen[title] {
			t.Errorf("dashboard has no panel %q", title)
		}
	}
}
