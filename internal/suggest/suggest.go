// Package suggest finds the known name nearest to a mistyped one, for error
// messages that say what was probably meant: an unknown flag, subcommand or
// configuration field.
package suggest

// Nearest returns the candidate with the smallest edit distance to word
// (ties go to the earlier candidate), or "" when there are no candidates.
// A candidate that word is a prefix of counts as distance 1, so an
// abbreviation ("-pool") finds its flag ("-pool-size").
func Nearest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := Distance(word, c)
		if len(word) >= 3 && len(c) > len(word) && c[:len(word)] == word {
			d = min(d, 1)
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b counted in bytes
// (the names compared here are ASCII), with a transposition of two
// neighbours counting as one edit, as typing errors go.
func Distance(a, b string) int {
	// Three rows of the dynamic-programming table: two back, one back,
	// current.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
