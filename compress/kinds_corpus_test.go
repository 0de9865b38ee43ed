package compress_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
)

// Corpus-driven checks of the log, search, listing and diff compressors:
// every tool output of the development corpus that one of them claims is
// compressed with only what the engine may know (the user task that came
// before it), and every must_keep string of the case that occurs in that
// output must survive, besides the properties CheckOutput asserts. The
// per-kind savings are logged (go test -v); with
// TSH_KINDS_DUMP=DIR each compressed block is also written to DIR.

func TestKindsCorpusMustKeep(t *testing.T) {
	type tally struct{ before, after, blocks int }
	per := map[compress.Kind]*tally{}
	for _, c := range loadCorpus(t) {
		tok := compress.TokenizerFor(c.Req.Model)
		for bi, b := range c.Req.Blocks {
			if b.Source != compress.ToolOutput || len(b.Text) < 1000 {
				continue
			}
			for _, k := range compress.KindCompressors() {
				if !k.Detect(b.Text) {
					continue
				}
				// Shorter, error and rare-task lines whole, no markers,
				// deterministic; then the case's must_keep strings.
				name := fmt.Sprintf("%s block %d (%s)", c.Name, bi, k.Kind)
				out := compress.CheckOutput(t, name, k, b.Text, compress.BlockHints(b))
				for _, mk := range c.MustKeep {
					if strings.Contains(b.Text, mk) && !strings.Contains(out, mk) && c.KnownFailure() {
						t.Logf("known failure: %s: must_keep %q lost", name, mk)
					} else if strings.Contains(b.Text, mk) && !strings.Contains(out, mk) {
						t.Errorf("%s: must_keep %q lost", name, mk)
					}
				}
				if dir := os.Getenv("TSH_KINDS_DUMP"); dir != "" {
					// Inspection aid: the compressed block, beside its kind.
					name := fmt.Sprintf("%s.%d.%s.txt", c.Name, bi, k.Kind)
					if err := os.WriteFile(filepath.Join(dir, name), []byte(out), 0o644); err != nil {
						t.Fatalf("dump: %v", err)
					}
				}
				before, after := tok.Count(b.Text), tok.Count(out)
				ty := per[k.Kind]
				if ty == nil {
					ty = &tally{}
					per[k.Kind] = ty
				}
				ty.before += before
				ty.after += after
				ty.blocks++
				t.Logf("%-22s block %2d %-8s %7d -> %6d tokens (%5.1f%% saved)", c.Name, bi, k.Kind, before, after, savedPct(before, after))
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

// BenchmarkKindsCorpus compresses every corpus tool output of a kind per
// iteration (as the engine would: with the terms of the preceding task).
//
//	go test ./compress/ -run '^$' -bench 'CompressKinds|KindsCorpus' -cpu 1 -benchmem
func BenchmarkKindsCorpus(b *testing.B) {
	type item struct {
		text string
		h    *compress.Hints
	}
	byKind := map[compress.Kind][]item{}
	for _, c := range loadCorpus(b) {
		for _, blk := range c.Req.Blocks {
			if blk.Source != compress.ToolOutput || len(blk.Text) < 1000 {
				continue
			}
			for _, k := range compress.KindCompressors() {
				if k.Detect(blk.Text) {
					byKind[k.Kind] = append(byKind[k.Kind], item{blk.Text, compress.BlockHints(blk)})
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
