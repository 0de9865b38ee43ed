package metrics_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/tsheadroom/tsheadroom/metrics"
)

// A service builds one Metrics from its closed label sets, hands it to the
// hook and the pool, lets it watch the pool once that exists, and mounts
// Handler where only the metrics role reaches.
func Example() {
	m, err := metrics.New(metrics.Config{
		Version:        "1.0.0",
		Engine:         "native",
		Outcomes:       []string{"modify", "noop", "error"},
		Kinds:          []string{"json", "log"},
		RestoreReasons: []string{"terms", "quote", "whole"},
		Endpoints:      []string{"hook", "metrics"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Watch(metrics.Sources{Pool: func() metrics.PoolStats { return metrics.PoolStats{Total: 2, Busy: 1} }}); err != nil {
		fmt.Println(err)
		return
	}
	done := m.InboundStarted()
	m.ObserveCall(metrics.Call{Provider: "anthropic", Model: "claude-x", Outcome: "modify",
		Duration: 2 * time.Millisecond, TokensBefore: 1000, TokensAfter: 300, Kinds: []string{"log"}})
	done()

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		for _, p := range []string{"headroom_requests_total ", "headroom_tokens_saved_total ", "headroom_requests_by_model{",
			"headroom_overhead_ms_max ", "tsheadroom_pool_slots_", "tsheadroom_blocks_compressed_total{kind=\"log\"}"} {
			if strings.HasPrefix(line, p) {
				fmt.Println(line)
			}
		}
	}
	// Output:
	// headroom_overhead_ms_max 2
	// headroom_requests_by_model{model="claude-x"} 1
	// headroom_requests_total 1
	// headroom_tokens_saved_total 700
	// tsheadroom_blocks_compressed_total{kind="log"} 1
	// tsheadroom_pool_slots_busy 1
	// tsheadroom_pool_slots_total 2
}
