// Package diff compresses unified diffs and the commit logs that carry
// them (diff -u and -ruN, git diff, git show, git log -p and --stat,
// format-patch mails, plain and one-line commit logs, with or without
// their ASCII graph) for the native engine.
//
// What it keeps is still a valid unified diff: every kept hunk whole, with
// its @@ header and every one of its lines (context included, so headers
// stay byte-exact and a rewording never reads as a removal), under the full
// header of its file, under the full header and message of its commit.
// Lossy steps drop whole hunks, then whole files, then whole commits, the
// least relevant to the task first, machine-written files (lockfiles,
// checksum lists, told by the shape of their lines) before anything else;
// each omission becomes a note saying what went (file names, hunk and
// line counts). A commit that loses its patch keeps its hash and subject
// while the budget allows. A hunk, file or commit the conversation names
// is kept whole, and so is the hunk that best matches the task.
//
// Notes never sit between two hunks of one file, where a patch tool would
// stop reading the file's diff: dropped hunks of a kept file are noted after
// its last kept hunk, so `git apply --check` still accepts the kept hunks.
//
// It is not for diffs inside other formats (a diff in a JSON string is
// found by the engine's nesting), for word diffs, side-by-side output or
// logs whose patches sit under a --graph (their lines carry the graph's
// prefix): Detect does not claim those.
package diff

import (
	"slices"

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
	pd := parsedOf(in)
	d := pd.d
	if len(d.hunks) == 0 && len(d.commits) < 2 {
		return compressOneline(in)
	}
	s := newSelection(in, pd)
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
	// other is what the other text inside the commit (a mail signature)
	// adds, at most.
	other int
}

// parsed is what Compress reads of a text alone, kept in the input's memo
// for every pass over the same block (read-only once made).
type parsed struct {
	d         *doc
	generated []bool // per file, once a selection needed it
}

func parsedOf(in *fold.Input) *parsed {
	if v, ok := in.Memo.Get("diff", in.Text); ok {
		return v.(*parsed)
	}
	pd := &parsed{d: parse(in.Lines())}
	in.Memo.Put("diff", in.Text, pd)
	return pd
}

func newSelection(in *fold.Input, pd *parsed) *selection {
	d := pd.d
	b := d.b
	if pd.generated == nil {
		pd.generated = make([]bool, len(d.files))
		for fi := range d.files {
			pd.generated[fi] = generated(d, fi)
		}
	}
	starts := make([]int, len(d.parts))
	for i, p := range d.parts {
		starts[i] = b.Start[p.from]
	}
	s := &selection{
		in: in, d: d, b: b,
		ix:        in.Index(in.Query, b.Text, starts),
		commit:    make([]uint8, len(d.commits)),
		hunk:      make([]bool, len(d.hunks)),
		fileKept:  make([]bool, len(d.files)),
		headOnly:  make([]bool, len(d.files)),
		fileOf:    make([]int32, len(d.hunks)),
		commitOf:  make([]int32, len(d.hunks)),
		generated: pd.generated,
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

// fullCost is what keeping commit c whole adds.
func (s *selection) fullCost(c int) int {
	switch s.commit[c] {
	case commitFull:
		return 0
	}
	f := s.fullOf(c)
	n := f.cost + f.other
	if s.commit[c] == commitIdentity {
		n -= s.identityCost(c)
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
