package metrics

import (
	"fmt"
	"io"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkObserveCall measures the per-hook-call recording cost, from many
// goroutines at once as the hook calls it.
func BenchmarkObserveCall(b *testing.B) {
	m := mustNew(b, testConfig())
	call := Call{Provider: "anthropic", Model: "claude-x", Outcome: "modify", Duration: 3 * time.Millisecond,
		TokensBefore: 1200, TokensAfter: 300, BytesIn: 9000, BytesOut: 2500, Kinds: []string{"json", "log"}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveCall(call)
		}
	})
}

// BenchmarkObserveCallManyModels is the same with model names past the cap,
// which take the "other" path.
func BenchmarkObserveCallManyModels(b *testing.B) {
	m := mustNew(b, testConfig())
	models := make([]string, 200)
	for i := range models {
		models[i] = fmt.Sprintf("model-%d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.ObserveCall(Call{Provider: "openai", Model: models[i%len(models)], Outcome: "noop"})
		i++
	}
}

// BenchmarkScrape measures one full /metrics answer with every family
// populated, Go and process collectors included.
func BenchmarkScrape(b *testing.B) {
	h := populated(b).Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != 200 {
			b.Fatalf("HTTP %d", rec.Code)
		}
		io.Copy(io.Discard, rec.Body)
	}
}
