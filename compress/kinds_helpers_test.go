package compress

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Test support for the log, search, listing and diff compressors:
// properties every output must have, and generators of realistic inputs of
// any size (deterministic: a fixed seed).

// checkOutput asserts what every compressor promises: output only when
// shorter, every line with an error signal or a task term kept whole, no
// retrieval markers, and the same bytes on a second run.
func checkOutput(t testing.TB, name string, comp contentCompressor, in string, h *hints) string {
	t.Helper()
	out, ok := comp(in, h)
	if !ok {
		if out != "" {
			t.Errorf("%s: ok=false but output %q", name, trimForLog(out))
		}
		return in
	}
	if len(out) >= len(in) {
		t.Fatalf("%s: output %d bytes, input %d: not shorter", name, len(out), len(in))
	}
	outLines := lineSet(out)
	inLines := strings.Split(in, "\n")
	// Task terms bind only where they are rare enough to mark lines.
	var terms []string
	if h != nil {
		for _, term := range h.taskTerms {
			n := 0
			for _, l := range inLines {
				if mentionsTask(l, []string{term}) {
					n++
				}
			}
			if n <= termLimit(len(inLines)) {
				terms = append(terms, term)
			}
		}
	}
	for _, l := range inLines {
		if hasErrorSignal(l) && !outLines[l] {
			t.Errorf("%s: error line lost: %q", name, trimForLog(l))
		}
		if len(terms) > 0 && mentionsTask(l, terms) && !outLines[l] {
			t.Errorf("%s: task line lost: %q", name, trimForLog(l))
		}
	}
	if IntroducesRetrievalMarker(in, out) {
		t.Errorf("%s: output introduces a retrieval marker", name)
	}
	if again, _ := comp(in, h); again != out {
		t.Errorf("%s: second run differs", name)
	}
	return out
}

func lineSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		m[l] = true
	}
	return m
}

func trimForLog(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// noteCountRE reads the count of an omission note: "[... 412 similar
// lines omitted ...]", "[... 3 more matches omitted ...]".
var noteCountRE = regexp.MustCompile(`\[\.\.\. (\d+) `)

// representedLines counts the input lines an output stands for: one per
// kept line, N per "[previous line repeated N times]" and per "[... N
// ... omitted ...]" note.
func representedLines(out string) int {
	n := 0
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.HasPrefix(l, "[previous line repeated ") {
			if l == "[previous line repeated once]" {
				n++
				continue
			}
			f := strings.Fields(l)
			k, _ := strconv.Atoi(f[3])
			n += k
			continue
		}
		if m := noteCountRE.FindStringSubmatch(l); m != nil && strings.Contains(l, "omitted") {
			k, _ := strconv.Atoi(m[1])
			n += k
			continue
		}
		n++
	}
	return n
}

func countLines(s string) int {
	return strings.Count(strings.TrimSuffix(s, "\n"), "\n") + 1
}

// genServiceLog writes a service log of about size bytes: timestamped INFO
// lines from a few workers, bursts of identical lines, and a warning or an
// error every few hundred lines.
func genServiceLog(size int) string {
	r := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	for i := 0; sb.Len() < size; i++ {
		ts := fmt.Sprintf("2026-03-%02d 10:%02d:%02d.%03d", 1+i/86400%28, i/60%60, i%60, r.IntN(1000))
		switch {
		case i%397 == 396:
			fmt.Fprintf(&sb, "%s ERROR worker %d: upload of chunk %d failed: connection refused\n", ts, r.IntN(8), r.IntN(1<<20))
		case i%211 == 210:
			fmt.Fprintf(&sb, "%s WARN worker %d: retrying request id=%x after 250ms\n", ts, r.IntN(8), r.Uint64())
		case i%157 == 0:
			for k := 0; k < 5; k++ {
				fmt.Fprintf(&sb, "%s INFO heartbeat ok\n", "2026-03-01 00:00:00.000")
			}
		default:
			fmt.Fprintf(&sb, "%s INFO worker %d: processed batch %d (%d items, %dms)\n", ts, r.IntN(8), i, r.IntN(500), r.IntN(90))
		}
	}
	return sb.String()
}

// genGoTestOutput writes go test -v output for pkgs packages of about 30
// tests each; package 3 has a failing test with messages, package 5 a
// skipped one.
func genGoTestOutput(pkgs int) string {
	var sb strings.Builder
	for p := 0; p < pkgs; p++ {
		for tn := 0; tn < 30; tn++ {
			name := fmt.Sprintf("TestFeature%02d", tn)
			fmt.Fprintf(&sb, "=== RUN   %s\n", name)
			for s := 0; s < 3; s++ {
				fmt.Fprintf(&sb, "=== RUN   %s/case_%d\n", name, s)
			}
			switch {
			case p == 3 && tn == 7:
				fmt.Fprintf(&sb, "    feature_test.go:%d: Parse(%q) = %d, want %d\n", 40+tn, "input-7", 3, 4)
				fmt.Fprintf(&sb, "--- FAIL: %s (0.00s)\n", name)
			case p == 5 && tn == 2:
				fmt.Fprintf(&sb, "    feature_test.go:%d: needs a network; set TEST_NET=1\n", 12)
				fmt.Fprintf(&sb, "--- SKIP: %s (0.00s)\n", name)
			default:
				fmt.Fprintf(&sb, "--- PASS: %s (0.0%ds)\n", name, tn%10)
			}
			for s := 0; s < 3; s++ {
				fmt.Fprintf(&sb, "    --- PASS: %s/case_%d (0.00s)\n", name, s)
			}
		}
		pkg := fmt.Sprintf("example.com/mod/pkg%02d", p)
		if p == 3 {
			fmt.Fprintf(&sb, "FAIL\nFAIL\t%s\t0.012s\n", pkg)
		} else {
			fmt.Fprintf(&sb, "PASS\nok  \t%s\t0.0%ds\n", pkg, p%10)
		}
	}
	return sb.String()
}

// genGrepHits writes grep -rn output: files files with 1..maxPer hits
// each; a few hits carry an error signal.
func genGrepHits(files, maxPer int) string {
	r := rand.New(rand.NewPCG(3, 4))
	dirs := []string{"./net/dns", "./net/tstun", "./cmd/agent", "./ipn/local", "./util/cfg", "./control/client"}
	var sb strings.Builder
	for f := 0; f < files; f++ {
		path := fmt.Sprintf("%s/file%03d.go", dirs[f%len(dirs)], f)
		n := 1 + r.IntN(maxPer)
		line := 10
		for k := 0; k < n; k++ {
			line += 1 + r.IntN(40)
			if (f*7+k)%23 == 0 {
				fmt.Fprintf(&sb, "%s:%d:\t\treturn fmt.Errorf(\"load knob: %%w\", err)\n", path, line)
				continue
			}
			fmt.Fprintf(&sb, "%s:%d:\tv%d := knobs.Register(\"TS_KNOB_%d_%d\")\n", path, line, k, f, k)
		}
	}
	return sb.String()
}

// genFindPaths writes about n sorted paths of a source tree, as find .
// -type f prints them.
func genFindPaths(n int) string {
	var paths []string
	top := []string{"cmd", "net", "ipn", "util", "control", "docs", "tool"}
	for i := 0; len(paths) < n; i++ {
		d := top[i%len(top)]
		sub := fmt.Sprintf("sub%02d", i/len(top)%40)
		ext := []string{".go", "_test.go", ".go", ".md", ".go", ".json"}[i%6]
		paths = append(paths, fmt.Sprintf("./%s/%s/file%04d%s", d, sub, i, ext))
	}
	sortStrings(paths)
	return strings.Join(paths, "\n") + "\n"
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// genTree writes a tree drawing of directories: tops top-level entries
// with subs children each and grandchildren under every third child.
func genTree(tops, subs int) string {
	var sb strings.Builder
	sb.WriteString(".\n")
	for t := 0; t < tops; t++ {
		fmt.Fprintf(&sb, "├── area%02d\n", t)
		for s := 0; s < subs; s++ {
			fmt.Fprintf(&sb, "│   ├── module%02d_%02d\n", t, s)
			if s%3 == 0 {
				for g := 0; g < 4; g++ {
					fmt.Fprintf(&sb, "│   │   ├── part%d\n", g)
				}
			}
		}
	}
	return sb.String()
}

// genLsLa writes ls -la output for dirs directories of rows entries each;
// one entry of the second directory has a date unlike the others.
func genLsLa(dirs, rows int) string {
	var sb strings.Builder
	for d := 0; d < dirs; d++ {
		if dirs > 1 {
			if d > 0 {
				sb.WriteString("\n")
			}
			fmt.Fprintf(&sb, "dir%d:\n", d)
		}
		fmt.Fprintf(&sb, "total %d\n", rows*8)
		sb.WriteString("drwxr-xr-x  3 root root  4096 Jun 24  2025 .\n")
		sb.WriteString("drwxr-xr-x 35 root root  4096 Jun 24  2025 ..\n")
		for k := 0; k < rows; k++ {
			date := "Apr 28  2025"
			if d == 1 && k == rows/2 {
				date = "May  9 10:41"
			}
			switch {
			case k%9 == 4:
				fmt.Fprintf(&sb, "drwxr-xr-x  2 root root  4096 %s pkg%03d\n", date, k)
			default:
				fmt.Fprintf(&sb, "-rw-r--r--  1 root root %5d %s mod%03d.py\n", 1000+k*37, date, k)
			}
		}
	}
	return sb.String()
}

// genGitLogP writes git log -p output of commits commits, each changing
// a source file, a go.sum and, every fifth, a large new file.
func genGitLogP(commits int) string {
	var sb strings.Builder
	for c := 0; c < commits; c++ {
		fmt.Fprintf(&sb, "commit %040x\n", uint64(c)*0x9e3779b97f4a7c15)
		fmt.Fprintf(&sb, "Author: Dev %d <dev%d@example.com>\n", c%5, c%5)
		fmt.Fprintf(&sb, "Date:   Mon Mar %d 10:%02d:00 2026 +0000\n\n", 1+c%28, c%60)
		fmt.Fprintf(&sb, "    server: change handler %d\n    \n", c)
		for k := 0; k < 8; k++ {
			fmt.Fprintf(&sb, "    More detail about change %d, line %d of the message.\n", c, k)
		}
		sb.WriteString("\n")
		file := fmt.Sprintf("server/handler%02d.go", c%12)
		fmt.Fprintf(&sb, "diff --git a/%s b/%s\nindex 1111111..2222222 100644\n--- a/%s\n+++ b/%s\n", file, file, file, file)
		for hnk := 0; hnk < 3; hnk++ {
			fmt.Fprintf(&sb, "@@ -%d,7 +%d,8 @@ func handle%d(w http.ResponseWriter) {\n", 10+hnk*40, 10+hnk*40, c)
			sb.WriteString(" \tctx := context.Background()\n \tdefer cancel()\n \tlog.Printf(\"start\")\n")
			fmt.Fprintf(&sb, "-\tv := compute(%d)\n+\tv := computeFast(%d)\n+\tmetrics.Add(%d)\n", c, c, hnk)
			sb.WriteString(" \tw.WriteHeader(200)\n \treturn\n \t// done\n")
		}
		sb.WriteString("diff --git a/go.sum b/go.sum\nindex 3333333..4444444 100644\n--- a/go.sum\n+++ b/go.sum\n@@ -1,4 +1,4 @@\n")
		fmt.Fprintf(&sb, " example.com/a v1.0.0 h1:aaaa=\n-example.com/b v1.%d.0 h1:bbbb=\n+example.com/b v1.%d.0 h1:cccc=\n example.com/c v1.0.0 h1:dddd=\n example.com/d v1.0.0 h1:eeee=\n", c, c+1)
		if c%5 == 0 {
			nf := fmt.Sprintf("docs/guide%02d.md", c)
			fmt.Fprintf(&sb, "diff --git a/%s b/%s\nnew file mode 100644\nindex 0000000..5555555\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1,200 @@\n", nf, nf, nf)
			for k := 0; k < 200; k++ {
				fmt.Fprintf(&sb, "+Paragraph %d of guide %d explains the configuration in detail.\n", k, c)
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}
