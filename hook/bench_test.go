package hook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
	"github.com/tsheadroom/tsheadroom/internal/cputime"
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
	eng := newNative(b, cfg)
	h := newTestHook(b, eng)
	for _, c := range corpus.Load(b) {
		b.Run(c.Name, func(b *testing.B) {
			b.SetBytes(int64(len(c.Call)))
			b.ReportAllocs()
			for b.Loop() {
				if cfg.CacheEntries < 0 {
					texts.clear() // first sight for the hook's memos too
					quotes.clear()
				}
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

// BenchmarkHookFloor puts the hook's cost beside the floor, per corpus
// case: the process CPU time of one call (GC and the pool's goroutines
// included; a machine shared with other work skews it much less than wall
// time) over that of encoding/json decoding and re-encoding the same call.
// Each case runs with an exact OpenAI tokenizer (the model set to gpt-4o)
// and with the estimate (claude-sonnet-4-5), each on first sight (result
// cache off) and cached (the same call again, every block a hit). It
// reports cpu-ms/op, x-floor and allocs/op per run, and at the end a
// summary per tokenizer and the OpenAI-over-estimate ratios.
// Replies are not gzipped (the recorder asks for no gzip), as the floor
// is not.
//
//	go test -run '^$' -bench HookFloor -benchtime 20x ./hook/
func BenchmarkHookFloor(b *testing.B) {
	type key struct{ tok, sight string }
	sum := map[key]*floorSum{}
	perCase := map[string]map[key]float64{} // case -> cpu per call
	floors := map[string]float64{}
	cases := corpus.Load(b)
	for _, c := range cases {
		floor := floorCPU(b, c.Call)
		floors[c.Name] = floor
		perCase[c.Name] = map[key]float64{}
		for _, tk := range []struct{ name, model string }{{"openai", "gpt-4o"}, {"estimate", "claude-sonnet-4-5"}} {
			call := withModel(b, c.Call, tk.model)
			for _, sight := range []string{"first", "cached"} {
				b.Run(c.Name+"/"+tk.name+"/"+sight, func(b *testing.B) {
					cfg := compress.NativeConfig{}
					if sight == "first" {
						cfg.CacheEntries = -1
					}
					eng := newNative(b, cfg)
					h := newTestHook(b, eng)
					serve := func() {
						if sight == "first" {
							texts.clear() // first sight for the hook's memos too
							quotes.clear()
						}
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, httptest.NewRequest("POST", "/", bytes.NewReader(call)))
						if rec.Code != 200 {
							b.Fatal(rec.Code)
						}
					}
					serve() // tokenizer tables built; for cached, every block stored
					b.ReportAllocs()
					b.SetBytes(int64(len(call)))
					start := cputime.Now()
					for b.Loop() {
						serve()
					}
					per := float64(cputime.Now()-start) / float64(b.N) / 1e6
					b.ReportMetric(per, "cpu-ms/op")
					b.ReportMetric(per/floor, "x-floor")
					perCase[c.Name][key{tk.name, sight}] = per
				})
			}
		}
	}
	for name, m := range perCase {
		for k, v := range m {
			s := sum[k]
			if s == nil {
				s = &floorSum{}
				sum[k] = s
			}
			s.add(name, v, floors[name])
		}
	}
	for _, tok := range []string{"openai", "estimate"} {
		for _, sight := range []string{"first", "cached"} {
			if s := sum[key{tok, sight}]; s != nil {
				b.Logf("%-8s %-6s %s", tok, sight, s)
			}
		}
	}
	for _, sight := range []string{"first", "cached"} {
		worst, worstCase, o, e := 0.0, "", 0.0, 0.0
		for name, m := range perCase {
			ov, ok1 := m[key{"openai", sight}]
			ev, ok2 := m[key{"estimate", sight}]
			if !ok1 || !ok2 {
				continue
			}
			o, e = o+ov, e+ev
			if r := ov / ev; r > worst {
				worst, worstCase = r, name
			}
		}
		if e > 0 {
			b.Logf("openai/estimate %-6s aggregate %.2f, worst %.2f (%s)", sight, o/e, worst, worstCase)
		}
	}
}

// floorSum aggregates one tokenizer and sight over the cases.
type floorSum struct {
	n, over3    int
	hook, floor float64
	worst       float64
	worstCase   string
	ratios      []float64
}

func (s *floorSum) add(name string, hook, floor float64) {
	s.n++
	s.hook += hook
	s.floor += floor
	r := hook / floor
	s.ratios = append(s.ratios, r)
	if r > 3 {
		s.over3++
	}
	if r > s.worst {
		s.worst, s.worstCase = r, name
	}
}

func (s *floorSum) String() string {
	slices.Sort(s.ratios)
	return fmt.Sprintf("%d cases: aggregate %.2fx the floor (%.1f over %.1f ms), median %.2fx, max %.2fx (%s), %d over 3x",
		s.n, s.hook/s.floor, s.hook, s.floor, s.ratios[len(s.ratios)/2], s.worst, s.worstCase, s.over3)
}

// floorCPU is the CPU time in ms of one encoding/json decode and re-encode
// of call, over at least 50 ms of CPU.
func floorCPU(b *testing.B, call []byte) float64 {
	start := cputime.Now()
	n := 0
	for n < 3 || cputime.Now()-start < 50*time.Millisecond {
		var v any
		if err := json.Unmarshal(call, &v); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return float64(cputime.Now()-start) / float64(n) / 1e6
}

// withModel returns call with metadata.model set to model, which picks the
// tokenizer (metadata is added when the call has none).
func withModel(b *testing.B, call []byte, model string) []byte {
	root, err := parseTree(call)
	if err != nil || !root.isObject() {
		b.Fatalf("corpus call does not parse: %v", err)
	}
	q, _ := quote(model)
	splice := func(at, end int, data string) []byte {
		return slices.Concat(call[:at], []byte(data), call[end:])
	}
	md := root.get("metadata")
	switch {
	case md == nil:
		return splice(root.start+1, root.start+1, `"metadata":{"model":`+string(q)+`},`)
	case !md.isObject():
		b.Fatal("metadata is not an object")
	case md.get("model") != nil:
		m := md.get("model")
		return splice(m.start, m.end, string(q))
	}
	sep := ","
	if len(md.kids) == 0 {
		sep = ""
	}
	return splice(md.start+1, md.start+1, `"model":`+string(q)+sep)
}
