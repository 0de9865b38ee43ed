package diff

import (
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Rendering: kept parts verbatim, in their order; a note for each run of
// omitted commits, files or lines. Notes sit only where a patch reader
// skips text: between commits, between files, after a file's last kept
// hunk, inside commit messages.

// tally counts what an omission held.
type tally struct {
	commits, files, hunks, add, del int
	// known is false when no count of changed lines was found.
	known bool
}

func (t *tally) addFile(d *doc, fi int) {
	t.files++
	for _, p := range d.files[fi].hunks {
		h := &d.hunks[d.hunkOf[p]]
		t.hunks++
		t.add += h.add
		t.del += h.del
	}
	t.known = true
}

// addCommit adds commit c: its files, or the summary of its stat lines
// ("3 files changed, 10 insertions(+), 2 deletions(-)") when it has no
// patch.
func (t *tally) addCommit(s *selection, c int) {
	t.commits++
	cm := &s.d.commits[c]
	if len(cm.files) > 0 {
		for _, fi := range cm.files {
			t.addFile(s.d, fi)
		}
		return
	}
	for i := cm.tailFrom; i < cm.tailTo; i++ {
		if f, a, d, ok := statSummary(s.b.L[i]); ok {
			t.files += f
			t.add += a
			t.del += d
			t.known = true
		}
	}
}

// lineCounts renders "+12 -3 lines".
func (t *tally) lineCounts() string {
	return "+" + strconv.Itoa(t.add) + " -" + strconv.Itoa(t.del) + " lines"
}

// statSummary parses a diffstat summary line: " 3 files changed, 10
// insertions(+), 2 deletions(-)" (either count may be missing).
func statSummary(l string) (files, add, del int, ok bool) {
	t := strings.TrimSpace(l)
	n, rest, found := leadingInt(t)
	if !found || !(strings.HasPrefix(rest, " file changed") || strings.HasPrefix(rest, " files changed")) {
		return 0, 0, 0, false
	}
	files = n
	for _, seg := range strings.Split(rest, ", ")[1:] {
		v, r, ok := leadingInt(seg)
		switch {
		case !ok:
		case strings.HasPrefix(r, " insertion"):
			add = v
		case strings.HasPrefix(r, " deletion"):
			del = v
		}
	}
	return files, add, del, true
}

func leadingInt(s string) (int, string, bool) {
	i := 0
	for i < len(s) && lines.IsDigit(s[i]) {
		i++
	}
	if i == 0 || i > 9 {
		return 0, s, false
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:], true
}

// shortHash abbreviates a hash for notes.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// render writes the selection. ok is false when the caller gave up.
func (s *selection) render() (string, bool) {
	d := s.d
	var w lines.Writer
	w.Grow(s.size + 1024)
	parts := d.parts
	nextCommit := func(c int) int {
		if c < len(d.commits) {
			return d.commits[c].part
		}
		return len(parts)
	}
	for i := 0; i < len(parts); {
		if s.in.Stopped() {
			return "", false
		}
		pt := parts[i]
		if pt.kind != partCommit {
			end := i
			for end < len(parts) && parts[end].kind != partCommit {
				end++
			}
			s.body(&w, i, end)
			i = end
			continue
		}
		c := int(pt.commit)
		j := c + 1
		for j < len(d.commits) && s.commit[j] == s.commit[c] && s.commit[c] != commitFull {
			j++
		}
		switch s.commit[c] {
		case commitGone:
			s.goneNote(&w, c, j)
		case commitIdentity:
			s.identities(&w, c, j)
		case commitFull:
			s.writeFull(&w, c)
			s.body(&w, i+1, nextCommit(j))
		}
		i = nextCommit(j)
	}
	return w.String(s.b.FinalNL), true
}

// span is the text of lines [from, to).
func (s *selection) spanBytes(from, to int) int {
	if from >= to {
		return 0
	}
	return s.b.End(to-1) - s.b.Start[from]
}

// goneNote writes the note for commits [c, j) left out entirely (or the
// commits themselves in the odd case where the note would not be shorter).
func (s *selection) goneNote(w *lines.Writer, c, j int) {
	d := s.d
	var t tally
	for k := c; k < j; k++ {
		t.addCommit(s, k)
	}
	var msg string
	if j-c == 1 {
		msg = "commit " + shortHash(d.commits[c].hash) + " omitted"
	} else {
		msg = strconv.Itoa(j-c) + " commits omitted (" + shortHash(d.commits[c].hash) + " to " + shortHash(d.commits[j-1].hash) + ")"
	}
	if t.known {
		files := lines.Count(t.files, "file", "files")
		if j-c > 1 {
			// The same file may count once per commit.
			files = lines.Count(t.files, "file diff", "file diffs")
		}
		msg += ": " + files + ", " + t.lineCounts()
	}
	from := d.parts[d.commits[c].part].from
	to := len(s.b.L)
	if j < len(d.commits) {
		to = d.parts[d.commits[j].part].from
	}
	s.noteOr(w, msg, from, to)
}

// noteOr writes a note for lines [from, to), or the lines when the note
// would cost as much.
func (s *selection) noteOr(w *lines.Writer, msg string, from, to int) {
	if len(msg)+len(lines.NoteOpen)+len(lines.NoteClose)+1 >= s.spanBytes(from, to) {
		for i := from; i < to; i++ {
			w.Line(s.b.L[i])
		}
		return
	}
	w.Note(msg)
}

// identities writes commits [c, j) by their hash line and subject, under
// one note saying what they lost.
func (s *selection) identities(w *lines.Writer, c, j int) {
	d := s.d
	var t tally
	for k := c; k < j; k++ {
		t.addCommit(s, k)
	}
	what := "next commit by hash and subject only (author, date, body"
	files := lines.Count(t.files, "file", "files")
	if j-c > 1 {
		what = "next " + strconv.Itoa(j-c) + " commits by hash and subject only (authors, dates, bodies"
		files = lines.Count(t.files, "file diff", "file diffs")
	}
	if t.known && t.files > 0 {
		what += " and " + files + ", " + t.lineCounts() + ", omitted)"
	} else {
		what += " omitted)"
	}
	// What the run drops: everything of its commits but these lines.
	from := d.parts[d.commits[c].part].from
	to := len(s.b.L)
	if j < len(d.commits) {
		to = d.parts[d.commits[j].part].from
	}
	dropped := s.spanBytes(from, to)
	for k := c; k < j; k++ {
		dropped -= s.identityCost(k)
	}
	if dropped <= len(what)+len(lines.NoteOpen)+len(lines.NoteClose)+1 {
		for i := from; i < to; i++ {
			w.Line(s.b.L[i])
		}
		return
	}
	w.Note(what)
	for k := c; k < j; k++ {
		cm := &d.commits[k]
		w.Line(s.b.L[cm.hashLine])
		if cm.subject >= 0 {
			w.Line(s.b.L[cm.subject])
		}
	}
}

// writeFull writes commit c's own part: header, message, stat lines, with
// a note for lines cut from a long message or stat block.
func (s *selection) writeFull(w *lines.Writer, c int) {
	cm := &s.d.commits[c]
	pt := s.d.parts[cm.part]
	f := s.fullOf(c)
	for i := pt.from; i < pt.to; {
		if f.keep[i-pt.from] {
			w.Line(s.b.L[i])
			i++
			continue
		}
		j := i
		for j < pt.to && !f.keep[j-pt.from] {
			j++
		}
		what := lines.Count(j-i, "more stat line", "more stat lines")
		if i < cm.msgTo {
			what = lines.Count(j-i, "more line", "more lines") + " of the commit message"
		}
		s.noteOr(w, what+" omitted", i, j)
		i = j
	}
}

// body writes parts [from, to), which hold no commit part: files with
// their kept hunks, other text; runs of dropped files become one note.
func (s *selection) body(w *lines.Writer, from, to int) {
	d := s.d
	var dropped []int
	flush := func() {
		if len(dropped) > 0 {
			s.droppedFiles(w, dropped)
			dropped = dropped[:0]
		}
	}
	for p := from; p < to; {
		pt := d.parts[p]
		if pt.kind == partOther {
			flush()
			out := s.other[p]
			if !s.otherKept[p] {
				out = s.b.Span(pt.from, pt.to)
			}
			w.Raw(out)
			if !strings.HasSuffix(out, "\n") {
				w.Raw("\n")
			}
			p++
			continue
		}
		fi := int(pt.file)
		q := p + 1
		for q < to && d.parts[q].kind == partHunk && int(d.parts[q].file) == fi {
			q++
		}
		if !s.fileKept[fi] {
			dropped = append(dropped, fi)
			p = q
			continue
		}
		flush()
		var t tally
		for k := p; k < q; k++ {
			kp := d.parts[k]
			if kp.kind == partHunk && !s.hunk[d.hunkOf[k]] {
				h := &d.hunks[d.hunkOf[k]]
				t.hunks++
				t.add += h.add
				t.del += h.del
				continue
			}
			for i := kp.from; i < kp.to; i++ {
				w.Line(s.b.L[i])
			}
		}
		if t.hunks > 0 {
			w.Note(lines.Count(t.hunks, "more hunk", "more hunks") + " of " + pathName(d.files[fi].path) + " omitted (" + t.lineCounts() + ")")
		}
		p = q
	}
	flush()
}

// pathName names a file in a note.
func pathName(p string) string {
	if p == "" {
		return "this file"
	}
	return p
}

// maxNamesBytes bounds the file names one note lists.
const maxNamesBytes = 480

// droppedFiles writes the note for a run of files left out whole (or the
// files, when the note would cost as much).
func (s *selection) droppedFiles(w *lines.Writer, fis []int) {
	d := s.d
	var t tally
	for _, fi := range fis {
		t.addFile(d, fi)
	}
	name := func(fi int) string {
		n := pathName(d.files[fi].path)
		if s.generated[fi] {
			n += " (mostly hashes and versions)"
		}
		return n
	}
	var msg string
	if len(fis) == 1 {
		msg = "diff of " + name(fis[0]) + " omitted"
		if t.hunks > 0 {
			msg += ": " + lines.Count(t.hunks, "hunk", "hunks") + ", " + t.lineCounts()
		}
	} else {
		msg = "diffs of " + strconv.Itoa(len(fis)) + " files omitted (" + lines.Count(t.hunks, "hunk", "hunks") + ", " + t.lineCounts() + "): "
		listed := 0
		for k, fi := range fis {
			n := name(fi)
			if listed > 0 && listed+len(n) > maxNamesBytes {
				msg += " and " + strconv.Itoa(len(fis)-k) + " more"
				break
			}
			if k > 0 {
				msg += ", "
			}
			msg += n
			listed += len(n) + 2
		}
	}
	from, to := s.fileSpan(fis[0]), s.fileSpan(fis[len(fis)-1])
	s.noteOr(w, msg, from[0], to[1])
}

// fileSpan returns the lines [from, to) of file fi's header and hunks.
func (s *selection) fileSpan(fi int) [2]int {
	f := &s.d.files[fi]
	from, to := -1, -1
	if f.part >= 0 {
		p := s.d.parts[f.part]
		from, to = p.from, p.to
	}
	for _, h := range f.hunks {
		p := s.d.parts[h]
		if from < 0 {
			from = p.from
		}
		to = p.to
	}
	return [2]int{from, to}
}
