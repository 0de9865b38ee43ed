package markup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// input builds an Input with the engine's default budget for markup (a
// floor plus a tenth of the rest), or bytes when it is positive.
func input(text, task string, bytes int) *fold.Input {
	if bytes <= 0 {
		bytes = 2048 + (len(text)-2048)/10
	}
	return &fold.Input{Text: text, Query: relevance.Parse(task, ""), Budget: fold.Budget{Bytes: bytes, Lossy: true}}
}

func compress(t *testing.T, text, task string, bytes int) string {
	t.Helper()
	out, ok := Compress(input(text, task, bytes))
	if !ok {
		t.Fatalf("not compressed (%d bytes)", len(text))
	}
	if len(out) >= len(text) {
		t.Fatalf("output %d bytes, input %d", len(out), len(text))
	}
	return out
}

// verbatimOutside asserts that every part of out outside notes is a
// substring of in.
func verbatimOutside(t *testing.T, in, out string) {
	t.Helper()
	for _, l := range lines.Split(out).L {
		lines.WithoutNotes(l, func(part string) {
			if strings.TrimSpace(part) != "" && !strings.Contains(in, part) {
				t.Errorf("kept %q is not in the input", part)
			}
		})
	}
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func lineWith(t *testing.T, text, sub string) string {
	t.Helper()
	for _, l := range lines.Split(text).L {
		if strings.Contains(l, sub) {
			return l
		}
	}
	t.Fatalf("no line with %q", sub)
	return ""
}

func TestDetect(t *testing.T) {
	for _, f := range []string{"page.html", "font.svg", "build.log"} {
		if !Detect(fixture(t, f)) {
			t.Errorf("%s: not detected as markup", f)
		}
	}
	readme := "<div align=\"center\"><img src=\"logo.png\"></div>\n\n# Grove\n\nGrove walks trees.\n\n## Install\n\nRun the installer.\n"
	var testLog strings.Builder
	for range 40 {
		testLog.WriteString("=== RUN   TestPage\n    page_test.go:12: got:\n")
	}
	testLog.WriteString("        <html lang=\"en\">\n        <head><title>x</title></head>\n        </html>\n")
	for name, text := range map[string]string{
		"markdown readme":     readme,
		"go code":             "package main\n\nfunc f[T any](x T) T {\n\treturn x\n}\n",
		"json":                `{"html": "<p>x</p>"}`,
		"page in a test diff": testLog.String(),
		"prose":               "Angle brackets <like this> appear in prose now and then.\n",
	} {
		if Detect(text) {
			t.Errorf("%s detected as markup", name)
		}
	}
}

// HTML is read for its text: headings, paragraphs, list items and table
// rows are extracted, scripts and styles are gone, menus are one line,
// and the note says the markup was removed.
func TestHTMLTextExtraction(t *testing.T) {
	text := fixture(t, "page.html")
	out := compress(t, text, "What is the default queue limit of walker.run3?", 0)
	if !strings.HasPrefix(out, ExtractedNote+"\n") {
		t.Fatalf("output does not open with the extraction note:\n%s", out)
	}
	mustContain(t, out, "# walker\n", "## Section 3: `walker.run3()`\n", "`queueLimit`", "Default: `64 * 1024`")
	// The extracted document puts a menu on one line.
	doc := render(text, extract(text, nil), nil)
	mustContain(t, doc, "\n- Module number 0 · Module number 1 · Module number 2 · ", "\n| v4.1.0 | Tree work work in rest queue a of. |\n")
	for _, gone := range []string{"analyticsQueue", "font-family", "<li>", "href="} {
		if strings.Contains(out, gone) {
			t.Errorf("output holds markup or script %q:\n%s", gone, out)
		}
	}
}

// Under a quote request the block the task names keeps its markup, byte
// for byte, so what the page states can be quoted as it stands.
func TestHTMLQuoteKeepsNamedBlock(t *testing.T) {
	text := fixture(t, "page.html")
	out := compress(t, text, "Quote exactly what the page states as the default of queueLimit.", 0)
	mustContain(t, out, lineWith(t, text, "<li><code>queueLimit</code>"), "<strong>Default:</strong> <code>64 * 1024</code>")
}

// When the task asks for markup itself, every kept block is markup, each
// a byte-exact substring of the page.
func TestHTMLMarkupAsked(t *testing.T) {
	text := fixture(t, "page.html")
	out := compress(t, text, `Quote the <li> markup of queueLimit with its class="type" link.`, 0)
	if !strings.HasPrefix(out, markupNote+"\n") {
		t.Fatalf("output does not open with the markup note:\n%s", out)
	}
	verbatimOutside(t, text, out)
	mustContain(t, out, lineWith(t, text, "<li><code>queueLimit</code>"))
}

// A repeated element is a collection: the member the task names is kept
// whole and verbatim, with the first and last members and the opening
// tags of its ancestors; the rest become notes naming them.
func TestXMLCollection(t *testing.T) {
	text := fixture(t, "font.svg")
	out := compress(t, text, "Show me the glyph for &#xf1a2; and the font metrics.", 0)
	verbatimOutside(t, text, out)
	mustContain(t, out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\">\n<defs>\n<font id=\"grove_icons\" horiz-adv-x=\"1000\" >\n",
		lineWith(t, text, "<font-face "),
		lineWith(t, text, `unicode="&#xf1a2;"`),
		lineWith(t, text, `unicode="&#xf100;"`),
		lineWith(t, text, `unicode="&#xf1b3;"`),
		"</font>\n</defs></svg>",
		"<glyph> elements omitted: unicode=",
	)
}

// An XML document printed inside a log keeps the log lines, and the
// member named by its text child is kept whole under its ancestors.
func TestXMLInLog(t *testing.T) {
	text := fixture(t, "build.log")
	out := compress(t, text, "Which version of unit-test-step does the build use?", 1200)
	verbatimOutside(t, text, out)
	mustContain(t, out,
		"[build] printing the effective descriptor:\n",
		"<project>\n",
		"  <build>\n    <plugins>\n",
		"      <plugin>\n        <artifactId>unit-test-step</artifactId>\n        <version>3.5.15</version>\n",
		"</project>\n",
		"[build] done in 1.9 s\n",
	)
	if !strings.Contains(out, "<plugin> elements omitted: resources-step") {
		t.Errorf("no note names the omitted plugins:\n%s", out)
	}
}

func TestWithinBudgetUntouched(t *testing.T) {
	text := fixture(t, "build.log")
	if out, ok := Compress(input(text, "", len(text))); ok {
		t.Errorf("markup within its budget was rewritten:\n%s", out)
	}
	bad := "<?xml version=\"1.0\"?>\n<a>\n" + strings.Repeat("  <b>x</b>\n", 400) + "  <c>\n</a>\n"
	if _, ok := Compress(input(bad, "", 0)); ok {
		t.Error("malformed XML was rewritten")
	}
}

func FuzzCompress(f *testing.F) {
	for _, name := range []string{"page.html", "font.svg", "build.log"} {
		f.Add(fixture(f, name), "the glyph for &#xf1a2; and the default of queueLimit")
	}
	f.Add("<?xml version=\"1.0\"?>\n<a><b/><b/><b/><c x='1'>t</c></a>\n", "quote c")
	f.Fuzz(func(t *testing.T, text, task string) {
		in := &fold.Input{Text: text, Query: relevance.Parse(task, ""), Budget: fold.Budget{Bytes: len(text) / 5, Lossy: true}}
		out, ok := Compress(in)
		again, ok2 := Compress(&fold.Input{Text: text, Query: relevance.Parse(task, ""), Budget: in.Budget})
		if ok != ok2 || out != again {
			t.Fatal("not deterministic")
		}
		Detect(text)
		if !ok {
			return
		}
		if len(out) >= len(text) {
			t.Fatalf("output %d bytes, input %d", len(out), len(text))
		}
		// Text extracted from HTML is re-rendered, and says so.
		if strings.HasPrefix(out, ExtractedNote) {
			return
		}
		for _, l := range lines.Split(out).L {
			lines.WithoutNotes(l, func(part string) {
				if strings.TrimSpace(part) != "" && !strings.Contains(text, part) {
					t.Fatalf("kept %q is not in the input", part)
				}
			})
		}
	})
}

// TestMarkupAsked: only tag or attribute syntax, or a word naming markup,
// in a quote request asks for the markup itself; a keyword argument's "="
// does not.
func TestMarkupAsked(t *testing.T) {
	for ask, want := range map[string]bool{
		"Quote the <dt> line for BooleanOptionalAction.":                                true,
		`Paste the exact href="#ArgumentParser" anchor.`:                                true,
		"Show the exact HTML of the signature.":                                         true,
		"Give the signature exactly as the page shows it, exit_on_error=True included.": false,
		"What does the page say about exit_on_error=True?":                              false, // no quote request
	} {
		q := relevance.Parse(ask, "")
		if got := markupAsked(q); got != want {
			t.Errorf("markupAsked(%q) = %v, want %v", ask, got, want)
		}
	}
}
