package relevance

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// A request often says what it does not want: "skip the missing-
// annotation noise", "I don't care about the warnings", "anything wrong
// besides the database not being up". The words of such a phrase are no
// terms of the request (they would keep the very lines it waves away);
// they are its Dismissed words, and compressors let the lines that hold
// them all go first.

// dismissAnywhere open a dismissed phrase wherever they stand.
var dismissAnywhere = [...]string{"besides", "other than", "apart from", "don't care about", "do not care about",
	"not interested in", "don't worry about", "do not worry about", "never mind", "not counting"}

// dismissLeading open one only at the start of a clause: "skip" in "which
// files does it skip" is what the question is about.
var dismissLeading = [...]string{"ignore", "ignoring", "skip", "skipping", "exclude", "excluding", "disregard"}

// maxDismissed bounds the words of one dismissed phrase.
const maxDismissed = 6

// dismissals returns s with its dismissed phrases blanked (same length)
// and the content words of those phrases, lowered.
func dismissals(s string) (string, []string) {
	lower := strings.ToLower(s)
	var words []string
	var blank []bool
	for at := 0; at < len(lower); {
		end, ok := dismissalAt(lower, at)
		if !ok {
			at++
			continue
		}
		if blank == nil {
			blank = make([]bool, len(s))
		}
		n := 0
		lines.Words(s[at:end], func(w string, i, j int) bool {
			lw := fold(w)
			if len(lw) < 3 || stopWords[lw] || intentWords[lw] || lines.AllDigits(lw) || isTrigger(lw) {
				return true
			}
			if n < maxDismissed {
				words = append(words, lw)
				n++
			}
			return true
		})
		for k := at; k < end; k++ {
			blank[k] = true
		}
		at = end
	}
	if blank == nil {
		return s, nil
	}
	b := []byte(s)
	for k, x := range blank {
		if x && b[k] != '\n' {
			b[k] = ' '
		}
	}
	return string(b), words
}

// dismissalAt reports a dismissed phrase starting at lower[at:] (a trigger
// where it may stand, as a whole word) and returns where it ends: at the
// next clause mark.
func dismissalAt(lower string, at int) (int, bool) {
	if at > 0 && lines.IsWordByte(lower[at-1]) {
		return 0, false
	}
	matched := ""
	for _, t := range dismissAnywhere {
		if strings.HasPrefix(lower[at:], t) {
			matched = t
			break
		}
	}
	if matched == "" && clauseStart(lower, at) {
		for _, t := range dismissLeading {
			if strings.HasPrefix(lower[at:], t) {
				matched = t
				break
			}
		}
	}
	if matched == "" {
		return 0, false
	}
	e := at + len(matched)
	if e < len(lower) && lines.IsWordByte(lower[e]) {
		return 0, false
	}
	for e < len(lower) && strings.IndexByte(".,;:?!()\n", lower[e]) < 0 && !clauseJoin(lower, e) {
		e++
	}
	return e, true
}

// clauseJoin reports whether a new clause joins at lower[e]: " but ", or
// " and " before a verb of asking ("and tell me", "and show"), where "and"
// before a noun ("the timeouts and retries") lists more of what is
// dismissed.
func clauseJoin(lower string, e int) bool {
	if lower[e] != ' ' {
		return false
	}
	rest := lower[e+1:]
	if strings.HasPrefix(rest, "but ") {
		return true
	}
	if after, ok := strings.CutPrefix(rest, "and "); ok {
		w, _, _ := strings.Cut(after, " ")
		return stopWords[w]
	}
	return false
}

// clauseStart reports whether a clause starts at lower[at]: the start of
// the text, or after a clause mark and blanks, or after "please" or
// "just" there.
func clauseStart(lower string, at int) bool {
	k := at
	for k > 0 && lower[k-1] == ' ' {
		k--
	}
	for _, w := range [...]string{"please", "just", "and"} {
		if strings.HasSuffix(lower[:k], w) && (k == len(w) || !lines.IsWordByte(lower[k-len(w)-1])) {
			k -= len(w)
			for k > 0 && lower[k-1] == ' ' {
				k--
			}
			break
		}
	}
	return k == 0 || strings.IndexByte(".;:?!(\n-", lower[k-1]) >= 0
}

func isTrigger(w string) bool {
	for _, t := range dismissLeading {
		if w == t {
			return true
		}
	}
	return w == "care" || w == "worry" || w == "interested" || w == "mind" || w == "counting" || w == "noise"
}
