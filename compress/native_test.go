package compress

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

func newTestNative(t testing.TB, cfg NativeConfig) *Native {
	t.Helper()
	n, err := NewNative(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func compressOne(t *testing.T, n *Native, cfg Config, model string, blocks ...Block) *Result {
	t.Helper()
	res, err := n.Compress(context.Background(), &Request{Model: model, Config: cfg, Blocks: blocks})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Blocks) != len(blocks) {
		t.Fatalf("%d results for %d blocks", len(res.Blocks), len(blocks))
	}
	return res
}

func TestNativeName(t *testing.T) {
	e := newTestNative(t, NativeConfig{})
	if e.Name() != "native" {
		t.Errorf("Name = %q", e.Name())
	}
}

func TestNativeEligibility(t *testing.T) {
	logText := genLog(400)
	def := DefaultConfig()
	with := func(f func(*Config)) Config { c := DefaultConfig(); f(&c); return c }
	cases := []struct {
		name string
		b    Block
		cfg  Config
		want bool
	}{
		{"tool output, newest message", Block{Source: ToolOutput, Role: "user", FromEnd: 0}, def, true},
		{"tool output protected by protect_recent_tool_outputs", Block{Source: ToolOutput, Role: "tool", FromEnd: 1}, with(func(c *Config) { c.ProtectRecentToolOutputs = 2 }), false},
		{"tool output older than protect_recent_tool_outputs", Block{Source: ToolOutput, Role: "tool", FromEnd: 2}, with(func(c *Config) { c.ProtectRecentToolOutputs = 2 }), true},
		{"user text, default", Block{Source: MessageText, Role: "user", FromEnd: 10}, def, false},
		{"user text, compress_user_messages", Block{Source: MessageText, Role: "user", FromEnd: 10}, with(func(c *Config) { c.CompressUserMessages = true }), true},
		{"user text, compress_user_messages but recent", Block{Source: MessageText, Role: "user", FromEnd: 3}, with(func(c *Config) { c.CompressUserMessages = true }), false},
		{"system text, old", Block{Source: MessageText, Role: "system", FromEnd: 10}, def, true},
		{"system text, compress_system_messages off", Block{Source: MessageText, Role: "developer", FromEnd: 10}, with(func(c *Config) { c.CompressSystemMessages = false }), false},
		{"assistant text, old", Block{Source: MessageText, Role: "assistant", FromEnd: 4}, def, true},
		{"assistant text, recent", Block{Source: MessageText, Role: "assistant", FromEnd: 3}, def, false},
		{"min_tokens_to_compress above the block", Block{Source: ToolOutput, Role: "tool"}, with(func(c *Config) { c.MinTokensToCompress = 1 << 30 }), false},
	}
	n := newTestNative(t, NativeConfig{})
	for _, c := range cases {
		b := c.b
		b.Text = logText
		res := compressOne(t, n, c.cfg, "", b)
		if got := res.Blocks[0].Changed; got != c.want {
			t.Errorf("%s: changed=%v, want %v", c.name, got, c.want)
		}
		r := res.Blocks[0]
		if r.TokensBefore <= 0 || (!r.Changed && r.TokensAfter != r.TokensBefore) || (r.Changed && r.TokensAfter >= r.TokensBefore) {
			t.Errorf("%s: token counts %d -> %d (changed %v)", c.name, r.TokensBefore, r.TokensAfter, r.Changed)
		}
		if r.Kind != KindLog {
			t.Errorf("%s: kind %s", c.name, r.Kind)
		}
	}
}

func TestNativeDuplicateOutput(t *testing.T) {
	src := strings.Repeat("func f() {\n\treturn nil\n}\n\n// doc comment for g.\nfunc g(x int) int {\n\treturn x * 2\n}\n\n", 40)
	blocks := []Block{
		{Source: ToolOutput, Role: "user", Text: src, ToolName: "Read", ToolCallID: "toolu_01AAA", FromEnd: 4},
		{Source: ToolOutput, Role: "user", Text: "ok", ToolName: "Bash", ToolCallID: "toolu_01BBB", FromEnd: 2},
		{Source: ToolOutput, Role: "user", Text: src, ToolName: "Read", ToolCallID: "toolu_01CCC", FromEnd: 0},
	}
	res := compressOne(t, newTestNative(t, NativeConfig{}), DefaultConfig(), "claude-sonnet-4-5", blocks...)
	if res.Blocks[0].Changed {
		t.Error("first read (source code) was rewritten")
	}
	r := res.Blocks[2]
	if !r.Changed || r.Kind != KindDuplicate {
		t.Fatalf("repeated output not replaced: %+v", r)
	}
	if want := "[same output as the earlier Read call toolu_01AAA above; repeated verbatim]"; r.Text != want {
		t.Errorf("note = %q, want %q", r.Text, want)
	}
	// Protected repeated output stays.
	cfg := DefaultConfig()
	cfg.ProtectRecentToolOutputs = 1
	if res := compressOne(t, newTestNative(t, NativeConfig{}), cfg, "", blocks...); res.Blocks[2].Changed {
		t.Error("protected repeated output replaced")
	}
}

func TestNativeJSONObjectBlock(t *testing.T) {
	b := Block{Source: ToolOutput, Role: "tool", JSONObject: true, Text: `{"packages":` + genJSONCompactRecords(150) + `,"count":150}`}
	res := compressOne(t, newTestNative(t, NativeConfig{}), DefaultConfig(), "gemini-2.5-pro", b)
	r := res.Blocks[0]
	if !r.Changed || r.Kind != KindJSON || !isJSONObject(r.Text) {
		t.Errorf("JSON object block: %+v", r)
	}
	// A JSONObject block whose text is not an object is left alone.
	b.Text = genLog(300)
	if res := compressOne(t, newTestNative(t, NativeConfig{}), DefaultConfig(), "", b); res.Blocks[0].Changed {
		t.Error("non-object text of a JSONObject block rewritten")
	}
}

func TestNativeAnalysisContext(t *testing.T) {
	var diff strings.Builder
	for f := range 6 {
		fmt.Fprintf(&diff, "diff --git a/pkg/f%d.go b/pkg/f%d.go\nindex 1111111..2222222 100644\n--- a/pkg/f%d.go\n+++ b/pkg/f%d.go\n@@ -10,40 +10,40 @@ func x() {\n", f, f, f, f)
		for i := range 40 {
			if i == 20 {
				fmt.Fprintf(&diff, "-\told := compute(%d)\n+\tnew := computeFast(%d)\n", i, i)
				continue
			}
			fmt.Fprintf(&diff, " \tcontext line %d of file %d stays the same\n", i, f)
		}
	}
	if k := detectKind(diff.String()); k != KindDiff {
		t.Fatalf("a unified diff is detected as %s", k)
	}
	n := newTestNative(t, NativeConfig{})
	b := Block{Source: ToolOutput, Role: "tool", Text: diff.String(), Task: "What changed in pkg?"}
	plain := compressOne(t, n, DefaultConfig(), "", b).Blocks[0]
	b.Task = "Please review this change for bugs."
	review := compressOne(t, n, DefaultConfig(), "", b).Blocks[0]
	if review.Changed {
		t.Error("diff rewritten although the task asks for a review")
	}
	cfg := DefaultConfig()
	cfg.ProtectAnalysisContext = false
	if off := compressOne(t, n, cfg, "", b).Blocks[0]; off.Changed != plain.Changed {
		t.Errorf("with protect_analysis_context off: changed=%v, plain task gives %v", off.Changed, plain.Changed)
	}
}

func TestNativeProfiles(t *testing.T) {
	n := newTestNative(t, NativeConfig{})
	b := Block{Source: ToolOutput, Role: "tool", Text: genJSONEvents(400, "  ")}
	tokens := func(cfg Config) int { return compressOne(t, n, cfg, "gpt-4o", b).Blocks[0].TokensAfter }
	balanced := DefaultConfig()
	balanced.SavingsProfile = ProfileBalanced
	agent := DefaultConfig()
	agent.SavingsProfile = ProfileAgent90
	ratio := 0.5
	half := DefaultConfig()
	half.TargetRatio = &ratio
	tb, ta, th := tokens(balanced), tokens(agent), tokens(half)
	if tb != tokens(DefaultConfig()) {
		t.Error("balanced differs from the default profile")
	}
	if ta > tb {
		t.Errorf("agent-90 kept more than balanced: %d > %d", ta, tb)
	}
	if th <= tb {
		t.Errorf("target_ratio 0.5 kept no more than balanced: %d <= %d", th, tb)
	}
}

func TestNativeErrors(t *testing.T) {
	n := newTestNative(t, NativeConfig{})
	bad := DefaultConfig()
	bad.SavingsProfile = "max"
	if _, err := n.Compress(context.Background(), &Request{Config: bad}); err == nil {
		t.Error("invalid config accepted")
	}
	if _, err := n.Compress(context.Background(), nil); err == nil {
		t.Error("nil request accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := n.Compress(ctx, &Request{Config: DefaultConfig(), Blocks: []Block{{Text: "x"}}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

// mixedRequest is a conversation with one block of each kind.
func mixedRequest(model string) *Request {
	blocks := []Block{
		{Source: MessageText, Role: "user", Text: "Find the failing worker and the slow request; pid 4242 matters."},
		{Source: ToolOutput, Role: "tool", ToolName: "bash", ToolCallID: "c1", Text: genLog(800)},
		{Source: ToolOutput, Role: "tool", ToolName: "http", ToolCallID: "c2", Text: genJSONEvents(300, "\t")},
		{Source: ToolOutput, Role: "tool", ToolName: "bash", ToolCallID: "c3", Text: genTable(120)},
		{Source: ToolOutput, Role: "tool", ToolName: "fetch", ToolCallID: "c4", Text: genHTML(80)},
		{Source: ToolOutput, Role: "tool", ToolName: "bash", ToolCallID: "c5", Text: genLog(800)},
		{Source: MessageText, Role: "assistant", Text: "Looking into it."},
	}
	task := blocks[0].Text
	for i := range blocks {
		blocks[i].FromEnd = len(blocks) - 1 - i
		if i > 0 {
			blocks[i].Task = task
		}
	}
	return &Request{Model: model, Config: DefaultConfig(), Blocks: blocks}
}

// TestNativeDeterminism compresses the generated mixed requests 100 times
// each; the corpus cases are checked by TestNativeDeterminismCorpus.
func TestNativeDeterminism(t *testing.T) {
	for _, model := range []string{"gpt-4o", "claude-opus-4-1"} {
		checkDeterministic(t, "mixed "+model, mixedRequest(model), 100)
	}
}

// checkDeterministic compresses req runs times after a first run and fails
// unless every result equals the first: the same engine (its cache warm
// after the first call) and, every tenth run, a fresh engine without a
// cache give identical bytes.
func checkDeterministic(t *testing.T, name string, req *Request, runs int) {
	t.Helper()
	first, err := newTestNative(t, NativeConfig{}).Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	same := newTestNative(t, NativeConfig{})
	for i := range runs {
		eng := same
		if i%10 == 9 {
			eng = newTestNative(t, NativeConfig{CacheEntries: -1})
		}
		got, err := eng.Compress(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, got) {
			t.Fatalf("%s: run %d differs from the first run", name, i)
		}
	}
}

func TestNativeCacheIsTransparent(t *testing.T) {
	req := mixedRequest("gpt-4o")
	cached := newTestNative(t, NativeConfig{})
	uncached := newTestNative(t, NativeConfig{CacheEntries: -1})
	a, _ := cached.Compress(context.Background(), req)
	b, _ := uncached.Compress(context.Background(), req)
	c, _ := cached.Compress(context.Background(), req)
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, c) {
		t.Fatal("results differ with and without the cache")
	}
	st := cached.CacheStats()
	if st.Hits == 0 || st.Entries == 0 {
		t.Errorf("second call did not hit the cache: %+v", st)
	}
	if uncached.CacheStats() != (CacheStats{}) {
		t.Error("disabled cache reports stats")
	}
	// A tiny cache evicts but stays correct.
	tiny := newTestNative(t, NativeConfig{CacheEntries: 2, CacheBytes: 1 << 20})
	for range 3 {
		d, _ := tiny.Compress(context.Background(), req)
		if !reflect.DeepEqual(a, d) {
			t.Fatal("results differ with an evicting cache")
		}
	}
	if tiny.CacheStats().Evictions == 0 {
		t.Error("tiny cache never evicted")
	}
}

// TestNativePrefixStability grows a conversation turn by turn: every block
// that was not protected in turn N must have byte-identical results in
// turn N+1.
func TestNativePrefixStability(t *testing.T) {
	turns := [][]Block{
		{{Source: MessageText, Role: "user", Text: "Why does the upload fail?"},
			{Source: ToolOutput, Role: "tool", Text: genLog(600)},
			{Source: MessageText, Role: "assistant", Text: strings.Repeat("The log shows a disk problem on one worker. ", 40)}},
		{{Source: MessageText, Role: "user", Text: "Which process holds the memory?"},
			{Source: ToolOutput, Role: "tool", Text: genTable(90)},
			{Source: MessageText, Role: "assistant", Text: "pid 4242."}},
		{{Source: MessageText, Role: "user", Text: "And the events for checkout-service?"},
			{Source: ToolOutput, Role: "tool", Text: genJSONEvents(150, "  ")},
			{Source: ToolOutput, Role: "tool", Text: genLog(600)},
			{Source: MessageText, Role: "assistant", Text: "One error event."}},
	}
	n := newTestNative(t, NativeConfig{})
	var conv []Block
	var prev *Result
	var prevReq *Request
	for ti, turn := range turns {
		conv = append(conv, turn...)
		req := &Request{Model: "gpt-4o", Config: DefaultConfig(), Blocks: buildConversation(conv)}
		res, err := n.Compress(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil {
			checkPrefixStable(t, fmt.Sprintf("turn %d", ti+1), prevReq, prev, res)
		}
		prev, prevReq = res, req
	}
}

// buildConversation fills FromEnd (one message per block) and Task.
func buildConversation(conv []Block) []Block {
	out := make([]Block, len(conv))
	var task []string
	for i, b := range conv {
		b.FromEnd = len(conv) - 1 - i
		b.Task = strings.Join(task, "\n")
		if b.Source == MessageText && b.Role == "user" {
			task = append(task, b.Text)
		}
		out[i] = b
	}
	return out
}

// checkPrefixStable compares the results of turn N (prevReq/prev) with
// those of turn N+1 for every block not protected in turn N.
func checkPrefixStable(t *testing.T, name string, prevReq *Request, prev, next *Result) {
	t.Helper()
	for i, b := range prevReq.Blocks {
		if prevReq.Config.Protects(&b) {
			continue
		}
		if !reflect.DeepEqual(prev.Blocks[i], next.Blocks[i]) {
			t.Errorf("%s: block %d (%s/%s) changed from one turn to the next", name, i, b.Source, b.Role)
		}
	}
}

func TestNativeConcurrent(t *testing.T) {
	n := newTestNative(t, NativeConfig{CacheEntries: 4})
	want, _ := newTestNative(t, NativeConfig{}).Compress(context.Background(), mixedRequest("gpt-4o"))
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				got, err := n.Compress(context.Background(), mixedRequest("gpt-4o"))
				if err != nil || !reflect.DeepEqual(want, got) {
					t.Error("concurrent result differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzNative runs arbitrary text through the whole engine as a tool
// output and as a JSON object: no error, no inflation, no retrieval
// markers, objects stay objects, and every kept line is verbatim: each
// part of it outside notes is a substring of the input (a page's text
// extraction excepted, which its note declares).
func FuzzNative(f *testing.F) {
	f.Add(genLog(40), "why does it fail?")
	f.Add(genJSONCompactRecords(30), "pkg-0007")
	f.Add(genTable(30), "memory")
	f.Add(genHTML(10), "option3")
	f.Add(`{"a":[1,2,3]}`, "")
	// Non-ASCII letters whose lower case is longer in UTF-8 (U+023A), in
	// the output and the task: the crasher of a lowered-copy search.
	f.Add(strings.Repeat("\u023a", 50)+" Jérome committed\n"+genLog(30), "what did JÉrome and \"Jérome committed\" do?")
	f.Add(`[{"naïve":"ÉCOLE-NORMALE \u023a-RING","ǅ":"3\u212a"}]`, "école-normale ⱥ-ring 3k")
	f.Add(strings.Repeat("Ⱥ-ring ошибка: Ошибка-ВВОДА\n", 400), "где ошибка-ввода? \u2c65-RING")
	n := newTestNative(f, NativeConfig{})
	f.Fuzz(func(t *testing.T, text, task string) {
		cfg := DefaultConfig()
		cfg.MinTokensToCompress = 0
		for _, jsonObj := range []bool{false, true} {
			b := Block{Source: ToolOutput, Role: "tool", Text: text, Task: task, JSONObject: jsonObj}
			res, err := n.Compress(context.Background(), &Request{Config: cfg, Blocks: []Block{b, b}})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Blocks {
				if !r.Changed {
					continue
				}
				if r.TokensAfter >= r.TokensBefore || len(r.Text) >= len(text) {
					t.Fatalf("inflated: %d -> %d tokens", r.TokensBefore, r.TokensAfter)
				}
				if IntroducesRetrievalMarker(text, r.Text) {
					t.Fatalf("retrieval marker in %q", r.Text)
				}
				if jsonObj && r.Kind != KindDuplicate && !isJSONObject(r.Text) {
					t.Fatalf("object became %q", r.Text)
				}
				if r.Kind == KindHTML || r.Kind == KindDuplicate {
					continue
				}
				for l := range strings.SplitSeq(r.Text, "\n") {
					lines.WithoutNotes(l, func(part string) {
						if part != "" && !strings.Contains(text, part) {
							t.Fatalf("%s output keeps %q, which is not in the input", r.Kind, part)
						}
					})
				}
			}
		}
	})
}

// TestSmallSavingOfJSONIsDropped: a JSON rewrite saving less than the
// minimum share is not used; other kinds, and larger savings, are.
func TestSmallSavingOfJSONIsDropped(t *testing.T) {
	for _, c := range []struct {
		k       Kind
		in, out int
		want    bool
	}{
		{KindJSON, 12000, 10300, false},
		{KindJSON, 12000, 9000, true},
		{KindLog, 12000, 10300, true},
	} {
		if got := worthRewrite(c.k, c.in, c.out); got != c.want {
			t.Errorf("worthRewrite(%s, %d, %d) = %v, want %v", c.k, c.in, c.out, got, c.want)
		}
	}
}
