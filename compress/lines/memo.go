package lines

import "unsafe"

// Memo holds what is computed from a text alone (its lines, its lowered
// copy, its hashed words, its line clusters) for every pass over the same
// block within one call: a block is compressed, a later turn re-judges it
// and it is compressed again under another query and budget, and the
// safety net folds it once more. Entries are keyed by the text's content
// and by what was computed, so a text rebuilt equal to an earlier one (a
// compressor's joined rows) finds it too.
//
// A nil *Memo is valid and remembers nothing. A Memo is not safe for
// concurrent use: the engine makes one per block it compresses and drops
// it with the block.
type Memo struct {
	m map[memoKey]any
	// same finds an entry by where its text is in memory: the passes over
	// a block mostly look up the very string they stored, and a lookup
	// by content hashes all of it (megabytes for a large block). Strings
	// are immutable and a key keeps its text alive, so an equal address
	// and length mean equal content.
	same map[sameKey]any
}

type memoKey struct {
	what string
	text string
}

type sameKey struct {
	what string
	at   *byte
	n    int // at, a real pointer, keeps the text's memory alive
}

// maxSame bounds the address entries of a memo beyond those of its
// content entries (texts equal to a stored one but elsewhere in memory).
const maxSame = 256

// NewMemo returns an empty memo.
func NewMemo() *Memo { return &Memo{m: map[memoKey]any{}, same: map[sameKey]any{}} }

func keyAt(what, text string) sameKey {
	return sameKey{what: what, at: unsafe.StringData(text), n: len(text)}
}

// Get returns what was stored under what for text.
func (m *Memo) Get(what, text string) (any, bool) {
	if m == nil {
		return nil, false
	}
	k := keyAt(what, text)
	if v, ok := m.same[k]; ok {
		return v, true
	}
	v, ok := m.m[memoKey{what, text}]
	if ok && len(m.same) < len(m.m)+maxSame {
		m.same[k] = v
	}
	return v, ok
}

// Put stores v under what for text (nothing on a nil memo).
func (m *Memo) Put(what, text string, v any) {
	if m == nil {
		return
	}
	// One assignment, one hash of the text (a lookup first would hash
	// it again); an unchanged length means an entry was replaced.
	n := len(m.m)
	m.m[memoKey{what, text}] = v
	if len(m.m) == n {
		// Replaced: other addresses of an equal text would find the
		// old value.
		clear(m.same)
	}
	m.same[keyAt(what, text)] = v
}

// SplitMemo is Split, remembered in m: the Lines are shared, and callers
// must not modify them.
func SplitMemo(m *Memo, text string) *Lines {
	if v, ok := m.Get("lines", text); ok {
		return v.(*Lines)
	}
	b := Split(text)
	m.Put("lines", text, b)
	return b
}
