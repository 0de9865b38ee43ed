package diff

import (
	"strconv"
	"strings"
	"time"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// The structure of a block of diffs: a flat list of parts that partition
// its lines, and the commits, files and hunks they make up.

// partKind tells what a part of the block is.
type partKind uint8

const (
	// partOther is text outside any commit, file or hunk: a preamble, a
	// mail signature, output of another command.
	partOther partKind = iota
	// partCommit is one commit's header (the commit or mail "From " line,
	// Author, Date, ...), its message and what follows the message before
	// the first file diff (a --stat block, a name list).
	partCommit
	// partFile is a file diff's header: diff --git and the extended header
	// lines (index, mode, rename, similarity), ---/+++.
	partFile
	// partHunk is one hunk: its @@ header and its body (counted by the
	// header's ranges), or a GIT binary patch body.
	partHunk
)

// part is a run of lines [from, to) of one kind.
type part struct {
	kind     partKind
	from, to int
	// commit and file are the indexes of the commit and file the part
	// belongs to, -1 for none.
	commit, file int32
}

// commit is one commit (or patch mail) of a log.
type commit struct {
	part int // its partCommit
	// hashLine is the line with the commit's hash ("commit <hash>",
	// "From <hash> ..."), subject the first line of its message (-1 if
	// none).
	hashLine, subject int
	hash              string
	// msgFrom, msgTo bound the message lines; tailFrom, tailTo what comes
	// after the message (stat lines) up to the first file diff.
	msgFrom, msgTo   int
	tailFrom, tailTo int
	files            []int
	// parts are the indexes of every part of the commit after its own
	// (files, hunks, other text), in order.
	parts []int
}

// file is one file diff.
type file struct {
	part  int // its partFile; -1 for hunks without a header
	path  string
	hunks []int // part indexes
}

// hunk tallies one hunk.
type hunk struct {
	part       int
	add, del   int
	incomplete bool // the body ended before its header's counts
}

// doc is a parsed block.
type doc struct {
	b       *lines.Lines
	parts   []part
	commits []commit
	files   []file
	hunks   []hunk
	// hunkOf maps a part index to its index in hunks (-1 for others).
	hunkOf []int32
}

// parse splits b into parts. It never fails: what it does not recognise is
// other text.
func parse(b *lines.Lines) *doc {
	d := &doc{b: b}
	ls := b.L
	n := len(ls)
	curCommit, curFile := int32(-1), int32(-1)
	add := func(kind partKind, from, to int) int {
		// Other text directly after other text (of the same commit) joins it.
		if kind == partOther && len(d.parts) > 0 {
			last := &d.parts[len(d.parts)-1]
			if last.kind == partOther && last.to == from && last.commit == curCommit {
				last.to = to
				return len(d.parts) - 1
			}
		}
		d.parts = append(d.parts, part{kind: kind, from: from, to: to, commit: curCommit, file: curFile})
		idx := len(d.parts) - 1
		if kind != partCommit && curCommit >= 0 {
			c := &d.commits[curCommit]
			c.parts = append(c.parts, idx)
		}
		return idx
	}
	for i := 0; i < n; {
		l := ls[i]
		switch {
		case isHunkHeader(l):
			if curFile < 0 {
				// Hunks without a file header (a pasted fragment) make a
				// file of their own.
				curFile = int32(len(d.files))
				d.files = append(d.files, file{part: -1})
				if curCommit >= 0 {
					c := &d.commits[curCommit]
					c.files = append(c.files, int(curFile))
				}
			}
			end, h := hunkEnd(ls, i)
			idx := add(partHunk, i, end)
			h.part = idx
			d.hunks = append(d.hunks, h)
			d.files[curFile].hunks = append(d.files[curFile].hunks, idx)
			i = end
		case l == "GIT binary patch" && curFile >= 0:
			end := binaryEnd(ls, i)
			idx := add(partHunk, i, end)
			d.hunks = append(d.hunks, hunk{part: idx})
			f := &d.files[curFile]
			f.hunks = append(f.hunks, idx)
			i = end
		case startsFile(ls, i):
			end := fileHeaderEnd(ls, i)
			curFile = int32(len(d.files))
			idx := add(partFile, i, end)
			d.files = append(d.files, file{part: idx, path: filePath(ls[i:end])})
			if curCommit >= 0 {
				c := &d.commits[curCommit]
				c.files = append(c.files, int(curFile))
			}
			i = end
		case commitAt(ls, i) != "":
			curFile = -1
			curCommit = int32(len(d.commits))
			c := commit{hashLine: i, hash: commitAt(ls, i), subject: -1}
			end := d.commitEnd(ls, i, &c)
			d.parts = append(d.parts, part{kind: partCommit, from: i, to: end, commit: curCommit, file: -1})
			c.part = len(d.parts) - 1
			d.commits = append(d.commits, c)
			i = end
		default:
			// Other text ends the current file: what follows it is not
			// part of that file's diff.
			curFile = -1
			add(partOther, i, i+1)
			i++
		}
	}
	d.hunkOf = make([]int32, len(d.parts))
	for i := range d.hunkOf {
		d.hunkOf[i] = -1
	}
	for hi, h := range d.hunks {
		d.hunkOf[h.part] = int32(hi)
	}
	return d
}

// isHunkHeader reports a unified hunk header "@@ -a,b +c,d @@" or a
// combined one ("@@@ -a,b -c,d +e,f @@@").
func isHunkHeader(l string) bool {
	if strings.HasPrefix(l, "@@ -") {
		_, _, ok := hunkCounts(l)
		return ok
	}
	return strings.HasPrefix(l, "@@@") && strings.Contains(l[3:], " @@@")
}

// hunkCounts reads the old and new line counts of "@@ -a,b +c,d @@".
func hunkCounts(l string) (oldN, newN int, ok bool) {
	rest, found := strings.CutPrefix(l, "@@ -")
	if !found {
		return 0, 0, false
	}
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

// hunkRange parses "a,b" or "a" (b is then 1) and returns b.
func hunkRange(s string) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && lines.IsDigit(s[i]) {
		i++
	}
	if i == 0 || i > 10 {
		return 0, s, false
	}
	if i == len(s) || s[i] != ',' {
		return 1, s[i:], true
	}
	j := i + 1
	for j < len(s) && lines.IsDigit(s[j]) {
		j++
	}
	if j == i+1 || j-i > 11 {
		return 0, s, false
	}
	n, err := strconv.Atoi(s[i+1 : j])
	if err != nil {
		return 0, s, false
	}
	return n, s[j:], true
}

// hunkEnd returns the end of the hunk whose header is line i: its body is
// as many lines as the header's counts say (a "\ No newline" marker
// included), or, for combined hunks and bodies cut short, the run of lines
// that read as body lines.
func hunkEnd(ls []string, i int) (int, hunk) {
	var h hunk
	oldLeft, newLeft, counted := hunkCounts(ls[i])
	j := i + 1
	if !counted {
		// Combined diff: as many prefix columns as '@' minus one.
		cols := strings.IndexFunc(ls[i], func(r rune) bool { return r != '@' }) - 1
		for j < len(ls) && combinedBody(ls[j], cols) {
			if strings.Contains(ls[j][:min(cols, len(ls[j]))], "+") {
				h.add++
			} else if strings.Contains(ls[j][:min(cols, len(ls[j]))], "-") {
				h.del++
			}
			j++
		}
		return j, h
	}
	for j < len(ls) && (oldLeft > 0 || newLeft > 0) {
		l := ls[j]
		switch {
		case l == "" || l[0] == ' ' || l == "\r":
			// An empty line is a context line whose space an editor or
			// a mail client stripped.
			oldLeft--
			newLeft--
		case l[0] == '-':
			oldLeft--
			h.del++
		case l[0] == '+':
			newLeft--
			h.add++
		case l[0] == '\\':
		default:
			h.incomplete = true
			return j, h
		}
		j++
	}
	if oldLeft > 0 || newLeft > 0 {
		h.incomplete = true
	}
	if j < len(ls) && strings.HasPrefix(ls[j], "\\ ") {
		j++
	}
	return j, h
}

// combinedBody reports a body line of a combined hunk with cols prefix
// columns.
func combinedBody(l string, cols int) bool {
	if l == "" {
		return false
	}
	if l[0] == '\\' {
		return true
	}
	if len(l) < cols {
		return false
	}
	for k := 0; k < cols; k++ {
		if c := l[k]; c != ' ' && c != '+' && c != '-' {
			return false
		}
	}
	return true
}

// binaryEnd returns the end of a GIT binary patch body: its literal or
// delta blocks up to the blank line after the last one.
func binaryEnd(ls []string, i int) int {
	j := i + 1
	for j < len(ls) {
		l := ls[j]
		if l == "" {
			// A blank line ends a block; another block may follow.
			if j+1 < len(ls) && (strings.HasPrefix(ls[j+1], "literal ") || strings.HasPrefix(ls[j+1], "delta ")) {
				j++
				continue
			}
			return j + 1
		}
		if !strings.HasPrefix(l, "literal ") && !strings.HasPrefix(l, "delta ") && !base85Line(l) {
			return j
		}
		j++
	}
	return j
}

// base85Line reports a line of git's base85 binary encoding: a length
// letter, then base85 characters.
func base85Line(l string) bool {
	if len(l) < 2 || !(l[0] >= 'A' && l[0] <= 'Z' || l[0] >= 'a' && l[0] <= 'z') {
		return false
	}
	for k := 1; k < len(l); k++ {
		c := l[k]
		if c <= ' ' || c > '~' || c == '"' || c == '\'' || c == ',' || c == '.' || c == '/' || c == ':' || c == '[' || c == ']' || c == '\\' {
			return false
		}
	}
	return true
}

// startsFile reports whether line i starts a file diff: a "diff " command
// line followed by diff headers, or a "--- "/"+++ " pair followed by a hunk.
func startsFile(ls []string, i int) bool {
	l := ls[i]
	switch {
	case strings.HasPrefix(l, "diff --git ") || strings.HasPrefix(l, "diff --cc ") || strings.HasPrefix(l, "diff --combined "):
		return true
	case strings.HasPrefix(l, "diff "):
		// diff -u a b, diff -ruN a b: followed by ---/+++ or a git header.
		return i+1 < len(ls) && (strings.HasPrefix(ls[i+1], "--- ") || fileHeaderLine(ls[i+1]))
	case strings.HasPrefix(l, "--- "):
		return i+2 < len(ls) && strings.HasPrefix(ls[i+1], "+++ ") && isHunkHeader(ls[i+2])
	}
	return false
}

// fileHeaderEnd returns the end of the file header starting at line i.
func fileHeaderEnd(ls []string, i int) int {
	j := i
	if !strings.HasPrefix(ls[i], "--- ") {
		j++
		for j < len(ls) && fileHeaderLine(ls[j]) {
			j++
		}
	}
	if j+1 < len(ls) && strings.HasPrefix(ls[j], "--- ") && strings.HasPrefix(ls[j+1], "+++ ") {
		j += 2
	}
	return j
}

// fileHeaderLine reports the extended header lines between "diff --git"
// and the first hunk.
func fileHeaderLine(l string) bool {
	for _, p := range [...]string{"index ", "new file mode ", "deleted file mode ", "old mode ", "new mode ",
		"similarity index ", "dissimilarity index ", "rename from ", "rename to ", "copy from ", "copy to ",
		"Binary files ", "mode "} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// filePath returns the path a file header names: the new side, or the old
// one for a deletion.
func filePath(hdr []string) string {
	var minus, plus string
	for _, l := range hdr {
		switch {
		case strings.HasPrefix(l, "+++ "):
			plus = headerPath(l[4:])
		case strings.HasPrefix(l, "--- "):
			minus = headerPath(l[4:])
		case strings.HasPrefix(l, "rename to "):
			return l[len("rename to "):]
		}
	}
	if plus != "" && plus != "/dev/null" {
		return plus
	}
	if minus != "" && minus != "/dev/null" {
		return minus
	}
	if len(hdr) > 0 {
		l := hdr[0]
		if i := strings.LastIndex(l, " b/"); i >= 0 && strings.HasPrefix(l, "diff --git ") {
			return l[i+3:]
		}
		if f := strings.Fields(l); len(f) >= 2 {
			return f[len(f)-1]
		}
	}
	return ""
}

// headerPath strips the a/ b/ prefix and a tab-separated timestamp.
func headerPath(s string) string {
	if i := strings.IndexByte(s, '\t'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 2 && (s[0] == 'a' || s[0] == 'b') && s[1] == '/' {
		s = s[2:]
	}
	return strings.TrimSpace(s)
}

// commitAt returns the hash of a commit that starts at line i: "commit
// <hex>" (with decorations after it) as git log and git show print it, or
// "From <hex40> <date>" opening a patch mail. An abbreviated hash counts
// only when a "Key: value" header line (Author:, Merge:) follows, so that
// prose starting with "commit" is not taken for a log.
func commitAt(ls []string, i int) string {
	h := commitStart(ls[i])
	if h == "" || len(h) == 40 || len(h) == 64 {
		return h
	}
	if i+1 < len(ls) && headerKey(ls[i+1]) {
		return h
	}
	return ""
}

// headerKey reports a line "Key: value" with a capitalised one-word key.
func headerKey(l string) bool {
	k := strings.IndexByte(l, ':')
	if k < 2 || k > 20 || l[0] < 'A' || l[0] > 'Z' || k+1 < len(l) && l[k+1] != ' ' {
		return false
	}
	for _, c := range []byte(l[1:k]) {
		if !lines.IsWordByte(c) && c != '-' {
			return false
		}
	}
	return true
}

// commitStart returns the hash of a line shaped like a commit's first
// line, whatever follows it.
func commitStart(l string) string {
	var rest string
	switch {
	case strings.HasPrefix(l, "commit "):
		rest = l[len("commit "):]
	case strings.HasPrefix(l, "From "):
		rest = l[len("From "):]
	default:
		return ""
	}
	end := 0
	for end < len(rest) && lines.IsHex(rest[end]) {
		end++
	}
	if end < 7 || end > 64 || end < len(rest) && rest[end] != ' ' {
		return ""
	}
	if l[0] == 'F' && (end != 40 && end != 64 || end == len(rest)) {
		return ""
	}
	return rest[:end]
}

// commitEnd returns the end of the commit part starting at line i and
// fills c's message and tail bounds. Header lines run to the first blank
// line; the message is the indented lines after it (for a mail: the body
// up to a "---" line); the tail runs to the next file diff, hunk or commit.
func (d *doc) commitEnd(ls []string, i int, c *commit) int {
	mail := ls[i][0] == 'F'
	j := i + 1
	for j < len(ls) && j-i <= 16 && !lines.Blank(ls[j]) && commitAt(ls, j) == "" {
		if mail && strings.HasPrefix(ls[j], "Subject: ") {
			c.subject = j
		}
		j++
	}
	if j < len(ls) && lines.Blank(ls[j]) {
		j++
	}
	c.msgFrom = j
	for j < len(ls) && !structural(ls, j) {
		l := ls[j]
		if mail {
			if l == "---" {
				break
			}
		} else if !strings.HasPrefix(l, "    ") && !lines.Blank(l) {
			break
		}
		if c.subject < 0 && !lines.Blank(l) {
			c.subject = j
		}
		j++
	}
	c.msgTo = j
	c.tailFrom = j
	for j < len(ls) && !structural(ls, j) {
		j++
	}
	c.tailTo = j
	return j
}

// structural reports whether line j starts a commit, a file diff or a hunk.
func structural(ls []string, j int) bool {
	return commitAt(ls, j) != "" || isHunkHeader(ls[j]) || startsFile(ls, j)
}

// dateLayouts are the date forms git log and patch mails print: git's
// default, RFC 2822 (mails, --date=rfc), ISO 8601 (--date=iso and
// --date=iso-strict).
var dateLayouts = [...]string{
	"Mon Jan 2 15:04:05 2006 -0700",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2006-01-02 15:04:05 -0700",
	time.RFC3339,
}

// commitTime returns the Unix time of commit c's date header line.
func commitTime(d *doc, c int) (int64, bool) {
	cm := &d.commits[c]
	for i := cm.hashLine + 1; i < cm.msgFrom; i++ {
		l := d.b.L[i]
		k := strings.IndexByte(l, ':')
		if k < 0 || !strings.HasSuffix(l[:k], "Date") {
			continue
		}
		v := strings.TrimSpace(l[k+1:])
		for _, layout := range dateLayouts {
			if t, err := time.Parse(layout, v); err == nil {
				return t.Unix(), true
			}
		}
	}
	return 0, false
}
