package jsonfold

import (
	"fmt"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/cputime"
)

// Benchmarks: MB/s of input on one core, of wall-clock and of CPU time (the
// machine may be shared), at four sizes (time should grow linearly):
//
//	go test ./compress/jsonfold/ -run '^$' -bench . -cpu 1 -benchmem

var benchSizes = []int{100 << 10, 1 << 20, 4 << 20, 13 << 20}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMB", n>>20)
	}
	return fmt.Sprintf("%dKB", n>>10)
}

func benchCompress(b *testing.B, text, task string) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu := cputime.Now()
	for b.Loop() {
		if _, ok := Compress(input(text, task)); !ok {
			b.Fatal("not compressed")
		}
	}
	cputime.ReportMBps(b, cpu, len(text))
}

func BenchmarkCompress(b *testing.B) {
	const task = "Which request to checkout-service was the slowest, and why did upstream fail?"
	for _, size := range benchSizes {
		text := sized(genRecords, size)
		b.Run("records/"+sizeName(size), func(b *testing.B) { benchCompress(b, text, task) })
	}
	for _, size := range benchSizes {
		text := sized(genLines, size)
		b.Run("lines/"+sizeName(size), func(b *testing.B) { benchCompress(b, text, task) })
	}
	// Many distinct keys (issue 11: the old compressor was superlinear).
	for _, size := range []int{200 << 10, 800 << 10, 3400 << 10, 13 << 20} {
		text := sized(genDistinctKeys, size)
		b.Run("distinctkeys/"+sizeName(size), func(b *testing.B) { benchCompress(b, text, task) })
	}
}
