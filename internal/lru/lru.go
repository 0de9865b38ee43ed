// Package lru is a least-recently-used map bounded by its number of
// entries and by the bytes its entries hold, safe for concurrent use: the
// memos that keep texts across calls (decoded strings, their quoting,
// their digests) share it.
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

	mu    sync.Mutex
	ll    *list.List // front = most recently used; values are *entry[K, V]
	m     map[K]*list.Element
	bytes int
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	size int
}

// New returns an empty cache of at most maxEntries entries and maxBytes
// bytes.
func New[K comparable, V any](maxEntries, maxBytes int) *Cache[K, V] {
	return &Cache[K, V]{maxEntries: maxEntries, maxBytes: maxBytes, ll: list.New(), m: map[K]*list.Element{}}
}

// Get returns the value of k and marks it used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*entry[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Put stores v under k, counting size bytes for it, unless k is there
// already or v alone is larger than the whole cache.
func (c *Cache[K, V]) Put(k K, v V, size int) {
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	c.m[k] = c.ll.PushFront(&entry[K, V]{key: k, val: v, size: size})
	c.bytes += size
	for c.ll.Len() > c.maxEntries || c.bytes > c.maxBytes {
		back := c.ll.Back()
		old := back.Value.(*entry[K, V])
		c.ll.Remove(back)
		delete(c.m, old.key)
		c.bytes -= old.size
	}
}

// Clear empties the cache.
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
