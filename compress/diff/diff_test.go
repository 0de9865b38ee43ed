package diff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// The fixtures in testdata are the history of a made-up bookmark service,
// written for these tests: git log -p, --stat and --graph output, a patch
// mail, a multi-file diff with the tree it applies to, a diff -u.

// kt is this package under the shared kind checks; Share is the engine's
// keep share for diffs.
var kt = kindtest.Compressor{Detect: Detect, Compress: Compress, Share: 0.12}

// compress runs Compress, requires a change and checks what every output
// must hold (see checkOutput).
func compress(t *testing.T, in *fold.Input) string {
	t.Helper()
	out, ok := Compress(in)
	if !ok {
		t.Fatalf("Compress did not change a %d-byte block with a %d-byte budget", len(in.Text), in.Budget.Bytes)
	}
	if err := checkOutput(in, out); err != nil {
		t.Fatalf("%v\n--- output:\n%s", err, out)
	}
	return out
}

// checkOutput checks the guarantees of an output: shorter than the input;
// every line outside notes a line of the input; deterministic; every hunk
// of the output one of the input's, whole, under its file header when it
// had one; no note where a patch reader would stop reading a file's hunks.
func checkOutput(in *fold.Input, out string) error {
	if len(out) >= len(in.Text) {
		return fmt.Errorf("output of %d bytes is not shorter than the input's %d", len(out), len(in.Text))
	}
	again, _ := Compress(&fold.Input{Text: in.Text, Query: in.Query, Budget: in.Budget})
	if again != out {
		return fmt.Errorf("not deterministic")
	}
	if m := kindtest.Marker(in.Text, out); m != "" {
		return fmt.Errorf("retrieval marker %q in output", m)
	}
	src := lines.Split(in.Text)
	have := make(map[string]bool, len(src.L))
	for _, l := range src.L {
		have[l] = true
	}
	got := lines.Split(out)
	for i, l := range got.L {
		if lines.IsNote(l) {
			if i+1 < len(got.L) && isHunkHeader(got.L[i+1]) {
				return fmt.Errorf("note %q right before a hunk header: a patch reader stops at it", l)
			}
			continue
		}
		if !have[l] && !notesOnly(l) {
			return fmt.Errorf("output line %d %q is not a line of the input", i, l)
		}
	}
	// Each hunk of the output, whole, under the file header it had.
	inDoc := parse(src)
	header := map[string]string{} // hunk text -> its file header
	for _, h := range inDoc.hunks {
		p := inDoc.parts[h.part]
		header[strings.TrimSuffix(src.Span(p.from, p.to), "\n")] = fileHeader(inDoc, p.file)
	}
	outDoc := parse(got)
	for _, h := range outDoc.hunks {
		p := outDoc.parts[h.part]
		want, ok := header[strings.TrimSuffix(got.Span(p.from, p.to), "\n")]
		if !ok {
			return fmt.Errorf("hunk %q is not a whole hunk of the input", got.L[p.from])
		}
		if have := fileHeader(outDoc, p.file); have != want {
			return fmt.Errorf("hunk %q is under file header %q, not %q", got.L[p.from], have, want)
		}
	}
	return nil
}

// fileHeader returns the header lines of file fi ("" for none).
func fileHeader(d *doc, fi int32) string {
	if fi < 0 || d.files[fi].part < 0 {
		return ""
	}
	p := d.parts[d.files[fi].part]
	return strings.TrimSuffix(d.b.Span(p.from, p.to), "\n")
}

// notesOnly reports a line made of notes alone (the generic fold's notes
// inside other text).
func notesOnly(l string) bool {
	rest := ""
	lines.WithoutNotes(l, func(part string) { rest += part })
	return strings.TrimSpace(rest) == ""
}

func TestDetect(t *testing.T) {
	fixtures := []string{"log-p.txt", "log-stat.txt", "log-graph.txt", "mail.patch", "apply/changes.diff", "diff-u.txt"}
	goSource := "package x\n\nfunc TestPatch(t *testing.T) {\n\tconst in = `\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n`\n" +
		strings.Repeat("\tif got := apply(in); got != want {\n\t\tt.Fatal(got)\n\t}\n", 20) + "}\n"
	blame := strings.Repeat("3d597a554 (Ada Quill 2011-02-03 20:20:42 -0800 10) var x = require('y');\n", 20)
	table := "CONTAINER ID   IMAGE     COMMAND\n" + strings.Repeat("a1b2c3d4e5f6   nginx     \"/docker-entrypoint.…\"\n", 12)
	prose := "commit 1a2b3c4 broke the build; the fix is below.\nWe reverted it.\n" + strings.Repeat("Some words about it.\n", 10)
	logLines := strings.Repeat("2025-03-01T10:00:00Z INFO request served path=/list status=200\n", 30)
	// A log -p under its --graph: every line carries the graph's prefix,
	// which a patch reader would not accept either.
	var graphed strings.Builder
	for l := range strings.Lines(kindtest.Fixture(t, "log-p.txt")) {
		graphed.WriteString("| " + l)
	}
	kt.CheckDetect(t, fixtures, map[string]string{"go source quoting a diff": goSource, "blame": blame, "table": table, "prose": prose, "log": logLines, "graphed log -p": graphed.String(), "empty": ""})
}

func TestParseHunkBodiesByTheirCounts(t *testing.T) {
	// A removed line that reads like a file header, an added one too, a
	// missing final newline, a binary patch and a combined hunk.
	text := "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n keep\n--- not a header\n+++ not one either\n keep\n\\ No newline at end of file\n" +
		"diff --git a/img b/img\nindex 3..4 100644\nGIT binary patch\nliteral 5\nMcmZ?wbNB!Z0{{Rk\n\nliteral 0\nHcmV?d00001\n\n" +
		"diff --cc m\nindex 5,6..7\n--- a/m\n+++ b/m\n@@@ -1,2 -1,2 +1,2 @@@\n- a\n -b\n++c\n  d\n"
	d := parse(lines.Split(text))
	if len(d.files) != 3 || len(d.hunks) != 3 {
		t.Fatalf("files=%d hunks=%d, want 3 and 3", len(d.files), len(d.hunks))
	}
	h := d.hunks[0]
	if p := d.parts[h.part]; p.to-p.from != 6 || h.add != 1 || h.del != 1 || h.incomplete {
		t.Errorf("first hunk: %d lines, +%d -%d, incomplete=%v; want 6 lines, +1 -1", p.to-p.from, h.add, h.del, h.incomplete)
	}
	if p := d.parts[d.hunks[1].part]; d.b.L[p.from] != "GIT binary patch" || p.to-p.from != 7 {
		t.Errorf("binary patch part: %q, %d lines", d.b.L[p.from], p.to-p.from)
	}
	if h := d.hunks[2]; h.add != 1 || h.del != 2 {
		t.Errorf("combined hunk: +%d -%d, want +1 -2", h.add, h.del)
	}
	if got := d.files[0].path; got != "x" {
		t.Errorf("path = %q", got)
	}
}

func TestParseLog(t *testing.T) {
	d := parse(lines.Split(kindtest.Fixture(t, "log-p.txt")))
	if len(d.commits) != 12 {
		t.Fatalf("commits = %d, want 12", len(d.commits))
	}
	c := d.commits[0]
	if !strings.HasPrefix(d.b.L[c.hashLine], "commit ") || !strings.Contains(d.b.L[c.subject], "release 0.2.1") {
		t.Errorf("first commit: hash line %q, subject %q", d.b.L[c.hashLine], d.b.L[c.subject])
	}
	if len(c.files) != 2 {
		t.Errorf("first commit changes %d files, want 2", len(c.files))
	}
	m := parse(lines.Split(kindtest.Fixture(t, "mail.patch")))
	if len(m.commits) != 1 || !strings.HasPrefix(m.b.L[m.commits[0].subject], "Subject: [PATCH]") || len(m.hunks) == 0 {
		t.Errorf("mail: %d commits, subject %d, %d hunks", len(m.commits), m.commits[0].subject, len(m.hunks))
	}
}

func TestNamedHunksKeptWhole(t *testing.T) {
	text := kindtest.Fixture(t, "apply/changes.diff")
	out := compress(t, kt.LossyInput(text, "Where is checkBookmarkURL defined and where is it called?", 2500))
	kindtest.MustContain(t, out,
		"+func checkBookmarkURL(target string) error {",
		"+	if err := checkBookmarkURL(target); err != nil {",
		"diff --git a/server.go b/server.go",
	)
	if !strings.Contains(out, "[... ") {
		t.Errorf("nothing was dropped with a note:\n%s", out)
	}
}

func TestMachineWrittenFilesFoldFirst(t *testing.T) {
	text := kindtest.Fixture(t, "apply/changes.diff")
	// A budget that holds everything but the lockfile.
	out := compress(t, kt.LossyInput(text, "what changed?", len(text)-3000))
	if strings.Contains(out, "@@ -2,73 +2,85 @@") {
		t.Errorf("the lockfile's hunk was kept while others were dropped")
	}
	if !strings.Contains(out, "[... diff of deps.lock (mostly hashes and versions) omitted: 1 hunk, ") {
		t.Errorf("no note for the lockfile:\n%s", out)
	}
	kindtest.MustContain(t, out, "diff --git a/store.go b/store.go", "diff --git a/server.go b/server.go")
	// Named, the lockfile is kept.
	out = compress(t, kt.LossyInput(text, "which version of example.org/mod13 is pinned?", 2500))
	if !strings.Contains(out, `+name = "example.org/mod13"`) {
		t.Errorf("the named lockfile hunk was dropped")
	}
}

func TestDroppedCommitsKeepHashAndSubject(t *testing.T) {
	text := kindtest.Fixture(t, "log-p.txt")
	out := compress(t, kt.LossyInput(text, "summarise the history", 2500))
	d := parse(lines.Split(text))
	for _, c := range d.commits {
		for _, li := range []int{c.hashLine, c.subject} {
			if l := d.b.L[li]; !strings.Contains(out, l+"\n") {
				t.Errorf("lost %q", l)
			}
		}
	}
	if !strings.Contains(out, "by hash and subject only") {
		t.Errorf("no identity-only commits at this budget:\n%s", out)
	}
	// At a budget too small for every identity, runs of commits fold
	// into counted notes; the first and last commits keep theirs.
	out = compress(t, kt.LossyInput(text, "summarise the history", 400))
	if !strings.Contains(out, "commits omitted (") {
		t.Errorf("no note for omitted commits:\n%s", out)
	}
	for _, c := range []commit{d.commits[0], d.commits[len(d.commits)-1]} {
		if !strings.Contains(out, d.b.L[c.hashLine]) {
			t.Errorf("lost the end of the log %q", d.b.L[c.hashLine])
		}
	}
}

func TestNamedCommitKeptWhole(t *testing.T) {
	text := kindtest.Fixture(t, "log-p.txt")
	d := parse(lines.Split(text))
	var target commit
	for _, c := range d.commits {
		if strings.Contains(d.b.L[c.subject], "reject bookmark targets") {
			target = c
		}
	}
	// The part from the commit line to the next commit, verbatim.
	from := d.parts[target.part].from
	to := len(d.b.L)
	for _, c := range d.commits {
		if p := d.parts[c.part].from; p > from && p < to {
			to = p
		}
	}
	whole := d.b.Span(from, to)
	for _, task := range []string{
		"What did commit " + target.hash[:7] + " change?",
		"When did we start rejecting javascript: targets? I remember \"javascript:alert(1)\" being saved.",
	} {
		out := compress(t, kt.LossyInput(text, task, 3000))
		if !strings.Contains(out, whole) {
			t.Errorf("task %q: the named commit is not kept whole:\n%s", task, out)
		}
	}
}

func TestLargestChangeKept(t *testing.T) {
	text := kindtest.Fixture(t, "log-stat.txt")
	out := compress(t, kt.LossyInput(text, "Which commit changed store.go the most?", 1200))
	kindtest.MustContain(t, out,
		"    store: list bookmarks sorted by name, add length counters",
		" store.go | 79 ++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++",
	)
}

func TestLongMessageCut(t *testing.T) {
	text := kindtest.Fixture(t, "log-p.txt")
	out := compress(t, kt.LossyInput(text, "explain the concurrency section of the README, part 17", 9000))
	if !strings.Contains(out, "more lines of the commit message omitted") {
		t.Errorf("the long message was not cut:\n%s", out)
	}
	kindtest.MustContain(t, out, "    server: document how the handlers share the store", "lifetimes and why the store is passed by pointer (part 17).")
}

func TestMailKeepsItsHeaders(t *testing.T) {
	text := kindtest.Fixture(t, "mail.patch")
	out := compress(t, kt.LossyInput(text, "what does the patch do?", 600))
	kindtest.MustContain(t, out, "From: Bo Tern <bo@shelf.example>", "Subject: [PATCH] server: reject bookmark targets that are not http(s) URLs")
}

func TestTinyFilesAreNotNoted(t *testing.T) {
	// A file whose whole diff is shorter than its note stays.
	big := "diff --git a/big.txt b/big.txt\n--- a/big.txt\n+++ b/big.txt\n@@ -1,40 +1,40 @@\n" + strings.Repeat("-old line of text\n+new line of text\n", 40)
	tiny := "--- a\n+++ a\n@@ -1 +1 @@\n-x\n+y\n"
	text := big + tiny
	out := compress(t, kt.LossyInput(text, "", 300))
	if !strings.Contains(out, tiny) {
		t.Errorf("the tiny file was replaced by a note:\n%s", out)
	}
}

func TestOnelineLogKeepsLandmarks(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 120; i++ {
		switch {
		case i == 40:
			b.WriteString(fmt.Sprintf("*   %07x Merge branch 'feature-%d'\n|\\  \n", 0xa000000+i, i))
		case i%30 == 0:
			b.WriteString(fmt.Sprintf("* %07x (tag: v1.%d.0) release 1.%d.0\n", 0xa000000+i, i/30, i/30))
		default:
			b.WriteString(fmt.Sprintf("* %07x change number %d to the widget code\n", 0xa000000+i, i))
		}
	}
	text := b.String()
	out := compress(t, kt.LossyInput(text, "when was the widget cache introduced?", 800))
	kindtest.MustContain(t, out, "(tag: v1.0.0) release 1.0.0", "(tag: v1.3.0) release 1.3.0", "Merge branch 'feature-40'", "change number 119 to the widget code")
	if !strings.Contains(out, "commits omitted ...]") {
		t.Errorf("no note:\n%s", out)
	}
}

func TestNoLossWithoutLossyBudget(t *testing.T) {
	text := kindtest.Fixture(t, "log-p.txt")
	in := kt.LossyInput(text, "", 100)
	in.Budget.Lossy = false
	if _, ok := Compress(in); ok {
		t.Error("changed a block when no loss was allowed")
	}
	if _, ok := Compress(kt.LossyInput(text, "show me the whole diff", 100)); ok {
		t.Error("changed a block the task wants whole")
	}
	if _, ok := Compress(kt.LossyInput(text, "", len(text))); ok {
		t.Error("changed a block within its budget")
	}
}

func TestQuoteKeepsLinesAsPrinted(t *testing.T) {
	text := kindtest.Fixture(t, "apply/changes.diff")
	out := compress(t, kt.LossyInput(text, "Quote verbatim the line that adds handleExport to the routes.", 1500))
	if !strings.Contains(out, "+	mux.HandleFunc(\"/export\", s.handleExport)\n") {
		t.Errorf("lost the quoted line:\n%s", out)
	}
}

func TestADiffCutToNotesIsLeftAlone(t *testing.T) {
	// One hunk bigger than the budget, which the task does not name:
	// dropping it would leave nothing but a note.
	if out, ok := Compress(kt.LossyInput(kindtest.Fixture(t, "diff-u.txt"), "", 600)); ok {
		t.Errorf("Compress cut a one-hunk diff to:\n%s", out)
	}
}

func TestStopGivesUp(t *testing.T) {
	in := kt.LossyInput(kindtest.Fixture(t, "log-p.txt"), "export", 2000)
	in.Stop = func() bool { return true }
	if _, ok := Compress(in); ok {
		t.Error("Compress went on after the caller gave up")
	}
}

// A hex dump's offset reads like an abbreviated hash, but the wider gap
// after it (and a table's aligned columns) is no one-line log.
func TestHexDumpIsNoOnelineLog(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "%08x  %02x %02x 1f 8b 00 00 00 00  00 00 03 ed 7d 0b 78 1c  |....}.x.|\n", i*16, i%256, (i*7)%256)
	}
	if isOneline(strings.Split(b.String(), "\n")) {
		t.Error("a hex dump reads as a one-line log")
	}
}

// A symbol table's zero-padded addresses, each followed by a size as
// wide, read like abbreviated hashes, but hashes are random: no log.
func TestSymbolTableIsNoOnelineLog(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "%016x %016x T lib_function_%03d@@LIB_1.0\n", 0x24000+i*0x150, 5+(i*37)%900, i)
	}
	if isOneline(strings.Split(b.String(), "\n")) {
		t.Error("a symbol table reads as a one-line log")
	}
	var log strings.Builder
	for i := range 40 {
		fmt.Fprintf(&log, "%07x fix the %d-th thing in the parser\n", 0x1a2b3c4+i*0x9e3779, i)
	}
	if !isOneline(strings.Split(log.String(), "\n")) {
		t.Error("a one-line log is not read as one")
	}
}
