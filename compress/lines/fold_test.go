package lines

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// indexFoldRef is IndexFold by definition: the first rune start i and end
// j of s with strings.ToLower(s[i:j]) == needle.
func indexFoldRef(s, needle string) (int, int) {
	if needle == "" {
		return 0, 0
	}
	for i := 0; i < len(s); {
		for j := i; j < len(s); {
			_, n := utf8.DecodeRuneInString(s[j:])
			j += n
			if l := strings.ToLower(s[i:j]); l == needle {
				return i, j
			} else if !strings.HasPrefix(needle, l) {
				break
			}
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return -1, -1
}

func TestIndexFold(t *testing.T) {
	for _, c := range []struct {
		s, needle  string
		start, end int
	}{
		{"Hello World", "world", 6, 11},
		{"no match", "xyz", -1, -1},
		// U+023A lowers to a 3-byte letter: the span is in s, 2 bytes.
		{"\u023a\u023a x \u023aB", "\u2c65b", 7, 10},
		{"ÉCOLE normale", "école", 0, 6},
		{"KELVIN \u212a", "k", 0, 1},
		{"temp 3\u212a", "3k", 5, 9},
		{"\u0130stanbul", "istanbul", 0, 9},
		{"invalid \xff byte", "\ufffd", 8, 9},
		{"", "a", -1, -1},
	} {
		s, e := IndexFold(c.s, c.needle)
		if s != c.start || e != c.end {
			t.Errorf("IndexFold(%q, %q) = %d, %d; want %d, %d", c.s, c.needle, s, e, c.start, c.end)
		}
		if rs, re := indexFoldRef(c.s, c.needle); rs != s || re != e {
			t.Errorf("IndexFold(%q, %q) = %d, %d; reference %d, %d", c.s, c.needle, s, e, rs, re)
		}
	}
}

// FuzzIndexFold checks IndexFold against its definition on any input,
// non-ASCII and invalid UTF-8 included.
func FuzzIndexFold(f *testing.F) {
	f.Add("\u023a\u023a J\u00c9rome", "jérome")
	f.Add("ⱥȺ timed out", "ⱥ")
	f.Add("3\u212a \u0130", "3k")
	f.Add("plain ASCII text", "text")
	f.Fuzz(func(t *testing.T, s, needle string) {
		if len(s) > 512 || len(needle) > 32 {
			return
		}
		needle = Fold(needle)
		st, e := IndexFold(s, needle)
		if rs, re := indexFoldRef(s, needle); rs != st || re != e {
			t.Fatalf("IndexFold(%q, %q) = %d, %d; reference %d, %d", s, needle, st, e, rs, re)
		}
		if st >= 0 && Fold(s[st:e]) != needle {
			t.Fatalf("span %q does not fold to %q", s[st:e], needle)
		}
	})
}
