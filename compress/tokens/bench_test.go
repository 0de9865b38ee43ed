package tokens

import (
	"testing"
	"time"

	"github.com/tiktoken-go/tokenizer"

	"github.com/tsheadroom/tsheadroom/internal/corpus"
	"github.com/tsheadroom/tsheadroom/internal/cputime"
)

// Benchmarks of counting throughput (MB/s of text) per tokenizer, over the
// distinct strings of 2 KB or more of the development corpus (generated
// text where it is absent). Run on one core with
//
//	go test ./compress/tokens/ -run '^$' -bench . -cpu 1 -benchmem
//
// BenchmarkCount/ENCODING/cold counts every block with an empty piece cache
// (a process that has seen nothing before; repeats within the block still
// hit), .../warm with the cache holding every piece already (the same
// outputs again on the next turn, or kin of them). BenchmarkCountLibrary
// is the tokenizer library's own count, for comparison.
//
// Besides MB/s of wall time, each reports cpu-MB/s: bytes per second of
// the process's CPU time (garbage collection included), which a machine
// busy with other work disturbs far less.

// benchTexts returns the distinct corpus strings of 2 KB or more (tool
// output, mostly: what counting spends its time on), or generated text
// where the corpus is absent.
func benchTexts(b *testing.B) []string {
	var out []string
	if _, ok := corpus.Dir(); ok {
		seen := map[string]bool{}
		for _, c := range corpusTexts(b) {
			if len(c.text) >= 2000 && !seen[c.text] {
				seen[c.text] = true
				out = append(out, c.text)
			}
		}
	}
	if len(out) == 0 {
		out = []string{genMixed(4000)}
	}
	return out
}

func totalBytes(texts []string) int64 {
	n := 0
	for _, s := range texts {
		n += len(s)
	}
	return int64(n)
}

func BenchmarkCount(b *testing.B) {
	texts := benchTexts(b)
	b.Run("estimate", func(b *testing.B) {
		b.SetBytes(totalBytes(texts))
		b.ReportAllocs()
		start := cputime.Now()
		for b.Loop() {
			for _, s := range texts {
				Estimate{}.Count(s)
			}
		}
		cputime.ReportMBps(b, start, int(totalBytes(texts)))
	})
	for _, e := range []*encoding{o200k(), cl100k()} {
		c := bpeCounter{e}
		b.Run(e.name+"/cold", func(b *testing.B) {
			b.SetBytes(totalBytes(texts))
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				for _, s := range texts {
					b.StopTimer()
					e.cache.reset()
					b.StartTimer()
					start := cputime.Now()
					c.Count(s)
					cpu += cputime.Now() - start
				}
			}
			if cpu > 0 {
				b.ReportMetric(float64(totalBytes(texts))*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
			}
		})
		b.Run(e.name+"/warm", func(b *testing.B) {
			for _, s := range texts {
				c.Count(s)
			}
			b.SetBytes(totalBytes(texts))
			b.ReportAllocs()
			start := cputime.Now()
			for b.Loop() {
				for _, s := range texts {
					c.Count(s)
				}
			}
			cputime.ReportMBps(b, start, int(totalBytes(texts)))
		})
	}
}

func BenchmarkCountLibrary(b *testing.B) {
	texts := benchTexts(b)
	for _, c := range []tokenizer.Codec{libO200k(), libCl100k()} {
		b.Run(c.GetName(), func(b *testing.B) {
			b.SetBytes(totalBytes(texts))
			b.ReportAllocs()
			start := cputime.Now()
			for b.Loop() {
				for _, s := range texts {
					_, _ = c.Count(s)
				}
			}
			cputime.ReportMBps(b, start, int(totalBytes(texts)))
		})
	}
}

// BenchmarkLoad is the first use of an encoding: reading its embedded
// vocabulary and building the tables.
func BenchmarkLoad(b *testing.B) {
	for _, enc := range []struct {
		name  string
		o200k bool
	}{{"o200k_base", true}, {"cl100k_base", false}} {
		b.Run(enc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := newEncoding(enc.name, enc.o200k, defaultCache); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCountParallel counts from GOMAXPROCS goroutines at once through
// the shared piece cache (warm), as concurrent requests do.
func BenchmarkCountParallel(b *testing.B) {
	texts := benchTexts(b)
	for _, e := range []*encoding{o200k(), cl100k()} {
		c := bpeCounter{e}
		for _, s := range texts {
			c.Count(s)
		}
		b.Run(e.name, func(b *testing.B) {
			b.SetBytes(totalBytes(texts))
			b.ReportAllocs()
			start := cputime.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					for _, s := range texts {
						c.Count(s)
					}
				}
			})
			cputime.ReportMBps(b, start, int(totalBytes(texts)))
		})
	}
}
