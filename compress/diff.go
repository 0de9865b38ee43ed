package compress

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Unified diffs: git diff, git show, git log -p, diff -u.

// diffRole classifies one line of a diff.
type diffRole uint8

const (
	diffOther     diffRole = iota // text outside any file diff (log --oneline, stat)
	diffCommit                    // a commit header block of git log / git show
	diffFile                      // diff --git, index, mode, rename, ---/+++ lines
	diffHunk                      // @@ -a,b +c,d @@
	diffAdded                     // '+' line in a hunk
	diffRemoved                   // '-' line in a hunk
	diffContext                   // ' ' line in a hunk (or an empty one)
	diffNoNewline                 // "\ No newline at end of file"
	diffBinary                    // a GIT binary patch body
)

// parseHunkHeader reads the line counts of "@@ -a,b +c,d @@": how many
// old and new lines the hunk holds. ok is false when l is not one.
func parseHunkHeader(l string) (oldN, newN int, ok bool) {
	if !strings.HasPrefix(l, "@@ -") {
		return 0, 0, false
	}
	rest := l[len("@@ -"):]
	oldN, rest, ok = hunkRange(rest)
	if !ok || !strings.HasPrefix(rest, " +") {
		return 0, 0, false
	}
	newN, rest, ok = hunkRange(rest[2:])
	if !ok || !strings.HasPrefix(rest, " @@") {
		return 0, 0, false
	}
	return oldN, newN, true
}

// hunkRange parses "a,b" or "a" (b defaults to 1) and returns b.
func hunkRange(s string) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && isDigitByte(s[i]) {
		i++
	}
	if i == 0 {
		return 0, s, false
	}
	if i < len(s) && s[i] == ',' {
		j := i + 1
		for j < len(s) && isDigitByte(s[j]) {
			j++
		}
		if j == i+1 {
			return 0, s, false
		}
		n, err := strconv.Atoi(s[i+1 : j])
		if err != nil {
			return 0, s, false
		}
		return n, s[j:], true
	}
	return 1, s[i:], true
}

// fileHeaderLine reports the git extended header lines that sit between
// "diff --git" and the first hunk.
func fileHeaderLine(l string) bool {
	for _, p := range [...]string{"index ", "new file mode", "deleted file mode", "old mode", "new mode",
		"similarity index", "dissimilarity index", "rename from", "rename to", "copy from", "copy to",
		"--- ", "+++ ", "Binary files "} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// isCommitLine reports "commit <hex>" (with optional decorations).
func isCommitLine(l string) bool {
	if !strings.HasPrefix(l, "commit ") {
		return false
	}
	h, _ := nextField(l[len("commit "):])
	if len(h) < 7 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if !isHexByte(h[i]) {
			return false
		}
	}
	return true
}

// classifyDiff assigns a role to every line. Hunk bodies are delimited by
// the counts in their headers, so "--- a/x" after a hunk is a header and
// not a removed line.
func classifyDiff(lines []string) []diffRole {
	roles := make([]diffRole, len(lines))
	oldLeft, newLeft := 0, 0
	inCommit, inBinary := false, false
	for i, l := range lines {
		if oldLeft > 0 || newLeft > 0 {
			switch {
			case strings.HasPrefix(l, "+"):
				roles[i] = diffAdded
				newLeft--
				continue
			case strings.HasPrefix(l, "-"):
				roles[i] = diffRemoved
				oldLeft--
				continue
			case strings.HasPrefix(l, " ") || l == "":
				roles[i] = diffContext
				oldLeft--
				newLeft--
				continue
			case strings.HasPrefix(l, "\\"):
				roles[i] = diffNoNewline
				continue
			}
			// The hunk ended early (a truncated or hand-edited diff).
			oldLeft, newLeft = 0, 0
		}
		if strings.HasPrefix(l, "\\ ") {
			roles[i] = diffNoNewline
			continue
		}
		if o, n, ok := parseHunkHeader(l); ok {
			roles[i] = diffHunk
			oldLeft, newLeft = o, n
			inCommit, inBinary = false, false
			continue
		}
		switch {
		case strings.HasPrefix(l, "diff --git ") || strings.HasPrefix(l, "diff --cc ") || strings.HasPrefix(l, "diff -"):
			roles[i] = diffFile
			inCommit, inBinary = false, false
		case isCommitLine(l):
			roles[i] = diffCommit
			inCommit, inBinary = true, false
		case inCommit:
			roles[i] = diffCommit
		case l == "GIT binary patch":
			roles[i] = diffFile
			inBinary = true
		case inBinary:
			roles[i] = diffBinary
		case fileHeaderLine(l):
			roles[i] = diffFile
		default:
			roles[i] = diffOther
		}
	}
	return roles
}

// looksLikeDiff reports whether text holds a unified diff: a hunk header
// with its body, under a "diff" line or a "---"/"+++" pair.
func looksLikeDiff(text string) bool {
	sample := text
	if len(sample) > 256<<10 {
		sample = sample[:256<<10]
	}
	headers, hunks := 0, 0
	prev := ""
	for rest := sample; rest != ""; {
		var l string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			l, rest = rest, ""
		}
		switch {
		case strings.HasPrefix(l, "diff --git ") || strings.HasPrefix(l, "+++ ") && strings.HasPrefix(prev, "--- "):
			headers++
		case strings.HasPrefix(l, "@@ -"):
			if _, _, ok := parseHunkHeader(l); ok {
				hunks++
			}
		}
		if headers > 0 && hunks > 0 {
			return true
		}
		prev = l
	}
	return false
}

// generatedPath reports files whose diffs are machine-made: lockfiles,
// checksums, minified or generated code, vendored trees.
func generatedPath(path string) bool {
	base := path[strings.LastIndexByte(path, '/')+1:]
	switch base {
	case "go.sum", "yarn.lock", "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "Cargo.lock",
		"Gemfile.lock", "poetry.lock", "Pipfile.lock", "composer.lock", "flake.lock", "go.work.sum", "mix.lock",
		"pubspec.lock", "Podfile.lock", "packages.lock.json", "uv.lock", "bun.lockb":
		return true
	}
	for _, suf := range [...]string{".min.js", ".min.css", ".map", ".pb.go", "_pb2.py", ".pb.cc", ".pb.h", ".lock", ".snap"} {
		if strings.HasSuffix(base, suf) {
			return true
		}
	}
	return strings.HasPrefix(base, "zz_generated") || strings.HasPrefix(path, "vendor/") || strings.Contains(path, "/vendor/") ||
		strings.Contains(path, "node_modules/")
}

// diffPath returns the b/ path of a "diff --git a/x b/x" line, or the
// path of "+++ b/x" ("" if neither).
func diffPath(l string) string {
	switch {
	case strings.HasPrefix(l, "diff --git "):
		if i := strings.LastIndex(l, " b/"); i >= 0 {
			return l[i+3:]
		}
	case strings.HasPrefix(l, "+++ "):
		p := strings.TrimPrefix(l[4:], "b/")
		if i := strings.IndexByte(p, '\t'); i >= 0 {
			p = p[:i]
		}
		return p
	}
	return ""
}

// diffParams are the sizes the diff compressor works with.
type diffParams struct {
	context int // unchanged lines kept on each side of a change
	maxRun  int // longer runs of added or removed lines are cut
	runHead int // lines kept at the start of a cut run
	runTail int // ... and at its end
	message int // commit message lines kept (the subject first)
	budget  int // bytes above which unrelated files are summarized
}

func newDiffParams(h *hints, size int) diffParams {
	p := diffParams{context: 1, maxRun: 120, runHead: 40, runTail: 20, message: 3, budget: 16<<10 + size/10}
	if h != nil && h.aggressive {
		p = diffParams{context: 0, maxRun: 40, runHead: 15, runTail: 5, message: 1, budget: 8<<10 + size/20}
	}
	if h != nil && h.keepRatio > 0 {
		p.context = max(p.context, int(h.keepRatio*6))
		p.maxRun = max(p.maxRun, int(h.keepRatio*400))
		// Folding whole files is for large diffs; a target only moves
		// the bar up.
		p.budget = max(p.budget, int(h.keepRatio*float64(size)))
	}
	return p
}

// compressDiff compresses unified diffs and git log -p output.
//
// Kept verbatim: commit headers and messages, diff --git and the other file
// headers, hunk headers, changed lines, and every line with an error
// signal or a task term. Trimmed: unchanged context lines beyond one on
// each side of a change (one note at the top counts them); the middle of
// very long runs of added or removed lines (a file dumped whole) and the
// hunks of lockfiles and generated files, each replaced by a note in
// place saying what was omitted.
func compressDiff(text string, h *hints) (string, bool) {
	if text == "" {
		return "", false
	}
	b := splitBlock(text)
	lines := b.lines
	roles := classifyDiff(lines)
	must := make([]bool, len(lines))
	b.markSignals(must)
	var terms []string
	if h != nil {
		terms = splitCompoundTerms(h.taskTerms)
	}
	termLines := b.markTerms(terms, termLimit(len(lines)), must)
	p := newDiffParams(h, len(text))
	secs, secOf := diffSections(lines, roles)

	// What a diff is for: headers, hunk headers and changed lines.
	keep := make([]bool, len(lines))
	for i, r := range roles {
		keep[i] = must[i] || r != diffContext && r != diffBinary
	}
	// Context: p.context lines next to each change.
	for i, r := range roles {
		if r != diffContext || keep[i] {
			continue
		}
		for d := 1; d <= p.context; d++ {
			if k := i - d; k >= 0 && (roles[k] == diffAdded || roles[k] == diffRemoved) {
				keep[i] = true
			}
			if k := i + d; k < len(lines) && (roles[k] == diffAdded || roles[k] == diffRemoved) {
				keep[i] = true
			}
		}
	}
	// Long runs of one kind of change (a file dumped whole): their ends.
	cut := make([]bool, len(lines))
	for i := 0; i < len(lines); {
		r := roles[i]
		end := i + 1
		for end < len(lines) && roles[end] == r {
			end++
		}
		if (r == diffAdded || r == diffRemoved) && end-i > p.maxRun {
			for k := i + p.runHead; k < end-p.runTail; k++ {
				if !must[k] {
					keep[k] = false
					cut[k] = true
				}
			}
		}
		i = end
	}
	trimMessages(lines, roles, must, keep, p.message)

	// Lockfiles and generated files are folded; then, while the diff is
	// over budget, the files least related to the task.
	for k := range secs {
		if secs[k].generated {
			foldSection(lines, roles, must, keep, &secs[k])
		}
	}
	summarizeUnrelated(b, roles, keep, secs, secOf, termLines, p.budget, func(s *diffSection) {
		foldSection(lines, roles, must, keep, s)
	})

	contextOmitted := 0
	for i, r := range roles {
		if r == diffContext && !keep[i] && (secOf[i] < 0 || secs[secOf[i]].fold == foldNone) {
			contextOmitted++
		}
	}
	var o lineOut
	o.sb.Grow(len(text) / 2)
	if contextOmitted > 0 {
		o.line("[... " + plural(contextOmitted, "unchanged context line", "unchanged context lines") +
			" omitted; hunk headers keep the original ranges ...]")
	}
	for i := 0; i < len(lines); {
		switch {
		case keep[i]:
			o.line(lines[i])
			i++
		case secOf[i] >= 0 && secs[secOf[i]].fold != foldNone:
			// The rest of a folded file: one note, then what must stay.
			s := &secs[secOf[i]]
			var c changeCount
			for k := i; k < s.end; k++ {
				if !keep[k] {
					c.add(roles[k])
				}
			}
			o.line(c.note(s.fold))
			for k := i; k < s.end; k++ {
				if keep[k] {
					o.line(lines[k])
				}
			}
			i = s.end
		case roles[i] == diffCommit:
			end := i
			for end < len(lines) && roles[end] == diffCommit && !keep[end] {
				end++
			}
			o.line("    [... " + plural(end-i, "more line", "more lines") + " of the commit message omitted ...]")
			i = end
		case cut[i]:
			end := i
			var c changeCount
			for end < len(lines) && cut[end] {
				c.add(roles[end])
				end++
			}
			o.line(c.note(foldNone))
			i = end
		default:
			i++ // an unchanged context line, counted in the note at the top
		}
	}
	return shorter(o.finish(b.finalNL), text)
}

// Why a file's hunks are folded into one note.
const (
	foldNone      = iota
	foldGenerated // a lockfile or generated file
	foldUnrelated // the diff was over budget and the file unrelated to the task
)

// summarizeUnrelated shrinks a diff that is still larger than budget
// bytes; termLines are the lines each task term marked. File diffs are folded one by one, those that have least to do
// with the task first and, among equals, the biggest first, until the rest
// fits. A file's relatedness is the sum, over the task terms it mentions,
// of how rare each term is among the files (an inverse document
// frequency), so the file with the one rare term stays longest. Headers
// stay, so every changed file is still named.
func summarizeUnrelated(b *blockLines, roles []diffRole, keep []bool, secs []diffSection, secOf []int, termLines [][]int, budget int, fold func(*diffSection)) {
	lines := b.lines
	total := 0
	for i, l := range lines {
		if keep[i] {
			total += len(l) + 1
		}
	}
	if total <= budget || len(secs) == 0 {
		return
	}
	for k := range secs {
		s := &secs[k]
		for i := s.start; i < s.end; i++ {
			if keep[i] && roles[i] != diffFile {
				s.size += len(lines[i]) + 1
			}
		}
	}
	in := make([]int, 0, 16) // sections a term appears in
	for _, hits := range termLines {
		in = in[:0]
		for _, li := range hits {
			if s := secOf[li]; s >= 0 && (len(in) == 0 || in[len(in)-1] != s) {
				in = append(in, s)
			}
		}
		if len(in) == 0 {
			continue
		}
		idf := math.Log(1 + float64(len(secs))/float64(len(in)))
		for _, s := range in {
			secs[s].score += idf
		}
	}
	// Scores and sizes do not change while others fold: one ordering.
	order := make([]int, 0, len(secs))
	for k, s := range secs {
		if s.size > 0 && s.fold == foldNone {
			order = append(order, k)
		}
	}
	sort.SliceStable(order, func(x, y int) bool {
		a, b := &secs[order[x]], &secs[order[y]]
		if a.score != b.score {
			return a.score < b.score
		}
		return a.size > b.size
	})
	for _, k := range order {
		if total <= budget {
			return
		}
		s := &secs[k]
		before := 0
		for i := s.start; i < s.end; i++ {
			if keep[i] {
				before += len(lines[i]) + 1
			}
		}
		fold(s)
		after := 60 // its note
		for i := s.start; i < s.end; i++ {
			if keep[i] {
				after += len(lines[i]) + 1
			}
		}
		total += after - before
	}
}

// diffSection is one file's diff: its header lines and hunks.
type diffSection struct {
	start, end int     // line range
	generated  bool    // a lockfile or generated file (by its path)
	fold       int     // foldNone, foldGenerated or foldUnrelated
	score      float64 // how much it has to do with the task
	size       int     // bytes of its hunks kept so far
}

// diffSections finds the file diffs: from a "diff" line (or a ---/+++
// pair without one) to the next file, commit or other text. secOf maps
// each line to its section, -1 outside any.
func diffSections(lines []string, roles []diffRole) ([]diffSection, []int) {
	var secs []diffSection
	secOf := make([]int, len(lines))
	for i := range secOf {
		secOf[i] = -1
	}
	for i := 0; i < len(lines); {
		if roles[i] != diffFile || i > 0 && roles[i-1] == diffFile {
			i++
			continue
		}
		end := i + 1
		path := diffPath(lines[i])
		for end < len(lines) && roles[end] != diffCommit && roles[end] != diffOther &&
			!(roles[end] == diffFile && roles[end-1] != diffFile) {
			if path == "" {
				path = diffPath(lines[end])
			}
			end++
		}
		for k := i; k < end; k++ {
			secOf[k] = len(secs)
		}
		secs = append(secs, diffSection{start: i, end: end, generated: path != "" && generatedPath(path)})
		i = end
	}
	return secs, secOf
}

// foldSection drops a file's hunks and its index and ---/+++ lines (the
// diff --git line names it), except must-keep lines.
func foldSection(lines []string, roles []diffRole, must, keep []bool, s *diffSection) {
	s.fold = foldUnrelated
	if s.generated {
		s.fold = foldGenerated
	}
	for k := s.start; k < s.end; k++ {
		if must[k] {
			continue
		}
		l := lines[k]
		if roles[k] != diffFile || strings.HasPrefix(l, "index ") || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "+++ ") {
			if k > s.start || !strings.HasPrefix(l, "diff ") {
				keep[k] = false
			}
		}
	}
	s.size = 0
}

// changeCount tallies omitted diff lines by role.
type changeCount struct{ hunks, added, removed, context, other int }

func (c *changeCount) add(r diffRole) {
	switch r {
	case diffHunk:
		c.hunks++
	case diffAdded:
		c.added++
	case diffRemoved:
		c.removed++
	case diffContext:
		c.context++
	default:
		c.other++
	}
}

// note describes the omitted lines in place: "[... 120 added lines
// omitted ...]" for a cut run, "[... file diff omitted: 3 hunks, +40 -12
// lines ...]" for a folded file (whose index and ---/+++ lines, implied,
// go too).
func (c *changeCount) note(fold int) string {
	if fold == foldNone {
		var parts []string
		if c.added > 0 {
			parts = append(parts, plural(c.added, "added line", "added lines"))
		}
		if c.removed > 0 {
			parts = append(parts, plural(c.removed, "removed line", "removed lines"))
		}
		if c.context > 0 || c.hunks > 0 || c.other > 0 {
			parts = append(parts, plural(c.context+c.hunks+c.other, "other line", "other lines"))
		}
		return "[... " + strings.Join(parts, ", ") + " omitted ...]"
	}
	what := "file diff omitted: "
	if fold == foldGenerated {
		what = "lockfile/generated diff omitted: "
	}
	return "[... " + what + plural(c.hunks, "hunk", "hunks") + ", +" + strconv.Itoa(c.added) + " -" + strconv.Itoa(c.removed) + " lines ...]"
}

// trimMessages keeps the first lines of each commit message (its subject
// first) and drops the rest of a long one. The commit, Author and Date
// lines and must-keep lines always stay.
func trimMessages(lines []string, roles []diffRole, must, keep []bool, maxLines int) {
	for i := 0; i < len(lines); {
		if roles[i] != diffCommit {
			i++
			continue
		}
		end := i + 1
		for end < len(lines) && roles[end] == diffCommit && !isCommitLine(lines[end]) {
			end++
		}
		msg := 0
		for k := i; k < end; k++ {
			if strings.HasPrefix(lines[k], "    ") {
				msg++
				if msg > maxLines && !must[k] {
					keep[k] = false
				}
			}
		}
		i = end
	}
}
