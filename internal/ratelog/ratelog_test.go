package ratelog

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestAllowPerKey(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	l := New(time.Minute, 10, c.now)
	if ok, n := l.Allow("timeout"); !ok || n != 0 {
		t.Fatalf("first line: %v %d", ok, n)
	}
	for range 5 {
		if ok, _ := l.Allow("timeout"); ok {
			t.Fatal("repeat within the interval allowed")
		}
	}
	if ok, _ := l.Allow("overload"); !ok {
		t.Error("another key is held back by the first")
	}
	c.add(time.Minute)
	if ok, n := l.Allow("timeout"); !ok || n != 5 {
		t.Errorf("after the interval: %v, suppressed %d, want true 5", ok, n)
	}
	if ok, _ := l.Allow("timeout"); ok {
		t.Error("the interval restarts at the line logged")
	}
}

// TestBounded: distinct keys beyond the table share one budget, and keys
// that have gone quiet make room again.
func TestBounded(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	l := New(time.Minute, 3, c.now)
	for i := range 3 {
		if ok, _ := l.Allow(fmt.Sprint("caller", i)); !ok {
			t.Fatalf("caller%d held back", i)
		}
	}
	allowed := 0
	for i := 3; i < 100; i++ {
		if ok, _ := l.Allow(fmt.Sprint("caller", i)); ok {
			allowed++
		}
	}
	if allowed != 1 || len(l.keys) > 4 {
		t.Errorf("overflow: %d lines allowed, %d keys tracked", allowed, len(l.keys))
	}
	c.add(time.Minute)
	if ok, _ := l.Allow("fresh"); !ok {
		t.Error("a new key after the others expired is held back")
	}
}

func TestConcurrent(t *testing.T) {
	l := New(time.Hour, 8, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if ok, _ := l.Allow("k"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != 1 {
		t.Errorf("%d lines allowed, want 1", allowed)
	}
}
