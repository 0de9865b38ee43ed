package lines

import "strings"

// Boundary is where, in a list of names (one token a line, in order),
// a run of names sharing a prefix ends and the next begins: "3.13.13t"
// then "3.14.0", "pypy3.11-7.3.22" then "pyston-2.2". In a sorted list
// the last name before a boundary is the largest, or newest, of its
// group.
type Boundary struct {
	// At is the index of the last name before the boundary.
	At int
	// Level is how many separators the prefix the two names share holds
	// up to its last separator: 0 where they share none ("pypy…" then
	// "pyston…"), more for finer groups ("3.13.…" then "3.14.…" is 1).
	Level int
	// Left and Right are the sizes of the groups on either side whose
	// names share a longer prefix than the two names do.
	Left, Right int
}

// IsSeparator reports a byte that separates the parts of a name.
func IsSeparator(c byte) bool { return c < 0x80 && !IsWordByte(c) || c == '_' }

// sharedLevel is the number of separators in the longest common prefix of
// a and b, cut back to its last separator.
func sharedLevel(a, b string) int {
	n := min(len(a), len(b))
	level, seps := 0, 0
	for i := 0; i < n && a[i] == b[i]; i++ {
		if IsSeparator(a[i]) {
			seps++
			level = seps
		}
	}
	return level
}

// PrefixBoundaries returns the boundaries of names (trimmed tokens, in
// their order) where the group on one side has at least minGroup names,
// in order of position. It runs in linear time.
func PrefixBoundaries(names []string, minGroup int) []Boundary {
	m := len(names)
	if m < 2 {
		return nil
	}
	lv := make([]int, m-1)
	for i := range lv {
		lv[i] = sharedLevel(names[i], names[i+1])
	}
	// prev[i]: the nearest boundary before i at a level <= lv[i] (-1 if
	// none); next[i]: the nearest after it (m-1 if none).
	prev := make([]int, m-1)
	next := make([]int, m-1)
	stack := make([]int, 0, 16)
	for i := range lv {
		for len(stack) > 0 && lv[stack[len(stack)-1]] > lv[i] {
			stack = stack[:len(stack)-1]
		}
		prev[i] = -1
		if len(stack) > 0 {
			prev[i] = stack[len(stack)-1]
		}
		stack = append(stack, i)
	}
	stack = stack[:0]
	for i := len(lv) - 1; i >= 0; i-- {
		for len(stack) > 0 && lv[stack[len(stack)-1]] > lv[i] {
			stack = stack[:len(stack)-1]
		}
		next[i] = m - 1
		if len(stack) > 0 {
			next[i] = stack[len(stack)-1]
		}
		stack = append(stack, i)
	}
	var out []Boundary
	for i := range lv {
		b := Boundary{At: i, Level: lv[i], Left: i - prev[i], Right: next[i] - i}
		if b.Left >= minGroup || b.Right >= minGroup {
			out = append(out, b)
		}
	}
	return out
}

// Token returns a line's text when it is one token (no blank inside
// after trimming), else "".
func Token(l string) string {
	t := strings.TrimSpace(l)
	// A loop, not strings.ContainsAny, which builds a byte set per call:
	// Token reads every line of a block.
	for i := 0; i < len(t); i++ {
		if t[i] == ' ' || t[i] == '\t' {
			return ""
		}
	}
	return t
}
