package diff

import (
	"cmp"
	"math"
	"slices"
)

// fill spends the budget: the hash and subject of every commit (up to a
// share of the budget, whatever the named parts took), the matched units
// by relevance (see keepMatched), then by priority hashes and subjects,
// hunks, commit messages and headers of files without hunks. It returns
// false when the caller gave up.
func (s *selection) fill() bool {
	d := s.d
	budget := s.in.Budget.Bytes
	ncommits := len(d.commits)
	recency := func(c int32) float64 {
		if c < 0 || ncommits < 2 {
			return 0
		}
		return prioRecency * (1 - float64(c)/float64(ncommits))
	}
	partScore := s.rank

	// Hash and subject lines first: they are cheap, and what a reader
	// looking for "the commit that did X" scans.
	if ncommits > 1 {
		ids := make([]int, 0, ncommits)
		for c := range d.commits {
			ids = append(ids, c)
		}
		slices.SortStableFunc(ids, func(a, b int) int {
			return cmp.Compare(partScore(d.commits[b].part), partScore(d.commits[a].part))
		})
		limit := int(identityShare * float64(budget))
		spent := 0
		for _, c := range ids {
			if cost := s.identityCost(c); s.commit[c] == commitGone && spent+cost <= limit {
				spent += cost
				s.keepIdentity(c)
			}
		}
	}

	s.keepMatched(s.names)

	type item struct {
		kind byte // 'h' hunk, 'f' header-only file, 'c' commit message, 'i' commit identity
		idx  int
		prio float64
	}
	var items []item
	firstOfFile := make([]bool, len(d.hunks))
	for fi := range d.files {
		if hs := d.files[fi].hunks; len(hs) > 0 {
			firstOfFile[d.hunkOf[hs[0]]] = true
		}
	}
	for hi, h := range d.hunks {
		if s.hunk[hi] {
			continue
		}
		fi := s.fileOf[hi]
		c := s.commitOf[hi]
		p := 10*partScore(h.part) + 5*partScore(d.files[fi].part) + recency(c)
		if c >= 0 {
			p += 3 * partScore(d.commits[c].part)
		}
		if firstOfFile[hi] {
			p += prioFirstHunk
		}
		p -= 0.3 * math.Log2(1+float64(s.bytes(h.part))/1024)
		if s.generated[fi] {
			p += prioGenerated
		}
		items = append(items, item{'h', hi, p})
	}
	for fi, f := range d.files {
		if s.headOnly[fi] && !s.fileKept[fi] && f.part >= 0 {
			c := d.parts[f.part].commit
			items = append(items, item{'f', fi, 10*partScore(f.part) + recency(c) + prioFirstHunk})
		}
	}
	for c := range d.commits {
		if s.commit[c] == commitGone && ncommits > 1 {
			items = append(items, item{'i', c, 10*partScore(d.commits[c].part) + recency(int32(c)) + prioIdentity})
		}
		if s.commit[c] != commitFull {
			items = append(items, item{'c', c, 10*partScore(d.commits[c].part) + recency(int32(c)) + prioMessage})
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(b.prio, a.prio) })
	for k, it := range items {
		if k%256 == 0 && s.in.Stopped() {
			return false
		}
		if s.size >= budget {
			break
		}
		switch it.kind {
		case 'h':
			if s.hunk[it.idx] {
				continue
			}
			if s.size+s.hunkCost(it.idx) <= budget {
				s.keepHunk(it.idx)
			}
		case 'f':
			if s.size+s.headCost(it.idx) <= budget {
				s.keepHead(it.idx)
			}
		case 'c':
			if s.commit[it.idx] != commitFull && s.size+s.fullCost(it.idx) <= budget {
				s.keepFull(it.idx)
			}
		case 'i':
			if s.commit[it.idx] == commitGone && s.size+s.identityCost(it.idx) <= budget {
				s.keepIdentity(it.idx)
			}
		}
	}
	s.noteWorthy()
	return true
}

// noteWorthy keeps dropped hunks and files whose note would cost as much
// as they do: the dropped hunks of a kept file share one note, and so does
// a run of dropped files.
func (s *selection) noteWorthy() {
	d := s.d
	for fi, f := range d.files {
		if !s.fileKept[fi] {
			continue
		}
		dropped := 0
		for _, p := range f.hunks {
			if !s.hunk[d.hunkOf[p]] {
				dropped += s.bytes(p)
			}
		}
		if dropped > 0 && dropped <= noteCost+len(f.path) {
			s.keepFile(fi)
		}
	}
	for fi := 0; fi < len(d.files); {
		if s.fileKept[fi] || !s.shown(fi) {
			fi++
			continue
		}
		total, names := s.fileBytes(fi), len(d.files[fi].path)+2
		fj := fi + 1
		for fj < len(d.files) && !s.fileKept[fj] && s.shown(fj) && s.fileSpan(fj - 1)[1] == s.fileSpan(fj)[0] {
			total += s.fileBytes(fj)
			names += len(d.files[fj].path) + 2
			fj++
		}
		if total <= noteCost+min(names, maxNamesBytes) {
			for k := fi; k < fj; k++ {
				s.keepFile(k)
			}
		}
		fi = fj
	}
}

// shown reports whether file fi's commit is kept whole (or it has none):
// then a dropped file gets a note of its own.
func (s *selection) shown(fi int) bool {
	f := &s.d.files[fi]
	p := f.part
	if p < 0 && len(f.hunks) > 0 {
		p = f.hunks[0]
	}
	if p < 0 {
		return false
	}
	c := s.d.parts[p].commit
	return c < 0 || s.commit[c] == commitFull
}

// fileBytes is the size of file fi's header and hunks.
func (s *selection) fileBytes(fi int) int {
	sp := s.fileSpan(fi)
	return s.spanBytes(sp[0], sp[1])
}

// fullOf returns how commit c renders when kept whole: every header line,
// its message (a very long one cut to its first lines and the lines the
// task names) and its stat lines (a long block cut to the largest, the
// named and the summary).
func (s *selection) fullOf(c int) *fullCommit {
	if f := s.full[c]; f != nil {
		return f
	}
	cm := &s.d.commits[c]
	pt := s.d.parts[cm.part]
	f := &fullCommit{keep: make([]bool, pt.to-pt.from)}
	for i := range f.keep {
		f.keep[i] = true
	}
	longMsg, keptMsg, longStat := maxMessage, keptMessage, maxStat
	if s.in.Budget.Aggressive {
		longMsg, keptMsg, longStat = maxMessage/2, keptMessage/2, maxStat/2
	}
	if cm.msgTo-cm.msgFrom > longMsg {
		s.trimLines(f.keep, pt.from, cm.msgFrom, cm.msgTo, func(i, k int) bool { return k < keptMsg })
	}
	if n := cm.tailTo - cm.tailFrom; n > longStat {
		var counts []float64
		for i := cm.tailFrom; i < cm.tailTo; i++ {
			if v, ok := statCount(s.b.L[i]); ok {
				counts = append(counts, v)
			}
		}
		slices.Sort(counts)
		cut := math.Inf(1)
		if len(counts) >= keptStatTop {
			cut = counts[len(counts)-keptStatTop]
		}
		s.trimLines(f.keep, pt.from, cm.tailFrom, cm.tailTo, func(i, k int) bool {
			l := s.b.L[i]
			v, ok := statCount(l)
			return k < keptStatTop || !ok || v >= cut
		})
	}
	keepShortRuns(f.keep, minCut)
	for i, k := range f.keep {
		if k {
			f.cost += s.lineBytes(pt.from + i)
		}
	}
	f.cost += noteCost * countRuns(f.keep)
	for _, p := range cm.parts {
		if s.d.parts[p].kind == partOther {
			f.other += min(s.bytes(p), smallOtherText)
		}
	}
	s.full[c] = f
	return f
}

// trimLines drops lines [from, to) of a commit (whose part starts at base)
// except those keep accepts (given the line and its rank in the range) and
// those holding a task term.
func (s *selection) trimLines(mask []bool, base, from, to int, keep func(i, k int) bool) {
	starts := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		starts = append(starts, s.b.Start[i]-s.b.Start[from])
	}
	text := s.b.Text[s.b.Start[from]:s.b.End(to-1)]
	ix := s.in.Index(s.in.Query, text, starts)
	for i := from; i < to; i++ {
		mask[i-base] = keep(i, i-from) || ix.Score(i-from) > 0
	}
}

// minCut is the fewest lines of a message or stat block worth a note.
const minCut = 3

// keepShortRuns keeps the runs of fewer than n dropped lines: a note in
// their place would save little and break up what is kept.
func keepShortRuns(keep []bool, n int) {
	for i := 0; i < len(keep); {
		if keep[i] {
			i++
			continue
		}
		j := i
		for j < len(keep) && !keep[j] {
			j++
		}
		if j-i < n {
			for k := i; k < j; k++ {
				keep[k] = true
			}
		}
		i = j
	}
}

// countRuns counts the runs of false in keep.
func countRuns(keep []bool) int {
	n := 0
	for i, k := range keep {
		if !k && (i == 0 || keep[i-1]) {
			n++
		}
	}
	return n
}
