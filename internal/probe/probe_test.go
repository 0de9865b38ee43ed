package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFreeLoopbackAddr(t *testing.T) {
	addr, err := FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("address %q", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the address is not free: %v", err)
	}
	ln.Close()
}

// TestPollUntil: the poll asks again until the answer is the one wanted,
// sends the method, body and header of each try, and returns the body.
func TestPollUntil(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 64)
		k, _ := r.Body.Read(b)
		if r.Method != "POST" || string(b[:k]) != "ping" || r.Header.Get("X-Probe") != "yes" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if n.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready"))
	}))
	defer srv.Close()
	p := Poll{Method: "POST", Body: []byte("ping"), Header: http.Header{"X-Probe": {"yes"}}, Every: time.Millisecond}
	body, err := p.Until(context.Background(), srv.URL, func(status int, body string) bool { return status == 200 })
	if err != nil || body != "ready" || n.Load() != 3 {
		t.Fatalf("Until: %q, %v after %d tries", body, err, n.Load())
	}
}

// TestPollEnds: a poll that never gets its answer ends with the context,
// naming the last answer, or at once when the process exits.
func TestPollEnds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "starting", http.StatusServiceUnavailable) }))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := Poll{Every: time.Millisecond}.OK(ctx, srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "503") {
		t.Errorf("after the deadline: %v", err)
	}
	exited := make(chan struct{})
	close(exited)
	err = Poll{Exited: exited}.OK(context.Background(), srv.URL)
	if !errors.Is(err, ErrExited) {
		t.Errorf("after the exit: %v", err)
	}
}

const exposition = `# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 17
# HELP tsheadroom_requests_by_outcome Hook calls by outcome.
# TYPE tsheadroom_requests_by_outcome counter
tsheadroom_requests_by_outcome{outcome="modify"} 3
tsheadroom_requests_by_outcome{outcome="allow"} 1
# TYPE headroom_latency_seconds histogram
headroom_latency_seconds_bucket{le="+Inf"} 4
headroom_latency_seconds_sum 0.5
headroom_latency_seconds_count 4
`

func TestMetrics(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.Error(w, "metrics role needed", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.Write([]byte(exposition))
	}))
	defer srv.Close()
	m, err := Metrics(context.Background(), nil, srv.URL+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"go_goroutines": 17,
		"tsheadroom_requests_by_outcome,outcome=modify": 3,
		"tsheadroom_requests_by_outcome,outcome=allow":  1,
	}
	if len(m) != len(want) {
		t.Errorf("got %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if _, err := Metrics(context.Background(), nil, srv.URL+"/config"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a 403 scrape: %v", err)
	}
	if _, err := ParseMetrics(strings.NewReader("go_goroutines one\n")); err == nil {
		t.Error("a malformed exposition parsed")
	}
}

// TestPostJSON: the body goes as JSON and the answer comes back whole,
// with its status; an answer cut short is an error with what was read.
func TestPostJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/cut" {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("part"))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.Header.Get("Content-Type"), b)
	}))
	defer srv.Close()
	code, b, err := PostJSON(context.Background(), srv.Client(), srv.URL+"/", []byte(`{"a":1}`))
	if err != nil || code != http.StatusAccepted || string(b) != `POST application/json {"a":1}` {
		t.Errorf("got %d %q %v", code, b, err)
	}
	code, b, err = PostJSON(context.Background(), srv.Client(), srv.URL+"/cut", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "read answer: ") || code != http.StatusOK || string(b) != "part" {
		t.Errorf("an answer cut short: %d %q %v", code, b, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := PostJSON(ctx, srv.Client(), srv.URL+"/", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled call: %v", err)
	}
}
