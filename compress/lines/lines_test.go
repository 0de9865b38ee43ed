package lines

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	var got []string
	Words("Jérôme's déjà-vu: x_y2 ÀB", func(w string, s, e int) bool {
		got = append(got, w)
		return true
	})
	want := []string{"Jérôme", "s", "déjà", "vu", "x_y2", "ÀB"}
	if !slices.Equal(got, want) {
		t.Errorf("Words = %q, want %q", got, want)
	}
}

func TestSignal(t *testing.T) {
	problems := []string{
		"error: something", "ERROR foo", "panic: nil map", "--- FAIL: TestX (0.01s)", "FAIL\tpkg",
		"request timed out", "exit status 2", "connection refused", "Traceback (most recent call last):",
		"SyntaxError: invalid syntax", "java.lang.NullPointerException", "open /x: ENOENT", "Invalid read of size 4",
		"file not found", "npm ERR! code 1", "==1== definitely lost: leak summary",
		`Thread 5 "w" received signal SIGSEGV, Segmentation fault.`, "Segmentation fault", "Aborted (core dumped)",
		"Program terminated with signal SIGABRT, Aborted.",
	}
	warnings := []string{"warning: unused variable", "DeprecationWarning: old api", "caught SIGTERM, shutting down"}
	none := []string{
		"terror", "INFO all good", "exit status 0", "errorless", "TestErrorPath ok", "timed outside",
		"err_test.go", "errors.go:12", "pkg/errors/x.go", "rows.Err()", "--fail-fast", "-Wno-error=x",
		"libgpg-error-dev installed", "timeout=30s", "", "ok  \tpkg\t0.1s", "-p errors",
		"tcp ESTABLISHED 0 0 127.0.0.1:8000", "EXAMPLES", "ENVIRONMENT",
		"SIGCHLD handler installed", "SIGNAL", "default settings", "core dump filter: 0x33",
	}
	for _, s := range problems {
		if Signal(s) != Problem {
			t.Errorf("Signal(%q) = %d, want Problem", s, Signal(s))
		}
	}
	for _, s := range warnings {
		if Signal(s) != Warning {
			t.Errorf("Signal(%q) = %d, want Warning", s, Signal(s))
		}
	}
	for _, s := range none {
		if Signal(s) != NoSignal {
			t.Errorf("Signal(%q) = %d, want none", s, Signal(s))
		}
	}
}

func TestNumber(t *testing.T) {
	cases := map[string]float64{
		"146ms": 0.146, "3.8M": 3.8 * (1 << 20), "768K": 768 * 1024, "1,234": 1234, "(0.01s)": 0.01,
		"12.5%": 12.5, "42": 42, "-3": -3, "2.5e3": 2500, "4KiB": 4096,
	}
	for in, want := range cases {
		if got, ok := Number(in); !ok || got != want {
			t.Errorf("Number(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"5.4.5", "2026-01-02", "10:00:01", "abc", "0x1f", "v1.2", "12zz"} {
		if v, ok := Number(in); ok {
			t.Errorf("Number(%q) = %v, want not a number", in, v)
		}
	}
}

func TestShapes(t *testing.T) {
	same := [][2]string{
		{"took 146ms (cache updated)", "took 9ms (cache updated)"},
		{"addr 0x7ffe8e8e5560 freed", "addr 0x7ffce2347a30 freed"},
		{"commit a421a4ef02a60ef472f1980a5eb77477dce37e39", "commit 8bbbd7679b7eaf8782559c0320fc6cc86314319f"},
	}
	for _, p := range same {
		if ShapeHash(p[0]) != ShapeHash(p[1]) {
			t.Errorf("%q and %q should share a shape", p[0], p[1])
		}
	}
	if ShapeHash("GET /a 200") == ShapeHash("POST /a 200") {
		t.Error("different words share a shape")
	}
}

func TestIsRule(t *testing.T) {
	for _, s := range []string{"==========", "-------- summary --------", "____ test_x ____", "  ~~~~~~~~~~"} {
		if !IsRule(s) {
			t.Errorf("IsRule(%q) = false", s)
		}
	}
	for _, s := range []string{"---", "- item", "== x ==", "--flag-value-here"} {
		if IsRule(s) {
			t.Errorf("IsRule(%q) = true", s)
		}
	}
}

func TestStem(t *testing.T) {
	for w, want := range map[string]string{
		"resumes": "resum", "resumed": "resum", "resuming": "resum", "resume": "resum",
		"dependencies": "dependenc", "dependency": "dependenc", "skipped": "skip", "files": "file", "go": "go",
	} {
		if got := Stem(w); got != want {
			t.Errorf("Stem(%q) = %q, want %q", w, got, want)
		}
	}
}

func FuzzSignalAndShape(f *testing.F) {
	f.Add("error: x exit status 1")
	f.Add("Ⱥ\u023a timed out")
	f.Add("0x7ffe8e8e5560 took 41ms at 2026-03-01T10:00:00Z")
	f.Add(strings.Repeat("a ", 60))
	f.Add("-0")
	f.Add("+123456789012345")
	f.Add("-1234567890123456789")
	f.Add("@AZ[`az{\x80\xc1\xffÀÉ ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	f.Fuzz(func(t *testing.T, s string) {
		Signal(s)
		ShapeHash(s)
		Fields(s, nil)
		Number(s)
		var want []byte
		for i := 0; i < len(s); i++ {
			want = append(want, asciiLower[s[i]])
		}
		if got := LowerASCII(s); got != string(want) {
			t.Fatalf("LowerASCII(%q) = %q, want %q", s, got, want)
		}
		// A plain signed integer is the number ParseFloat reads, bit for bit.
		if plainInt(s) {
			v, ok := Number(s)
			if w, err := strconv.ParseFloat(s, 64); !ok || err != nil || math.Float64bits(v) != math.Float64bits(w) {
				t.Fatalf("Number(%q) = %v, %v; ParseFloat says %v, %v", s, v, ok, w, err)
			}
		}
		if got, want := IsASCII(s), !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 }); got != want {
			t.Fatalf("IsASCII(%q) = %v", s, got)
		}
		// The allocation-free forms agree with the plain ones.
		m := Masked(s)
		if !MaskedIs(s, m) || MaskedIs(s, m+"#") || len(m) > 0 && MaskedIs(s, m[:len(m)-1]) {
			t.Fatalf("MaskedIs disagrees with Masked(%q) = %q", s, m)
		}
		var spans []int32
		spans = FieldSpans(s, spans)
		fields := Fields(s, nil)
		if len(spans) != 2*len(fields) {
			t.Fatalf("FieldSpans(%q) gives %d spans, Fields %d fields", s, len(spans)/2, len(fields))
		}
		var shapeSpans []int32
		if _, mh := Shape(s, &shapeSpans); !slices.Equal(shapeSpans, spans) {
			t.Fatalf("Shape(%q) spans %v, FieldSpans %v", s, shapeSpans, spans)
		} else if _, mh2 := Shape(m, nil); mh != mh2 {
			t.Fatalf("Shape(%q) masked hash differs from that of its masked form %q", s, m)
		}
		for k, f := range fields {
			if s[spans[2*k]:spans[2*k+1]] != f {
				t.Fatalf("FieldSpans(%q) field %d is %q, Fields says %q", s, k, s[spans[2*k]:spans[2*k+1]], f)
			}
		}
		Words(s, func(w string, a, b int) bool {
			if s[a:b] != w {
				t.Fatalf("word %q not at [%d:%d]", w, a, b)
			}
			return true
		})
	})
}

// TestBlankMatchesTrimSpace: a line that is not Blank trims to something,
// whatever white space it is made of.
func TestBlankMatchesTrimSpace(t *testing.T) {
	for _, s := range []string{"", " ", "\t\r", "\v", "\f ", "\u00a0", " \u2003 ", "\u0085", "x", " x ", "\u00a0x", "é"} {
		if got, want := Blank(s), strings.TrimSpace(s) == ""; got != want {
			t.Errorf("Blank(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestHashStem(t *testing.T) {
	for _, w := range []string{"", "a", "ab", "abc", "abcd", "Resumes", "resumed", "RESUMING", "dependencies", "skipped",
		"max_old_space", "HTTPServer", "v1.22", "e0609", "tests", "status", "analysis", "copy", "dependency", "Größe", "x9yz", "abcde"} {
		h, hs, ok := HashStem(w)
		if !IsASCII(w) {
			if ok {
				t.Errorf("HashStem(%q) ok for a non-ASCII word", w)
			}
			continue
		}
		if !ok || h != HashFold(w) || hs != HashFold(w[:StemLen(w)]) {
			t.Errorf("HashStem(%q) = %x, %x, %v; want %x, %x", w, h, hs, ok, HashFold(w), HashFold(w[:StemLen(w)]))
		}
	}
}

func TestWordsHashed(t *testing.T) {
	texts := []string{"", "a", "Resumes resumed_x HTTPServer; dependencies, skipped!", "Größe prüfen ǅemal\u0301x naïve café — x9yz abcde",
		"αβγ abc\u0301def über_all end", "tail word", "trailing ascii then é", "é"}
	for _, s := range texts {
		type word struct {
			w     string
			start int
		}
		var want, got []word
		Words(s, func(w string, start, _ int) bool { want = append(want, word{w, start}); return true })
		WordsHashed(s, func(w string, start int, h, hs uint64, hashed bool) bool {
			got = append(got, word{w, start})
			if hashed {
				wh, whs, ok := HashStem(w)
				if !ok || h != wh || hs != whs {
					t.Errorf("%q: word %q hashed %x %x, HashStem %x %x %v", s, w, h, hs, wh, whs, ok)
				}
			} else if IsASCII(w) {
				t.Errorf("%q: ASCII word %q not hashed", s, w)
			}
			return true
		})
		if !slices.Equal(want, got) {
			t.Errorf("%q: WordsHashed %v, Words %v", s, got, want)
		}
	}
}

func TestPrefixBoundaries(t *testing.T) {
	names := []string{"3.12.0", "3.12.1", "3.12.2", "3.13.0", "3.13.1", "3.13.9", "3.13.10", "pypy3.10-7.3.18", "pypy3.10-7.3.19", "pypy3.10-7.3.20", "pypy3.11-7.3.18", "pypy3.11-7.3.19", "pypy3.11-7.3.22", "pyston-2.2"}
	got := map[int]Boundary{}
	for _, b := range PrefixBoundaries(names, 3) {
		got[b.At] = b
	}
	// The last of each group ends a boundary: 3.12.2, 3.13.10, both pypy
	// groups; "3.13.10" and "pypy3.10-…" share nothing.
	for at, level := range map[int]int{2: 1, 6: 0, 9: 1, 12: 0} {
		b, ok := got[at]
		if !ok || b.Level != level || b.Left < 3 {
			t.Errorf("boundary after %s: %+v, %v; want level %d", names[at], b, ok, level)
		}
	}
	if b := got[6]; b.Left != 7 || b.Right != 6 {
		t.Errorf("sizes around 3.13.10: %+v, want 7 and 6", b)
	}
	if _, ok := got[0]; ok {
		t.Errorf("a boundary inside a group: %+v", got[0])
	}
}

func FuzzIndexLowerASCII(f *testing.F) {
	f.Add("2026 INFO checkout-Service: Checkout-service up", "checkout-service")
	f.Add("kKk", "kk")
	f.Add("ÀB ab", "b")
	f.Fuzz(func(t *testing.T, s, needle string) {
		if got, want := IndexLowerASCII(s, needle), strings.Index(LowerASCII(s), needle); got != want {
			t.Fatalf("IndexLowerASCII(%q, %q) = %d, want %d", s, needle, got, want)
		}
		// Every match in turn, as a scan asks for them.
		lower, ls := LowerASCII(s), NewLowerSearch(s, needle)
		for from := 0; from <= len(s); from++ {
			want := strings.Index(lower[from:], needle)
			if want >= 0 {
				want += from
			}
			if got := ls.Next(from); got != want {
				t.Fatalf("Next(%d) of %q in %q = %d, want %d", from, needle, s, got, want)
			}
			if needle == "" {
				break
			}
		}
	})
}

// plainInt reports a sign and one to 20 digits, nothing else.
func plainInt(s string) bool {
	d := strings.TrimLeft(s, "+-")
	if len(s)-len(d) > 1 || d == "" || len(d) > 20 {
		return false
	}
	for _, c := range []byte(d) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
