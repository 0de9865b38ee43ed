package hook

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// BenchmarkHook measures the whole hook handler (read, parse, extract,
// compress with the native engine, splice, reply) per corpus case. Its
// sibling BenchmarkJSONBaseline decodes and re-encodes the same call with
// encoding/json: the physical floor of any hook that looks at the body.
// BenchmarkHook runs with the engine's result cache, as a call on a later
// turn does; BenchmarkHookFirstSight without it, as for content the service
// has never seen.
// Compare with: go test -bench 'Hook|JSONBaseline' -run '^$' ./hook/
func BenchmarkHook(b *testing.B)           { benchmarkHook(b, compress.NativeConfig{}) }
func BenchmarkHookFirstSight(b *testing.B) { benchmarkHook(b, compress.NativeConfig{CacheEntries: -1}) }

func benchmarkHook(b *testing.B, cfg compress.NativeConfig) {
	eng, err := compress.NewNative(cfg)
	if err != nil {
		b.Fatal(err)
	}
	h := newTestHook(b, eng)
	for _, c := range corpus.Load(b) {
		b.Run(c.Name, func(b *testing.B) {
			b.SetBytes(int64(len(c.Call)))
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("POST", "/", bytes.NewReader(c.Call)))
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

func BenchmarkJSONBaseline(b *testing.B) {
	for _, c := range corpus.Load(b) {
		b.Run(c.Name, func(b *testing.B) {
			b.SetBytes(int64(len(c.Call)))
			b.ReportAllocs()
			for b.Loop() {
				var v any
				if err := json.Unmarshal(c.Call, &v); err != nil {
					b.Fatal(err)
				}
				if _, err := json.Marshal(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
