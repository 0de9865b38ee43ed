package workers

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recObserver records every Observer event; safe for concurrent use.
type recObserver struct {
	mu       sync.Mutex
	waits    []time.Duration
	hits     int
	spills   int
	colds    int
	restarts map[string]int
}

func newRecObserver() *recObserver { return &recObserver{restarts: map[string]int{}} }

func (o *recObserver) PoolWait(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waits = append(o.waits, d)
}
func (o *recObserver) AffinityHit() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hits++
}
func (o *recObserver) AffinitySpill() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.spills++
}
func (o *recObserver) ColdStart() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.colds++
}
func (o *recObserver) WorkerRestart(reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.restarts[reason]++
}

type obsSnapshot struct {
	waits, hits, spills, colds int
	restarts                   map[string]int
}

func (o *recObserver) snapshot() obsSnapshot {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := map[string]int{}
	for k, v := range o.restarts {
		r[k] = v
	}
	return obsSnapshot{waits: len(o.waits), hits: o.hits, spills: o.spills, colds: o.colds, restarts: r}
}

// waitFor polls cond until it holds; the generous limit only turns a hang
// into a failure, it asserts nothing about speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func mustPool(t *testing.T, cfg PoolConfig) *Pool {
	t.Helper()
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatalf("NewPool(%+v): %v", cfg, err)
	}
	return p
}

func TestNewPoolValidates(t *testing.T) {
	for _, cfg := range []PoolConfig{{Size: 0}, {Size: -1}, {Size: 1, MaxWaiting: -1}} {
		if _, err := NewPool(cfg); err == nil {
			t.Errorf("NewPool(%+v) accepted an invalid config", cfg)
		}
	}
	p := mustPool(t, PoolConfig{Size: 3, MaxWaiting: 7})
	if got := p.Stats(); got != (PoolStats{Total: 3}) {
		t.Errorf("fresh pool stats = %+v, want Total 3 and nothing busy/waiting", got)
	}
}

// TestPoolSaturation starts N+k calls that block: exactly N must run at once,
// k must be reported waiting, and releasing calls one by one admits the
// waiters in turn.
func TestPoolSaturation(t *testing.T) {
	const n, k = 3, 4
	obs := newRecObserver()
	p := mustPool(t, PoolConfig{Size: n, MaxWaiting: k, Observer: obs})

	var running, maxRunning, ran atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, n+k)
	for i := 0; i < n+k; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- p.Do(context.Background(), func(context.Context) error {
				cur := running.Add(1)
				for {
					m := maxRunning.Load()
					if cur <= m || maxRunning.CompareAndSwap(m, cur) {
						break
					}
				}
				<-release
				running.Add(-1)
				ran.Add(1)
				return nil
			})
		}()
	}

	waitFor(t, "pool to saturate", func() bool { s := p.Stats(); return s.Busy == n && s.Waiting == k })
	if got := running.Load(); got != n {
		t.Fatalf("running = %d while saturated, want exactly %d", got, n)
	}
	if s := p.Stats(); s != (PoolStats{Total: n, Busy: n, Waiting: k}) {
		t.Fatalf("stats while saturated = %+v", s)
	}

	// Each release lets exactly one waiter in.
	for i := 1; i <= k; i++ {
		release <- struct{}{}
		want := PoolStats{Total: n, Busy: n, Waiting: k - i}
		waitFor(t, "a waiter to take the freed slot", func() bool { return p.Stats() == want && ran.Load() == int64(i) })
		if got := running.Load(); got != n {
			t.Fatalf("after %d releases running = %d, want %d", i, got, n)
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Do: %v", err)
		}
	}
	if got := maxRunning.Load(); got != n {
		t.Errorf("max concurrent = %d, want %d", got, n)
	}
	if s := p.Stats(); s != (PoolStats{Total: n}) {
		t.Errorf("stats after drain = %+v", s)
	}
	if got := obs.snapshot().waits; got != n+k {
		t.Errorf("PoolWait observed %d times, want %d (once per acquired slot)", got, n+k)
	}
}

// TestPoolOverload fills the slot and the queue; the next call must be
// refused at once with ErrOverload and must not run.
func TestPoolOverload(t *testing.T) {
	for _, maxWaiting := range []int{0, 1, 3} {
		p := mustPool(t, PoolConfig{Size: 1, MaxWaiting: maxWaiting})
		release := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < 1+maxWaiting; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = p.Do(context.Background(), func(context.Context) error { <-release; return nil })
			}()
		}
		waitFor(t, "slot and queue to fill", func() bool { s := p.Stats(); return s.Busy == 1 && s.Waiting == maxWaiting })

		done := make(chan error, 1)
		var called atomic.Bool
		go func() {
			// No deadline on ctx: only the overload rule can return.
			done <- p.Do(context.Background(), func(context.Context) error { called.Store(true); return nil })
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrOverload) {
				t.Errorf("maxWaiting=%d: Do = %v, want ErrOverload", maxWaiting, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("maxWaiting=%d: overloaded call blocked instead of failing at once", maxWaiting)
		}
		if called.Load() {
			t.Errorf("maxWaiting=%d: refused call ran", maxWaiting)
		}
		if s := p.Stats(); s.Waiting != maxWaiting {
			t.Errorf("maxWaiting=%d: refused call changed waiting gauge: %+v", maxWaiting, s)
		}
		close(release)
		wg.Wait()
	}
}

// TestPoolCancelWhileWaiting cancels a queued caller: it returns ctx.Err(),
// never runs, and leaves the waiting gauge.
func TestPoolCancelWhileWaiting(t *testing.T) {
	obs := newRecObserver()
	p := mustPool(t, PoolConfig{Size: 1, MaxWaiting: 4, Observer: obs})
	release := make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- p.Do(context.Background(), func(context.Context) error { <-release; return nil })
	}()
	waitFor(t, "slot to be taken", func() bool { return p.Stats().Busy == 1 })

	ctx, cancel := context.WithCancel(context.Background())
	var called atomic.Bool
	res := make(chan error, 1)
	go func() {
		res <- p.Do(ctx, func(context.Context) error { called.Store(true); return nil })
	}()
	waitFor(t, "caller to queue", func() bool { return p.Stats().Waiting == 1 })
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: Do = %v, want context.Canceled", err)
	}
	if called.Load() {
		t.Fatal("cancelled waiter ran")
	}
	if s := p.Stats(); s != (PoolStats{Total: 1, Busy: 1}) {
		t.Fatalf("stats after cancel = %+v", s)
	}

	// A deadline behaves the same way.
	dctx, dcancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer dcancel()
	if err := p.Do(dctx, func(context.Context) error { called.Store(true); return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline waiter: Do = %v, want DeadlineExceeded", err)
	}
	if called.Load() {
		t.Fatal("timed-out waiter ran")
	}

	close(release)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	// Only the holder acquired a slot.
	if got := obs.snapshot().waits; got != 1 {
		t.Errorf("PoolWait observed %d times, want 1", got)
	}
	// The freed slot is usable again, and fn's error comes back unchanged.
	sentinel := errors.New("boom")
	if err := p.Do(context.Background(), func(context.Context) error { return sentinel }); !errors.Is(err, sentinel) {
		t.Errorf("Do = %v, want fn's error", err)
	}
}

// TestPoolDoneContextNotRun: a caller that already gave up is never run,
// even with free slots.
func TestPoolDoneContextNotRun(t *testing.T) {
	p := mustPool(t, PoolConfig{Size: 2})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Do(ctx, func(context.Context) error { t.Error("ran with a done context"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Do = %v, want context.Canceled", err)
	}
}

// TestPoolStress hammers the pool with random cancellations under -race:
// concurrency never exceeds Size and the gauges return to zero.
func TestPoolStress(t *testing.T) {
	const size = 3
	p := mustPool(t, PoolConfig{Size: size, MaxWaiting: 8})
	var running, maxRunning atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%7)*time.Millisecond)
			defer cancel()
			err := p.Do(ctx, func(context.Context) error {
				cur := running.Add(1)
				for {
					m := maxRunning.Load()
					if cur <= m || maxRunning.CompareAndSwap(m, cur) {
						break
					}
				}
				time.Sleep(time.Duration(i%3) * time.Millisecond)
				running.Add(-1)
				return nil
			})
			if err != nil && !errors.Is(err, ErrOverload) && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Do: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if m := maxRunning.Load(); m > size {
		t.Errorf("max concurrent %d > size %d", m, size)
	}
	if s := p.Stats(); s != (PoolStats{Total: size}) {
		t.Errorf("stats after stress = %+v", s)
	}
}
