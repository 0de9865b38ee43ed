package hook

import (
	"errors"
	"slices"
)

// errShapeChanged rejects a replacement that would change a value's JSON
// kind (an object must stay an object).
var errShapeChanged = errors.New("replacement changes the JSON kind of the value")

// edit replaces src[start:end] with data.
type edit struct {
	start, end int
	data       []byte
}

// applyEdits returns src with the non-overlapping edits applied; every byte
// outside them is copied unchanged.
func applyEdits(src []byte, edits []edit) []byte {
	if len(edits) == 0 {
		return src
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	size := len(src)
	for _, e := range edits {
		size += len(e.data) - (e.end - e.start)
	}
	out := make([]byte, 0, size)
	pos := 0
	for _, e := range edits {
		out = append(out, src[pos:e.start]...)
		out = append(out, e.data...)
		pos = e.end
	}
	return append(out, src[pos:]...)
}
