package hook

import (
	"unsafe"

	"github.com/tsheadroom/tsheadroom/internal/lru"
)

// quoteMemo remembers the JSON encoding of long replacement texts by where
// the text is in memory: a cached call gets the very strings the engine's
// result cache holds, and quoting them again was the largest part of a
// cached call's splice. Each entry holds its string, so the string is not
// freed and its address not reused while the entry exists: an equal
// address and length mean the same text.
type quoteMemo struct {
	c *lru.Cache[textAddr, quoteEntry]
}

type textAddr struct {
	at *byte
	n  int
}

type quoteEntry struct {
	text   string // keeps the text alive
	quoted []byte // never written once stored
}

// minQuoteMemoBytes is the text length from which a quote is remembered.
const minQuoteMemoBytes = 512

// quotes is shared by every hook of the process, as texts is.
var quotes = newQuoteMemo(16<<20, 4096)

func newQuoteMemo(maxBytes, maxEntries int) *quoteMemo {
	return &quoteMemo{c: lru.New[textAddr, quoteEntry](maxEntries, maxBytes)}
}

// quote is the package's quote(s), from the memo for a long s. The bytes
// returned are shared: callers copy them and never write them.
func (m *quoteMemo) quote(s string) ([]byte, error) {
	if len(s) < minQuoteMemoBytes {
		return quote(s)
	}
	k := textAddr{unsafe.StringData(s), len(s)}
	if e, ok := m.c.Get(k); ok {
		return e.quoted, nil
	}
	q, err := quote(s)
	if err != nil {
		return nil, err
	}
	m.c.Put(k, quoteEntry{text: s, quoted: q}, len(s)+len(q)+memoEntryOverhead)
	return q, nil
}

// clear empties the memo (tests and benchmarks of first sight).
func (m *quoteMemo) clear() { m.c.Clear() }
