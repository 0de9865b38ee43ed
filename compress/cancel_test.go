package compress

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// pollCtx is a context whose Err reports cancellation from its cancelAt-th
// call on (never when cancelAt is 0) and counts the calls: the engine
// polls Err as it works, so the calls after cancellation measure the work
// it did after the deadline, in polls rather than wall-clock time.
type pollCtx struct {
	context.Context
	calls, cancelAt int
}

func (c *pollCtx) Err() error {
	c.calls++
	if c.cancelAt > 0 && c.calls >= c.cancelAt {
		return context.Canceled
	}
	return nil
}

// cancelKinds are huge blocks of every kind the engine compresses.
func cancelKinds() map[string]string {
	out := map[string]string{"json-many-keys": genManyKeyJSON(4 << 20)}
	for _, k := range []Kind{KindJSON, KindLog, KindTable, KindHTML, KindSearch, KindListing, KindDiff} {
		out[string(k)] = genKind(k, 4<<20)
	}
	return out
}

// TestCancelInsideBlock: on a huge block, the engine polls its context
// throughout (at least once per MiB of input), and once the context is
// cancelled, early or midway, it returns the context's error after a few
// more polls: no phase runs to the end of the block first.
func TestCancelInsideBlock(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 4 MB blocks of every kind")
	}
	n := newTestNative(t, NativeConfig{CacheEntries: -1})
	const task = "why did checkout-service fail with 4242?"
	for name, text := range cancelKinds() {
		t.Run(name, func(t *testing.T) {
			req := &Request{Config: DefaultConfig(), Blocks: []Block{{Source: ToolOutput, Role: "tool", Text: text, Task: task}}}
			full := &pollCtx{Context: context.Background()}
			if _, err := n.Compress(full, req); err != nil {
				t.Fatal(err)
			}
			if min := len(text) >> 20; full.calls < min {
				t.Errorf("%d polls for %d bytes, want at least %d (one per MiB)", full.calls, len(text), min)
			}
			for _, at := range []int{1, 2, full.calls / 2, full.calls - 1} {
				if at < 1 {
					continue
				}
				ctx := &pollCtx{Context: context.Background(), cancelAt: at}
				_, err := n.Compress(ctx, req)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled at poll %d of %d: err = %v", at, full.calls, err)
				}
				if after := ctx.calls - at; after > maxPollsAfterCancel {
					t.Errorf("cancelled at poll %d of %d: %d more polls before returning, want at most %d", at, full.calls, after, maxPollsAfterCancel)
				}
			}
		})
	}
}

// maxPollsAfterCancel is how many polls may follow a cancellation: the
// loop that saw it and the phases around it each look once more.
const maxPollsAfterCancel = 8

// BenchmarkCancelLatency measures how long the engine takes to return once
// its context is cancelled midway through a huge block (the time a pool
// slot stays busy past the budget): ms-after-cancel per kind.
func BenchmarkCancelLatency(b *testing.B) {
	n := newTestNative(b, NativeConfig{CacheEntries: -1})
	const task = "why did checkout-service fail with 4242?"
	for name, text := range cancelKinds() {
		req := &Request{Config: DefaultConfig(), Blocks: []Block{{Source: ToolOutput, Role: "tool", Text: text, Task: task}}}
		full := &pollCtx{Context: context.Background()}
		if _, err := n.Compress(full, req); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%s/%dMB", name, len(text)>>20), func(b *testing.B) {
			var total float64
			for b.Loop() {
				ctx := &timedCtx{pollCtx: pollCtx{Context: context.Background(), cancelAt: full.calls / 2}}
				if _, err := n.Compress(ctx, req); err == nil {
					b.Fatal("not cancelled")
				}
				total += float64(nanotime()-ctx.at) / 1e6
			}
			b.ReportMetric(total/float64(b.N), "ms-after-cancel")
		})
	}
}

// timedCtx records when its cancellation was first reported.
type timedCtx struct {
	pollCtx
	at int64
}

func (c *timedCtx) Err() error {
	err := c.pollCtx.Err()
	if err != nil && c.at == 0 {
		c.at = nanotime()
	}
	return err
}

func nanotime() int64 { return time.Now().UnixNano() }
