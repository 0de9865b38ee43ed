package diff

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Extremes: a question about the largest, smallest, newest or oldest
// change names commits by a quantity, not by a term.

// extremes keeps the commits a question about the largest, smallest,
// newest or oldest change asks for; without such a question, the largest
// commit keeps at least its identity.
func (s *selection) extremes() {
	d := s.d
	if len(d.commits) < 2 {
		return
	}
	intent := s.in.Query.Intent
	size := s.commitSizes()
	order := make([]int, 0, len(d.commits))
	for c := range d.commits {
		if size[c] > 0 {
			order = append(order, c)
		}
	}
	byValue := func(largest bool) {
		slices.SortStableFunc(order, func(a, b int) int {
			if largest {
				return cmp.Compare(size[b], size[a])
			}
			return cmp.Compare(size[a], size[b])
		})
	}
	const top = 3
	switch {
	case intent.Has(relevance.Max):
		byValue(true)
		for _, c := range order[:min(top, len(order))] {
			s.keepFull(c)
		}
	case intent.Has(relevance.Min):
		byValue(false)
		for _, c := range order[:min(top, len(order))] {
			s.keepFull(c)
		}
	case len(order) > 0:
		byValue(true)
		s.keepIdentity(order[0])
	}
	if intent.Has(relevance.Newest) || intent.Has(relevance.Oldest) {
		s.recent(intent.Has(relevance.Newest), top)
	}
}

// recent keeps the k newest (or oldest) commits among those the task
// matches (all when it matches none), by their dates, or their order when
// dates do not parse.
func (s *selection) recent(newest bool, k int) {
	d := s.d
	var cands []int
	for c := range d.commits {
		if s.score[d.commits[c].part] > 0 {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		for c := range d.commits {
			cands = append(cands, c)
		}
	}
	when := make([]int64, len(d.commits))
	dated := true
	for _, c := range cands {
		t, ok := commitTime(d, c)
		when[c] = t
		dated = dated && ok
	}
	slices.SortStableFunc(cands, func(a, b int) int {
		x, y := int64(a), int64(b)
		if dated {
			x, y = -when[a], -when[b]
		}
		if !newest {
			x, y = y, x
		}
		return cmp.Compare(x, y)
	})
	for _, c := range cands[:min(k, len(cands))] {
		s.keepFull(c)
	}
}

// commitSizes returns, per commit, the lines it changes in the files the
// task names (in its stat lines or file headers), or in all its files when
// the task names none anywhere.
func (s *selection) commitSizes() []float64 {
	d := s.d
	size := make([]float64, len(d.commits))
	matched := make([]float64, len(d.commits))
	anyMatch := false
	for c := range d.commits {
		cm := &d.commits[c]
		for _, fi := range cm.files {
			f := &d.files[fi]
			n := 0
			for _, p := range f.hunks {
				h := &d.hunks[d.hunkOf[p]]
				n += h.add + h.del
			}
			size[c] += float64(n)
			if f.part >= 0 && s.score[f.part] > 0 {
				matched[c] = max(matched[c], float64(n))
				anyMatch = true
			}
		}
	}
	// Stat lines ("path | 12 ++--") of logs without patches.
	stats, owner := s.statLines()
	if len(stats) > 0 {
		var text strings.Builder
		starts := make([]int, len(stats))
		for i, li := range stats {
			starts[i] = text.Len()
			text.WriteString(s.b.L[li])
			text.WriteByte('\n')
		}
		six := s.in.Index(s.in.Query, text.String(), starts)
		for i, li := range stats {
			n, ok := statCount(s.b.L[li])
			if !ok {
				continue
			}
			c := owner[i]
			if len(d.commits[c].files) == 0 {
				size[c] += n
			}
			if six.Score(i) > 0 {
				matched[c] = max(matched[c], n)
				anyMatch = true
			}
		}
	}
	if anyMatch {
		return matched
	}
	return size
}

// statLines returns the stat lines of every commit's tail and the commit
// each belongs to.
func (s *selection) statLines() (stats []int, owner []int) {
	for c := range s.d.commits {
		cm := &s.d.commits[c]
		for li := cm.tailFrom; li < cm.tailTo; li++ {
			if _, ok := statCount(s.b.L[li]); ok {
				stats = append(stats, li)
				owner = append(owner, c)
			}
		}
	}
	return stats, owner
}

// statCount parses a diffstat line " path | 12 +++--" (or " path | Bin 0
// -> 12 bytes") and returns its count of changed lines.
func statCount(l string) (float64, bool) {
	if len(l) < 5 || l[0] != ' ' {
		return 0, false
	}
	bar := strings.Index(l, " | ")
	if bar < 2 {
		return 0, false
	}
	rest := strings.TrimLeft(l[bar+3:], " ")
	end := 0
	for end < len(rest) && lines.IsDigit(rest[end]) {
		end++
	}
	if end == 0 {
		return 0, strings.HasPrefix(rest, "Bin")
	}
	if end < len(rest) && rest[end] != ' ' {
		return 0, false
	}
	n, err := strconv.Atoi(rest[:end])
	return float64(n), err == nil
}
