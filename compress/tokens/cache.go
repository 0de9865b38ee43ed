package tokens

import (
	"sync"
	"sync/atomic"
)

// pieceCache maps pre-tokenized pieces that are not a single token to
// their token counts, so that a piece seen before (in any block of any
// request) costs a lookup instead of a byte-pair merge. Tool output repeats
// its words, paths, numbers and punctuation heavily, within a block and
// from turn to turn.
//
// It is bounded, and cheap for the counting of many requests at once:
//
//   - Pieces of up to maxShort bytes (two in three of those that miss the
//     vocabulary) live in a direct-mapped table of words that each hold
//     the packed piece and its count: read and written with single atomic
//     operations, no lock; a new piece overwrites whichever shared its slot.
//   - Longer pieces go to one of cacheShards shards by their hash, each
//     under its own mutex, holding two generations. New entries go into the
//     current generation; when it is full, it becomes the old one and the
//     previous old one is emptied and reused, so eviction costs nothing per
//     entry and allocates nothing once the maps have grown. A hit in the
//     old generation is copied into the current one, so pieces in use
//     survive rotations. Keys are copied into a per-generation byte buffer
//     (a piece is a substring of a request body, which must not be kept
//     alive) and the maps hold no pointers, so the garbage collector does
//     not scan them.
type pieceCache struct {
	short      []atomic.Uint64 // packShort(piece) | count<<shortCountShift; len a power of two
	shortShift uint8           // 64 - log2(len(short))

	shards     [cacheShards]cacheShard
	maxEntries int // per generation of a shard
	maxBytes   int // of keys, per generation of a shard
}

// shortCountShift places the count of a short piece above its packed bytes
// (at most 57 bits); a piece of at most 7 bytes has at most 7 tokens.
const shortCountShift = 60

// cacheShards spreads lock contention at the concurrency of a busy hook
// (dozens of requests on a few cores).
const cacheShards = 64

// maxCachedPiece is the longest piece cached; longer pieces (a run of
// base64 letters, a rule of dashes) are rare and merged each time.
const maxCachedPiece = 1 << 10

// cacheConfig sizes the piece cache of each encoding.
type cacheConfig struct {
	// Short is the number of slots for short pieces, rounded up to a
	// power of two.
	Short int
	// Entries is the most long pieces, Bytes the most bytes of them, that
	// each of the two generations holds. Zero or negative Short or
	// Entries disables that part of the cache.
	Entries, Bytes int
}

// defaultCache holds the multi-token pieces of hundreds of typical tool
// outputs in at most about 2.5 MB per encoding. The tool outputs of the
// development corpus (9 MB) have 23,000 distinct short ones and 10,000
// long ones of 100 KB for o200k_base (18,000 and 16,000 of 190 KB for
// cl100k_base); 2^16 short slots hit 87% of the time where a perfect
// cache would hit 88%.
var defaultCache = cacheConfig{Short: 1 << 16, Entries: 1 << 14, Bytes: 512 << 10}

type cacheShard struct {
	mu       sync.Mutex
	cur, old cacheGen
	_        [56]byte // to 128 bytes: shards on separate cache lines
}

type cacheGen struct {
	index map[uint64]cacheEntry // by the piece's hash
	keys  []byte                // the pieces, back to back
}

type cacheEntry struct {
	off, n, count uint32
}

func (g *cacheGen) clear() {
	clear(g.index)
	g.keys = g.keys[:0]
}

func (g *cacheGen) find(h uint64, p string) (int, bool) {
	e, ok := g.index[h]
	if !ok || string(g.keys[e.off:e.off+e.n]) != p {
		return 0, false
	}
	return int(e.count), true
}

func newPieceCache(cfg cacheConfig) *pieceCache {
	c := &pieceCache{
		maxEntries: max(cfg.Entries/cacheShards, 0),
		maxBytes:   max(cfg.Bytes/cacheShards, maxCachedPiece),
	}
	if c.maxEntries == 0 && cfg.Entries > 0 {
		c.maxEntries = 1
	}
	if cfg.Short > 0 {
		bits := 0
		for 1<<bits < cfg.Short {
			bits++
		}
		c.short = make([]atomic.Uint64, 1<<bits)
		c.shortShift = uint8(64 - bits)
	}
	return c
}

// getShort returns the cached count of the short piece that packs into k.
func (c *pieceCache) getShort(k uint64) (int, bool) {
	if c.short == nil {
		return 0, false
	}
	v := c.short[fibHash(k)>>c.shortShift].Load()
	if v&(1<<shortCountShift-1) != k {
		return 0, false
	}
	return int(v >> shortCountShift), true
}

// putShort records the count of the short piece that packs into k.
func (c *pieceCache) putShort(k uint64, n int) {
	if c.short != nil {
		c.short[fibHash(k)>>c.shortShift].Store(k | uint64(n)<<shortCountShift)
	}
}

func (c *pieceCache) shard(h uint64) *cacheShard {
	return &c.shards[h>>58] // top bits: the low ones index the rank table
}

// get returns the cached count of piece p with hash h.
func (c *pieceCache) get(h uint64, p string) (int, bool) {
	if c.maxEntries == 0 || len(p) > maxCachedPiece {
		return 0, false
	}
	s := c.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.cur.find(h, p); ok {
		return n, true
	}
	if n, ok := s.old.find(h, p); ok {
		c.insert(s, h, p, n)
		return n, true
	}
	return 0, false
}

// put records the count of piece p with hash h.
func (c *pieceCache) put(h uint64, p string, n int) {
	if c.maxEntries == 0 || len(p) > maxCachedPiece {
		return
	}
	s := c.shard(h)
	s.mu.Lock()
	c.insert(s, h, p, n)
	s.mu.Unlock()
}

func (c *pieceCache) insert(s *cacheShard, h uint64, p string, n int) {
	if len(s.cur.index) >= c.maxEntries || len(s.cur.keys)+len(p) > c.maxBytes {
		s.cur, s.old = s.old, s.cur
		s.cur.clear()
	}
	if s.cur.index == nil {
		s.cur.index = make(map[uint64]cacheEntry, c.maxEntries)
		s.cur.keys = make([]byte, 0, c.maxBytes)
	}
	s.cur.index[h] = cacheEntry{off: uint32(len(s.cur.keys)), n: uint32(len(p)), count: uint32(n)}
	s.cur.keys = append(s.cur.keys, p...)
}

// reset empties the cache, keeping its memory (for benchmarks of
// first-sight counting).
func (c *pieceCache) reset() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.cur.clear()
		s.old.clear()
		s.mu.Unlock()
	}
	for i := range c.short {
		c.short[i].Store(0)
	}
}
