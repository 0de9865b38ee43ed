package metrics

import (
	"fmt"
	"slices"
	"testing"
)

// modelSeries scrapes m and returns the model label values with their
// counts, the number of series and the family's sum, checking on the way
// that the scrape parses and stays within the cap.
func modelSeries(t *testing.T, m *Metrics, limit int) (map[string]float64, float64) {
	t.Helper()
	s := doScrape(t, m.Handler(), "")
	got := map[string]float64{}
	var sum float64
	for _, mm := range s.fams["headroom_requests_by_model"].GetMetric() {
		for _, l := range mm.GetLabel() {
			if l.GetName() == "model" {
				got[l.GetValue()] = mm.GetCounter().GetValue()
			}
		}
		sum += mm.GetCounter().GetValue()
	}
	if len(got) > limit {
		t.Fatalf("%d model series, cap %d: %v", len(got), limit, got)
	}
	return got, sum
}

// TestLabelsJunkCannotEvictReal is the regression for junk model names
// holding every series until restart: 50 junk names take the free series,
// then three real models keep coming among a stream of new junk names. The
// real ones get their own series within one window and count every call
// after it; the family never has more than the cap (plus other) and its sum
// is every call, at every scrape.
func TestLabelsJunkCannotEvictReal(t *testing.T) {
	cfg := testConfig()
	cfg.LabelWindow = 200
	m := mustNew(t, cfg)
	calls := 0
	observe := func(model string) {
		m.ObserveCall(Call{Provider: "anthropic", Model: model, Outcome: "noop"})
		calls++
	}
	for i := range DefaultMaxModels {
		observe(fmt.Sprintf("junk-%d", i))
	}
	real := []string{"claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro"}
	const rounds = 1000
	for i := range rounds {
		for _, r := range real {
			observe(r)
		}
		observe(fmt.Sprintf("junk-new-%d", i))
		observe(fmt.Sprintf("junk-newer-%d", i))
		if i%100 == 0 {
			if _, sum := modelSeries(t, m, DefaultMaxModels+1); sum != float64(calls) {
				t.Fatalf("after %d calls the family sums to %v", calls, sum)
			}
		}
	}
	got, sum := modelSeries(t, m, DefaultMaxModels+1)
	if sum != float64(calls) {
		t.Errorf("family sums to %v, want %d calls", sum, calls)
	}
	for _, r := range real {
		// At most the first window's calls (200 calls, 5 per round) went to
		// other before r got its series.
		if got[r] < float64(rounds-cfg.LabelWindow/5) {
			t.Errorf("%s counted %v of %d calls in its own series: %v", r, got[r], rounds, got)
		}
	}
	for v := range got {
		if v != Other && !slices.Contains(real, v) && !(len(v) > 5 && v[:5] == "junk-") {
			t.Errorf("unexpected series %q", v)
		}
	}
}

// TestLabelsRealSurviveFlood: models that hold their series keep them
// through a flood of 20,000 names sent once each (none is ever counted
// twice, so none may take a series), even while the real ones come rarely,
// and their counts are never moved to other.
func TestLabelsRealSurviveFlood(t *testing.T) {
	cfg := testConfig()
	cfg.MaxModels = 3
	cfg.LabelWindow = 100
	m := mustNew(t, cfg)
	real := []string{"a", "b", "c"}
	for range 10 {
		for _, r := range real {
			m.ObserveCall(Call{Model: r, Outcome: "noop"})
		}
	}
	for i := range 20000 {
		m.ObserveCall(Call{Model: fmt.Sprintf("flood-%d\xff\n", i), Outcome: "noop"})
		if i%1000 == 0 {
			m.ObserveCall(Call{Model: real[i/1000%3], Outcome: "noop"})
		}
	}
	got, sum := modelSeries(t, m, cfg.MaxModels+1)
	if want := map[string]float64{"a": 17, "b": 17, "c": 16, Other: 20000}; !mapsEqual(got, want) {
		t.Errorf("series %v, want %v", got, want)
	}
	if sum != 30+20000+20 {
		t.Errorf("family sums to %v", sum)
	}
}

// TestLabelsFrequentTakeOver: names that come often displace rarer ones
// that took the series first, whose counts move to other (the family's sum
// is unchanged); which names hold the series depends only on the calls, so
// two instances fed the same calls agree exactly.
func TestLabelsFrequentTakeOver(t *testing.T) {
	run := func() map[string]float64 {
		cfg := testConfig()
		cfg.MaxModels = 2
		cfg.LabelWindow = 50
		m := mustNew(t, cfg)
		m.ObserveCall(Call{Model: "early-1", Outcome: "noop"})
		m.ObserveCall(Call{Model: "early-2", Outcome: "noop"})
		for i := range 300 {
			m.ObserveCall(Call{Model: []string{"x", "y", "z"}[i%3], Outcome: "noop"})
			if i%7 == 0 {
				m.ObserveCall(Call{Model: "y", Outcome: "noop"})
			}
		}
		got, sum := modelSeries(t, m, cfg.MaxModels+1)
		if sum != 302+43 {
			t.Errorf("family sums to %v", sum)
		}
		return got
	}
	got := run()
	if _, ok := got["early-1"]; ok {
		t.Errorf("a name seen once still holds a series: %v", got)
	}
	if got["y"] == 0 || len(got) != 3 {
		t.Errorf("the most frequent name has no series: %v", got)
	}
	if again := run(); !mapsEqual(got, again) {
		t.Errorf("same calls, different series: %v then %v", got, again)
	}
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
