package workers

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/procinfo"
)

// Restart reasons, as WorkerRestart reports them.
const (
	reasonCrash    = "crash"
	reasonTimeout  = "timeout"
	reasonProtocol = "protocol"
)

// workerError is a failure that costs the worker process its life.
type workerError struct {
	reason string // reasonCrash, reasonTimeout or reasonProtocol
	err    error
}

func (e *workerError) Error() string { return e.reason + ": " + e.err.Error() }
func (e *workerError) Unwrap() error { return e.err }

// stderrTailLines is how many recent stderr lines a process keeps to
// explain a failed start.
const stderrTailLines = 8

// proc is one running worker process.
type proc struct {
	idx   int
	cmd   *exec.Cmd
	pid   int
	stdin *os.File
	hello wireHello

	// lines delivers stdout lines (or the read error that ended them).
	lines chan lineResult
	// exited is closed once the process has been reaped.
	exited chan struct{}
	// dead is closed when the process is killed, releasing the reader.
	dead chan struct{}
	// stderrDone is closed when the worker's stderr has been forwarded to
	// its end.
	stderrDone chan struct{}
	killOnce   sync.Once

	mu   sync.Mutex
	tail []string // last stderr lines
}

type lineResult struct {
	line []byte
	err  error
}

// spawner runs process starts on one OS thread that stays locked for the
// engine's lifetime. On Linux the parent-death signal fires when the thread
// that forked the child exits, not the process; a thread that never exits
// keeps it from firing early.
type spawner struct {
	reqs chan func()
	done chan struct{}
}

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan func()), done: make(chan struct{})}
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(s.done)
		for fn := range s.reqs {
			fn()
		}
	}()
	return s
}

// run executes fn on the spawner thread and waits for it.
func (s *spawner) run(fn func()) {
	finished := make(chan struct{})
	s.reqs <- func() { fn(); close(finished) }
	<-finished
}

func (s *spawner) stop() {
	close(s.reqs)
	<-s.done
}

// startProc launches worker idx and waits for its ready line (bounded by
// ctx and StartTimeout). On failure the process group is killed and the
// error says why, including the worker's last stderr lines.
func (h *Headroom) startProc(ctx context.Context, idx int) (*proc, error) {
	args := []string{"-B", h.script, "--worker", strconv.Itoa(idx)}
	if h.cfg.Preload {
		args = append(args, "--preload")
	}
	if h.cfg.KompressModel != "" {
		args = append(args, "--kompress-model", h.cfg.KompressModel)
	}
	cmd := exec.Command(h.cfg.Python, args...)
	cmd.Env = h.env
	cmd.Dir = filepath.Dir(h.script)
	cmd.SysProcAttr = sysProcAttr()

	// Our own pipes handed over as *os.File: exec starts no copying
	// goroutines, and Wait does not close the read ends under our readers.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, &workerError{reasonCrash, fmt.Errorf("stdin pipe: %w", err)}
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		closeAll(stdinR, stdinW)
		return nil, &workerError{reasonCrash, fmt.Errorf("stdout pipe: %w", err)}
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		closeAll(stdinR, stdinW, stdoutR, stdoutW)
		return nil, &workerError{reasonCrash, fmt.Errorf("stderr pipe: %w", err)}
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdinR, stdoutW, stderrW

	h.spawn.run(func() { err = cmd.Start() })
	closeAll(stdinR, stdoutW, stderrW) // the child holds its own copies
	if err != nil {
		closeAll(stdinW, stdoutR, stderrR)
		return nil, &workerError{reasonCrash, fmt.Errorf("start %s: %w", h.cfg.Python, err)}
	}

	p := &proc{
		idx:        idx,
		cmd:        cmd,
		pid:        cmd.Process.Pid,
		stdin:      stdinW,
		lines:      make(chan lineResult, 1),
		exited:     make(chan struct{}),
		dead:       make(chan struct{}),
		stderrDone: make(chan struct{}),
	}
	h.wg.Add(3)
	go func() {
		defer h.wg.Done()
		_ = cmd.Wait() // exit status is reported through the pipes closing
		close(p.exited)
	}()
	go func() {
		defer h.wg.Done()
		defer stdoutR.Close()
		p.readStdout(stdoutR, h.cfg.MaxReplyBytes)
	}()
	go func() {
		defer h.wg.Done()
		defer close(p.stderrDone)
		defer stderrR.Close()
		p.forwardStderr(stderrR, h.log, h.cfg.StderrLineMax)
	}()

	hello, err := p.handshake(ctx, h.cfg.StartTimeout)
	if err != nil {
		p.kill()
		<-p.exited
		// Let the forwarder record the last words (bounded: a helper that
		// left the process group could hold stderr open).
		select {
		case <-p.stderrDone:
		case <-time.After(time.Second):
		}
		if tail := p.stderrTail(); tail != "" {
			err = fmt.Errorf("%w; worker stderr: %s", err, tail)
		}
		return nil, fmt.Errorf("headroom worker %d (pid %d): %w", idx, p.pid, err)
	}
	p.hello = hello
	return p, nil
}

// handshake waits for the ready line.
func (p *proc) handshake(ctx context.Context, limit time.Duration) (wireHello, error) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	var r lineResult
	select {
	case r = <-p.lines:
	case <-timer.C:
		return wireHello{}, &workerError{reasonTimeout, fmt.Errorf("no ready handshake within %s", limit)}
	case <-ctx.Done():
		return wireHello{}, &workerError{reasonTimeout, fmt.Errorf("waiting for ready handshake: %w", ctx.Err())}
	}
	if r.err != nil {
		if errors.Is(r.err, errLineTooLong) {
			return wireHello{}, &workerError{reasonProtocol, fmt.Errorf("handshake: %w", r.err)}
		}
		return wireHello{}, &workerError{reasonCrash, fmt.Errorf("exited before ready handshake: %w", r.err)}
	}
	var hello wireHello
	if err := json.Unmarshal(r.line, &hello); err != nil {
		return wireHello{}, &workerError{reasonProtocol, fmt.Errorf("handshake is not JSON: %.200q", r.line)}
	}
	switch {
	case hello.Type == "fatal":
		return wireHello{}, &workerError{reasonCrash, fmt.Errorf("worker failed to start: %s", hello.Error)}
	case hello.Type != "ready":
		return wireHello{}, &workerError{reasonProtocol, fmt.Errorf("handshake type %q, want \"ready\"", hello.Type)}
	case hello.Protocol != protocolVersion:
		return wireHello{}, &workerError{reasonProtocol, fmt.Errorf("worker speaks protocol %d, want %d", hello.Protocol, protocolVersion)}
	}
	return hello, nil
}

// readStdout delivers protocol lines until the stream ends.
func (p *proc) readStdout(r io.Reader, max int) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, dropped, err := readCapped(br, max)
		res := lineResult{line: line, err: err}
		if err == nil && dropped > 0 {
			res = lineResult{err: fmt.Errorf("%w: %d bytes (limit %d)", errLineTooLong, len(line)+dropped, max)}
		}
		select {
		case p.lines <- res:
		case <-p.dead:
			return
		}
		if err != nil {
			return
		}
	}
}

// forwardStderr logs every stderr line of the worker, cut to max bytes.
func (p *proc) forwardStderr(r io.Reader, log *slog.Logger, max int) {
	br := bufio.NewReaderSize(r, 4<<10)
	for {
		line, dropped, err := readCapped(br, max)
		if len(line) > 0 || dropped > 0 {
			text := strings.ToValidUTF8(string(line), "\uFFFD")
			attrs := []any{"worker", p.idx, "pid", p.pid, "line", text}
			if dropped > 0 {
				attrs = append(attrs, "truncated_bytes", dropped)
			}
			log.Warn("headroom worker stderr", attrs...)
			p.mu.Lock()
			p.tail = append(p.tail, text)
			if len(p.tail) > stderrTailLines {
				p.tail = p.tail[len(p.tail)-stderrTailLines:]
			}
			p.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (p *proc) stderrTail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, " | ")
}

// kill ends the whole process group (headroom may have started helpers)
// and releases the readers. Safe to call more than once.
func (p *proc) kill() {
	p.killOnce.Do(func() {
		killGroup(p.cmd.Process)
		p.stdin.Close()
		close(p.dead)
	})
}

// exchange sends one request and reads its reply, bounded by the hard cap.
// A *workerError means the process must be replaced; any other error is
// the request's own (the worker stays healthy).
func (p *proc) exchange(req *wireRequest, limit time.Duration) (*wireReply, error) {
	data, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	data = append(data, '\n')
	timer := time.NewTimer(limit)
	defer timer.Stop()

	// The write can block on a worker that stopped reading, so it runs
	// beside the timer; killing the process unblocks it.
	wrote := make(chan error, 1)
	go func() {
		_, err := p.stdin.Write(data)
		wrote <- err
	}()
	select {
	case err := <-wrote:
		if err != nil {
			return nil, &workerError{reasonCrash, fmt.Errorf("write request: %w", err)}
		}
	case <-timer.C:
		return nil, &workerError{reasonTimeout, fmt.Errorf("request not read within %s", limit)}
	}

	var r lineResult
	select {
	case r = <-p.lines:
	case <-timer.C:
		return nil, &workerError{reasonTimeout, fmt.Errorf("no reply within %s", limit)}
	}
	if r.err != nil {
		if errors.Is(r.err, errLineTooLong) {
			return nil, &workerError{reasonProtocol, r.err}
		}
		return nil, &workerError{reasonCrash, fmt.Errorf("read reply: %w", r.err)}
	}
	var reply wireReply
	if err := json.Unmarshal(r.line, &reply); err != nil {
		return nil, &workerError{reasonProtocol, fmt.Errorf("reply is not protocol JSON: %.200q", r.line)}
	}
	if reply.ID != req.ID {
		return nil, &workerError{reasonProtocol, fmt.Errorf("reply id %d, want %d", reply.ID, req.ID)}
	}
	if !reply.OK {
		return nil, fmt.Errorf("worker could not compress: %s", reply.Error)
	}
	if len(reply.Items) != len(req.Items) {
		return nil, &workerError{reasonProtocol, fmt.Errorf("reply has %d items, want %d", len(reply.Items), len(req.Items))}
	}
	return &reply, nil
}

// rssBytes reads the process's resident set size from /proc (Linux);
// 0 where unavailable.
func rssBytes(pid int) int64 {
	m, _ := procinfo.ReadMemory(pid)
	return m.RSS
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		f.Close()
	}
}
