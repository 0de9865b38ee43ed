package lines

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
}

type memoKey struct {
	what string
	text string
}

// NewMemo returns an empty memo.
func NewMemo() *Memo { return &Memo{m: map[memoKey]any{}} }

// Get returns what was stored under what for text.
func (m *Memo) Get(what, text string) (any, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.m[memoKey{what, text}]
	return v, ok
}

// Put stores v under what for text (nothing on a nil memo).
func (m *Memo) Put(what, text string, v any) {
	if m != nil {
		m.m[memoKey{what, text}] = v
	}
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
