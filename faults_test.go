package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/child"
	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/internal/probe"
	"github.com/tsheadroom/tsheadroom/internal/procinfo"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
)

// The tests in this file run tsheadroom as its own process (this test
// binary re-executed as main, see TestMain), on loopback, and break
// things around it: its workers, its signals, its clients. They read the
// process from outside as an operator would: /metrics, /proc and its exit
// status.

// asMainEnv makes the test binary run main() with its arguments instead of
// the tests.
const asMainEnv = "TSHEADROOM_TEST_AS_MAIN"

// proc is a tsheadroom process started by startProc.
type proc struct {
	t *testing.T
	*child.Process
	base string // http://127.0.0.1:PORT
	logs *logtest.Buffer
}

// startProc starts tsheadroom on a free loopback port with args and waits
// until /readyz answers 200. The process is killed, if still running,
// when the test ends; its log is shown when the test fails.
func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	addr, err := probe.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], append([]string{"-tailnet=false", "-local-addr", addr, "-config", ""}, args...)...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	p := &proc{t: t, base: "http://" + addr, logs: &logtest.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if p.Process, err = child.Start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("tsheadroom log:\n%s", p.logs.String())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	switch err := (probe.Poll{Every: 20 * time.Millisecond, Exited: p.Exited()}).OK(ctx, p.base+"/readyz"); {
	case errors.Is(err, probe.ErrExited):
		t.Fatalf("tsheadroom exited at start: %v\n%s", p.Err(), p.logs.String())
	case err != nil:
		t.Fatalf("tsheadroom not ready after 2 minutes: %v\n%s", err, p.logs.String())
	}
	return p
}

func (p *proc) pid() int { return p.Cmd.Process.Pid }

// answer is one hook call's result as the caller saw it.
type answer struct {
	code       int
	body       string
	err        error
	start, end time.Time
}

func (p *proc) post(ctx context.Context, c *http.Client, call []byte) answer {
	a := answer{start: time.Now()}
	code, b, err := probe.PostJSON(ctx, c, p.base+"/", call)
	a.code, a.body, a.err, a.end = code, string(b), err, time.Now()
	return a
}

// metrics scrapes the process's /metrics (loopback callers hold the
// metrics role).
func (p *proc) metrics(t *testing.T) map[string]float64 {
	t.Helper()
	m, err := probe.Metrics(context.Background(), nil, p.base+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// settledGoroutines waits for go_goroutines to stop moving (two equal
// scrapes in a row) and returns it.
func (p *proc) settledGoroutines(t *testing.T) float64 {
	t.Helper()
	last := -1.0
	for range 100 {
		g := p.metrics(t)["go_goroutines"]
		if g == last {
			return g
		}
		last = g
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// waitGoroutines waits until go_goroutines is at most want.
func (p *proc) waitGoroutines(t *testing.T, want float64) {
	t.Helper()
	var g float64
	for range 200 {
		if g = p.metrics(t)["go_goroutines"]; g <= want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("goroutine leak: %v goroutines, want at most %v", g, want)
}

// children returns the PIDs of the process's live child processes.
func (p *proc) children(t *testing.T) []int {
	t.Helper()
	kids, err := procinfo.Children(p.pid())
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	return kids
}

// memory is the process's resident set, now and at its peak.
func (p *proc) memory(t *testing.T) procinfo.Memory {
	t.Helper()
	m, err := procinfo.ReadMemory(p.pid())
	if err != nil {
		t.Skipf("no /proc status: %v", err)
	}
	if m.RSS == 0 || m.Peak == 0 {
		t.Fatalf("no VmRSS or VmHWM in /proc status: %+v", m)
	}
	return m
}

// rss is the process's resident set in bytes (VmRSS).
func (p *proc) rss(t *testing.T) int {
	t.Helper()
	return int(p.memory(t).RSS)
}

// terminate sends SIGTERM and waits, at most limit, for the exit; it
// returns Wait's error.
func (p *proc) terminate(t *testing.T, limit time.Duration) error {
	t.Helper()
	exited, err := p.Terminate(limit)
	if err != nil {
		t.Fatal(err)
	}
	if !exited {
		t.Fatalf("still running %v after SIGTERM", limit)
	}
	return p.Err()
}

// logCall is a hook call with a large, never-seen-before tool output (a
// generated application log, nonce in every line), so no engine cache
// answers it and a real headroom worker needs a noticeable time for it.
func logCall(nonce string, lines int) []byte {
	var log strings.Builder
	for i := range lines {
		fmt.Fprintf(&log, "2026-12-01T10:%02d:%02d.%03dZ %s worker-%d request %d path=/api/v%d/items/%d status=%d took=%dms id=%s-%d\n",
			i/60%60, i%60, i%1000, []string{"INFO", "INFO", "WARN", "DEBUG"}[i%4], i%7, i, i%3, i*7919%99991,
			[]int{200, 200, 200, 404, 500}[i%5], i*31%900, nonce, i)
	}
	call := map[string]any{
		"metadata": map[string]any{"url": "https://ai.example.ts.net/v1/messages", "provider": "anthropic",
			"model": "claude-sonnet-4-5", "session_id": "faults-" + nonce, "request_id": nonce},
		"request_body": map[string]any{"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": []any{
			map[string]any{"role": "user", "content": "why do requests fail with status 500?"},
			map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "tool_use", "id": "toolu_1", "name": "bash", "input": map[string]any{"command": "cat /var/log/app.log"}}}},
			map[string]any{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": "toolu_1", "content": log.String()}}},
		}},
	}
	b, err := json.Marshal(call)
	if err != nil {
		panic(err)
	}
	return b
}

const allowReply = `{"action":"allow"}`

// protocolFD opens the worker's protocol stream for writing: the worker
// duplicates its original stdout first thing, so it is its lowest
// descriptor above 2 that is a pipe other than its stdin and stderr.
// (Higher ones may be pipes it inherited from whatever started the tests.)
func protocolFD(t *testing.T, pid int) *os.File {
	t.Helper()
	link := func(fd int) string {
		l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, fd))
		return l
	}
	in, errs := link(0), link(2)
	for fd := 3; fd < 64; fd++ {
		l := link(fd)
		if !strings.HasPrefix(l, "pipe:") || l == in || l == errs {
			continue
		}
		f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/%d", pid, fd), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Fatalf("worker %d has no protocol pipe", pid)
	return nil
}

// TestWorkerFaults breaks a real headroom worker in the middle of a call,
// three ways: SIGKILL, SIGSTOP, and garbage written into its protocol
// stream. Each time the call is answered allow within the budget, the
// worker is replaced (and counted with the right reason), the next call is
// compressed again, and neither processes nor goroutines are left behind;
// at the end SIGTERM leaves no worker running.
func TestWorkerFaults(t *testing.T) {
	py := testenv.HeadroomPython(t)
	const budget = 3 * time.Second
	p := startProc(t, "-engine", "headroom", "-python", py, "-pool-size", "1",
		"-budget", budget.String(), "-worker-timeout", "4s")
	c := &http.Client{}
	ctx := testContext(t)
	// The first calls may pay the pipeline's build past the budget on a
	// busy machine (answered allow): warm up until one is compressed.
	for i := 0; ; i++ {
		a := p.post(ctx, c, logCall("warm"+strconv.Itoa(i), 8000))
		if a.code == 200 && strings.HasPrefix(a.body, `{"action":"modify"`) {
			break
		}
		if i == 20 {
			t.Fatalf("warm-up calls never compressed: %d %v %.80s", a.code, a.err, a.body)
		}
	}
	baseline := p.settledGoroutines(t)
	workers := p.children(t)
	if len(workers) != 1 {
		t.Fatalf("want 1 worker process, found %v", workers)
	}

	for _, fault := range []struct {
		name, reason string
		inject       func(pid int) error
	}{
		{"SIGKILL", "crash", func(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }},
		{"SIGSTOP", "timeout", func(pid int) error { return syscall.Kill(pid, syscall.SIGSTOP) }},
		{"garbage", "protocol", func(pid int) error {
			f := protocolFD(t, pid)
			defer f.Close()
			_, err := f.WriteString("this is not the protocol\n")
			return err
		}},
	} {
		t.Run(fault.name, func(t *testing.T) {
			old := p.children(t)
			if len(old) != 1 {
				t.Fatalf("workers before: %v", old)
			}
			restarts := p.metrics(t)[`tsheadroom_worker_restarts_total,reason=`+fault.reason]
			got := make(chan answer, 1)
			go func() { got <- p.post(ctx, c, logCall(fault.name, 8000)) }()
			// Mid-call: the worker has the request.
			for p.metrics(t)["tsheadroom_pool_slots_busy"] < 1 {
				time.Sleep(2 * time.Millisecond)
			}
			if err := fault.inject(old[0]); err != nil {
				t.Fatal(err)
			}
			a := <-got
			if a.err != nil || a.code != 200 || a.body != allowReply {
				t.Fatalf("call during %s: %d %v %.100s", fault.name, a.code, a.err, a.body)
			}
			if took := a.end.Sub(a.start); took > budget+2*time.Second {
				t.Errorf("call during %s answered after %v, budget %v", fault.name, took, budget)
			}
			// The pool refills: a new worker, the old one gone, and the
			// next call compressed.
			deadline := time.Now().Add(time.Minute)
			for {
				now := p.children(t)
				if len(now) == 1 && now[0] != old[0] && !procinfo.Alive(old[0]) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("worker not replaced: had %v, now %v (old alive: %v)", old, now, procinfo.Alive(old[0]))
				}
				time.Sleep(20 * time.Millisecond)
			}
			for {
				a := p.post(ctx, c, logCall(fault.name+"-after", 2000))
				if a.code == 200 && strings.HasPrefix(a.body, `{"action":"modify"`) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no modify after %s: %d %v %.80s", fault.name, a.code, a.err, a.body)
				}
				time.Sleep(100 * time.Millisecond)
			}
			m := p.metrics(t)
			if got := m[`tsheadroom_worker_restarts_total,reason=`+fault.reason]; got != restarts+1 {
				t.Errorf("restarts{reason=%s} = %v, want %v", fault.reason, got, restarts+1)
			}
			if m["tsheadroom_pool_slots_busy"] != 0 {
				t.Errorf("pool slots still busy: %v", m["tsheadroom_pool_slots_busy"])
			}
			p.waitGoroutines(t, baseline+2)
		})
	}

	last := p.children(t)
	if err := p.terminate(t, 30*time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	for _, pid := range last {
		if procinfo.Alive(pid) {
			t.Errorf("worker %d outlived tsheadroom", pid)
		}
	}
}

// TestSIGTERMUnderLoad: SIGTERM while 16 callers keep sending. Calls the
// server had taken finish with a full answer; later ones are refused at
// the connection (never a half answer or an error status); the process
// exits 0 within -drain and nothing listens afterwards.
func TestSIGTERMUnderLoad(t *testing.T) {
	const drain = 5 * time.Second
	p := startProc(t, "-pool-size", "2", "-drain", drain.String())
	calls := [][]byte{sampleCall(t), logCall("sigterm", 2000)}
	ctx := testContext(t)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

	var (
		mu      sync.Mutex
		answers []answer
		sigAt   time.Time
		wg      sync.WaitGroup
	)
	signalled := make(chan struct{})
	for i := range 16 {
		wg.Go(func() {
			fails := 0
			for n := 0; fails < 3; n++ {
				a := p.post(ctx, c, calls[(i+n)%len(calls)])
				mu.Lock()
				answers = append(answers, a)
				total := len(answers)
				mu.Unlock()
				if a.err != nil {
					fails++
					time.Sleep(20 * time.Millisecond)
				}
				if total == 100 {
					mu.Lock()
					sigAt = time.Now()
					mu.Unlock()
					if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
						t.Error(err)
					}
					close(signalled)
				}
			}
		})
	}
	select {
	case <-signalled:
	case <-time.After(2 * time.Minute):
		t.Fatal("100 calls did not complete within two minutes")
	}
	select {
	case <-p.Exited():
	case <-time.After(drain + 5*time.Second):
		t.Fatalf("still running %v after SIGTERM", drain+5*time.Second)
	}
	exited := time.Now()
	wg.Wait()
	if p.Err() != nil {
		t.Errorf("exit status after SIGTERM: %v", p.Err())
	}
	if took := exited.Sub(sigAt); took > drain+time.Second {
		t.Errorf("exit %v after SIGTERM, -drain %v", took, drain)
	}

	drained, refused := 0, 0
	for _, a := range answers {
		switch {
		case a.err != nil:
			if a.start.Before(sigAt) && a.end.Before(sigAt) {
				t.Errorf("error before SIGTERM: %v", a.err)
			}
			refused++
		case a.code != 200:
			t.Errorf("status %d: %.100s", a.code, a.body)
		case a.body != allowReply && !strings.HasPrefix(a.body, `{"action":"modify","request_body":`):
			t.Errorf("half or odd answer: %.100s", a.body)
		case a.start.Before(sigAt) && a.end.After(sigAt):
			drained++
		}
	}
	t.Logf("%d calls: %d in flight at SIGTERM finished, %d refused after it", len(answers), drained, refused)
	if drained == 0 {
		t.Error("no call in flight at SIGTERM finished with an answer")
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(p.base, "http://"), time.Second); err == nil {
		conn.Close()
		t.Error("something still listens after exit")
	}
}

// TestSlowClients: 100 clients that trickle their bodies (one byte a
// second) hold no pool slot — bodies are read before a slot is taken — and
// no unbounded memory, while normal calls keep being compressed. The cap on
// connections and the read deadline that drops such clients are
// TestSlowClientsCapped's.
func TestSlowClients(t *testing.T) {
	p := startProc(t, "-pool-size", "2")
	ctx := testContext(t)
	c := &http.Client{}
	call := sampleCall(t)
	if a := p.post(ctx, c, call); a.code != 200 {
		t.Fatalf("first call: %d %v", a.code, a.err)
	}
	rss0, g0 := p.rss(t), p.settledGoroutines(t)

	const slow = 100
	stop := make(chan struct{})
	var wg sync.WaitGroup
	open := trickle(t, p, slow, call, stop, &wg)
	stopSlow := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopSlow()

	time.Sleep(2 * time.Second) // every slow client has its headers in and trickles
	for range 10 {
		if a := p.post(ctx, c, call); a.code != 200 || !strings.HasPrefix(a.body, `{"action":"modify"`) {
			t.Fatalf("normal call beside slow clients: %d %v %.80s", a.code, a.err, a.body)
		}
		m := p.metrics(t)
		if busy := m["tsheadroom_pool_slots_busy"]; busy != 0 {
			t.Errorf("%v pool slots busy with only slow clients in flight", busy)
		}
		if active := m["headroom_inbound_requests_active"]; active > slow+1 {
			t.Errorf("%v hook requests active", active)
		}
	}
	if n := open(); n != slow {
		t.Errorf("%d of %d slow clients still connected", n, slow)
	}
	rss, g := p.rss(t), p.metrics(t)["go_goroutines"]
	t.Logf("%d slow clients: RSS %.1f -> %.1f MiB, goroutines %v -> %v", slow, float64(rss0)/(1<<20), float64(rss)/(1<<20), g0, g)
	// About 100 KiB a connection held open (stack, buffers, the first chunk
	// of its body); the race detector multiplies that about four times.
	limit := 20 << 20
	if raceEnabled {
		limit *= 4
	}
	if grow := rss - rss0; grow > limit {
		t.Errorf("RSS grew by %d MiB for %d slow clients (limit %d MiB)", grow>>20, slow, limit>>20)
	}
	if g > g0+3*slow {
		t.Errorf("goroutines %v for %d slow clients (baseline %v)", g, slow, g0)
	}
	stopSlow()
	p.waitGoroutines(t, g0+2)
	if err := p.terminate(t, 30*time.Second); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// trickle opens n connections to p that send a hook call's headers and
// then one body byte a second, until stop is closed or the server hangs
// up; it returns how many are still open, as a function.
func trickle(t *testing.T, p *proc, n int, call []byte, stop <-chan struct{}, wg *sync.WaitGroup) (open func() int) {
	t.Helper()
	var live atomic.Int64
	for range n {
		conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		live.Add(1)
		wg.Go(func() {
			defer live.Add(-1)
			defer conn.Close()
			// Headers may wait in the kernel while the server is at its
			// connection cap; that is the cap working.
			fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(call))
			for i := 0; ; i++ {
				if _, err := conn.Write(call[i%len(call) : i%len(call)+1]); err != nil {
					return // the server hung up
				}
				select {
				case <-stop:
					return
				case <-time.After(time.Second):
				}
			}
		})
	}
	return func() int { return int(live.Load()) }
}

// TestSlowClientsCapped: with -max-conns, 3x the cap in trickling clients
// cost the server goroutines and memory for the cap only, and every one
// of them is hung up on once its body has not arrived within the budget
// (the read deadline), so slow senders cannot hold the service for ever.
func TestSlowClientsCapped(t *testing.T) {
	const capConns, slow = 20, 60
	p := startProc(t, "-pool-size", "2", "-max-conns", strconv.Itoa(capConns), "-budget", "2s")
	call := sampleCall(t)
	if a := p.post(testContext(t), &http.Client{}, call); a.code != 200 {
		t.Fatalf("first call: %d %v", a.code, a.err)
	}
	rss0, g0 := p.rss(t), p.settledGoroutines(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	open := trickle(t, p, slow, call, stop, &wg)
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(time.Second)
	m := p.metrics(t)
	if busy := m["tsheadroom_pool_slots_busy"]; busy != 0 {
		t.Errorf("%v pool slots busy with only slow clients", busy)
	}
	g, rss := m["go_goroutines"], p.rss(t)
	t.Logf("%d slow clients, cap %d: goroutines %v -> %v, RSS %.1f -> %.1f MiB", slow, capConns, g0, g, float64(rss0)/(1<<20), float64(rss)/(1<<20))
	if g > g0+3*capConns {
		t.Errorf("goroutines %v: more than the cap's worth over %v", g, g0)
	}
	// Each is dropped at its budget; those waiting for a slot follow.
	ctx := testContext(t)
	for open() > 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("%d of %d slow clients still connected", open(), slow)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if got := p.metrics(t)["tsheadroom_requests_by_outcome,outcome=timeout"]; got < slow {
		t.Errorf("%v calls answered timeout, want all %d slow ones", got, slow)
	}
}
