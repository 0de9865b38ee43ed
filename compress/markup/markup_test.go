package markup

import (
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// kt is this package under the shared kind checks; Share is the engine's
// keep share for markup.
var kt = kindtest.Compressor{Detect: Detect, Compress: Compress, Share: 0.1}

func TestDetect(t *testing.T) {
	fixtures := []string{"page.html", "font.svg", "build.log"}
	readme := "<div align=\"center\"><img src=\"logo.png\"></div>\n\n# Grove\n\nGrove walks trees.\n\n## Install\n\nRun the installer.\n"
	var testLog strings.Builder
	for range 40 {
		testLog.WriteString("=== RUN   TestPage\n    page_test.go:12: got:\n")
	}
	testLog.WriteString("        <html lang=\"en\">\n        <head><title>x</title></head>\n        </html>\n")
	kt.CheckDetect(t, fixtures, map[string]string{
		"markdown readme":     readme,
		"go code":             "package main\n\nfunc f[T any](x T) T {\n\treturn x\n}\n",
		"json":                `{"html": "<p>x</p>"}`,
		"page in a test diff": testLog.String(),
		"prose":               "Angle brackets <like this> appear in prose now and then.\n",
	})
}

// HTML is read for its text: headings, paragraphs, list items and table
// rows are extracted, scripts and styles are gone, menus are one line,
// and the note says the markup was removed.
func TestHTMLTextExtraction(t *testing.T) {
	text := kindtest.Fixture(t, "page.html")
	out := kt.Rewrite(t, kt.LossyInput(text, "What is the default queue limit of walker.run3?", 0))
	if !strings.HasPrefix(out, ExtractedNote+"\n") {
		t.Fatalf("output does not open with the extraction note:\n%s", out)
	}
	kindtest.MustContain(t, out, "# walker\n", "## Section 3: `walker.run3()`\n", "`queueLimit`", "Default: `64 * 1024`")
	// The extracted document puts a menu on one line.
	doc := render(text, extract(text, nil), nil)
	kindtest.MustContain(t, doc, "\n- Module number 0 · Module number 1 · Module number 2 · ", "\n| v4.1.0 | Tree work work in rest queue a of. |\n")
	for _, gone := range []string{"analyticsQueue", "font-family", "<li>", "href="} {
		if strings.Contains(out, gone) {
			t.Errorf("output holds markup or script %q:\n%s", gone, out)
		}
	}
}

// Under a quote request the block the task names keeps its markup, byte
// for byte, so what the page states can be quoted as it stands.
func TestHTMLQuoteKeepsNamedBlock(t *testing.T) {
	text := kindtest.Fixture(t, "page.html")
	out := kt.Rewrite(t, kt.LossyInput(text, "Quote exactly what the page states as the default of queueLimit.", 0))
	kindtest.MustContain(t, out, kindtest.LineWith(t, text, "<li><code>queueLimit</code>"), "<strong>Default:</strong> <code>64 * 1024</code>")
}

// When the task asks for markup itself, every kept block is markup, each
// a byte-exact substring of the page.
func TestHTMLMarkupAsked(t *testing.T) {
	text := kindtest.Fixture(t, "page.html")
	out := kt.Rewrite(t, kt.LossyInput(text, `Quote the <li> markup of queueLimit with its class="type" link.`, 0))
	if !strings.HasPrefix(out, markupNote+"\n") {
		t.Fatalf("output does not open with the markup note:\n%s", out)
	}
	kindtest.CheckParts(t, text, out, true)
	kindtest.MustContain(t, out, kindtest.LineWith(t, text, "<li><code>queueLimit</code>"))
}

// A repeated element is a collection: the member the task names is kept
// whole and verbatim, with the first and last members and the opening
// tags of its ancestors; the rest become notes naming them.
func TestXMLCollection(t *testing.T) {
	text := kindtest.Fixture(t, "font.svg")
	out := kt.Rewrite(t, kt.LossyInput(text, "Show me the glyph for &#xf1a2; and the font metrics.", 0))
	kindtest.CheckParts(t, text, out, true)
	kindtest.MustContain(t, out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\">\n<defs>\n<font id=\"grove_icons\" horiz-adv-x=\"1000\" >\n",
		kindtest.LineWith(t, text, "<font-face "),
		kindtest.LineWith(t, text, `unicode="&#xf1a2;"`),
		kindtest.LineWith(t, text, `unicode="&#xf100;"`),
		kindtest.LineWith(t, text, `unicode="&#xf1b3;"`),
		"</font>\n</defs></svg>",
		"<glyph> elements omitted: unicode=",
	)
}

// An XML document printed inside a log keeps the log lines, and the
// member named by its text child is kept whole under its ancestors.
func TestXMLInLog(t *testing.T) {
	text := kindtest.Fixture(t, "build.log")
	out := kt.Rewrite(t, kt.LossyInput(text, "Which version of unit-test-step does the build use?", 1200))
	kindtest.CheckParts(t, text, out, true)
	kindtest.MustContain(t, out,
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
	text := kindtest.Fixture(t, "build.log")
	if out, ok := Compress(kt.LossyInput(text, "", len(text))); ok {
		t.Errorf("markup within its budget was rewritten:\n%s", out)
	}
	bad := "<?xml version=\"1.0\"?>\n<a>\n" + strings.Repeat("  <b>x</b>\n", 400) + "  <c>\n</a>\n"
	if _, ok := Compress(kt.LossyInput(bad, "", 0)); ok {
		t.Error("malformed XML was rewritten")
	}
}

// FuzzCompress: on any text and task, Detect and Compress do not panic,
// Compress is deterministic, and a rewrite is shorter with every part
// outside notes, but white space, found in the input, unless it is text
// extracted from HTML, which is re-rendered and says so.
func FuzzCompress(f *testing.F) {
	seeds := kindtest.Fixtures(f, "the glyph for &#xf1a2; and the default of queueLimit", 0, "page.html", "font.svg", "build.log")
	seeds = append(seeds, kindtest.Seed{Text: "<?xml version=\"1.0\"?>\n<a><b/><b/><b/><c x='1'>t</c></a>\n", Task: "quote c"})
	kt.FuzzTask(f, seeds, func(t *testing.T, text, out string) {
		if !strings.HasPrefix(out, ExtractedNote) {
			kindtest.CheckParts(t, text, out, true)
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
