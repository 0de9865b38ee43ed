package compress_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
)

// Corpus-driven checks of token counting: the hand-written pre-tokenizer
// and the memoized BPE counts against the tokenizer library, and the
// estimate against cl100k_base, on the texts the hook hands the engine.

// TestPretokenizerMatchesCodecCorpus checks the pre-tokenizer split on
// every corpus block (the first 300 KB of each).
func TestPretokenizerMatchesCodecCorpus(t *testing.T) {
	for _, c := range loadCorpus(t) {
		for i, b := range c.Req.Blocks {
			if len(b.Text) > 300<<10 {
				b.Text = b.Text[:300<<10]
			}
			compress.SamePieces(t, fmt.Sprintf("%s#%d", c.Name, i), b.Text)
		}
	}
}

// TestBPECountMatchesCodecCorpus: the memoized count equals the codec's
// count on every corpus block.
func TestBPECountMatchesCodecCorpus(t *testing.T) {
	var texts []string
	for _, c := range loadCorpus(t) {
		for _, b := range c.Req.Blocks {
			texts = append(texts, b.Text)
		}
	}
	compress.CheckCountsMatchCodec(t, texts)
}

// TestEstimateCalibration checks the estimate against cl100k_base over the
// tool outputs of the development corpus: the total within 5%, the per-block
// error within 12% RMS and 25% at worst. It logs the figures quoted in
// EstimateTokenizer's doc.
func TestEstimateCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("calibration counts the whole corpus with the BPE encoders")
	}
	cases := loadCorpus(t)
	cl, o2 := compress.TokenizerFor("gpt-4"), compress.TokenizerFor("gpt-4o")
	var est, ref, ref2 int
	var worst, sq float64
	var blocks, off15 int
	for _, c := range cases {
		for _, b := range c.Req.Blocks {
			if b.Source != compress.ToolOutput || len(b.Text) < 2000 {
				continue
			}
			e, r := compress.EstimateTokenizer{}.Count(b.Text), cl.Count(b.Text)
			est += e
			ref += r
			ref2 += o2.Count(b.Text)
			d := math.Abs(float64(e)/float64(r) - 1)
			sq += d * d
			blocks++
			if d > 0.15 {
				off15++
				t.Logf("%s: estimate %d cl100k %d (%+.0f%%)", c.Name, e, r, 100*(float64(e)/float64(r)-1))
			}
			worst = math.Max(worst, d)
		}
	}
	ratio := float64(est) / float64(ref)
	rms := math.Sqrt(sq / float64(max(blocks, 1)))
	t.Logf("estimate %d, cl100k %d (ratio %.3f), o200k %d; blocks %d, RMS error %.1f%%, off by >15%%: %d, worst %.0f%%",
		est, ref, ratio, ref2, blocks, 100*rms, off15, 100*worst)
	if math.Abs(ratio-1) > 0.05 {
		t.Errorf("estimate/cl100k total ratio %.3f, want within 5%%", ratio)
	}
	if rms > 0.12 || worst > 0.25 {
		t.Errorf("per-block error RMS %.1f%% worst %.0f%%, want <= 12%% and <= 25%%", 100*rms, 100*worst)
	}
}
