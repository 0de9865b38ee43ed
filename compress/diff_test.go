package compress

import (
	"strconv"
	"strings"
	"testing"
)

func TestCompressDiffKeepsHeadersAndChanges(t *testing.T) {
	in := readFixture(t, "diff_git.txt")
	if !looksLikeDiff(in) {
		t.Fatal("fixture not detected as a diff")
	}
	out := checkOutput(t, "diff", compressDiff, in, &hints{})
	roles := classifyDiff(strings.Split(in, "\n"))
	inLines := strings.Split(in, "\n")
	for i, l := range inLines {
		switch roles[i] {
		case diffCommit:
			mustContainLines(t, out, l)
		case diffHunk:
			if l != "@@ -1,6 +1,6 @@" { // go.sum's, folded
				mustContainLines(t, out, l)
			}
		case diffAdded, diffRemoved:
			if !strings.HasPrefix(l, "+example.org") && !strings.HasPrefix(l, "-example.org") {
				mustContainLines(t, out, l) // go.sum lines are folded
			}
		}
	}
	mustContainLines(t, out,
		"diff --git a/limiter/bucket.go b/limiter/bucket.go",
		"--- a/limiter/bucket.go",
		"diff --git a/go.sum b/go.sum",
		"[... lockfile/generated diff omitted: 1 hunk, +2 -2 lines ...]",
		// One line of context on each side of a change.
		" \tcapacity int",
		" }",
		" \tdefer b.mu.Unlock()",
	)
	mustNotContain(t, out, "\tmu       sync.Mutex", "example.org/clock", "index 1a2b3c4")
	if !strings.HasPrefix(out, "[... ") || !strings.Contains(strings.SplitN(out, "\n", 2)[0], "unchanged context lines omitted") {
		t.Errorf("no context note on top:\n%s", out)
	}
}

func TestCompressDiffLogP(t *testing.T) {
	in := genGitLogP(60)
	h := &hints{taskTerms: []string{"handle7("}}
	out := checkOutput(t, "log -p", compressDiff, in, h)
	if len(out) > len(in)/4 {
		t.Errorf("kept %d of %d bytes; want at most 25%%", len(out), len(in))
	}
	// Every commit keeps its header and subject.
	for c := 0; c < 60; c++ {
		if !strings.Contains(out, "    server: change handler "+strconv.Itoa(c)+"\n") {
			t.Errorf("subject of commit %d lost", c)
		}
	}
	// The file the task names keeps its changes; long added runs are cut;
	// unrelated files are folded but still named.
	mustContainLines(t, out, "-\tv := compute(7)", "+\tv := computeFast(7)")
	if !strings.Contains(out, "added lines omitted ...]") && !strings.Contains(out, "file diff omitted:") {
		t.Error("no cut or folded note")
	}
	mustContainLines(t, out, "diff --git a/docs/guide00.md b/docs/guide00.md")
	if strings.Count(out, "lockfile/generated diff omitted") != 60 {
		t.Errorf("want one lockfile note per commit, got %d", strings.Count(out, "lockfile/generated diff omitted"))
	}
	if strings.Contains(out, "More detail about change 3, line 5") {
		t.Error("long commit message not trimmed")
	}
}

func TestCompressDiffCutsLongRuns(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("diff --git a/big.txt b/big.txt\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/big.txt\n@@ -0,0 +1,300 @@\n")
	for i := 0; i < 300; i++ {
		if i == 150 {
			sb.WriteString("+line with a fatal error in the middle\n")
			continue
		}
		sb.WriteString("+plain added line number " + strconv.Itoa(i) + "\n")
	}
	in := sb.String()
	out := checkOutput(t, "cut", compressDiff, in, &hints{})
	mustContainLines(t, out, "+plain added line number 0", "+plain added line number 39", "+plain added line number 299",
		"+line with a fatal error in the middle")
	mustNotContain(t, out, "+plain added line number 40\n")
	if !strings.Contains(out, "[... 110 added lines omitted ...]") || !strings.Contains(out, "[... 129 added lines omitted ...]") {
		t.Errorf("cut notes wrong:\n%s", out)
	}
}

func TestClassifyDiffUsesHunkCounts(t *testing.T) {
	lines := strings.Split("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-old\n+new\n ctx\n--- a/y\n+++ b/y\n@@ -5 +5 @@\n-a\n+b\n\\ No newline at end of file", "\n")
	want := []diffRole{diffFile, diffFile, diffFile, diffHunk, diffRemoved, diffAdded, diffContext, diffFile, diffFile, diffHunk, diffRemoved, diffAdded, diffNoNewline}
	got := classifyDiff(lines)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d %q: role %d, want %d", i, lines[i], got[i], want[i])
		}
	}
}

func TestParseHunkHeader(t *testing.T) {
	for _, c := range []struct {
		line     string
		old, new int
		ok       bool
	}{
		{"@@ -1,7 +1,9 @@ func x() {", 7, 9, true},
		{"@@ -5 +5 @@", 1, 1, true},
		{"@@ -0,0 +1,300 @@", 0, 300, true},
		{"@@ -1,x +1 @@", 0, 0, false},
		{"@@@ -1,2 -1,2 +1,3 @@@", 0, 0, false},
		{"@@ nonsense", 0, 0, false},
	} {
		o, n, ok := parseHunkHeader(c.line)
		if o != c.old || n != c.new || ok != c.ok {
			t.Errorf("parseHunkHeader(%q) = %d %d %v", c.line, o, n, ok)
		}
	}
}

func TestLooksLikeDiff(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want bool
	}{
		{"git diff", readFixture(t, "diff_git.txt"), true},
		{"diff -u", "--- a.txt\t2026-01-01\n+++ b.txt\t2026-01-02\n@@ -1 +1 @@\n-a\n+b\n", true},
		{"oneline log", "3f9c2a7 limiter: refill\n1a2b3c4 docs: typo\n", false},
		{"log", genServiceLog(4 << 10), false},
		{"markdown rule", "---\ntitle: x\n---\n@@ not a hunk\n", false},
	} {
		if got := looksLikeDiff(c.text); got != c.want {
			t.Errorf("%s: looksLikeDiff = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestGeneratedPath(t *testing.T) {
	for p, want := range map[string]bool{
		"go.sum": true, "web/yarn.lock": true, "Cargo.lock": true, "static/app.min.js": true,
		"api/v1/types.pb.go": true, "vendor/x/y.go": true, "main.go": false, "go.mod": false, "README.md": false,
	} {
		if got := generatedPath(p); got != want {
			t.Errorf("generatedPath(%q) = %v", p, got)
		}
	}
}

func TestCompressDiffTargetRatioKeepsMoreContext(t *testing.T) {
	in := readFixture(t, "diff_git.txt")
	def := checkOutput(t, "default", compressDiff, in, &hints{})
	roomy := checkOutput(t, "ratio 0.5", compressDiff, in, &hints{keepRatio: 0.5})
	agg := checkOutput(t, "agent-90", compressDiff, in, &hints{aggressive: true})
	if !(len(agg) < len(def) && len(def) < len(roomy)) {
		t.Errorf("sizes: agent-90 %d, default %d, ratio 0.5 %d; want increasing", len(agg), len(def), len(roomy))
	}
	mustContainLines(t, roomy, " \tmu       sync.Mutex")
}
