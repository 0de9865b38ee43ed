package compress

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// ungroupSearch turns the lossless grouped form back into path:line:text
// lines: a heading is a line that is neither a hit nor "N:text", and the
// "N:text" lines under it belong to it.
func ungroupSearch(out string) string {
	var sb strings.Builder
	heading := ""
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if i == len(lines)-1 && l == "" {
			break
		}
		if h := parseSearchLine(l); h.sep != 0 {
			sb.WriteString(l)
			heading = h.path
		} else if heading != "" && isNumberedLine(l) {
			// "12:text" under a heading is "path:12:text"; "12-text" is
			// "path-12-text".
			sep := l[strings.IndexFunc(l, func(r rune) bool { return r < '0' || r > '9' })]
			sb.WriteString(heading + string(sep) + l)
		} else if i+1 < len(lines) && isNumberedLine(lines[i+1]) && !strings.ContainsAny(l, " \t") {
			heading = l
			continue
		} else {
			sb.WriteString(l)
			heading = ""
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

func isNumberedLine(l string) bool {
	j := strings.IndexFunc(l, func(r rune) bool { return r < '0' || r > '9' })
	return j > 0 && (l[j] == ':' || l[j] == '-')
}

func TestCompressSearchGroupsLosslessly(t *testing.T) {
	in := readFixture(t, "search_grep.txt")
	if !looksLikeSearch(in) {
		t.Fatal("fixture not detected as search results")
	}
	out := checkOutput(t, "grouped", compressSearch, in, &hints{})
	if strings.Contains(out, "omitted") {
		t.Fatalf("a small search output got the lossy step:\n%s", out)
	}
	if back := ungroupSearch(out); back != in {
		t.Errorf("grouped form does not expand back to the input\ninput:\n%s\nexpanded:\n%s\ngrouped:\n%s", in, back, out)
	}
	// Go's err identifier is not an error signal: those hits are grouped too.
	mustContainLines(t, out, "internal/store/sqlite.go", "42:\tif err != nil {", "90:\treturn items, rows.Err()")
	mustContainLines(t, out, "internal/server/handlers.go", "16:\titems := h.store.All()")
}

func TestCompressSearchTaskLinesStayWhole(t *testing.T) {
	in := readFixture(t, "search_grep.txt")
	out := checkOutput(t, "task", compressSearch, in, &hints{taskTerms: []string{"routes"}})
	mustContainLines(t, out, "internal/server/routes.go:9:\tmux.HandleFunc(\"GET /items\", h.list)")
}

var searchNoteRE = regexp.MustCompile(`^(\S+): \[\.\.\. (\d+) more (matches|match|lines|line) omitted \.\.\.\]$`)
var filesNoteRE = regexp.MustCompile(`^\[\.\.\. (\d+) (matches|match) in (\d+) more files? omitted`)

func TestCompressSearchLossy(t *testing.T) {
	in := genGrepHits(120, 12)
	h := &hints{taskTerms: []string{"ts_knob_77_"}}
	out := checkOutput(t, "lossy", compressSearch, in, h)
	if len(out) > len(in)/4 {
		t.Errorf("kept %d of %d bytes; want at most 25%%", len(out), len(in))
	}
	// Every hit is either shown whole or counted in a note.
	shown, counted := 0, 0
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if m := searchNoteRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			counted += n
			continue
		}
		if m := filesNoteRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			counted += n
			continue
		}
		if hh := parseSearchLine(l); hh.sep == ':' && strings.Contains(in, l+"\n") {
			shown++
			continue
		}
		t.Errorf("unexpected output line %q", l)
	}
	if total := countLines(in); shown+counted != total {
		t.Errorf("shown %d + counted %d != %d hits", shown, counted, total)
	}
	if !strings.Contains(out, "TS_KNOB_77_") {
		t.Error("task hit lost")
	}
	// The first files show a sample hit each.
	first := strings.SplitN(in, "\n", 2)[0]
	mustContainLines(t, out, first)
}

func TestCompressSearchContextLines(t *testing.T) {
	in := readFixture(t, "search_context.txt")
	if !looksLikeSearch(in) {
		t.Fatal("grep -C output not detected")
	}
	// Small: grouped losslessly; the separators stay.
	out := checkOutput(t, "context", compressSearch, in, &hints{})
	if back := ungroupSearch(out); back != in {
		t.Errorf("expands to\n%s\nwant\n%s", back, in)
	}
	// Lossy on a long grep -C: separators and context lines only around
	// kept matches.
	var sb strings.Builder
	for f := 0; f < 40; f++ {
		for k := 0; k < 3; k++ {
			p := "pkg/mod" + strconv.Itoa(f) + "/x.go"
			n := 10 + k*20
			sb.WriteString(p + "-" + strconv.Itoa(n-1) + "-\t// before\n")
			sb.WriteString(p + ":" + strconv.Itoa(n) + ":\tcall(" + strconv.Itoa(k) + ")\n")
			sb.WriteString(p + "-" + strconv.Itoa(n+1) + "-\t// after\n--\n")
		}
	}
	big := sb.String()
	out = checkOutput(t, "context-lossy", compressSearch, big, &hints{})
	mustContainLines(t, out, "pkg/mod0/x.go-9-\t// before", "pkg/mod0/x.go:10:\tcall(0)", "pkg/mod0/x.go-11-\t// after")
	if strings.Contains(out, "\n--\n--\n") {
		t.Error("separators pile up")
	}
}

func TestParseSearchLine(t *testing.T) {
	for _, c := range []struct {
		line       string
		sep        byte
		path, body string
	}{
		{"a/b.go:12:\tx := 1", ':', "a/b.go", "\tx := 1"},
		{"README.md:3:text: with: colons", ':', "README.md", "text: with: colons"},
		{"a-b/c-d.go-7-ctx", '-', "a-b/c-d.go", "ctx"},
		{"a/b.go:12:", ':', "a/b.go", ""},
		{"Wall time: 0.1 seconds", 0, "", ""},
		{"  indented.go:1:x", 0, "", ""},
		{"no numbers: here", 0, "", ""},
		{"--", 0, "", ""},
		{"", 0, "", ""},
	} {
		h := parseSearchLine(c.line)
		if h.sep != c.sep || h.path != c.path || h.body != c.body {
			t.Errorf("parseSearchLine(%q) = %q %q %q, want %q %q %q", c.line, h.sep, h.path, h.body, c.sep, c.path, c.body)
		}
	}
}

func TestLooksLikeSearch(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want bool
	}{
		{"grep", readFixture(t, "search_grep.txt"), true},
		{"grep -C", readFixture(t, "search_context.txt"), true},
		{"with preamble", "Exit code: 0\nOutput:\n" + genGrepHits(5, 3), true},
		{"log", genServiceLog(4 << 10), false},
		{"paths", genFindPaths(50), false},
		{"code", "func main() {\n\tfmt.Println(\"hi\")\n}\n", false},
	} {
		if got := looksLikeSearch(c.text); got != c.want {
			t.Errorf("%s: looksLikeSearch = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSplitCompoundTerms(t *testing.T) {
	got := splitCompoundTerms([]string{"nat-pmp/upnp", "plain", "a/b", "plain"})
	want := []string{"nat-pmp/upnp", "upnp", "plain", "a/b"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCompressSearchTargetRatio(t *testing.T) {
	in := genGrepHits(10, 12) // long runs per file: grouping saves much
	out := checkOutput(t, "ratio 0.95", compressSearch, in, &hints{keepRatio: 0.95})
	if back := ungroupSearch(out); back != in {
		t.Errorf("target 0.95: want the lossless grouped form, got\n%s", out)
	}
	out = checkOutput(t, "ratio 0.1", compressSearch, in, &hints{keepRatio: 0.1})
	if !strings.Contains(out, "omitted ...]") {
		t.Errorf("target 0.1: nothing omitted\n%s", out)
	}
}
