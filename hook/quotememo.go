package hook

import (
	"container/list"
	"sync"
	"unsafe"
)

// quoteMemo remembers the JSON encoding of long replacement texts by where
// the text is in memory: a cached call gets the very strings the engine's
// result cache holds, and quoting them again was the largest part of a
// cached call's splice. Each entry holds its string, so the string is not
// freed and its address not reused while the entry exists: an equal
// address and length mean the same text.
type quoteMemo struct {
	maxBytes, maxEntries int

	mu    sync.Mutex
	ll    *list.List // front = most recently used; values are *quoteEntry
	m     map[textAddr]*list.Element
	bytes int
}

type textAddr struct {
	at *byte
	n  int
}

type quoteEntry struct {
	key    textAddr
	text   string // keeps the text alive
	quoted []byte // never written once stored
}

// minQuoteMemoBytes is the text length from which a quote is remembered.
const minQuoteMemoBytes = 512

// quotes is shared by every hook of the process, as texts is.
var quotes = newQuoteMemo(16<<20, 4096)

func newQuoteMemo(maxBytes, maxEntries int) *quoteMemo {
	return &quoteMemo{maxBytes: maxBytes, maxEntries: maxEntries, ll: list.New(), m: map[textAddr]*list.Element{}}
}

// quote is the package's quote(s), from the memo for a long s. The bytes
// returned are shared: callers copy them and never write them.
func (m *quoteMemo) quote(s string) ([]byte, error) {
	if len(s) < minQuoteMemoBytes {
		return quote(s)
	}
	k := textAddr{unsafe.StringData(s), len(s)}
	m.mu.Lock()
	if e, ok := m.m[k]; ok {
		m.ll.MoveToFront(e)
		q := e.Value.(*quoteEntry).quoted
		m.mu.Unlock()
		return q, nil
	}
	m.mu.Unlock()
	q, err := quote(s)
	if err != nil {
		return nil, err
	}
	m.put(k, s, q)
	return q, nil
}

func (m *quoteMemo) put(k textAddr, s string, q []byte) {
	size := len(s) + len(q) + memoEntryOverhead
	if size > m.maxBytes {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.m[k]; ok {
		return
	}
	m.m[k] = m.ll.PushFront(&quoteEntry{key: k, text: s, quoted: q})
	m.bytes += size
	for m.ll.Len() > m.maxEntries || m.bytes > m.maxBytes {
		back := m.ll.Back()
		old := back.Value.(*quoteEntry)
		m.ll.Remove(back)
		delete(m.m, old.key)
		m.bytes -= len(old.text) + len(old.quoted) + memoEntryOverhead
	}
}

// clear empties the memo (tests and benchmarks of first sight).
func (m *quoteMemo) clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ll.Init()
	clear(m.m)
	m.bytes = 0
}
