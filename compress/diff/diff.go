// Package diff compresses unified diffs and the commit logs that carry
// them (diff -u, git diff, git show, git log -p, git log --stat, patch
// mails, plain and one-line commit logs) for the native engine.
//
// What it keeps is still a valid unified diff: every kept hunk whole, with
// its @@ header and every one of its lines (context included, so headers
// stay byte-exact and a rewording never reads as a removal), under the full
// header of its file, under the full header and message of its commit.
// Lossy steps drop whole hunks, then whole files, then whole commits, the
// least relevant to the task first, machine-generated files (lockfiles,
// checksums) before anything else; each omission becomes a note saying what
// went (file names, hunk and line counts). A commit that loses its patch
// keeps its hash and subject while the budget allows. A hunk, file or
// commit the conversation names is kept whole.
//
// Notes never sit between two hunks of one file, where a patch tool would
// stop reading the file's diff: dropped hunks of a kept file are noted after
// its last kept hunk, so `git apply --check` still accepts the kept hunks.
//
// It is not for diffs inside other formats (a diff in a JSON string is
// found by the engine's nesting), nor for word diffs or side-by-side
// output, which it does not detect.
package diff

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Compress compresses a block of diffs or commits; ok is false when it
// does not hold any, or when nothing is worth changing (the block fits its
// budget, or the budget allows no loss: diffs have no lossless form).
func Compress(in *fold.Input) (string, bool) {
	if !in.Budget.Lossy || len(in.Text) <= in.Budget.Bytes || in.Query.Intent.Has(relevance.Whole) {
		return "", false
	}
	d := parse(in.Lines())
	if len(d.hunks) == 0 && len(d.commits) < 2 {
		return compressOneline(in)
	}
	s := newSelection(in, d)
	if !s.mark() || !s.fill() {
		return "", false
	}
	if len(d.commits) == 0 && !slices.Contains(s.hunk, true) {
		// A diff cut to notes alone tells nothing: leave it to the
		// caller's generic fold.
		return "", false
	}
	out, ok := s.render()
	if !ok || len(out) >= len(in.Text) {
		return "", false
	}
	return out, true
}

// What a commit keeps.
const (
	commitGone     uint8 = iota // folded into a note with its neighbours
	commitIdentity              // its hash line and subject
	commitFull                  // its header, message and stat lines
)

// selection is the state of one lossy pass.
type selection struct {
	in   *fold.Input
	d    *doc
	b    *lines.Lines
	ix   *relevance.Index
	size int // bytes kept so far, notes estimated

	commit   []uint8
	hunk     []bool // per hunk
	fileKept []bool // per file: header kept
	// headOnly marks files without hunks (renames, mode changes); they
	// are kept like hunks.
	headOnly []bool

	// fileOf and commitOf map hunks to their file and commit.
	fileOf, commitOf []int32
	generated        []bool // per file
	// full caches each commit's rendering when kept whole.
	full  []*fullCommit
	names *naming
	// score and best are each part's relevance and that of its best line
	// (see rank); structural marks the query terms every unit of a kind
	// holds.
	score, best []float64
	structural  []bool
	// other holds the rendering of each kept other-text part (folded
	// when big).
	other     []string
	otherKept []bool
}

// fullCommit is how a kept commit renders: its lines, with long messages
// and stat blocks cut to what matters.
type fullCommit struct {
	keep []bool // per line of the commit part
	cost int
}

func newSelection(in *fold.Input, d *doc) *selection {
	b := d.b
	starts := make([]int, len(d.parts))
	for i, p := range d.parts {
		starts[i] = b.Start[p.from]
	}
	s := &selection{
		in: in, d: d, b: b,
		ix:        relevance.Build(in.Query, b.Text, starts),
		commit:    make([]uint8, len(d.commits)),
		hunk:      make([]bool, len(d.hunks)),
		fileKept:  make([]bool, len(d.files)),
		headOnly:  make([]bool, len(d.files)),
		fileOf:    make([]int32, len(d.hunks)),
		commitOf:  make([]int32, len(d.hunks)),
		generated: make([]bool, len(d.files)),
		full:      make([]*fullCommit, len(d.commits)),
		other:     make([]string, len(d.parts)),
		otherKept: make([]bool, len(d.parts)),
	}
	for hi, h := range d.hunks {
		p := d.parts[h.part]
		s.fileOf[hi], s.commitOf[hi] = p.file, p.commit
	}
	for fi := range d.files {
		s.headOnly[fi] = len(d.files[fi].hunks) == 0
		s.generated[fi] = generated(d, fi)
	}
	s.weigh()
	return s
}

// bytes is the size of part p as printed.
func (s *selection) bytes(p int) int {
	pt := s.d.parts[p]
	return s.b.End(pt.to-1) - s.b.Start[pt.from]
}

// lineBytes is the size of line i with its newline.
func (s *selection) lineBytes(i int) int { return len(s.b.L[i]) + 1 }

// identityCost is what a commit's hash line and subject cost.
func (s *selection) identityCost(c int) int {
	cm := &s.d.commits[c]
	n := s.lineBytes(cm.hashLine)
	if cm.subject >= 0 {
		n += s.lineBytes(cm.subject)
	}
	return n
}

// noteCost estimates a note.
const noteCost = 64

// Priorities of what fills the budget: relevance weighs most; among
// equals, a commit's hash and subject come before its message, its message
// before its patch, the first hunk of each file before the others (so
// every file shows something), newer commits (a log lists the newest
// first) and smaller hunks first. Machine-written files come last of all.
const (
	prioGenerated  = -100
	prioFirstHunk  = 1
	prioRecency    = 2
	prioMessage    = 3
	prioIdentity   = 5
	identityShare  = 0.35 // of the budget, at most, for hash-and-subject lines
	maxMessage     = 30   // lines of a commit message kept whole
	keptMessage    = 12   // lines kept of a longer one (plus task matches)
	maxStat        = 25   // stat lines kept whole
	keptStatTop    = 5    // largest stat lines kept of a longer block
	smallOtherText = 2048 // other text up to this size is kept whole
)

// mark keeps what must survive whatever the budget: what the task names,
// the commits a question about extremes or recency asks for, the header of
// a lone commit, other text. It returns false when the caller gave up.
func (s *selection) mark() bool {
	d := s.d
	if len(d.commits) == 1 {
		s.keepFull(0)
	}
	s.names = s.name()
	s.expand(s.names)
	s.keepNamed(s.names)
	if s.in.Stopped() {
		return false
	}
	if n := len(d.commits); n > 1 {
		// The ends of a log bound the range it covers.
		s.keepIdentity(0)
		s.keepIdentity(n - 1)
	}
	s.extremes()
	for p, pt := range d.parts {
		if pt.kind == partOther && pt.commit < 0 {
			s.keepOther(p)
		}
	}
	return !s.in.Stopped()
}

// keepFull keeps commit c's header, message and stat lines.
func (s *selection) keepFull(c int) {
	switch s.commit[c] {
	case commitFull:
		return
	case commitIdentity:
		s.size -= s.identityCost(c)
	}
	s.commit[c] = commitFull
	s.size += s.fullOf(c).cost
	for _, p := range s.d.commits[c].parts {
		if s.d.parts[p].kind == partOther {
			s.keepOther(p)
		}
	}
}

// keepIdentity keeps commit c's hash line and subject.
func (s *selection) keepIdentity(c int) {
	if s.commit[c] == commitGone {
		s.commit[c] = commitIdentity
		s.size += s.identityCost(c)
	}
}

// keepFile keeps every hunk of file fi (or its header alone).
func (s *selection) keepFile(fi int) {
	f := &s.d.files[fi]
	s.keepHead(fi)
	for _, p := range f.hunks {
		s.keepHunk(int(s.d.hunkOf[p]))
	}
}

// keepHead keeps file fi's header and its commit.
func (s *selection) keepHead(fi int) {
	if s.fileKept[fi] {
		return
	}
	s.fileKept[fi] = true
	f := &s.d.files[fi]
	if f.part >= 0 {
		s.size += s.bytes(f.part)
		if c := s.d.parts[f.part].commit; c >= 0 {
			s.keepFull(int(c))
		}
	} else if len(f.hunks) > 0 {
		if c := s.d.parts[f.hunks[0]].commit; c >= 0 {
			s.keepFull(int(c))
		}
	}
}

// keepHunk keeps hunk hi, its file header and its commit.
func (s *selection) keepHunk(hi int) {
	if s.hunk[hi] {
		return
	}
	s.hunk[hi] = true
	s.size += s.bytes(s.d.hunks[hi].part)
	s.keepHead(int(s.fileOf[hi]))
}

// keepOther keeps other-text part p: whole when small, else folded.
func (s *selection) keepOther(p int) {
	if s.otherKept[p] {
		return
	}
	s.otherKept[p] = true
	pt := s.d.parts[p]
	text := s.b.Span(pt.from, pt.to)
	out := text
	if len(text) > smallOtherText {
		if o, ok := compressOther(s.in.Sub(text)); ok {
			out = o
		}
	}
	s.other[p] = out
	s.size += len(out)
}

// compressOther folds a big run of other text: a one-line commit log as
// such, anything else with the generic fold.
func compressOther(in *fold.Input) (string, bool) {
	if o, ok := compressOneline(in); ok {
		return o, true
	}
	return fold.Text(in)
}

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
		six := relevance.Build(s.in.Query, text.String(), starts)
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

// fill keeps optional content by priority while the budget allows: the
// hash and subject of every commit (up to a share of the budget), then
// hunks, commit messages and headers of files without hunks, most relevant
// first. It returns false when the caller gave up.
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

	// Hash and subject lines first, within their share of the budget
	// whatever the named parts took: they are cheap, and what a reader
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
			cost := s.identityCost(c)
			if s.commit[c] != commitGone {
				continue
			}
			if spent+cost > limit {
				continue
			}
			spent += cost
			s.keepIdentity(c)
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

// fullCost is what keeping commit c whole adds.
func (s *selection) fullCost(c int) int {
	switch s.commit[c] {
	case commitFull:
		return 0
	}
	n := s.fullOf(c).cost
	if s.commit[c] == commitIdentity {
		n -= s.identityCost(c)
	}
	for _, p := range s.d.commits[c].parts {
		if s.d.parts[p].kind == partOther {
			n += min(s.bytes(p), smallOtherText)
		}
	}
	return n
}

// headCost is what keeping file fi's header (and its commit) adds.
func (s *selection) headCost(fi int) int {
	if s.fileKept[fi] {
		return 0
	}
	f := &s.d.files[fi]
	n := 0
	p := f.part
	if p >= 0 {
		n += s.bytes(p)
	} else if len(f.hunks) > 0 {
		p = f.hunks[0]
	}
	if p >= 0 {
		if c := s.d.parts[p].commit; c >= 0 {
			n += s.fullCost(int(c))
		}
	}
	return n
}

// hunkCost is what keeping hunk hi (and its file and commit) adds.
func (s *selection) hunkCost(hi int) int {
	return s.bytes(s.d.hunks[hi].part) + s.headCost(int(s.fileOf[hi]))
}

// noteWorthy keeps dropped hunks and files whose note would cost as much
// as they do.
func (s *selection) noteWorthy() {
	for fi, f := range s.d.files {
		if !s.fileKept[fi] {
			c := int32(-1)
			if f.part >= 0 {
				c = s.d.parts[f.part].commit
			} else if len(f.hunks) > 0 {
				c = s.d.parts[f.hunks[0]].commit
			}
			if c >= 0 && s.commit[c] != commitFull {
				continue
			}
			all := 0
			if f.part >= 0 {
				all += s.bytes(f.part)
			}
			for _, p := range f.hunks {
				all += s.bytes(p)
			}
			if all <= noteCost+len(f.path) {
				s.keepFile(fi)
			}
			continue
		}
		dropped := 0
		for _, p := range f.hunks {
			if !s.hunk[s.d.hunkOf[p]] {
				dropped += s.bytes(p)
			}
		}
		if dropped > 0 && dropped <= noteCost+len(f.path) {
			for _, p := range f.hunks {
				s.keepHunk(int(s.d.hunkOf[p]))
			}
		}
	}
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
	if cm.msgTo-cm.msgFrom > maxMessage {
		s.trimLines(f.keep, pt.from, cm.msgFrom, cm.msgTo, func(i, k int) bool { return k < keptMessage })
	}
	if n := cm.tailTo - cm.tailFrom; n > maxStat {
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
	for i, k := range f.keep {
		if k {
			f.cost += s.lineBytes(pt.from + i)
		}
	}
	f.cost += noteCost * countRuns(f.keep)
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
	ix := relevance.Build(s.in.Query, text, starts)
	for i := from; i < to; i++ {
		mask[i-base] = keep(i, i-from) || ix.Score(i-from) > 0
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
