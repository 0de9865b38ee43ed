package compress

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// unfoldPaths expands the lossless folded form: a line ending in '/'
// heads the indented names under it.
func unfoldPaths(out string) string {
	var sb strings.Builder
	dir := ""
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "  ") && dir != "":
			sb.WriteString(dir + l[2:] + "\n")
		case strings.HasSuffix(l, "/"):
			dir = l
		default:
			dir = ""
			sb.WriteString(l + "\n")
		}
	}
	return sb.String()
}

func TestCompressListingFoldsLosslessly(t *testing.T) {
	in := readFixture(t, "listing_paths.txt")
	if !looksLikeListing(in) {
		t.Fatal("fixture not detected as a listing")
	}
	out := checkOutput(t, "fold", compressListing, in, &hints{})
	if back := unfoldPaths(out); back != in {
		t.Errorf("folded form expands to\n%s\nwant\n%s\nfolded:\n%s", back, in, out)
	}
	mustContainLines(t, out, "./internal/cache/", "  lru_test.go")
}

func TestCompressListingKeepsTaskPathsWhole(t *testing.T) {
	in := readFixture(t, "listing_paths.txt")
	out := checkOutput(t, "task", compressListing, in, &hints{taskTerms: []string{"resume"}})
	mustContainLines(t, out, "./internal/resume/resume.go", "./internal/resume/resume_test.go")
	if back := unfoldPaths(out); back != in {
		t.Errorf("folded form with whole task paths expands to\n%s", back)
	}
}

var pathNoteRE = regexp.MustCompile(`^(\S*) \[\.\.\. (\d+) paths? (directly in it )?omitted`)

func TestCompressListingSummarizesLargeListing(t *testing.T) {
	in := genFindPaths(3000)
	h := &hints{taskTerms: []string{"file1234"}}
	out := checkOutput(t, "summary", compressListing, in, h)
	if len(out) > len(in)/10 {
		t.Errorf("kept %d of %d bytes; want at most 10%%\n%s", len(out), len(in), out)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if m := pathNoteRE.FindStringSubmatch(l); m != nil {
			k, _ := strconv.Atoi(m[2])
			n += k
			if !strings.Contains(l, " .go") {
				t.Errorf("summary without extension counts: %q", l)
			}
			continue
		}
		if !strings.Contains(in, l+"\n") {
			t.Errorf("output line is neither a path nor a summary: %q", l)
		}
		n++
	}
	if want := countLines(in); n != want {
		t.Errorf("summaries account for %d paths, input has %d", n, want)
	}
	if !strings.Contains(out, "file1234") {
		t.Error("task path lost")
	}
}

var lsNoteRE = regexp.MustCompile(`^\[\.\.\. (\d+) (entry|entries) omitted: `)

func TestCompressListingLs(t *testing.T) {
	in := genLsLa(3, 60)
	if !looksLikeListing(in) {
		t.Fatal("ls -la output not detected")
	}
	out := checkOutput(t, "ls", compressListing, in, &hints{})
	mustContainLines(t, out, "dir0:", "dir1:", "dir2:", "total 480",
		"drwxr-xr-x  3 root root  4096 Jun 24  2025 .",
		// The one entry dated unlike the rest of its directory.
		"-rw-r--r--  1 root root  2110 May  9 10:41 mod030.py",
	)
	n := 0
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if m := lsNoteRE.FindStringSubmatch(l); m != nil {
			k, _ := strconv.Atoi(m[1])
			n += k
			continue
		}
		if !strings.Contains(in, l+"\n") {
			t.Errorf("row not whole: %q", l)
		}
		n++
	}
	if want := countLines(in); n != want {
		t.Errorf("notes account for %d lines, input has %d", n, want)
	}
	// A short directory stays whole.
	small := genLsLa(1, 10)
	if out, ok := compressListing(small, &hints{}); ok {
		t.Errorf("a 12-row directory was rewritten:\n%s", out)
	}
}

var treeNoteRE = regexp.MustCompile(`\[\.\.\. (\d+) (entry|entries) omitted \.\.\.\]$`)

func TestCompressListingTree(t *testing.T) {
	in := genTree(20, 12)
	if !looksLikeListing(in) {
		t.Fatal("tree not detected")
	}
	out := checkOutput(t, "tree", compressListing, in, &hints{taskTerms: []string{"module07_05"}})
	mustContainLines(t, out, "├── area07", "│   ├── module07_05", "├── area00", "├── area19")
	n := 0
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if m := treeNoteRE.FindStringSubmatch(l); m != nil {
			k, _ := strconv.Atoi(m[1])
			n += k
			continue
		}
		n++
	}
	if want := countLines(in); n != want {
		t.Errorf("notes account for %d lines, input has %d", n, want)
	}
	if len(out) > len(in)/3 {
		t.Errorf("kept %d of %d bytes", len(out), len(in))
	}
	// A small tree is left alone.
	if _, ok := compressListing(readFixture(t, "listing_tree.txt"), &hints{}); ok {
		t.Error("small tree rewritten")
	}
}

func TestTreeDepth(t *testing.T) {
	for _, c := range []struct {
		line  string
		depth int
	}{
		{"├── a", 1},
		{"└── a", 1},
		{"│   ├── b", 2},
		{"    └── b", 2},
		{"│   │   └── c", 3},
		{"│\u00a0\u00a0 ├── d", 2},
		{"|-- e", 1},
		{"|   `-- e", 2},
		{"plain", 0},
		{"    indented", 0},
	} {
		if got := treeDepth(c.line); got != c.depth {
			t.Errorf("treeDepth(%q) = %d, want %d", c.line, got, c.depth)
		}
	}
}

func TestLooksLikeListing(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want bool
	}{
		{"paths", readFixture(t, "listing_paths.txt"), true},
		{"tree", readFixture(t, "listing_tree.txt"), true},
		{"ls", genLsLa(2, 20), true},
		{"grep", genGrepHits(10, 3), false},
		{"log", genServiceLog(4 << 10), false},
		{"prose", "This is a sentence.\nAnother one here.\nAnd a third.\nFourth line.\nFifth line.\n", false},
	} {
		if got := looksLikeListing(c.text); got != c.want {
			t.Errorf("%s: looksLikeListing = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestExtensionSummary(t *testing.T) {
	got := extensionSummary([]string{"a.go", "b.go", "c.md", "d/e.go", "Makefile", "x.json", "y.yaml", ".hidden"}, 2)
	if want := "3 .go, 1 .json, 4 other"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWeightHeap(t *testing.T) {
	h := &weightHeap{}
	for i, w := range []int{5, 9, 1, 9, 3, 7, 5} {
		h.push(i, w)
	}
	var got []int
	for h.len() > 0 {
		got = append(got, h.pop())
	}
	// By weight, ties in index order.
	want := []int{1, 3, 5, 0, 6, 4, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pop order %v, want %v", got, want)
		}
	}
}

func TestCompressListingTargetRatio(t *testing.T) {
	in := genFindPaths(2000) // about 7 paths per directory
	// A roomy target is met by folding alone: nothing is lost.
	out := checkOutput(t, "ratio 0.9", compressListing, in, &hints{keepRatio: 0.9})
	if back := unfoldPaths(out); back != in {
		t.Errorf("target 0.9: want the lossless folded form, got\n%s", out)
	}
	// A tight one summarizes.
	out = checkOutput(t, "ratio 0.05", compressListing, in, &hints{keepRatio: 0.05})
	if !strings.Contains(out, "paths omitted") {
		t.Errorf("target 0.05: no summary\n%s", out)
	}
}
