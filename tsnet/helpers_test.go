package tsnet_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
	"github.com/tsheadroom/tsheadroom/tsnet"
)

var tailnet *tailnettest.Tailnet

func TestMain(m *testing.M) { os.Exit(tailnettest.Main(m, tailnettest.Options{}, &tailnet)) }

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// logBuffer collects slog output for assertions; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) count(substr string) int { return strings.Count(b.String(), substr) }

func newLogger(t *testing.T) (*slog.Logger, *logBuffer) {
	t.Helper()
	buf := &logBuffer{}
	w := io.Writer(buf)
	if testing.Verbose() {
		w = io.MultiWriter(buf, tWriter{t})
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})), buf
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// denials counts OnDeny calls by endpoint.
type denials struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *denials) add(endpoint string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[endpoint]++
}

func (d *denials) get(endpoint string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[endpoint]
}

// echo answers 200 with the caller Require attached, so tests see who the
// service thinks is calling and with which roles.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := tsnet.CallerFrom(r.Context())
	if !ok {
		http.Error(w, "no caller in context", http.StatusInternalServerError)
		return
	}
	roles := make([]string, 0, len(c.Roles))
	for _, role := range c.Roles {
		roles = append(roles, string(role))
	}
	io.WriteString(w, "ok "+c.String()+" roles="+strings.Join(roles, ","))
})

// routes registers the three guarded endpoints under prefix, the way main
// registers the real ones.
func routes(mux *http.ServeMux, prefix string, a *tsnet.Access) {
	mux.Handle("POST "+prefix+"/hook", a.Require(tsnet.RoleHook, "hook", echo))
	mux.Handle("GET "+prefix+"/metrics", a.Require(tsnet.RoleMetrics, "metrics", echo))
	mux.Handle("GET "+prefix+"/config", a.Require(tsnet.RoleAdmin, "config", echo))
}

// do sends method to url with c and returns status and body.
func do(t *testing.T, ctx context.Context, c *http.Client, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return res.StatusCode, string(body)
}

func methodFor(endpoint string) string {
	if strings.HasSuffix(endpoint, "/hook") {
		return "POST"
	}
	return "GET"
}
