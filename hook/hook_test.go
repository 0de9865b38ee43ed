package hook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/probe"
	"github.com/tsheadroom/tsheadroom/metrics"
	"github.com/tsheadroom/tsheadroom/workers"
)

// stubEngine stands in for a compression engine where the hook, not the
// engine, is under test: it replaces every tool output longer than 200
// bytes with a short note (a JSON object for JSON values), so every
// rewrite is easy to locate.
type stubEngine struct {
	delay time.Duration // simulate a slow engine
	err   error
}

func (stubEngine) Name() string { return "stub" }

func (e stubEngine) Compress(ctx context.Context, req *compress.Request) (*compress.Result, error) {
	if e.delay > 0 {
		select {
		case <-time.After(e.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if e.err != nil {
		return nil, e.err
	}
	res := &compress.Result{Blocks: make([]compress.BlockResult, len(req.Blocks))}
	for i, b := range req.Blocks {
		r := compress.BlockResult{Text: b.Text, TokensBefore: len(b.Text) / 4, TokensAfter: len(b.Text) / 4, Kind: compress.KindText}
		if b.Source == compress.ToolOutput && len(b.Text) > 200 {
			r.Changed, r.Kind = true, compress.KindLog
			r.Text = fmt.Sprintf("[stub: %d bytes <omitted> from %s]", len(b.Text), b.ToolName)
			if b.JSONObject {
				r.Text = fmt.Sprintf(`{"_omitted":"%d bytes <from> %s"}`, len(b.Text), b.ToolName)
			}
			r.TokensAfter = len(r.Text) / 4
		}
		res.Blocks[i] = r
	}
	return res, nil
}

func newTestHook(t testing.TB, eng Engine, mutate ...func(*Config)) *Hook {
	t.Helper()
	pool, err := workers.NewPool(workers.PoolConfig{Size: 2, MaxWaiting: 4})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Engine: eng, Pool: pool}
	for _, m := range mutate {
		m(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// newNative is the native engine, for tests that run the hook end to end.
func newNative(t testing.TB, cfg compress.NativeConfig) *compress.Native {
	t.Helper()
	eng, err := compress.NewNative(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// newTestMetrics is a registry declaring every label value the hook
// reports, as main builds it.
func newTestMetrics(t testing.TB, engine string) *metrics.Metrics {
	t.Helper()
	m, err := metrics.New(metrics.Config{Version: "test", Engine: engine, Outcomes: Outcomes(),
		Kinds: kindNames(), RestoreReasons: compress.RestoreReasons(), Endpoints: []string{"hook"}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// scrape reads m's /metrics as series -> value (see probe.ParseMetrics).
func scrape(t testing.TB, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	got, err := probe.ParseMetrics(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// kindNames is the metrics kind set, as main builds it.
func kindNames() []string {
	var out []string
	for _, k := range compress.CompressedKinds() {
		out = append(out, string(k))
	}
	return out
}

// changedPaths walks two JSON documents in parallel and returns the paths of
// the values that differ. Everything else must match exactly: kinds, object
// member names and their order, array lengths, and the raw bytes of every
// scalar. A differing object or array is reported as one path only when its
// shape (kind) is kept; a kind change is a failure.
func changedPaths(t *testing.T, a, b []byte) []string {
	t.Helper()
	ta, err := parseTree(a)
	if err != nil {
		t.Fatalf("original: %v", err)
	}
	tb, err := parseTree(b)
	if err != nil {
		t.Fatalf("rewritten body is not valid JSON: %v", err)
	}
	var out []string
	var walk func(path string, x, y *node)
	walk = func(path string, x, y *node) {
		if x.kind != y.kind {
			t.Errorf("%s: kind changed from %c to %c", path, x.kind, y.kind)
			return
		}
		switch x.kind {
		case '{':
			if strings.Join(x.keys, ",") != strings.Join(y.keys, ",") {
				if strings.Contains(path, "functionResponse.response") || strings.HasSuffix(path, ".json") {
					out = append(out, path) // a JSON value rewritten as a whole
					return
				}
				t.Errorf("%s: members changed: %v -> %v", path, x.keys, y.keys)
				return
			}
			for i, k := range x.keys {
				walk(path+"."+k, x.kids[i], y.kids[i])
			}
		case '[':
			if len(x.kids) != len(y.kids) {
				if strings.Contains(path, "functionResponse.response") || strings.Contains(path, ".json") {
					out = append(out, path)
					return
				}
				t.Errorf("%s: %d elements became %d", path, len(x.kids), len(y.kids))
				return
			}
			for i := range x.kids {
				walk(fmt.Sprintf("%s[%d]", path, i), x.kids[i], y.kids[i])
			}
		default:
			if string(x.raw(a)) != string(y.raw(b)) {
				if x.kind != '"' {
					t.Errorf("%s: scalar changed: %s -> %s", path, x.raw(a), y.raw(b))
				}
				out = append(out, path)
			}
		}
	}
	walk("", ta, tb)
	return out
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// splitModify returns the request body of a modify reply.
func splitModify(t *testing.T, a *Answer) []byte {
	t.Helper()
	if a.Outcome != OutcomeModify {
		t.Fatalf("outcome %s (%s), want modify", a.Outcome, a.Reason)
	}
	var reply struct {
		Action      string          `json:"action"`
		RequestBody json.RawMessage `json:"request_body"`
	}
	if err := json.Unmarshal(a.Response, &reply); err != nil {
		t.Fatalf("reply is not JSON: %v", err)
	}
	if reply.Action != "modify" {
		t.Fatalf("action %q", reply.Action)
	}
	return ForwardedBody(nil, a)
}

// originalBody returns the request_body bytes of a hook call.
func originalBody(t testing.TB, call []byte) []byte {
	root, err := parseTree(call)
	if err != nil {
		t.Fatal(err)
	}
	return root.get("request_body").raw(call)
}

func TestShapes(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	tests := []struct {
		file    string
		shape   Shape
		changed []string
	}{
		{"anthropic.hook.json", ShapeAnthropic, []string{
			".messages[2].content[0].content",
			".messages[4].content[0].content[0].text",
		}},
		{"bedrock-invoke.hook.json", ShapeAnthropic, []string{".messages[2].content[0].content"}},
		{"openai-chat.hook.json", ShapeOpenAIChat, []string{".messages[3].content", ".messages[5].content[0].text"}},
		{"openai-responses.hook.json", ShapeOpenAIResponses, []string{".input[3].output", ".input[5].output[0].text"}},
		{"gemini.hook.json", ShapeGemini, []string{
			".contents[2].parts[0].functionResponse.response.output",
			".contents[4].parts[0].functionResponse.response",
		}},
		{"bedrock-converse.hook.json", ShapeBedrockConverse, []string{
			".messages[2].content[0].toolResult.content[0].text",
			".messages[2].content[0].toolResult.content[1].json",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			call := readFixture(t, tt.file)
			a := h.Process(context.Background(), call)
			body := splitModify(t, a)
			if a.Shape != tt.shape {
				t.Errorf("shape %s, want %s", a.Shape, tt.shape)
			}
			got := changedPaths(t, originalBody(t, call), body)
			if strings.Join(got, " ") != strings.Join(tt.changed, " ") {
				t.Errorf("changed paths:\n got %q\nwant %q", got, tt.changed)
			}
			if strings.Contains(string(a.Response), `\u003c`) || strings.Contains(string(a.Response), `\u0026`) {
				t.Errorf("reply HTML-escapes <, > or &")
			}
			if a.TokensAfter >= a.TokensBefore || a.BytesOut >= a.BytesIn {
				t.Errorf("no savings: tokens %d -> %d, bytes %d -> %d", a.TokensBefore, a.TokensAfter, a.BytesIn, a.BytesOut)
			}
			// Same input, same bytes.
			if again := h.Process(context.Background(), call); string(again.Response) != string(a.Response) {
				t.Errorf("second run differs")
			}
		})
	}
}

// TestUntouchedBytes checks the parts of a body the hook must never touch
// keep their exact bytes: thinking signatures, cache_control, images, huge
// numbers, non-ASCII text, tool definitions.
func TestUntouchedBytes(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	call := readFixture(t, "anthropic.hook.json")
	body := string(splitModify(t, h.Process(context.Background(), call)))
	for _, want := range []string{
		`"temperature":0.70000000000000000001`,
		`"big":123456789012345678901234567890`,
		`{"type":"thinking","thinking":"Let me look at the log.","signature":"c2lnbmVk"}`,
		`{"type":"redacted_thinking","data":"ZW5jcnlwdGVk"}`,
		`{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}`,
		`"cache_control":{"type":"ephemeral"}`,
		`"tools":[{"name":"Bash","description":"Run <cmd> & report","input_schema":{"type":"object"}}]`,
		`"Thanks — and the « total »?"`,
		`"is_error":true`,
		`[stub: `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("rewritten body lost %s", want)
		}
	}
}

// TestNestedJSONOutput: a Codex-style output that is a JSON document in a
// string keeps its other members byte for byte.
func TestNestedJSONOutput(t *testing.T) {
	h := newTestHook(t, stubEngine{})
	body := splitModify(t, h.Process(context.Background(), readFixture(t, "openai-responses.hook.json")))
	var b struct {
		Input []struct {
			Output json.RawMessage `json:"output"`
		} `json:"input"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	var inner string
	if err := json.Unmarshal(b.Input[3].Output, &inner); err != nil {
		t.Fatalf("output is no longer a string: %v", err)
	}
	if !strings.HasPrefix(inner, `{"output": "[stub: `) || !strings.HasSuffix(inner, `", "metadata": {"exit_code": 0, "duration_seconds": 0.1}}`) {
		t.Errorf("inner document not spliced in place: %s", inner)
	}
}

// candidates takes the first steps of Process on a hook call: parse it and
// collect its candidate blocks.
func candidates(t *testing.T, data []byte) (*Call, *Candidates) {
	t.Helper()
	c, err := ParseCall(data)
	if err != nil {
		t.Fatal(err)
	}
	cands, err := c.Candidates()
	if err != nil {
		t.Fatal(err)
	}
	return c, cands
}

func TestTaskAndContext(t *testing.T) {
	c, cands := candidates(t, readFixture(t, "anthropic.hook.json"))
	if c.Shape != ShapeAnthropic {
		t.Fatalf("shape %s", c.Shape)
	}
	req := cands.Request(compress.DefaultConfig())
	if req.Model != "claude-sonnet-4-5" || req.Session != "s-anthropic" {
		t.Errorf("model %q session %q", req.Model, req.Session)
	}
	var tool []compress.Block
	for _, b := range req.Blocks {
		if b.Source == compress.ToolOutput {
			tool = append(tool, b)
		}
	}
	if len(tool) != 2 {
		t.Fatalf("%d tool blocks, want 2", len(tool))
	}
	first, second := tool[0], tool[1]
	if first.ToolName != "Bash" || !strings.Contains(first.ToolInput, "cat worker.log") || first.ToolCallID != "toolu_1" {
		t.Errorf("tool context: %+v", first)
	}
	if !first.CacheControl || first.IsError || !second.IsError {
		t.Errorf("flags: cache_control %v is_error %v/%v", first.CacheControl, first.IsError, second.IsError)
	}
	if !strings.Contains(first.Task, "worker 3 & 4") || strings.Contains(first.Task, "total") {
		t.Errorf("task must be the user text before the block only: %q", first.Task)
	}
	if first.FromEnd != 4 || second.FromEnd != 2 {
		t.Errorf("FromEnd %d, %d; want 4, 2", first.FromEnd, second.FromEnd)
	}
}

func TestDetectShape(t *testing.T) {
	for _, tt := range []struct {
		url, provider string
		want          Shape
	}{
		{"https://api.anthropic.com/v1/messages", "anthropic", ShapeAnthropic},
		{"http://ai/v1/messages?beta=true", "", ShapeAnthropic},
		{"http://ai/v1/chat/completions", "openai", ShapeOpenAIChat},
		{"http://ai/openai/v1/responses", "openai", ShapeOpenAIResponses},
		{"http://ai/v1beta/models/gemini-2.5-pro:generateContent", "", ShapeGemini},
		{"http://ai/v1/projects/p/locations/l/publishers/google/models/gemini:streamGenerateContent?alt=sse", "vertex", ShapeGemini},
		{"http://ai/model/anthropic.claude-3/converse", "bedrock", ShapeBedrockConverse},
		{"http://ai/model/anthropic.claude-3/converse-stream", "bedrock", ShapeBedrockConverse},
		{"http://ai/model/anthropic.claude-3/invoke", "bedrock", ShapeAnthropic},
		{"http://ai/v1/projects/p/locations/l/publishers/anthropic/models/claude:rawPredict", "vertex", ShapeAnthropic},
		{"http://ai/model/amazon.titan/invoke", "", ShapeUnknown},
		{"http://ai/v1/embeddings", "openai", ShapeUnknown},
		{"", "", ShapeUnknown},
	} {
		if got := detectShape(tt.url, tt.provider); got != tt.want {
			t.Errorf("detectShape(%q, %q) = %s, want %s", tt.url, tt.provider, got, tt.want)
		}
	}
}

func TestEngineFailuresAllow(t *testing.T) {
	call := readFixture(t, "anthropic.hook.json")
	for _, tt := range []struct {
		name string
		eng  stubEngine
		want Outcome
	}{
		{"error", stubEngine{err: fmt.Errorf("boom")}, OutcomeError},
		{"timeout", stubEngine{delay: time.Minute}, OutcomeTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHook(t, tt.eng, func(c *Config) { c.Budget = 50 * time.Millisecond })
			a := h.Process(context.Background(), call)
			if a.Outcome != tt.want || string(a.Response) != `{"action":"allow"}` {
				t.Errorf("outcome %s reply %s, want %s allow", a.Outcome, a.Response, tt.want)
			}
		})
	}
	t.Run("caller gone", func(t *testing.T) {
		h := newTestHook(t, stubEngine{delay: time.Minute})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if a := h.Process(ctx, call); a.Outcome != OutcomeError || string(a.Response) != `{"action":"allow"}` {
			t.Errorf("outcome %s", a.Outcome)
		}
	})
}

// TestOverload: with every slot busy and the waiting room full, a call is
// answered allow at once.
func TestOverload(t *testing.T) {
	pool, err := workers.NewPool(workers.PoolConfig{Size: 1, MaxWaiting: 0})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Engine: stubEngine{delay: time.Minute}, Pool: pool, Budget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	call := readFixture(t, "anthropic.hook.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.Process(ctx, call)
	for pool.Stats().Busy == 0 {
		runtime.Gosched()
	}
	if a := h.Process(context.Background(), call); a.Outcome != OutcomeOverload {
		t.Errorf("outcome %s, want overload", a.Outcome)
	}
}

// TestLegacyFunctionRole: Chat Completions' older function-calling API puts
// outputs in role "function" messages, named by the function.
func TestLegacyFunctionRole(t *testing.T) {
	out, _ := json.Marshal(strings.Repeat("2026-11-28 INFO tick\n", 30))
	call := []byte(`{"metadata":{"url":"http://ai/v1/chat/completions","model":"gpt-3.5-turbo"},"request_body":{"messages":[` +
		`{"role":"user","content":"check the ticks"},` +
		`{"role":"assistant","content":null,"function_call":{"name":"read_log","arguments":"{}"}},` +
		`{"role":"function","name":"read_log","content":` + string(out) + `}]}}`)
	h := newTestHook(t, stubEngine{})
	body := splitModify(t, h.Process(context.Background(), call))
	if got := changedPaths(t, originalBody(t, call), body); strings.Join(got, " ") != ".messages[2].content" {
		t.Errorf("changed %q", got)
	}
	if !strings.Contains(string(body), "from read_log]") {
		t.Errorf("tool name not passed to the engine: %s", body)
	}
}

// TestTaskIsBoundedNewestLast: the task handed to engines keeps the user's
// latest words, at most maxTaskBytes, never cut inside a UTF-8 sequence.
func TestTaskIsBoundedNewestLast(t *testing.T) {
	var msgs []string
	for i := range 200 {
		msgs = append(msgs, fmt.Sprintf(`{"role":"user","content":"étape %d: vérifie le journal"}`, i))
	}
	out, _ := json.Marshal(strings.Repeat("log line\n", 50))
	msgs = append(msgs, `{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":`+string(out)+`}]}`)
	_, cands := candidates(t, hookCall(`{"messages":[`+strings.Join(msgs, ",")+`]}`))
	task := cands.Blocks[len(cands.Blocks)-1].Task
	if len(task) > maxTaskBytes || !utf8.ValidString(task) || !strings.HasSuffix(task, "étape 199: vérifie le journal") {
		t.Errorf("task: %d bytes, valid %v, ends %q", len(task), utf8.ValidString(task), task[max(0, len(task)-40):])
	}
}

// moodyEngine is a stub engine that can be unready and knows a version.
type moodyEngine struct {
	stubEngine
	down error
}

func (e moodyEngine) Ready() error  { return e.down }
func (moodyEngine) Version() string { return "9.9.9" }

// TestReadyAndVersion: the hook asks its engine through the small
// interfaces it declares, and an engine without them is always ready and
// versionless.
func TestReadyAndVersion(t *testing.T) {
	plain := newTestHook(t, stubEngine{})
	if err := plain.Ready(); err != nil || plain.EngineVersion() != "" {
		t.Errorf("plain engine: Ready %v, version %q", err, plain.EngineVersion())
	}
	down := fmt.Errorf("all workers restarting")
	h := newTestHook(t, moodyEngine{down: down})
	if err := h.Ready(); err != down || h.EngineVersion() != "9.9.9" {
		t.Errorf("moody engine: Ready %v, version %q", err, h.EngineVersion())
	}
	if err := newTestHook(t, moodyEngine{}).Ready(); err != nil {
		t.Errorf("ready engine: %v", err)
	}
}

// A tool output that is a JSON data document (an API description, a
// schema) with a few long description strings is one block, compressed as
// JSON: only an envelope that holds most of its bytes in long strings (a
// Codex {"output": ...}) has them rewritten one by one.
func TestJSONDocumentIsOneBlock(t *testing.T) {
	long := strings.Repeat("a long description of the field, ", 20)
	doc := map[string]any{"kind": "description"}
	fields := map[string]any{}
	for i := range 60 {
		fields[fmt.Sprintf("field%02d", i)] = map[string]any{"type": "string", "location": "query", "required": i%2 == 0}
	}
	fields["field00"] = map[string]any{"type": "string", "description": long}
	doc["fields"] = fields
	text, _ := json.MarshalIndent(doc, "", " ")
	call := map[string]any{
		"metadata": map[string]any{"provider": "anthropic", "url": "https://ai.example/v1/messages", "model": "claude-sonnet-4-5"},
		"request_body": map[string]any{"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": []any{
			map[string]any{"role": "user", "content": "Which fields are required?"},
			map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "tool_use", "id": "t1", "name": "Read", "input": map[string]any{}}}},
			map[string]any{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": "t1", "content": string(text)}}},
		}},
	}
	data, _ := json.Marshal(call)
	_, cands := candidates(t, data)
	var tool []compress.Block
	for _, b := range cands.Request(compress.DefaultConfig()).Blocks {
		if b.Source == compress.ToolOutput {
			tool = append(tool, b)
		}
	}
	if len(tool) != 1 || tool[0].Text != string(text) {
		t.Fatalf("%d tool blocks; want the whole document as one", len(tool))
	}
}
