package hook

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/logtest"
)

// restoreLog is a long test run: hundreds of passing tests, one failure,
// and a line only a later question asks about.
func restoreLog() string {
	var b strings.Builder
	for i := range 400 {
		name := fmt.Sprintf("TestHandler%03d", i)
		if i == 137 {
			name = "TestCacheEviction"
		}
		fmt.Fprintf(&b, "--- PASS: %s (0.%02ds)\n", name, i%97)
	}
	b.WriteString("--- FAIL: TestQuotaRollover (0.12s)\n")
	b.WriteString("    quota_test.go:88: rollover at midnight: got 41 slots, want 42\n")
	b.WriteString("FAIL\texample.com/quota\t1.204s\n")
	return b.String()
}

// restoreSession is the hook call of one turn of a growing Anthropic
// conversation: a test run, then one user question per later turn.
func restoreSession(t *testing.T, later ...string) []byte {
	t.Helper()
	type m = map[string]any
	msgs := []any{
		m{"role": "user", "content": "Run the test suite and tell me whether it passes."},
		m{"role": "assistant", "content": []any{m{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": m{"command": "make test"}}}},
		m{"role": "user", "content": []any{m{"type": "tool_result", "tool_use_id": "toolu_1", "content": restoreLog()}}},
	}
	for _, q := range later {
		msgs = append(msgs, m{"role": "assistant", "content": "Done."}, m{"role": "user", "content": q})
	}
	body, err := json.Marshal(m{"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": msgs})
	if err != nil {
		t.Fatal(err)
	}
	return hookCall(string(body))
}

// toolResultOf returns the tool result text of a forwarded body.
func toolResultOf(t *testing.T, body []byte) string {
	t.Helper()
	var req struct {
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	var parts []struct {
		Type    string `json:"type"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal(req.Messages[2].Content, &parts); err != nil || len(parts) != 1 || parts[0].Type != "tool_result" {
		t.Fatalf("message 2 is not the tool result: %s", req.Messages[2].Content)
	}
	return parts[0].Content
}

// TestRestoreThroughTheHook walks a growing session through the whole
// hook with the native engine: the turn that asks for a dropped line gets
// it verbatim, once, and the restore shows in the answer, the -v log and
// the metrics (counted once, with the tokens it costs on every turn).
func TestRestoreThroughTheHook(t *testing.T) {
	eng := newNative(t, compress.NativeConfig{})
	m := newTestMetrics(t, "native")
	log, logs := logtest.NewAt(t, slog.LevelDebug)
	h := newTestHook(t, eng, func(c *Config) { c.Metrics, c.Logger = m, log })

	const evicted = "--- PASS: TestCacheEviction (0.40s)"
	ask := "Paste the exact TestCacheEviction line from that run."
	turns := [][]string{
		nil,
		{"Thanks. What does the quota package do?"},
		{"Thanks. What does the quota package do?", ask},
		{"Thanks. What does the quota package do?", ask, "Great, commit it."},
	}
	var forms []string
	var answers []*Answer
	for i, later := range turns {
		a := h.Process(t.Context(), restoreSession(t, later...))
		forms = append(forms, toolResultOf(t, splitModify(t, a)))
		answers = append(answers, a)
		post(t, h, restoreSession(t, later...), nil).Body.Close() // the same call over HTTP, for the log and metrics
		t.Logf("turn %d: %d -> %d tokens, restores %+v", i+1, a.TokensBefore, a.TokensAfter, a.Restores)
	}
	if strings.Contains(forms[0], evicted) {
		t.Fatalf("turn 1 already keeps %q; the test needs a dropped line", evicted)
	}
	if forms[1] != forms[0] || len(answers[1].Restores) != 0 {
		t.Errorf("an unrelated turn 2 changed the block (restores %+v)", answers[1].Restores)
	}
	if !strings.Contains(forms[2], evicted) {
		t.Errorf("turn 3 asked for %q but the block does not carry it", evicted)
	}
	rs := answers[2].Restores
	if len(rs) != 1 || rs[0].Block != 1 || rs[0].Reason != compress.RestoreTerms || !rs[0].Fresh || rs[0].Tokens <= 0 {
		t.Fatalf("turn 3 restores %+v, want one fresh terms restore of block 1 (block 0 is the first user message)", rs)
	}
	if answers[2].RestoredTokens != rs[0].Tokens || answers[2].TokensAfter <= answers[1].TokensAfter {
		t.Errorf("turn 3 costs %d tokens (restored %d), turn 2 %d", answers[2].TokensAfter, answers[2].RestoredTokens, answers[1].TokensAfter)
	}
	if forms[3] != forms[2] {
		t.Error("turn 4 changed the restored form")
	}
	if rs := answers[3].Restores; len(rs) != 1 || rs[0].Fresh || rs[0].Tokens != answers[2].Restores[0].Tokens {
		t.Errorf("turn 4 restores %+v, want turn 3's restore, not fresh", rs)
	}

	if n := logs.Count(`msg="block restored by a later turn"`); n != 2 {
		t.Errorf("%d restore log lines, want 2 (turns 3 and 4):\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "block=1 reason=terms tokens_added=") {
		t.Errorf("the restore log line does not name the block and reason:\n%s", logs)
	}

	got := scrape(t, m)
	for key, want := range map[string]float64{
		"tsheadroom_blocks_restored_total,reason=terms": 1, // once: turn 4 carries it without breaking the cache again
		"tsheadroom_blocks_restored_total,reason=quote": 0,
		"tsheadroom_blocks_restored_total,reason=whole": 0,
		"tsheadroom_tokens_restored_total":              float64(2 * rs[0].Tokens),
		"tsheadroom_context_pressure_total":             0,
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
}

// TestContextPressureThroughTheHook sends a request over its context
// window (set small through the context_window knob): the hook logs it
// and counts it.
func TestContextPressureThroughTheHook(t *testing.T) {
	eng := newNative(t, compress.NativeConfig{})
	m := newTestMetrics(t, "native")
	log, logs := logtest.New(t)
	knobs := compress.DefaultConfig()
	knobs.ContextWindow = 2000
	h := newTestHook(t, eng, func(c *Config) { c.Metrics, c.Logger, c.Knobs = m, log, &knobs })

	call := restoreSession(t)
	a := h.Process(t.Context(), call)
	if a.Pressure >= 1 || a.Window != 2000 {
		t.Fatalf("pressure %v window %d, want a request over its 2000-token window", a.Pressure, a.Window)
	}
	post(t, h, call, nil).Body.Close()
	if n := logs.Count("request over its context window"); n != 1 {
		t.Errorf("%d context-window log lines, want 1:\n%s", n, logs)
	}
	got := scrape(t, m)
	if got["tsheadroom_context_pressure_total"] != 1 {
		t.Errorf("tsheadroom_context_pressure_total = %v, want 1", got["tsheadroom_context_pressure_total"])
	}
}
