package compress

import "strings"

// Context windows: the number of input tokens a model accepts. A request
// over its model's window is rejected by the provider, so the engine
// compresses it harder until it fits (see Native.Compress). The table
// holds the published windows of common model families by name prefix,
// longest prefix first; Config.ContextWindow overrides it.
var contextWindows = []struct {
	prefix string
	tokens int
}{
	{"gpt-4.1", 1_047_576},
	{"gpt-4o", 128_000},
	{"gpt-4-turbo", 128_000},
	{"gpt-4-32k", 32_768},
	{"gpt-4", 8_192},
	{"gpt-3.5-turbo", 16_385},
	{"gpt-5", 400_000},
	{"o1-mini", 128_000},
	{"o1", 200_000},
	{"o3", 200_000},
	{"o4", 200_000},
	{"claude", 200_000},
	{"gemini-1.5", 1_048_576},
	{"gemini-2", 1_048_576},
	{"gemini", 1_048_576},
}

// ContextWindow returns the context window of model in tokens, or 0 when
// the model is not known (no limit is enforced then).
func ContextWindow(model string) int {
	m := strings.ToLower(model)
	// Provider-qualified names: "anthropic/claude-...", "models/gemini-...",
	// Bedrock's "anthropic.claude-...".
	if i := strings.LastIndexAny(m, "/"); i >= 0 {
		m = m[i+1:]
	}
	if i := strings.Index(m, "."); i >= 0 && strings.HasPrefix(m[i+1:], "claude") {
		m = m[i+1:]
	}
	best, tokens := 0, 0
	for _, w := range contextWindows {
		if strings.HasPrefix(m, w.prefix) && len(w.prefix) > best {
			best, tokens = len(w.prefix), w.tokens
		}
	}
	return tokens
}
