package head

import "testing"

func TestCut(t *testing.T) {
	for _, c := range []struct {
		text         string
		lines, bytes int
		whole        bool
		want         string
	}{
		{"a\nb\nc\n", 2, 100, false, "a\nb\n"},
		{"a\nb\nc", 5, 100, true, "a\nb\nc"},
		{"ab\ncd\nef", 5, 7, false, "ab\ncd\ne"},
		{"ab\ncd\nef", 5, 7, true, "ab\ncd\n"},
		{"abcdef\n", 5, 3, true, "abc"}, // the only line is kept, cut
		{"\nabcdef", 5, 3, true, "\nab"},
		{"a\nb\nc\nd", 2, 5, true, "a\nb\n"},
	} {
		if got := Cut(c.text, c.lines, c.bytes, c.whole); got != c.want {
			t.Errorf("Cut(%q, %d, %d, %v) = %q, want %q", c.text, c.lines, c.bytes, c.whole, got, c.want)
		}
	}
}
