package hook

import (
	"bytes"
	"hash/maphash"

	"github.com/tsheadroom/tsheadroom/internal/lru"
)

// strMemo remembers long JSON strings the hook has parsed and decoded, by a
// 128-bit digest of their raw bytes (quotes and escapes included): every
// turn of a conversation re-sends the earlier tool outputs byte for byte,
// and on such a call checking and decoding those strings again was about
// half of the hook's CPU. Bytes with a known digest were valid when first
// read and decode to the same text, so a hit skips both; the answer is
// the same either way.
type strMemo struct {
	seed1, seed2 maphash.Seed
	c            *lru.Cache[[2]uint64, string]
}

// minMemoBytes is the raw length from which a string is remembered: a
// tool output or a document inside one, not a field name or a role.
const minMemoBytes = 512

// memoEntryOverhead approximates an entry's memory beyond its text.
const memoEntryOverhead = 120

// texts is the hook's memo, shared by every hook of the process: entries
// are named by content, so any call may use any other call's.
var texts = newStrMemo(16<<20, 8192)

func newStrMemo(maxBytes, maxEntries int) *strMemo {
	return &strMemo{seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed(), c: lru.New[[2]uint64, string](maxEntries, maxBytes)}
}

func (m *strMemo) key(raw []byte) [2]uint64 {
	return [2]uint64{maphash.Bytes(m.seed1, raw), maphash.Bytes(m.seed2, raw)}
}

func (m *strMemo) get(k [2]uint64) (string, bool) { return m.c.Get(k) }

func (m *strMemo) put(k [2]uint64, text string) { m.c.Put(k, text, len(text)+memoEntryOverhead) }

// clear empties the memo (tests and benchmarks of first sight).
func (m *strMemo) clear() { m.c.Clear() }

// stringEnd returns the index just past the closing quote of the JSON
// string opening at s[at], going by quotes and backslashes alone (no
// check of what is between), or -1 when there is none.
func stringEnd(s []byte, at int) int {
	i := at + 1
	for {
		j := bytes.IndexByte(s[i:], '"')
		if j < 0 {
			return -1
		}
		i += j
		bs := 0
		for k := i - 1; k > at && s[k] == '\\'; k-- {
			bs++
		}
		i++
		if bs%2 == 0 {
			return i
		}
	}
}

// memoed is the memo's part of a string node: its key, and the text once
// known.
type memoed struct {
	key  [2]uint64
	text string
	ok   bool // text is known
}
