package compress

import (
	"fmt"
	"strings"
	"testing"
)

// TestLogStemsMarkOnlyWordStartsAndRareLines checks that a stem of a task
// word (weaker evidence than the word) marks lines only where it starts a
// word and only when it is very rare in a long log, while the user's own
// word still marks its lines.
func TestLogStemsMarkOnlyWordStartsAndRareLines(t *testing.T) {
	var sb strings.Builder
	for i := range 3000 {
		switch {
		case i%50 == 7:
			fmt.Fprintf(&sb, "2026-01-02 10:%02d:%02d upgrade libfoo%d:amd64 1.%d 1.%d\n", i/60%60, i%60, i, i, i+1)
		case i == 2100:
			sb.WriteString("2026-01-02 11:00:00 upgrade tzdata:all 2025a 2025b\n")
		case i == 1500:
			sb.WriteString("2026-01-02 10:30:00 unpack enforcement-tools:amd64 3.1\n")
		default:
			fmt.Fprintf(&sb, "2026-01-02 10:%02d:%02d status half-configured libbar%d:amd64 2.%d\n", i/60%60, i%60, i, i)
		}
	}
	in := sb.String()
	task := "When was tzdata last upgraded, and was it forced?"
	h := &hints{taskTerms: blockTerms(task, in), stems: stemTerms(task)}
	out, ok := compressLog(in, h)
	if !ok {
		t.Fatal("not compressed")
	}
	mustContainLines(t, out, "2026-01-02 11:00:00 upgrade tzdata:all 2025a 2025b")
	if strings.Count(out, " upgrade libfoo") > 2 {
		t.Errorf("the stem of \"upgraded\" kept every upgrade line:\n%s", out)
	}
	if strings.Contains(out, "enforcement-tools") {
		t.Errorf("the stem of \"forced\" matched inside a word:\n%s", out)
	}
	// A huge log keeps only a glimpse of head and tail.
	if len(out) > 1500 {
		t.Errorf("output of a %d-byte log is %d bytes:\n%s", len(in), len(out), out)
	}
}

func TestStemTermsAndWordPrefix(t *testing.T) {
	got := stemTerms("When was tzdata last upgraded? It resumes, see resume")
	if strings.Join(got, ",") != "upgrad" {
		t.Errorf("stemTerms = %q, want [upgrad] (resume is a word of the task)", got)
	}
	for _, c := range []struct {
		line, term string
		want       bool
	}{
		{"forcing a rebuild", "forc", true}, {"see enforcement.go", "forc", false},
		{"x enforce; Forced", "forc", true}, {"", "forc", false},
	} {
		if got := hasWordPrefix(c.line, c.term); got != c.want {
			t.Errorf("hasWordPrefix(%q, %q) = %v", c.line, c.term, got)
		}
	}
}

// TestHugeLogKeepsOneLineHeadAndTail checks that a log of 64 KB or more
// keeps one line of head and one of tail around its error lines, and that
// every omitted stretch is described by a note with its line count.
func TestHugeLogKeepsOneLineHeadAndTail(t *testing.T) {
	var sb strings.Builder
	n := 0
	for i := 0; sb.Len() < hugeLog+1000; i++ {
		if i == 900 {
			sb.WriteString("2026-01-02 10:00:00 sync: connection refused by peer\n")
		} else {
			fmt.Fprintf(&sb, "2026-01-02 10:%02d:%02d status unpacked libbar%d:amd64 2.%d\n", i/60%60, i%60, i, i)
		}
		n++
	}
	in := sb.String()
	lines := strings.Split(strings.TrimSuffix(in, "\n"), "\n")
	out, ok := compressLog(in, &hints{})
	if !ok {
		t.Fatal("not compressed")
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if got[0] != lines[0] || got[len(got)-1] != lines[len(lines)-1] {
		t.Errorf("first/last line lost:\n%s", out)
	}
	if strings.Contains(out, lines[1]+"\n"+lines[2]) || strings.Contains(out, lines[len(lines)-3]+"\n"+lines[len(lines)-2]) {
		t.Errorf("more than one line of head or tail kept:\n%s", out)
	}
	mustContainLines(t, out, "2026-01-02 10:00:00 sync: connection refused by peer")
	// Every input line is either kept or counted by a note.
	kept, counted := 0, 0
	for _, l := range got {
		var k int
		if _, err := fmt.Sscanf(l, "[... %d ", &k); err == nil {
			counted += k
		} else {
			kept++
		}
	}
	if kept+counted != n {
		t.Errorf("kept %d + omitted %d lines, want %d in all:\n%s", kept, counted, n, out)
	}
}
