package compress

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// sessionLog is a long test run: hundreds of passing tests, one failure,
// and lines that only a later question will ask about.
func sessionLog() string {
	var b strings.Builder
	b.WriteString("=== test run: 412 tests in 38 packages ===\n")
	for i := 0; i < 400; i++ {
		name := fmt.Sprintf("TestHandler%03d", i)
		switch i {
		case 137:
			name = "TestCacheEviction"
		case 288:
			name = "TestRetryBackoff"
		}
		fmt.Fprintf(&b, "--- PASS: %s (0.%02ds)\n", name, i%97)
	}
	b.WriteString("--- FAIL: TestQuotaRollover (0.12s)\n")
	b.WriteString("    quota_test.go:88: rollover at midnight: got 41 slots, want 42\n")
	b.WriteString("FAIL\tgithub.com/example/quota\t1.204s\n")
	b.WriteString("ok  \tgithub.com/example/cache\t0.981s\n")
	return b.String()
}

// session builds the request of one turn of a growing conversation: the
// first turn's task and tool output, then one user question per later
// turn (each after an assistant reply).
func session(later ...string) *Request { return sessionOf(sessionLog(), later...) }

// sessionOf is session with another tool output.
func sessionOf(output string, later ...string) *Request {
	req := &Request{Model: "claude-sonnet-4-5", Config: DefaultConfig()}
	req.Turns = append(req.Turns, Turn{Role: "user", Text: "Run the test suite and tell me whether it passes.", Message: 0})
	req.Blocks = append(req.Blocks, Block{Text: output, Source: ToolOutput, Role: "user", ToolName: "Bash",
		Task: "Run the test suite and tell me whether it passes.", Turn: 1, Message: 2})
	msg := 3
	for _, q := range later {
		req.Turns = append(req.Turns, Turn{Role: "assistant", Text: "Done.", Message: msg})
		req.Turns = append(req.Turns, Turn{Role: "user", Text: q, Message: msg + 1})
		msg += 2
	}
	n := msg
	for i := range req.Blocks {
		req.Blocks[i].FromEnd = n - 1 - req.Blocks[i].Message
	}
	return req
}

func compressSession(t *testing.T, n *Native, later ...string) BlockResult {
	t.Helper()
	res, err := n.Compress(context.Background(), session(later...))
	if err != nil {
		t.Fatal(err)
	}
	return res.Blocks[0]
}

// TestRestoreOnceAndStable walks a growing session: turn 1 compresses the
// log; an unrelated turn 2 leaves its form byte-identical; turn 3 asks for
// a line that was dropped and the block now carries it verbatim; turn 4,
// unrelated again, keeps turn 3's form byte for byte.
func TestRestoreOnceAndStable(t *testing.T) {
	n := newTestNative(t, NativeConfig{CacheEntries: -1})
	t1 := compressSession(t, n)
	if !t1.Changed || t1.Restored != "" {
		t.Fatalf("turn 1: changed=%v restored=%q", t1.Changed, t1.Restored)
	}
	const evicted = "--- PASS: TestCacheEviction (0.40s)"
	if strings.Contains(t1.Text, evicted) {
		t.Fatalf("turn 1 already keeps %q; the test needs a dropped line", evicted)
	}
	for _, keep := range []string{"--- FAIL: TestQuotaRollover (0.12s)", "got 41 slots, want 42"} {
		if !strings.Contains(t1.Text, keep) {
			t.Errorf("turn 1 lost %q", keep)
		}
	}

	unrelated := "Thanks. Now draft a short release note for the quota fix."
	t2 := compressSession(t, n, unrelated)
	if t2.Text != t1.Text || t2.Restored != "" {
		t.Errorf("turn 2 (unrelated) changed the block's form (restored=%q)", t2.Restored)
	}

	ask := "Paste the exact TestCacheEviction line from that run."
	t3 := compressSession(t, n, unrelated, ask)
	if t3.Restored == "" || !strings.Contains(t3.Text, evicted) {
		t.Fatalf("turn 3: restored=%q, evicted line kept=%v", t3.Restored, strings.Contains(t3.Text, evicted))
	}
	if t3.RestoredTokens <= 0 || t3.TokensAfter >= t3.TokensBefore || !t3.RestoreFresh {
		t.Errorf("turn 3: restored tokens %d, tokens %d -> %d, fresh %v", t3.RestoredTokens, t3.TokensBefore, t3.TokensAfter, t3.RestoreFresh)
	}

	t4 := compressSession(t, n, unrelated, ask, "Great, commit it.")
	if t4.Text != t3.Text || t4.Restored != t3.Restored || t4.RestoredTokens != t3.RestoredTokens {
		t.Errorf("turn 4 changed the restored form")
	}
	if t4.RestoreFresh {
		t.Error("turn 4 reports the restore as fresh: it would count the cache break twice")
	}
	// And with the cache on, the same bytes.
	c := newTestNative(t, NativeConfig{})
	for i := 0; i < 2; i++ {
		if got := compressSession(t, c, unrelated, ask, "Great, commit it."); got.Text != t4.Text {
			t.Fatalf("cached run %d differs", i)
		}
	}
}

// TestRestoreWhole: a request for the whole earlier output restores it.
func TestRestoreWhole(t *testing.T) {
	n := newTestNative(t, NativeConfig{})
	r := compressSession(t, n, "Show me the full output of that run.")
	if r.Restored != RestoreWhole || r.Changed {
		t.Fatalf("restored=%q changed=%v, want the whole output back", r.Restored, r.Changed)
	}
}

// TestRestoreFirstTriggerWins: once a turn restored the block, a later
// turn naming other dropped lines does not change it again.
func TestRestoreFirstTriggerWins(t *testing.T) {
	n := newTestNative(t, NativeConfig{})
	first := compressSession(t, n, "Paste the exact TestCacheEviction line from that run.")
	again := compressSession(t, n, "Paste the exact TestCacheEviction line from that run.", "And the TestRetryBackoff line?")
	if first.Text != again.Text {
		t.Error("a second trigger changed the restored form")
	}
}

// TestRestoreOff: restore_referenced=false keeps the first-sight form.
func TestRestoreOff(t *testing.T) {
	n := newTestNative(t, NativeConfig{})
	base := compressSession(t, n)
	req := session("Paste the exact TestCacheEviction line from that run.")
	req.Config.RestoreReferenced = false
	res, err := n.Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Blocks[0]; got.Text != base.Text || got.Restored != "" {
		t.Errorf("restore_referenced=false changed the block (restored=%q)", got.Restored)
	}
}

// TestAssistantTriggerIncludesNextMessage: an assistant turn that names a
// dropped detail triggers together with the user message right after it,
// which every request holding the assistant turn also holds.
func TestAssistantTriggerIncludesNextMessage(t *testing.T) {
	n := newTestNative(t, NativeConfig{})
	req := session()
	req.Turns = append(req.Turns,
		Turn{Role: "assistant", Text: "All pass except TestQuotaRollover; TestCacheEviction was slow.", Message: 3},
		Turn{Role: "user", Text: "Quote the TestRetryBackoff line too.", Message: 4})
	req.Blocks[0].FromEnd = 2
	res, err := n.Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Blocks[0]
	for _, want := range []string{"TestCacheEviction", "TestRetryBackoff"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("restored form lacks %s (restored=%q)", want, r.Restored)
		}
	}
}

// TestContextWindowPressure: a request over its model's window is
// compressed harder until it fits, protected blocks and code included; a
// request within it is not touched by pressure.
func TestContextWindowPressure(t *testing.T) {
	n := newTestNative(t, NativeConfig{})
	var code strings.Builder
	for i := 0; i < 600; i++ {
		fmt.Fprintf(&code, "func handler%03d(w http.ResponseWriter, r *http.Request) {\n\tserve(w, r, %d)\n}\n\n", i, i)
	}
	req := session()
	req.Model = "gpt-4" // an 8,192-token window
	req.Blocks = append(req.Blocks, Block{Text: code.String(), Source: ToolOutput, Role: "user", Turn: 1, Message: 2})
	req.Config.ProtectRecentToolOutputs = 10 // would protect both outputs
	res, err := n.Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pressure >= 1 || res.Window != 8192 {
		t.Fatalf("pressure %v window %d, want pressure < 1 on an 8192 window", res.Pressure, res.Window)
	}
	if got := res.tokensAfter(); got > 8192 {
		t.Errorf("still %d tokens after pressure", got)
	}
	if !res.Blocks[1].Changed {
		t.Error("the protected code block was not compressed under pressure")
	}

	req.Model = "claude-sonnet-4-5"
	res, err = n.Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pressure != 1 || res.Blocks[1].Changed {
		t.Errorf("within the window: pressure %v, code changed %v", res.Pressure, res.Blocks[1].Changed)
	}
}

func TestContextWindowTable(t *testing.T) {
	for model, want := range map[string]int{
		"gpt-4o-2024-08-06": 128_000, "gpt-4": 8_192, "claude-sonnet-4-5": 200_000,
		"anthropic.claude-3-haiku": 200_000, "models/gemini-2.5-pro": 1_048_576, "gpt-4.1-mini": 1_047_576,
		"some-local-model": 0,
	} {
		if got := ContextWindow(model); got != want {
			t.Errorf("ContextWindow(%q) = %d, want %d", model, got, want)
		}
	}
}

// TestReferenced: the check the headroom engine uses to forward a block
// whole when a later turn needs what its form dropped.
func TestReferenced(t *testing.T) {
	req := session("Paste the exact TestCacheEviction line from that run.")
	short := "=== test run: 412 tests in 38 packages ===\n[... 400 lines omitted ...]\n--- FAIL: TestQuotaRollover (0.12s)\n"
	if tr, ok := Referenced(req, 0, short); !ok || tr.Reason != RestoreTerms || !tr.Fresh {
		t.Errorf("Referenced = %+v, %v; want a fresh terms trigger", tr, ok)
	}
	// One turn later the trigger is no longer new: that request carries the
	// restore but does not break the cache again.
	later := session("Paste the exact TestCacheEviction line from that run.", "Thanks.")
	if tr, ok := Referenced(later, 0, short); !ok || tr.Reason != RestoreTerms || tr.Fresh {
		t.Errorf("next turn: Referenced = %+v, %v; want a terms trigger that is not fresh", tr, ok)
	}
	if _, ok := Referenced(session("Thanks, write the release note."), 0, short); ok {
		t.Error("an unrelated turn counted as a reference")
	}
	// A quote of a line the compressed form holds as printed needs
	// nothing back; one it lacks does.
	quote := session("Quote the TestQuotaRollover failure exactly.")
	if tr, ok := Referenced(quote, 0, short); ok {
		t.Errorf("quoting a kept line restored the block (%+v)", tr)
	}
	if _, ok := Referenced(quote, 0, strings.Replace(short, "--- FAIL: TestQuotaRollover (0.12s)", "FAIL TestQuotaRollover", 1)); !ok {
		t.Error("quoting a line the form re-rendered did not restore the block")
	}
}

// A follow-up that names a position in the last output ("the 150th
// line") restores the block with that line.
func TestRestoreOrdinal(t *testing.T) {
	n := newTestNative(t, NativeConfig{CacheEntries: -1})
	want := strings.Split(sessionLog(), "\n")[149] + "\n"
	first := compressSession(t, n)
	if strings.Contains(first.Text, want) {
		t.Fatalf("turn 1 already keeps %q", want)
	}
	got := compressSession(t, n, "Quote the 150th line of that run.")
	if got.Restored != RestoreTerms || !strings.Contains(got.Text, want) {
		t.Errorf("restored=%q, keeps line 150: %v", got.Restored, strings.Contains(got.Text, want))
	}
}

// A follow-up naming something the output spells only as a part of an
// identifier ("/.eviction", tested by TestCacheEviction) restores the
// lines holding that part.
func TestRestoreIdentifierPart(t *testing.T) {
	n := newTestNative(t, NativeConfig{CacheEntries: -1})
	const line = "--- PASS: TestCacheEviction (0.40s)"
	if first := compressSession(t, n); strings.Contains(first.Text, line) {
		t.Fatalf("turn 1 already keeps %q", line)
	}
	got := compressSession(t, n, "How is /.eviction tested today?")
	if got.Restored != RestoreTerms || !strings.Contains(got.Text, line) {
		t.Errorf("restored=%q, keeps %q: %v", got.Restored, line, strings.Contains(got.Text, line))
	}
}

// A follow-up asking for an extreme among the rows a typed code picks out
// ("the JP customers") restores them: the code is specific, though short.
func TestRestoreScopedByCode(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("  id  |   name    | country | orders\n------+-----------+---------+--------\n")
	for i := range 600 {
		c, orders := []string{"SE", "CA", "FR", "JP", "BR", "IN"}[i%6], 60+(i*37)%70
		if c == "JP" {
			orders = 90 + i%30
		}
		if i == 417 {
			c, orders = "JP", 71
		}
		fmt.Fprintf(&sb, " %4d | cust_%04d | %-7s | %6d\n", i+1, i+1, c, orders)
	}
	n := newTestNative(t, NativeConfig{CacheEntries: -1})
	const row = "| cust_0418 | JP "
	req := sessionOf(sb.String(), "Of the JP customers, which one has the fewest orders?")
	res, err := n.Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Blocks[0]; got.Restored != RestoreTerms || !strings.Contains(got.Text, row) {
		t.Errorf("restored=%q, keeps %q: %v", got.Restored, row, strings.Contains(got.Text, row))
	}
}

func TestContainsTermParts(t *testing.T) {
	w := relevance.Term{Text: "export", Kind: relevance.Word}
	for text, want := range map[string]bool{
		"=== RUN   TestServeExport": true,
		"exportStats(w)":            true,
		"run_export_job":            true,
		"EXPORT_DIR=/tmp":           true,
		"the exporter started":      false,
		"reexported symbols":        false,
	} {
		if got := containsTerm(text, w); got != want {
			t.Errorf("containsTerm(%q, export) = %v, want %v", text, got, want)
		}
	}
}

func TestSubstringsContains(t *testing.T) {
	text := "alpha beta\ngamma delta epsilon\n\nzeta: 42 (ok)\nend"
	s := newSubstrings(text)
	for _, sub := range []string{"", "a", "alp", "alpha", "alpha beta", "beta\ngamma", "gamma delta epsilon", "delta eps",
		"zeta: 42", "zeta: 43", "end", "endx", "omega", "\n\n", "lta e", "ha be", "(ok)\nend", "42 (ok)\nend\n"} {
		if got, want := s.contains(sub), strings.Contains(text, sub); got != want {
			t.Errorf("contains(%q) = %v, want %v", sub, got, want)
		}
	}
	// A text large enough for a larger filter: pieces of it, and strings
	// with a byte changed, answer as strings.Contains does.
	r := rand.New(rand.NewSource(1))
	var b strings.Builder
	for b.Len() < 300<<10 {
		fmt.Fprintf(&b, "%06d %s line %x: ok\n", r.Intn(1e6), []string{"GET", "PUT", "err"}[r.Intn(3)], r.Int63())
	}
	big := b.String()
	s = newSubstrings(big)
	if s.shift >= 32-minGramLog {
		t.Fatalf("filter of %d bytes has 2^%d bits", len(big), 32-s.shift)
	}
	for range 500 {
		i := r.Intn(len(big) - 64)
		sub := []byte(big[i : i+1+r.Intn(60)])
		if r.Intn(2) == 0 {
			sub[r.Intn(len(sub))] = byte('!' + r.Intn(90))
		}
		if got, want := s.contains(string(sub)), strings.Contains(big, string(sub)); got != want {
			t.Fatalf("contains(%q) = %v, want %v", sub, got, want)
		}
	}
}

// TestCountInSame checks countIn, the count of a term in an ASCII text
// through its lowered copy, against countTerm on texts and terms of every
// case and at word and identifier-part edges.
func TestCountInSame(t *testing.T) {
	texts := []string{
		"", "Error: TestServeExport failed in lib/view.js\nERROR error errors ERRORS\n",
		"max_old_space_size=4096 --max-old-space-size maxOldSpace MAX_OLD_SPACE\n",
		"HTTPServer httpServer http_server Kelvin kelvin KELVIN 0x1f 0X1F /.export exportX Xexport\n",
		strings.Repeat("the resumes resumed resuming RESUME (resume)? ascii only here\n", 40),
	}
	terms := []relevance.Term{
		{Text: "error", Kind: relevance.Word}, {Text: "export", Kind: relevance.Word}, {Text: "server", Kind: relevance.Word},
		{Text: "old", Kind: relevance.Word}, {Text: "lib/view.js", Kind: relevance.Compound}, {Text: "max_old_space", Kind: relevance.Compound},
		{Text: "0x1f", Kind: relevance.Number}, {Text: "/.export", Kind: relevance.Compound}, {Text: "resum", Kind: relevance.Word},
		{Text: "Error", Kind: relevance.Word}, {Text: "kelvin", Kind: relevance.Word}, {Text: "résumé", Kind: relevance.Word},
		{Text: "e", Kind: relevance.Word}, {Text: "-", Kind: relevance.Compound}, {Text: "", Kind: relevance.Word},
	}
	for _, text := range texts {
		lower := lines.LowerASCII(text)
		for _, term := range terms {
			for _, limit := range []int{1, 3, maxCounted} {
				if got, want := countIn(text, lower, term, limit), countTerm(text, term, limit); got != want {
					t.Errorf("%q in %q (limit %d): countIn %d, countTerm %d", term.Text, text[:min(len(text), 40)], limit, got, want)
				}
			}
		}
	}
}

// A follow-up naming a field that every record of the output carries
// ("Deployed:" of each service) asks for that column: the block is
// compressed again, and the field comes back in every record, with the
// one compared with it.
func TestRestoreNamedColumn(t *testing.T) {
	var b strings.Builder
	for i := range 90 {
		deployed, wanted := fmt.Sprintf("4.%d.0", i%7), fmt.Sprintf("4.%d.0", i%7)
		if i%23 == 5 {
			wanted = fmt.Sprintf("4.%d.1", i%7)
		}
		fmt.Fprintf(&b, "svc-%02d-%s:\n  Deployed: %s\n  Wanted: %s\n  Rollout table:\n *** %s 100\n        100 registry.example.test/stable/main\n        50 /var/lib/rollouts/state\n", i, strings.Repeat("x", i%5), deployed, wanted, deployed)
	}
	n := newTestNative(t, NativeConfig{CacheEntries: -1})
	compress := func(later ...string) BlockResult {
		t.Helper()
		res, err := n.Compress(context.Background(), sessionOf(b.String(), later...))
		if err != nil {
			t.Fatal(err)
		}
		return res.Blocks[0]
	}
	first := compress()
	if strings.Count(first.Text, "  Deployed: ") > 45 {
		t.Fatalf("turn 1 already keeps the column:\n%s", first.Text)
	}
	got := compress("Which services are not on the release they should have deployed? Both versions please.")
	if got.Restored != RestoreTerms || strings.Count(got.Text, "  Deployed: ") != 90 || !strings.Contains(got.Text, "svc-28-xxx:\n  Deployed: 4.0.0\n  Wanted: 4.0.1\n") {
		t.Errorf("restored=%q:\n%s", got.Restored, got.Text)
	}
}
