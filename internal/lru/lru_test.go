package lru

import (
	"fmt"
	"sync"
	"testing"
)

func TestBounds(t *testing.T) {
	c := New[string, int](3, 100)
	for i := range 5 {
		c.Put(fmt.Sprint(i), i, 10)
	}
	if n, b := c.Len(); n != 3 || b != 30 {
		t.Fatalf("len %d, bytes %d", n, b)
	}
	if _, ok := c.Get("0"); ok {
		t.Error("the least recently used entry is still there")
	}
	c.Get("2") // used: the next eviction takes 3
	c.Put("5", 5, 10)
	if _, ok := c.Get("3"); ok {
		t.Error("an entry used after another was evicted first")
	}
	if v, ok := c.Get("2"); !ok || v != 2 {
		t.Error("a recently used entry was evicted")
	}
	c.Put("big", 9, 101)
	if _, ok := c.Get("big"); ok {
		t.Error("an entry larger than the cache was kept")
	}
	c.Put("heavy", 7, 90)
	if n, b := c.Len(); n != 2 || b != 100 {
		t.Errorf("after a heavy entry: len %d, bytes %d", n, b)
	}
	c.Put("heavy", 8, 90)
	if v, _ := c.Get("heavy"); v != 7 {
		t.Error("a second Put replaced the first value")
	}
	c.Clear()
	if n, b := c.Len(); n != 0 || b != 0 {
		t.Errorf("after Clear: len %d, bytes %d", n, b)
	}
}

func TestConcurrent(t *testing.T) {
	c := New[int, int](64, 1<<20)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				c.Put(g*1000+i, i, 8)
				c.Get(g*1000 + i/2)
			}
		}()
	}
	wg.Wait()
	if n, _ := c.Len(); n > 64 {
		t.Errorf("%d entries", n)
	}
}

// TestSet: Set replaces a value, adjusts the bytes, marks the entry used
// and keeps the bounds; a value too large leaves the old one in place.
func TestSet(t *testing.T) {
	c := New[string, int](2, 100)
	c.Set("a", 1, 10)
	c.Set("b", 2, 10)
	c.Set("a", 3, 30) // replaced and used: b is now the oldest
	if v, _ := c.Get("a"); v != 3 {
		t.Errorf("a = %d after Set, want 3", v)
	}
	if n, b := c.Len(); n != 2 || b != 40 {
		t.Errorf("after replacing: len %d, bytes %d", n, b)
	}
	c.Set("c", 4, 10)
	if _, ok := c.Get("b"); ok {
		t.Error("the entry used before the replaced one was kept")
	}
	c.Set("a", 5, 101)
	if v, ok := c.Get("a"); !ok || v != 3 {
		t.Errorf("a = %d %v after an oversized Set, want 3 true", v, ok)
	}
	c.Set("c", 6, 80) // 30 + 80 is over the byte bound: a goes
	if _, ok := c.Get("a"); ok {
		t.Error("a replacement that broke the byte bound evicted nothing")
	}
	if n, b := c.Len(); n != 1 || b != 80 {
		t.Errorf("after a heavy replacement: len %d, bytes %d", n, b)
	}
}

// TestStats: Gets count hits and misses, bounds count evictions, and a
// cache of no entries stores and evicts nothing.
func TestStats(t *testing.T) {
	c := New[int, int](2, 100)
	for i := range 4 {
		c.Put(i, i, 10)
	}
	c.Get(3)
	c.Get(0)
	c.Get(2)
	if got, want := c.Stats(), (Stats{Entries: 2, Bytes: 20, Hits: 2, Misses: 1, Evictions: 2}); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	none := New[int, int](0, 100)
	none.Put(1, 1, 10)
	none.Set(2, 2, 10)
	if got := none.Stats(); got != (Stats{}) {
		t.Errorf("a cache of no entries: %+v", got)
	}
}
