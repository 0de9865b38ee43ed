package compress_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
	"github.com/tsheadroom/tsheadroom/internal/corpus"
)

// Corpus-driven checks of the log, search, listing and diff compressors:
// every text of the development corpus (corpus.Texts) of 1000 bytes or
// more that one of them claims is compressed, with the hints of a block
// without a task, and must have the properties CheckOutput asserts (shorter,
// error lines kept whole, no markers, deterministic). The per-kind savings
// are logged (go test -v); with TSH_KINDS_DUMP=DIR each compressed text is
// also written to DIR. That must_keep strings survive, which depends on the
// user's task before each block, is checked above the engine, on the
// requests the hook builds (hook/native_corpus_test.go).

// minKindsText is the size from which a corpus text is bulky enough to be
// tool output worth a compressor.
const minKindsText = 1000

// savedPct is the share of tokens removed, in percent.
func savedPct(before, after int) float64 {
	if before == 0 {
		return 0
	}
	return 100 * float64(before-after) / float64(before)
}

func TestKindsCorpus(t *testing.T) {
	type tally struct{ before, after, blocks int }
	per := map[compress.Kind]*tally{}
	tok := tokens.Estimate{} // for the logged savings only
	for _, c := range corpus.Load(t) {
		for bi, text := range c.Texts(t) {
			if len(text) < minKindsText {
				continue
			}
			for _, k := range compress.KindCompressors() {
				if !k.Detect(text) {
					continue
				}
				name := fmt.Sprintf("%s text %d (%s)", c.Name, bi, k.Kind)
				out := compress.CheckOutput(t, name, k, text, compress.BlockHints(compress.Block{Text: text}))
				if dir := os.Getenv("TSH_KINDS_DUMP"); dir != "" {
					// Inspection aid: the compressed block, beside its kind.
					name := fmt.Sprintf("%s.%d.%s.txt", c.Name, bi, k.Kind)
					if err := os.WriteFile(filepath.Join(dir, name), []byte(out), 0o644); err != nil {
						t.Fatalf("dump: %v", err)
					}
				}
				before, after := tok.Count(text), tok.Count(out)
				ty := per[k.Kind]
				if ty == nil {
					ty = &tally{}
					per[k.Kind] = ty
				}
				ty.before += before
				ty.after += after
				ty.blocks++
				t.Logf("%-22s text %3d %-8s %7d -> %6d tokens (%5.1f%% saved)", c.Name, bi, k.Kind, before, after, savedPct(before, after))
				break
			}
		}
	}
	kinds := make([]string, 0, len(per))
	for k := range per {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		ty := per[compress.Kind(k)]
		t.Logf("kind %-8s %2d blocks %8d -> %7d tokens (%5.1f%% saved)", k, ty.blocks, ty.before, ty.after, savedPct(ty.before, ty.after))
	}
}

// BenchmarkKindsCorpus compresses every bulky corpus text of a kind per
// iteration (with the hints of a block without a task).
//
//	go test ./compress/ -run '^$' -bench 'CompressKinds|KindsCorpus' -cpu 1 -benchmem
func BenchmarkKindsCorpus(b *testing.B) {
	type item struct {
		text string
		h    *compress.Hints
	}
	byKind := map[compress.Kind][]item{}
	for _, c := range corpus.Load(b) {
		for _, text := range c.Texts(b) {
			if len(text) < minKindsText {
				continue
			}
			for _, k := range compress.KindCompressors() {
				if k.Detect(text) {
					byKind[k.Kind] = append(byKind[k.Kind], item{text, compress.BlockHints(compress.Block{Text: text})})
					break
				}
			}
		}
	}
	for _, k := range compress.KindCompressors() {
		items := byKind[k.Kind]
		if len(items) == 0 {
			continue
		}
		size := 0
		for _, it := range items {
			size += len(it.text)
		}
		b.Run(string(k.Kind), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, it := range items {
					k.Compress(it.text, it.h)
				}
			}
		})
	}
}
