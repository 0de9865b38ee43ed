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
