package head

import (
	"strings"
	"testing"
)

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

func TestLines(t *testing.T) {
	text := "a\nb\nc\n" + strings.Repeat("x", MaxBytes)
	if b := Lines(text, 2, true); len(b.L) != 2 || b.L[1] != "b" {
		t.Errorf("Lines(text, 2) = %q", b.L)
	}
	if b := Lines(text, 10, true); len(b.L) != 3 {
		t.Errorf("Lines(text, 10, whole) = %d lines, want the 3 before the cut one", len(b.L))
	}
}
