package diff

import (
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Machine-written files (lockfiles, checksum lists, pinned dependency
// graphs) are recognised by the shape of their changed lines, never by
// their names: many changed lines carry a hash or an integrity string, or
// some do and the lines are few templates repeated, the records a tool
// writes. Manifests whose lines are versions alone (a dependency list) are
// not: a person edits those, and a version bump in them is news.

// minGeneratedLines is the size below which a file is not judged: a small
// change costs little, whatever wrote it.
const minGeneratedLines = 12

// maxSkeletons bounds the templates counted per file.
const maxSkeletons = 1024

// generated reports whether file fi's changed lines look machine-written.
func generated(d *doc, fi int) bool {
	f := &d.files[fi]
	changed, hashed := 0, 0
	skeletons := make(map[uint64]struct{}, 16)
	for _, p := range f.hunks {
		pt := d.parts[p]
		for i := pt.from + 1; i < pt.to; i++ {
			l := d.b.L[i]
			if l == "" || l[0] != '+' && l[0] != '-' {
				continue
			}
			changed++
			t := l[1:]
			if hashToken(t) {
				hashed++
			}
			if len(skeletons) <= maxSkeletons {
				skeletons[skeleton(t)] = struct{}{}
			}
		}
	}
	if changed < minGeneratedLines {
		return false
	}
	// Shares as integer ratios: hashes on 30% of the changed lines, or on
	// 8% of them with at most one template per four lines.
	return hashed*10 >= changed*3 || hashed*25 >= changed*2 && len(skeletons)*4 <= changed
}

// hashToken reports whether s holds a token that reads as a hash, a
// checksum or an integrity string: a run of at least 20 letters, digits
// and base64 punctuation with at least 4 digits and 4 letters, or a run of
// at least 32 hex digits.
func hashToken(s string) bool {
	run, digits, letters, hex := 0, 0, 0, 0
	for i := 0; i <= len(s); i++ {
		var c byte
		if i < len(s) {
			c = s[i]
		}
		switch {
		case i < len(s) && lines.IsDigit(c):
			run++
			digits++
			hex++
		case i < len(s) && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '/' || c == '='):
			run++
			letters++
			if lines.IsHex(c) {
				hex++
			} else {
				hex = 0
			}
		default:
			if run >= 20 && digits >= 4 && letters >= 4 {
				return true
			}
			run, digits, letters, hex = 0, 0, 0, 0
			continue
		}
		if hex >= 32 {
			return true
		}
	}
	return false
}

// skeleton hashes s with every run of letters and digits replaced by one
// placeholder: the lines one template prints share it.
func skeleton(s string) uint64 {
	h := uint64(14695981039346656037)
	word := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if lines.IsWordByte(c) || c >= 0x80 {
			if !word {
				h = (h ^ 'a') * 1099511628211
			}
			word = true
			continue
		}
		word = false
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}
