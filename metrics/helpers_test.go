package metrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The closed sets the hook and compress packages use, restated here because
// metrics must not import them.
var (
	testOutcomes  = []string{"modify", "noop", "passthrough", "error", "read_error", "decode_error", "reject_encoding", "timeout", "overload", "too_large"}
	testKinds     = []string{"json", "log", "search", "listing", "diff", "table", "html", "duplicate"}
	testEndpoints = []string{"hook", "metrics", "config", "healthz", "readyz"}
	testReasons   = []string{"terms", "quote", "whole"}
)

// live is a value the test changes while the collectors read it at every
// scrape: a pool's occupancy, a cache's counters, a headroom version.
type live[T any] struct {
	mu sync.Mutex
	v  T
}

func (l *live[T]) set(v T) { l.mu.Lock(); l.v = v; l.mu.Unlock() }
func (l *live[T]) get() T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.v
}

type (
	fakePool    = live[PoolStats]
	fakeCache   = live[CacheStats]
	fakeVersion = live[string]
)

func testConfig() Config {
	return Config{
		Version:        "1.2.3",
		Engine:         "headroom",
		Outcomes:       testOutcomes,
		Kinds:          testKinds,
		RestoreReasons: testReasons,
		Endpoints:      testEndpoints,
	}
}

func mustNew(t testing.TB, cfg Config) *Metrics {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// watched is mustNew(testConfig()) watching the given fakes (nil ones are
// left out).
func watched(t testing.TB, pool *fakePool, cache *fakeCache, hv *fakeVersion) *Metrics {
	t.Helper()
	m := mustNew(t, testConfig())
	watch(t, m, pool, cache, hv)
	return m
}

func watch(t testing.TB, m *Metrics, pool *fakePool, cache *fakeCache, hv *fakeVersion) {
	t.Helper()
	var s Sources
	if pool != nil {
		s.Pool = pool.get
	}
	if cache != nil {
		s.Cache = cache.get
	}
	if hv != nil {
		s.HeadroomVersion = hv.get
	}
	if err := m.Watch(s); err != nil {
		t.Fatal(err)
	}
}

// scrape is one real GET of Handler, returned raw and parsed.
type scrape struct {
	raw         string
	contentType string
	fams        map[string]*dto.MetricFamily
}

// doScrape GETs /metrics from h with the given Accept header ("" for none)
// and parses the answer with expfmt's text parser, strictly (legacy names).
func doScrape(t testing.TB, h http.Handler, accept string) scrape {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read scrape: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: HTTP %d: %s", resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse scrape: %v\n%s", err, body)
	}
	return scrape{raw: string(body), contentType: resp.Header.Get("Content-Type"), fams: fams}
}

// family returns the named family and checks its type.
func (s scrape) family(t testing.TB, name string, typ dto.MetricType) *dto.MetricFamily {
	t.Helper()
	f, ok := s.fams[name]
	if !ok {
		t.Fatalf("family %s missing from scrape", name)
	}
	if f.GetType() != typ {
		t.Fatalf("family %s has type %v, want %v", name, f.GetType(), typ)
	}
	return f
}

// series returns the one series of family name whose labels are exactly
// labels ("k=v" pairs), failing when there is none.
func (s scrape) series(t testing.TB, name string, labels ...string) *dto.Metric {
	t.Helper()
	f, ok := s.fams[name]
	if !ok {
		t.Fatalf("family %s missing from scrape", name)
	}
	want := strings.Join(labels, ",")
	for _, m := range f.GetMetric() {
		if labelString(m) == want {
			return m
		}
	}
	var have []string
	for _, m := range f.GetMetric() {
		have = append(have, "{"+labelString(m)+"}")
	}
	t.Fatalf("%s{%s} missing; have %v", name, want, have)
	return nil
}

// value returns the value of a counter or gauge series.
func (s scrape) value(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	m := s.series(t, name, labels...)
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	}
	t.Fatalf("%s{%v} is neither counter nor gauge", name, labels)
	return 0
}

func (s scrape) expect(t testing.TB, want float64, name string, labels ...string) {
	t.Helper()
	if got := s.value(t, name, labels...); !near(got, want) {
		t.Errorf("%s{%s} = %v, want %v", name, strings.Join(labels, ","), got, want)
	}
}

// labelValues lists the values of label across family name, sorted.
func (s scrape) labelValues(name, label string) []string {
	var out []string
	for _, m := range s.fams[name].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label {
				out = append(out, lp.GetValue())
			}
		}
	}
	sort.Strings(out)
	return out
}

func labelString(m *dto.Metric) string {
	var parts []string
	for _, lp := range m.GetLabel() {
		parts = append(parts, lp.GetName()+"="+lp.GetValue())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// bucketCounts renders a histogram's cumulative buckets as "le:count".
func bucketCounts(h *dto.Histogram) string {
	var parts []string
	for _, b := range h.GetBucket() {
		parts = append(parts, fmt.Sprintf("%g:%d", b.GetUpperBound(), b.GetCumulativeCount()))
	}
	return strings.Join(parts, " ")
}
