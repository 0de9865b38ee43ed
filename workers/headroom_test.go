package workers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
	"github.com/tsheadroom/tsheadroom/internal/procinfo"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
)

// These tests run the real worker script in real Python processes, with a
// fake headroom package (testdata/fakepy) whose behaviour is chosen by the
// input text, to exercise supervision: crashes, hangs, protocol errors,
// stderr floods, stray prints, environment scrubbing, affinity, cold starts.

// logRecord is one captured log record, attributes flattened to strings.
type logRecord struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

// logCapture is a slog.Handler that keeps every record for assertions.
type logCapture struct {
	mu    *sync.Mutex
	recs  *[]logRecord
	attrs []slog.Attr
}

func newLogCapture() *logCapture {
	return &logCapture{mu: &sync.Mutex{}, recs: &[]logRecord{}}
}

func (c *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCapture) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{Level: r.Level, Msg: r.Message, Attrs: map[string]string{}}
	for _, a := range c.attrs {
		rec.Attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.String()
		return true
	})
	c.mu.Lock()
	*c.recs = append(*c.recs, rec)
	c.mu.Unlock()
	return nil
}
func (c *logCapture) WithAttrs(as []slog.Attr) slog.Handler {
	return &logCapture{mu: c.mu, recs: c.recs, attrs: append(append([]slog.Attr{}, c.attrs...), as...)}
}
func (c *logCapture) WithGroup(string) slog.Handler { return c }

func (c *logCapture) records() []logRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]logRecord(nil), *c.recs...)
}

// find returns the records with msg whose "line" attribute contains sub.
func (c *logCapture) find(msg, sub string) []logRecord {
	var out []logRecord
	for _, r := range c.records() {
		if r.Msg == msg && strings.Contains(r.Attrs["line"], sub) {
			out = append(out, r)
		}
	}
	return out
}

// requirePython finds python3 for the fake-worker tests: in CI its absence
// is a failure, elsewhere the tests are skipped with a loud message.
func requirePython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		testenv.Missing(t, "python3", "the worker tests run the real worker script; install Python 3.10+")
	}
	return py
}

func fakePath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "fakepy"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type fakeEngine struct {
	*Headroom
	logs *logCapture
	obs  *recObserver
}

// startFake starts a Headroom engine on the fake headroom package. mod may
// adjust the config before it is built.
func startFake(t *testing.T, mod func(*HeadroomConfig)) *fakeEngine {
	t.Helper()
	logs := newLogCapture()
	obs := newRecObserver()
	cfg := HeadroomConfig{
		Python:       requirePython(t),
		Workers:      1,
		CallTimeout:  20 * time.Second,
		StartTimeout: 30 * time.Second,
		Env:          []string{"PYTHONPATH=" + fakePath(t)},
		Observer:     obs,
		Logger:       slog.New(logs),
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := NewHeadroom(cfg)
	if err != nil {
		t.Fatalf("NewHeadroom: %v", err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &fakeEngine{Headroom: h, logs: logs, obs: obs}
}

// bulky returns a multi-line tool output, starting with first, large enough
// to pass min_tokens_to_compress.
func bulky(first string) string {
	var b strings.Builder
	b.WriteString(first)
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "\n2026-01-01T00:00:%02d INFO request %d served in %dms", i%60, i, i*7%50)
	}
	return b.String()
}

func toolReq(session string, texts ...string) *compress.Request {
	req := &compress.Request{Model: "gpt-4o", Session: session, Config: compress.DefaultConfig()}
	for i, text := range texts {
		req.Blocks = append(req.Blocks, compress.Block{
			Text: text, Source: compress.ToolOutput, Role: "tool", FromEnd: 2*(len(texts)-i) + 1,
			ToolName: "bash", ToolInput: `{"command":"cat app.log"}`, ToolCallID: fmt.Sprintf("call_%d", i),
			Task: "why are requests slow?",
		})
	}
	return req
}

func workerPIDs(h *Headroom) []int {
	var out []int
	for _, w := range h.Workers() {
		out = append(out, w.PID)
	}
	return out
}

func TestHeadroomConfigValidation(t *testing.T) {
	bad := []HeadroomConfig{
		{Workers: -1},
		{CallTimeout: -time.Second},
		{AffinityWait: -time.Second},
		{RestartBackoff: -time.Second},
		{Env: []string{"TS_AUTHKEY=tskey-auth-x"}},
		{Env: []string{"ts_authkey=x"}},
		{Env: []string{"NOEQUALS"}},
	}
	for _, cfg := range bad {
		if _, err := NewHeadroom(cfg); err == nil {
			t.Errorf("NewHeadroom(%+v) accepted an invalid config", cfg)
		}
	}
	h, err := NewHeadroom(HeadroomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Name() != "headroom" || h.cfg.Workers != DefaultWorkers || h.cfg.Python != DefaultPython {
		t.Errorf("defaults not applied: %+v", h.cfg)
	}
	// Not started: calls fail, Close is harmless.
	if _, err := h.Compress(context.Background(), toolReq("", bulky("x"))); !errors.Is(err, ErrClosed) {
		t.Errorf("Compress before Start = %v, want ErrClosed", err)
	}
	if err := h.Close(); err != nil {
		t.Error(err)
	}
}

// TestHeadroomFakeCompress: the happy path with the handshake, eligibility,
// per-block results and the stray import-time print kept off the protocol.
func TestHeadroomFakeCompress(t *testing.T) {
	e := startFake(t, nil)
	if v := e.Version(); v != "0.0.0-fake" {
		t.Errorf("Version = %q, want the fake's 0.0.0-fake", v)
	}
	waitFor(t, "the import-time print in the log (stderr is forwarded asynchronously)", func() bool {
		return len(e.logs.find("headroom worker stderr", "imported (stray stdout print)")) > 0
	})

	cfg := compress.DefaultConfig()
	req := &compress.Request{Model: "gpt-4o", Session: "s", Config: cfg, Blocks: []compress.Block{
		{Text: bulky("build log"), Source: compress.ToolOutput, Role: "tool", FromEnd: 5, ToolName: "bash", ToolCallID: "a"},
		{Text: bulky("user paste"), Source: compress.MessageText, Role: "user", FromEnd: 6},           // user text: not eligible by default
		{Text: "tiny\nout\nput\nhere", Source: compress.ToolOutput, Role: "tool", FromEnd: 4},         // below min tokens
		{Text: bulky("assistant notes"), Source: compress.MessageText, Role: "assistant", FromEnd: 1}, // protected: recent
		{Text: bulky("fresh tool output"), Source: compress.ToolOutput, Role: "tool", FromEnd: 0},     // tool outputs are not protected
	}}
	res, err := e.Compress(context.Background(), req)
	if err != nil {
		t.Fatalf("Compress: %v", err)
	}
	if len(res.Blocks) != len(req.Blocks) {
		t.Fatalf("%d results for %d blocks", len(res.Blocks), len(req.Blocks))
	}
	wantChanged := []bool{true, false, false, false, true}
	tok := tokens.For("gpt-4o")
	for i, br := range res.Blocks {
		if br.Changed != wantChanged[i] {
			t.Errorf("block %d: Changed = %v, want %v", i, br.Changed, wantChanged[i])
		}
		if br.TokensBefore != tok.Count(req.Blocks[i].Text) {
			t.Errorf("block %d: TokensBefore = %d, want %d", i, br.TokensBefore, tok.Count(req.Blocks[i].Text))
		}
		if !br.Changed {
			if br.TokensAfter != br.TokensBefore {
				t.Errorf("block %d unchanged but TokensAfter %d != TokensBefore %d", i, br.TokensAfter, br.TokensBefore)
			}
			continue
		}
		if !strings.HasPrefix(br.Text, strings.SplitN(req.Blocks[i].Text, "\n", 2)[0]) || !strings.Contains(br.Text, "lines omitted by fake") {
			t.Errorf("block %d: unexpected text %q", i, br.Text)
		}
		if br.TokensAfter != tok.Count(br.Text) || br.TokensAfter >= br.TokensBefore {
			t.Errorf("block %d: TokensAfter = %d (before %d)", i, br.TokensAfter, br.TokensBefore)
		}
		if br.Kind != compress.KindLog {
			t.Errorf("block %d: Kind = %q, want log (from router:log)", i, br.Kind)
		}
	}

	// Nothing eligible: no worker call at all, still one result per block.
	cfg.ProtectRecentToolOutputs = 10
	req.Config = cfg
	res, err = e.Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for i, br := range res.Blocks {
		if req.Blocks[i].Source == compress.ToolOutput && br.Changed {
			t.Errorf("block %d changed despite protect_recent_tool_outputs", i)
		}
	}
}

// TestHeadroomOutputValidation: output that breaks an invariant is dropped
// for its block only; the worker keeps serving.
func TestHeadroomOutputValidation(t *testing.T) {
	e := startFake(t, nil)
	req := toolReq("", bulky("FAKE:marker"), bulky("FAKE:inflate"), bulky("FAKE:restructure"),
		bulky("FAKE:role"), bulky("FAKE:raise"), bulky("plain block"), bulky("json object block"))
	req.Blocks[6].JSONObject = true // the fake's summary is not a JSON object
	res, err := e.Compress(context.Background(), req)
	if err != nil {
		t.Fatalf("Compress: %v", err)
	}
	for i, br := range res.Blocks {
		want := i == 5
		if br.Changed != want {
			t.Errorf("block %d (%s): Changed = %v, want %v (text %.60q)", i, strings.SplitN(req.Blocks[i].Text, "\n", 2)[0], br.Changed, want, br.Text)
		}
		if !br.Changed && br.TokensAfter != br.TokensBefore {
			t.Errorf("block %d: unchanged block reports %d -> %d tokens", i, br.TokensBefore, br.TokensAfter)
		}
	}
	if got := e.obs.snapshot().restarts; len(got) != 0 {
		t.Errorf("per-block failures restarted a worker: %v", got)
	}

	// A marker already present in the original is not an introduced one.
	orig := bulky("FAKE:marker <<ccr:deadbeef>> Retrieve more: hash=deadbeef")
	res, err = e.Compress(context.Background(), toolReq("", orig))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Blocks[0].Changed {
		t.Error("output rejected for a marker the original already carried")
	}
}

// failCall runs one request expected to kill the worker and checks that the
// error came back while the replacement was still pending, and that the
// worker comes back and serves again.
func failCall(t *testing.T, e *fakeEngine, directive, reason string) {
	t.Helper()
	before := e.obs.snapshot().restarts[reason]
	oldPID := workerPIDs(e.Headroom)[0]
	_, err := e.Compress(context.Background(), toolReq("", bulky(directive)))
	// Read the slot state first: the error must arrive before the respawn
	// (which waits RestartBackoff first) has produced a new worker.
	state := e.Workers()[0].State
	var werr *workerError
	if !errors.As(err, &werr) || werr.reason != reason {
		t.Fatalf("%s: Compress error = %v, want a %s worker error", directive, err, reason)
	}
	if state != "down" {
		t.Errorf("%s: slot state right after the error = %q, want down (error must not wait for the respawn)", directive, state)
	}
	if got := e.obs.snapshot().restarts[reason]; got != before+1 {
		t.Errorf("%s: WorkerRestart(%q) count = %d, want %d", directive, reason, got, before+1)
	}
	waitFor(t, "the old worker to die", func() bool { return !procinfo.Alive(oldPID) })
	waitFor(t, "worker replacement", func() bool { w := e.Workers()[0]; return w.State == "idle" && w.PID != 0 })
	if pid := workerPIDs(e.Headroom)[0]; pid == oldPID {
		t.Errorf("%s: worker not replaced (pid %d)", directive, pid)
	}
	res, err := e.Compress(context.Background(), toolReq("", bulky("after "+reason)))
	if err != nil || !res.Blocks[0].Changed {
		t.Fatalf("%s: call after replacement: %v", directive, err)
	}
}

// slowRespawn delays worker replacement, so a test can tell an error that
// came at once from one that waited for the new worker.
func slowRespawn(c *HeadroomConfig) { c.RestartBackoff = time.Second }

func TestHeadroomCrash(t *testing.T) {
	e := startFake(t, slowRespawn)
	failCall(t, e, "FAKE:crash", reasonCrash)
}

func TestHeadroomProtocolErrors(t *testing.T) {
	e := startFake(t, slowRespawn)
	failCall(t, e, "FAKE:garbage", reasonProtocol)
	failCall(t, e, "FAKE:wrongid", reasonProtocol)
}

// TestHeadroomHang: a worker stuck past the hard cap is killed with its
// whole process group (the child it started dies too) and replaced.
func TestHeadroomHang(t *testing.T) {
	e := startFake(t, func(c *HeadroomConfig) { c.CallTimeout = time.Second; slowRespawn(c) })
	failCall(t, e, "FAKE:hang", reasonTimeout)
	waitFor(t, "the hang child's pid in the log", func() bool { return len(e.logs.find("headroom worker stderr", "hang child pid")) > 0 })
	recs := e.logs.find("headroom worker stderr", "hang child pid")
	f := strings.Fields(recs[0].Attrs["line"])
	child, err := strconv.Atoi(f[len(f)-1])
	if err != nil {
		t.Fatalf("parse child pid from %q: %v", recs[0].Attrs["line"], err)
	}
	waitFor(t, "the hung worker's child to die with its group", func() bool { return !procinfo.Alive(child) })
}

// TestHeadroomAllDownFailsAtOnce: with the only worker being replaced, a
// call fails with ErrNoWorker instead of waiting for the respawn.
func TestHeadroomAllDownFailsAtOnce(t *testing.T) {
	e := startFake(t, slowRespawn)
	if _, err := e.Compress(context.Background(), toolReq("", bulky("FAKE:crash"))); err == nil {
		t.Fatal("crash call succeeded")
	}
	_, err := e.Compress(context.Background(), toolReq("", bulky("next")))
	if !errors.Is(err, ErrNoWorker) {
		t.Fatalf("call while the only worker restarts = %v, want ErrNoWorker", err)
	}
}

// TestHeadroomReady: the engine says it can take calls only while it runs
// with a worker up: not before Start, not while its only worker is being
// replaced, not after Close.
func TestHeadroomReady(t *testing.T) {
	idle, err := NewHeadroom(HeadroomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if idle.Ready() == nil {
		t.Error("ready before Start")
	}
	e := startFake(t, slowRespawn)
	if err := e.Ready(); err != nil {
		t.Errorf("not ready after Start: %v", err)
	}
	if _, err := e.Compress(context.Background(), toolReq("", bulky("FAKE:crash"))); err == nil {
		t.Fatal("crash call succeeded")
	}
	if err := e.Ready(); !errors.Is(err, ErrNoWorker) {
		t.Errorf("while the only worker restarts: Ready() = %v, want ErrNoWorker", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Ready(); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: Ready() = %v, want ErrClosed", err)
	}
}

// TestHeadroomStderrLineCap: a 1 MB stderr line is logged cut to the cap,
// with the dropped size, and the call still succeeds.
func TestHeadroomStderrLineCap(t *testing.T) {
	const lineMax = 512
	e := startFake(t, func(c *HeadroomConfig) { c.StderrLineMax = lineMax })
	res, err := e.Compress(context.Background(), toolReq("", bulky("FAKE:stderr=1000000")))
	if err != nil || !res.Blocks[0].Changed {
		t.Fatalf("Compress: %v", err)
	}
	// stderr is forwarded asynchronously.
	waitFor(t, "the huge stderr line in the log", func() bool { return len(e.logs.find("headroom worker stderr", "EEEE")) > 0 })
	recs := e.logs.find("headroom worker stderr", "EEEE")
	if len(recs) != 1 {
		t.Fatalf("found %d log records of the huge line, want 1", len(recs))
	}
	if n := len(recs[0].Attrs["line"]); n != lineMax {
		t.Errorf("logged line is %d bytes, want the cap %d", n, lineMax)
	}
	if got := recs[0].Attrs["truncated_bytes"]; got != strconv.Itoa(1000000-lineMax) {
		t.Errorf("truncated_bytes = %s, want %d", got, 1000000-lineMax)
	}
	if len(e.obs.snapshot().restarts) != 0 {
		t.Error("a stderr flood restarted the worker")
	}
}

// TestHeadroomStrayPrints: print() and raw writes to fd 1 inside headroom
// land in the log and do not corrupt the protocol.
func TestHeadroomStrayPrints(t *testing.T) {
	e := startFake(t, nil)
	res, err := e.Compress(context.Background(), toolReq("", bulky("FAKE:print")))
	if err != nil || !res.Blocks[0].Changed {
		t.Fatalf("Compress with stray prints: %v", err)
	}
	for _, sub := range []string{"stray print during compress", "raw write to fd 1"} {
		waitFor(t, "stray output in the log: "+sub, func() bool { return len(e.logs.find("headroom worker stderr", sub)) > 0 })
	}
	if len(e.obs.snapshot().restarts) != 0 {
		t.Error("stray prints restarted the worker")
	}
}

// TestHeadroomEnvScrubbed: secrets in tsheadroom's environment never reach
// a worker; the allow-list, fixed settings and HeadroomConfig.Env do.
func TestHeadroomEnvScrubbed(t *testing.T) {
	t.Setenv("TS_AUTHKEY", "tskey-auth-secret")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
	t.Setenv("OPENAI_API_KEY", "sk-secret")
	t.Setenv("LANG", "C.UTF-8")
	e := startFake(t, func(c *HeadroomConfig) { c.Env = append(c.Env, "EXTRA_SETTING=1") })
	res, err := e.Compress(context.Background(), toolReq("", bulky("FAKE:env")))
	if err != nil || !res.Blocks[0].Changed {
		t.Fatalf("Compress: %v", err)
	}
	names := map[string]bool{}
	for _, n := range strings.Fields(strings.TrimPrefix(res.Blocks[0].Text, "ENV ")) {
		names[n] = true
	}
	for _, secret := range []string{"TS_AUTHKEY", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY"} {
		if names[secret] {
			t.Errorf("worker environment contains %s", secret)
		}
	}
	for _, want := range []string{"PATH", "LANG", "PYTHONPATH", "HEADROOM_OFFLINE", "EXTRA_SETTING"} {
		if !names[want] {
			t.Errorf("worker environment lacks %s (got %v)", want, res.Blocks[0].Text)
		}
	}
}

// TestHeadroomDownloadEnv: with model downloads allowed, the worker gets
// HF_TOKEN and no offline switch; without, neither reaches it.
func TestHeadroomDownloadEnv(t *testing.T) {
	t.Setenv("HF_TOKEN", "hf_secret")
	for _, allow := range []bool{false, true} {
		e := startFake(t, func(c *HeadroomConfig) { c.AllowModelDownload = allow })
		res, err := e.Compress(context.Background(), toolReq("", bulky("FAKE:env")))
		if err != nil {
			t.Fatal(err)
		}
		names := " " + res.Blocks[0].Text + " "
		if strings.Contains(names, " HF_TOKEN ") != allow || strings.Contains(names, " HEADROOM_OFFLINE ") == allow {
			t.Errorf("downloads allowed %v: worker environment %s", allow, res.Blocks[0].Text)
		}
	}
}

// TestHeadroomKnobsReachCompress: kompress_model and the model's context
// window reach headroom's compress() as keyword arguments (model_limit, as
// the original passes it); context_window overrides the model's known
// window.
func TestHeadroomKnobsReachCompress(t *testing.T) {
	e := startFake(t, nil)
	req := toolReq("", bulky("FAKE:kwargs"))
	model := "some-org/kompress-custom"
	req.Config.KompressModel = &model
	res, err := e.Compress(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Blocks[0].Text
	for _, want := range []string{"model=gpt-4o", "kompress_model=some-org/kompress-custom", "model_limit=128000"} {
		if !strings.Contains(got, want) {
			t.Errorf("compress() kwargs lack %s: %s", want, got)
		}
	}
	req = toolReq("", bulky("FAKE:kwargs"))
	req.Config.ContextWindow = 32000
	if res, err = e.Compress(context.Background(), req); err != nil || !strings.Contains(res.Blocks[0].Text, "model_limit=32000") || strings.Contains(res.Blocks[0].Text, "kompress_model") {
		t.Errorf("context_window: %v %s", err, res.Blocks[0].Text)
	}
}

// TestHeadroomNoAffinity: with affinity off, calls of one session are not
// steered: no affinity hits or spills are counted.
func TestHeadroomNoAffinity(t *testing.T) {
	e := startFake(t, func(c *HeadroomConfig) { c.Workers = 2; c.NoAffinity = true })
	for range 4 {
		if _, err := e.Compress(context.Background(), toolReq("conv-1", bulky("FAKE:pid"))); err != nil {
			t.Fatal(err)
		}
	}
	if s := e.obs.snapshot(); s.hits != 0 || s.spills != 0 {
		t.Errorf("hits/spills = %d/%d with affinity off, want 0/0", s.hits, s.spills)
	}
}

// TestHeadroomAffinity: a session's turns stay on one warm worker; when it
// is busy past AffinityWait the call spills to the other worker, and when
// it frees within the wait the call waits for it.
func TestHeadroomAffinity(t *testing.T) {
	e := startFake(t, func(c *HeadroomConfig) { c.Workers = 2; c.AffinityWait = 50 * time.Millisecond })
	pidOf := func(res *compress.Result) string { return res.Blocks[0].Text }
	ctx := context.Background()

	first, err := e.Compress(ctx, toolReq("conv-1", bulky("FAKE:pid")))
	if err != nil {
		t.Fatal(err)
	}
	warm := pidOf(first)
	for i := 0; i < 5; i++ {
		res, err := e.Compress(ctx, toolReq("conv-1", bulky("FAKE:pid")))
		if err != nil {
			t.Fatal(err)
		}
		if pidOf(res) != warm {
			t.Fatalf("turn %d served by %s, want the warm worker %s", i, pidOf(res), warm)
		}
	}
	if s := e.obs.snapshot(); s.hits != 6 || s.spills != 0 {
		t.Fatalf("hits/spills = %d/%d, want 6/0", s.hits, s.spills)
	}

	// Keep the warm worker busy for a long time: the next turn spills.
	busy := make(chan error, 1)
	go func() {
		_, err := e.Compress(ctx, toolReq("conv-1", bulky("FAKE:sleep=3")))
		busy <- err
	}()
	waitFor(t, "the warm worker to be busy", func() bool {
		for _, w := range e.Workers() {
			if strconv.Itoa(w.PID) == strings.TrimPrefix(warm, "PID ") && w.State == "busy" {
				return true
			}
		}
		return false
	})
	res, err := e.Compress(ctx, toolReq("conv-1", bulky("FAKE:pid")))
	if err != nil {
		t.Fatal(err)
	}
	if pidOf(res) == warm {
		t.Errorf("call ran on the busy warm worker")
	}
	if s := e.obs.snapshot(); s.spills != 1 {
		t.Errorf("spills = %d, want 1", s.spills)
	}
	if err := <-busy; err != nil {
		t.Fatal(err)
	}

	// A warm worker that frees within the wait is waited for.
	e2 := startFake(t, func(c *HeadroomConfig) { c.Workers = 2; c.AffinityWait = 20 * time.Second })
	first, err = e2.Compress(ctx, toolReq("conv-2", bulky("FAKE:pid")))
	if err != nil {
		t.Fatal(err)
	}
	warm = pidOf(first)
	go func() {
		_, err := e2.Compress(ctx, toolReq("conv-2", bulky("FAKE:sleep=0.3")))
		busy <- err
	}()
	waitFor(t, "a busy worker", func() bool {
		for _, w := range e2.Workers() {
			if w.State == "busy" {
				return true
			}
		}
		return false
	})
	res, err = e2.Compress(ctx, toolReq("conv-2", bulky("FAKE:pid")))
	if err != nil {
		t.Fatal(err)
	}
	if pidOf(res) != warm {
		t.Errorf("served by %s, want the warm worker %s after it freed", pidOf(res), warm)
	}
	if s := e2.obs.snapshot(); s.spills != 0 || s.hits != 3 {
		t.Errorf("hits/spills = %d/%d, want 3/0", s.hits, s.spills)
	}
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
}

// TestHeadroomCallerGaveUp: a call whose context ends while it waits for a
// worker returns ctx.Err() and never reaches Python.
func TestHeadroomCallerGaveUp(t *testing.T) {
	callLog := filepath.Join(t.TempDir(), "calls.log")
	e := startFake(t, func(c *HeadroomConfig) { c.Env = append(c.Env, "FAKE_HEADROOM_CALL_LOG="+callLog) })
	busy := make(chan error, 1)
	go func() {
		_, err := e.Compress(context.Background(), toolReq("", bulky("FAKE:sleep=1 holder")))
		busy <- err
	}()
	waitFor(t, "the worker to be busy", func() bool { return e.Workers()[0].State == "busy" })

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.Compress(ctx, toolReq("", bulky("abandoned call")))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Compress = %v, want DeadlineExceeded", err)
	}
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
	// One more call, so anything queued would have run by now.
	if _, err := e.Compress(context.Background(), toolReq("", bulky("last call"))); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(callLog)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "abandoned call") {
		t.Errorf("the abandoned call reached Python:\n%s", data)
	}
	if !strings.Contains(string(data), "last call") || !strings.Contains(string(data), "holder") {
		t.Errorf("call log misses the served calls:\n%s", data)
	}

	// A caller that leaves mid-call gets its error at once; the worker
	// finishes and serves the next call.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := e.Compress(ctx2, toolReq("", bulky("FAKE:sleep=0.5"))); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Compress = %v, want DeadlineExceeded", err)
	}
	if _, err := e.Compress(context.Background(), toolReq("", bulky("after leaving"))); err != nil {
		t.Fatalf("call after a caller left mid-call: %v", err)
	}
	if len(e.obs.snapshot().restarts) != 0 {
		t.Error("a caller leaving restarted the worker")
	}
}

// TestHeadroomColdStarts: without preload the first call of each process
// is cold (including after a replacement); with preload none is.
func TestHeadroomColdStarts(t *testing.T) {
	ctx := context.Background()
	e := startFake(t, nil)
	for i := 0; i < 3; i++ {
		if _, err := e.Compress(ctx, toolReq("", bulky("call"))); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.obs.snapshot().colds; got != 1 {
		t.Errorf("cold starts after 3 calls = %d, want 1", got)
	}
	_, _ = e.Compress(ctx, toolReq("", bulky("FAKE:crash")))
	waitFor(t, "worker replacement", func() bool { return e.Workers()[0].State == "idle" })
	if _, err := e.Compress(ctx, toolReq("", bulky("call"))); err != nil {
		t.Fatal(err)
	}
	if got := e.obs.snapshot().colds; got != 2 {
		t.Errorf("cold starts after a replacement = %d, want 2", got)
	}
	// A call with nothing eligible never reaches a worker, so is never cold.

	p := startFake(t, func(c *HeadroomConfig) { c.Preload = true })
	for i := 0; i < 3; i++ {
		if _, err := p.Compress(ctx, toolReq("", bulky("call"))); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.obs.snapshot().colds; got != 0 {
		t.Errorf("cold starts with preload = %d, want 0", got)
	}
}

// TestHeadroomStartFailure: a worker that cannot import headroom makes
// Start fail with the reason, and the engine refuses calls.
func TestHeadroomStartFailure(t *testing.T) {
	h, err := NewHeadroom(HeadroomConfig{
		Python:  requirePython(t),
		Workers: 2,
		Env:     []string{"PYTHONPATH=" + fakePath(t), "FAKE_HEADROOM_IMPORT_ERROR=1"},
		Logger:  slog.New(newLogCapture()),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = h.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "import headroom") {
		t.Fatalf("Start = %v, want an import failure", err)
	}
	if _, err := h.Compress(context.Background(), toolReq("", bulky("x"))); !errors.Is(err, ErrClosed) {
		t.Errorf("Compress after failed Start = %v, want ErrClosed", err)
	}
	if err := h.Close(); err != nil {
		t.Error(err)
	}

	// A missing interpreter fails the same way.
	h, err = NewHeadroom(HeadroomConfig{Python: "/nonexistent/python3", Workers: 1, Logger: slog.New(newLogCapture())})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err == nil {
		t.Fatal("Start with a missing interpreter succeeded")
	}
}

// TestHeadroomClose: Close stops every worker and removes the private
// script directory.
func TestHeadroomClose(t *testing.T) {
	e := startFake(t, func(c *HeadroomConfig) { c.Workers = 2 })
	pids := workerPIDs(e.Headroom)
	dir := e.tmpDir
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("script dir %s: %v (mode %v), want a 0700 directory", dir, err, st.Mode())
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if procinfo.Alive(pid) {
			t.Errorf("worker %d alive after Close", pid)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("script dir %s still present after Close", dir)
	}
	if _, err := e.Compress(context.Background(), toolReq("", bulky("x"))); !errors.Is(err, ErrClosed) {
		t.Errorf("Compress after Close = %v, want ErrClosed", err)
	}
}

// TestHeadroomParentDeath kills a process running the engine with SIGKILL
// (no cleanup possible) and checks that its workers die with it: the idle
// one (stdin EOF or the parent-death signal) and the one busy in a call,
// which reads no stdin and only the parent-death signal (Linux) can stop.
func TestHeadroomParentDeath(t *testing.T) {
	if os.Getenv("TSHEADROOM_WORKERS_HELPER") == "1" {
		return // running as the helper's test filter target; see TestMain
	}
	py := requirePython(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// The killed helper cannot remove its script directory: keep it in a
	// directory the test removes.
	cmd.Env = append(os.Environ(), "TSHEADROOM_WORKERS_HELPER=1", "HELPER_PYTHON="+py, "HELPER_FAKEPATH="+fakePath(t),
		"TMPDIR="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	rd := bufio.NewReader(out)
	line, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("helper output: %v", err)
	}
	if busy, err := rd.ReadString('\n'); err != nil || busy != "BUSY\n" {
		t.Fatalf("helper did not report a busy worker: %q, %v", busy, err)
	}
	var pids []int
	for _, f := range strings.Fields(strings.TrimPrefix(line, "PIDS ")) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("helper line %q: %v", line, err)
		}
		pids = append(pids, pid)
	}
	if len(pids) != 2 {
		t.Fatalf("helper reported %q, want 2 worker pids", line)
	}
	for _, pid := range pids {
		if !procinfo.Alive(pid) {
			t.Fatalf("worker %d not running before the parent dies", pid)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for _, pid := range pids {
		waitFor(t, fmt.Sprintf("worker %d to die with its parent", pid), func() bool { return !procinfo.Alive(pid) })
	}
}

// TestMain doubles as the parent-death helper: started with
// TSHEADROOM_WORKERS_HELPER=1 it runs an engine, prints its worker pids and
// waits to be killed.
func TestMain(m *testing.M) {
	if os.Getenv("TSHEADROOM_WORKERS_HELPER") == "1" {
		h, err := NewHeadroom(HeadroomConfig{
			Python:  os.Getenv("HELPER_PYTHON"),
			Workers: 2,
			Env:     []string{"PYTHONPATH=" + os.Getenv("HELPER_FAKEPATH")},
			Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		})
		if err == nil {
			err = h.Start(context.Background())
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(3)
		}
		fmt.Printf("PIDS %d %d\n", h.Workers()[0].PID, h.Workers()[1].PID)
		go h.Compress(context.Background(), toolReq("", bulky("FAKE:sleep=600")))
		for {
			ws := h.Workers()
			if ws[0].State == "busy" || ws[1].State == "busy" {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		fmt.Println("BUSY")
		select {} // until killed
	}
	os.Exit(m.Run())
}

// TestHeadroomConcurrentStress runs many concurrent calls, some cancelled,
// some crashing their worker, across sessions: every call returns, results
// are consistent, and the engine ends with every worker idle.
func TestHeadroomConcurrentStress(t *testing.T) {
	e := startFake(t, func(c *HeadroomConfig) { c.Workers = 2; c.RestartBackoff = 20 * time.Millisecond })
	var wg sync.WaitGroup
	for i := 0; i < 60; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx := context.Background()
			if i%5 == 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Duration(i%3)*time.Millisecond)
				defer cancel()
			}
			first := fmt.Sprintf("call %d", i)
			if i%17 == 3 {
				first = "FAKE:crash"
			}
			res, err := e.Compress(ctx, toolReq(fmt.Sprintf("s%d", i%4), bulky(first), bulky("second block")))
			if err != nil {
				var werr *workerError
				if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrNoWorker) && !errors.As(err, &werr) {
					t.Errorf("call %d: unexpected error %v", i, err)
				}
				return
			}
			if len(res.Blocks) != 2 || !res.Blocks[0].Changed || !res.Blocks[1].Changed ||
				!strings.HasPrefix(res.Blocks[0].Text, first) {
				t.Errorf("call %d: inconsistent result %+v", i, res.Blocks)
			}
		}(i)
	}
	wg.Wait()
	waitFor(t, "every worker idle", func() bool {
		for _, w := range e.Workers() {
			if w.State != "idle" {
				return false
			}
		}
		return true
	})
	if _, err := e.Compress(context.Background(), toolReq("", bulky("final"))); err != nil {
		t.Fatalf("engine unusable after the stress: %v", err)
	}
}
