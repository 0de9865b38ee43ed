package tokens

import (
	"fmt"
	"hash/maphash"
	"strings"
	"unicode/utf8"
)

// encoding is the rank table of one byte-pair encoding, for counting.
//
// The tokenizer library keeps its vocabulary to itself and applies it only
// after its own (slow, backtracking) split of the text; here the text is
// split by pieceLen and each piece is merged directly. The table is built
// once from the embedded vocabulary (vocab.go, the library's, token id =
// rank) into flat arrays that hold no pointers, so the garbage collector
// never scans them: about 5 MB for o200k_base, 2.5 MB for cl100k_base,
// the tokens' bytes read in place from the binary.
type encoding struct {
	name  string
	o200k bool // which pre-tokenizer expression the encoding uses

	toks   string   // the bytes of every token, in rank order
	starts []uint32 // token r is toks[starts[r]:starts[r+1]]

	// Nine pieces in ten are at most maxShort bytes long: those tokens are
	// found by their packed bytes, one probe reading one word, with a
	// fixed multiplicative hash (the keys are the vocabulary's, so its
	// probe sequences are fixed too, whatever the text).
	shortKeys  []uint64 // packShort of the token, 0 if empty; len a power of two
	shortRanks []uint32
	shortShift uint8                // 64 - log2(len(shortKeys))
	pairs      [1 << 16 / 64]uint64 // bit b1<<8|b0 is set if the bytes b0 b1 are a token

	// Longer tokens by a seeded hash of their bytes.
	index []uint32 // rank+1 of the token hashed to a slot, 0 if empty; len a power of two
	seed  maphash.Seed

	// cache holds the counts of pieces that are not one token, the only
	// ones that cost merges; shared by every call, across requests.
	cache *pieceCache
}

// maxShort is the longest token kept in the short table: 7 bytes and a
// marker bit fit in a uint64.
const maxShort = 7

// packShort packs s (at most maxShort bytes) into a uint64 that no other
// such string packs into: its bytes, little-endian, then a 1 bit.
func packShort(s string) uint64 {
	k := uint64(1) << (8 * len(s))
	for i := range len(s) {
		k |= uint64(s[i]) << (8 * i)
	}
	return k
}

// fibHash is Fibonacci hashing: its high bits mix all the bits of k.
func fibHash(k uint64) uint64 { return k * 0x9e3779b97f4a7c15 }

// newEncoding builds the rank table of an embedded vocabulary (see
// vocab.go).
func newEncoding(name string, o200k bool, cache cacheConfig) (*encoding, error) {
	toks, starts, err := vocabOf(name)
	if err != nil {
		return nil, err
	}
	short := 0
	for r := range len(starts) - 1 {
		if starts[r+1]-starts[r] <= maxShort {
			short++
		}
	}
	n := len(starts) - 1
	e := &encoding{
		name:   name,
		o200k:  o200k,
		toks:   toks,
		starts: starts,
		seed:   maphash.MakeSeed(),
		cache:  newPieceCache(cache),
	}
	// Both indexes about half full (at most two thirds), so that a miss
	// (most merge lookups are) stops after a few probes.
	bits := 1
	for 1<<bits < short*3/2 {
		bits++
	}
	e.shortKeys = make([]uint64, 1<<bits)
	e.shortRanks = make([]uint32, 1<<bits)
	e.shortShift = uint8(64 - bits)
	size := 1
	for size < (n-short)*3/2 {
		size <<= 1
	}
	e.index = make([]uint32, size)
	for r := range uint32(n) {
		// A token found while probing is a duplicate (there are none in
		// a sound vocabulary): the lower rank, inserted first, stays.
		t := e.token(r)
		if len(t) <= maxShort {
			k := packShort(t)
			i := fibHash(k) >> e.shortShift
			for e.shortKeys[i] != 0 && e.shortKeys[i] != k {
				i = (i + 1) & uint64(len(e.shortKeys)-1)
			}
			if e.shortKeys[i] == 0 {
				e.shortKeys[i], e.shortRanks[i] = k, r
			}
			if len(t) == 2 {
				b := uint16(t[1])<<8 | uint16(t[0])
				e.pairs[b/64] |= 1 << (b % 64)
			}
			continue
		}
		i := maphash.String(e.seed, t) & uint64(size-1)
		for e.index[i] != 0 && e.token(e.index[i]-1) != t {
			i = (i + 1) & uint64(size-1)
		}
		if e.index[i] == 0 {
			e.index[i] = r + 1
		}
	}
	// Every single byte must be a token, or some pieces would not merge
	// down to tokens at all.
	for b := range 256 {
		if _, ok := e.rank(string([]byte{byte(b)})); !ok {
			return nil, fmt.Errorf("tokens: %s has no token for byte %#x", name, b)
		}
	}
	return e, nil
}

func (e *encoding) token(r uint32) string {
	return e.toks[e.starts[r]:e.starts[r+1]]
}

// rank returns the rank of the token with the bytes of s.
func (e *encoding) rank(s string) (uint32, bool) {
	if len(s) <= maxShort {
		return e.shortRank(packShort(s))
	}
	return e.longRank(s, maphash.String(e.seed, s))
}

// isShort reports whether a token packs into k (shortRank without the
// rank, which costs another memory access).
func (e *encoding) isShort(k uint64) bool {
	mask := uint64(len(e.shortKeys) - 1)
	for i := fibHash(k) >> e.shortShift; ; i = (i + 1) & mask {
		switch e.shortKeys[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

// shortRank returns the rank of the token that packs into k.
func (e *encoding) shortRank(k uint64) (uint32, bool) {
	mask := uint64(len(e.shortKeys) - 1)
	for i := fibHash(k) >> e.shortShift; ; i = (i + 1) & mask {
		switch e.shortKeys[i] {
		case k:
			return e.shortRanks[i], true
		case 0:
			return 0, false
		}
	}
}

// longRank returns the rank of the token with the bytes of s, longer than
// maxShort, whose seeded hash is h.
func (e *encoding) longRank(s string, h uint64) (uint32, bool) {
	mask := uint64(len(e.index) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		v := e.index[i]
		if v == 0 {
			return 0, false
		}
		if e.token(v-1) == s {
			return v - 1, true
		}
	}
}

// count returns the number of tokens of s.
func (e *encoding) count(s string) int {
	if len(s) < recentMin {
		return e.countWith(s, nil)
	}
	var r recent
	return e.countWith(s, &r)
}

// countWith is count, remembering the pieces of s in r (nil for none).
func (e *encoding) countWith(s string, r *recent) int {
	valid := utf8.ValidString(s)
	n := 0
	for i := 0; i < len(s); {
		at := i
		p := s[i : i+pieceLen(s, i, e.o200k)]
		i += len(p)
		if !valid && !utf8.ValidString(p) {
			// The library's regexp engine reads text as runes, so each
			// invalid byte is encoded as U+FFFD.
			n += e.pieceTokens(replaceInvalid(p))
			continue
		}
		if r != nil && len(p) > 2 {
			n += r.tokens(e, s, at, p)
			continue
		}
		n += e.pieceTokens(p)
	}
	return n
}

// recent remembers the token counts of the pieces one count call has met:
// a text repeats its words, and the vocabulary's tables (megabytes, read
// at random) and the shared piece cache (behind a lock, for long pieces)
// cost a cache miss or a lock per piece, where this table, small enough
// for the processor's nearest cache, costs neither. Direct-mapped: a piece
// overwrites whichever shared its slot. It lives on the stack of one call.
type recent struct {
	short [1 << recentShortLog]uint64 // packShort(piece) | count<<shortCountShift; 0 for empty
	long  [1 << recentLongLog]recentLong
}

// recentLong is a piece longer than maxShort: where it first occurred in
// the counted text, and its count.
type recentLong struct {
	h          uint64
	off, n, tk int32
}

const (
	recentShortLog = 10 // 8 KB
	recentLongLog  = 8  // 6 KB
	// recentMin is the size from which a text is counted with a recent
	// table: below it, clearing the table would cost more than it saves.
	recentMin = 4 << 10
)

// tokens returns the tokens of piece p (more than two bytes), found at
// offset at of the counted text s.
func (r *recent) tokens(e *encoding, s string, at int, p string) int {
	if len(p) <= maxShort {
		k := packShort(p)
		slot := &r.short[fibHash(k)>>(64-recentShortLog)]
		if *slot&(1<<shortCountShift-1) == k {
			return int(*slot >> shortCountShift)
		}
		n := e.shortTokens(p, k)
		*slot = k | uint64(n)<<shortCountShift
		return n
	}
	h := maphash.String(e.seed, p)
	slot := &r.long[h>>(64-recentLongLog)]
	if slot.h == h && int(slot.n) == len(p) && s[slot.off:int(slot.off)+len(p)] == p {
		return int(slot.tk)
	}
	n := e.longTokens(p, h)
	*slot = recentLong{h: h, off: int32(at), n: int32(len(p)), tk: int32(n)}
	return n
}

// pieceTokens returns the number of tokens of one pre-tokenized piece.
func (e *encoding) pieceTokens(p string) int {
	switch len(p) {
	case 1:
		return 1 // every byte is a token
	case 2:
		b := uint16(p[1])<<8 | uint16(p[0])
		if e.pairs[b/64]&(1<<(b%64)) != 0 {
			return 1
		}
		return 2
	}
	if len(p) <= maxShort {
		return e.shortTokens(p, packShort(p))
	}
	return e.longTokens(p, maphash.String(e.seed, p))
}

// shortTokens is pieceTokens of a piece of 3 to maxShort bytes packed to k.
func (e *encoding) shortTokens(p string, k uint64) int {
	if e.isShort(k) {
		return 1
	}
	if n, ok := e.cache.getShort(k); ok {
		return n
	}
	n := e.merge(p)
	e.cache.putShort(k, n)
	return n
}

// longTokens is pieceTokens of a piece longer than maxShort whose seeded
// hash is h.
func (e *encoding) longTokens(p string, h uint64) int {
	if _, ok := e.longRank(p, h); ok {
		return 1
	}
	if n, ok := e.cache.get(h, p); ok {
		return n
	}
	n := e.merge(p)
	e.cache.put(h, p, n)
	return n
}

// noRank marks a pair of parts that is no token.
const noRank = ^uint32(0)

// smallPiece is the longest piece merged on the stack by a linear scan;
// longer ones use a heap (the scan is quadratic).
const smallPiece = 64

// merge returns the number of parts byte-pair encoding leaves of p:
// starting from single bytes, the adjacent pair that forms the
// lowest-ranked token is joined, the leftmost first among equals, until no
// adjacent pair forms a token.
func (e *encoding) merge(p string) int {
	if len(p) > smallPiece {
		return e.mergeHeap(p)
	}
	// bounds are the starts of the parts and the end of p; ranks[i] is the
	// rank of parts i and i+1 joined.
	var bb [smallPiece + 1]int32
	var rb [smallPiece]uint32
	bounds, ranks := bb[:len(p)+1], rb[:len(p)-1]
	for i := range bounds {
		bounds[i] = int32(i)
	}
	pair := func(i int) uint32 {
		if r, ok := e.rank(p[bounds[i]:bounds[i+2]]); ok {
			return r
		}
		return noRank
	}
	for i := range ranks {
		ranks[i] = pair(i)
	}
	for {
		best, at := noRank, -1
		for i, r := range ranks {
			if r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			return len(bounds) - 1
		}
		bounds = append(bounds[:at+1], bounds[at+2:]...)
		ranks = append(ranks[:at], ranks[at+1:]...)
		if at < len(ranks) {
			ranks[at] = pair(at)
		}
		if at > 0 {
			ranks[at-1] = pair(at - 1)
		}
	}
}

// mergeHeap is merge for long pieces in O(n log n): the parts form a
// linked list and the candidate pairs a min-heap by (rank, offset), from
// which entries made stale by earlier merges are skipped.
func (e *encoding) mergeHeap(p string) int {
	n := int32(len(p))
	// Node i is the part starting at offset i: next is the start of the
	// following part (n for the last), rank that of the part joined with
	// its successor, noRank if none or if the node was merged away.
	type node struct {
		next, prev int32
		rank       uint32
	}
	nodes := make([]node, n)
	pair := func(i int32) uint32 {
		j := nodes[i].next
		if j >= n {
			return noRank
		}
		if r, ok := e.rank(p[i:nodes[j].next]); ok {
			return r
		}
		return noRank
	}
	for i := range n {
		nodes[i].next, nodes[i].prev = i+1, i-1
	}
	h := make(pairHeap, 0, n)
	for i := range n {
		if nodes[i].rank = pair(i); nodes[i].rank != noRank {
			h = append(h, pairAt{nodes[i].rank, i})
		}
	}
	h.init()
	parts := int(n)
	for len(h) > 0 {
		top := h.pop()
		i := top.at
		if nodes[i].rank != top.rank {
			continue // stale: the pair changed after it was pushed
		}
		j := nodes[i].next
		k := nodes[j].next
		nodes[i].next = k
		if k < n {
			nodes[k].prev = i
		}
		nodes[j].rank = noRank
		parts--
		for _, b := range [2]int32{i, nodes[i].prev} {
			if b < 0 {
				continue
			}
			if nodes[b].rank = pair(b); nodes[b].rank != noRank {
				h.push(pairAt{nodes[b].rank, b})
			}
		}
	}
	return parts
}

// pairAt is a candidate merge: the part at offset at joined with its
// successor forms the token of rank rank.
type pairAt struct {
	rank uint32
	at   int32
}

// pairHeap is a binary min-heap by rank, then offset (leftmost first),
// typed so that pushes do not box.
type pairHeap []pairAt

func (h pairHeap) less(a, b int) bool {
	return h[a].rank < h[b].rank || h[a].rank == h[b].rank && h[a].at < h[b].at
}

func (h pairHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *pairHeap) push(x pairAt) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *pairHeap) pop() pairAt {
	s := *h
	top := s[0]
	s[0] = s[len(s)-1]
	*h = s[:len(s)-1]
	h.down(0)
	return top
}

func (h pairHeap) down(i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h.less(c+1, c) {
			c++
		}
		if !h.less(c, i) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// replaceInvalid returns s with each byte that is not part of a valid
// UTF-8 sequence replaced by U+FFFD.
func replaceInvalid(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) + 8)
	for _, r := range s {
		sb.WriteRune(r) // an invalid byte ranges as utf8.RuneError
	}
	return sb.String()
}
