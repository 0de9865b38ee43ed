package hook_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
	"github.com/tsheadroom/tsheadroom/hook"
)

// The native engine over the development corpus, on the requests the hook
// builds (see loadCorpus): savings per kind, the guarantees every block
// result must keep, determinism and prefix stability, and the calibration of
// the token estimate on the same blocks.

var newNative = hook.NewNativeForTest

// isJSONObject reports whether text is exactly one JSON object (the shape a
// JSON object block must keep).
func isJSONObject(text string) bool {
	var obj map[string]json.RawMessage
	return strings.HasPrefix(strings.TrimSpace(text), "{") && json.Unmarshal([]byte(text), &obj) == nil
}

// TestNativeCorpus runs the native engine over every case of the
// development corpus with the default config and checks the guarantees
// that can be checked per block: no inflation, every must_keep string that
// occurs in a block's original text still occurs in the output of some
// block, no retrieval markers, JSON objects stay objects. It logs a table of
// per-kind savings over the tool outputs (go test -v -run TestNativeCorpus)
// and checks the aggregate target: at least 60% of the tool-output tokens
// of every kind except source-code reads removed. With TSH_NATIVE_DUMP=DIR
// each rewritten block is written to DIR for inspection.
func TestNativeCorpus(t *testing.T) {
	cases := loadCorpus(t)
	eng := newNative(t, compress.NativeConfig{})
	dump := os.Getenv("TSH_NATIVE_DUMP")
	type tally struct{ before, after, blocks, changed int }
	perKind := map[compress.Kind]*tally{}
	var total, totalNonCode tally
	for _, c := range cases {
		res, err := eng.Compress(context.Background(), c.Req)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var outAll strings.Builder
		for i, b := range c.Req.Blocks {
			r := res.Blocks[i]
			out := b.Text
			if r.Changed {
				out = r.Text
				if r.TokensAfter >= r.TokensBefore {
					t.Errorf("%s block %d: inflated %d -> %d", c.Name, i, r.TokensBefore, r.TokensAfter)
				}
				if compress.IntroducesRetrievalMarker(b.Text, out) {
					t.Errorf("%s block %d: retrieval marker introduced", c.Name, i)
				}
				if b.JSONObject && !isJSONObject(out) {
					t.Errorf("%s block %d: JSON object broken", c.Name, i)
				}
				if dump != "" {
					_ = os.WriteFile(filepath.Join(dump, fmt.Sprintf("%s.%d.%s.txt", c.Name, i, r.Kind)), []byte(out), 0o644)
				}
			}
			outAll.WriteString(out)
			outAll.WriteString("\n\x00\n")
			if b.Source != compress.ToolOutput {
				continue
			}
			k := r.Kind
			tl := perKind[k]
			if tl == nil {
				tl = &tally{}
				perKind[k] = tl
			}
			for _, x := range []*tally{tl, &total} {
				x.before += r.TokensBefore
				x.after += r.TokensAfter
				x.blocks++
				if r.Changed {
					x.changed++
				}
			}
			if k != compress.KindCode {
				totalNonCode.before += r.TokensBefore
				totalNonCode.after += r.TokensAfter
			}
			t.Logf("%-22s #%-2d %-9s %7d -> %7d tokens (%5.1f%% saved)", c.Name, i, k, r.TokensBefore, r.TokensAfter, savedPct(r.TokensBefore, r.TokensAfter))
		}
		all := outAll.String()
		for _, mk := range c.MustKeep {
			inOriginal := false
			for _, b := range c.Req.Blocks {
				if strings.Contains(b.Text, mk) {
					inOriginal = true
				}
			}
			if inOriginal && !strings.Contains(all, mk) {
				t.Errorf("%s: must_keep %q lost", c.Name, mk)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(perKind)) {
		tl := perKind[k]
		t.Logf("kind %-9s blocks %3d changed %3d tokens %8d -> %8d (%5.1f%% saved)", k, tl.blocks, tl.changed, tl.before, tl.after, savedPct(tl.before, tl.after))
	}
	t.Logf("all tool output: %d -> %d tokens (%.1f%% saved); excluding code reads: %d -> %d (%.1f%% saved)",
		total.before, total.after, savedPct(total.before, total.after),
		totalNonCode.before, totalNonCode.after, savedPct(totalNonCode.before, totalNonCode.after))
	if s := savedPct(totalNonCode.before, totalNonCode.after); s < 60 {
		t.Errorf("aggregate savings over non-code tool output %.1f%%, target 60%%", s)
	}
}

// TestNativeCorpusProfiles logs the aggregate savings and must_keep
// survival of the corpus under agent-90 and target_ratio 0.3 (go test -v).
// Only the hard guarantees are asserted: no inflation, objects stay
// objects, no retrieval markers.
func TestNativeCorpusProfiles(t *testing.T) {
	cases := loadCorpus(t)
	ratio := 0.3
	profiles := map[string]func(*compress.Config){
		"agent-90":         func(c *compress.Config) { c.SavingsProfile = compress.ProfileAgent90 },
		"target_ratio=0.3": func(c *compress.Config) { c.TargetRatio = &ratio },
	}
	for name, set := range profiles {
		eng := newNative(t, compress.NativeConfig{})
		var before, after, kept, needles int
		for _, c := range cases {
			req := *c.Req
			set(&req.Config)
			res, err := eng.Compress(context.Background(), &req)
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for i, b := range req.Blocks {
				r := res.Blocks[i]
				out := b.Text
				if r.Changed {
					out = r.Text
					if r.TokensAfter >= r.TokensBefore || compress.IntroducesRetrievalMarker(b.Text, out) || (b.JSONObject && !isJSONObject(out)) {
						t.Errorf("%s %s block %d: guarantee broken", name, c.Name, i)
					}
				}
				all.WriteString(out)
				if b.Source == compress.ToolOutput && r.Kind != compress.KindCode {
					before += r.TokensBefore
					after += r.TokensAfter
				}
			}
			for _, mk := range c.MustKeep {
				inBlocks := false
				for _, b := range req.Blocks {
					inBlocks = inBlocks || strings.Contains(b.Text, mk)
				}
				if !inBlocks {
					continue
				}
				needles++
				if strings.Contains(all.String(), mk) {
					kept++
				}
			}
		}
		t.Logf("%s: non-code tool output %d -> %d tokens (%.1f%% saved), must_keep %d/%d", name, before, after, savedPct(before, after), kept, needles)
	}
}

// TestNativeDeterminismCorpus checks that every corpus request compresses
// to the same bytes run after run (a few runs each keep the test fast; the
// generated requests get 100 in TestNativeDeterminism).
func TestNativeDeterminismCorpus(t *testing.T) {
	for _, c := range loadCorpus(t) {
		checkDeterministic(t, c.Name, c.Req, 3)
	}
}

// checkDeterministic compresses req runs times with one engine (its cache
// warm after the first call), then once with an engine without a cache, and
// fails unless every result equals the first.
func checkDeterministic(t *testing.T, name string, req *compress.Request, runs int) {
	t.Helper()
	warm, cold := newNative(t, compress.NativeConfig{}), newNative(t, compress.NativeConfig{CacheEntries: -1})
	var first *compress.Result
	for i := range runs + 1 {
		eng := warm
		if i == runs {
			eng = cold
		}
		got, err := eng.Compress(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if first == nil {
			first = got
		} else if !reflect.DeepEqual(first, got) {
			t.Fatalf("%s: run %d differs from the first run", name, i)
		}
	}
}

// TestNativeCorpusPrefixStability checks the corpus's growing sessions
// (NAME.t1, .t2, .t3).
func TestNativeCorpusPrefixStability(t *testing.T) {
	cases := loadCorpus(t)
	byName := map[string]corpusCase{}
	for _, c := range cases {
		byName[c.Name] = c
	}
	n := newNative(t, compress.NativeConfig{})
	checked, restores := 0, 0
	// What restores cost: the tokens of every turn's blocks with restores
	// and without (restore_referenced off).
	withRestores, withoutRestores, fresh, requests := 0, 0, 0, 0
	for _, c := range cases {
		base, ok := strings.CutSuffix(c.Name, ".t1")
		if !ok {
			continue
		}
		var prev *compress.Result
		var prevReq *compress.Request
		for turn := 1; ; turn++ {
			tc, ok := byName[fmt.Sprintf("%s.t%d", base, turn)]
			if !ok {
				break
			}
			res, err := n.Compress(context.Background(), tc.Req)
			if err != nil {
				t.Fatal(err)
			}
			requests++
			off := *tc.Req
			off.Config.RestoreReferenced = false
			plain, err := n.Compress(context.Background(), &off)
			if err != nil {
				t.Fatal(err)
			}
			for i := range res.Blocks {
				if r := res.Blocks[i]; r.RestoreFresh {
					t.Logf("%s: block %d restored (%s, +%d tokens)", tc.Name, i, r.Restored, r.RestoredTokens)
					fresh++
				}
				withRestores += res.Blocks[i].TokensAfter
				withoutRestores += plain.Blocks[i].TokensAfter
				if plain.Blocks[i].Restored != "" {
					t.Errorf("%s: block %d restored with restore_referenced off", tc.Name, i)
				}
			}
			if prev != nil {
				for i, b := range prevReq.Blocks {
					was, now := prev.Blocks[i], res.Blocks[i]
					was.RestoreFresh, now.RestoreFresh = false, false
					if prevReq.Config.Protects(&b) || reflect.DeepEqual(was, now) {
						continue
					}
					// The one change allowed: a restore, when a later
					// turn first needs what the block dropped.
					if prev.Blocks[i].Restored == "" && res.Blocks[i].Restored != "" {
						if !res.Blocks[i].RestoreFresh {
							t.Errorf("%s: block %d changed form but its restore is not marked fresh", tc.Name, i)
						}
						restores++
						continue
					}
					if res.Blocks[i].RestoreFresh && prev.Blocks[i].Restored != "" {
						t.Errorf("%s: block %d restore marked fresh again", tc.Name, i)
					}
					t.Errorf("%s: block %d (%s/%s) changed from one turn to the next", tc.Name, i, b.Source, b.Role)
				}
				checked++
			}
			prev, prevReq = res, tc.Req
		}
	}
	if checked == 0 {
		t.Error("no growing sessions found in the corpus")
	}
	t.Logf("%d turn pairs checked, %d documented restores between them", checked, restores)
	t.Logf("%d session requests: %d restores (each breaks the prompt cache once); block tokens sent %d with restores, %d without (%+d, %+.1f%%)",
		requests, fresh, withRestores, withoutRestores, withRestores-withoutRestores, 100*float64(withRestores-withoutRestores)/float64(max(withoutRestores, 1)))
}

// TestEstimateCalibration checks the estimate against cl100k_base over the
// tool outputs of the development corpus: the total within 5%, the per-block
// error within 12% RMS and 25% at worst, on all of them and on each half of
// the cases as tokens.Estimate's weights were fitted on one half and checked
// on the other (a hash of the case or session name, as in compress/tokens'
// fitHalf). It logs the figures quoted in tokens.Estimate's doc.
func TestEstimateCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("calibration counts the whole corpus with the BPE encoders")
	}
	type block struct {
		name     string
		est, ref int
		fit      bool
	}
	var blocks []block
	cl := tokens.For("gpt-4")
	for _, c := range loadCorpus(t) {
		group := cmp.Or(c.Session, c.Name)
		h := fnv.New32a()
		h.Write([]byte(group))
		for _, b := range c.Req.Blocks {
			if b.Source == compress.ToolOutput && len(b.Text) >= 2000 {
				blocks = append(blocks, block{c.Name, tokens.Estimate{}.Count(b.Text), cl.Count(b.Text), h.Sum32()%2 == 0})
			}
		}
	}
	for _, half := range []struct {
		name string
		keep func(block) bool
	}{
		{"all", func(block) bool { return true }},
		{"fit half", func(b block) bool { return b.fit }},
		{"check half", func(b block) bool { return !b.fit }},
	} {
		var est, ref, n int
		var worst, sq float64
		worstName := ""
		for _, b := range blocks {
			if !half.keep(b) {
				continue
			}
			est, ref, n = est+b.est, ref+b.ref, n+1
			d := float64(b.est)/float64(b.ref) - 1
			sq += d * d
			if math.Abs(d) > worst {
				worst, worstName = math.Abs(d), fmt.Sprintf("%s %+.1f%%", b.name, 100*d)
			}
		}
		ratio := float64(est) / float64(max(ref, 1))
		rms := math.Sqrt(sq / float64(max(n, 1)))
		t.Logf("%s: %d blocks, estimate %d, cl100k %d (ratio %.3f), RMS error %.1f%%, worst %.1f%% (%s)",
			half.name, n, est, ref, ratio, 100*rms, 100*worst, worstName)
		if math.Abs(ratio-1) > 0.05 {
			t.Errorf("%s: estimate/cl100k total ratio %.3f, want within 5%%", half.name, ratio)
		}
		if rms > 0.12 || worst > 0.25 {
			t.Errorf("%s: per-block error RMS %.1f%% worst %.0f%%, want <= 12%% and <= 25%%", half.name, 100*rms, 100*worst)
		}
	}
}
