package fold

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Text is the generic fold: it compresses any text by its lines.
//
// Lossless first: runs of identical lines become the line and a repeat
// note; that is the answer when it meets the budget (or the budget allows
// no loss). Lossy otherwise, keeping verbatim, whatever the budget:
//   - lines holding a term the task names that is rare in the block;
//   - problems: every problem line of a rare shape, and of each repeated
//     shape its first and last occurrence; of each group of similar
//     multi-line records (tracebacks, failure reports, thread stacks) one
//     exemplar whole;
//   - summary lines near the end, and the first and last lines;
//   - for numeric fields of repeated lines, the lines holding the minimum
//     and maximum (the top few when the task asks for the largest or
//     slowest), and lines whose value of a categorical field is rare;
//
// then, while the budget allows, context around problems, lines with
// weaker task matches, one exemplar of each other shape, head and tail.
// Each omitted run becomes one note saying how many lines it held, what
// most of them looked like and which values varied.
func Text(in *Input) (string, bool) {
	b := in.Lines()
	if len(b.L) == 0 {
		return "", false
	}
	lossless := collapseRuns(b)
	if !in.Budget.Lossy || len(lossless) <= in.Budget.Bytes || len(b.L) < 8 {
		return shorter(lossless, in.Text)
	}
	// Each phase reads the whole block: a caller that gave up (its result
	// is discarded) gets nothing sooner.
	if in.Stopped() {
		return "", false
	}
	p := newPlan(in)
	if in.Stopped() {
		return "", false
	}
	p.mark()
	if in.Stopped() {
		return "", false
	}
	p.fill()
	out := p.render()
	if NoteBytes(p.b, p.keep, out) > in.Budget.Bytes/4 {
		// Notes that take over a quarter of the budget (one between
		// every pair of kept lines, each naming a dozen values) cost
		// more than what they tell: they name fewer.
		p.lean = true
		if o := p.render(); len(o) < len(out) {
			out = o
		}
	}
	return shorter(out, in.Text)
}

// NoteBytes is what the notes of out, a rendering of the lines of b
// marked in keep, take: its length less the kept lines'.
func NoteBytes(b *lines.Lines, keep []bool, out string) int {
	kept := 0
	for i, k := range keep {
		if k {
			kept += len(b.L[i]) + 1
		}
	}
	return len(out) - kept
}

// shorter returns out when it is shorter than text.
func shorter(out, text string) (string, bool) {
	if len(out) >= len(text) {
		return "", false
	}
	return out, true
}

// repeatNote says how often the line above repeats.
func repeatNote(times int) string {
	if times == 1 {
		return "previous line repeated once"
	}
	return "previous line repeated " + strconv.Itoa(times) + " times"
}

// collapseRuns writes b with runs of identical lines folded into the line
// and a repeat note when that is shorter.
func collapseRuns(b *lines.Lines) string {
	if !collapsible(b.L) {
		// Nothing folds: the lossless form is the text, not a copy.
		return b.Text
	}
	var w lines.Writer
	w.Grow(len(b.Text))
	writeCollapsed(&w, b.L)
	return w.String(b.FinalNL)
}

// collapsible reports whether writeCollapsed would fold a run of ls.
func collapsible(ls []string) bool {
	for i := 0; i < len(ls); {
		j := i + 1
		for j < len(ls) && ls[j] == ls[i] {
			j++
		}
		if rep := j - i - 1; rep > 0 && rep*(len(ls[i])+1) > len(lines.Note(repeatNote(rep)))+1 {
			return true
		}
		i = j
	}
	return false
}

// writeCollapsed writes ls, folding runs of identical lines.
func writeCollapsed(w *lines.Writer, ls []string) {
	for i := 0; i < len(ls); {
		j := i + 1
		for j < len(ls) && ls[j] == ls[i] {
			j++
		}
		w.Line(ls[i])
		if rep := j - i - 1; rep > 0 {
			note := lines.Note(repeatNote(rep))
			if rep*(len(ls[i])+1) > len(note)+1 {
				w.Line(note)
			} else {
				for k := 0; k < rep; k++ {
					w.Line(ls[i])
				}
			}
		}
		i = j
	}
}

// maxListedReport is the most lines of a problem report that is an item
// of a list (an error and its note) rather than an explanation.
const maxListedReport = 2

// maxWholeReport is the most lines of a problem report markExemplar keeps
// whole.
const maxWholeReport = 24

// A problem among at most maxLoneProblems in a block keeps the
// loneContext lines under it.
const (
	maxLoneProblems = 3
	loneContext     = 3
)

// Priorities of optional lines (must-keep lines are kept regardless).
const (
	prioStrongTerm = 200
	prioTerm       = 100
	prioContext    = 70
	prioHead       = 55
	prioTail       = 60
	prioExemplar   = 40
	prioWarning    = 35
	prioRest       = 10
	// Lines of a problem report that repeats others kept in full.
	prioDemotedProblem = 50
)

// plan is the state of one lossy fold.
type plan struct {
	in   *Input
	b    *lines.Lines
	an   *analysis
	cl   *clustering
	ft   *fieldTable
	ix   *relevance.Index
	sev  []lines.Severity
	must []bool
	// problem marks lines kept because they report a problem (or
	// locate or explain one): musts while they fit the problem
	// allowance, ranked by priority beyond it (settleProblems).
	problem []bool
	prio    []float64
	keep    []bool
	// demoted lines belong to a record or paragraph that repeats an
	// exemplar kept elsewhere.
	demoted []bool
	// members lists the lines of each cluster.
	members [][]int
	// unitOf maps a line to the exemplar unit group it was folded into,
	// for notes: group index, or -1.
	groupOf []int32
	groups  []unitGroup
	recs    []unit
	// repeat marks lines dropped because they repeat kept lines above.
	repeat []bool
	// wholeUnits are problem reports kept whole or not at all.
	wholeUnits []wholeUnit
	// unitStart marks the first line of every demoted unit.
	unitStart []bool
	// dump marks the lines after the first of each byte dump run with
	// their kind (dumpRuns); nil when there is none.
	dump []string
	// kv is the block's record stream, nil when it is none.
	kv *kvStream
	// stanzaOpens counts the paragraphs whose first line is of each
	// cluster (keepStanza), computed at first use.
	stanzaOpens map[int32]int
	// runsWith counts, per query term, the omitted runs holding it
	// (mentionedEverywhere), computed at first use.
	runsWith []int
	// lean notes name at most leanNames values each (see Text).
	lean bool
}

// leanNames is the most values a lean note names.
const leanNames = 4

// wholeUnit is a unit that the fill keeps whole when the budget allows.
type wholeUnit struct {
	u    unit
	prio float64
}

type unitGroup struct {
	units []unit
}

func newPlan(in *Input) *plan {
	b := in.Lines()
	n := len(b.L)
	p := &plan{
		in: in, b: b,
		sev:       make([]lines.Severity, n),
		must:      make([]bool, n),
		problem:   make([]bool, n),
		prio:      make([]float64, n),
		keep:      make([]bool, n),
		demoted:   make([]bool, n),
		unitStart: make([]bool, n),
		groupOf:   make([]int32, n),
	}
	for i := range p.groupOf {
		p.groupOf[i] = -1
	}
	p.an = analysisOf(in, b)
	p.cl = p.an.cl
	p.ft = p.an.fields
	if p.an.members == nil {
		p.an.members = make([][]int, len(p.cl.clusters))
		for i, id := range p.cl.of {
			if id != noCluster {
				p.an.members[id] = append(p.an.members[id], i)
			}
		}
	}
	p.members = p.an.members
	p.ix = in.Index(in.Query, b.Text, b.Start)
	return p
}

// analysis is what a lossy fold computes from the lines alone, shared
// through the input's memo by every fold of the same text (a block folded
// again for a later turn, or by the safety net). Read-only once shared.
type analysis struct {
	cl                *clustering
	fields            *fieldTable
	sev               []lines.Severity // nil until the first mark
	recs, paras, secs []unit
	units             bool // recs, paras and secs are computed
	// members lists the lines of each cluster (plan.members).
	members [][]int
	// stats holds fieldStatsOf by cluster and order: a fold again under
	// another query or budget reads the same fields.
	stats map[statsKey][]fieldStats
	// progress holds the runs of progress lines (progressRuns), once
	// progressDone is set.
	progress     [][2]int
	progressDone bool
	// kv holds detectKV of the lines and dump their dumpRuns (both
	// read-only), once kvDone is set.
	kv     *kvStream
	dump   []string
	kvDone bool
	// shared is set when the analysis is in a memo, so computing what
	// it lacks is worth keeping.
	shared bool
}

// analysisOf returns the memo's analysis of b, or a new one (kept in the
// memo unless the caller gave up, which may leave the clustering partial).
func analysisOf(in *Input, b *lines.Lines) *analysis {
	if v, ok := in.Memo.Get("fold", b.Text); ok {
		return v.(*analysis)
	}
	cl, ft := clusterLines(b, in.Stop)
	an := &analysis{cl: cl, fields: ft}
	if in.Memo != nil && !in.Stopped() {
		an.shared = true
		in.Memo.Put("fold", b.Text, an)
	}
	return an
}

// signals sets the severity of every line of b (lines.Signal) in sev.
// Lines of one shape report alike: only a shape's first line is read,
// unless the shape says "exit", whose status digit the shape masks.
func signals(b *lines.Lines, cl *clustering, sev []lines.Severity) {
	const perLine = lines.Severity(255)
	byShape := make([]lines.Severity, len(cl.shapeRep))
	for s, i := range cl.shapeRep {
		if l := b.L[i]; hasExit(l) {
			byShape[s] = perLine
		} else {
			byShape[s] = lines.Signal(l)
		}
	}
	for i, s := range cl.shape {
		switch {
		case s == noCluster:
		case byShape[s] == perLine:
			sev[i] = lines.Signal(b.L[i])
		default:
			sev[i] = byShape[s]
		}
	}
}

// mark sets must and prio for every line.
func (p *plan) mark() {
	b, n := p.b, len(p.b.L)
	aggressive := p.in.Budget.Aggressive
	if p.an.sev != nil {
		copy(p.sev, p.an.sev)
	} else {
		signals(b, p.cl, p.sev)
	}
	for i := range b.L {
		if p.cl.of[i] == noCluster {
			p.prio[i] = prioRest / 4
			continue
		}
		p.prio[i] = prioRest / float64(p.cl.size(i))
	}
	if p.an.sev == nil && p.an.shared {
		p.an.sev = slices.Clone(p.sev)
	}
	p.markKV()
	p.dropMentions()

	p.foldUnits()
	p.largestRecords()

	// Task terms: a line the task names is kept with the record it sits
	// in, and a header the task names with the body under it.
	p.termsOfNamedBlocks()
	crowded := p.crowdedMatches()
	for i := 0; i < n; i++ {
		if p.ix.Strong(i) && crowded[i] {
			p.prio[i] = max(p.prio[i], prioStrongTerm+p.ix.Score(i))
		} else if p.ix.Strong(i) {
			p.must[i] = true
			p.prio[i] = max(p.prio[i], prioStrongTerm+p.ix.Score(i))
			p.keepAround(i)
		} else if s := p.ix.Score(i); s > 0 && p.ix.Specific(i) {
			p.prio[i] = max(p.prio[i], prioTerm+10*s)
		} else if s > 0 {
			// Only common terms: barely above the rest.
			p.prio[i] = max(p.prio[i], prioRest+2*s)
		}
	}

	// Problems and warnings.
	context := 2
	if aggressive {
		context = 1
	}
	firstOfCluster := map[int32]int{}
	lastOfCluster := map[int32]int{}
	// problemsIn counts a cluster's problem lines: in a shape shared by
	// passes and failures ("--- PASS: x", "--- FAIL: y") the failures are
	// few even when the shape is not.
	problemsIn := map[int32]int{}
	dismissed := p.dismissedLines()
	isDismissed := func(i int) bool { return dismissed != nil && dismissed[i] }
	firstDismissed := false
	for i := 0; i < n; i++ {
		if p.sev[i] == lines.NoSignal {
			continue
		}
		id := p.cl.of[i]
		if _, ok := firstOfCluster[id]; !ok {
			firstOfCluster[id] = i
		}
		lastOfCluster[id] = i
		if p.sev[i] == lines.Problem && !p.demoted[i] && !isDismissed(i) {
			problemsIn[id]++
		}
	}
	problemLimit := 24
	if aggressive {
		problemLimit = 8
	}
	// When problem lines alone would overrun the budget (every line of a
	// lint or type-check run is one), only the first of each shape is a
	// must; the others compete for the budget like any context.
	problemBytes, problemLines := 0, 0
	for i := 0; i < n; i++ {
		if p.sev[i] == lines.Problem && !p.demoted[i] && !isDismissed(i) {
			problemBytes += len(b.L[i]) + 1
			problemLines++
		}
	}
	if problemBytes > p.in.Budget.Bytes*3/5 {
		problemLimit = 1
	}
	for i := 0; i < n; i++ {
		if p.sev[i] == lines.NoSignal {
			continue
		}
		id := p.cl.of[i]
		if isDismissed(i) {
			// What the request waves away ranks with the rest: the
			// first line of it stays, to show what was dropped.
			if !firstDismissed {
				p.must[i], firstDismissed = true, true
			}
			p.prio[i] = max(p.prio[i], prioRest*2)
			continue
		}
		if p.demoted[i] {
			p.prio[i] = max(p.prio[i], prioWarning/2)
			continue
		}
		// A problem repeated a few times is a list of problems (every
		// failing file); repeated many times it is one problem seen often.
		few := problemsIn[id] <= problemLimit
		ends := firstOfCluster[id] == i || lastOfCluster[id] == i && !aggressive
		switch {
		case p.sev[i] == lines.Problem && (few || ends):
			p.problem[i] = true
			for d := 1; d <= context; d++ {
				p.bump(i-d, prioContext)
				p.bump(i+d, prioContext)
			}
			p.stepContext(i)
			if problemLines <= maxLoneProblems {
				// One of a few problems in the whole output: the lines
				// right under it say where and why (a crash's frame,
				// a panic's message).
				for j := i + 1; j < n && j <= i+loneContext && !lines.Blank(b.L[j]); j++ {
					p.problem[j] = true
				}
			}
		case p.sev[i] == lines.Warning && firstOfCluster[id] == i:
			p.must[i] = true
		case p.sev[i] == lines.Problem:
			p.prio[i] = max(p.prio[i], prioContext)
		default:
			p.prio[i] = max(p.prio[i], prioWarning)
		}
	}

	// First and last lines, summaries near the end.
	first, last := -1, -1
	for i := 0; i < n; i++ {
		if p.cl.of[i] != noCluster {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first >= 0 {
		p.must[first] = true
		p.must[last] = true
		for k, i := 1, first+1; i < n && k <= 3; i++ {
			if p.cl.of[i] != noCluster {
				p.bump(i, prioHead-float64(k))
				k++
			}
		}
		for k, i := 1, last-1; i >= 0 && k <= 4; i-- {
			if p.cl.of[i] != noCluster {
				p.bump(i, prioTail-float64(k))
				k++
			}
		}
	}
	tailFrom := max(n-25, n*7/10)
	countIntent := p.in.Query.Intent.Has(relevance.Count)
	// Asked how many, tallies anywhere count; but a shape repeated all
	// over the output (a progress line per batch, "processed 80 items")
	// is the run itself, which its fold note already counts.
	frequent := max(8, n/20)
	for i := 0; i < n; i++ {
		if p.demoted[i] || !(i >= tailFrom || countIntent) || !lines.Summary(b.L[i]) {
			continue
		}
		if i < tailFrom && p.cl.size(i) >= frequent {
			continue
		}
		p.must[i] = true
	}

	p.extremes()
	p.versionExtremes()
	p.keepAncestors()
	p.groupEnds()
	for _, o := range p.in.Query.Ordinals {
		if o.Line && o.N <= n {
			p.must[o.N-1] = true
		}
	}
	p.keepSpans()

	// One exemplar of every other repeated shape.
	for id, ms := range p.members {
		if len(ms) >= 2 {
			i := ms[0]
			if !p.demoted[i] {
				p.bump(i, prioExemplar+4*math.Log2(float64(len(ms))))
			}
		}
		_ = id
	}
	p.quietDumps()
	p.settleProblems()
}

// settleProblems makes the problem lines musts while they fit in what the
// budget has room for. Beyond it (a lint or type-check run, where nearly
// every line reports a problem) being a problem says nothing about which
// line a reader needs: the first line of each shape of problem stays, to
// show every kind, and the others rank just under the lines the task
// names, in order, so the budget takes the earliest.
func (p *plan) settleProblems() {
	size, hard := 0, 0
	for i, soft := range p.problem {
		switch {
		case p.must[i]:
			hard += len(p.b.L[i]) + 1
		case soft:
			size += len(p.b.L[i]) + 1
		}
	}
	// What the other musts leave of the budget, and at least a third
	// of it: problems are what a log is read for.
	room := max(p.in.Budget.Bytes-hard, p.in.Budget.Bytes/3)
	if size <= room {
		for i, soft := range p.problem {
			p.must[i] = p.must[i] || soft
		}
		return
	}
	var firsts []int
	firstSize := 0
	seen := make(map[int32]bool)
	n := float64(len(p.problem))
	for i, soft := range p.problem {
		if !soft || p.must[i] {
			continue
		}
		if id := p.cl.of[i]; p.sev[i] == lines.Problem && id != noCluster && !seen[id] {
			seen[id] = true
			firsts = append(firsts, i)
			firstSize += len(p.b.L[i]) + 1
			continue
		}
		p.prio[i] = max(p.prio[i], prioTerm-1-float64(i)/n)
	}
	for _, i := range firsts {
		if firstSize <= room {
			p.must[i] = true
		} else {
			p.prio[i] = max(p.prio[i], prioTerm-float64(i)/n)
		}
	}
}

// keepSpans keeps the lines of each stretch the task names by its ends
// ("0x1a40 through 0x1a70"), when the stretch fits in half the budget: its
// ends alone would answer nothing about what lies between.
func (p *plan) keepSpans() {
	for _, sp := range p.in.Query.Spans {
		// Line numbers name the lines about them, wherever they sit
		// (diagnostics come in any order); other ends, the stretch
		// between the lines that hold them.
		if p.keepPositions(sp) {
			continue
		}
		from, to, ok := p.ix.SpanUnits(sp)
		if !ok {
			continue
		}
		if to-from > maxSpanLines || p.b.End(to)-p.b.Start[from] > p.in.Budget.Bytes/2 {
			continue
		}
		for i := from; i <= to; i++ {
			p.must[i] = true
		}
	}
}

// keepPositions keeps, for a span of two line numbers no line starts and
// ends ("reader.go lines 760 through 800" over compiler diagnostics), the
// lines whose position falls in it: "path:767:17: …", or a line number
// that opens the line. When the task names a file some of them are in,
// only theirs; all of them within the bounds a stretch has. It reports
// whether it kept any.
func (p *plan) keepPositions(sp relevance.Span) bool {
	lo, err1 := strconv.Atoi(sp.From[0])
	hi, err2 := strconv.Atoi(sp.To[0])
	if err1 != nil || err2 != nil || lo >= hi || hi-lo > 100000 {
		return false
	}
	var in, named []int
	for i, l := range p.b.L {
		if n, ok := linePosition(l); ok && n >= lo && n <= hi {
			in = append(in, i)
			if p.ix.Score(i) > 0 {
				named = append(named, i)
			}
		}
	}
	if len(named) > 0 {
		in = named
	}
	size := 0
	for _, i := range in {
		size += len(p.b.L[i]) + 1
	}
	if len(in) == 0 || len(in) > maxSpanLines || size > p.in.Budget.Bytes/2 {
		return false
	}
	for _, i := range in {
		p.must[i] = true
	}
	return true
}

// linePosition returns the line number a line is about: the number after
// a path ("src/reader.go:767:17: …", "File x.py, line 12" aside), or the
// number that opens the line ("  767\t…", "767: …").
func linePosition(l string) (int, bool) {
	t := strings.TrimLeft(l, " \t")
	if k := lines.SkipDigits(t, 0); k > 0 && k < len(t) && (t[k] == ':' || t[k] == '\t' || t[k] == ' ') {
		n, err := strconv.Atoi(t[:k])
		return n, err == nil
	}
	for i := 0; i+1 < len(l); i++ {
		if l[i] != ':' || i == 0 || !lines.IsDigit(l[i+1]) {
			continue
		}
		// The token before the colon must read as a path: a dot or a
		// slash in it.
		start := strings.LastIndexAny(l[:i], " \t(\"'") + 1
		if !strings.ContainsAny(l[start:i], "./") {
			continue
		}
		n, err := strconv.Atoi(l[i+1 : lines.SkipDigits(l, i+1)])
		return n, err == nil
	}
	return 0, false
}

// maxSpanLines bounds the lines of a stretch the task names that are kept.
const maxSpanLines = 400

// Lists of names (one token a line: versions, packages, identifiers) come
// sorted and grouped by prefix; the last name of a group is its largest
// or newest, the one a reader looks for. minList is the fewest names such
// a list has, minGroup the fewest names of a group whose ends are kept.
const (
	minList  = 8
	minGroup = 3
)

// groupEnds keeps the first and last name of every prefix group of a list
// of names: the coarsest and largest groups first as musts, within a
// third of the budget, the others as strong candidates.
func (p *plan) groupEnds() {
	b := p.b
	allow := p.in.Budget.Bytes / 3
	// Paths are listings, whose directories the listing compressor
	// summarises: names here are tokens without a slash.
	name := func(l string) string {
		t := lines.Token(l)
		if strings.IndexByte(t, '/') >= 0 {
			return ""
		}
		return t
	}
	for i := 0; i < len(b.L); {
		if name(b.L[i]) == "" {
			i++
			continue
		}
		j := i
		var names []string
		for j < len(b.L) && name(b.L[j]) != "" {
			names = append(names, name(b.L[j]))
			j++
		}
		if len(names) >= minList {
			bs := lines.PrefixBoundaries(names, minGroup)
			// Coarse groups first, and among them the larger.
			slices.SortStableFunc(bs, func(x, y lines.Boundary) int {
				if x.Level != y.Level {
					return x.Level - y.Level
				}
				return max(y.Left, y.Right) - max(x.Left, x.Right)
			})
			for _, bd := range bs {
				for _, at := range [2]int{bd.At, bd.At + 1} {
					size := bd.Left
					if at > bd.At {
						size = bd.Right
					}
					k := i + at
					if size < minGroup || p.must[k] || p.cl.of[k] == noCluster {
						continue
					}
					// A kept name splits an omitted run: one more note.
					if cost := len(b.L[k]) + 1 + noteCost/2; allow >= cost {
						allow -= cost
						p.must[k] = true
					} else {
						p.bump(k, prioTail-float64(bd.Level))
					}
				}
			}
		}
		i = j
	}
}

// dropMentions clears the signal of lines that only mention a problem
// word in free text: in a large cluster (a list of passing tests, of
// package names), a word such as "error" in a field that varies among
// many values ("✓ should handle errors via arity 4") names something; in
// a fixed field of the template ("ERROR", "error:") or in a categorical
// one (a level column) it reports.
func (p *plan) dropMentions() {
	for id, ms := range p.members {
		if len(ms) < 8 {
			continue
		}
		signals := 0
		for _, li := range ms {
			if p.sev[li] != lines.NoSignal {
				signals++
			}
		}
		if signals == 0 || signals*2 > len(ms) {
			continue
		}
		cl := &p.cl.clusters[id]
		var stats []fieldStats
		var buf []string
		for _, li := range ms {
			if p.sev[li] == lines.NoSignal {
				continue
			}
			buf = p.ft.of(li, buf[:0])
			if len(buf) != cl.fields {
				continue
			}
			reports, alone := false, false
			for k, f := range buf {
				if lines.Signal(f) == lines.NoSignal {
					continue
				}
				alone = true
				if cl.tmpl[k] != 0 {
					reports = true
					break
				}
				if stats == nil {
					stats = p.fieldStatsOf(int32(id))
				}
				for _, st := range stats {
					if st.pos == k && !st.many && len(st.distinct) <= 8 {
						reports = true
					}
				}
				if reports {
					break
				}
			}
			if !alone {
				// A signal no field holds alone is a phrase across two
				// ("was not found"): it reports where its fields are
				// fixed or take few values (found / not found), and
				// names where they vary (a test called "404 when not
				// found").
				for k := 0; k+1 < len(buf) && !reports; k++ {
					if lines.Signal(buf[k]+" "+buf[k+1]) == lines.NoSignal {
						continue
					}
					if stats == nil {
						stats = p.fieldStatsOf(int32(id))
					}
					reports = true
					for _, st := range stats {
						if (st.pos == k || st.pos == k+1) && (st.many || len(st.distinct) > 8) {
							reports = false
						}
					}
				}
			}
			if !reports {
				p.sev[li] = lines.NoSignal
			}
		}
	}
}

// bump raises line i's priority to at least v.
func (p *plan) bump(i int, v float64) {
	if i >= 0 && i < len(p.prio) && p.cl.of[i] != noCluster {
		p.prio[i] = max(p.prio[i], v)
	}
}

// stepContext raises the lines between a problem line and the step it
// happened in: back to the nearest line of a frequent shape (the progress
// line that names the step, "Compiling x", kept too) or a blank line, at
// most six lines up. A compiler's location line and code frame sit there.
//
// The nearest unindented line above the problem, when the lines between
// are indented (a location line above its code frame: `File "x", line
// 3`), is kept with it: without it the problem has no place.
func (p *plan) stepContext(i int) {
	frequent := max(8, len(p.b.L)/20)
	located := lines.Indent(p.b.L[i]) > 0 || i > 0 && lines.Indent(p.b.L[i-1]) == 0
	for j := i - 1; j >= 0 && j >= i-6; j-- {
		if p.cl.of[j] == noCluster {
			return
		}
		p.bump(j, prioContext+20)
		if !located && lines.Indent(p.b.L[j]) == 0 && p.cl.size(j) < frequent {
			p.problem[j] = true
			located = true
		}
		if p.cl.size(j) >= frequent {
			return
		}
	}
}

// maxNamedBlock is the most lines of a paragraph whose term lines a
// strong match keeps.
const maxNamedBlock = 48

// termsOfNamedBlocks keeps, in the few paragraphs that hold a strong
// match (the record the user names: "the ring package"), the lines
// holding a term of the request, however common in the block, that is in
// few lines of the paragraph: "its checksum" asks for that record's
// checksum line, though every record has one.
func (p *plan) termsOfNamedBlocks() {
	if !p.ix.Any() || len(p.an.paras) == 0 {
		return
	}
	var named []unit
	for _, u := range p.an.paras {
		if u.end-u.start > maxNamedBlock {
			continue
		}
		for i := u.start; i < u.end; i++ {
			if p.ix.Strong(i) {
				named = append(named, u)
				break
			}
		}
		if len(named) > maxNamedRecords {
			return
		}
	}
	// A term in a few of the paragraph's lines names a field of it;
	// one in most of them ("test" of every line of a test run) names
	// nothing there.
	for t := range p.in.Query.Terms {
		if !p.in.Query.Terms[t].Latest {
			continue
		}
		hits, _ := p.ix.Hits(t)
		for _, u := range named {
			in := hitsIn(hits, u.start, u.end)
			if len(in) == 0 || len(in)*4 > u.end-u.start {
				continue
			}
			for _, h := range in {
				p.must[h] = true
			}
		}
	}
}

// dismissedLines marks the problem and warning lines that hold every
// word the request dismisses and that the block holds at all ("missing"
// and "annotation" of "skip the missing-annotation noise", not "noise"):
// "Missing return statement" is not among them. Nil when the request
// dismisses nothing.
func (p *plan) dismissedLines() []bool {
	n := len(p.b.L)
	ws := p.in.Query.Dismissed
	if len(ws) == 0 {
		return nil
	}
	out := make([]bool, n)
	has := make([]uint64, n) // bit k: the line holds ws[k]
	var present uint64
	for i, l := range p.b.L {
		if p.sev[i] == lines.NoSignal {
			continue
		}
		lines.Words(l, func(w string, _, _ int) bool {
			lw := lines.Fold(w)
			for k, d := range ws[:min(len(ws), 64)] {
				if lw == d || strings.TrimSuffix(lw, "s") == strings.TrimSuffix(d, "s") {
					has[i] |= 1 << k
				}
			}
			return true
		})
		present |= has[i]
	}
	if present == 0 {
		return out
	}
	for i := range out {
		out[i] = has[i]&present == present
	}
	return out
}

// crowdedMatches marks the strong matches that one shape holds so many
// of, alike but for their numbers, that they would take over a quarter
// of the budget (a term the task names found in every frame of a
// repeated dump): all but the first and
// last of them rank with the strong matches instead of being musts, so
// the fold keeps what the budget allows and its note counts the rest.
func (p *plan) crowdedMatches() map[int]bool {
	if !p.ix.Any() {
		return nil
	}
	type span struct {
		first, last, bytes int
		words              string
		alike              bool // every line has these words
	}
	byCluster := map[int32]*span{}
	for i := range p.b.L {
		id := p.cl.of[i]
		if !p.ix.Strong(i) || id == noCluster {
			continue
		}
		sp := byCluster[id]
		if sp == nil {
			sp = &span{first: i, words: wordsOf(p.b.L[i]), alike: true}
			byCluster[id] = sp
		} else if sp.alike {
			sp.alike = wordsOf(p.b.L[i]) == sp.words
		}
		sp.last = i
		sp.bytes += len(p.b.L[i]) + 1
	}
	var crowded map[int]bool
	for id, sp := range byCluster {
		// Only lines alike but for their numbers are one thing said
		// again; lines whose words differ are each their own answer.
		if sp.bytes*4 <= p.in.Budget.Bytes || !sp.alike {
			continue
		}
		if crowded == nil {
			crowded = map[int]bool{}
		}
		for _, i := range p.members[id] {
			if i != sp.first && i != sp.last && p.ix.Strong(i) {
				crowded[i] = true
			}
		}
	}
	return crowded
}

// wordsOf returns the words of l that hold no digit, joined: what a line
// says but for its numbers, addresses and ids.
func wordsOf(l string) string {
	var b strings.Builder
	lines.Words(l, func(w string, _, _ int) bool {
		if !strings.ContainsAny(w, "0123456789") {
			b.WriteString(w)
			b.WriteByte(' ')
		}
		return true
	})
	return b.String()
}

// keepAround keeps what gives a strongly matching line its meaning: the
// record it sits in, and when it is a header (it ends with ':' or the next
// line is a separator rule) the record or paragraph right under it. A
// large record keeps its start, the lines from the match on and its end.
func (p *plan) keepAround(i int) {
	limit := 24
	if p.in.Verbatim() {
		limit = 48
	}
	r := p.recordOf(i)
	if r.end-r.start > limit && p.cl.size(i) >= max(8, len(p.b.L)/20) {
		// A row of a long run of rows of its shape (a table in one
		// record) means itself: keep it with the record's head, not the
		// rows after it, which would keep most of the run when many rows
		// match.
		p.keepRange(r.start, min(r.end, r.start+2), i, limit)
		p.must[i] = true
		return
	}
	p.keepRange(r.start, r.end, i, limit)
	header := strings.HasSuffix(strings.TrimRight(p.b.L[i], " \r"), ":")
	if header {
		p.keepOutline(i, limit)
	}
	if r.end > i+1 {
		return
	}
	j := i + 1
	for skipped := 0; j < len(p.b.L) && skipped < 2 && (p.cl.of[j] == noCluster || lines.IsRule(p.b.L[j])); j++ {
		skipped++
		header = header || lines.IsRule(p.b.L[j])
	}
	if !header || j >= len(p.b.L) {
		return
	}
	if r := p.recordOf(j); r.start == j {
		p.keepRange(i+1, r.end, j, limit)
	}
}

// keepRange keeps lines [start, end) when they are at most limit, else the
// first two, the lines from center on up to the limit, and the last two.
// maxSection bounds the lines of a section whose outline keepOutline reads.
const maxSection = 400

// keepOutline keeps the outline of the section a named header opens (up
// to the next line of its shape: "Thread 4 …:" to "Thread 3 …:"): the
// lines at the section's shallowest indentation, a thread's frames
// without their locals, at most limit of them.
func (p *plan) keepOutline(i, limit int) {
	id := p.cl.of[i]
	if id == noCluster {
		return
	}
	end := i + 1
	for end < len(p.b.L) && end-i <= maxSection && p.cl.of[end] != id {
		end++
	}
	if end == len(p.b.L) || end-i > maxSection || end-i < 3 {
		return // no sibling below: no section of its own
	}
	shallow := -1
	for k := i + 1; k < end; k++ {
		if l := p.b.L[k]; !lines.Blank(l) && (shallow < 0 || lines.Indent(l) < shallow) {
			shallow = lines.Indent(l)
		}
	}
	for k, n := i+1, 0; k < end && n < limit; k++ {
		if l := p.b.L[k]; !lines.Blank(l) && lines.Indent(l) == shallow {
			p.must[k] = true
			n++
		}
	}
}

func (p *plan) keepRange(start, end, center, limit int) {
	keepRange(p.must, start, end, center, limit)
}

// keepRange marks in keep what plan.keepRange keeps.
func keepRange(keep []bool, start, end, center, limit int) {
	if end-start <= limit {
		for k := start; k < end; k++ {
			keep[k] = true
		}
		return
	}
	for k := start; k < min(start+2, end); k++ {
		keep[k] = true
	}
	for k := max(start, center-1); k < min(end, center+limit-4); k++ {
		keep[k] = true
	}
	for k := max(start, end-2); k < end; k++ {
		keep[k] = true
	}
}

// recordOf returns the record holding line i.
func (p *plan) recordOf(i int) unit {
	k := sort.Search(len(p.recs), func(k int) bool { return p.recs[k].end > i })
	if k < len(p.recs) && p.recs[k].start <= i {
		return p.recs[k]
	}
	return unit{start: i, end: i + 1}
}

// foldUnits groups similar multi-line records and paragraphs: the first
// unit of each group is its exemplar, kept whole when it reports a problem
// or names a task term; the others are demoted (kept only if a line of
// theirs must be, or the budget has room).
func (p *plan) foldUnits() {
	if !p.an.units {
		p.an.recs = records(p.b, p.cl)
		p.an.paras = paragraphs(p.b, p.an.recs, p.cl)
		p.an.secs = sections(p.b, p.cl)
		p.an.units = p.an.shared
	}
	recs, paras, secs := p.an.recs, p.an.paras, p.an.secs
	p.recs = recs
	exemplar := make([]bool, len(p.b.L))
	for _, level := range [][]unit{secs, paras, recs} {
		// Units inside a report already folded at a coarser level are
		// not grouped again: its note speaks for them.
		kept := make([]unit, 0, len(level))
		for _, u := range level {
			if !p.demoted[u.start] {
				kept = append(kept, u)
			}
		}
		level = kept
		for _, g := range groupUnits(level) {
			if len(g) < 2 {
				// A problem report like no other is kept whole (or its
				// problem neighbourhoods, when large).
				// So is, within the budget, a warning like no other
				// (one diagnostic among a wall of repeated ones).
				if u := level[g[0]]; !exemplar[u.start] && !p.demoted[u.start] && (p.isReport(u) || p.sev[u.start] == lines.Warning) {
					mark := exemplar
					if u.len() > maxWholeReport {
						// Too large to be kept whole, it is a run of
						// records (a build's output without blank
						// lines): its musts stay, its records still fold.
						mark = make([]bool, len(exemplar))
					}
					p.markExemplar(u, mark, p.problem)
				}
				continue
			}
			ex := level[g[0]]
			if exemplar[ex.start] && !p.demoted[ex.start] || !p.demoted[ex.start] {
				// The exemplar of a shape is kept whole, however many
				// other problems there are: it is what the note's count
				// refers to.
				p.markExemplar(ex, exemplar, p.must)
			}
			gi := int32(len(p.groups))
			grp := unitGroup{}
			for _, ui := range g {
				grp.units = append(grp.units, level[ui])
			}
			p.groups = append(p.groups, grp)
			// A group of problem reports keeps a few of them whole (the
			// first ones, then the last), so that distinct failures stay
			// quotable; a wall of them keeps the same few and a note.
			keepFirst, keepLast := 1, 0
			problem := p.hasProblem(ex)
			if problem {
				// As many as fit in two fifths of the budget, up to four,
				// and the last one.
				keepFirst, keepLast = 4, 1
				if p.in.Budget.Aggressive {
					keepFirst, keepLast = 2, 0
				}
				size := 0
				for k, ui := range g {
					size += unitBytes(p.b, level[ui])
					if k > 0 && size > p.in.Budget.Bytes*2/5 {
						keepFirst, keepLast = min(keepFirst, k), 0
						break
					}
				}
			}
			var rest []unit
			for k, ui := range g {
				u := level[ui]
				if k == 0 || exemplar[u.start] {
					continue // the exemplar, or inside one of a coarser level
				}
				if k < keepFirst || k >= len(g)-keepLast {
					p.markExemplar(u, exemplar, p.problem)
					continue
				}
				rest = append(rest, u)
				p.unitStart[u.start] = true
				for j := u.start; j < u.end; j++ {
					p.demoted[j] = true
					p.groupOf[j] = gi
				}
			}
			if problem {
				p.fillProblemGroup(rest)
			} else {
				// Members that report a problem the exemplar does not
				// ("not found" among lookups that found) are not like
				// it: their problem lines compete as a problem group's.
				var failing []unit
				for _, u := range rest {
					if p.hasProblem(u) {
						failing = append(failing, u)
					}
				}
				if len(failing) > 0 && len(failing)*2 <= len(rest) {
					p.fillProblemGroup(failing)
				}
			}
		}
	}
}

// maxStanzaHead is the longest first line of a paragraph kept as the
// name of what the paragraph's kept lines belong to.
const maxStanzaHead = 120

// keepRecordHeads keeps the header of every record (a "name:" line and
// the lines indented under it) a kept line of which is not its first:
// a library line kept without "/usr/bin/x:" above it reads as one of the
// record before the gap.
func (p *plan) keepRecordHeads() {
	// A paragraph of a stanza stream (records between blank lines)
	// opens with what it is about: a name, an id, a key's "pub" line.
	if len(p.an.paras) >= 3 {
		for _, u := range p.an.paras {
			if p.keep[u.start] || len(p.b.L[u.start]) > maxStanzaHead || !p.stanza(u) {
				continue
			}
			for j := u.start + 1; j < u.end; j++ {
				if p.keep[j] {
					p.keep[u.start] = true
					break
				}
			}
		}
	}
	for _, u := range p.recs {
		// Only a header names its record: in a paragraph or a stack,
		// the first line is just the first.
		if p.keep[u.start] || !strings.HasSuffix(strings.TrimRight(p.b.L[u.start], " \r"), ":") {
			continue
		}
		for j := u.start + 1; j < u.end; j++ {
			if p.keep[j] {
				p.keep[u.start] = true
				break
			}
		}
	}
}

// keepTableHeads keeps the header of a table a kept row belongs to: the
// line right above a separator rule that has rows right under it ("n
// time(i) total(B)" over "-----" over the numbers), with the rule. The
// rows' numbers mean nothing without the column names.
func (p *plan) keepTableHeads() {
	b, n := p.b, len(p.b.L)
	for i := 1; i+1 < n; i++ {
		if !lines.IsRule(b.L[i]) || lines.Blank(b.L[i-1]) || lines.IsRule(b.L[i-1]) || lines.Blank(b.L[i+1]) || lines.IsRule(b.L[i+1]) {
			continue
		}
		if p.keep[i-1] && p.keep[i] {
			continue
		}
		for j := i + 1; j < n && !lines.Blank(b.L[j]) && !lines.IsRule(b.L[j]); j++ {
			if p.keep[j] {
				p.keep[i-1], p.keep[i] = true, true
				break
			}
		}
	}
}

// largestRecords keeps, when the task asks for the most or the largest,
// the records with the most lines: a count no field holds ("which binary
// links the most libraries" of one record per binary, a line per
// library). Each one's first and last lines are kept, its other lines
// rank with the lines the task names. Nothing is kept when the records are all alike
// in size.
func (p *plan) largestRecords() {
	if p.in.Query == nil || !p.in.Query.Intent.Has(relevance.Max) || len(p.recs) < 3 {
		return
	}
	order := make([]int, len(p.recs))
	for i := range order {
		order[i] = i
	}
	size := func(i int) int { return p.recs[i].end - p.recs[i].start }
	slices.SortStableFunc(order, func(a, b int) int { return size(b) - size(a) })
	top := min(max(3, p.in.Query.TopN), len(order))
	if size(order[0]) <= size(order[len(order)/2]) {
		return
	}
	for _, r := range order[:top] {
		u := p.recs[r]
		if size(r) <= size(order[len(order)/2]) {
			break // no larger than most
		}
		// Its first and last lines bound the note over what is left
		// out of it, which then counts the record's lines alone. (A
		// record may end with a line at its head's indentation: a
		// traceback's error, or here the next record's head.)
		last := u.end - 1
		if last-1 > u.start && lines.Indent(p.b.L[last]) <= lines.Indent(p.b.L[u.start]) {
			last--
		}
		p.must[u.start], p.must[last] = true, true
		for j := u.start + 1; j < u.end; j++ {
			p.prio[j] = max(p.prio[j], prioTerm)
		}
	}
}

// fillProblemGroup decides how the problem reports of a group beyond its
// exemplars compete for the budget. Their key lines — each report's
// headline and problem lines: what failed, where, and how — are kept when
// they are few, and come first when they fit in a good part of the budget
// (a list of distinct failures); otherwise (a wall of one failure seen many times) they are
// left to the note, which names what varies. Whole reports then fill what
// the budget leaves, in order.
func (p *plan) fillProblemGroup(rest []unit) {
	keyBytes := 0
	for _, u := range rest {
		for j := u.start; j < u.end; j++ {
			if p.keyLine(u, j) {
				keyBytes += len(p.b.L[j]) + 1
			}
		}
	}
	boostKeys := keyBytes <= p.in.Budget.Bytes*3/5
	// Key lines that fit in a quarter of the budget are a short list of
	// distinct failures: every one of them stays.
	mustKeys := keyBytes <= p.in.Budget.Bytes/4
	for k, u := range rest {
		order := float64(k) / 1000
		for j := u.start; j < u.end; j++ {
			if boostKeys && p.keyLine(u, j) {
				p.prio[j] = max(p.prio[j], prioDemotedProblem+20-order)
				p.problem[j] = p.problem[j] || mustKeys
			}
		}
		p.wholeUnits = append(p.wholeUnits, wholeUnit{u: u, prio: prioDemotedProblem - order})
	}
}

// keyLine reports whether line j is a key line of problem report u: its
// headline (the first line that is not an untitled rule), the first line
// of a record inside it (a location), or a problem line.
func (p *plan) keyLine(u unit, j int) bool {
	head := u.start
	for head < u.end-1 && untitledRule(p.b.L[head]) {
		head++
	}
	if j == head || p.sev[j] == lines.Problem {
		return true
	}
	return lines.Indent(p.b.L[j]) == 0 && j+1 < u.end && lines.Indent(p.b.L[j+1]) > 0 && !lines.Blank(p.b.L[j])
}

// untitledRule reports a separator rule made of one character only.
func untitledRule(l string) bool {
	t := strings.TrimSpace(l)
	return lines.IsRule(l) && strings.Trim(t, t[:1]) == ""
}

// unitBytes is the size of unit u's lines.
func unitBytes(b *lines.Lines, u unit) int { return b.End(u.end-1) - b.Start[u.start] }

// isReport reports whether unit u reads as one problem report: one to
// three problem lines with their context (a traceback, a failed test's
// output), not a list of problems (a lint run's file section).
func (p *plan) isReport(u unit) bool {
	n := 0
	for k := u.start; k < u.end; k++ {
		if p.sev[k] == lines.Problem {
			n++
		}
	}
	return n >= 1 && n <= 3
}

// hasProblem reports whether unit u holds a problem line.
func (p *plan) hasProblem(u unit) bool {
	for k := u.start; k < u.end; k++ {
		if p.sev[k] == lines.Problem {
			return true
		}
	}
	return false
}

// markExemplar makes unit u its group's exemplar: a small one is kept
// whole (marked in keep, p.must or p.problem, when it reports a problem);
// of a large one, its first and last lines and the records around its
// problem lines.
func (p *plan) markExemplar(u unit, exemplar, keep []bool) {
	if u.len() > maxListedReport {
		// A report of several lines explains one problem (a
		// traceback's frames): it is kept as a whole or not chosen.
		keep = p.must
	}
	problem := false
	for k := u.start; k < u.end; k++ {
		exemplar[k] = true
		if p.sev[k] == lines.Problem {
			problem = true
		}
	}
	small := 16
	if problem {
		small = maxWholeReport
	}
	if u.len() <= small {
		for k := u.start; k < u.end; k++ {
			if problem {
				keep[k] = true
			} else {
				p.bump(k, prioExemplar+5)
			}
		}
		return
	}
	p.bump(u.start, prioExemplar+5)
	p.bump(u.end-1, prioExemplar+5)
	if !problem {
		// Its head, read past the middle of runs of one shape (progress
		// lines, "(Reading database ... 35%"): their ends show the run.
		for k, n := u.start, 0; k < u.end && n < small; k++ {
			if id := p.cl.of[k]; id != noCluster && k > u.start && k+1 < u.end && p.cl.of[k-1] == id && p.cl.of[k+1] == id {
				continue
			}
			p.bump(k, prioExemplar+5)
			n++
		}
		return
	}
	keep[u.start] = true
	// The neighbourhoods of its first problems and its last: many more
	// are left to the rules for problem lines.
	var probs []int
	for k := u.start; k < u.end; k++ {
		if p.sev[k] == lines.Problem {
			probs = append(probs, k)
		}
	}
	for n, k := range probs {
		if n >= 6 && n < len(probs)-2 {
			continue
		}
		r := p.recordOf(k)
		keepRange(keep, r.start, r.end, k, small)
		p.stepContext(r.start)
	}
}

// extremes keeps, for the numeric fields of repeated lines, the lines that
// hold the minimum and maximum (the top few when the task asks for the
// largest or the smallest), and the lines whose value of a categorical
// field is rare among many.
func (p *plan) extremes() {
	intent := p.in.Query.Intent
	topK := 5
	if p.in.Budget.Aggressive {
		topK = 3
	}
	topK = max(topK, p.in.Query.TopN)
	for id, ms := range p.members {
		if len(ms) < 8 {
			if len(ms) >= 3 && intent&relevance.Extremes != 0 {
				p.smallShapeExtremes(int32(id), intent)
			}
			continue
		}
		if p.in.Stopped() {
			return
		}
		stats := p.fieldStatsOf(int32(id))
		numeric := 0
		for si := range stats {
			st := &stats[si]
			switch {
			case st.numeric && st.max > st.min:
				if intent&relevance.Extremes == 0 && math.Min(math.Abs(st.min), math.Abs(st.max)) >= minIdentNumber {
					// Numbers of a dozen digits are addresses, ids and
					// seeds, whose extremes mean nothing unless asked.
					continue
				}
				k := topK
				if numeric++; numeric > 3 {
					// Past the third number of a line only a question
					// for an extreme looks, and at the top two of each:
					// which number it means is not known.
					if intent&relevance.Extremes == 0 {
						continue
					}
					k = 2
				}
				p.must[st.minLine] = true
				p.must[st.maxLine] = true
				if intent.Has(relevance.Max) || intent.Has(relevance.Newest) {
					for r, li := range st.top(k, true) {
						p.must[li] = true
						if r < 2 {
							p.keepStanza(li)
						}
					}
				}
				if intent.Has(relevance.Min) || intent.Has(relevance.Oldest) {
					for r, li := range st.top(k, false) {
						p.must[li] = true
						if r < 2 {
							p.keepStanza(li)
						}
					}
				}
				if numeric <= 3 {
					p.scopedExtremes(st, intent)
				}
			case !st.numeric && !st.many && len(st.distinct) >= 2 && len(st.distinct) <= 8 && len(ms) >= 10:
				// A categorical field (a status, a level, a verdict): a
				// value seen once or twice among many is news.
				// The rarest first (then in value order, so the lines kept
				// never depend on map iteration order), each with its
				// first line before any gets a second: one PROPFIND among
				// fifty HEADs and a thousand GETs is the news.
				rare := max(1, len(ms)/20)
				var vals []string
				for v, c := range st.distinct {
					if c <= rare {
						vals = append(vals, v)
					}
				}
				slices.SortFunc(vals, func(a, b string) int {
					return cmp.Or(cmp.Compare(st.distinct[a], st.distinct[b]), strings.Compare(a, b))
				})
				kept := 0
				for round := 0; kept < maxRareLines && round < maxRareLines; round++ {
					for _, v := range vals {
						if ls := st.linesOf[v]; round < len(ls) && kept < maxRareLines {
							p.must[ls[round]] = true
							kept++
						}
					}
				}
			}
		}
	}
}

// scopedExtremes answers "among the still-reachable records, which is
// the largest": for each term of the request held by some but not all of
// a shape's lines, the line with the extreme value of field st among
// them is kept with its stanza, however far down the whole block's order
// it is.
func (p *plan) scopedExtremes(st *fieldStats, intent relevance.Intent) {
	high := intent.Has(relevance.Max) || intent.Has(relevance.Newest)
	low := intent.Has(relevance.Min) || intent.Has(relevance.Oldest)
	if len(st.order) < 3 || p.ix == nil || !high && !low {
		return
	}
	for t, term := range p.in.Query.Terms {
		if !term.Latest {
			continue
		}
		hits, df := p.ix.Hits(t)
		if df < 2 || len(hits) < df {
			continue
		}
		// The shape's lines holding the term, in line order (st.order
		// and hits both ascend): from the shorter list, each looked up
		// in the longer, so that a term on every line costs each shape
		// its own lines, not the block's.
		hi, lo, in := -1, -1, 0
		see := func(k int) {
			in++
			if hi < 0 || st.order[k].v > st.order[hi].v {
				hi = k
			}
			if lo < 0 || st.order[k].v < st.order[lo].v {
				lo = k
			}
		}
		if len(hits) <= len(st.order) {
			for _, u := range hits {
				if k, ok := slices.BinarySearchFunc(st.order, int(u), func(o numAt, line int) int { return o.line - line }); ok {
					see(k)
				}
			}
		} else {
			for k, o := range st.order {
				if _, ok := slices.BinarySearch(hits, int32(o.line)); ok {
					see(k)
				}
			}
		}
		if in < 2 || in >= len(st.order) {
			continue // no subset of this shape's lines
		}
		if high {
			p.must[st.order[hi].line] = true
			p.keepStanza(st.order[hi].line)
		}
		if low {
			p.must[st.order[lo].line] = true
			p.keepStanza(st.order[lo].line)
		}
	}
}

// maxRareLines is the most lines the rare values of one categorical
// field keep.
const maxRareLines = 5

// minIdentNumber is the smallest magnitude read as an identifier rather
// than a measure.
const minIdentNumber = 1e11

// maxStanza is the most lines of a paragraph kept whole around an
// extreme it holds.
const maxStanza = 16

// smallShapeExtremes ranks, for a shape of a few lines (four "Mark-Compact"
// lines among hundreds of another kind), the lines at the end of its
// numeric fields the task asks for with weak task matches: the largest of
// the block may be one of them, and only the fill decides against them.
func (p *plan) smallShapeExtremes(id int32, intent relevance.Intent) {
	for _, st := range p.fieldStatsOf(id) {
		if !st.numeric || st.max <= st.min {
			continue
		}
		if intent.Has(relevance.Max) || intent.Has(relevance.Newest) {
			p.bump(st.maxLine, prioTerm)
		}
		if intent.Has(relevance.Min) || intent.Has(relevance.Oldest) {
			p.bump(st.minLine, prioTerm)
		}
	}
}

// stanza reports whether paragraph u is a record of a stanza stream:
// its first line shares a shape with those of two other paragraphs
// ("id = 3", "pub:-:…").
func (p *plan) stanza(u unit) bool {
	if p.stanzaOpens == nil {
		p.stanzaOpens = map[int32]int{}
		for _, v := range p.an.paras {
			p.stanzaOpens[p.cl.of[v.start]]++
		}
	}
	return p.stanzaOpens[p.cl.of[u.start]] >= 3
}

// keepStanza keeps the paragraph holding line i (lines between blank
// lines) whole when it is short: the extreme a question asks for is a
// value of a record, and the answer names the record ("which customer",
// its name and email two lines up).
func (p *plan) keepStanza(i int) {
	paras := p.an.paras
	k := sort.Search(len(paras), func(k int) bool { return paras[k].end > i })
	if k == len(paras) || paras[k].start > i || paras[k].end-paras[k].start > maxStanza {
		return
	}
	if !p.stanza(paras[k]) {
		return // a paragraph like no other two: no record of a stream
	}
	for j := paras[k].start; j < paras[k].end; j++ {
		p.must[j] = true
	}
}

// fieldStatsOf returns the statistics of the varying fields of cluster
// id, computed once.
// They depend on the lines alone (and on whether the query asks for
// extremes), so they are kept with the analysis; callers only read them.
func (p *plan) fieldStatsOf(id int32) []fieldStats {
	if p.an.stats == nil {
		p.an.stats = make(map[statsKey][]fieldStats)
	}
	k := statsKey{id, p.in.Query.Intent&relevance.Extremes != 0}
	if st, ok := p.an.stats[k]; ok {
		return st
	}
	st := varyingFields(p.ft, &p.cl.clusters[id], p.members[id], k.order)
	p.an.stats[k] = st
	return st
}

// statsKey names one fieldStatsOf result: the cluster, and whether the
// members' values were kept in order (varyingFields' withOrder).
type statsKey struct {
	id    int32
	order bool
}

// fill keeps the must lines, then optional lines by priority while the
// budget allows.
func (p *plan) fill() {
	for i := range p.prio {
		if p.demoted[i] && p.prio[i] < prioDemotedProblem+10 {
			p.prio[i] = 0
		}
	}
	p.quietProgress()
	p.keep = Select(p.b, p.must, p.prio, p.in.Budget.Bytes)
	p.keepDefinitions()
	p.keepOddLines()
	p.keepRecordIdentity()
	p.keepRecordHeads()
	p.keepTableHeads()
	if len(p.wholeUnits) == 0 {
		return
	}
	// Whole problem reports, in order, while the budget allows: after
	// the lines above (they outrank them), before nothing else.
	size := 0
	have := map[string]bool{}
	for i, k := range p.keep {
		if k {
			size += len(p.b.L[i]) + 1
			have[p.b.L[i]] = true
		}
	}
	for _, w := range p.wholeUnits {
		// Lines that repeat kept ones cost a short note (dropRepeats).
		add := 0
		for j := w.u.start; j < w.u.end; j++ {
			if !p.keep[j] && !have[p.b.L[j]] {
				add += len(p.b.L[j]) + 1
			}
		}
		if size+add > p.in.Budget.Bytes {
			break
		}
		for j := w.u.start; j < w.u.end; j++ {
			p.keep[j] = true
			have[p.b.L[j]] = true
		}
		size += add
	}
}

// maxDefinitions bounds the definitions KeepDefinitions adds.
const maxDefinitions = 16

// keepDefinitions applies KeepDefinitions to the kept lines.
func (p *plan) keepDefinitions() { KeepDefinitions(p.b.L, p.keep) }

// KeepDefinitions keeps, for the variables that kept lines of ls use
// ("$(CC)", "${HOME}"), the lines that define them ("CC = cc",
// "HOME=/root"), and so on for what those use, three levels deep: a kept
// command means nothing without what its variables expand to. It returns
// the lines it added to keep.
func KeepDefinitions(ls []string, keep []bool) []int {
	var defs map[string]int // variable -> its first definition line
	var added []int
	for round := 0; round < 3 && len(added) < maxDefinitions; round++ {
		var used []string
		for i, k := range keep {
			if k && strings.Contains(ls[i], "$") {
				used = appendVariables(used, ls[i])
			}
		}
		if len(used) == 0 {
			return added
		}
		if defs == nil {
			defs = map[string]int{}
			for i, l := range ls {
				if name := definedVariable(l); name != "" {
					if _, ok := defs[name]; !ok {
						defs[name] = i
					}
				}
			}
		}
		grew := false
		for _, v := range used {
			if i, ok := defs[v]; ok && !keep[i] && len(added) < maxDefinitions {
				keep[i] = true
				added = append(added, i)
				grew = true
			}
		}
		if !grew {
			break
		}
	}
	return added
}

// appendVariables appends the names of the variables l uses, as "$(NAME)"
// or "${NAME}".
func appendVariables(dst []string, l string) []string {
	for i := 0; i+2 < len(l); i++ {
		if l[i] != '$' || l[i+1] != '(' && l[i+1] != '{' {
			continue
		}
		closer := byte(')')
		if l[i+1] == '{' {
			closer = '}'
		}
		end := strings.IndexByte(l[i+2:], closer)
		if end <= 0 || end > 64 {
			continue
		}
		if name := l[i+2 : i+2+end]; isVariableName(name) {
			dst = append(dst, name)
		}
	}
	return dst
}

// definedVariable returns the variable an unindented "NAME = value" (or
// ":=", "?=", "+=", "NAME=value") line defines, or "".
func definedVariable(l string) string {
	if l == "" || l[0] == ' ' || l[0] == '\t' {
		return ""
	}
	eq := strings.IndexByte(l, '=')
	if eq <= 0 {
		return ""
	}
	name := strings.TrimRight(strings.TrimRight(l[:eq], " "), ":?+")
	name = strings.TrimRight(name, " ")
	if !isVariableName(name) {
		return ""
	}
	return name
}

// isVariableName reports a make or shell variable name: letters, digits,
// '_' and '.', not starting with a digit.
func isVariableName(s string) bool {
	if s == "" || len(s) > 64 || lines.IsDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || lines.IsDigit(c) || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// minProgress is the fewest lines a run of progress lines has.
const minProgress = 4

// quietProgress takes the middle of every run of progress lines (adjacent
// lines that differ only in their numbers: "(Reading database ... 35%",
// "Downloading 3/40") out of the fill: its first and last lines tell the
// run, and the fill, which extends kept runs for the price of their bytes
// alone, would otherwise keep them one by one before anything else.
func (p *plan) quietProgress() {
	if !p.an.progressDone {
		p.an.progress = progressRuns(p.b, p.cl)
		p.an.progressDone = true
	}
	for _, r := range p.an.progress {
		for k := r[0] + 1; k < r[1]-1; k++ {
			// A line the task names or a problem keeps its rank.
			if !p.must[k] && p.prio[k] < prioWarning && p.ix.Score(k) == 0 {
				p.prio[k] = 0
			}
		}
	}
}

// progressRuns returns the runs [i, j) of at least minProgress progress
// lines of b (see quietProgress): they depend on the lines alone.
func progressRuns(b *lines.Lines, cl *clustering) [][2]int {
	var runs [][2]int
	n := len(b.L)
	for i := 0; i < n; {
		id := cl.of[i]
		j := i + 1
		if id != noCluster && strings.ContainsAny(b.L[i], "0123456789") {
			for j < n && cl.of[j] == id && len(b.L[j]) <= len(b.L[i])+8 && cl.masked[j] == cl.masked[i] {
				j++
			}
			// Words around the numbers: a list of bare numbers or
			// versions is data, not progress. Most lines run on to no
			// like line: their masked form would decide nothing. Nor
			// does a run start at any line of a list: each has the
			// list's masked form, so the scan goes on past it (starting
			// over at i+1 made a long list quadratic).
			if j > i+1 && !wordy(lines.Masked(b.L[i])) {
				i = j
				continue
			}
		}
		if j-i >= minProgress {
			runs = append(runs, [2]int{i, j})
		}
		i = j
	}
	return runs
}

// keepShortRuns keeps omitted runs of one or two short lines (see
// KeepShortRuns), lines repeated from above excepted.
func (p *plan) keepShortRuns() {
	p.keepOddPairs()
	KeepShortRuns(p.b, p.keep, p.repeat, ShortRun)
}

// keepOddPairs keeps omitted runs of one or two lines like no other line
// of the block, up to maxOddPair bytes: between kept lines, such a run
// can only be told in a note as "2 lines omitted", which hides what made
// them odd (the SKIPPED and XPASS after the FAILED of a test run).
func (p *plan) keepOddPairs() {
	n := len(p.keep)
	for i := 0; i < n; {
		if p.keep[i] || p.repeat != nil && p.repeat[i] {
			i++
			continue
		}
		j := i + 1
		for j < n && !p.keep[j] && (p.repeat == nil || !p.repeat[j]) {
			j++
		}
		if j-i <= 2 && p.b.End(j-1)-p.b.Start[i] <= maxOddPair {
			odd := true
			for k := i; k < j && odd; k++ {
				odd = p.cl.of[k] != noCluster && p.cl.size(k) == 1 && !p.demoted[k]
			}
			for k := i; k < j && odd; k++ {
				p.keep[k] = true
			}
		}
		i = j
	}
}

// maxOddPair is the most bytes keepOddPairs keeps of one run.
const maxOddPair = 240

// ShortRun is the most bytes of a run KeepShortRuns keeps where a note
// is one plain line.
const ShortRun = 120

// KeepShortRuns keeps the omitted runs of keep of one or two lines of at
// most maxBytes: they read better than a note about them, which costs
// nearly as much. Lines marked in skip (nil for none) are neither kept
// nor part of a run.
func KeepShortRuns(b *lines.Lines, keep, skip []bool, maxBytes int) {
	n := len(keep)
	for i := 0; i < n; {
		if keep[i] || skip != nil && skip[i] {
			i++
			continue
		}
		j := i + 1
		for j < n && !keep[j] && (skip == nil || !skip[j]) {
			j++
		}
		if j-i <= 2 && b.End(j-1)-b.Start[i] <= maxBytes {
			for k := i; k < j; k++ {
				keep[k] = true
			}
		}
		i = j
	}
}

// keepOddLines keeps the few lines of an omitted run that are unlike the
// rest of it: in a run of hundreds of lines of one shape ("=== RUN",
// "--- PASS"), the one message a test printed is the news, and a note
// that says "145 like ..." would hide it.
func (p *plan) keepOddLines() {
	n := len(p.keep)
	for i := 0; i < n; {
		if p.keep[i] {
			i++
			continue
		}
		j := i
		count := map[int32]int{}
		for j < n && !p.keep[j] {
			if id := p.cl.of[j]; id != noCluster {
				count[id]++
			}
			j++
		}
		if j-i >= 10 {
			var top int32 = -1
			total := 0
			for id, c := range count {
				total += c
				if top < 0 || c > count[top] || c == count[top] && id < top {
					top = id
				}
			}
			odd := total - count[top]
			if top >= 0 && odd > 0 && odd <= 3 && count[top]*10 >= total*8 {
				for k := i; k < j; k++ {
					if id := p.cl.of[k]; id != noCluster && id != top && p.cl.size(k) <= 3 && len(p.b.L[k]) <= 300 && !p.demoted[k] {
						p.keep[k] = true
					}
				}
			}
		}
		i = j
	}
}

// render writes the kept lines verbatim and a note for each omitted run.
func (p *plan) render() string {
	p.dropRepeats()
	p.keepShortRuns()
	return Render(p.b, p.keep, func(i, j int) string {
		if p.repeat != nil && p.repeat[i] {
			return lines.Count(j-i, "line", "lines") + " repeated from above"
		}
		whole, part := p.dumpNote(i, j)
		if whole != "" {
			return whole
		}
		return p.describe(i, j) + part
	})
}

// dropRepeats drops runs of at least three kept lines that each repeat,
// byte for byte, a kept line further up (the frames that one stack trace
// shares with the one before it), unless a line of the run is there for
// itself: it names a task term or reports a problem.
func (p *plan) dropRepeats() {
	seen := make(map[string]bool)
	dup := make([]bool, len(p.keep))
	for i, k := range p.keep {
		if !k {
			continue
		}
		l := p.b.L[i]
		// A record's field line is its record's value, however often
		// other records share it ("Not After : ..." of certificates
		// issued together): "repeated from above" would not say which.
		// A field every record prints alike is boilerplate.
		field := p.kv != nil && p.kv.own[i] && p.kv.varies[p.kv.col[i]]
		if len(l) >= 16 && seen[l] && !field && p.sev[i] == lines.NoSignal && !p.ix.Strong(i) && (i == 0 || p.b.L[i-1] != l) {
			dup[i] = true
		}
		seen[l] = true
	}
	for i := 0; i < len(dup); {
		if !dup[i] {
			i++
			continue
		}
		j := i + 1
		for j < len(dup) && dup[j] {
			j++
		}
		if j-i >= 3 {
			if p.repeat == nil {
				p.repeat = make([]bool, len(p.keep))
			}
			for k := i; k < j; k++ {
				p.keep[k] = false
				p.repeat[k] = true
			}
		}
		i = j
	}
}

// Select returns the lines to keep: every must line, then lines with a
// positive priority, highest first (ties in line order), while the kept
// lines fit in budget bytes. A long line that does not fit is skipped so
// that shorter ones still may.
func Select(b *lines.Lines, must []bool, prio []float64, budget int) []bool {
	keep := make([]bool, len(b.L))
	size := 0
	for i, m := range must {
		if m {
			keep[i] = true
			size += len(b.L[i]) + 1
		}
	}
	order := byPriority(prio, keep)
	n := len(b.L)
	for _, i := range order {
		// A line inside an omitted run splits it and costs one more note;
		// one that closes a gap saves one.
		cost := len(b.L[i]) + 1
		before, after := i > 0 && keep[i-1], i+1 < n && keep[i+1]
		switch {
		case !before && !after:
			cost += noteCost
		case before && after:
			cost -= noteCost
		}
		if size+cost > budget {
			continue
		}
		keep[i] = true
		size += cost
	}
	return keep
}

// byPriority returns the lines with a positive priority that are not kept
// yet, highest priority first, ties in line order. It sorts only the top
// of the order exactly: lines are bucketed by priority first, so a block
// of millions of lines costs a linear pass, not a sort.
func byPriority(prio []float64, keep []bool) []int {
	const scale = 8 // buckets per unit of priority
	maxP := 0.0
	n := 0
	for i, v := range prio {
		if v > 0 && !keep[i] {
			maxP = max(maxP, v)
			n++
		}
	}
	if n == 0 {
		return nil
	}
	nb := min(int(maxP*scale)+1, 1<<16)
	bucketOf := func(v float64) int { return min(int(v*scale), nb-1) }
	counts := make([]int, nb+1)
	for i, v := range prio {
		if v > 0 && !keep[i] {
			counts[nb-1-bucketOf(v)+1]++
		}
	}
	for b := 1; b <= nb; b++ {
		counts[b] += counts[b-1]
	}
	order := make([]int, n)
	for i, v := range prio {
		if v > 0 && !keep[i] {
			b := nb - 1 - bucketOf(v)
			order[counts[b]] = i
			counts[b]++
		}
	}
	// Within a bucket, by exact priority (stable, so ties keep line order).
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && bucketOf(prio[order[end]]) == bucketOf(prio[order[start]]) {
			end++
		}
		if end-start > 1 {
			seg := order[start:end]
			slices.SortStableFunc(seg, func(a, c int) int { return cmp.Compare(prio[c], prio[a]) })
		}
		start = end
	}
	return order
}

// noteCost is what one more note costs a budget, in bytes.
const noteCost = 48

// Render writes the kept lines of b verbatim (runs of identical kept lines
// folded losslessly) and, for each run of omitted lines [i, j), the note
// describe returns — or the lines themselves when the note would not be
// shorter.
func Render(b *lines.Lines, keep []bool, describe func(i, j int) string) string {
	var w lines.Writer
	w.Grow(len(b.Text) / 4)
	n := len(b.L)
	for i := 0; i < n; {
		if keep[i] {
			j := i + 1
			for j < n && keep[j] {
				j++
			}
			writeCollapsed(&w, b.L[i:j])
			i = j
			continue
		}
		j := i + 1
		for j < n && !keep[j] {
			j++
		}
		note := describe(i, j)
		if runBytes := b.End(j-1) - b.Start[i]; runBytes <= len(note)+len(lines.NoteOpen)+len(lines.NoteClose)+1 {
			writeCollapsed(&w, b.L[i:j])
		} else {
			w.Note(note)
		}
		i = j
	}
	return w.String(b.FinalNL)
}

// describe says what lines [i, j) held: how many, how many of them were
// blocks like one kept above, the shape most of them share when it tells
// something, and the values of one field that varies among them (each
// name when they are few, counts when they are categories).
func (p *plan) describe(i, j int) string {
	return p.describeLines(i, j) + p.mentions(i, j)
}

// maxMentioned is the most task terms a note counts the mentions of.
const maxMentioned = 2

// mentions counts the omitted lines [i, j) that hold a term of the
// latest request ("; 7 of them mention \"heap\""): a question put in
// other words than the output's, or about more lines than the budget
// holds, then knows that lines it may need are left out, and how many.
// Terms in more than a quarter of the lines tell little and are not
// counted.
func (p *plan) mentions(i, j int) string {
	q := p.in.Query
	if q == nil || p.ix == nil || !p.ix.Any() {
		return ""
	}
	type mention struct {
		term string
		n    int
		w    float64
	}
	var ms []mention
	none := mention{w: -1} // the weightiest term no omitted line holds
	for t := range q.Terms {
		term := &q.Terms[t]
		if !term.Latest || term.Prior < 0.8 || len(term.Text) < 3 {
			continue
		}
		hits, df := p.ix.Hits(t)
		if df == 0 || df*4 > len(p.b.L) || p.mentionedEverywhere(t) {
			continue
		}
		if in := hitsIn(hits, i, j); len(in) > 0 {
			ms = append(ms, mention{term.Text, len(in), p.ix.Weight(t)})
		} else if w := p.ix.Weight(t); w > none.w {
			none = mention{term.Text, 0, w}
		}
	}
	if len(ms) == 0 {
		if q.Intent.Has(relevance.Count) && none.w >= 0 && j-i >= minNoneMentioned {
			// Asked how many, a reader counts the kept lines only if
			// the notes say the omitted ones hold none.
			return "; none mention \"" + none.term + "\""
		}
		return ""
	}
	slices.SortStableFunc(ms, func(a, b mention) int { return cmp.Compare(b.w, a.w) })
	var sb strings.Builder
	for k, m := range ms[:min(len(ms), maxMentioned)] {
		if k == 0 {
			sb.WriteString("; ")
		} else {
			sb.WriteString(", ")
		}
		verb := " mention \""
		switch {
		case m.n == j-i:
			sb.WriteString("all")
		case k == 0:
			sb.WriteString(strconv.Itoa(m.n) + " of them")
		default:
			sb.WriteString(strconv.Itoa(m.n))
		}
		if m.n == 1 && j-i > 1 {
			verb = " mentions \""
		}
		sb.WriteString(verb + m.term + "\"")
	}
	return sb.String()
}

// minNoneMentioned is the fewest omitted lines whose note says, under a
// question for a count, that none of them holds the request's term.
const minNoneMentioned = 10

// maxMentionRuns is the most omitted runs a term is mentioned in: a term
// in more of them (a word of every record) is part of what the runs are,
// and a note per run saying so is noise.
const maxMentionRuns = 12

// mentionedEverywhere reports whether term t is in more than
// maxMentionRuns runs of omitted lines, counted once per plan.
func (p *plan) mentionedEverywhere(t int) bool {
	if p.runsWith == nil {
		p.runsWith = make([]int, len(p.in.Query.Terms))
		for i, j := range OmittedRuns(p.keep) {
			for t := range p.runsWith {
				if hits, _ := p.ix.Hits(t); len(hitsIn(hits, i, j)) > 0 {
					p.runsWith[t]++
				}
			}
		}
	}
	return p.runsWith[t] > maxMentionRuns
}

// hitsIn returns the hits (ascending units) in [i, j).
func hitsIn(hits []int32, i, j int) []int32 {
	lo := sort.Search(len(hits), func(k int) bool { return int(hits[k]) >= i })
	hi := lo + sort.Search(len(hits)-lo, func(k int) bool { return int(hits[lo+k]) >= j })
	return hits[lo:hi]
}

// describeLines says what lines [i, j) held (see describe).
func (p *plan) describeLines(i, j int) string {
	count := 0
	perCluster := map[int32]int{}
	units, inUnits := 0, 0
	var unitGroup int32 = -1
	sameGroup := true
	var headCluster int32 = -1
	for k := i; k < j; k++ {
		id := p.cl.of[k]
		if id == noCluster {
			continue
		}
		count++
		perCluster[id]++
		if p.groupOf[k] >= 0 {
			inUnits++
		}
		if g := p.groupOf[k]; g >= 0 && p.unitStart[k] {
			units++
			if unitGroup >= 0 && unitGroup != g {
				sameGroup = false
			}
			unitGroup = g
			// The headline of the block: its first line that is not a rule.
			h := k
			for h < j-1 && (untitledRule(p.b.L[h]) || p.cl.of[h] == noCluster) {
				h++
			}
			if headCluster < 0 {
				headCluster = p.cl.of[h]
			}
		}
	}
	if count == 0 {
		return lines.Count(j-i, "blank line", "blank lines") + " omitted"
	}
	msg := lines.Count(count, "line", "lines") + " omitted"
	if r := offsetRange(p.b.L[i:j]); r != "" {
		return msg + r
	}
	if units >= 2 && sameGroup {
		msg += ", " + strconv.Itoa(units) + " more blocks like the one above"
		if f := p.fieldValues(i, j, headCluster); f != "" {
			msg += "; " + f
		}
		return msg
	}
	if units >= 2 && inUnits*10 >= count*6 {
		// Blocks of several kinds (each warning of one file): each kind
		// has its exemplar above.
		return msg + ", " + strconv.Itoa(units) + " more blocks like ones above"
	}
	var top int32 = -1
	for id, c := range perCluster {
		if top < 0 || c > perCluster[top] || c == perCluster[top] && id < top {
			top = id
		}
	}
	if top < 0 || perCluster[top] < 2 || perCluster[top]*10 < count*6 {
		return msg + p.rangeOrForm(i, j)
	}
	shaped := false // the note names the omitted lines' shape
	if t := templateText(p.ft, &p.cl.clusters[top], 80); t != "" && informative(&p.cl.clusters[top]) && wordy(t) {
		shaped = true
		if perCluster[top] == count {
			msg = lines.Count(count, "line", "lines") + " like \"" + t + "\" omitted"
		} else {
			msg += ", " + strconv.Itoa(perCluster[top]) + " like \"" + t + "\""
		}
	}
	if f := p.fieldValues(i, j, top); f != "" {
		msg += "; " + f
	} else if !shaped {
		msg += p.rangeOrForm(i, j)
	}
	if r := p.numericRanges(i, j, top); r != "" {
		switch {
		case perCluster[top] == count:
			msg += "; " + r
		case shaped:
			// The range is of the lines like it alone: said so, since
			// another shape's values may lie outside it.
			msg += "; in those, " + r
		}
	}
	return msg
}

// numericRanges gives the range, over the omitted lines [i, j) of cluster
// id, of its varying numeric fields ("field 2: 10391–13844", "took
// 3ms–41ms" for key=value fields): a reader asked for the largest sees
// whether it hides there. At most two fields; none for fewer than six
// lines (three when the task asks for an extreme).
func (p *plan) numericRanges(i, j int, id int32) string {
	if id < 0 {
		return ""
	}
	cl := &p.cl.clusters[id]
	type rng struct {
		lo, hi     float64
		los, his   string
		bad, found bool
	}
	rs := make([]rng, len(cl.tmpl))
	members := 0
	last := -1 // the last member read, whose fields name the ranges
	bad := 0
	for k := i; k < j && bad < len(rs); k++ {
		if p.cl.of[k] != id {
			continue
		}
		last = k
		if p.ft.count(k) != len(cl.tmpl) {
			continue
		}
		members++
		for f := range rs {
			r := &rs[f]
			if r.bad {
				continue
			}
			// Numbers share the masked shape: a numeric field's hash is
			// fixed even where its values vary.
			x, ok := p.ft.number(k, f)
			if !ok {
				r.bad = true
				bad++
				continue
			}
			if !r.found || x < r.lo {
				r.lo, r.los = x, lines.TrimPunct(valueOf(p.ft.field(k, f)))
			}
			if !r.found || x > r.hi {
				r.hi, r.his = x, lines.TrimPunct(valueOf(p.ft.field(k, f)))
			}
			r.found = true
		}
	}
	if members < 3 || members < 6 && p.in.Query.Intent&relevance.Extremes == 0 {
		return ""
	}
	var parts []string
	for f := range rs {
		r := &rs[f]
		if r.bad || !r.found || r.hi <= r.lo || len(parts) == 2 {
			continue
		}
		name := "field " + strconv.Itoa(f+1) + ":"
		if last >= 0 && p.ft.count(last) == len(rs) {
			if v := p.ft.field(last, f); valueOf(v) != v {
				name = v[:len(v)-len(valueOf(v))-1]
			}
		}
		parts = append(parts, name+" "+r.los+"–"+r.his)
	}
	return strings.Join(parts, "; ")
}

// nameRange names the first and last of omitted lines [i, j) when they
// are a run of short names (one token a line): where in a sorted list the
// gap sits, and what the last name hidden there is.
// offsetRange names the first and last offsets of lines that each start
// with a larger hex offset than the one before ("00000040: … 00000410:"
// of a hex dump): what a reader of a dump looks for is where the omitted
// bytes lie, not which byte values they held. "" for any other lines.
func offsetRange(ls []string) string {
	if len(ls) < 2 {
		return ""
	}
	var first, last string
	prev := int64(-1)
	for _, l := range ls {
		f, _, _ := strings.Cut(strings.TrimLeft(l, " \t"), " ")
		off := strings.TrimSuffix(f, ":")
		if len(off) < 4 || len(off) > 16 {
			return ""
		}
		v, err := strconv.ParseInt(off, 16, 64)
		if err != nil || v <= prev {
			return ""
		}
		if first == "" {
			first = f
		}
		prev, last = v, f
	}
	return ": " + first + " … " + last
}

func (p *plan) nameRange(i, j int) string {
	const maxName = 32
	if j-i < 3 {
		return ""
	}
	first, last := lines.Token(p.b.L[i]), lines.Token(p.b.L[j-1])
	if first == "" || last == "" || len(first) > maxName || len(last) > maxName {
		return ""
	}
	for k := i + 1; k < j-1; k++ {
		if lines.Token(p.b.L[k]) == "" {
			return ""
		}
	}
	return ": " + first + " … " + last
}

// rangeOrForm names the first and last of omitted names, or else the form
// the omitted lines share.
func (p *plan) rangeOrForm(i, j int) string {
	if r := p.nameRange(i, j); r != "" {
		return r
	}
	return p.sharedForm(i, j) + keyRange(p.b.L[i:j])
}

// keyRange names the first and last keys of lines sorted by their first
// field ("net.core.busy_poll … net.core.wmem_max" of a settings dump): what
// a sorted run holds lies between them, so a reader can tell whether a key
// it looks for was omitted. "" when the lines are not so sorted.
func keyRange(ls []string) string {
	const maxKey = 48
	if len(ls) < 3 {
		return ""
	}
	var first, prev string
	for _, l := range ls {
		k := firstField(l)
		if k == "" || len(k) > maxKey || k <= prev || !strings.ContainsAny(k, "._/-:") || !strings.ContainsFunc(k, unicode.IsLetter) {
			return ""
		}
		if first == "" {
			first = k
		}
		prev = k
	}
	return ": " + first + " … " + prev
}

// firstField returns l's first blank-separated field.
func firstField(l string) string {
	l = strings.TrimLeft(l, " \t")
	if i := strings.IndexAny(l, " \t"); i >= 0 {
		return l[:i]
	}
	return l
}

// sharedForm describes the form every omitted line of [i, j) shares, the
// prefix and suffix they all have (", all like \"./…: OK\""): a reader
// told the whole run has one form knows no odd line hides in it. Empty
// when the lines share no word.
func (p *plan) sharedForm(i, j int) string {
	const maxAffix = 40
	var vs []string
	for k := i; k < j; k++ {
		if !lines.Blank(p.b.L[k]) {
			vs = append(vs, strings.TrimSpace(p.b.L[k]))
		}
	}
	if len(vs) < 3 {
		return ""
	}
	pre, suf := commonAffixes(vs)
	// Cut at field boundaries: a shared "./e" of "./email", "./enum" says
	// nothing.
	if k := strings.LastIndexAny(pre, " /:=.,"); k >= 0 {
		pre = pre[:k+1]
	} else {
		pre = ""
	}
	if k := strings.IndexAny(suf, " /:=.,"); k >= 0 {
		suf = suf[k:]
	} else {
		suf = ""
	}
	if len(pre) > maxAffix || len(suf) > maxAffix || !wordy(pre+suf) {
		return ""
	}
	return ", all like \"" + pre + "…" + suf + "\""
}

// wordy reports whether a template shows at least one word (a run of two
// letters): "# # … …" (numbers and varying fields only) shows a reader
// nothing, and reads as data.
func wordy(t string) bool {
	run := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			if run++; run >= 2 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// informative reports whether a cluster's template says something: at
// least two of its fields, and two fifths of them, are fixed words.
func informative(cl *cluster) bool {
	fixed := 0
	for _, h := range cl.tmpl {
		if h != 0 {
			fixed++
		}
	}
	return fixed >= 2 && fixed*5 >= len(cl.tmpl)*2
}

// fieldValues describes one varying field of the lines of cluster id in
// [i, j): every value when each line has its own and they are few and
// short (the names a reader may look for), else the counts of a
// categorical field, else nothing.
func (p *plan) fieldValues(i, j int, id int32) string {
	if id < 0 {
		return ""
	}
	cl := &p.cl.clusters[id]
	vals := make([]fieldNames, len(cl.tmpl))
	var wild []int // the template's varying fields
	for f, h := range cl.tmpl {
		if h == 0 {
			wild = append(wild, f)
		}
	}
	members := 0
	for k := i; k < j; k++ {
		if p.cl.of[k] != id {
			continue
		}
		members++
		n := p.ft.count(k)
		for _, f := range wild {
			if f >= n {
				break
			}
			v := p.ft.field(k, f)
			fv := &vals[f]
			if fv.many {
				continue
			}
			if fv.counts == nil {
				fv.counts = map[string]int{}
			}
			if _, ok := fv.counts[v]; !ok {
				if len(fv.counts) == 64 {
					fv.many = true
					continue
				}
				fv.order = append(fv.order, v)
				fv.size += len(v) + 2
			}
			fv.counts[v]++
		}
	}
	if members < 2 {
		return ""
	}
	// A source location differs on every line of a diagnostics run:
	// the names that vary with it say more ('set' ×5), so it is named
	// only when no other field is.
	if s := namesOf(vals, members, false, p.lean); s != "" {
		return s
	}
	for f := range vals {
		fv := &vals[f]
		if fv.many || len(fv.order) < 2 || len(fv.order) > 6 || members < 4 || fv.size > 120 {
			continue
		}
		parts := make([]string, len(fv.order))
		for k, v := range fv.order {
			parts[k] = v + " ×" + strconv.Itoa(fv.counts[v])
		}
		if p.lean && len(parts) > leanNames {
			return strings.Join(parts[:leanNames], ", ") + " and " + strconv.Itoa(len(parts)-leanNames) + " more"
		}
		return strings.Join(parts, ", ")
	}
	return namesOf(vals, members, true, p.lean)
}

// fieldNames are the distinct values of one field over a run's lines, in
// order, and their total size.
type fieldNames struct {
	order  []string
	counts map[string]int
	size   int
	many   bool
}

// namesOf names the values of the first field of vals where each of the
// members has its own (see fieldValues); location fields only when
// locations is set, others only when it is not; at most leanNames of
// them when lean.
func namesOf(vals []fieldNames, members int, locations, lean bool) string {
	const maxLen = 400
	for f := range vals {
		fv := &vals[f]
		if fv.many || len(fv.order) != members || lines.SourceLocation(fv.order[0]) != locations {
			continue
		}
		if lean && len(fv.order) > leanNames {
			return "they name " + strings.Join(fv.order[:leanNames], ", ") + " and " + strconv.Itoa(len(fv.order)-leanNames) + " more"
		}
		if fv.size <= maxLen {
			return "they name " + strings.Join(fv.order, ", ")
		}
		// Long names that share a prefix and a suffix: name the parts
		// that differ.
		pre, suf := commonAffixes(fv.order)
		pre, suf = partAffixes(fv.order, pre, suf)
		if len(pre)+len(suf) >= 4 && fv.size-len(fv.order)*(len(pre)+len(suf)) <= maxLen {
			mids := make([]string, len(fv.order))
			for k, v := range fv.order {
				mids[k] = v[len(pre) : len(v)-len(suf)]
			}
			return "they name " + pre + "…" + suf + " for " + strings.Join(mids, ", ")
		}
	}
	return ""
}

// partAffixes shortens the shared prefix and suffix of names vs to
// whole name parts, so that what is left of each name starts and ends a
// part: "SSL_…" over "SSL_CONF_x" and "SSL_CTX_y", not "SSL_C…" for
// "ONF_x", which reads as another name; "TestServe…" for "Export".
func partAffixes(vs []string, pre, suf string) (string, string) {
	p := len(pre)
	for p > 0 && slices.ContainsFunc(vs, func(v string) bool { return !partBoundary(v, p, true) }) {
		p--
	}
	s := len(suf)
	for s > 0 && slices.ContainsFunc(vs, func(v string) bool { return !partBoundary(v, len(v)-s, false) }) {
		s--
	}
	return pre[:p], suf[len(suf)-s:]
}

// partBoundary reports whether offset k of v lies between name parts: an
// upper-case letter after a lower-case one or a digit, or a separator
// just before k (after a prefix) or at k (the start of a suffix).
func partBoundary(v string, k int, afterPrefix bool) bool {
	if k <= 0 || k >= len(v) {
		return true
	}
	a, b := v[k-1], v[k]
	const seps = "_./-:@ =,;"
	if afterPrefix && strings.IndexByte(seps, a) >= 0 || !afterPrefix && strings.IndexByte(seps, b) >= 0 {
		return true
	}
	return (a >= 'a' && a <= 'z' || a >= '0' && a <= '9') && b >= 'A' && b <= 'Z'
}

// commonAffixes returns the longest prefix and suffix all of vs share
// (not overlapping in the shortest).
func commonAffixes(vs []string) (pre, suf string) {
	pre, suf = vs[0], vs[0]
	shortest := len(vs[0])
	for _, v := range vs[1:] {
		shortest = min(shortest, len(v))
		for !strings.HasPrefix(v, pre) {
			pre = pre[:len(pre)-1]
		}
		for !strings.HasSuffix(v, suf) {
			suf = suf[1:]
		}
	}
	if len(pre)+len(suf) > shortest {
		suf = suf[len(pre)+len(suf)-shortest:]
	}
	return pre, suf
}

// hasExit reports whether l says "exit" in any case.
func hasExit(l string) bool {
	start, _ := lines.IndexFold(l, "exit")
	return start >= 0
}
