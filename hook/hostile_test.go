package hook

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/internal/probe"
	"github.com/tsheadroom/tsheadroom/settings"
)

// panicEngine panics in every call, as a compressor with an index bug
// would (issue 11, finding 1).
type panicEngine struct{}

func (panicEngine) Compress(context.Context, *compress.Request) (*compress.Result, error) {
	s := "abc"
	i := len(s) + 3
	return nil, fmt.Errorf("unreachable %s", s[:i]) // slice bounds out of range
}

// panicSettings panics in the hook's own code, outside any engine.
type panicSettings struct{}

func (panicSettings) Get() settings.Settings { panic("settings source broke") }

// served is a hook behind a real HTTP server on loopback, with its
// metrics on /metrics of the same server.
type served struct {
	h   *Hook
	srv *httptest.Server
	log *logtest.Buffer
}

func serveHook(t *testing.T, eng Engine, mutate ...func(*Config)) *served {
	t.Helper()
	m := newTestMetrics(t, "test")
	logger, buf := logtest.NewAt(t, slog.LevelWarn)
	h := newTestHook(t, eng, append([]func(*Config){func(c *Config) { c.Metrics, c.Logger = m, logger }}, mutate...)...)
	mux := http.NewServeMux()
	mux.Handle("/{$}", h)
	mux.Handle("/metrics", m.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &served{h: h, srv: srv, log: buf}
}

func (s *served) call(t *testing.T, body []byte) (int, string) {
	t.Helper()
	res, err := http.Post(s.srv.URL+"/", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (s *served) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	res, err := http.Get(s.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	m, err := probe.ParseMetrics(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPanicsAllow: a panic in the engine or in the hook's own code is
// answered 200 allow with outcome error, counted in
// tsheadroom_panics_total and logged with its stack once (the same panic
// again within LogEvery is held back), and the process goes on serving.
func TestPanicsAllow(t *testing.T) {
	call := readFixture(t, "anthropic.hook.json")
	for _, tt := range []struct {
		name, where, frame string
		eng                Engine
		mutate             func(*Config)
	}{
		{"engine", "engine", "panicEngine.Compress", panicEngine{}, func(*Config) {}},
		{"hook", "hook", "panicSettings.Get", stubEngine{}, func(c *Config) { c.Settings = panicSettings{} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := serveHook(t, tt.eng, tt.mutate)
			for i := 1; i <= 3; i++ {
				if code, body := s.call(t, call); code != 200 || body != `{"action":"allow"}` {
					t.Fatalf("call %d: %d %q, want 200 allow", i, code, body)
				}
			}
			m := s.scrape(t)
			if got := m["tsheadroom_panics_total"]; got != 3 {
				t.Errorf("tsheadroom_panics_total = %v, want 3", got)
			}
			if got := m["tsheadroom_requests_by_outcome,outcome=error"]; got != 3 {
				t.Errorf("outcome error = %v, want 3", got)
			}
			logs := s.log.String()
			if n := strings.Count(logs, "panic recovered"); n != 1 {
				t.Errorf("%d panic lines for 3 identical panics, want 1 (rate limited):\n%s", n, logs)
			}
			if !strings.Contains(logs, "in="+tt.where) || !strings.Contains(logs, tt.frame) {
				t.Errorf("panic line lacks in=%s or the stack frame %s:\n%s", tt.where, tt.frame, logs)
			}
		})
	}
	t.Run("Process", func(t *testing.T) {
		// The compress subcommand's path: Process without HTTP.
		h := newTestHook(t, panicEngine{})
		if a := h.Process(context.Background(), call); a.Outcome != OutcomeError || string(a.Response) != `{"action":"allow"}` {
			t.Errorf("outcome %s reply %s, want error allow", a.Outcome, a.Response)
		}
	})
}

// manyMessages is an Anthropic call with n tiny user messages: 32 bytes a
// message, the shape of finding 3 (46 s and 5.9 GB at a million).
func manyMessages(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"metadata":{"url":"http://ai/v1/messages","provider":"anthropic"},"request_body":{"messages":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"role":"user","content":"hi"}`)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// TestWorkLimits: a call past a limit of work is answered allow as
// too_large, before any engine runs, through HTTP as through Process.
func TestWorkLimits(t *testing.T) {
	parts := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"role":"user","content":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"type":"text","text":"part %d"}`, i)
		}
		b.WriteString(`]}`)
		return hookCall(`{"messages":[` + b.String() + `]}`)
	}
	values := hookCall(`{"messages":[],"x":[` + strings.Repeat("0,", DefaultMaxValues) + `0]}`)
	for _, tt := range []struct {
		name   string
		call   []byte
		want   Outcome
		reason string
	}{
		{"a million tiny messages", manyMessages(1_000_000), OutcomeTooLarge, "JSON values"},
		{"messages", manyMessages(DefaultMaxMessages + 1), OutcomeTooLarge, "messages"},
		{"messages at the limit", manyMessages(DefaultMaxMessages), OutcomeNoop, ""},
		{"text parts in one message", parts(DefaultMaxBlocks + 1), OutcomeTooLarge, "texts"},
		{"JSON values", values, OutcomeTooLarge, "JSON values"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var eng Engine = panicEngine{} // past a limit, an engine call would fail the test
			if tt.want != OutcomeTooLarge {
				eng = stubEngine{}
			}
			h := newTestHook(t, eng)
			a := h.Process(context.Background(), tt.call)
			if a.Outcome != tt.want || !strings.Contains(a.Reason, tt.reason) || string(a.Response) != `{"action":"allow"}` {
				t.Errorf("outcome %s (%s), want %s allow (%s)", a.Outcome, a.Reason, tt.want, tt.reason)
			}
			wantAllow(t, post(t, h, tt.call, nil))
		})
	}
	t.Run("declared body too large", func(t *testing.T) {
		s := serveHook(t, stubEngine{}, func(c *Config) { c.MaxBodyBytes = 1 << 20 })
		conn := dialRaw(t, s.srv)
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n{", 2<<20)
		if code, body := readReply(t, conn); code != 200 || body != `{"action":"allow"}` {
			t.Errorf("%d %q", code, body)
		}
		if got := s.scrape(t)["tsheadroom_requests_by_outcome,outcome=too_large"]; got != 1 {
			t.Errorf("too_large = %v, want 1", got)
		}
	})
}

func dialRaw(t *testing.T, srv *httptest.Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func readReply(t *testing.T, conn net.Conn) (int, string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(time.Minute)) // a hung test, not a measure
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestAdmission: past the bound on bodies being read, or on bytes held, a
// call is answered allow at once as overload, before its body is read;
// a body that does not arrive within the budget is answered allow as
// timeout while its sender still sends.
func TestAdmission(t *testing.T) {
	call := readFixture(t, "anthropic.hook.json")
	// stalled opens a call whose headers are in and whose body never
	// completes, and waits until the hook holds it.
	stalled := func(t *testing.T, s *served, header string, held int) net.Conn {
		conn := dialRaw(t, s.srv)
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\n%s\r\n{\"metadata\":", header)
		for len(s.h.admission.reading) < held {
			time.Sleep(time.Millisecond)
		}
		return conn
	}
	t.Run("bodies being read", func(t *testing.T) {
		s := serveHook(t, stubEngine{}, func(c *Config) { c.MaxReading, c.Budget = 2, time.Minute })
		stalled(t, s, "Content-Length: 100000\r\n", 1)
		stalled(t, s, "Transfer-Encoding: chunked\r\n", 2)
		if code, body := s.call(t, call); code != 200 || body != `{"action":"allow"}` {
			t.Errorf("third call: %d %q, want allow", code, body)
		}
		m := s.scrape(t)
		if got := m["tsheadroom_requests_by_outcome,outcome=overload"]; got != 1 {
			t.Errorf("overload = %v, want 1", got)
		}
	})
	t.Run("bytes declared", func(t *testing.T) {
		s := serveHook(t, stubEngine{}, func(c *Config) {
			c.MaxBodyBytes, c.MaxInFlightBytes, c.Budget = 1<<20, 1<<20, time.Minute
		})
		stalled(t, s, fmt.Sprintf("Content-Length: %d\r\n", 600<<10), 1)
		conn := dialRaw(t, s.srv)
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n{", 600<<10)
		if code, body := readReply(t, conn); code != 200 || body != `{"action":"allow"}` {
			t.Errorf("second call: %d %q, want allow", code, body)
		}
		// A call that fits still goes through beside the held one.
		if code, body := s.call(t, call); code != 200 || !strings.HasPrefix(body, `{"action":"modify"`) {
			t.Errorf("small call beside: %d %.60q", code, body)
		}
		if got := s.scrape(t)["tsheadroom_requests_by_outcome,outcome=overload"]; got != 1 {
			t.Errorf("overload = %v, want 1", got)
		}
	})
	t.Run("bytes as read", func(t *testing.T) {
		s := serveHook(t, stubEngine{}, func(c *Config) {
			c.MaxBodyBytes, c.MaxInFlightBytes, c.Budget = 1<<20, 1<<20, time.Minute
		})
		stalled(t, s, fmt.Sprintf("Content-Length: %d\r\n", 600<<10), 1)
		conn := dialRaw(t, s.srv)
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
		chunk := strings.Repeat(" ", 64<<10)
		go func() {
			for range 10 { // 640 KiB: past what the first call leaves
				if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
					return
				}
			}
		}()
		if code, body := readReply(t, conn); code != 200 || body != `{"action":"allow"}` {
			t.Errorf("chunked call: %d %q, want allow", code, body)
		}
		if got := s.scrape(t)["tsheadroom_requests_by_outcome,outcome=overload"]; got != 1 {
			t.Errorf("overload = %v, want 1", got)
		}
		if held := settledHeld(s.h, 600<<10); held != 600<<10 {
			t.Errorf("%d bytes held after the refused call, want the first call's %d", held, 600<<10)
		}
	})
	t.Run("body slower than the budget", func(t *testing.T) {
		s := serveHook(t, stubEngine{}, func(c *Config) { c.Budget = 300 * time.Millisecond })
		conn := stalled(t, s, "Content-Length: 100000\r\n", 1)
		if code, body := readReply(t, conn); code != 200 || body != `{"action":"allow"}` {
			t.Errorf("trickled call: %d %q, want allow", code, body)
		}
		if got := s.scrape(t)["tsheadroom_requests_by_outcome,outcome=timeout"]; got != 1 {
			t.Errorf("timeout = %v, want 1", got)
		}
		// The reading slot and the bytes are free again.
		if b := settledHeld(s.h, 0); len(s.h.admission.reading) != 0 || b != 0 {
			n := len(s.h.admission.reading)
			t.Errorf("%d reading, %d bytes held after the answer", n, b)
		}
	})
}

// TestReplyNotRead: a caller that never reads a large reply is hung up on
// at the write deadline; the handler returns and frees what it held.
func TestReplyNotRead(t *testing.T) {
	// A reply far larger than the socket buffers on both sides.
	big := strings.Repeat("INFO a line of a long log that the stub engine leaves alone\n", 150_000)
	call := hookCall(`{"messages":[{"role":"user","content":` + quoteJSON(big) + `}]}`)
	s := serveHook(t, echoEngine{}, func(c *Config) { c.WriteTimeout, c.MaxBodyBytes = 200*time.Millisecond, 50<<20 })
	conn := dialRaw(t, s.srv)
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(call), call)
	// Read nothing; the handler must come back on its own.
	for s.h.admission.bytes.Load() != 0 || len(s.h.admission.reading) != 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.scrape(t)["headroom_inbound_requests_active"]; got != 0 {
		t.Errorf("%v hook requests still active", got)
	}
}

// echoEngine rewrites every message text into itself plus a mark, so the
// reply is as large as the call.
type echoEngine struct{}

func (echoEngine) Compress(_ context.Context, req *compress.Request) (*compress.Result, error) {
	res := &compress.Result{Blocks: make([]compress.BlockResult, len(req.Blocks))}
	for i, b := range req.Blocks {
		res.Blocks[i] = compress.BlockResult{Text: b.Text[:len(b.Text)-1], Changed: true, Kind: compress.KindLog, TokensBefore: len(b.Text), TokensAfter: len(b.Text) - 1}
	}
	return res, nil
}

func quoteJSON(s string) string {
	b, err := quote(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// settledHeld is the bytes the admission holds once they equal want (and,
// for want 0, no body is being read), or after a few seconds: a call's
// ticket is released after its reply is written, so a client can read the
// answer a moment before.
func settledHeld(h *Hook, want int64) int64 {
	for range 500 {
		held := h.admission.bytes.Load()
		if held == want && (want != 0 || len(h.admission.reading) == 0) {
			return held
		}
		time.Sleep(10 * time.Millisecond)
	}
	return h.admission.bytes.Load()
}
