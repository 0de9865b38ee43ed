package workers

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Observer receives pool and worker events. *metrics.Metrics implements it;
// every method must be cheap and safe for concurrent use.
type Observer interface {
	// PoolWait is called once for every slot acquired, with the time the
	// call waited for it (zero when a slot was free).
	PoolWait(d time.Duration)
	// AffinityHit: a session's call ran on its preferred (warm) worker.
	AffinityHit()
	// AffinitySpill: the preferred worker stayed busy past the affinity
	// wait, so the call ran on another worker.
	AffinitySpill()
	// ColdStart: a worker call paid a one-time load (pipeline/model).
	ColdStart()
	// WorkerRestart: a worker process was killed and is being replaced.
	// reason is "crash", "timeout" or "protocol".
	WorkerRestart(reason string)
}

// nopObserver is used when no Observer is configured.
type nopObserver struct{}

func (nopObserver) PoolWait(time.Duration) {}
func (nopObserver) AffinityHit()           {}
func (nopObserver) AffinitySpill()         {}
func (nopObserver) ColdStart()             {}
func (nopObserver) WorkerRestart(string)   {}

// ErrOverload is returned by Pool.Do, without waiting, when MaxWaiting
// callers are already queued for a slot.
var ErrOverload = errors.New("workers: pool overloaded: too many calls waiting for a slot")

// PoolConfig configures a Pool.
type PoolConfig struct {
	// Size is the number of calls that may run at once. Must be >= 1.
	// main uses runtime.NumCPU() for the native engine and the number of
	// worker processes for headroom.
	Size int
	// MaxWaiting is how many callers may wait for a slot when all are busy.
	// A caller arriving when MaxWaiting callers already wait gets
	// ErrOverload at once. 0 means nobody waits: a call either gets a free
	// slot or is refused. Must be >= 0.
	MaxWaiting int
	// Observer receives PoolWait events. May be nil.
	Observer Observer
}

// Pool bounds concurrent calls with a weighted semaphore and bounds the
// number of waiting callers. It is safe for concurrent use; the zero value
// is not usable, build one with NewPool.
type Pool struct {
	sem        *semaphore.Weighted
	size       int
	maxWaiting int64
	obs        Observer

	busy    atomic.Int64
	waiting atomic.Int64
}

// NewPool validates cfg and returns a Pool.
func NewPool(cfg PoolConfig) (*Pool, error) {
	var errs []error
	if cfg.Size < 1 {
		errs = append(errs, fmt.Errorf("pool size must be >= 1, got %d", cfg.Size))
	}
	if cfg.MaxWaiting < 0 {
		errs = append(errs, fmt.Errorf("pool max waiting must be >= 0, got %d", cfg.MaxWaiting))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("workers: invalid pool config: %w", err)
	}
	obs := cfg.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	return &Pool{
		sem:        semaphore.NewWeighted(int64(cfg.Size)),
		size:       cfg.Size,
		maxWaiting: int64(cfg.MaxWaiting),
		obs:        obs,
	}, nil
}

// Do runs fn in a pool slot and returns fn's error.
//
// If no slot is free, Do waits for one while honouring ctx, unless
// MaxWaiting callers already wait, in which case it returns ErrOverload at
// once. If ctx is done before a slot is acquired, Do returns ctx.Err() and
// fn is not run. fn receives ctx unchanged.
func (p *Pool) Do(ctx context.Context, fn func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	if !p.sem.TryAcquire(1) {
		// Reserve a place in the queue first so the bound holds under
		// concurrency: the counter is both the gauge and the admission test.
		if p.waiting.Add(1) > p.maxWaiting {
			p.waiting.Add(-1)
			return ErrOverload
		}
		err := p.sem.Acquire(ctx, 1)
		p.waiting.Add(-1)
		if err != nil {
			return err
		}
	}
	p.busy.Add(1)
	defer func() {
		p.busy.Add(-1)
		p.sem.Release(1)
	}()
	p.obs.PoolWait(time.Since(start))
	// A caller that gave up while we were acquiring is not served: its
	// answer would be thrown away.
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(ctx)
}

// PoolStats is a live snapshot of the pool's gauges.
type PoolStats struct {
	// Total is the number of slots (PoolConfig.Size).
	Total int
	// Busy is the number of slots running a call right now.
	Busy int
	// Waiting is the number of callers waiting for a slot.
	Waiting int
}

// Stats reads the pool's gauges. Cheap; metrics call it at scrape time.
func (p *Pool) Stats() PoolStats {
	return PoolStats{
		Total:   p.size,
		Busy:    int(p.busy.Load()),
		Waiting: int(p.waiting.Load()),
	}
}
