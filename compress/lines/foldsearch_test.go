package lines

import (
	"math/rand"
	"testing"
)

// TestFoldSearch checks FoldSearch.Next against IndexFold of the rest of
// the text, from offsets that mostly grow (as a count of matches calls
// it) and sometimes go back.
func TestFoldSearch(t *testing.T) {
	pieces := []string{"k", "K", "\u212a", "i", "I", "\u0130", "\u0131", "ß", "ẞ", "\u023a", "\u2c65", "é", "É",
		"read", "READ", "Read", " ", "\n", "_", "x", "r", "R", "\xff", "\xc3", "\ufffd", "ab", "AB"}
	r := rand.New(rand.NewSource(1))
	gen := func(n int) string {
		var b []byte
		for range n {
			b = append(b, pieces[r.Intn(len(pieces))]...)
		}
		return string(b)
	}
	found := 0
	for range 3000 {
		s := gen(r.Intn(40))
		needle := Fold(gen(r.Intn(3)))
		f := NewFoldSearch(s, needle)
		from := 0
		for range 12 {
			wi, wj := IndexFold(s[from:], needle)
			if wi >= 0 {
				wi, wj = wi+from, wj+from
				found++
			}
			if gi, gj := f.Next(from); gi != wi || gj != wj {
				t.Fatalf("Next(%d) of %q in %q = %d, %d; IndexFold gives %d, %d", from, needle, s, gi, gj, wi, wj)
			}
			if r.Intn(6) == 0 {
				from = r.Intn(len(s) + 1)
			} else if wi >= 0 {
				from = min(wi+1+r.Intn(2), len(s))
			} else {
				from = min(from+1+r.Intn(4), len(s))
			}
		}
	}
	if found == 0 {
		t.Fatal("no match found")
	}
}
