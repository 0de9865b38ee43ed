package hook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the limits on what one call, and all calls together, may
// cost before an engine sees them.
const (
	// DefaultMaxReading bounds the bodies being read and parsed at once:
	// enough that a busy gateway's calls never meet it on a healthy
	// network, few enough that slow senders cannot pile up without end.
	DefaultMaxReading = 128
	// DefaultMaxInFlightBytes bounds the bytes of all bodies held at once
	// (declared Content-Length, or decoded bytes as they arrive): a few
	// maximum-size bodies.
	DefaultMaxInFlightBytes = 256 << 20
	// DefaultMaxMessages bounds a conversation's messages; agent sessions
	// have hundreds to a few thousand.
	DefaultMaxMessages = 20_000
	// DefaultMaxBlocks bounds the texts (candidate blocks and turns) one
	// call hands the engine.
	DefaultMaxBlocks = 20_000
	// DefaultMaxValues bounds the JSON values of one parsed document: a
	// parse tree costs about 100 bytes a value whatever the value's size.
	DefaultMaxValues = 1_000_000
	// DefaultWriteTimeout bounds sending one reply: a caller that does not
	// read it is hung up on rather than pinning the reply in memory.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultReturnMemoryAfter is the body size after which the memory of
	// the call is handed back to the operating system (rate limited).
	DefaultReturnMemoryAfter = 16 << 20
)

// returnMemoryEvery rate-limits handing memory back: each time is a full
// collection.
const returnMemoryEvery = 10 * time.Second

// tooLargeError says a call is over one of the per-call limits.
type tooLargeError struct{ what string }

func (e *tooLargeError) Error() string { return e.what }

func tooLarge(format string, args ...any) error {
	return &tooLargeError{fmt.Sprintf(format, args...)}
}

// errInFlight: the bytes of bodies in flight would pass the bound.
var errInFlight = errors.New("bytes of bodies in flight over the limit")

// admission is the control in front of reading a body: a call that would
// pass the bound on bodies being read or on bytes held is answered allow
// (overload) at once, before its body costs anything.
//
// Large bodies (largeBody and up) may hold only half of the bytes, so that
// a few of them cannot keep every ordinary call out.
type admission struct {
	reading  chan struct{}
	maxBytes int64
	bytes    atomic.Int64
	large    atomic.Int64 // the part of bytes held by large bodies
}

// largeBody is the size from which a body counts as large.
const largeBody = 4 << 20

func newAdmission(maxReading int, maxBytes int64) *admission {
	return &admission{reading: make(chan struct{}, maxReading), maxBytes: maxBytes}
}

// admit takes a reading slot and reserves the declared body length (-1:
// unknown, accounted as it is read).
func (ad *admission) admit(contentLength int64) (*ticket, bool) {
	select {
	case ad.reading <- struct{}{}:
	default:
		return nil, false
	}
	t := &ticket{ad: ad, reading: true}
	if contentLength > 0 && !t.reserve(contentLength) {
		t.release()
		return nil, false
	}
	return t, true
}

// ticket is one admitted call's share: a reading slot until the call is
// parsed, and the bytes it holds until it is answered.
type ticket struct {
	ad      *admission
	held    int64
	reading bool
	large   bool // held counts in the large share too
}

// reserve makes the ticket hold at least n bytes.
func (t *ticket) reserve(n int64) bool {
	need := n - t.held
	if need <= 0 {
		return true
	}
	if t.ad.bytes.Add(need) > t.ad.maxBytes {
		t.ad.bytes.Add(-need)
		return false
	}
	if n >= largeBody {
		// What it held so far moves to the large share with the rest.
		moved := need
		if !t.large {
			moved = n
		}
		if t.ad.large.Add(moved) > t.ad.maxBytes/2 {
			t.ad.large.Add(-moved)
			t.ad.bytes.Add(-need)
			return false
		}
		t.large = true
	}
	t.held = n
	return true
}

// doneReading frees the reading slot: the call is parsed and waits for the
// pool, which bounds it from here on.
func (t *ticket) doneReading() {
	if t != nil && t.reading {
		t.reading = false
		<-t.ad.reading
	}
}

func (t *ticket) release() {
	t.doneReading()
	t.ad.bytes.Add(-t.held)
	if t.large {
		t.ad.large.Add(-t.held)
	}
	t.held, t.large = 0, false
}

// accountReader reserves the decoded bytes of a body as they arrive, past
// what the declared length reserved, in steps so that the shared counter
// is not touched on every read.
type accountReader struct {
	r io.Reader
	t *ticket
	n int64
}

const accountStep = 256 << 10

func (a *accountReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.n += int64(n)
	if a.n > a.t.held && !a.t.reserve(a.n+accountStep) && !a.t.reserve(a.n) {
		return n, errInFlight
	}
	return n, err
}

// memoryReturner hands the memory of a large call back to the operating
// system, at most once per returnMemoryEvery. Without it the heap the call
// grew stays mapped: the runtime's background scavenger returns it slowly,
// and the soft memory limit only makes it hurry near the limit.
type memoryReturner struct {
	mu      sync.Mutex
	last    time.Time
	running atomic.Bool
}

func (m *memoryReturner) after() {
	m.mu.Lock()
	if time.Since(m.last) < returnMemoryEvery || m.running.Load() {
		m.mu.Unlock()
		return
	}
	m.last = time.Now()
	m.running.Store(true)
	m.mu.Unlock()
	go func() {
		defer m.running.Store(false)
		debug.FreeOSMemory()
	}()
}

// panicError is what a recovered panic becomes: the call's error.
type panicError struct{ where, value string }

func (e *panicError) Error() string { return "panic in " + e.where + ": " + e.value }

// recovered turns the panic value v into an error, counts it and logs it
// with its stack, one line per panic (at most once per LogEvery per place
// and value: an input that panics may be replayed in a loop).
func (h *Hook) recovered(ctx context.Context, where string, v any) error {
	stack := debug.Stack()
	if h.metrics != nil {
		h.metrics.Panicked()
	}
	e := &panicError{where: where, value: fmt.Sprint(v)}
	if ok, held := h.panicLog.Allow(where + "\x00" + e.value); ok {
		h.log.LogAttrs(ctx, slog.LevelError, "panic recovered: the call is answered allow",
			slog.String("in", where),
			slog.String("panic", e.value),
			slog.String("stack", string(stack)),
			slog.Int("held_back", held),
		)
	}
	return e
}

// limits are the per-call bounds on work.
type limits struct{ messages, blocks, values int }

// defaultLimits apply where no Hook is involved (ParseCall, Candidates).
var defaultLimits = limits{messages: DefaultMaxMessages, blocks: DefaultMaxBlocks, values: DefaultMaxValues}
