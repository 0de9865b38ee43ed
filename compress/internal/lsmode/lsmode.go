// Package lsmode reads the file mode that opens a long-format listing's
// row ("drwxr-xr-x"), which the listing and table kinds both look for.
package lsmode

import "strings"

// Is reports whether l opens with a file mode: a type letter among types
// and nine permission letters. The type letters are the caller's: a
// listing parser takes every type ls prints, a detector may want only
// the common ones.
func Is(l, types string) bool {
	if len(l) < 10 || strings.IndexByte(types, l[0]) < 0 {
		return false
	}
	for i := 1; i < 10; i++ {
		if strings.IndexByte("rwxsStT-", l[i]) < 0 {
			return false
		}
	}
	return true
}
