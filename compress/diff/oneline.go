package diff

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// One-line commit logs: a line per commit, an abbreviated hash then the
// subject, possibly under an ASCII graph ("* | 1a2b3c4 subject") and with
// ref decorations ("(HEAD -> main, tag: v1.2)"). The lines that matter are
// the landmarks: decorated commits (tags, branch heads), merges and the
// commits the task names; runs of other commits fold into counts.

// onelineCommit returns, for a line of a one-line log, the offset of its
// hash and the end of it; ok is false for other lines. graphOnly is set
// for lines of graph edges alone ("| |\", "|/").
func onelineCommit(l string) (hashAt, hashEnd int, graphOnly, ok bool) {
	i := 0
	for i < len(l) && strings.IndexByte("*|/\\_ .-", l[i]) >= 0 {
		i++
	}
	if i == len(l) {
		return 0, 0, i > 0 && strings.ContainsAny(l, "*|/\\"), i > 0 && strings.ContainsAny(l, "*|/\\")
	}
	if i > 0 && l[i-1] != ' ' {
		return 0, 0, false, false
	}
	j := i
	digit := false
	for j < len(l) && lines.IsHex(l[j]) {
		digit = digit || lines.IsDigit(l[j])
		j++
	}
	// One blank follows the hash: a wider gap is a column of a table or
	// the offset of a hex dump ("000164a0  8b 57 db ...").
	if j-i < 7 || j-i > 40 || !digit || j == len(l) || l[j] != ' ' || j+1 < len(l) && l[j+1] == ' ' {
		return 0, 0, false, false
	}
	return i, j, false, true
}

// decorated reports a one-line log line whose hash is followed by ref
// names in parentheses.
func decorated(l string, hashEnd int) bool {
	rest := l[hashEnd+1:]
	return strings.HasPrefix(rest, "(") && strings.IndexByte(rest, ')') > 1
}

// isOneline reports whether the sample of lines reads as a one-line log:
// nine in ten lines are commit or graph lines, with at least eight
// commits; decorations on most lines (as git blame's "(author date)" are)
// or subjects aligned in columns (a table keyed by ids) rule it out.
func isOneline(ls []string) bool {
	commits, graph, deco, aligned, other, addresses := 0, 0, 0, 0, 0, 0
	for _, l := range ls {
		if lines.Blank(l) {
			continue
		}
		at, end, g, ok := onelineCommit(l)
		if ok && !g && address(l[at:end], l[end:]) {
			addresses++
		}
		switch {
		case !ok:
			other++
		case g:
			graph++
		default:
			commits++
			if decorated(l, end) {
				deco++
			}
			if strings.Contains(l[end:], "   ") {
				aligned++
			}
		}
	}
	return commits >= 8 && other*10 <= commits+graph+other && deco*2 < commits && aligned*4 < commits && addresses*4 < commits
}

// address reports a "hash" that is an address or an offset: hashes are
// random, so one that starts with four zeros is one in 65,536, and a
// subject that opens with another hex number as wide is a column of
// numbers ("000000000004b510 0000000000001b51 T SSL_trace").
func address(hash, rest string) bool {
	if strings.HasPrefix(hash, "0000") {
		return true
	}
	next, _, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
	return len(next) == len(hash) && lines.SkipHex(next, 0) == len(next)
}

// Priorities of the lines of a one-line log beyond those it must keep.
const (
	onelineTerm    = 100
	onelineMerge   = 30
	onelineNear    = 25
	onelineEdge    = 20
	onelineDefault = 10
)

// minTermScore is the relevance a line needs for its task terms to count:
// a term on a third of the lines or more marks nothing in particular.
const minTermScore = 1.0

// compressOneline compresses a one-line commit log. Kept whatever the
// budget: lines the task names, decorated lines (when they are rare
// enough to be landmarks), the first and last lines and, for a question
// about the newest or oldest commits, the first or last few. Then, while
// the budget allows: weaker task matches, merges with their graph edges,
// the neighbours of decorated lines, the rest from the top.
func compressOneline(in *fold.Input) (string, bool) {
	if !in.Budget.Lossy || len(in.Text) <= in.Budget.Bytes {
		return "", false
	}
	b := in.Lines()
	if !isOneline(b.L[:min(len(b.L), 400)]) {
		return "", false
	}
	n := len(b.L)
	ix := in.Index(in.Query, b.Text, b.Start)
	must := make([]bool, n)
	prio := make([]float64, n)
	isCommit := make([]bool, n)
	decos := 0
	for i, l := range b.L {
		_, end, g, ok := onelineCommit(l)
		isCommit[i] = ok && !g
		if isCommit[i] && decorated(l, end) {
			decos++
		}
	}
	landmarks := decos*4 <= n
	first, last := -1, -1
	for i, l := range b.L {
		if i%4096 == 0 && in.Stopped() {
			return "", false
		}
		prio[i] = onelineDefault * (1 - float64(i)/float64(n))
		if !isCommit[i] {
			continue
		}
		if first < 0 {
			first = i
		}
		last = i
		_, end, _, _ := onelineCommit(l)
		switch {
		case ix.Strong(i):
			must[i] = true
		case ix.Score(i) >= minTermScore:
			prio[i] = onelineTerm + ix.Score(i)
		}
		if landmarks && decorated(l, end) {
			must[i] = true
			for _, k := range [...]int{i - 1, i + 1} {
				if k >= 0 && k < n {
					prio[k] = max(prio[k], onelineNear)
				}
			}
		}
		// A merge: the graph lines after it draw its parents.
		if i+1 < n && !isCommit[i+1] && strings.ContainsAny(b.L[i+1], "\\") {
			prio[i] = max(prio[i], onelineMerge)
			for k := i + 1; k < n && !isCommit[k] && k-i <= 4; k++ {
				prio[k] = max(prio[k], onelineEdge)
			}
		}
	}
	if first < 0 {
		return "", false
	}
	must[first], must[last] = true, true
	const ends = 5
	intent := in.Query.Intent
	for k, i := 0, first; i <= last && k < ends; i++ {
		if isCommit[i] && intent.Has(relevance.Newest) {
			must[i] = true
			k++
		}
	}
	for k, i := 0, last; i >= first && k < ends; i-- {
		if isCommit[i] && intent.Has(relevance.Oldest) {
			must[i] = true
			k++
		}
	}
	keep := fold.Select(b, must, prio, in.Budget.Bytes)
	out := fold.Render(b, keep, func(i, j int) string {
		c := 0
		for k := i; k < j; k++ {
			if isCommit[k] {
				c++
			}
		}
		switch {
		case c == 0:
			return lines.Count(j-i, "graph line", "graph lines") + " omitted"
		case c == j-i:
			return lines.Count(c, "commit", "commits") + " omitted"
		}
		return lines.Count(c, "commit", "commits") + " and " + lines.Count(j-i-c, "graph line", "graph lines") + " omitted"
	})
	if len(out) >= len(in.Text) {
		return "", false
	}
	return out, true
}
