package compress

import (
	"fmt"
	"testing"
)

// Benchmarks of the log, search, listing and diff compressors: MB/s of
// input on one core and allocations per call, on generated inputs from
// 10 KB to 10 MB (time should grow linearly with size). BenchmarkKindsCorpus
// (kinds_corpus_test.go) measures them on the development corpus.
//
//	go test ./compress/ -run '^$' -bench 'CompressKinds|KindsCorpus' -cpu 1 -benchmem

func benchCompress(b *testing.B, comp contentCompressor, in string, h *hints) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := comp(in, h); !ok {
			b.Fatal("input not compressed")
		}
	}
}

var benchSizes = []int{10 << 10, 100 << 10, 1 << 20, 10 << 20}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMB", n>>20)
	}
	return fmt.Sprintf("%dKB", n>>10)
}

func BenchmarkCompressKinds(b *testing.B) {
	h := &hints{taskTerms: []string{"batch 1234 ", "needle"}}
	for _, size := range benchSizes {
		b.Run("log/"+sizeName(size), func(b *testing.B) {
			benchCompress(b, compressLog, genServiceLog(size), h)
		})
	}
	for _, size := range benchSizes {
		pkgs := max(1, size/(9<<10))
		b.Run("gotest/"+sizeName(size), func(b *testing.B) {
			benchCompress(b, compressLog, genGoTestOutput(pkgs), h)
		})
	}
	for _, size := range benchSizes {
		files := max(4, size/300)
		b.Run("search/"+sizeName(size), func(b *testing.B) {
			benchCompress(b, compressSearch, genGrepHits(files, 6), h)
		})
	}
	for _, size := range benchSizes[:3] {
		// genFindPaths sorts with an insertion sort: 10 MB takes too long
		// to generate.
		b.Run("listing/"+sizeName(size), func(b *testing.B) {
			benchCompress(b, compressListing, genFindPaths(size/30), h)
		})
	}
	for _, size := range benchSizes {
		b.Run("tree/"+sizeName(size), func(b *testing.B) {
			benchCompress(b, compressListing, genTree(max(2, size/1100), 24), h)
		})
	}
}
