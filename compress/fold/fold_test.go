package fold

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// input builds an Input with the engine's default log budget.
func input(text, task, followup string) *Input {
	q := relevance.Parse(task, "")
	if followup != "" {
		q = q.WithFollowup(followup, "")
	}
	n := len(text)
	return &Input{Text: text, Query: q, Budget: Budget{Bytes: 2048 + int(0.07*float64(max(0, n-2048))), Lossy: n > 3072}}
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkInvariants asserts what every fold output promises: shorter than
// the input, every line outside notes copied verbatim, deterministic.
func checkInvariants(t *testing.T, in *Input, out string) {
	t.Helper()
	if len(out) >= len(in.Text) {
		t.Fatalf("output %d bytes is not shorter than input %d", len(out), len(in.Text))
	}
	for l := range strings.Lines(out) {
		l = strings.TrimSuffix(l, "\n")
		lines.WithoutNotes(l, func(part string) {
			if part != "" && !strings.Contains(in.Text, part) {
				t.Errorf("kept text %q is not in the input", part)
			}
		})
	}
	again, _ := Text(&Input{Text: in.Text, Query: in.Query, Budget: in.Budget})
	if again != out {
		t.Error("second run differs")
	}
}

// mustFold folds in, which must be rewritten, and checks the invariants.
func mustFold(t *testing.T, in *Input) string {
	t.Helper()
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	return out
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lost %q", w)
		}
	}
}

// TestTracebackWallFolds: dozens of near-identical setup tracebacks fold to
// a few exemplars and a note naming what varies, while the one distinct
// failure among them, the summary lines and the counts stay whole.
func TestTracebackWallFolds(t *testing.T) {
	text := fixture(t, "traceback_wall.txt")
	in := input(text, "The plugin tests blow up. Run them and tell me what is wrong besides the missing plugins.", "")
	out := mustFold(t, in)
	if len(out)*4 > len(text) {
		t.Errorf("wall kept %d of %d bytes; want at most a quarter", len(out), len(text))
	}
	mustContain(t, out,
		"E   ModuleNotFoundError: No module named 'app.plugins.yaml_loader'", // an exemplar, whole
		"E       assert 1.75 == 1.5",                                         // the distinct failure
		"tests/test_retry.py:22: AssertionError",
		"FAILED tests/test_retry.py::test_retry_budget - assert 1.75 == 1.5",
		"1 failed, 8 passed, 32 errors in 2.31s",
		"more blocks like the one above", // the fold says what it did
	)
	// The note names the modules whose tracebacks were folded.
	if !strings.Contains(out, "[mqtt_bus]") && !strings.Contains(out, "mqtt_bus") {
		t.Errorf("no note names the folded modules:\n%s", out)
	}
}

// TestProblemListKeptWhole: a dozen distinct compiler errors in a build
// log are a list, not a wall: every one survives with its location and
// code frame, and the progress lines go.
func TestProblemListKeptWhole(t *testing.T) {
	text := fixture(t, "compile_errors.txt")
	in := input(text, "The build fails. Which files have errors?", "")
	in.Budget = Budget{Bytes: 1500, Lossy: true}
	out := mustFold(t, in)
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, ": error: ") {
			mustContain(t, out, l)
		}
	}
	mustContain(t, out, "make: *** [Makefile:12: all] Error 2")
}

// accessLog is a generated access log: 2,000 requests, three slow ones and
// one 500 among them.
func accessLog() string {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	slow := map[int]int{137: 2870, 901: 4120, 1544: 3310}
	for i := 0; i < 2000; i++ {
		path := []string{"/api/items", "/api/cart", "/healthz", "/api/users"}[r.IntN(4)]
		ms, status := r.IntN(58)+3, 200
		if v, ok := slow[i]; ok {
			ms = v
		}
		if i == 1222 {
			path, status, ms = "/api/checkout", 500, 88
		}
		fmt.Fprintf(&b, "2026-03-02T10:%02d:%02d.%03dZ INFO http request method=GET path=%s status=%d duration=%dms\n",
			(i/60)%60, i%60, r.IntN(1000), path, status, ms)
	}
	return b.String()
}

// TestExtremesAndRareValuesKept: of thousands of similar lines, the ones
// holding the minimum and maximum of a numeric field and the one whose
// status is unique survive; asked for the slowest, the top few do.
func TestExtremesAndRareValuesKept(t *testing.T) {
	text := accessLog()
	in := input(text, "Did the load test go fine?", "")
	out := mustFold(t, in)
	mustContain(t, out, "status=500", "duration=4120ms")
	if len(out)*10 > len(text) {
		t.Errorf("kept %d of %d bytes; want at most a tenth", len(out), len(text))
	}

	in = input(text, "Which requests were the slowest?", "")
	out, _ = Text(in)
	mustContain(t, out, "duration=4120ms", "duration=3310ms", "duration=2870ms")
}

// TestHeaderKeepsItsBody: a header line the question names brings the
// indented block under it.
func TestHeaderKeepsItsBody(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "Fetching package-%03d 1.%d.0 (%d kB)\n", i, i%7, 10+i)
	}
	b.WriteString("ERROR: cannot satisfy the requested versions.\n\nThe conflict is caused by:\n")
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&b, "    package-%03d 1.%d.0 depends on core<2 and >=1.%d\n", i, i, i)
	}
	b.WriteString("\nTo fix this you could try to loosen the range of versions.\n")
	in := input(b.String(), "Install the requirements.", "Quote the conflict explanation lines.")
	out := mustFold(t, in)
	mustContain(t, out, "The conflict is caused by:", "    package-000 1.0.0 depends on core<2 and >=1.0", "    package-007 1.7.0 depends on core<2 and >=1.7")
}

// TestRepeatedFramesFold: stack traces that share most frames keep their
// headline and distinct frames; the shared ones are named as repeated.
func TestRepeatedFramesFold(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&b, "GET /orders/%d -> 500\nTypeError: cannot read property 'qty' of undefined (order %d)\n", i, i)
		fmt.Fprintf(&b, "    at reserve (/srv/app/orders.js:%d:7)\n", 10+i)
		for _, f := range []string{"router/layer.js:95:5", "router/route.js:149:13", "router/route.js:119:3", "router/index.js:284:15", "router/index.js:365:14"} {
			fmt.Fprintf(&b, "    at handle (/srv/app/node_modules/%s)\n", f)
		}
	}
	text := b.String()
	in := input(text, "Why do orders fail?", "")
	in.Budget = Budget{Bytes: len(text) * 9 / 10, Lossy: true} // room for all but the repeats
	out := mustFold(t, in)
	mustContain(t, out, "(order 5)", "orders.js:15:7", "repeated from above")
}

// TestSmallBlocksOnlyLossless: below the lossy threshold only identical
// runs collapse.
// Asked "how many", the tallies of the run count, but a progress line
// repeated all over the output ("processed batch 7 (80 items)") is not a
// tally: it folds, and the verdict lines stay.
func TestCountQuestionFoldsProgressLines(t *testing.T) {
	var sb strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&sb, "09:%02d:%02d queue[%d]: processed batch %d (%d items, depth %d)\n", i/60%60, i%60, 100+i%7, i, 80+i%40, i%9)
		if i == 700 {
			sb.WriteString("09:11:40 supervisor[1]: restarting queue[103] after it stalled\n")
		}
	}
	sb.WriteString("09:25:00 supervisor[1]: all batches finished; 1 restart\n")
	text := sb.String()
	in := input(text, "Replay the queue and tell me what happened.", "How many restarts were there? Quote the restart line.")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not folded")
	}
	checkInvariants(t, in, out)
	mustContain(t, out, "restarting queue[103] after it stalled", "all batches finished; 1 restart")
	if len(out) > 2*in.Budget.Bytes {
		t.Errorf("kept %d bytes of %d for a budget of %d: the progress lines were kept as tallies", len(out), len(text), in.Budget.Bytes)
	}
}

func TestSmallBlocksOnlyLossless(t *testing.T) {
	text := "start\n" + strings.Repeat("waiting for lock\n", 40) + "done\n"
	in := input(text, "", "")
	in.Budget = Budget{Bytes: 10, Lossy: false}
	out, ok := Text(in)
	if !ok {
		t.Fatal("identical run not collapsed")
	}
	if want := "start\nwaiting for lock\n[... previous line repeated 39 times ...]\ndone\n"; out != want {
		t.Errorf("got %q want %q", out, want)
	}
}

func FuzzText(f *testing.F) {
	f.Add("a\nb\nb\nb\nerror: x\n", "why?")
	f.Add(accessLog()[:4000], "slowest request")
	if b, err := os.ReadFile("testdata/traceback_wall.txt"); err == nil {
		f.Add(string(b[:6000]), "what failed")
	}
	f.Fuzz(func(t *testing.T, text, task string) {
		in := &Input{Text: text, Query: relevance.Parse(task, ""), Budget: Budget{Bytes: len(text) / 8, Lossy: true}}
		out, ok := Text(in)
		if !ok {
			return
		}
		checkInvariants(t, in, out)
	})
}

// A line the request names by number is kept.
func TestOrdinalLineKept(t *testing.T) {
	var sb strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&sb, "step %d: copied chunk %d to replica-%d\n", i, i*3, i%5)
	}
	text := sb.String()
	in := input(text, "Quote the 1234th line of that output.", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not folded")
	}
	checkInvariants(t, in, out)
	mustContain(t, out, "step 1233: copied chunk 3699 to replica-3\n")
}

// Test suites printed alike form a group of reports; when the first fills
// much of the budget, the others are folded, but the lines naming their
// failures — few among their passes — are all kept.
func TestFailuresOfFoldedSuitesKept(t *testing.T) {
	var sb strings.Builder
	failing := map[string]bool{}
	for s, suite := range []string{"TestParse", "TestMatch", "TestWindow"} {
		for i := range 40 {
			fmt.Fprintf(&sb, "=== RUN   %s/case_%02d\n", suite, i)
			if (i+s*7)%17 == 5 {
				fmt.Fprintf(&sb, "    %s_test.go:%d: got %d, want %d\n", strings.ToLower(suite[4:]), 40+i, i, i+1)
			}
		}
		fmt.Fprintf(&sb, "--- FAIL: %s (0.00s)\n", suite)
		for i := range 40 {
			if (i+s*7)%17 == 5 {
				name := fmt.Sprintf("%s/case_%02d", suite, i)
				failing[name] = true
				fmt.Fprintf(&sb, "    --- FAIL: %s (0.00s)\n", name)
			} else {
				fmt.Fprintf(&sb, "    --- PASS: %s/case_%02d (0.00s)\n", suite, i)
			}
		}
	}
	sb.WriteString("FAIL\nFAIL\texample.com/sched\t0.004s\n")
	text := sb.String()
	in := input(text, "Run the whole test suite verbosely.", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not folded")
	}
	checkInvariants(t, in, out)
	for name := range failing {
		mustContain(t, out, "--- FAIL: "+name+" (0.00s)")
	}
}

// A sorted list of names grouped by prefix keeps every group's first and
// last name (the newest of an ascending list of versions), and a note on
// omitted names says which names the gap runs from and to.
func TestNameGroupEnds(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("Available builds:\n")
	for _, fam := range []string{"alpha", "beta", "gamma", "delta"} {
		for minor := 1; minor <= 4; minor++ {
			for patch := 0; patch < 12+minor; patch++ {
				fmt.Fprintf(&sb, "  %s%d.%d-%d.%d\n", fam, 2, minor, 7, patch)
			}
		}
	}
	text := sb.String()
	in := input(text, "Which is the newest gamma build for 2.3?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not folded")
	}
	checkInvariants(t, in, out)
	mustContain(t, out, "  gamma2.3-7.14\n", "  gamma2.4-7.15\n", "  delta2.4-7.15\n", "  alpha2.1-7.0\n")
	ranged := false
	for _, l := range lines.Split(out).L {
		if lines.IsNote(l) && strings.Contains(l, " … ") && strings.Contains(l, "lines omitted: ") {
			ranged = true
		}
	}
	if !ranged {
		t.Errorf("no note names the range of omitted names:\n%s", out)
	}
}

// A note never quotes a shape made only of numbers and elisions, and
// gives the range of the numbers that vary.
func TestNoDegenerateShapeInNotes(t *testing.T) {
	var sb strings.Builder
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		word := func() string {
			b := make([]byte, 4+r.IntN(8))
			for k := range b {
				b[k] = byte('a' + r.IntN(26))
			}
			return string(b)
		}
		fmt.Fprintf(&sb, " %7x %10d %c %s/%s.%s\n", 0x400000+r.IntN(1<<20), 100000-i*200, "TDRr"[i%4], word(), word(), word())
	}
	text := sb.String()
	in := input(text, "which symbols are biggest", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not folded")
	}
	checkInvariants(t, in, out)
	if strings.Contains(out, `like "# #`) {
		t.Errorf("a note quotes a degenerate shape:\n%s", out)
	}
	// The sizes omitted are given as a range: nothing larger hides there.
	if !strings.Contains(out, "; field 2: ") {
		t.Errorf("no note gives the range of the numeric field:\n%s", out)
	}
}

// A run of progress lines at the head of a section collapses to its ends:
// the section's other lines are what its exemplar shows.
func TestProgressRunCollapsesEarly(t *testing.T) {
	var sb strings.Builder
	for s := range 30 {
		fmt.Fprintf(&sb, "Session opened: day %d\n", s)
		for pct := 0; pct <= 100; pct += 5 {
			fmt.Fprintf(&sb, "(Scanning catalogue ... %d%%\n", pct)
		}
		for k := range 30 {
			fmt.Fprintf(&sb, "Fetching item-%d-%d from mirror %d ...\n", s, k, k%3)
			fmt.Fprintf(&sb, "Stored item-%d-%d (%d kB)\n", s, k, 10+k)
		}
		fmt.Fprintf(&sb, "Session closed: day %d\n\n", s)
	}
	text := sb.String()
	in := input(text, "summarise the run", "")
	in.Budget.Bytes = 2500
	out, ok := Text(in)
	if !ok {
		t.Fatal("not folded")
	}
	checkInvariants(t, in, out)
	mustContain(t, out, "Fetching item-0-5 from mirror 2 ...\n")
	if n := strings.Count(out, "(Scanning catalogue ... "); n > 8 {
		t.Errorf("kept %d progress lines:\n%s", n, out)
	}
}

// TestRareShapeKeptInUniformRun: in a long run of one form ("<item>:
// VERIFIED"), the two lines of another form are kept though the task
// does not name them, and every note over the run states the form it
// collapsed.
func TestRareShapeKeptInUniformRun(t *testing.T) {
	var sb strings.Builder
	for i := range 600 {
		switch i {
		case 211:
			sb.WriteString("./lib/store/engine.dat: MISMATCH\n")
		case 437:
			sb.WriteString("checker: ./lib/util/clock.dat: cannot open\n")
		default:
			w := []string{"alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa"}
			fmt.Fprintf(&sb, "./lib/%s/%s_%s.dat: VERIFIED\n", w[i%7], w[i/7%7], w[i/49%7])
		}
	}
	sb.WriteString("checker: 2 entries could not be verified\n")
	in := input(sb.String(), "are the archives intact? which entries are broken", "")
	out := mustFold(t, in)
	mustContain(t, out, "./lib/store/engine.dat: MISMATCH", "checker: ./lib/util/clock.dat: cannot open", "2 entries could not be verified")
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, lines.NoteOpen) && !strings.Contains(l, "VERIFIED") {
			t.Errorf("note does not state the collapsed form: %s", l)
		}
	}
}

// TestMatchedRowsOfOneRecordStayRows: a table printed as one record (a
// heading, then hundreds of indented rows) where the task names a value
// of 24 rows keeps those rows and the heading, not the rows after each.
func TestMatchedRowsOfOneRecordStayRows(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("[Widget settings]\n")
	for i := range 600 {
		origin := "{stock}"
		if i%25 == 7 {
			origin = "{tuned}"
		}
		fmt.Fprintf(&sb, "    size_t Setting%03dLimit           = %-12d {product} %s\n", i, i*17, origin)
	}
	in := input(sb.String(), "I need the full list of {tuned} settings.", "")
	out := mustFold(t, in)
	if got := strings.Count(out, "{tuned}"); got != 24 {
		t.Errorf("kept %d of 24 {tuned} rows", got)
	}
	mustContain(t, out, "[Widget settings]")
	if len(out) > 3*in.Budget.Bytes {
		t.Errorf("output %d bytes, budget %d: rows after the matches kept", len(out), in.Budget.Bytes)
	}
}

// Asked which record has the most lines, the fold keeps the largest
// records' first and last lines, so the note between them counts that
// record's lines alone, even when every record is like the others.
func TestLargestRecordsKept(t *testing.T) {
	var b strings.Builder
	for i := range 80 {
		n := 3 + i%7
		if i == 53 {
			n = 40
		}
		fmt.Fprintf(&b, "/opt/tools/tool-%02d:\n", i)
		for k := range n {
			fmt.Fprintf(&b, "\tlibpart%d.so => /usr/lib/libpart%d.so (0x%012x)\n", k, k, 0x7f0000000000+i*4096+k*64)
		}
	}
	in := input(b.String(), "Which tool links the most libraries?", "")
	out := mustFold(t, in)
	head := "/opt/tools/tool-53:\n"
	i := strings.Index(out, head)
	if i < 0 {
		t.Fatalf("the largest record's head is lost:\n%s", out)
	}
	rest := out[i+len(head):]
	last := fmt.Sprintf("\tlibpart39.so => /usr/lib/libpart39.so (0x%012x)\n", 0x7f0000000000+53*4096+39*64)
	if j := strings.Index(rest, last); j < 0 || strings.Contains(rest[:j], "/opt/tools/") {
		t.Errorf("the largest record's last line does not close it:\n%s", out)
	}
}

// A kept line of a "name:" record keeps the record's header: the block's
// last line, kept as the end of the output, is no orphan under the
// header of a record before the gap.
func TestRecordHeaderOfKeptLine(t *testing.T) {
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "/opt/tools/tool-%02d:\n", i)
		for k := range 12 {
			fmt.Fprintf(&b, "\tlibpart%d.so => /usr/lib/libpart%d.so (0x%012x)\n", k, k, 0x7f0000000000+i*4096+k*64)
		}
	}
	in := input(b.String(), "Is anything missing?", "")
	out := mustFold(t, in)
	ls := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	header := ""
	for _, l := range ls {
		if strings.HasPrefix(l, "/opt/tools/") {
			header = l
		}
	}
	if last := ls[len(ls)-1]; !strings.Contains(last, "libpart11.so") || header != "/opt/tools/tool-59:" {
		t.Errorf("the last line %q stands under %q:\n%s", last, header, out)
	}
}

// Asked which record holds the largest value, the fold keeps that
// record's stanza whole: its name and email are lines above the value.
func TestExtremeKeepsItsStanza(t *testing.T) {
	var b strings.Builder
	for i := range 90 {
		v := 100 + (i*7919)%5000
		if i == 61 {
			v = 99999
		}
		fmt.Fprintf(&b, "            id = %d\n         email = p%03d@example.test\n          name = Person %03d\n       country = NL\n    created_at = 2025-09-%02d\nlifetime_value = %d.25\n          tier = free\n         notes = churn risk\n\n", i, i, i, 1+i%28, v)
	}
	in := input(b.String(), "Which customer has the highest lifetime_value? Give the name and email.", "")
	out := mustFold(t, in)
	if !strings.Contains(out, "         email = p061@example.test\n          name = Person 061\n") || !strings.Contains(out, "lifetime_value = 99999.25\n") {
		t.Errorf("the record of the largest value is not whole:\n%s", out)
	}
}

// A note counts the omitted lines that hold a term of the request, so a
// question the kept lines do not answer in full says so.
func TestNotesCountMentions(t *testing.T) {
	var b strings.Builder
	for i := range 400 {
		what := "kept in registers"
		if i%5 == 2 {
			what = "moved to the spill area"
		}
		fmt.Fprintf(&b, "./pkg/file%02d.go:%d:%d: value v%d %s\n", i%13, 10+i, 2+i%9, i, what)
	}
	in := input(b.String(), "Which values go to the spill area?", "")
	out := mustFold(t, in)
	kept := strings.Count(out, "spill area\n")
	counted := 0
	for _, l := range strings.Split(out, "\n") {
		if k := strings.Index(l, " of them mention \"spill\""); k > 0 {
			f := strings.Fields(l[:k])
			var n int
			fmt.Sscan(f[len(f)-1], &n)
			counted += n
		} else if strings.Contains(l, "; 1 of them mentions \"spill\"") {
			counted++
		}
	}
	t.Logf("%d spill lines kept, %d counted in notes", kept, counted)
	if kept+counted != 80 || counted == 0 {
		t.Errorf("%d spill lines kept and %d counted in notes, want 80 in all, some in notes:\n%s", kept, counted, out)
	}
}

// A line of a tree (an include graph marked by dots, a dependency tree
// drawn with box characters) keeps its chain of ancestors when the task
// names it: the chain is the answer to "what pulls it in".
func TestNamedTreeLineKeepsAncestors(t *testing.T) {
	var dots, boxes strings.Builder
	for i := range 40 {
		fmt.Fprintf(&dots, ". /src/include/top%02d.h\n", i)
		for k := range 4 {
			fmt.Fprintf(&dots, ".. /src/include/mid%02d_%d.h\n", i, k)
			for m := range 3 {
				fmt.Fprintf(&dots, "... /src/include/leaf%02d_%d_%d.h\n", i, k, m)
			}
		}
		fmt.Fprintf(&boxes, "├── crate-%02d v1.%d.0\n", i, i)
		for k := range 4 {
			fmt.Fprintf(&boxes, "│   ├── dep-%02d-%d v0.%d.0\n", i, k, k)
			for m := range 3 {
				fmt.Fprintf(&boxes, "│   │   └── sub-%02d-%d-%d v2.%d.1\n", i, k, m, m)
			}
		}
	}
	for _, c := range []struct {
		text, task string
		chain      []string
	}{
		{dots.String(), "Which top header pulls in leaf27_2_1.h, through what?", []string{
			". /src/include/top27.h\n", ".. /src/include/mid27_2.h\n", "... /src/include/leaf27_2_1.h\n"}},
		{boxes.String(), "What depends on sub-13-3-2?", []string{
			"├── crate-13 v1.13.0\n", "│   ├── dep-13-3 v0.3.0\n", "│   │   └── sub-13-3-2 v2.2.1\n"}},
	} {
		in := input(c.text, c.task, "")
		out, ok := Text(in)
		if !ok {
			t.Fatal("not compressed")
		}
		checkInvariants(t, in, out)
		at := 0
		for _, l := range c.chain {
			k := strings.Index(out[at:], l)
			if k < 0 {
				t.Errorf("chain line %q missing or out of order:\n%s", l, out)
				break
			}
			at += k
		}
	}
}

// The one crash in a long dump keeps the lines right under it, which say
// where it happened, though no task term names them.
func TestLoneProblemKeepsWhere(t *testing.T) {
	var b strings.Builder
	for i := range 12 {
		fmt.Fprintf(&b, "[New Thread 0x7f00%04x (LWP %d)]\n", i*4096, 3000+i)
	}
	b.WriteString("\nThread 4 \"svc\" received signal SIGSEGV, Segmentation fault.\n[Switching to Thread 0x7f003000 (LWP 3003)]\n0x00005555555552d1 in parse_header (h=0x55555555a0f0) at reader.c:88\n88\t    return h->fields[h->count - 1].len;\n")
	for f := range 30 {
		fmt.Fprintf(&b, "#%d  0x0000555555555%03x in stage_%d (ctx=0x%x) at pipeline.c:%d\n", f, f*16, f, f*8, 100+f)
	}
	b.WriteString("\n")
	for i := range 12 {
		fmt.Fprintf(&b, "Thread %d (Thread 0x7f00%04x (LWP %d) \"svc\"):\n", 12-i, i*4096, 3000+i)
		for f := range 6 {
			fmt.Fprintf(&b, "#%d  0x00007ffff7e%05x in wait_step_%d (arg=0x%x) at ./nptl/step.c:%d\n        local_%d = %d\n", f, i*97+f, f, i+f, 40+f, f, i*f)
		}
		b.WriteString("\n")
	}
	in := input(b.String(), "It crashes now and then in wait_step_3 or elsewhere; where does it die?", "")
	in.Budget.Bytes = 300
	out := mustFold(t, in)
	mustContain(t, out, "received signal SIGSEGV", "in parse_header (h=0x55555555a0f0) at reader.c:88\n", "return h->fields[h->count - 1].len;")
}

// A task term found in every line of one repeated, long shape does not
// make every such line a must: the first and last are kept, the rest
// only as the budget allows, so the fold stays near its budget.
func TestCrowdedMatchesShareBudget(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		fmt.Fprintf(&b, "worker %03d idle\n", i)
		if i%40 == 3 {
			fmt.Fprintf(&b, "        snapshot = {regs = {%d, %d, %d, %d, %d, %d}, data = {prev = 0x0, next = 0x%x, flags = %d}}\n", 140737326671552+i*8192, -1916216397919798155+i, i*3, i*5, 140737488347968, 140737318281216+i, i*64, i%3)
		}
	}
	in := input(b.String(), "What is wrong with the data?", "")
	in.Budget.Bytes = 900
	out := mustFold(t, in)
	if len(out) > in.Budget.Bytes*3/2 {
		t.Errorf("output %d bytes, budget %d:\n%s", len(out), in.Budget.Bytes, out)
	}
	mustContain(t, out, "snapshot = {regs = {140737326696128,", "snapshot = {regs = {140737328989888,")
}

// The record the task names keeps every line holding a term of the
// request, though the term (a field every record has) is common: "the
// digest of the zeta entry" asks for that entry's digest line.
func TestNamedRecordKeepsCommonField(t *testing.T) {
	var b strings.Builder
	for i := range 150 {
		name := fmt.Sprintf("pkg-%03d", i)
		if i == 88 {
			name = "zeta"
		}
		fmt.Fprintf(&b, "[[entry]]\nname = %q\nversion = \"1.%d.%d\"\nsource = \"registry+https://registry.example.test/index\"\ndigest = \"%064x\"\nrequires = [\n \"pkg-%03d\",\n \"pkg-%03d\",\n]\n\n", name, i%9, i%4, i*7919, (i+1)%150, (i+7)%150)
	}
	in := input(b.String(), "Give me the exact version and digest of zeta for the audit.", "")
	out := mustFold(t, in)
	mustContain(t, out, "name = \"zeta\"\nversion = \"1.7.0\"\n", fmt.Sprintf("digest = \"%064x\"\n", 88*7919))
}

// A kept row of a table printed under a header and a rule keeps the
// header: its numbers mean nothing without the column names.
func TestKeptRowKeepsTableHeader(t *testing.T) {
	var b strings.Builder
	for s := range 8 {
		fmt.Fprintf(&b, "snapshot group %d\n%s\n  id     elapsed(ms)     resident(kB)     shared(kB)\n%s\n", s, strings.Repeat("-", 60), strings.Repeat("-", 60))
		for r := range 12 {
			k := s*12 + r
			res := 1000 + (k*37)%900
			if k == 70 {
				res = 98765
			}
			fmt.Fprintf(&b, "%4d %14d %16d %14d\n", k, k*125, res, 200+k%17)
		}
		b.WriteString("\n")
	}
	in := input(b.String(), "When was resident memory at its peak?", "")
	in.Budget.Bytes = 900
	out := mustFold(t, in)
	at := strings.Index(out, "98765")
	if at < 0 {
		t.Fatalf("lost the peak row:\n%s", out)
	}
	head := "  id     elapsed(ms)     resident(kB)     shared(kB)\n" + strings.Repeat("-", 60) + "\n"
	if h := strings.LastIndex(out[:at], head); h < 0 || strings.Contains(out[h+len(head):at], "\n\n") {
		t.Errorf("the peak row's table lost its header:\n%s", out)
	}
}

// A term found in every record is not repeated in the note of every
// omitted run (at most maxMentionRuns of them): it says nothing there.
func TestNoMentionOfEveryRecordsTerm(t *testing.T) {
	var b strings.Builder
	for i := range 80 {
		fmt.Fprintf(&b, "unit-%02d:\n  Loaded: %d\n  Active: yes\n  Sources:\n      mirror http://mirror.example.test/dist main Packages\n      local /var/lib/units/state\n", i, i%3)
	}
	in := input(b.String(), "Which units are loaded from Packages of the mirror?", "")
	out := mustFold(t, in)
	if n := strings.Count(out, `mention "packages"`) + strings.Count(out, `mentions "packages"`); n > 12 {
		t.Errorf("%d notes mention a term of every record:\n%s", n, out)
	}
	if testing.Verbose() {
		t.Log(out)
	}
}

var warningKinds = []string{
	"conversion from 'long' to 'int' may change value [-Wconversion]",
	"unused variable 'scale' [-Wunused-variable]",
	"declaration of 'n' shadows a parameter [-Wshadow]",
	"comparison of integer expressions of different signedness [-Wsign-compare]",
	"implicit declaration of function 'atoi' [-Wimplicit-function-declaration]",
	"format '%d' expects argument of type 'int' [-Wformat=]",
	"missing initializer for field 'flags' [-Wmissing-field-initializers]",
	"comparison is always false due to limited range of data type [-Wtype-limits]",
	"unused parameter 'ctx' [-Wunused-parameter]",
	"ISO C forbids an empty translation unit [-Wpedantic]",
	"suggest parentheses around assignment used as truth value [-Wparentheses]",
	"this 'if' clause does not guard... [-Wmisleading-indentation]",
}

// Warnings the request waves away ("I don't care about the warnings")
// rank with the rest, one kept to show what was dropped, so a build log
// of hundreds of warnings keeps its errors within the budget.
func TestDismissedWarningsYield(t *testing.T) {
	var b strings.Builder
	mods := strings.Fields("arena ast cfg config dce dom emit gvn inline intern licm liveness lower main parse regalloc sched ssa types verify")
	for f, mod := range mods {
		fmt.Fprintf(&b, "cc -c src/%s.c\n", mod)
		for w := range 6 {
			msg := warningKinds[(f*6+w)%len(warningKinds)]
			fmt.Fprintf(&b, "src/%s.c:%d:9: warning: %s\n   %d |     int v = n * %d;\n      |         ^\n", mod, 10+w, msg, 10+w, w)
		}
		if mod == "liveness" {
			b.WriteString("src/liveness.c:41:5: error: unknown type name 'cfg_t'\n   41 |     cfg_t *c = load();\n      |     ^~~~~\n")
		}
	}
	b.WriteString("make: *** [Makefile:7: build/liveness.o] Error 1\n")
	task := "The build is red. What breaks it? I don't care about the warnings."
	in := input(b.String(), task, "")
	out := mustFold(t, in)
	mustContain(t, out, "src/liveness.c:41:5: error: unknown type name 'cfg_t'\n", "make: *** [Makefile:7: build/liveness.o] Error 1")
	if len(out) > in.Budget.Bytes*3/2 {
		t.Errorf("dismissed warnings still fill the output: %d bytes, budget %d", len(out), in.Budget.Bytes)
	}
	if !strings.Contains(out, "warning: conversion from") {
		t.Errorf("no warning left to show what was dropped:\n%s", out)
	}
}

// A problem phrase spread over two fields ("was not found") reports where
// its fields take few values across a shape's lines, and names where they
// vary (tests named "... when not found").
func TestPhraseAcrossFields(t *testing.T) {
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "Lookup %d of lib%02d started with the usual settings\n", i, i)
		if i == 17 || i == 44 {
			b.WriteString("  The item was not found.\n")
		} else {
			fmt.Fprintf(&b, "  The item was found at\n    /opt/search/path2/lib%02d.so\n", i)
		}
		a, z := fmt.Sprintf("state%02d", i), fmt.Sprintf("ready%02d", i)
		if i%20 == 5 {
			a, z = "not", "found"
		}
		fmt.Fprintf(&b, "  ✓ should answer the call%02d when %s %s\n", i, a, z)
	}
	in := input(b.String(), "Which lookups came up empty?", "")
	p := newPlan(in)
	p.mark()
	for i, l := range p.b.L {
		switch {
		case strings.Contains(l, "The item was not found."):
			if p.sev[i] != lines.Problem {
				t.Errorf("line %d %q reads as no problem", i, l)
			}
		case strings.Contains(l, "✓ should"):
			if p.sev[i] != lines.NoSignal {
				t.Errorf("line %d %q reads as a problem", i, l)
			}
		}
	}
}

// A named header that opens a section (up to the next line of its shape)
// keeps the section's outline: a thread's frames, not only its first
// frame with its locals.
func TestNamedSectionKeepsOutline(t *testing.T) {
	var b strings.Builder
	for th := 12; th >= 1; th-- {
		fmt.Fprintf(&b, "Thread %d (Thread 0x7f%08x (LWP %d) \"srv\"):\n", th, th*0x1000, 7000+th)
		for f := range 8 {
			fmt.Fprintf(&b, "#%d  0x%016x in step_%d_%d (ctx=0x%x, depth=%d) at srv.c:%d\n", f, 0x5555000+f*16+th, th, f, 0x7ff0+th, f, 10+f*7)
			for v := range 6 {
				fmt.Fprintf(&b, "        slot%d = <optimized out>\n", v)
			}
		}
		b.WriteString("\n")
	}
	in := input(b.String(), "What is Thread 4 (LWP 7004) doing?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	for f := range 8 {
		if !strings.Contains(out, fmt.Sprintf(" in step_4_%d (", f)) {
			t.Errorf("frame #%d of the named thread lost:\n%s", f, out)
		}
	}
}

// Asked for the largest, a shape of a few lines among hundreds of another
// keeps its largest too, and a note's range over one shape of a mixed run
// says that it is of those lines alone.
func TestSmallShapeExtremes(t *testing.T) {
	var b strings.Builder
	at := 0
	for i := range 3000 {
		at += 7 + i%5
		if i%430 == 40 {
			fmt.Fprintf(&b, "[pid:0x1] %6d ms: Full-Sweep %d.%d -> %d.%d MB, %d.%02d / 0.00 ms  (marking done; old space)\n", at, 40+i/3, i%10, 9+i/9, i%7, 20+i*(i%3), i%100)
			continue
		}
		fmt.Fprintf(&b, "[pid:0x1] %6d ms: Quick %d.%d (%d.%d) -> %d.%d MB, %d.%02d / 0.00 ms  (average mu = 1.000) young gen\n", at, 10+i%30, i%10, 20+i%30, i%7, 5+i%20, i%9, 1+i%60, i%100)
	}
	text := b.String()
	in := input(text, "What was the single longest pause in this run?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	// The Full-Sweep pauses are 20+i*(i%3) ms for i = 40, 470, ..., 2620.
	best, bestText := 0, ""
	for i := 40; i < 3000; i += 430 {
		if v := 20 + i*(i%3); v > best {
			best, bestText = v, fmt.Sprintf("MB, %d.%02d / 0.00 ms", v, i%100)
		}
	}
	if !strings.Contains(out, bestText) {
		t.Errorf("the longest pause, of the rare shape, is lost:\n%s", out)
	}
}

// A note's numeric range over the common shape of a mixed run says it is
// of those lines: a rarer shape's values may lie outside it.
func TestMixedRunRangeLabelled(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		if i%10 == 5 {
			fmt.Fprintf(&b, "worker finished the long task in %d ms after retrying\n", 900+i)
			continue
		}
		fmt.Fprintf(&b, "step %d of the warm pass took %d ms\n", i, 10+i)
	}
	in := input(b.String(), "", "")
	p := newPlan(in)
	p.mark()
	note := p.describeLines(0, len(p.b.L))
	if strings.Contains(note, "–") && !strings.Contains(note, "in those, ") {
		t.Errorf("the range of one shape reads as the run's: %s", note)
	}
}

// A kept line's variables bring their definitions, three levels deep.
func TestKeepDefinitions(t *testing.T) {
	ls := []string{
		"# variables",
		"CC = cc",
		"CFLAGS := -O2",
		"COMPILE.c = $(CC) $(CFLAGS) -c",
		"OUTPUT_OPTION = -o $@",
		"UNUSED = 1",
		"%.o: %.c",
		"\t$(COMPILE.c) $(OUTPUT_OPTION) $<",
		"  INDENTED = not a definition",
	}
	keep := make([]bool, len(ls))
	keep[7] = true
	KeepDefinitions(ls, keep)
	for i, want := range []bool{false, true, true, true, true, false, false, true, false} {
		if keep[i] != want {
			t.Errorf("line %d %q kept %v, want %v", i, ls[i], keep[i], want)
		}
	}
}

// A note over lines sorted by a dotted key names the first and last keys,
// so a reader can tell whether the key it looks for lies among them.
func TestKeyRangeOfSortedSettings(t *testing.T) {
	if got := keyRange([]string{"net.core.a = 1", "net.core.b = 2", "net.core.c = 3"}); got != ": net.core.a … net.core.c" {
		t.Errorf("keyRange = %q", got)
	}
	for _, ls := range [][]string{
		{"net.core.b = 1", "net.core.a = 2", "net.core.c = 3"}, // not sorted
		{"24\t// x", "25\t// y", "26\t// z"},                   // line numbers
		{"alpha 1", "beta 2", "gamma 3"},                       // plain words
	} {
		if got := keyRange(ls); got != "" {
			t.Errorf("keyRange(%q) = %q", ls, got)
		}
	}
}

// Asked how many, a note over lines that hold none of the request's term
// says so: the kept lines are then the whole count.
func TestCountNotesSayNone(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		country := []string{"Spain", "Norway", "Chile", "Kenya", "Japan"}[i%5]
		if i == 40 || i == 210 {
			country = "Iceland"
		}
		fmt.Fprintf(&b, "subject=C = %s, O = Trust Org %03d, CN = Root CA %03d\n", country, i, i)
	}
	in := input(b.String(), "How many roots from Iceland are in the bundle?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	if strings.Count(out, "C = Iceland") != 2 || !strings.Contains(out, `none mention "iceland"`) {
		t.Errorf("the count is not readable:\n%.1500s", out)
	}
}

// typeCheckWall is a type checker's report where every line is an error:
// n errors over twenty files, of many messages, some with a second line.
func typeCheckWall(n int) string {
	r := rand.New(rand.NewPCG(7, 9))
	subjects := []string{"Property", "Parameter", "Variable", "Member", "Element", "Argument of type", "Expression", "Binding element", "Return type", "Type"}
	faults := []string{
		"does not exist on type", "implicitly has an 'any' type in", "is not assignable to",
		"is declared but never read in", "is possibly 'undefined' when used as", "cannot be used to index",
		"has no call signatures in", "lacks a construct signature for",
	}
	names := []string{"settings", "engine", "cache", "router", "locals", "view", "handle", "params", "stack", "route"}
	var sb strings.Builder
	for i := range n {
		file := fmt.Sprintf("src/part%d.js", i*20/n)
		code := 2300 + r.IntN(60)*7
		fmt.Fprintf(&sb, "%s(%d,%d): error TS%d: %s '%s' %s '%s'.\n", file, 10+i*3, 1+r.IntN(40), code,
			subjects[r.IntN(len(subjects))], names[r.IntN(len(names))], faults[r.IntN(len(faults))], names[r.IntN(len(names))])
		if r.IntN(3) == 0 {
			fmt.Fprintf(&sb, "  Type '%s' is missing the following properties: %s, %s\n", names[r.IntN(len(names))], names[r.IntN(len(names))], names[r.IntN(len(names))])
		}
	}
	fmt.Fprintf(&sb, "\nFound %d errors in 20 files.\n", n)
	return sb.String()
}

// TestProblemWallRanksProblems: when nearly every line reports a problem,
// being one is not a reason to keep a line past the budget. The lines of
// the file the request names all stay, each shape of problem keeps an
// exemplar, the summary stays, and the rest is folded instead of kept.
func TestProblemWallRanksProblems(t *testing.T) {
	text := typeCheckWall(600)
	in := input(text, "List the errors reported in src/part7.js.", "")
	out := mustFold(t, in)
	if len(out) > 2*in.Budget.Bytes {
		t.Errorf("wall kept %d bytes; budget %d", len(out), in.Budget.Bytes)
	}
	for l := range strings.Lines(text) {
		if strings.HasPrefix(l, "src/part7.js(") {
			mustContain(t, out, l)
		}
	}
	mustContain(t, out, "Found 600 errors in 20 files.")
}

// TestRarestValuesFirst: of a categorical field's rare values, the rarest
// are kept first, each before any other gets a second line: one PROPFIND
// among fifty HEADs, three POSTs and a thousand GETs survives.
func TestRarestValuesFirst(t *testing.T) {
	var sb strings.Builder
	for i := range 1200 {
		method := "GET"
		switch {
		case i == 1000:
			method = "PROPFIND"
		case i%300 == 7:
			method = "POST"
		case i%24 == 5:
			method = "HEAD"
		}
		fmt.Fprintf(&sb, "127.0.0.1 - - [03/Dec/2026 11:%02d:%02d] \"%s /docs/p%d.html HTTP/1.1\" 200 -\n", i/60%60, i%60, method, i%40)
	}
	text := sb.String()
	out := mustFold(t, input(text, "Did any client use an odd HTTP method?", ""))
	mustContain(t, out, "\"PROPFIND /docs/p0.html HTTP/1.1\"", "\"POST /docs/p7.html HTTP/1.1\"")
}

// TestExtremeAmongMergedShapes: a few lines of another shape in a cluster
// ("... above review threshold" among "... amount_cents=N unit_count=M")
// leave its number columns numbers: the record with the largest amount
// is kept.
func TestExtremeAmongMergedShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var sb strings.Builder
	for i := range 600 {
		amount := 1000 + r.IntN(90000)
		if i == 343 {
			amount = 99990
		}
		fmt.Fprintf(&sb, "2026-12-03 11:43:38,%03d INFO    etl.load: record R%05d sku=SKU-%03d amount_cents=%d unit_count=%d region=eu\n", i%1000, i, r.IntN(999), amount, r.IntN(40))
		if amount > 90000 {
			fmt.Fprintf(&sb, "2026-12-03 11:43:38,%03d WARNING etl.load: record R%05d amount_cents=%d above review threshold\n", i%1000, i, amount)
		}
	}
	text := sb.String()
	out := mustFold(t, input(text, "Which record had the biggest amount, and what was its unit count?", ""))
	mustContain(t, out, "record R00343 sku=SKU-")
}

// TestLeanNotes: when notes would take over a quarter of the budget (one
// between every pair of kept warnings), each names a few values and
// counts the rest.
func TestLeanNotes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var sb strings.Builder
	for i := range 800 {
		words := []string{"amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "iris", "juniper", "kelp", "lotus"}
		fmt.Fprintf(&sb, "INFO load: record R%05d item=%s-%s qty=%d\n", i, words[r.IntN(12)], words[r.IntN(12)], r.IntN(40))
		if i%9 == 4 {
			fmt.Fprintf(&sb, "WARNING load: record R%05d held for review\n", i)
		}
	}
	text := sb.String()
	in := input(text, "Which records were held for review?", "")
	out := mustFold(t, in)
	if !strings.Contains(out, " more ...]") {
		t.Errorf("no lean note:\n%s", out)
	}
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, lines.NoteOpen) && strings.Count(l, "item=") > leanNames {
			t.Errorf("note names more than %d values: %s", leanNames, l)
		}
	}
}

// TestOddPairKept: two lines like no other between kept ones (a skip and
// an unexpected pass after a test run's failures) are kept, not told as
// "2 lines omitted".
func TestOddPairKept(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("============================= test session starts ==============================\ncollected 140 items\n\n")
	for i := range 130 {
		fmt.Fprintf(&sb, "tests/test_inv.py::test_reorder_%02d[%d-3] PASSED                          [%3d%%]\n", i, i, i*100/140)
	}
	for i := range 6 {
		fmt.Fprintf(&sb, "tests/test_inv.py::test_tax[0.%d-0.15-0.12] FAILED                        [ 97%%]\n", i)
	}
	sb.WriteString("tests/test_inv.py::test_sync_remote SKIPPED (needs the staging API)      [ 98%]\n")
	sb.WriteString("tests/test_inv.py::test_tax_rounding XPASS (policy TBD)                  [100%]\n")
	sb.WriteString("\n=================================== FAILURES ===================================\n")
	for i := range 6 {
		fmt.Fprintf(&sb, "___________________________ test_tax[0.%d-0.15-0.12] ____________________________\n\n", i)
		fmt.Fprintf(&sb, "p = 0.%d, r = 0.15, want = 0.12\n\n    def test_tax(p, r, want):\n>       assert price_with_tax(p, r) == want\n", i)
		fmt.Fprintf(&sb, "E       assert 0.1%d == 0.12\nE        +  where 0.1%d = price_with_tax(0.%d, 0.15)\n\ntests/test_inv.py:%d: AssertionError\n", i, i, i, 270+i)
	}
	sb.WriteString("=============================== warnings summary ===============================\n")
	for i := range 12 {
		fmt.Fprintf(&sb, "tests/test_inv.py::test_parse_%d\n  /src/invtool/tests/test_inv.py:%d: DeprecationWarning: separator %d is deprecated; use '.'\n\n", i, 250+i, i)
	}
	sb.WriteString("=========== 1 failed, 137 passed, 1 skipped, 1 xpassed in 0.31s ============\n")
	in := input(sb.String(), "Which test passed though it was expected to fail?", "")
	in.Budget.Bytes = 1500
	out := mustFold(t, in)
	mustContain(t, out, "test_sync_remote SKIPPED", "test_tax_rounding XPASS")
}

// TestScopedExtremeOfPrefixedRecords: a tool that writes its prefix before
// every line ("==5869==") writes its blank lines as the prefix alone,
// which end its records; asked for the largest among the records a term
// picks out, that record is kept with its stack, though larger records of
// other kinds top the block.
func TestScopedExtremeOfPrefixedRecords(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("==5869== Memcheck, a memory error detector\n==5869== \n")
	for i := range 80 {
		kind := "definitely lost"
		if i%3 == 0 {
			kind = "still reachable"
		}
		size := 100 + (i*37)%400
		if kind == "still reachable" {
			size = 20 + i
		}
		fn := fmt.Sprintf("alloc_%02d", i)
		if i == 42 {
			size, fn = 333, "hash_key"
		}
		fmt.Fprintf(&sb, "==5869== %d bytes in 3 blocks are %s in loss record %d of 80\n", size, kind, i+1)
		sb.WriteString("==5869==    at 0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n")
		fmt.Fprintf(&sb, "==5869==    by 0x1094%02X: %s (leaky.c:%d)\n", i, fn, 10+i)
		fmt.Fprintf(&sb, "==5869==    by 0x1097%02X: main (leaky.c:%d)\n==5869== \n", i, 40+i)
	}
	sb.WriteString("==5869== LEAK SUMMARY:\n==5869==    definitely lost: 12,345 bytes in 160 blocks\n")
	out := mustFold(t, input(sb.String(), "Among the still-reachable records, which allocation site is the largest?", ""))
	mustContain(t, out, "333 bytes in 3 blocks are still reachable in loss record 43 of 80", ": hash_key (leaky.c:52)")
}

// A long list of bare numbers is no progress run, nor is any run that
// starts inside it, and telling so reads each line about once: starting
// over at each line of the list made a 1 MB list of versions take
// seconds.
func TestProgressRunsListLinear(t *testing.T) {
	var sb strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&sb, "%d.%d.%d\n", 1+i%3, i%7, i)
	}
	for i := range 6 {
		fmt.Fprintf(&sb, "downloading layer %d%%\n", 10*i)
	}
	b := lines.Split(sb.String())
	cl, _ := clusterLines(b, func() bool { return false })
	// Speed is BenchmarkProgressRunsList's; here, what the runs are.
	runs := progressRuns(b, cl)
	if want := [][2]int{{200000, 200006}}; !slices.Equal(runs, want) {
		t.Errorf("runs %v, want %v", runs, want)
	}
}

// BenchmarkProgressRunsList: a list of 200,000 bare numbers is read in one
// pass (it was quadratic: 44 s).
//
//	go test ./compress/fold/ -run '^$' -bench ProgressRunsList
func BenchmarkProgressRunsList(b *testing.B) {
	var sb strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&sb, "%d.%d.%d\n", 1+i%3, i%7, i)
	}
	ls := lines.Split(sb.String())
	cl, _ := clusterLines(ls, func() bool { return false })
	b.ResetTimer()
	for b.Loop() {
		progressRuns(ls, cl)
	}
}

// letters names shape k with letters only, so that no two shapes mask
// alike.
func letters(k int) string {
	var b []byte
	for k++; k > 0; k /= 26 {
		b = append(b, byte('a'+k%26))
	}
	return string(b)
}

// Asked for an extreme, each shape looks up the lines holding a term
// among its own lines: a term on every line of 2,000 shapes of 8 lines
// once cost every shape a walk over all the term's hits (shapes x lines
// map lookups per term).
func TestScopedExtremesManyShapes(t *testing.T) {
	in := input(manyShapes(), "which upload from alpha to beta on gamma took the longest", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not folded")
	}
	mustContain(t, out, " took 996 ms\n")
}

// manyShapes is 16,000 lines of 2,000 shapes that all hold the task's
// terms.
func manyShapes() string {
	var sb strings.Builder
	for i := range 16000 {
		k := i % 2000
		fmt.Fprintf(&sb, "%s%s upload from alpha to beta on gamma took %d ms\n", letters(k), letters(k+7), i*7%997)
	}
	return sb.String()
}

// BenchmarkScopedExtremesManyShapes: asked for an extreme, 2,000 shapes
// each read their own lines of a term, not all of its hits (2.3 s before).
//
//	go test ./compress/fold/ -run '^$' -bench ScopedExtremesManyShapes
func BenchmarkScopedExtremesManyShapes(b *testing.B) {
	text := manyShapes()
	for b.Loop() {
		Text(input(text, "which upload from alpha to beta on gamma took the longest", ""))
	}
}
