package diff

import (
	"cmp"
	"slices"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Relevance of the parts of a diff to the task. Terms that every unit of
// one kind holds say what the question wants back, not where: "commit",
// "date" and "hash" are in every commit header of a log. Such structural
// terms weigh nothing here. A part's rank adds the weight of its best line
// to its own, so terms found together on one line ("pub struct
// HyperlinkPattern") outrank the same terms scattered over a hunk.

// minKindUnits is how many units of a kind it takes to call a term found
// in most of them structural.
const minKindUnits = 4

// weigh computes structural, score and best.
func (s *selection) weigh() {
	d := s.d
	q := s.in.Query
	s.structural = make([]bool, len(q.Terms))
	s.score = make([]float64, len(d.parts))
	s.best = make([]float64, len(d.parts))
	if !s.ix.Any() {
		return
	}
	var units [partHunk + 1]int
	for _, p := range d.parts {
		units[p.kind]++
	}
	for t := range q.Terms {
		hits, _ := s.ix.Hits(t)
		var in [partHunk + 1]int
		for _, u := range hits {
			in[d.parts[u].kind]++
		}
		for k := partCommit; k <= partHunk; k++ {
			if units[k] >= minKindUnits && in[k]*2 >= units[k] {
				s.structural[t] = true
			}
		}
		if s.structural[t] {
			continue
		}
		w := s.ix.Weight(t)
		for _, u := range hits {
			s.score[u] += w
		}
	}
	// Best lines: of the parts the task matches, the line holding the
	// most weight of its terms (weighed as over the parts).
	lq := &relevance.Query{Intent: q.Intent}
	var weight []float64
	for t, term := range q.Terms {
		if !s.structural[t] && s.ix.Weight(t) > 0 {
			lq.Terms = append(lq.Terms, term)
			weight = append(weight, s.ix.Weight(t))
		}
	}
	if len(lq.Terms) == 0 {
		return
	}
	var sum []float64
	for p, pt := range d.parts {
		if p%256 == 0 && s.in.Stopped() {
			return // the caller gave up; mark sees it too
		}
		if s.score[p] == 0 {
			continue
		}
		base := s.b.Start[pt.from]
		starts := make([]int, pt.to-pt.from)
		for i := range starts {
			starts[i] = s.b.Start[pt.from+i] - base
		}
		lx := s.in.Index(lq, s.b.Text[base:s.b.End(pt.to-1)], starts)
		sum = append(sum[:0], make([]float64, len(starts))...)
		for t := range lq.Terms {
			hits, _ := lx.Hits(t)
			for _, u := range hits {
				sum[u] += weight[t]
			}
		}
		s.best[p] = slices.Max(sum)
	}
}

// rank is part p's relevance with its best line's.
func (s *selection) rank(p int) float64 {
	if p < 0 {
		return 0
	}
	return s.score[p] + s.best[p]
}

// Expansion: the hunks that best match the task define and rename
// identifiers; the other hunks that use those identifiers (the call site
// of a new function, the route of a new handler) belong with them. The
// identifiers that the changed lines of the best few hunks hold, and that
// few other parts hold, mark those parts as matched, ranked just high
// enough to be kept after every direct match (see matchedFloor).

const (
	expandSeeds = 3  // best hunks whose identifiers are followed
	expandTerms = 16 // identifiers followed at most
	minIdent    = 6  // shortest identifier followed
)

// expand adds the parts that share a distinctive identifier with the best
// hunks to nm.matched.
func (s *selection) expand(nm *naming) {
	d := s.d
	var seeds []int
	for p, pt := range d.parts {
		if pt.kind == partHunk && s.rank(p) > 0 && (pt.file < 0 || !s.generated[pt.file]) {
			seeds = append(seeds, p)
		}
	}
	slices.SortStableFunc(seeds, func(a, b int) int { return cmp.Compare(s.rank(b), s.rank(a)) })
	seeds = seeds[:min(expandSeeds, len(seeds))]
	if len(seeds) == 0 {
		return
	}
	known := map[string]bool{}
	for _, t := range s.in.Query.Terms {
		known[t.Text] = true
	}
	floor := matchedFloor * s.rank(seeds[0])
	q := &relevance.Query{}
	for _, p := range seeds {
		pt := d.parts[p]
		for i := pt.from + 1; i < pt.to && len(q.Terms) < expandTerms; i++ {
			l := s.b.L[i]
			if l == "" || l[0] != '+' && l[0] != '-' {
				continue
			}
			lines.Words(l[1:], func(w string, _, _ int) bool {
				if len(w) >= minIdent && identifierLike(w) && !known[lines.Fold(w)] {
					known[lines.Fold(w)] = true
					q.Terms = append(q.Terms, relevance.Term{Text: lines.Fold(w), Typed: w, Kind: relevance.Word, Prior: 0.5, Latest: true})
				}
				return len(q.Terms) < expandTerms
			})
		}
	}
	if len(q.Terms) == 0 {
		return
	}
	starts := make([]int, len(d.parts))
	for i, p := range d.parts {
		starts[i] = s.b.Start[p.from]
	}
	ix := s.in.Index(q, s.b.Text, starts)
	limit := max(3, len(d.parts)/50)
	isSeed := map[int]bool{}
	for _, p := range seeds {
		isSeed[p] = true
	}
	for t := range q.Terms {
		hits, df := ix.Hits(t)
		if df > limit {
			continue
		}
		for _, u := range hits {
			if p := int(u); !isSeed[p] && d.parts[p].kind == partHunk {
				nm.matched[p] = true
				s.score[p] = max(s.score[p], floor-s.best[p])
			}
		}
	}
}
