package search

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// kt is this package under the shared kind checks.
var kt = kindtest.Compressor{Detect: Detect, Compress: Compress, Share: 0.12}

// regroup undoes grouping: it returns the output's hit lines with their
// paths, "path:" headings applied to the "N:" / "N-" members below them.
func regroup(out string) []string {
	var got []string
	head := ""
	member := regexp.MustCompile(`^\d+[:-]`)
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case lines.IsNote(l):
		case strings.HasSuffix(l, ":") && !member.MatchString(l):
			head = strings.TrimSuffix(l, ":")
		case head != "" && member.MatchString(l):
			m := member.FindString(l)
			got = append(got, head+string(m[len(m)-1])+l)
		default:
			got = append(got, l)
		}
	}
	return got
}

func TestDetect(t *testing.T) {
	fixtures := []string{"grep_group.txt", "grep_files.txt", "grep_small.txt", "grep_context.txt", "grep_count.txt", "lint_report.txt", "grep_onefile.txt", "grep_near.txt"}
	not := map[string]string{
		"log with times": strings.Repeat("10:04:31 INFO worker 3 started\n10:04:32 WARN slow disk\n", 20),
		"log with dates": strings.Repeat("2026-03-01T10:00:00Z level=info msg=ok\n2026-03-01 10:00:01 done\n", 20),
		"dated lines":    strings.Repeat("2024-01-02 upgrade libc6:amd64 2.36-9\n", 20),
		"go code":        strings.Repeat("func (s *Server) Close() error {\n\treturn s.ln.Close()\n}\n", 20),
		"paths":          strings.Repeat("./api/server.go\n./api/server_test.go\n./store/db.go\n", 20),
		"diff":           "diff --git a/x.go b/x.go\n--- a/x.go\n+++ b/x.go\n@@ -1,3 +1,3 @@\n-a\n+b\n c\n d\n e\n",
		"json lines":     strings.Repeat(`{"level":"info","msg":"served","path":"/a:1:2"}`+"\n", 20),
		"prose":          strings.Repeat("The server listens on port 8080: see the docs.\n", 20),
		"urls":           strings.Repeat("https://example.com:443/a/b\n", 20),
		// Diagnostics are a build log whose lines stay whole.
		"compiler diagnostics": "# example.com/app/store\n" + strings.Repeat("store/db.go:12:9: undefined: openPool\nstore/db.go:30:2: \"os\" imported and not used\n", 10),
		"checker diagnostics":  strings.Repeat("app/models.py:40: error: Incompatible return value type\napp/models.py:52: note: See the docs\n", 10),
	}
	kt.CheckDetect(t, fixtures, not)
}

// Search hits with columns (ripgrep --vimgrep) print the matched line
// with its own indentation: they are not diagnostics.
func TestDetectColumnHits(t *testing.T) {
	text := strings.Repeat("src/pool.py:12:5:    conn = open_pool(size)\nsrc/pool.py:30:9:\treturn open_pool(1)\nsrc/db.py:7:1:open_pool = make_pool\n", 5)
	if !Detect(text) {
		t.Error("column hits not detected as a search result")
	}
	for l, want := range map[string]bool{
		"a/b.go:1:2: undefined: x":       true,
		"a.py:3: warning: unused import": true,
		"a.py:3:5:    x = 1":             false,
		"a.py:3:5:x = 1":                 false,
		"a.py:3: x = 1":                  false,
		"a.py:3:\tx = 1":                 false,
		"some words: 12:3: not a path":   false,
	} {
		if got := diagnosticLine(l); got != want {
			t.Errorf("diagnosticLine(%q) = %v", l, got)
		}
	}
}

func TestParseForms(t *testing.T) {
	text := strings.Join([]string{
		"src/a.go:12:\tx := 1",
		"src/a.go-13-\ty := 2",
		"--",
		"src/a-b.go-40-\tbefore",
		"src/a-b.go:41:5:\tmatch with column",
		"src/c.go:7",
		"",
		"/abs/lint/d.js",
		"   3:14  error  bad thing  rule-x",
		"C:\\src\\e.go:9:\tdrive letter",
	}, "\n")
	p := parse(lines.Split(text), nil)
	want := []kind{match, context, separator, context, match, count, blank, heading, match, match}
	for i, k := range want {
		if p.kind[i] != k {
			t.Errorf("line %d %q: kind %d, want %d", i, p.b.L[i], p.kind[i], k)
		}
	}
	paths := map[int]string{0: "src/a.go", 1: "src/a.go", 3: "src/a-b.go", 4: "src/a-b.go", 5: "src/c.go", 7: "/abs/lint/d.js", 8: "/abs/lint/d.js", 9: "C:\\src\\e.go"}
	for i, want := range paths {
		if f := p.fileOf[i]; f < 0 || p.files[f].path != want {
			t.Errorf("line %d: file %q, want %q", i, fileName(p, i), want)
		}
	}
	if got := p.text(4); got != "\tmatch with column" {
		t.Errorf("text of a line:col hit = %q", got)
	}
}

func fileName(p *parsed, i int) string {
	if p.fileOf[i] < 0 {
		return ""
	}
	return p.files[p.fileOf[i]].path
}

func TestGroupingIsLossless(t *testing.T) {
	text := kindtest.Fixture(t, "grep_group.txt")
	out := kt.Run(t, kindtest.Input(text, "", fold.Budget{Bytes: len(text), Lossy: false}))
	if !strings.Contains(out, "\n./store/store.go:\n") {
		t.Errorf("no path: heading for a file's hits:\n%s", out)
	}
	got := regroup(out)
	want := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("regrouped output differs from the input:\n%s", out)
	}
}

func TestVerbatimKeepsWholeLines(t *testing.T) {
	text := kindtest.Fixture(t, "grep_group.txt")
	if out, ok := Compress(kindtest.Input(text, "quote the hits verbatim", fold.Budget{Bytes: len(text)})); ok {
		t.Errorf("lossless form under a quote request changed lines:\n%s", out)
	}
	text = kindtest.Fixture(t, "grep_files.txt")
	out := kt.Run(t, kindtest.Input(text, "quote the exact line registering HARBOR_QUOTA_LIMIT", kt.Budget(len(text))))
	whole := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		whole[l] = true
	}
	for _, l := range strings.Split(out, "\n") {
		if !lines.IsNote(l) && !whole[l] {
			t.Errorf("under a quote request, %q is not a whole input line", l)
		}
	}
}

func TestWholeFilesDropFirst(t *testing.T) {
	text := kindtest.Fixture(t, "grep_files.txt")
	in := kindtest.Input(text, "Which setting registers the quota limit HARBOR_QUOTA_LIMIT, and where?", kt.Budget(len(text)))
	out := kt.Run(t, in)
	for _, want := range []string{
		`./store/quota.go:37:var quotaLimit = settings.RegisterInt("HARBOR_QUOTA_LIMIT")`,
		"38:var quotaGrace", // the rest of the file the task names
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	if len(out) > in.Budget.Bytes*5/4 {
		t.Errorf("output %d bytes, budget %d", len(out), in.Budget.Bytes)
	}
	// Dropped files are named, with their match counts.
	note := regexp.MustCompile(`\[\.\.\. \d+ more files? with \d+ match(es)? omitted[^]]*\(\d+\)`)
	if !note.MatchString(out) {
		t.Errorf("no note naming dropped files:\n%s", out)
	}
	// A shown file is shown with all its hits or with a note: files go
	// whole before their hits are capped.
	p := parse(lines.Split(text), nil)
	shown := 0
	for _, f := range p.files {
		if strings.Contains(out, f.path+":") {
			shown++
		}
	}
	if shown == 0 || shown == len(p.files) {
		t.Errorf("%d of %d files shown", shown, len(p.files))
	}
}

func TestSmallResultIsNotCut(t *testing.T) {
	text := kindtest.Fixture(t, "grep_small.txt")
	in := kindtest.Input(text, "why is there no backoff between retries in tests?", fold.Budget{Bytes: 2048, Lossy: true})
	out, ok := Compress(in)
	if ok {
		kindtest.CheckOutput(t, text, out)
	} else {
		out = text
	}
	if lines.Split(out).Len() > 0 && strings.Contains(out, lines.NoteOpen) {
		t.Errorf("a small result was cut:\n%s", out)
	}
	if !strings.Contains(out, "retryBackoff = func(n int) time.Duration { return 0 } // disables backoff in tests") {
		t.Errorf("the deciding hit is gone:\n%s", out)
	}
}

func TestRelevanceDecidesWhichHits(t *testing.T) {
	text := kindtest.Fixture(t, "grep_near.txt")
	in := kindtest.Input(text, "How does serveLedgerExport handle a failing rows iteration?", kt.Budget(len(text)))
	out := kt.Run(t, in)
	for _, want := range []string{
		"serveLedgerExport(w http.ResponseWriter",
		"if err := rows.Err(); err != nil {", // no task term: kept as the code around the named one
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`\[\.\.\. \d+ matches omitted \(lines \d+-\d+\) \.\.\.\]`).MatchString(out) {
		t.Errorf("no note for the capped hits of the shown file:\n%s", out)
	}
}

func TestContextLinesStayWithTheirMatch(t *testing.T) {
	text := kindtest.Fixture(t, "grep_context.txt")
	out := kt.Run(t, kindtest.Input(text, "", fold.Budget{Bytes: len(text)}))
	if got, want := regroup(out), strings.Split(strings.TrimSuffix(text, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("grouped context lines do not regroup to the input:\n%s", out)
	}
	in := kindtest.Input(text, "", kt.Budget(len(text)))
	out = kt.Run(t, in)
	// Every kept match has its context lines around it.
	b := lines.Split(out)
	for i, l := range b.L {
		if regexp.MustCompile(`^\d+:  res\.sendStatus`).MatchString(l) {
			if i == 0 || !regexp.MustCompile(`^\d+-`).MatchString(b.L[i-1]) && !strings.HasSuffix(b.L[i-1], ":") {
				t.Errorf("match %q kept without its context above", l)
			}
		}
	}
}

func TestCountsKeepTheLargest(t *testing.T) {
	text := kindtest.Fixture(t, "grep_count.txt")
	out := kt.Run(t, kindtest.Input(text, "which file uses it most?", kt.Budget(len(text))))
	if !strings.Contains(out, ":48\n") {
		t.Errorf("the largest count is gone:\n%s", out)
	}
	if !strings.Contains(out, "with count 0 omitted") {
		t.Errorf("no note for files with no hits:\n%s", out)
	}
}

func TestLinterReport(t *testing.T) {
	text := kindtest.Fixture(t, "lint_report.txt")
	out := kt.Run(t, kindtest.Input(text, "What is the final problem count, and where is the first eqeqeq hit in lib/?", kt.Budget(len(text))))
	for _, want := range []string{
		"error    Expected '===' and instead saw '=='",
		"/srv/app/lib/",
		"problems (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	// Omitted members are counted by rule.
	if !regexp.MustCompile(`omitted \(lines \d+-\d+\): \d+ no-var`).MatchString(out) {
		t.Errorf("no per-rule note:\n%s", out)
	}
	// The heading of the file holding the eqeqeq hit is above it.
	i := strings.Index(out, "Expected '==='")
	h := strings.LastIndex(out[:i], "\n/srv/app/")
	if h < 0 || !strings.HasPrefix(out[h+1:], "/srv/app/lib/") {
		t.Errorf("the eqeqeq hit is not under its file's heading")
	}
}

func TestOneFileSearch(t *testing.T) {
	text := kindtest.Fixture(t, "grep_onefile.txt")
	out := kt.Run(t, kindtest.Input(text, "", kt.Budget(len(text))))
	if !regexp.MustCompile(`\[\.\.\. \d+ matches omitted \(lines \d+-\d+\) \.\.\.\]`).MatchString(out) {
		t.Errorf("no note for omitted hits:\n%s", out)
	}
	first := strings.SplitN(text, "\n", 2)[0]
	last := text[strings.LastIndex(strings.TrimSuffix(text, "\n"), "\n")+1:]
	if !strings.HasPrefix(out, first) || !strings.Contains(out, strings.TrimSuffix(last, "\n")) {
		t.Errorf("first or last hit gone")
	}
}

func TestWholeIntentIsNotCut(t *testing.T) {
	text := kindtest.Fixture(t, "grep_files.txt")
	out := kt.Run(t, kindtest.Input(text, "show me the whole output", kt.Budget(len(text))))
	if strings.Contains(out, lines.NoteOpen) {
		t.Errorf("a request for the whole output was cut")
	}
}

func TestAnnotatedLines(t *testing.T) {
	text := kindtest.Fixture(t, "blame.txt")
	if !Detect(text) {
		t.Fatalf("blame output not detected")
	}
	// Lossless: runs of one commit's lines under their annotation.
	out := kt.Run(t, kindtest.Input(text, "", fold.Budget{Bytes: len(text)}))
	in := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	head, n := "", 0
	member := regexp.MustCompile(`^ *\d+\) `)
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !member.MatchString(l) {
			head = l
			if strings.Contains(l, ") ") || strings.HasSuffix(l, ")") {
				n++ // a whole line
			}
			continue
		}
		whole := ""
		for _, x := range in {
			if strings.HasPrefix(x, head) && strings.HasSuffix(x, l) && strings.TrimSpace(x[len(head):len(x)-len(l)]) == "" {
				whole = x
				break
			}
		}
		if whole == "" {
			t.Fatalf("member %q under %q is no input line", l, head)
		}
		n++
	}
	if n != len(in) {
		t.Errorf("%d lines regrouped, want %d", n, len(in))
	}
	// Lossy: the definition the task names and the code right after it.
	out = kt.Run(t, kindtest.Input(text, "Who wrote ledger.flushAll, and what does it do when nothing is pending?", kt.Budget(len(text))))
	for _, want := range []string{"ledger.flushAll = function flushAll(opts, callback) {", "if (!opts.force && pending.length === 0) return callback()"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`\[\.\.\. \d+ lines omitted \(lines \d+-\d+\) \.\.\.\]`).MatchString(out) {
		t.Errorf("no note for omitted lines:\n%s", out)
	}
}

func TestStopLeavesTheRestAlone(t *testing.T) {
	kt.StopMidway(t, kindtest.Fixture(t, "grep_files.txt"), "")
}
