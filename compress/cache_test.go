package compress

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestCacheKeyParts(t *testing.T) {
	c := newResultCache(10, 1<<20)
	if c.keyOf("ab", "c") == c.keyOf("a", "bc") {
		t.Error("length prefixing failed: (ab,c) == (a,bc)")
	}
	if k1, k2 := c.keyOf("x", "y"), c.keyOf("x", "y"); k1 != k2 {
		t.Error("same parts, different keys")
	}
}

func TestCacheLRUEntries(t *testing.T) {
	c := newResultCache(3, 1<<20)
	for i := range 4 {
		c.put(c.keyOf(fmt.Sprint(i)), BlockResult{Text: fmt.Sprint(i), Changed: true})
	}
	if _, ok := c.get(c.keyOf("0")); ok {
		t.Error("oldest entry survived past the entry bound")
	}
	// Touch 1 so that 2 becomes the oldest.
	if r, ok := c.get(c.keyOf("1")); !ok || r.Text != "1" {
		t.Fatalf("get 1 = %+v %v", r, ok)
	}
	c.put(c.keyOf("4"), BlockResult{Text: "4"})
	if _, ok := c.get(c.keyOf("2")); ok {
		t.Error("least recently used entry 2 was not evicted")
	}
	if _, ok := c.get(c.keyOf("1")); !ok {
		t.Error("recently used entry 1 was evicted")
	}
	st := c.stats()
	if st.Entries != 3 || st.Evictions != 2 || st.Hits != 2 || st.Misses != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestCacheByteBound(t *testing.T) {
	big := strings.Repeat("x", 1000)
	c := newResultCache(100, 3*(1000+entryOverhead))
	for i := range 5 {
		c.put(c.keyOf(fmt.Sprint(i)), BlockResult{Text: big})
	}
	st := c.stats()
	if st.Entries != 3 || st.Bytes > 3*(1000+entryOverhead) {
		t.Errorf("byte bound not held: %+v", st)
	}
	// An entry larger than the whole bound is not stored at all.
	c.put(c.keyOf("huge"), BlockResult{Text: strings.Repeat("y", 10000)})
	if _, ok := c.get(c.keyOf("huge")); ok {
		t.Error("oversized entry stored")
	}
	// Replacing an entry adjusts the byte count.
	c.put(c.keyOf("4"), BlockResult{Text: "small"})
	if st2 := c.stats(); st2.Bytes != st.Bytes-1000+len("small") {
		t.Errorf("bytes after replace = %d, want %d", st2.Bytes, st.Bytes-1000+len("small"))
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := newResultCache(50, 1<<20)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := c.keyOf(fmt.Sprint((g * i) % 80))
				if r, ok := c.get(k); ok && r.Text != fmt.Sprint((g*i)%80) {
					t.Errorf("wrong value for key")
					return
				}
				c.put(k, BlockResult{Text: fmt.Sprint((g * i) % 80)})
			}
		}()
	}
	wg.Wait()
	if st := c.stats(); st.Entries > 50 {
		t.Errorf("entry bound broken under concurrency: %+v", st)
	}
}

// TestAddrDigests checks that digests kept across calls by address are the
// digests of the texts: for the same string on a later call, for an equal
// text elsewhere in memory, and past the bounds.
func TestAddrDigests(t *testing.T) {
	c := newResultCache(16, 1<<20)
	c.addrs = newAddrDigests(2, 1<<20)
	texts := []string{strings.Repeat("a", 2000), strings.Repeat("b", 3000), strings.Repeat("c", 1500), "short"}
	for round := range 3 {
		d := &textDigests{} // one call's
		for _, s := range texts {
			if got, want := d.of(c, s), c.digest(s); got != want {
				t.Fatalf("round %d: digest of %.5q differs", round, s)
			}
			if got, want := d.of(c, strings.Clone(s)), c.digest(s); got != want {
				t.Fatalf("round %d: digest of a copy of %.5q differs", round, s)
			}
		}
	}
	if n, _ := c.addrs.c.Len(); n > 2 {
		t.Fatalf("%d entries, bound 2", n)
	}
	small := newAddrDigests(10, 2500+entryOverhead)
	small.put(textAt{n: 1}, texts[0], "x")
	small.put(textAt{n: 2}, texts[0], "y") // over the byte bound with the first
	if _, b := small.c.Len(); b > 2500+entryOverhead {
		t.Fatalf("byte bound not kept: %d bytes", b)
	}
	if _, ok := small.get(textAt{n: 1}); ok {
		t.Fatal("the older entry is still there past the byte bound")
	}
}
