package compress

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Corpus-driven checks of the log, search, listing and diff compressors:
// every tool output of the development corpus that one of them claims is
// compressed with only what the engine may know (the user task that came
// before it), and every must_keep string of the case that occurs in that
// output must survive, besides the properties checkOutput asserts. The
// per-kind savings are logged (go test -v); with
// TSH_KINDS_DUMP=DIR each compressed block is also written to DIR.

// partBKinds are the compressors of this file's concern, in the order a
// dispatcher tries them (most specific first).
var partBKinds = []struct {
	kind     Kind
	detect   func(string) bool
	compress contentCompressor
}{
	{KindDiff, looksLikeDiff, compressDiff},
	{KindSearch, looksLikeSearch, compressSearch},
	{KindListing, looksLikeListing, compressListing},
	{KindLog, looksLikeLog, compressLog},
}

// partBHints builds the hints the native engine gives a compressor for a
// block: the terms of the task that are rare in the block (blockTerms).
func partBHints(b Block) *hints {
	return &hints{taskTerms: blockTerms(b.Task, b.Text), isError: b.IsError}
}

func TestKindsCorpusMustKeep(t *testing.T) {
	type tally struct{ before, after, blocks int }
	per := map[Kind]*tally{}
	for _, c := range loadCorpus(t) {
		tok := TokenizerFor(c.Req.Model)
		for bi, b := range c.Req.Blocks {
			if b.Source != ToolOutput || len(b.Text) < 1000 {
				continue
			}
			for _, k := range partBKinds {
				if !k.detect(b.Text) {
					continue
				}
				// Shorter, error and rare-task lines whole, no markers,
				// deterministic; then the case's must_keep strings.
				name := fmt.Sprintf("%s block %d (%s)", c.Name, bi, k.kind)
				out := checkOutput(t, name, k.compress, b.Text, partBHints(b))
				for _, mk := range c.Meta.MustKeep {
					if strings.Contains(b.Text, mk) && !strings.Contains(out, mk) {
						t.Errorf("%s: must_keep %q lost", name, mk)
					}
				}
				if dir := os.Getenv("TSH_KINDS_DUMP"); dir != "" {
					// Inspection aid: the compressed block, beside its kind.
					name := fmt.Sprintf("%s.%d.%s.txt", c.Name, bi, k.kind)
					if err := os.WriteFile(filepath.Join(dir, name), []byte(out), 0o644); err != nil {
						t.Fatalf("dump: %v", err)
					}
				}
				before, after := tok.Count(b.Text), tok.Count(out)
				ty := per[k.kind]
				if ty == nil {
					ty = &tally{}
					per[k.kind] = ty
				}
				ty.before += before
				ty.after += after
				ty.blocks++
				t.Logf("%-22s block %2d %-8s %7d -> %6d tokens (%5.1f%% saved)", c.Name, bi, k.kind, before, after, saved(before, after))
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
		ty := per[Kind(k)]
		t.Logf("kind %-8s %2d blocks %8d -> %7d tokens (%5.1f%% saved)", k, ty.blocks, ty.before, ty.after, saved(ty.before, ty.after))
	}
}

func saved(before, after int) float64 {
	if before == 0 {
		return 0
	}
	return 100 * float64(before-after) / float64(before)
}
