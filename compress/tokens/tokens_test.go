package tokens

import "testing"

func TestFor(t *testing.T) {
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
		tk := For(model)
		if tk.Name() != want {
			t.Errorf("For(%q) = %s, want %s", model, tk.Name(), want)
		}
		if tk.Exact() != (want != "estimate") {
			t.Errorf("For(%q).Exact() = %v", model, tk.Exact())
		}
	}
}

func TestTokenizerCounts(t *testing.T) {
	// Known counts of the real encoders for a fixed sentence.
	s := "hello world"
	if n := For("gpt-4o").Count(s); n != 2 {
		t.Errorf("o200k count %q = %d, want 2", s, n)
	}
	if n := For("gpt-4").Count(s); n != 2 {
		t.Errorf("cl100k count %q = %d, want 2", s, n)
	}
	for _, tk := range []Counter{For("gpt-4o"), For("gpt-4"), Estimate{}} {
		if n := tk.Count(""); n != 0 {
			t.Errorf("%s: empty string counts %d", tk.Name(), n)
		}
		// Invalid UTF-8 must not panic and must count something.
		if n := tk.Count("\xff\xfe abc \xc3"); n <= 0 {
			t.Errorf("%s: invalid UTF-8 counted %d", tk.Name(), n)
		}
	}
}

// TestCountsAsTiktoken: counts from OpenAI's tiktoken 0.14 where the Go
// tokenizer library gives others. A run of blank lines holding spaces is
// one piece, which the library cuts at every line break; DEL is a symbol,
// which the library drops.
func TestCountsAsTiktoken(t *testing.T) {
	for _, tc := range []struct {
		model, text string
		want        int
	}{
		{"gpt-4", "a\n \nb", 3},
		{"gpt-4", "a \n \nb", 3},
		{"gpt-4", "a\n  \n  \nb", 4},
		{"gpt-4", "\n \n \n", 2},
		{"gpt-4o", "a\n \nb", 3},
		{"gpt-4", "\x7f", 1},
		{"gpt-4", "a\x7fb", 3},
		{"gpt-4", "\x7f\x7f a", 3},
		{"gpt-4", "x \x7fy", 4},
		{"gpt-4o", "\x7f\n", 2},
	} {
		if n := For(tc.model).Count(tc.text); n != tc.want {
			t.Errorf("%s: %q counts %d, tiktoken %d", tc.model, tc.text, n, tc.want)
		}
	}
}
