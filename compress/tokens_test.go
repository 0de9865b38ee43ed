package compress

import (
	"math"
	"testing"
)

func TestTokenizerFor(t *testing.T) {
	cases := map[string]string{
		"gpt-4o":                    "o200k_base",
		"gpt-4o-2024-08-06":         "o200k_base",
		"openai/gpt-4.1-mini":       "o200k_base",
		"GPT-5":                     "o200k_base",
		"gpt-5.1-codex":             "o200k_base",
		"o1":                        "o200k_base",
		"o3-mini":                   "o200k_base",
		"o4-mini-high":              "o200k_base",
		"chatgpt-4o-latest":         "o200k_base",
		"gpt-oss-120b":              "o200k_base",
		"ft:gpt-4o-mini:org::abc":   "o200k_base",
		"gpt-4":                     "cl100k_base",
		"gpt-4-turbo":               "cl100k_base",
		"gpt-3.5-turbo":             "cl100k_base",
		"text-embedding-3-small":    "cl100k_base",
		"claude-sonnet-4-5":         "estimate",
		"gemini-2.5-pro":            "estimate",
		"":                          "estimate",
		"o2ai":                      "estimate",
		"omni":                      "estimate",
		"anthropic/claude-opus-4-1": "estimate",
	}
	for model, want := range cases {
		tk := TokenizerFor(model)
		if tk.Name() != want {
			t.Errorf("TokenizerFor(%q) = %s, want %s", model, tk.Name(), want)
		}
		if tk.Exact() != (want != "estimate") {
			t.Errorf("TokenizerFor(%q).Exact() = %v", model, tk.Exact())
		}
	}
}

func TestTokenizerCounts(t *testing.T) {
	// Known counts of the real encoders for a fixed sentence.
	s := "hello world"
	if n := TokenizerFor("gpt-4o").Count(s); n != 2 {
		t.Errorf("o200k count %q = %d, want 2", s, n)
	}
	if n := TokenizerFor("gpt-4").Count(s); n != 2 {
		t.Errorf("cl100k count %q = %d, want 2", s, n)
	}
	for _, tk := range []Tokenizer{TokenizerFor("gpt-4o"), TokenizerFor("gpt-4"), EstimateTokenizer{}} {
		if n := tk.Count(""); n != 0 {
			t.Errorf("%s: empty string counts %d", tk.Name(), n)
		}
		// Invalid UTF-8 must not panic and must count something.
		if n := tk.Count("\xff\xfe abc \xc3"); n <= 0 {
			t.Errorf("%s: invalid UTF-8 counted %d", tk.Name(), n)
		}
	}
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
	cl, o2 := TokenizerFor("gpt-4"), TokenizerFor("gpt-4o")
	var est, ref, ref2 int
	var worst, sq float64
	var blocks, off15 int
	for _, c := range cases {
		for _, b := range c.Req.Blocks {
			if b.Source != ToolOutput || len(b.Text) < 2000 {
				continue
			}
			e, r := EstimateTokenizer{}.Count(b.Text), cl.Count(b.Text)
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
