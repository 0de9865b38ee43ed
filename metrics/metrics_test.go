package metrics

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// docFamilies is every family the README's Metrics section lists, with its
// type as exposed (histograms by their base name).
var docFamilies = map[string]dto.MetricType{
	"headroom_requests_total":                   dto.MetricType_COUNTER,
	"headroom_requests_failed_total":            dto.MetricType_COUNTER,
	"headroom_tokens_input_total":               dto.MetricType_COUNTER,
	"headroom_tokens_saved_total":               dto.MetricType_COUNTER,
	"headroom_overhead_ms_sum":                  dto.MetricType_COUNTER,
	"headroom_overhead_ms_count":                dto.MetricType_COUNTER,
	"headroom_overhead_ms_min":                  dto.MetricType_GAUGE,
	"headroom_overhead_ms_max":                  dto.MetricType_GAUGE,
	"headroom_requests_by_provider":             dto.MetricType_COUNTER,
	"headroom_requests_by_model":                dto.MetricType_COUNTER,
	"headroom_inbound_requests_total":           dto.MetricType_COUNTER,
	"headroom_inbound_requests_completed_total": dto.MetricType_COUNTER,
	"headroom_inbound_requests_active":          dto.MetricType_GAUGE,
	"tsheadroom_pool_slots_total":               dto.MetricType_GAUGE,
	"tsheadroom_pool_slots_busy":                dto.MetricType_GAUGE,
	"tsheadroom_pool_waiting":                   dto.MetricType_GAUGE,
	"tsheadroom_pool_wait_seconds":              dto.MetricType_HISTOGRAM,
	"tsheadroom_requests_by_outcome":            dto.MetricType_COUNTER,
	"tsheadroom_hook_duration_seconds":          dto.MetricType_HISTOGRAM,
	"tsheadroom_tokens_after_total":             dto.MetricType_COUNTER,
	"tsheadroom_bytes_in_total":                 dto.MetricType_COUNTER,
	"tsheadroom_bytes_out_total":                dto.MetricType_COUNTER,
	"tsheadroom_blocks_compressed_total":        dto.MetricType_COUNTER,
	"tsheadroom_blocks_restored_total":          dto.MetricType_COUNTER,
	"tsheadroom_tokens_restored_total":          dto.MetricType_COUNTER,
	"tsheadroom_context_pressure_total":         dto.MetricType_COUNTER,
	"tsheadroom_affinity_hits_total":            dto.MetricType_COUNTER,
	"tsheadroom_affinity_spills_total":          dto.MetricType_COUNTER,
	"tsheadroom_cold_starts_total":              dto.MetricType_COUNTER,
	"tsheadroom_worker_restarts_total":          dto.MetricType_COUNTER,
	"tsheadroom_access_denied_total":            dto.MetricType_COUNTER,
	"tsheadroom_config_updates_total":           dto.MetricType_COUNTER,
	"tsheadroom_panics_total":                   dto.MetricType_COUNTER,
	"tsheadroom_build_info":                     dto.MetricType_GAUGE,
	"tsheadroom_cache_entries":                  dto.MetricType_GAUGE,
	"tsheadroom_cache_bytes":                    dto.MetricType_GAUGE,
	"tsheadroom_cache_hits_total":               dto.MetricType_COUNTER,
	"tsheadroom_cache_misses_total":             dto.MetricType_COUNTER,
	"tsheadroom_cache_evictions_total":          dto.MetricType_COUNTER,
}

// ownFamilies returns the names of the scraped families that are not from
// the Go or process collectors.
func ownFamilies(s scrape) []string {
	var out []string
	for name := range s.fams {
		if !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// The worker pool (package workers) reports through this interface; it is
// restated here because metrics must not import workers.
var _ interface {
	PoolWait(d time.Duration)
	AffinityHit()
	AffinitySpill()
	ColdStart()
	WorkerRestart(reason string)
} = (*Metrics)(nil)

func TestNewRejectsBadConfig(t *testing.T) {
	good := func() Config { return testConfig() }
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no version", func(c *Config) { c.Version = "" }, "missing Version"},
		{"no engine", func(c *Config) { c.Engine = "" }, "missing Engine"},
		{"no outcomes", func(c *Config) { c.Outcomes = nil }, "Outcomes is empty"},
		{"no kinds", func(c *Config) { c.Kinds = nil }, "Kinds is empty"},
		{"no endpoints", func(c *Config) { c.Endpoints = nil }, "Endpoints is empty"},
		{"no restore reasons", func(c *Config) { c.RestoreReasons = nil }, "RestoreReasons is empty"},
		{"duplicate outcome", func(c *Config) { c.Outcomes = []string{"modify", "modify"} }, `"modify" twice`},
		{"empty kind", func(c *Config) { c.Kinds = []string{"json", ""} }, "empty value"},
		{"reserved other", func(c *Config) { c.Endpoints = []string{"hook", Other} }, "reserved"},
		{"invalid utf8", func(c *Config) { c.Kinds = []string{"js\xffon"} }, "not valid UTF-8"},
		{"empty restart set", func(c *Config) { c.RestartReasons = []string{} }, "RestartReasons is empty"},
		{"failed not in outcomes", func(c *Config) { c.FailedOutcomes = []string{"explode"} }, `"explode" is not one of Outcomes`},
		{"negative model cap", func(c *Config) { c.MaxModels = -1 }, "MaxModels -1 is negative"},
		{"negative provider cap", func(c *Config) { c.MaxProviders = -3 }, "MaxProviders -3 is negative"},
		{"negative label window", func(c *Config) { c.LabelWindow = -1 }, "LabelWindow -1 is negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.mutate(&cfg)
			m, err := New(cfg)
			if err == nil {
				t.Fatalf("New accepted the config (got %p)", m)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "metrics config: ") {
				t.Fatalf("error %q does not say %q with context", err, tc.want)
			}
		})
	}
	if _, err := New(good()); err != nil {
		t.Fatalf("good config rejected: %v", err)
	}
}

// Two instances must not share state: each has its own registry.
func TestInstancesAreIndependent(t *testing.T) {
	a := mustNew(t, testConfig())
	b := mustNew(t, testConfig())
	a.ObserveCall(Call{Outcome: "noop"})
	doScrape(t, a.Handler(), "").expect(t, 1, "headroom_requests_total")
	doScrape(t, b.Handler(), "").expect(t, 0, "headroom_requests_total")
	if a.reg == b.reg {
		t.Fatal("instances share a registry")
	}
}

func TestFreshScrape(t *testing.T) {
	pool := &fakePool{}
	pool.set(PoolStats{Total: 4, Busy: 1})
	m := watched(t, pool, &fakeCache{}, nil)
	s := doScrape(t, m.Handler(), "")

	// Every family is there from the start, except the two whose label
	// values are only known once calls arrive.
	for name, typ := range docFamilies {
		if name == "headroom_requests_by_provider" || name == "headroom_requests_by_model" {
			if _, ok := s.fams[name]; ok {
				t.Errorf("%s has series before any call", name)
			}
			continue
		}
		s.family(t, name, typ)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
		if _, ok := s.fams[name]; !ok {
			t.Errorf("standard collector family %s missing", name)
		}
	}

	for _, name := range []string{"headroom_requests_total", "headroom_requests_failed_total", "headroom_tokens_input_total",
		"headroom_tokens_saved_total", "headroom_overhead_ms_sum", "headroom_overhead_ms_count", "headroom_overhead_ms_min",
		"headroom_overhead_ms_max", "headroom_inbound_requests_active", "tsheadroom_config_updates_total", "tsheadroom_panics_total",
		"tsheadroom_tokens_restored_total", "tsheadroom_context_pressure_total"} {
		s.expect(t, 0, name)
	}
	// Closed sets are pre-created at zero, so rate() works from the first
	// scrape; "other" only appears when something falls outside the set.
	if got := s.labelValues("tsheadroom_requests_by_outcome", "outcome"); !slices.Equal(got, sorted(testOutcomes)) {
		t.Errorf("outcome values %v, want %v", got, sorted(testOutcomes))
	}
	if got := s.labelValues("tsheadroom_blocks_compressed_total", "kind"); !slices.Equal(got, sorted(testKinds)) {
		t.Errorf("kind values %v, want %v", got, sorted(testKinds))
	}
	if got := s.labelValues("tsheadroom_blocks_restored_total", "reason"); !slices.Equal(got, sorted(testReasons)) {
		t.Errorf("restore reason values %v, want %v", got, sorted(testReasons))
	}
	if got := s.labelValues("tsheadroom_access_denied_total", "endpoint"); !slices.Equal(got, sorted(testEndpoints)) {
		t.Errorf("endpoint values %v, want %v", got, sorted(testEndpoints))
	}
	if got := s.labelValues("tsheadroom_worker_restarts_total", "reason"); !slices.Equal(got, []string{"crash", "protocol", "timeout"}) {
		t.Errorf("reason values %v", got)
	}
	s.expect(t, 4, "tsheadroom_pool_slots_total")
	s.expect(t, 1, "tsheadroom_pool_slots_busy")
	s.expect(t, 0, "tsheadroom_pool_waiting")
	for _, name := range []string{"tsheadroom_cache_entries", "tsheadroom_cache_bytes", "tsheadroom_cache_hits_total",
		"tsheadroom_cache_misses_total", "tsheadroom_cache_evictions_total"} {
		s.expect(t, 0, name)
	}
	s.expect(t, 1, "tsheadroom_build_info", "engine=headroom", "headroom_version=", "version=1.2.3")
	if h := s.series(t, "tsheadroom_hook_duration_seconds", "outcome=modify").GetHistogram(); h.GetSampleCount() != 0 || len(h.GetBucket()) != len(hookDurationBuckets)+1 {
		t.Errorf("fresh modify histogram: count %d, %d buckets", h.GetSampleCount(), len(h.GetBucket()))
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// TestExactValues drives every recording method and checks each family's
// exact values in a real scrape.
func TestExactValues(t *testing.T) {
	pool := &fakePool{}
	pool.set(PoolStats{Total: 4, Busy: 1})
	cache := &fakeCache{}
	hv := &fakeVersion{}
	m := watched(t, pool, cache, hv)

	calls := []Call{
		{Provider: "anthropic", Model: "claude-x", Outcome: "modify", Duration: 2 * time.Millisecond,
			TokensBefore: 1000, TokensAfter: 250, BytesIn: 8000, BytesOut: 2500, Kinds: []string{"json", "log", "json"},
			Restores: []string{"terms", "whole"}, RestoredTokens: 120, Pressured: true},
		{Provider: "openai", Model: "gpt-y", Outcome: "noop", Duration: 500 * time.Microsecond,
			TokensBefore: 300, TokensAfter: 300, BytesIn: 1200, BytesOut: 1200},
		{Provider: "anthropic", Model: "claude-x", Outcome: "error", Duration: 40 * time.Millisecond,
			TokensBefore: 700, TokensAfter: 700, BytesIn: 5000, BytesOut: 5000},
		{Outcome: "timeout", Duration: 1500 * time.Millisecond, BytesIn: 100, BytesOut: 100},
		// An outcome and a kind outside their sets; the outcome is not
		// counted as failed.
		{Provider: "bedrock", Model: "claude-x", Outcome: "weird", Duration: 3 * time.Millisecond,
			TokensBefore: 10, TokensAfter: 4, BytesIn: 50, BytesOut: 20, Kinds: []string{"bogus", "diff"},
			Restores: []string{"terms", "guessed"}, RestoredTokens: -3},
		// Nonsense numbers are clamped, never recorded as negative.
		{Provider: "anthropic", Model: "gpt-y", Outcome: "passthrough", Duration: -time.Second,
			TokensBefore: -5, TokensAfter: -9, BytesIn: -1, BytesOut: -1},
		// Compression that grew the request saves nothing.
		{Provider: "openai", Model: "gpt-y", Outcome: "modify", Duration: time.Millisecond,
			TokensBefore: 50, TokensAfter: 60, BytesIn: 400, BytesOut: 450, Kinds: []string{"table"}},
	}
	for _, c := range calls {
		m.ObserveCall(c)
	}
	d1 := m.InboundStarted()
	d2 := m.InboundStarted()
	m.InboundStarted()()
	d1()
	d1() // a second call must not count twice
	_ = d2
	m.AccessDenied("metrics")
	m.AccessDenied("metrics")
	m.AccessDenied("/etc/passwd")
	m.ConfigUpdated()
	m.ConfigUpdated()
	for _, d := range []time.Duration{0, 2 * time.Millisecond, 3 * time.Second, -time.Second} {
		m.PoolWait(d)
	}
	m.AffinityHit()
	m.AffinityHit()
	m.AffinityHit()
	m.AffinitySpill()
	m.ColdStart()
	m.ColdStart()
	m.WorkerRestart("crash")
	m.WorkerRestart("timeout")
	m.WorkerRestart("segfault")
	pool.set(PoolStats{Total: 4, Busy: 4, Waiting: 2})
	cache.set(CacheStats{Entries: 12, Bytes: 34567, Hits: 89, Misses: 21, Evictions: 3})
	hv.set("0.5.1")

	s := doScrape(t, m.Handler(), "")

	if got, want := ownFamilies(s), sortedKeys(docFamilies); !slices.Equal(got, want) {
		t.Fatalf("exposed families\n got %v\nwant %v", got, want)
	}
	for name, typ := range docFamilies {
		s.family(t, name, typ)
	}

	s.expect(t, 7, "headroom_requests_total")
	s.expect(t, 2, "headroom_requests_failed_total") // error + timeout
	s.expect(t, 2060, "headroom_tokens_input_total")
	s.expect(t, 756, "headroom_tokens_saved_total")
	s.expect(t, 1314, "tsheadroom_tokens_after_total")
	s.expect(t, 14750, "tsheadroom_bytes_in_total")
	s.expect(t, 9270, "tsheadroom_bytes_out_total")

	s.expect(t, 1546.5, "headroom_overhead_ms_sum")
	s.expect(t, 7, "headroom_overhead_ms_count")
	s.expect(t, 0, "headroom_overhead_ms_min")
	s.expect(t, 1500, "headroom_overhead_ms_max")

	s.expect(t, 3, "headroom_requests_by_provider", "provider=anthropic")
	s.expect(t, 2, "headroom_requests_by_provider", "provider=openai")
	s.expect(t, 1, "headroom_requests_by_provider", "provider=bedrock")
	s.expect(t, 1, "headroom_requests_by_provider", "provider=unknown")
	s.expect(t, 3, "headroom_requests_by_model", "model=claude-x")
	s.expect(t, 3, "headroom_requests_by_model", "model=gpt-y")
	s.expect(t, 1, "headroom_requests_by_model", "model=unknown")

	s.expect(t, 3, "headroom_inbound_requests_total")
	s.expect(t, 2, "headroom_inbound_requests_completed_total")
	s.expect(t, 1, "headroom_inbound_requests_active")

	wantOutcome := map[string]float64{"modify": 2, "noop": 1, "error": 1, "timeout": 1, "passthrough": 1, "other": 1}
	for _, o := range append(slices.Clone(testOutcomes), Other) {
		s.expect(t, wantOutcome[o], "tsheadroom_requests_by_outcome", "outcome="+o)
	}
	checkHist := func(name, label string, count uint64, sum float64, buckets string) {
		t.Helper()
		var h *dto.Histogram
		if label == "" {
			h = s.series(t, name).GetHistogram()
		} else {
			h = s.series(t, name, label).GetHistogram()
		}
		if h.GetSampleCount() != count || !near(h.GetSampleSum(), sum) {
			t.Errorf("%s{%s}: count %d sum %v, want %d %v", name, label, h.GetSampleCount(), h.GetSampleSum(), count, sum)
		}
		if got := bucketCounts(h); got != buckets {
			t.Errorf("%s{%s} buckets\n got %s\nwant %s", name, label, got, buckets)
		}
	}
	checkHist("tsheadroom_hook_duration_seconds", "outcome=modify", 2, 0.003,
		"0.0005:0 0.001:1 0.0025:2 0.005:2 0.01:2 0.025:2 0.05:2 0.1:2 0.25:2 0.5:2 1:2 2.5:2 5:2 10:2 30:2 +Inf:2")
	checkHist("tsheadroom_hook_duration_seconds", "outcome=timeout", 1, 1.5,
		"0.0005:0 0.001:0 0.0025:0 0.005:0 0.01:0 0.025:0 0.05:0 0.1:0 0.25:0 0.5:0 1:0 2.5:1 5:1 10:1 30:1 +Inf:1")
	checkHist("tsheadroom_hook_duration_seconds", "outcome=passthrough", 1, 0,
		"0.0005:1 0.001:1 0.0025:1 0.005:1 0.01:1 0.025:1 0.05:1 0.1:1 0.25:1 0.5:1 1:1 2.5:1 5:1 10:1 30:1 +Inf:1")
	checkHist("tsheadroom_hook_duration_seconds", "outcome=other", 1, 0.003,
		"0.0005:0 0.001:0 0.0025:0 0.005:1 0.01:1 0.025:1 0.05:1 0.1:1 0.25:1 0.5:1 1:1 2.5:1 5:1 10:1 30:1 +Inf:1")
	checkHist("tsheadroom_hook_duration_seconds", "outcome=decode_error", 0, 0,
		"0.0005:0 0.001:0 0.0025:0 0.005:0 0.01:0 0.025:0 0.05:0 0.1:0 0.25:0 0.5:0 1:0 2.5:0 5:0 10:0 30:0 +Inf:0")
	checkHist("tsheadroom_pool_wait_seconds", "", 4, 3.002,
		"0.0001:2 0.0005:2 0.001:2 0.005:3 0.01:3 0.05:3 0.1:3 0.25:3 0.5:3 1:3 2.5:3 5:4 10:4 +Inf:4")

	wantKind := map[string]float64{"json": 2, "log": 1, "diff": 1, "table": 1, "other": 1}
	for _, k := range append(slices.Clone(testKinds), Other) {
		s.expect(t, wantKind[k], "tsheadroom_blocks_compressed_total", "kind="+k)
	}
	wantReason := map[string]float64{"terms": 2, "whole": 1, "other": 1}
	for _, r := range append(slices.Clone(testReasons), Other) {
		s.expect(t, wantReason[r], "tsheadroom_blocks_restored_total", "reason="+r)
	}
	s.expect(t, 120, "tsheadroom_tokens_restored_total")
	s.expect(t, 1, "tsheadroom_context_pressure_total")
	s.expect(t, 3, "tsheadroom_affinity_hits_total")
	s.expect(t, 1, "tsheadroom_affinity_spills_total")
	s.expect(t, 2, "tsheadroom_cold_starts_total")
	for reason, want := range map[string]float64{"crash": 1, "timeout": 1, "protocol": 0, "other": 1} {
		s.expect(t, want, "tsheadroom_worker_restarts_total", "reason="+reason)
	}
	wantDenied := map[string]float64{"metrics": 2, "other": 1}
	for _, e := range append(slices.Clone(testEndpoints), Other) {
		s.expect(t, wantDenied[e], "tsheadroom_access_denied_total", "endpoint="+e)
	}
	s.expect(t, 2, "tsheadroom_config_updates_total")

	// Pool gauges, cache counters and build info are read live at scrape
	// time.
	s.expect(t, 4, "tsheadroom_pool_slots_total")
	s.expect(t, 4, "tsheadroom_pool_slots_busy")
	s.expect(t, 2, "tsheadroom_pool_waiting")
	s.expect(t, 12, "tsheadroom_cache_entries")
	s.expect(t, 34567, "tsheadroom_cache_bytes")
	s.expect(t, 89, "tsheadroom_cache_hits_total")
	s.expect(t, 21, "tsheadroom_cache_misses_total")
	s.expect(t, 3, "tsheadroom_cache_evictions_total")
	if n := len(s.fams["tsheadroom_build_info"].GetMetric()); n != 1 {
		t.Errorf("build_info has %d series, want 1", n)
	}
	s.expect(t, 1, "tsheadroom_build_info", "engine=headroom", "headroom_version=0.5.1", "version=1.2.3")

	pool.set(PoolStats{Total: 8})
	cache.set(CacheStats{Entries: 13, Hits: 90})
	hv.set("0.6.0")
	s2 := doScrape(t, m.Handler(), "")
	s2.expect(t, 8, "tsheadroom_pool_slots_total")
	s2.expect(t, 90, "tsheadroom_cache_hits_total")
	s2.expect(t, 0, "tsheadroom_pool_slots_busy")
	s2.expect(t, 1, "tsheadroom_build_info", "engine=headroom", "headroom_version=0.6.0", "version=1.2.3")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestFailedOutcomesOverride(t *testing.T) {
	cfg := testConfig()
	cfg.FailedOutcomes = []string{"overload"}
	m := mustNew(t, cfg)
	for _, o := range testOutcomes {
		m.ObserveCall(Call{Outcome: o})
	}
	doScrape(t, m.Handler(), "").expect(t, 1, "headroom_requests_failed_total")

	// The default counts exactly the fail-open outcomes.
	m = mustNew(t, testConfig())
	for _, o := range testOutcomes {
		m.ObserveCall(Call{Outcome: o})
	}
	doScrape(t, m.Handler(), "").expect(t, float64(len(DefaultFailedOutcomes())), "headroom_requests_failed_total")

	// With an outcome set lacking some defaults, only the present ones count.
	cfg = testConfig()
	cfg.Outcomes = []string{"modify", "noop", "error"}
	m = mustNew(t, cfg)
	for _, o := range testOutcomes {
		m.ObserveCall(Call{Outcome: o})
	}
	s := doScrape(t, m.Handler(), "")
	s.expect(t, 1, "headroom_requests_failed_total")
	s.expect(t, float64(len(testOutcomes)-3), "tsheadroom_requests_by_outcome", "outcome=other")
}

func TestNilPoolOmitsPoolGauges(t *testing.T) {
	m := mustNew(t, testConfig())
	s := doScrape(t, m.Handler(), "")
	for _, name := range []string{"tsheadroom_pool_slots_total", "tsheadroom_pool_slots_busy", "tsheadroom_pool_waiting"} {
		if _, ok := s.fams[name]; ok {
			t.Errorf("%s exposed without a pool", name)
		}
	}
	s.expect(t, 1, "tsheadroom_build_info", "engine=headroom", "headroom_version=", "version=1.2.3")
	// The wait histogram is fed by PoolWait, not by the Pool func.
	s.family(t, "tsheadroom_pool_wait_seconds", dto.MetricType_HISTOGRAM)
}

// TestLabelCaps shows that model and provider label values stay bounded
// whatever the callers send, and that odd bytes never break the scrape.
func TestLabelCaps(t *testing.T) {
	cfg := testConfig()
	cfg.MaxModels = 2
	cfg.MaxProviders = 1
	m := mustNew(t, cfg)
	for _, model := range []string{"a", "b", "c", "a", "", "d", "b", Other} {
		m.ObserveCall(Call{Provider: "p" + model, Model: model, Outcome: "noop"})
	}
	// 1000 more distinct hostile names only ever add to "other".
	for i := range 1000 {
		m.ObserveCall(Call{Provider: fmt.Sprintf("evil-%d\xff", i), Model: fmt.Sprintf("m-%d\x00\n\"}", i), Outcome: "noop"})
	}
	s := doScrape(t, m.Handler(), "")
	if got := s.labelValues("headroom_requests_by_model", "model"); !slices.Equal(got, []string{"a", "b", "other", "unknown"}) {
		t.Fatalf("model values %q", got)
	}
	s.expect(t, 2, "headroom_requests_by_model", "model=a")
	s.expect(t, 2, "headroom_requests_by_model", "model=b")
	s.expect(t, 1, "headroom_requests_by_model", "model=unknown")
	s.expect(t, 1003, "headroom_requests_by_model", "model=other") // c, d, "other" itself, 1000 hostile
	if got := s.labelValues("headroom_requests_by_provider", "provider"); !slices.Equal(got, []string{"other", "pa"}) {
		t.Fatalf("provider values %q", got)
	}
	s.expect(t, 1006, "headroom_requests_by_provider", "provider=other") // pb, pc, p, pd, pb, pother, 1000 hostile
}

func TestLabelValueSanitized(t *testing.T) {
	m := mustNew(t, testConfig())
	long := strings.Repeat("é", 200) // 400 bytes
	m.ObserveCall(Call{Provider: "bad\xff\xfeutf8", Model: long, Outcome: "noop"})
	m.ObserveCall(Call{Provider: "line\nbreak\"quote\\", Outcome: "noop"})
	s := doScrape(t, m.Handler(), "")
	s.expect(t, 1, "headroom_requests_by_provider", "provider=bad\uFFFDutf8")
	s.expect(t, 1, "headroom_requests_by_provider", "provider=line\nbreak\"quote\\")
	got := s.labelValues("headroom_requests_by_model", "model")
	if len(got) != 2 || got[0] != Unknown {
		t.Fatalf("model values %q", got)
	}
	got = got[1:]
	if len(got[0]) > maxLabelLen || got[0] != strings.Repeat("é", maxLabelLen/2) {
		t.Fatalf("long model stored as %q (%d bytes)", got, len(got[0]))
	}
}

// TestExposedNamesSurviveNegotiation checks that whatever the scraper asks
// for, the label-only counters keep their names (OpenMetrics would add
// _total) and the quartet is not merged into a summary.
func TestExposedNamesSurviveNegotiation(t *testing.T) {
	m := mustNew(t, testConfig())
	m.ObserveCall(Call{Provider: "anthropic", Model: "claude-x", Outcome: "modify"})
	for _, accept := range []string{
		"",
		"text/plain",
		// What Prometheus 2.x sends.
		"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		"application/openmetrics-text; version=1.0.0",
	} {
		s := doScrape(t, m.Handler(), accept)
		if !strings.HasPrefix(s.contentType, "text/plain; version=0.0.4") {
			t.Errorf("Accept %q: Content-Type %q, want the classic text format", accept, s.contentType)
		}
		for _, want := range []string{
			"\nheadroom_requests_by_provider{provider=\"anthropic\"} 1\n",
			"\nheadroom_requests_by_model{model=\"claude-x\"} 1\n",
			"\ntsheadroom_requests_by_outcome{outcome=\"modify\"} 1\n",
			"\n# TYPE headroom_overhead_ms_sum counter\n",
			"\n# TYPE headroom_overhead_ms_min gauge\n",
		} {
			if !strings.Contains(s.raw, want) {
				t.Errorf("Accept %q: scrape lacks %q", accept, want)
			}
		}
		if strings.Contains(s.raw, "headroom_requests_by_provider_total") || strings.Contains(s.raw, "by_model_total") {
			t.Errorf("Accept %q: a _total suffix was added", accept)
		}
	}
}

// TestPedanticRegistry gathers through client_golang's pedantic registry,
// which checks every collected metric against its description.
func TestPedanticRegistry(t *testing.T) {
	pool := &fakePool{}
	pool.set(PoolStats{Total: 2, Busy: 1, Waiting: 3})
	hv := &fakeVersion{}
	hv.set("bad\xffversion")
	m, err := build(testConfig(), prometheus.NewPedanticRegistry())
	if err != nil {
		t.Fatal(err)
	}
	watch(t, m, pool, &fakeCache{}, hv)
	m.ObserveCall(Call{Provider: "x", Model: "y", Outcome: "zzz", Kinds: []string{"json", "nope"}, Duration: time.Millisecond})
	m.WorkerRestart("?")
	m.AccessDenied("?")
	if _, err := m.reg.Gather(); err != nil {
		t.Fatalf("pedantic gather: %v", err)
	}
}

// TestConcurrentRecording runs every recorder from many goroutines (run with
// -race) and checks that nothing is lost.
func TestConcurrentRecording(t *testing.T) {
	cfg := testConfig()
	cfg.MaxModels = 5
	m := mustNew(t, cfg)
	const workers, per = 8, 250
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				done := m.InboundStarted()
				m.ObserveCall(Call{
					Provider: "p", Model: fmt.Sprintf("m%d", (w*per+i)%9), Outcome: testOutcomes[i%len(testOutcomes)],
					Duration: time.Duration(i) * time.Microsecond, TokensBefore: 10, TokensAfter: 7, Kinds: []string{"log"},
				})
				m.PoolWait(time.Microsecond)
				m.AffinityHit()
				done()
			}
		}()
	}
	// Scrape while recording.
	for range 3 {
		doScrape(t, m.Handler(), "")
	}
	wg.Wait()
	s := doScrape(t, m.Handler(), "")
	const n = workers * per
	s.expect(t, n, "headroom_requests_total")
	s.expect(t, n, "headroom_inbound_requests_completed_total")
	s.expect(t, 0, "headroom_inbound_requests_active")
	s.expect(t, 3*n, "headroom_tokens_saved_total")
	s.expect(t, n, "tsheadroom_blocks_compressed_total", "kind=log")
	s.expect(t, n, "tsheadroom_affinity_hits_total")
	s.expect(t, n, "headroom_overhead_ms_count")
	s.expect(t, float64(per-1)/1000, "headroom_overhead_ms_max")
	if got := s.labelValues("headroom_requests_by_model", "model"); len(got) != 6 {
		t.Errorf("model values %q: want 5 admitted plus other", got)
	}
	var total float64
	for _, mm := range s.fams["headroom_requests_by_model"].GetMetric() {
		total += mm.GetCounter().GetValue()
	}
	if total != n {
		t.Errorf("by_model sums to %v, want %d", total, n)
	}
}

// TestWatch: the pool and cache families exist only once Watch names their
// source, build_info says no headroom version until then, and a second
// Watch is refused.
func TestWatch(t *testing.T) {
	m := mustNew(t, testConfig())
	s := doScrape(t, m.Handler(), "")
	for _, name := range []string{"tsheadroom_pool_slots_total", "tsheadroom_pool_slots_busy", "tsheadroom_pool_waiting",
		"tsheadroom_cache_entries", "tsheadroom_cache_hits_total"} {
		if _, ok := s.fams[name]; ok {
			t.Errorf("%s exposed without a source", name)
		}
	}
	s.expect(t, 1, "tsheadroom_build_info", "engine=headroom", "headroom_version=", "version=1.2.3")
	hv := &fakeVersion{}
	hv.set("0.7.0")
	watch(t, m, nil, &fakeCache{}, hv)
	s = doScrape(t, m.Handler(), "")
	if _, ok := s.fams["tsheadroom_pool_slots_total"]; ok {
		t.Error("pool gauges exposed without a pool")
	}
	s.expect(t, 0, "tsheadroom_cache_entries")
	s.expect(t, 1, "tsheadroom_build_info", "engine=headroom", "headroom_version=0.7.0", "version=1.2.3")
	if err := m.Watch(Sources{}); err == nil {
		t.Error("second Watch accepted")
	}
}

// TestNodeInfo: a replica's name and Services label tsheadroom_node_info,
// so a scrape that went through a Service name still says who answered;
// without a name the family is absent.
func TestNodeInfo(t *testing.T) {
	cfg := testConfig()
	cfg.Node, cfg.Services = "tsheadroom-2", []string{"svc:hook", "svc:hook-canary"}
	m := mustNew(t, cfg)
	watch(t, m, nil, nil, nil)
	s := doScrape(t, m.Handler(), "")
	s.family(t, "tsheadroom_node_info", dto.MetricType_GAUGE)
	s.expect(t, 1, "tsheadroom_node_info", "node=tsheadroom-2", "services=svc:hook,svc:hook-canary")

	plain := watched(t, nil, nil, nil)
	if _, ok := doScrape(t, plain.Handler(), "").fams["tsheadroom_node_info"]; ok {
		t.Error("tsheadroom_node_info without a node name")
	}
}
