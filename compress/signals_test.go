package compress

import (
	"slices"
	"strings"
	"testing"
)

func TestHasErrorSignal(t *testing.T) {
	yes := []string{
		"error: something", "ERROR foo", "panic: nil map", "--- FAIL: TestX (0.01s)",
		"--- SKIP: TestY", "FAIL\tpkg", "request timed out", "exit status 2", "process exit code 1",
		"***   File \"x.py\", line 2", "W0101 warning: deprecated", "permission denied", "connection refused",
		"Traceback (most recent call last):", "_exit status 3",
	}
	no := []string{
		"terror", "INFO all good", "exit status 0", "errorless", "TestErrorPath ok", "timed outside",
		"err_test.go", "errors.go:12", "Failover", "", "ok  \tpkg\t0.1s",
	}
	for _, s := range yes {
		if !hasErrorSignal(s) {
			t.Errorf("hasErrorSignal(%q) = false", s)
		}
	}
	for _, s := range no {
		if hasErrorSignal(s) {
			t.Errorf("hasErrorSignal(%q) = true", s)
		}
	}
}

// FuzzHasErrorSignal checks the hand-written matcher against the reference
// regexp.
func FuzzHasErrorSignal(f *testing.F) {
	for _, s := range []string{"error", "x exit status 1", "--- fail", "timed out", "Timed  out", "a***b", "ERR_x", "fooexit code 9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Go's (?i) also folds the Kelvin sign and long s to k and s; the
		// matcher folds ASCII only. Such text never carries these words.
		if strings.ContainsAny(s, "\u212a\u017f") {
			return
		}
		if got, want := hasErrorSignal(s), errorSignalRE.MatchString(s); got != want {
			t.Fatalf("hasErrorSignal(%q) = %v, regexp says %v", s, got, want)
		}
	})
}

func TestTaskTerms(t *testing.T) {
	got := taskTerms("I need to change how Taildrop resumes partially transferred files. When was tzdata last upgraded? See `go build -x` <cwd>/home/dev</cwd>")
	for _, want := range []string{"taildrop", "resumes", "resume", "tzdata", "upgraded", "upgrad", "go build -x", "/home/dev"} {
		if !slices.Contains(got, want) {
			t.Errorf("taskTerms missing %q in %q", want, got)
		}
	}
	for _, bad := range []string{"need", "change", "how", "cwd", "files", "file"} {
		if slices.Contains(got, bad) {
			t.Errorf("taskTerms has stop word %q", bad)
		}
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"resumes": "resume", "dependencies": "dependenc", "upgraded": "upgrad", "skipped": "skip",
		"running": "runn", "process": "", "status": "", "go1.2s": "", "tests": "test", "analysis": "",
	} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRareTerms(t *testing.T) {
	var sb strings.Builder
	for i := range 200 {
		sb.WriteString("status installed pkg")
		if i == 50 || i == 51 {
			sb.WriteString(" tzdata")
		}
		sb.WriteString("\n")
	}
	got := rareTerms([]string{"installed", "tzdata", "absent"}, sb.String())
	if !slices.Equal(got, []string{"tzdata"}) {
		t.Errorf("rareTerms = %q, want [tzdata]", got)
	}
}

func TestIndexFold(t *testing.T) {
	cases := []struct {
		s, term string
		want    int
	}{
		{"Hello World", "world", 6}, {"abc", "abcd", -1}, {"xxMaxBuffer", "maxbuffer", 2},
		{"", "a", -1}, {"aaa", "", 0}, {"Café Laptop", "café", 0}, {"TZDATA", "tzdata", 0},
	}
	for _, c := range cases {
		if got := indexFold(c.s, c.term); got != c.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", c.s, c.term, got, c.want)
		}
	}
	if !mentionsTask("upgrade tzdata:all", []string{"nothing", "tzdata"}) || mentionsTask("x", nil) {
		t.Error("mentionsTask wrong")
	}
}

func TestAnalysisIntent(t *testing.T) {
	if !analysisIntent("Please review this diff") || !analysisIntent("analyze the handler") {
		t.Error("analysis intent not seen")
	}
	if analysisIntent("When was tzdata upgraded?") {
		t.Error("analysis intent seen in a plain question")
	}
}

// FuzzIndexFold checks the case-insensitive search against lowercasing
// both sides (ASCII text; the term lowercase as taskTerms makes it).
func FuzzIndexFold(f *testing.F) {
	f.Add("Hello World, hello world", "world")
	f.Add("cCcCc checkout", "checkout")
	f.Add("xyz", "q")
	f.Fuzz(func(t *testing.T, s, term string) {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return
			}
		}
		term = strings.ToLower(term)
		for i := 0; i < len(term); i++ {
			if term[i] >= 0x80 {
				return
			}
		}
		if got, want := indexFold(s, term), strings.Index(strings.ToLower(s), term); got != want {
			t.Fatalf("indexFold(%q, %q) = %d, want %d", s, term, got, want)
		}
	})
}

func TestIndexFoldLinear(t *testing.T) {
	// A term whose upper-case first letter never occurs must not make the
	// search quadratic (it did once): 4 MB scanned in well under a second
	// even under the race detector.
	s := strings.Repeat("c", 4<<20)
	if indexFold(s, "checkout") != -1 {
		t.Fatal("false match")
	}
}
