package compress

import (
	"encoding/binary"
	"hash/maphash"
	"unsafe"

	"github.com/tsheadroom/tsheadroom/internal/lru"
)

// resultCache is a bounded, thread-safe LRU (an lru.Cache) of block
// results keyed by a content hash of everything that determines the
// result: the block text, the task it was judged by, the knobs that shape
// the lossy steps and the tokenizer. A block seen on an earlier turn of a conversation then costs a
// hash and a lookup instead of detection, compression and token counting.
//
// The cache never changes what the engine outputs: a hit returns exactly
// the result the same inputs computed before, because the key covers every
// input of that computation.
type resultCache struct {
	// addrs keeps digests of long texts across calls (see addrDigests);
	// nil in a cache that never names texts by digest.
	addrs *addrDigests
	// Two independent seeds give a 128-bit key, so a collision (which would
	// hand one block another's result) is out of practical reach. The seeds
	// are per cache, hence per process: keys are never persisted.
	seed1, seed2 maphash.Seed

	c *lru.Cache[cacheKey, cacheEntry]
}

type cacheKey [2]uint64

type cacheEntry struct {
	res BlockResult
	aux int // a small integer stored beside res (the restore memo's trigger)
}

// entryOverhead approximates the memory of an entry beyond its text: the
// list element, the map slot and the BlockResult header.
const entryOverhead = 160

func newResultCache(maxEntries, maxBytes int) *resultCache {
	return &resultCache{
		seed1: maphash.MakeSeed(),
		seed2: maphash.MakeSeed(),
		c:     lru.New[cacheKey, cacheEntry](maxEntries, maxBytes),
	}
}

// keyOf hashes the parts in order. Each part is length-prefixed so that
// ("ab","c") and ("a","bc") differ.
func (c *resultCache) keyOf(parts ...string) cacheKey {
	var h1, h2 maphash.Hash
	h1.SetSeed(c.seed1)
	h2.SetSeed(c.seed2)
	var n [8]byte
	for _, p := range parts {
		binary.LittleEndian.PutUint64(n[:], uint64(len(p)))
		h1.Write(n[:])
		h2.Write(n[:])
		h1.WriteString(p)
		h2.WriteString(p)
	}
	return cacheKey{h1.Sum64(), h2.Sum64()}
}

// digest is keyOf(text) as a part of another key: a block's key names
// its text, and its count key names it again; the task and the user's
// latest turn are named by the key of every block after them. Hashing each
// such text once per call (see textDigests), not once per key, halves what
// a cached call hashes.
func (c *resultCache) digest(text string) string {
	k := c.keyOf(text)
	var b [17]byte
	b[0] = 'd' // a digest is 17 bytes long and always in the same parts
	binary.LittleEndian.PutUint64(b[1:9], k[0])
	binary.LittleEndian.PutUint64(b[9:], k[1])
	return string(b[:])
}

// textDigests remembers the digests of one Compress call's texts by where
// they are in memory (an equal address and length mean equal content):
// the task and the latest turn are the same strings for many blocks.
type textDigests struct {
	m map[textAt]string
}

type textAt struct {
	at *byte
	n  int
}

// of returns c.digest(text), computed once per call for each text (every
// time on a nil d), and for a long text once while c remembers it.
func (d *textDigests) of(c *resultCache, text string) string {
	if d == nil {
		return c.digest(text)
	}
	k := textAt{unsafe.StringData(text), len(text)}
	if s, ok := d.m[k]; ok {
		return s
	}
	var s string
	if len(text) >= minAddrDigestBytes && c.addrs != nil {
		var ok bool
		if s, ok = c.addrs.get(k); !ok {
			s = c.digest(text)
			c.addrs.put(k, text, s)
		}
	} else {
		s = c.digest(text)
	}
	if d.m == nil {
		d.m = map[textAt]string{}
	}
	d.m[k] = s
	return s
}

// addrDigests remembers the digests of long texts across calls by where
// the text is in memory: a caller that hands the engine the same strings
// call after call (the hook, whose memo of decoded tool outputs gives a
// re-sent output the string it had before) then has them hashed once, not
// on every call. Each entry holds its text, so the text is not freed and
// its address not reused while the entry exists: an equal address and
// length mean the same text.
type addrDigests struct {
	c *lru.Cache[textAt, addrEntry]
}

type addrEntry struct {
	text, digest string // text keeps the text alive
}

// minAddrDigestBytes is the text length from which a digest is kept
// across calls: shorter texts hash in about the time a lookup takes.
const minAddrDigestBytes = 1024

func newAddrDigests(maxEntries, maxBytes int) *addrDigests {
	return &addrDigests{c: lru.New[textAt, addrEntry](maxEntries, maxBytes)}
}

func (a *addrDigests) get(k textAt) (string, bool) {
	e, ok := a.c.Get(k)
	return e.digest, ok
}

func (a *addrDigests) put(k textAt, text, digest string) {
	a.c.Put(k, addrEntry{text: text, digest: digest}, len(text)+entryOverhead)
}

// chain hashes a previous key and parts: keys of a sequence built one step
// at a time, each naming everything before it, in constant work per step.
func (c *resultCache) chain(prev cacheKey, parts ...string) cacheKey {
	var h1, h2 maphash.Hash
	h1.SetSeed(c.seed1)
	h2.SetSeed(c.seed2)
	var n [16]byte
	binary.LittleEndian.PutUint64(n[:8], prev[0])
	binary.LittleEndian.PutUint64(n[8:], prev[1])
	h1.Write(n[:])
	h2.Write(n[:])
	for _, p := range parts {
		binary.LittleEndian.PutUint64(n[:8], uint64(len(p)))
		h1.Write(n[:8])
		h2.Write(n[:8])
		h1.WriteString(p)
		h2.WriteString(p)
	}
	return cacheKey{h1.Sum64(), h2.Sum64()}
}

// get returns the cached result for k.
func (c *resultCache) get(k cacheKey) (BlockResult, bool) {
	r, _, ok := c.lookup(k)
	return r, ok
}

// lookup returns the cached result for k and the integer stored with it.
func (c *resultCache) lookup(k cacheKey) (BlockResult, int, bool) {
	e, ok := c.c.Get(k)
	return e.res, e.aux, ok
}

// put stores res under k, in place of what k held, evicting the least
// recently used entries until both bounds hold. A result larger than the
// byte bound is not stored.
func (c *resultCache) put(k cacheKey, res BlockResult) { c.store(k, res, 0) }

// store is put with an integer kept beside the result.
func (c *resultCache) store(k cacheKey, res BlockResult, aux int) {
	c.c.Set(k, cacheEntry{res: res, aux: aux}, len(res.Text)+entryOverhead)
}

// CacheStats describes the native engine's result cache at one moment.
type CacheStats struct {
	// Entries and Bytes are the current content; Bytes counts result texts
	// plus a fixed per-entry overhead.
	Entries int
	Bytes   int
	// Hits, Misses and Evictions count since the engine was built.
	Hits, Misses, Evictions uint64
}

func (c *resultCache) stats() CacheStats { return CacheStats(c.c.Stats()) }
