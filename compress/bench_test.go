package compress

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/relevance"
	"github.com/tsheadroom/tsheadroom/internal/cputime"
)

// Benchmarks of the native engine. Run on one core with
//
//	go test ./compress/ -run '^$' -bench . -cpu 1 -benchmem
//
// BenchmarkKind measures detection plus compression of about 1 MB of one
// kind of tool output (MB/s of input); BenchmarkEngine the whole engine on
// a mixed request, token counting included; BenchmarkScaling how the time
// grows with the size of a block, 10 KB to 10 MB.

func genSearch(n int) string {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "pkg/sub%d/file%d.go:%d:\tif err := doThing%d(ctx); err != nil {\n", i%40, i%7, 10+i%900, i%13)
	}
	return sb.String()
}

func genListing(n int) string {
	var sb strings.Builder
	exts := []string{".go", "_test.go", ".md", ".json", ".txt"}
	for i := range n {
		fmt.Fprintf(&sb, "./module/pkg%d/sub%d/file%d%s\n", i%50, i%9, i, exts[i%len(exts)])
	}
	return sb.String()
}

func genDiff(files, lines int) string {
	var sb strings.Builder
	for f := range files {
		fmt.Fprintf(&sb, "diff --git a/pkg/f%d.go b/pkg/f%d.go\nindex 1111111..2222222 100644\n--- a/pkg/f%d.go\n+++ b/pkg/f%d.go\n@@ -10,%d +10,%d @@ func x() {\n", f, f, f, f, lines, lines)
		for i := range lines {
			if i%25 == 12 {
				fmt.Fprintf(&sb, "-\told := compute(%d)\n+\tnew := computeFast(%d)\n", i, i)
				continue
			}
			fmt.Fprintf(&sb, " \tcontext line %d of file %d stays the same\n", i, f)
		}
	}
	return sb.String()
}

// genKind returns about size bytes of generated output of a kind.
func genKind(k Kind, size int) string {
	var s string
	for n := 64; len(s) < size; n *= 2 {
		switch k {
		case KindJSON:
			s = genJSONEvents(n, "  ")
		case KindLog:
			s = genLog(n)
		case KindTable:
			s = genTable(n)
		case KindHTML:
			s = genHTML(n)
		case KindSearch:
			s = genSearch(n)
		case KindListing:
			s = genListing(n)
		case KindDiff:
			s = genDiff(n/64+1, 200)
		}
	}
	return s
}

// runPipeline compresses text as one block through the engine's pipeline
// (peel, detect, compress, safety net), with the task's query.
func runPipeline(text, task string) {
	j := &blockJob{query: relevance.Parse(task, ""), pressure: 1}
	j.run(text)
}

func BenchmarkKind(b *testing.B) {
	const task = "why did checkout-service fail with 4242?"
	for _, k := range []Kind{KindJSON, KindLog, KindTable, KindHTML, KindSearch, KindListing, KindDiff} {
		text := genKind(k, 1<<20)
		if got := detectKind(text); got != k {
			b.Logf("%s input detected as %s", k, got)
		}
		b.Run(string(k), func(b *testing.B) {
			benchPipeline(b, text, task)
		})
	}
}

func BenchmarkEngine(b *testing.B) {
	for _, model := range []string{"claude-sonnet-4-5", "gpt-4o"} {
		req := mixedRequest(model)
		size := 0
		for _, bl := range req.Blocks {
			size += len(bl.Text)
		}
		b.Run(model+"/uncached", func(b *testing.B) {
			n := newTestNative(b, NativeConfig{CacheEntries: -1})
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n.Compress(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(model+"/cached", func(b *testing.B) {
			n := newTestNative(b, NativeConfig{})
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n.Compress(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkScaling(b *testing.B) {
	const task = "what happened to checkout-service?"
	for _, k := range []Kind{KindLog, KindJSON} {
		for _, size := range []int{10 << 10, 100 << 10, 1 << 20, 10 << 20} {
			text := genKind(k, size)
			b.Run(fmt.Sprintf("%s/%dKB", k, size>>10), func(b *testing.B) { benchPipeline(b, text, task) })
		}
	}
}

// benchPipeline times the pipeline on text for task, with its throughput in
// wall and CPU MB/s and its allocations.
func benchPipeline(b *testing.B, text, task string) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu := cputime.Now()
	for b.Loop() {
		runPipeline(text, task)
	}
	cputime.ReportMBps(b, cpu, len(text))
}
