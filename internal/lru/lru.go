// Package lru is a least-recently-used map bounded by its number of
// entries and by the bytes its entries hold, safe for concurrent use: the
// engine's result cache and the memos that keep texts across calls
// (decoded strings, their quoting, their digests) share it.
package lru

import (
	"container/list"
	"sync"
)

// Cache maps keys to values, dropping the least recently used entries
// once it holds more than maxEntries or its entries' sizes add up to more
// than maxBytes.
type Cache[K comparable, V any] struct {
	maxEntries, maxBytes int

	mu        sync.Mutex
	ll        *list.List // front = most recently used; values are *entry[K, V]
	m         map[K]*list.Element
	bytes     int
	hits      uint64
	misses    uint64
	evictions uint64
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	size int
}

// New returns an empty cache of at most maxEntries entries and maxBytes
// bytes. A cache of no entries stores nothing.
func New[K comparable, V any](maxEntries, maxBytes int) *Cache[K, V] {
	return &Cache[K, V]{maxEntries: maxEntries, maxBytes: maxBytes, ll: list.New(), m: map[K]*list.Element{}}
}

// Get returns the value of k and marks it used; it counts a hit or a miss.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.ll.MoveToFront(e)
		c.hits++
		return e.Value.(*entry[K, V]).val, true
	}
	c.misses++
	var zero V
	return zero, false
}

// Put stores v under k, counting size bytes for it, unless k is there
// already or v alone is larger than the whole cache.
func (c *Cache[K, V]) Put(k K, v V, size int) { c.store(k, v, size, false) }

// Set is Put that replaces the value k has already (and marks it used):
// for values that a later call may compute anew.
func (c *Cache[K, V]) Set(k K, v V, size int) { c.store(k, v, size, true) }

func (c *Cache[K, V]) store(k K, v V, size int, replace bool) {
	if size > c.maxBytes || c.maxEntries <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		if !replace {
			return
		}
		old := e.Value.(*entry[K, V])
		c.bytes += size - old.size
		old.val, old.size = v, size
		c.ll.MoveToFront(e)
	} else {
		c.m[k] = c.ll.PushFront(&entry[K, V]{key: k, val: v, size: size})
		c.bytes += size
	}
	// The entry just stored is at the front and within both bounds alone,
	// so the loop stops before it.
	for c.ll.Len() > c.maxEntries || c.bytes > c.maxBytes {
		back := c.ll.Back()
		old := back.Value.(*entry[K, V])
		c.ll.Remove(back)
		delete(c.m, old.key)
		c.bytes -= old.size
		c.evictions++
	}
}

// Clear empties the cache; its counters go on.
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.m)
	c.bytes = 0
}

// Len returns the number of entries and the bytes they hold.
func (c *Cache[K, V]) Len() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len(), c.bytes
}

// Stats describes a cache at one moment.
type Stats struct {
	// Entries and Bytes are the current content, as Len gives them.
	Entries int
	Bytes   int
	// Hits and Misses count Gets that found a value and those that did
	// not, Evictions the entries dropped to keep the bounds, all since the
	// cache was made.
	Hits, Misses, Evictions uint64
}

// Stats returns the cache's content and counters.
func (c *Cache[K, V]) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Entries: c.ll.Len(), Bytes: c.bytes, Hits: c.hits, Misses: c.misses, Evictions: c.evictions}
}
