package relevance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

func termTexts(q *Query) []string {
	var out []string
	for _, t := range q.Terms {
		out = append(out, t.Text)
	}
	return out
}

func TestParseTerms(t *testing.T) {
	q := Parse("Which of lib/view.js errors mention res.sendFile, `max-old-space-size` or E0609? See \"dangling escape\" <cwd>/home/x</cwd>", "")
	got := termTexts(q)
	for _, want := range []string{"lib/view.js", "res.sendfile", "sendfile", "max-old-space-size", "e0609", "dangling escape", "errors"} {
		if !slices.Contains(got, want) {
			t.Errorf("missing term %q in %q", want, got)
		}
	}
	for _, bad := range []string{"which", "of", "see", "cwd", "or"} {
		if slices.Contains(got, bad) {
			t.Errorf("stop word %q became a term: %q", bad, got)
		}
	}
	// An identifier with digits and underscores brings its parts.
	if got := termTexts(Parse("how wide is __int128 here?", "")); !slices.Contains(got, "int128") || !slices.Contains(got, "__int128") {
		t.Errorf("terms of __int128: %q", got)
	}
}

// A part of an identifier joined by underscores matches it.
func TestUnderscorePartMatches(t *testing.T) {
	text := "#define __SIZEOF_INT128__ 16\n#define __SIZEOF_LONG__ 8\n#define __CHAR_BIT__ 8\n"
	ix, _ := index(Parse("how wide is __int128 here?", ""), text)
	if ix.Score(0) == 0 || ix.Score(1) != 0 {
		t.Errorf("scores %v %v", ix.Score(0), ix.Score(1))
	}
}

func TestIntents(t *testing.T) {
	cases := map[string]Intent{
		"Quote the two lines verbatim":              Quote,
		"Which three packages are largest?":         Max,
		"what is the slowest request":               Max,
		"show me the most recent commit":            Newest,
		"Paste the whole output":                    Quote | Whole,
		"Quote its full log line":                   Quote,
		"show me the complete output":               Whole,
		"how many bytes does the whole output need": Count,
		"show me the whole output, it is short":     Whole,
		"how many tests failed":                     Count,
		"Walk me through commit 1a50":               Analysis,
		"review this diff":                          Analysis,
		"what does it print":                        0,
		"List the errors tsc reported in view.js":   0,
		"Quote the <dt> for the class":              Quote | Markup,
		`which link has href="#intro"?`:             Markup,
		"paste the raw HTML of the form":            Quote | Markup,
		"quote the table's tag":                     Quote | Markup,
		"read the pydoc HTML page":                  0,
		"is retries < 3 and timeout > 10 here":      0,
		"quote the call with exit_on_error=True":    Quote,
	}
	for s, want := range cases {
		if got := Parse(s, "").Intent; got != want {
			t.Errorf("%q: intent %b, want %b", s, got, want)
		}
	}
	// Intents come from the latest request only.
	if got := Parse("what failed?", "walk me through it").Intent; got.Has(Analysis) {
		t.Errorf("earlier context set Analysis")
	}
}

// index builds an index over the lines of text.
func index(q *Query, text string) (*Index, *lines.Lines) {
	b := lines.Split(text)
	return Build(q, text, b.Start), b
}

func TestWholeWordMatching(t *testing.T) {
	text := strings.Join([]string{
		"generating report for repo",
		"support for imports",
		"the repo has 3 remotes",
		"imported 12 reports",
		"port 8080 open",
	}, "\n")
	ix, _ := index(Parse("which repo and which port?", ""), text)
	var hit []int
	for u := 0; u < ix.Units(); u++ {
		if ix.Score(u) > 0 {
			hit = append(hit, u)
		}
	}
	if !slices.Equal(hit, []int{0, 2, 4}) {
		t.Errorf("units hit %v, want [0 2 4] (no substring matches inside report/support/import)", hit)
	}
}

func TestInflectionsAndParts(t *testing.T) {
	text := "func SanitizeHostname(s string)\nresuming transfer\nresumed at 10%\nunrelated line"
	ix, _ := index(Parse("sanitize hostname; how does resume work", ""), text)
	for u, want := range []bool{true, true, true, false} {
		if got := ix.Score(u) > 0; got != want {
			t.Errorf("unit %d hit=%v want %v", u, got, want)
		}
	}
}

func TestRareTermsAreStrongCommonAreNot(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		b.WriteString("INFO request served path=/api/items status=200\n")
	}
	b.WriteString("ERROR request failed path=/api/checkout status=500\n")
	ix, _ := index(Parse("why did the checkout request fail?", ""), b.String())
	if !ix.Strong(300) {
		t.Error("the one line naming checkout is not strong")
	}
	if ix.Strong(0) {
		t.Error("a line holding only the common word 'request' is strong")
	}
	if ix.Score(300) <= ix.Score(0) {
		t.Errorf("rare line scores %.2f <= common line %.2f", ix.Score(300), ix.Score(0))
	}
}

func TestCompoundBoundaries(t *testing.T) {
	text := "lib/view.js(3,1): error\nsublib/view.jsx: ok\nlib/view.js: warning"
	q := Parse("errors in lib/view.js", "")
	ix, _ := index(q, text)
	hits, df := ix.Hits(slices.Index(termTexts(q), "lib/view.js"))
	if df != 2 || !slices.Equal(hits, []int32{0, 2}) {
		t.Errorf("lib/view.js hits %v df %d, want [0 2]", hits, df)
	}
}

// TestGluedNumbers: a number of the request matches where programs glue
// it to a prefix or a unit (an ISO timestamp's T, a symbol version's
// underscore, a v, ms), never inside a longer number.
func TestGluedNumbers(t *testing.T) {
	text := strings.Join([]string{
		"2026-11-03T11:35,utr-01,77",
		"memcpy@GLIBC_2.14",
		"took 11:35ms",
		"2026-11-03T111:350,utr-01,77",
		"version 12.14",
		"at 11:35",
	}, "\n")
	ix, _ := index(Parse("what happened at 11:35, and who needs 2.14?", ""), text)
	for u, want := range []bool{true, true, true, false, false, true} {
		if got := ix.Score(u) > 0; got != want {
			t.Errorf("unit %d (%q) hit=%v want %v", u, strings.Split(text, "\n")[u], got, want)
		}
	}
}

func TestNonASCIINoPanic(t *testing.T) {
	// U+023A lowers to a longer UTF-8 sequence: indices must never come
	// from a Unicode-lowered copy.
	text := strings.Repeat("\u023a", 50) + " Jérome committed\nother"
	ix, _ := index(Parse("what did JÉrome and \"Jérome committed\" do?", ""), text)
	if ix.Score(0) == 0 {
		t.Error("non-ASCII term not found")
	}
}

// TestUnicodeCaseFolding: compounds and phrases match whatever the case
// of their non-ASCII letters, in the text or the task, and letters whose
// lower case is longer in UTF-8 (U+023A) shift no offsets.
func TestUnicodeCaseFolding(t *testing.T) {
	text := strings.Join([]string{
		strings.Repeat("\u023a", 40) + " ÉCOLE-NORMALE opened",
		"école-normale closed",
		"ecole-normale elsewhere",
		"\u023a\u023a \u023a-RING found",
	}, "\n")
	q := Parse("when did école-Normale open and close? what about \u2c65-ring?", "")
	ix, _ := index(q, text)
	hits, _ := ix.Hits(slices.Index(termTexts(q), "école-normale"))
	if !slices.Equal(hits, []int32{0, 1}) {
		t.Errorf("école-normale hits %v, want [0 1]", hits)
	}
	hits, _ = ix.Hits(slices.Index(termTexts(q), "\u2c65-ring"))
	if !slices.Equal(hits, []int32{3}) {
		t.Errorf("\u2c65-ring hits %v, want [3]", hits)
	}
}

// FuzzIndex builds indexes of any text, non-ASCII and invalid UTF-8
// included, for any task: no panic, and every hit is a unit.
func FuzzIndex(f *testing.F) {
	// The crasher of a search that sliced the text with an index found in
	// its Unicode-lowered copy: U+023A grows when lowered.
	f.Add(strings.Repeat("\u023a", 50)+" Jérome committed\nother", "what did JÉrome and \"Jérome committed\" do?")
	f.Add("lib/view.js(3,1): error\nÉCOLE-normale", "errors in lib/view.js, école-NORMALE")
	f.Add("3\u212a rows\n\xff\xfe\n", "the 3k rows \xff")
	f.Fuzz(func(t *testing.T, text, task string) {
		q := Parse(task, "")
		ix, b := index(q, text)
		for ti := range q.Terms {
			hits, df := ix.Hits(ti)
			if df < len(hits) {
				t.Fatalf("df %d < %d hits", df, len(hits))
			}
			for _, u := range hits {
				if int(u) >= b.Len() {
					t.Fatalf("hit unit %d of %d", u, b.Len())
				}
			}
		}
	})
}

func TestQuotedPhrasesIgnoreApostrophes(t *testing.T) {
	got := quoted("the other's lock. Quote the two 'waiting to lock' lines and \"dangling escape\", don't `go vet`")
	want := []string{"waiting to lock", "dangling escape", "go vet"}
	if !slices.Equal(got, want) {
		t.Errorf("quoted = %q, want %q", got, want)
	}
}

func TestJoinedWords(t *testing.T) {
	text := "pkg/derpserver/handler.go\npkg/derphttp/client.go\nvalidate xsrftoken here\npkg/other/file.go"
	ix, _ := index(Parse("where do the DERP relay server and its HTTP client live? how are XSRF tokens checked", ""), text)
	for u, want := range []bool{true, true, true, false} {
		if got := ix.Score(u) > 0; got != want {
			t.Errorf("unit %d hit=%v want %v", u, got, want)
		}
	}
}

func TestOrdinals(t *testing.T) {
	cases := map[string][]Ordinal{
		"For the 40th item in that list, give its SKU":     {{N: 40}},
		"who is on the 25th row? and the third one?":       {{N: 25}, {N: 3}},
		"Quote the 12th line of the output":                {{N: 12, Line: true}},
		"the release of Nov 25th fixed it":                 nil,
		"wait a second, which test failed":                 nil,
		"the 2nd and the 3rd entries of the second result": {{N: 3}},
	}
	for s, want := range cases {
		if got := Parse(s, "").Ordinals; !slices.Equal(got, want) {
			t.Errorf("%q: ordinals %v, want %v", s, got, want)
		}
	}
}

// Asked about a value nearly every line holds, the lines holding the few
// values of the same shape that differ from it are the answer.
func TestVariantsOfACommonTerm(t *testing.T) {
	var sb strings.Builder
	for i := range 3000 {
		v := "LIBX_3.0.0"
		switch i {
		case 700:
			v = "LIBX_3.0.8"
		case 2100, 2200:
			v = "LIBX_3.2.1"
		}
		fmt.Fprintf(&sb, "%5d: %016x %4d FUNC GLOBAL DEFAULT 13 fn_%d@@%s\n", i, i*64, i%300, i, v)
	}
	text := sb.String()
	ix, b := index(Parse("Which functions are versioned later than LIBX_3.0.0?", ""), text)
	var strong []int
	for u := range b.Len() {
		if ix.Strong(u) {
			strong = append(strong, u)
		}
	}
	if !slices.Equal(strong, []int{700, 2100, 2200}) {
		t.Errorf("strong lines %v, want the three other versions", strong)
	}
	// A term naming one value among many common ones is no rule with
	// exceptions: nothing is marked.
	sb.Reset()
	for i := range 3000 {
		fmt.Fprintf(&sb, "host-%d runs agent 1.%d.0\n", i, i%3)
	}
	ix, b = index(Parse("which hosts run agent 1.1.0?", ""), sb.String())
	for u := range b.Len() {
		if ix.Strong(u) {
			t.Fatalf("line %d marked strong among values that are all common", u)
		}
	}
}

// TestHexOffsetSpellings: an offset the task writes with 0x finds the line
// a dump keys by its zero-padded digits, and the other way round.
func TestHexOffsetSpellings(t *testing.T) {
	text := strings.Join([]string{
		"00000ed0: 0000 0000 0000 0000 0000 0000 0000 0000  ................",
		"00000ee0: 6c69 6263 2e73 6f2e 3600 6d61 6c6c 6f63  libc.so.6.malloc",
		"00000ef0: 0000 0000 0000 0000 0000 0000 0000 0000  ................",
		"  4a1c:\te8 5f fe ff ff          \tcall   3880 <abort@plt>",
	}, "\n")
	for _, c := range []struct {
		task string
		want int
	}{
		{"what bytes are at offset 0xee0?", 1},
		{"what bytes are at offset 0xEE0?", 1},
		{"which call is at 0x4a1c", 3},
		{"explain line 00004a1c", 3},
	} {
		ix, _ := index(Parse(c.task, ""), text)
		var hit []int
		for u := 0; u < ix.Units(); u++ {
			if ix.Score(u) > 0 {
				hit = append(hit, u)
			}
		}
		if !slices.Equal(hit, []int{c.want}) {
			t.Errorf("%q: units hit %v, want [%d]", c.task, hit, c.want)
		}
	}
}

// TestEveryItemOfASet: asked for the full list of the rows a term marks,
// every such row is strong, though the term is in 4% of the rows and one
// row also holds a rarer term (which would otherwise make the others look
// like weak matches).
func TestEveryItemOfASet(t *testing.T) {
	var rows []string
	for i := range 600 {
		origin := "{stock}"
		if i%25 == 7 {
			origin = "{tuned}"
		}
		name := fmt.Sprintf("Setting%03dLimit", i)
		if i == 332 {
			name = "MaxWidgets"
		}
		rows = append(rows, fmt.Sprintf("  size_t %-24s = %-12d {product} %s", name, i*17, origin))
	}
	text := strings.Join(rows, "\n")
	q := Parse("I need the full list of {tuned} settings and the MaxWidgets.", "")
	if !q.Intent.Has(Every) {
		t.Fatalf("intent %b lacks Every", q.Intent)
	}
	ix, _ := index(q, text)
	for u, r := range rows {
		if strings.Contains(r, "{tuned}") && !ix.Strong(u) {
			t.Errorf("row %d holds {tuned} but is not strong", u)
		}
	}
}

// TestTopN reads the count of a plural superlative.
func TestTopN(t *testing.T) {
	for task, want := range map[string]int{
		"tell me the three largest files and the total": 3,
		"show the top 7 consumers":                      7,
		"which 4 slowest tests should I look at":        4,
		"which is the largest file":                     0,
		"top of the log, 3 lines":                       0,
		"the 200 biggest":                               0,
	} {
		if got := Parse(task, "").TopN; got != want {
			t.Errorf("%q: TopN %d, want %d", task, got, want)
		}
	}
}

// TestContextKeepsFirstRequest: a follow-up's context (the assistant's
// reply it refers to) adds its words, not glued pairs of them, so a long
// reply does not push out what the user asked for first.
func TestContextKeepsFirstRequest(t *testing.T) {
	reply := "go vet reports ~220 findings across internal/gen/*, internal/money, internal/store, internal/report and cmd/ledgerd: mostly printf format mismatches, locks passed by value, and discarded cancel funcs."
	q := Parse("CI says go vet fails. Is there a self-assignment anywhere?", "").
		WithFollowup("Somewhere a variable gets assigned to itself - which file and line? And what exactly is wrong with the struct tag in the report package?", reply)
	terms := termTexts(q)
	if !slices.Contains(terms, "self-assignment") {
		t.Errorf("the first request's term was pushed out: %v", terms)
	}
	if slices.Contains(terms, "printfformat") {
		t.Errorf("the reply's words were glued into a term: %v", terms)
	}
}

// TestNamesField: a field is named by a word or name part of it, inflected
// or not, or by the word its shortened name starts.
func TestNamesField(t *testing.T) {
	q := Parse("Among the cache hosts, which has the least free disk and the biggest cumulative time?", "")
	for name, want := range map[string]bool{
		"free_gb": true, "cum": true, "cum%": true, "hosts": true,
		"used_gb": false, "cu": false, "flat": false,
	} {
		if got := q.NamesField(name); got != want {
			t.Errorf("NamesField(%q) = %v, want %v", name, got, want)
		}
	}
}
