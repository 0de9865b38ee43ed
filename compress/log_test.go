package compress

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return string(b)
}

// mustContainLines fails unless every want line is a whole line of out.
func mustContainLines(t *testing.T, out string, want ...string) {
	t.Helper()
	have := lineSet(out)
	for _, w := range want {
		if !have[w] {
			t.Errorf("output lacks line %q\noutput:\n%s", w, out)
		}
	}
}

func mustNotContain(t *testing.T, out string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(out, b) {
			t.Errorf("output has %q\noutput:\n%s", b, out)
		}
	}
}

func TestCompressLogCollapsesIdenticalRuns(t *testing.T) {
	// Short: only the lossless step applies.
	in := "starting\n" + strings.Repeat("waiting for lock /var/lib/dpkg/lock-frontend\n", 38) + "lock acquired\n"
	out := checkOutput(t, "repeats", compressLog, in, &hints{})
	want := "starting\nwaiting for lock /var/lib/dpkg/lock-frontend\n[previous line repeated 37 times]\nlock acquired\n"
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	// Two identical short lines are cheaper than a note: left alone.
	if _, ok := compressLog("a\na\nb\n", &hints{}); ok {
		t.Error("a run of two short lines should not be rewritten")
	}
}

func TestCompressLogServiceLog(t *testing.T) {
	in := genServiceLog(200 << 10)
	h := &hints{taskTerms: []string{"batch 1234 "}}
	out := checkOutput(t, "service", compressLog, in, h)
	if len(out) > len(in)/5 {
		t.Errorf("kept %d of %d bytes; want at most 20%%", len(out), len(in))
	}
	if got, want := representedLines(out), countLines(in); got != want {
		t.Errorf("notes account for %d lines, input has %d", got, want)
	}
	if !strings.Contains(out, " similar lines omitted ...]") {
		t.Error("no similar-lines fold note")
	}
	inLines := strings.Split(in, "\n")
	mustContainLines(t, out, inLines[0], inLines[len(inLines)-2])
	if !strings.Contains(out, "processed batch 1234 ") {
		t.Error("task line lost")
	}
	// Context: the line before an error line stays.
	for i, l := range inLines {
		if strings.Contains(l, " ERROR ") {
			mustContainLines(t, out, inLines[i-1])
			break
		}
	}
}

func TestCompressLogGoTest(t *testing.T) {
	in := readFixture(t, "log_gotest.txt")
	out := checkOutput(t, "gotest", compressLog, in, &hints{})
	mustContainLines(t, out,
		"--- FAIL: TestFormatSize (0.00s)",
		"    --- FAIL: TestFormatSize/mib (0.00s)",
		`    size_test.go:31: FormatSize(1048576) = "1024.0 KiB", want "1.0 MiB"`,
		"    live_test.go:19: set UNITS_LIVE=1 to run against a live server",
		"--- SKIP: TestLiveServer (0.00s)",
		"FAIL\texample.com/units\t0.014s",
		"ok  \texample.com/units/internal/fmtx\t0.003s",
		"?   \texample.com/units/cmd/units\t[no test files]",
	)
	// Progress lines of passing tests are what goes.
	if strings.Contains(out, "=== RUN   TestClampOverflow") || strings.Contains(out, "--- PASS: TestScaleRound") {
		t.Errorf("passing-test progress kept:\n%s", out)
	}
	if got, want := representedLines(out), countLines(in); got != want {
		t.Errorf("notes account for %d lines, input has %d", got, want)
	}
}

func TestCompressLogGeneratedGoTest(t *testing.T) {
	in := genGoTestOutput(12)
	out := checkOutput(t, "gotest-gen", compressLog, in, &hints{})
	mustContainLines(t, out,
		"--- FAIL: TestFeature07 (0.00s)",
		`    feature_test.go:47: Parse("input-7") = 3, want 4`,
		"--- SKIP: TestFeature02 (0.00s)",
		"    feature_test.go:12: needs a network; set TEST_NET=1",
		"FAIL\texample.com/mod/pkg03\t0.012s",
	)
	for p := 0; p < 12; p++ {
		if p == 3 {
			continue
		}
		if !strings.Contains(out, "ok  \texample.com/mod/pkg"+string(rune('0'+p/10))+string(rune('0'+p%10))+"\t") {
			t.Errorf("package %d verdict lost", p)
		}
	}
	if len(out) > len(in)/10 {
		t.Errorf("kept %d of %d bytes; want at most 10%%", len(out), len(in))
	}
}

func TestCompressLogPanicKeepsPanickingGoroutine(t *testing.T) {
	in := readFixture(t, "log_panic.txt")
	out := checkOutput(t, "panic", compressLog, in, &hints{})
	mustContainLines(t, out,
		"2026/01/05 09:00:03 indexer 2: INFO indexed shard/empty.bin words=0",
		"panic: runtime error: integer divide by zero",
		"goroutine 9 [running]:",
		"main.(*stats).ratio(0xc000012345, 0x0)",
		"\t/src/indexer/stats.go:41 +0x1d",
		"main.worker(0x2)",
		"\t/src/indexer/main.go:77 +0x2a5",
		"created by main.main in goroutine 1",
		"exit status 2",
	)
	if got, want := representedLines(out), countLines(in); got != want {
		t.Errorf("notes account for %d lines, input has %d", got, want)
	}
}

func TestCompressLogTraceback(t *testing.T) {
	in := readFixture(t, "log_traceback.txt")
	out := checkOutput(t, "traceback", compressLog, in, &hints{})
	for _, l := range strings.Split(in, "\n") {
		if strings.HasPrefix(l, "  File ") || strings.HasPrefix(l, "    ") {
			mustContainLines(t, out, l)
		}
	}
	mustContainLines(t, out, "Traceback (most recent call last):", "KeyError: 'fields'")
}

func TestCompressLogProfiles(t *testing.T) {
	in := genServiceLog(100 << 10)
	def := checkOutput(t, "default", compressLog, in, &hints{})
	agg := checkOutput(t, "agent-90", compressLog, in, &hints{aggressive: true})
	roomy := checkOutput(t, "ratio 0.5", compressLog, in, &hints{keepRatio: 0.5})
	if !(len(agg) < len(def) && len(def) < len(roomy)) {
		t.Errorf("sizes: agent-90 %d, default %d, target 0.5 %d; want increasing", len(agg), len(def), len(roomy))
	}
	// A target above what the lossless step reaches leaves the lossy step out.
	small := "x\n" + strings.Repeat("same line again\n", 100) + strings.Repeat("other line\n", 20)
	out, ok := compressLog(small, &hints{keepRatio: 0.9})
	if !ok || representedLines(out) != countLines(small) || strings.Contains(out, "omitted") {
		t.Errorf("target 0.9: want the lossless form only, got %q", out)
	}
}

func TestLooksLikeLog(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want bool
	}{
		{"service", genServiceLog(8 << 10), true},
		{"gotest", readFixture(t, "log_gotest.txt"), true},
		{"panic", readFixture(t, "log_panic.txt"), true},
		{"traceback", readFixture(t, "log_traceback.txt"), true},
		{"compile", strings.Repeat("Compiling 'pkg/mod.py'...\n", 30), true},
		{"go code", strings.Repeat("func f() error {\n\tif err := g(); err != nil {\n\t\treturn err\n\t}\n\treturn nil\n}\n", 10), false},
		{"prose", strings.Repeat("The quick brown fox jumps over the lazy dog.\nA second sentence follows it here.\nThen we close the paragraph for now.\nNext comes another idea entirely.\n", 5), false},
		{"numbered code", strings.Repeat("     1\tpackage main\n     2\t\n     3\timport \"fmt\"\n", 10), false},
		{"markdown list", strings.Repeat("- Install the package with your manager.\n- Configure the service file.\n- Start it and check the status page.\n", 8), false},
		{"html", strings.Repeat("<div class=\"row\"><span>cell</span></div>\n", 20), false},
		{"tiny", "one\ntwo\n", false},
		{"empty", "", false},
	} {
		if got := looksLikeLog(c.text); got != c.want {
			t.Errorf("%s: looksLikeLog = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSameShape(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"2026-01-02 10:00:01 INFO worker 3: done 12", "2026-01-02 10:00:07 INFO worker 5: done 900", true},
		{"Compiling 'a/b.py'...", "Compiling 'c/d/e.py'...", true},
		{"cp $WORK/b009/_pkg_.a /cache/e2/e212f1713d0bfd-d", "cp $WORK/b010/_pkg_.a /cache/ab/ab38205366281c-d", true},
		{"Compiling 'a.py'...", "Listing 'a'...", false},
		{"GET /a 200", "GET /a 200 extra", false},
		{"", "", false},
		{"abc", "abd", false},
	} {
		if got := sameShape(c.a, c.b); got != c.want {
			t.Errorf("sameShape(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestSplitBlock(t *testing.T) {
	for _, in := range []string{"", "a", "a\n", "a\nb", "a\nb\n", "\n", "\n\n", "a\n\nb\n"} {
		b := splitBlock(in)
		got := strings.Join(b.lines, "\n")
		if b.finalNL {
			got += "\n"
		}
		if got != in {
			t.Errorf("splitBlock(%q) rejoins to %q", in, got)
		}
		for i, l := range b.lines {
			if in[b.starts[i]:b.starts[i]+len(l)] != l {
				t.Errorf("splitBlock(%q): start of line %d wrong", in, i)
			}
		}
	}
}

func TestMarkTermsSkipsCommonTerms(t *testing.T) {
	in := strings.Repeat("common word here\n", 100) + "the rare needle line\n"
	b := splitBlock(in)
	marks := make([]bool, len(b.lines))
	hits := b.markTerms([]string{"common", "needle"}, termLimit(len(b.lines)), marks)
	if len(hits[0]) != 0 || len(hits[1]) != 1 || !marks[100] {
		t.Errorf("hits %v (needle marked: %v); want only the needle line", hits, marks[100])
	}
}

func TestCompressorsTakeNilHints(t *testing.T) {
	for name, c := range map[string]struct {
		comp contentCompressor
		in   string
	}{
		"log":     {compressLog, genServiceLog(20 << 10)},
		"search":  {compressSearch, genGrepHits(40, 5)},
		"listing": {compressListing, genFindPaths(400)},
	} {
		if _, ok := c.comp(c.in, nil); !ok {
			t.Errorf("%s: nothing compressed with nil hints", name)
		}
	}
}

func TestCompressLogErrorResultKeepsLongerTail(t *testing.T) {
	in := genServiceLog(60 << 10)
	plain, _ := compressLog(in, &hints{})
	failed, _ := compressLog(in, &hints{isError: true})
	lines := strings.Split(strings.TrimSuffix(in, "\n"), "\n")
	mustContainLines(t, failed, lines[len(lines)-15:]...)
	if len(failed) <= len(plain) {
		t.Errorf("is_error output %d bytes, plain %d: want a longer tail", len(failed), len(plain))
	}
}
