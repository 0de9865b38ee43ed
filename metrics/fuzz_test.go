package metrics

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// FuzzObserve feeds arbitrary label values and numbers to every recorder of
// one long-lived instance: nothing may panic, every scrape must parse
// strictly, and the label-capped families must stay within their caps.
func FuzzObserve(f *testing.F) {
	f.Add("anthropic", "claude-x", "modify", "json", 1000, 250, int64(time.Millisecond))
	f.Add("", "", "", "", -1, -5, int64(-1))
	f.Add("a\xff\xfe", "line\nbreak\"}", "other", "unknown", 0, 1<<40, int64(1<<62))
	f.Add("\x00", "{le=\"+Inf\"}", "timeout", "duplicate", 3, 3, int64(0))
	cfg := testConfig()
	cfg.MaxModels = 3
	cfg.MaxProviders = 2
	m, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, provider, mdl, outcome, kind string, before, after int, dur int64) {
		m.ObserveCall(Call{Provider: provider, Model: mdl, Outcome: outcome, Duration: time.Duration(dur),
			TokensBefore: before, TokensAfter: after, BytesIn: before, BytesOut: after, Kinds: []string{kind, outcome}})
		m.AccessDenied(kind)
		m.WorkerRestart(outcome)
		m.PoolWait(time.Duration(dur))

		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != 200 {
			t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
		p := expfmt.NewTextParser(model.LegacyValidation)
		fams, err := p.TextToMetricFamilies(rec.Body)
		if err != nil {
			t.Fatalf("scrape does not parse: %v", err)
		}
		limits := map[string]int{
			"headroom_requests_by_model":         cfg.MaxModels + 2, // + other, unknown
			"headroom_requests_by_provider":      cfg.MaxProviders + 2,
			"tsheadroom_requests_by_outcome":     len(testOutcomes) + 1,
			"tsheadroom_blocks_compressed_total": len(testKinds) + 1,
			"tsheadroom_access_denied_total":     len(testEndpoints) + 1,
			"tsheadroom_worker_restarts_total":   len(DefaultRestartReasons()) + 1,
		}
		for name, limit := range limits {
			if n := len(fams[name].GetMetric()); n > limit {
				t.Fatalf("%s has %d series, cap %d", name, n, limit)
			}
		}
		for _, name := range []string{"headroom_tokens_saved_total", "headroom_overhead_ms_min", "tsheadroom_bytes_out_total"} {
			mf := fams[name]
			if mf == nil || len(mf.GetMetric()) != 1 {
				t.Fatalf("%s missing", name)
			}
			v := mf.GetMetric()[0]
			if val := v.GetCounter().GetValue() + v.GetGauge().GetValue(); val < 0 {
				t.Fatalf("%s went negative: %v", name, val)
			}
		}
	})
}
