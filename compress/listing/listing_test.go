package listing

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// kt is this package under the shared kind checks.
var kt = kindtest.Compressor{Detect: Detect, Compress: Compress, Share: 0.08}

func TestDetect(t *testing.T) {
	fixtures := []string{"find_paths.txt", "small_paths.txt", "du_sorted.txt", "tree_dirs.txt", "ls_rows.txt", "ls_recursive.txt", "deps_tree.txt"}
	not := map[string]string{
		"go code":     strings.Repeat("func (s *Server) Close() error {\n\treturn s.ln.Close()\n}\n", 10),
		"log":         strings.Repeat("2026-03-01T10:00:00Z INFO served /a/b.js in 3ms\n", 10),
		"search hits": strings.Repeat("api/a.go:12:\tx := 1\napi/b.go:3:\ty := 2\n", 10),
		"prose":       strings.Repeat("The config lives in /etc/harbor.conf and is read once.\n", 10),
		"json":        strings.Repeat(`{"path": "a/b.go", "size": 12}`+"\n", 10),
		"markdown":    strings.Repeat("- item one\n  - nested item\n", 10),
		"yaml":        strings.Repeat("name: build\nruns-on: ubuntu-latest\n", 10),
		"dotted":      strings.Repeat("e.g.\nv1.2.3\nfoo.bar\n", 10),
	}
	kt.CheckDetect(t, fixtures, not)
}

func TestTreePrefix(t *testing.T) {
	cases := []struct {
		line  string
		width int
		name  string
	}{
		{"├── cmd", 4, "cmd"},
		{"│   └── main.go", 8, "main.go"},
		{"│ ├─┬ accepts@1.3.8", 6, "accepts@1.3.8"},
		{"│ │ └── mime-db@1.52.0 deduped", 8, "mime-db@1.52.0 deduped"},
		{"|   `-- lib", 8, "lib"},
		{"+-- a.txt", 4, "a.txt"},
	}
	for _, c := range cases {
		w, at, ok := treePrefix(c.line)
		if !ok || w != c.width || c.line[at:] != c.name {
			t.Errorf("treePrefix(%q) = %d, %q, %v; want %d, %q", c.line, w, c.line[at:], ok, c.width, c.name)
		}
	}
	for _, l := range []string{"- item", "--", "|x", "plain"} {
		if _, _, ok := treePrefix(l); ok {
			t.Errorf("treePrefix(%q) ok", l)
		}
	}
}

func TestParseLsRow(t *testing.T) {
	cases := []struct {
		line, name string
		size       float64
	}{
		{"-rw-r--r--  1 root root  1470 2026-12-01 21:34 update.sh", "update.sh", 1470},
		{"-rw-r--r--  1 root root 12473 Apr 28  2025 decoder.py", "decoder.py", 12473},
		{"drwxr-xr-x 57 root root  4096 Sep 22 04:55 ..", "..", 4096},
		{"lrwxrwxrwx  1 root root    32 Apr 28  2025 site.py -> /etc/site.py", "site.py -> /etc/site.py", 32},
		{"crw-rw-rw-  1 root tty  5, 0 Mar  1 10:00 tty", "tty", 0},
		{"-rw-r--r--  1 dev  8192 2026-01-02 03:04 no-group.txt", "no-group.txt", 8192},
		{"-rw-r--r--. 1 a b 1 2026-01-02 03:04:05.000000000 +0000 full iso", "full iso", 1},
	}
	for _, c := range cases {
		r, ok := parseLsRow(c.line)
		if !ok || r.name != c.name || r.size != c.size {
			t.Errorf("parseLsRow(%q) = %q %v %v", c.line, r.name, r.size, ok)
		}
	}
	older, _ := parseLsRow("-rw-r--r-- 1 a b 1 Apr 28  2025 x")
	newer, _ := parseLsRow("-rw-r--r-- 1 a b 1 Jan  3 09:00 y")
	if !(newer.date > older.date) {
		t.Errorf("a date of this year (time shown) is not newer than one with a year")
	}
}

// unfold undoes the folding of paths: a "dir/" line applies to the bare
// names below it, until a line with a '/' or a blank line.
func unfold(out string) []string {
	var got []string
	dir := ""
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case l == "":
			dir = ""
		case strings.HasSuffix(l, "/"):
			dir = l
		case dir != "" && !strings.Contains(l, "/"):
			got = append(got, dir+l)
		default:
			dir = ""
			got = append(got, l)
		}
	}
	return got
}

func TestFoldingIsLossless(t *testing.T) {
	text := kindtest.Fixture(t, "find_paths.txt")
	out := kt.Run(t, kindtest.Input(text, "", fold.Budget{Bytes: len(text)}))
	if got, want := unfold(out), strings.Split(strings.TrimSuffix(text, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("unfolded output differs from the input")
	}
	if !regexp.MustCompile(`(?m)^\./internal/snapshot/\nchunk\.go\n`).MatchString(out) {
		t.Errorf("paths of one directory not folded under it:\n%.2000s", out)
	}
	if out, ok := Compress(kindtest.Input(text, "paste the paths verbatim", fold.Budget{Bytes: len(text)})); ok {
		t.Errorf("lossless form under a quote request changed lines:\n%.500s", out)
	}
	// A name at the top after a folded directory is not read as one of its
	// entries.
	text = kindtest.Fixture(t, "small_paths.txt")
	out = kt.Run(t, kindtest.Input(text, "", fold.Budget{Bytes: len(text)}))
	if got, want := unfold(out), strings.Split(strings.TrimSuffix(text, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("unfolded small listing differs:\n%s", out)
	}
}

func TestSmallListingIsNotCut(t *testing.T) {
	text := kindtest.Fixture(t, "find_paths.txt")
	text = text[:strings.Index(text[3500:], "\n")+3501]
	in := kindtest.Input(text, "which of these is the config loader?", fold.Budget{Bytes: 2048, Lossy: true})
	out, ok := Compress(in)
	if ok {
		kindtest.CheckOutput(t, text, out)
		if strings.Contains(out, lines.NoteOpen) {
			t.Errorf("a small listing was cut:\n%s", out)
		}
	}
}

func TestNamedDirectoryIsKeptWhole(t *testing.T) {
	text := kindtest.Fixture(t, "find_paths.txt")
	out := kt.Run(t, kindtest.Input(text, "I need to change how the snapshot package resumes transfers: which files implement resume and its tests?", kt.Budget(len(text))))
	kindtest.MustContain(t, out, "./internal/snapshot/resume.go", "./internal/snapshot/resume_test.go", "chunk_test.go", "doc.go")
	// Other directories are summarised: entries and extensions.
	if !regexp.MustCompile(`\[\.\.\. \./[^ ]+/: \d+ entries omitted: \d+ \.go`).MatchString(out) {
		t.Errorf("no directory summary:\n%.3000s", out)
	}
	if len(out) > kt.Budget(len(text)).Bytes*3/2 {
		t.Errorf("output %d bytes, budget %d", len(out), kt.Budget(len(text)).Bytes)
	}
}

func TestTreeKeepsNamedDirectory(t *testing.T) {
	text := kindtest.Fixture(t, "tree_dirs.txt")
	out := kt.Run(t, kindtest.Input(text, "Show me the layout; where do the relay server and its HTTP client live?", kt.Budget(len(text))))
	kindtest.MustContain(t, out, "├── relay\n│   ├── relayserver\n│   ├── relayhttp\n│   │   ├── relaytest\n│   ├── relayconst\n")
	// The top level is the map: every top-level entry stays.
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "├── ") && !strings.Contains(out, l+"\n") {
			t.Errorf("top-level entry %q gone", l)
		}
	}
	// Notes sit where the omitted items were, in the drawing.
	if !regexp.MustCompile(`(?m)^│   \[\.\.\. \d+ entr(y|ies) omitted`).MatchString(out) {
		t.Errorf("no indented note:\n%.2000s", out)
	}
}

func TestSizesKeepTheLargestWithUnits(t *testing.T) {
	text := kindtest.Fixture(t, "du_sorted.txt")
	q := "Which three top-level packages are largest, with their du sizes, and what is the single largest file?"
	out := kt.Run(t, kindtest.Input(text, q, kt.Budget(len(text))))
	kindtest.MustContain(t, out, "6.3M\tvendor/vault-vault12", "6.0M\tvendor/prism-flush45", "6.0M\tvendor/beacon-sieve51", "2.5M\tvendor/relay-retry37/dist/bundle.min.js", "56M\tvendor\n")
	// With almost no budget, what must stay stays: the top of each level,
	// sizes compared with their units ("1000K" < "2.5M").
	out = kt.Run(t, kindtest.Input(text, q, fold.Budget{Bytes: 200, Lossy: true}))
	kindtest.MustContain(t, out, "2.5M\tvendor/relay-retry37/dist/bundle.min.js", "6.3M\tvendor/vault-vault12")
}

func TestLsRowsKeepRaritiesAndExtremes(t *testing.T) {
	text := kindtest.Fixture(t, "ls_rows.txt")
	out := kt.Run(t, kindtest.Input(text, "does anything in this directory look different from the rest?", kt.Budget(len(text))))
	want := []*regexp.Regexp{
		regexp.MustCompile(`(?m)^-rwxr-xr-x .*\.py$`),    // the one executable
		regexp.MustCompile(`(?m)^-rw-r--r--  1 deploy `), // the one file of another owner
		regexp.MustCompile(`(?m)^.* Feb 27 14:05 .*$`),   // the newest
		regexp.MustCompile(`(?m)^.* 412733 .*$`),         // the largest
	}
	for _, re := range want {
		if !re.MatchString(out) {
			t.Errorf("missing a row matching %s:\n%s", re, out)
		}
	}
	if !regexp.MustCompile(`\[\.\.\. \d+ more entries omitted: .*\.py, sizes \d`).MatchString(out) {
		t.Errorf("no note for omitted rows:\n%s", out)
	}
}

func TestLsSectionNamedIsWhole(t *testing.T) {
	text := kindtest.Fixture(t, "ls_recursive.txt")
	out := kt.Run(t, kindtest.Input(text, "which scripts in hooks/ are executable?", kt.Budget(len(text))))
	sec := text[strings.Index(text, "./hooks:\n"):]
	sec = sec[:strings.Index(sec, "\n\n")+1]
	kindtest.MustContain(t, out, sec)
	if !regexp.MustCompile(`\[\.\.\. \./lib/: \d+ entries omitted`).MatchString(out) && !regexp.MustCompile(`\[\.\.\. \d+ more entries omitted`).MatchString(out) {
		t.Errorf("other sections not summarised:\n%s", out)
	}
}

func TestDependencyTree(t *testing.T) {
	text := kindtest.Fixture(t, "deps_tree.txt")
	out := kt.Run(t, kindtest.Input(text, "which tracer version does harbor use, and what does it pull in?", kt.Budget(len(text))))
	kindtest.MustContain(t, out, "├─┬ tracer@2.6.9\n│ └── ms@2.0.0\n", "harbor@4.2.0 /srv/harbor\n")
}

func TestWholeIntentIsNotCut(t *testing.T) {
	text := kindtest.Fixture(t, "tree_dirs.txt")
	if out, ok := Compress(kindtest.Input(text, "show me the full tree", kt.Budget(len(text)))); ok {
		t.Errorf("a request for the full tree was cut:\n%.300s", out)
	}
}

func TestStopLeavesTheRestAlone(t *testing.T) {
	kt.StopMidway(t, kindtest.Fixture(t, "du_sorted.txt"), "largest")
}

func TestNamesUnderHeadings(t *testing.T) {
	// ls -R without -l: bare names below "dir:" headings belong to them.
	var b strings.Builder
	for _, d := range []string{".", "./api", "./store", "./store/wal", "./web"} {
		b.WriteString(d + ":\n")
		for k := 0; k < 120; k++ {
			b.WriteString(strings.Repeat("x", k%7) + "file" + string(rune('a'+k%26)) + ".go\n")
		}
		b.WriteString("\n")
	}
	text := b.String()
	ls := parse(lines.Split(text), nil)
	for i, l := range ls.b.L {
		if l == "filea.go" && ls.path[i] == "filea.go" && i > 42 {
			t.Fatalf("line %d: a name under a heading has no directory", i)
		}
	}
	out := kt.Run(t, kindtest.Input(text, "what is in store/wal?", kt.Budget(len(text))))
	sec := text[strings.Index(text, "./store/wal:\n"):]
	kindtest.MustContain(t, out, sec[:strings.Index(sec, "\n\n")+1])
}
