package fold

import (
	"slices"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Multi-line records: a stack trace, a failed test's report, a thread of a
// thread dump, a compiler diagnostic with its code frame. They are found
// from layout alone, so any tool's output is covered:
//
//   - a record is a line and the lines after it that are indented deeper
//     (frames under an exception, a code frame under a diagnostic); when
//     the first line ends with ':' (a header: "Traceback (...):",
//     "goroutine 7 [running]:"), the first line back at its indent closes
//     the record ("KeyError: 'PL'");
//   - a paragraph is a run of records between blank lines or separator
//     rules ("=====", "____ test_x ____");
//
// Records and paragraphs are units; units whose first lines share a
// cluster and whose lines mostly share clusters (Jaccard >= 0.6 over the
// sets of line clusters) form a unit group, folded to one exemplar.

// unit is a record or a paragraph: lines [start, end).
type unit struct {
	start, end int
	first      int32   // cluster of the first line
	sig        []int32 // distinct clusters of its lines, sorted (capped)
}

const maxSig = 48

// records splits the non-blank lines of b into records and returns those
// of two or more lines (a line on its own is its own record, implicitly).
func records(b *lines.Lines, cl *clustering) []unit {
	var out []unit
	n := len(b.L)
	for i := 0; i < n; {
		if cl.of[i] == noCluster {
			i++
			continue
		}
		start := i
		base := lines.Indent(b.L[i])
		header := strings.HasSuffix(strings.TrimRight(b.L[i], " \r"), ":")
		deeper := false
		j := i + 1
		for j < n && cl.of[j] != noCluster && j-start < 400 {
			ind := lines.Indent(b.L[j])
			if ind > base {
				deeper = true
				j++
				continue
			}
			if header && deeper && ind == base && !lines.IsRule(b.L[j]) && !opensBody(b, cl, j) {
				// The line that closes a header's indented body (a
				// traceback's error), unless it opens a body of its own:
				// then it is the next record's header.
				j++
			}
			break
		}
		for path := lines.LocationPath(b.L[start]); path != "" && j < n && j-start < 400 && cl.of[j] != noCluster &&
			lines.Indent(b.L[j]) == base && lines.LocationPath(b.L[j]) == path && lines.Signal(b.L[j]) == lines.NoSignal; {
			// A diagnostic's notes ("a.c:57:3: note: ...") open with a
			// place in its file and report nothing of their own: they
			// and their code frames are part of it.
			for j++; j < n && cl.of[j] != noCluster && lines.Indent(b.L[j]) > base && j-start < 400; j++ {
			}
		}
		if j-start >= 2 {
			out = append(out, newUnit(start, j, cl))
		}
		i = j
	}
	return out
}

// opensBody reports whether line j is a header ("name:") whose next line
// is indented deeper.
func opensBody(b *lines.Lines, cl *clustering, j int) bool {
	if j+1 >= len(b.L) || cl.of[j+1] == noCluster || !strings.HasSuffix(strings.TrimRight(b.L[j], " \r"), ":") {
		return false
	}
	return lines.Indent(b.L[j+1]) > lines.Indent(b.L[j])
}

// paragraphs returns the runs of two or more non-blank lines between
// blank lines and separator rules that are not a single record.
func paragraphs(b *lines.Lines, recs []unit, cl *clustering) []unit {
	var out []unit
	isRecord := make(map[[2]int]bool, len(recs))
	for _, r := range recs {
		isRecord[[2]int{r.start, r.end}] = true
	}
	n := len(b.L)
	for i := 0; i < n; {
		if cl.of[i] == noCluster {
			i++
			continue
		}
		j := i + 1
		for j < n && cl.of[j] != noCluster && !lines.IsRule(b.L[j]) {
			j++
		}
		if j-i >= 2 && !isRecord[[2]int{i, j}] {
			out = append(out, newUnit(i, j, cl))
		}
		i = j
	}
	return out
}

// sections splits b at separator rules that open a section: a titled rule
// ("____ test_x ____", "=== FAILURES ==="), or an untitled one at the
// start or right after a blank line (a rule right under a line is that
// line's underline, part of the section). Blank lines inside a section do
// not split it. Fewer than three such rules give no sections.
func sections(b *lines.Lines, cl *clustering) []unit {
	var opens []int
	for i, l := range b.L {
		// A titled rule ("____ test_x ____") always opens a section; an
		// untitled one when it follows a blank line (right under a line
		// it is that line's underline).
		titled := lines.IsRule(l) && strings.Trim(strings.TrimSpace(l), strings.TrimSpace(l)[:1]) != ""
		if lines.IsRule(l) && (i == 0 || lines.Blank(b.L[i-1]) || titled) {
			opens = append(opens, i)
		}
	}
	if len(opens) < 3 {
		return nil
	}
	starts := opens
	var out []unit
	for k, s := range starts {
		e := len(b.L)
		if k+1 < len(starts) {
			e = starts[k+1]
		}
		for e > s+1 && cl.of[e-1] == noCluster {
			e--
		}
		out = append(out, newUnit(s, e, cl))
	}
	return out
}

func newUnit(start, end int, cl *clustering) unit {
	u := unit{start: start, end: end, first: cl.of[start]}
	if end-start < 2 {
		return u // single lines are folded by their line clusters
	}
	for k := start; k < end && len(u.sig) < maxSig*2; k++ {
		if id := cl.of[k]; id != noCluster {
			u.sig = append(u.sig, id)
		}
	}
	slices.Sort(u.sig)
	u.sig = slices.Compact(u.sig)
	if len(u.sig) > maxSig {
		u.sig = u.sig[:maxSig]
	}
	return u
}

// lines returns the number of lines of u.
func (u *unit) len() int { return u.end - u.start }

// groupUnits groups similar units; each group lists unit indices in order.
// Only units of at least two lines take part (single lines are folded by
// their line clusters).
func groupUnits(units []unit) [][]int {
	byFirst := map[int32][]int{} // first-line cluster -> group indices
	var groups [][]int
	for ui := range units {
		u := &units[ui]
		if u.len() < 2 {
			continue
		}
		best := -1
		for _, g := range byFirst[u.first] {
			if jaccard(units[groups[g][0]].sig, u.sig) >= 0.6 {
				best = g
				break
			}
		}
		if best < 0 {
			if len(byFirst[u.first]) >= 16 {
				continue
			}
			best = len(groups)
			groups = append(groups, nil)
			byFirst[u.first] = append(byFirst[u.first], best)
		}
		groups[best] = append(groups[best], ui)
	}
	return groups
}

// jaccard is |a ∩ b| / |a ∪ b| for sorted, distinct slices.
func jaccard(a, b []int32) float64 {
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}
