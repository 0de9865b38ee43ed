package compress

import (
	"strings"
	"testing"
)

func TestCompressHTML(t *testing.T) {
	in := genHTML(40)
	if k := detectKind(in); k != KindHTML {
		t.Fatalf("detected as %s", k)
	}
	out, ok := compressHTML(in, &hints{taskTerms: []string{"option17"}})
	if !ok {
		t.Fatal("not compressed")
	}
	for _, want := range []string{
		"# Widget API",
		"The `widget` module builds widgets.",
		"```\nconst w = widget.create({ size: 3 });\nw.render();\n```",
		"- `option3` <number> Controls aspect 3 of the widget. Default: `24`.",
		// The task-matching item keeps its inline markup as in the source.
		"- <code>option17</code> &#x3C;number> Controls aspect 17 of the widget. <strong>Default:</strong> <code>136</code>.",
		"Errors are reported through the `error` event.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, gone := range []string{"analytics", "font-family", "Page 7", "<li>", "href"} {
		if strings.Contains(out, gone) {
			t.Errorf("output still has %q", gone)
		}
	}
	if len(out) > len(in)/2 {
		t.Errorf("kept %d of %d bytes", len(out), len(in))
	}
}

func TestCompressHTMLLinkMenus(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("<html><body><div class=menu><ul>")
	for i := range 20 {
		sb.WriteString("<li><a href=\"/x\">Section " + string(rune('A'+i)) + "</a></li>")
	}
	sb.WriteString("</ul></div><p>Body text that matters.</p><table><tr><th>Key</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr></table></body></html>")
	out, ok := compressHTML(sb.String(), &hints{taskTerms: []string{"section c"}})
	if !ok {
		t.Fatal("not compressed")
	}
	for _, want := range []string{"- Section C", "[... 19 link-only list items (navigation) omitted ...]", "Body text that matters.", "Key | Value", "a | 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCompressHTMLHostile(t *testing.T) {
	for _, in := range []string{
		"<html><body><div><div><p>unclosed",
		"<script>never closed " + strings.Repeat("x", 1000),
		"<html>" + strings.Repeat("<div>", 5000) + "deep" + strings.Repeat("</div>", 10),
		"<html><body><pre>" + strings.Repeat("code line\n", 100) + "</body></html>",
		"<<<>>><a href='x'><b><i>mis</b>nested</i></a>",
	} {
		out, ok := compressHTML(in, &hints{})
		if ok && len(out) >= len(in) {
			t.Errorf("not shorter for %.40q", in)
		}
	}
}

// FuzzCompressHTML: never panics, output shorter, and the text of a
// paragraph with an error signal survives.
func FuzzCompressHTML(f *testing.F) {
	f.Add(genHTML(5))
	f.Add("<html><body><p>fatal: disk full</p></body></html>")
	f.Add("<ul><li><a href=x>a</a></li></ul>")
	f.Fuzz(func(t *testing.T, in string) {
		out, ok := compressHTML(in, &hints{taskTerms: []string{"disk"}})
		if ok && len(out) >= len(in) {
			t.Fatalf("not shorter: %d -> %d", len(in), len(out))
		}
		probe := "<html><body><p>error: " + strings.Map(func(r rune) rune {
			if r == '<' || r == '>' || r == '&' || r < ' ' {
				return -1
			}
			return r
		}, in) + "</p>" + strings.Repeat("<div>filler</div>", 20) + "</body></html>"
		if out, ok := compressHTML(probe, &hints{}); ok {
			if !strings.Contains(out, "error:") {
				t.Fatalf("error paragraph lost:\n%s", out)
			}
		}
	})
}

func TestCompressHTMLTableCells(t *testing.T) {
	in := "<html><body><table><tr><th>Version</th><th>Changes</th></tr><tr><td>v1.2</td><td><p>Added <code>x</code>.</p><p>Second paragraph.</p></td></tr></table>" +
		strings.Repeat("<div class=\"pad\"></div>", 20) + "</body></html>"
	out, ok := compressHTML(in, &hints{})
	if !ok {
		t.Fatal("not compressed")
	}
	if want := "v1.2 | Added `x`. Second paragraph."; !strings.Contains(out, want) {
		t.Errorf("row with paragraphs in a cell split up; want %q in:\n%s", want, out)
	}
}

func TestCompressHTMLLossyWhenLarge(t *testing.T) {
	in := genHTML(600)
	out, ok := compressHTML(in, &hints{taskTerms: []string{"option417"}})
	if !ok {
		t.Fatal("not compressed")
	}
	for _, want := range []string{
		"# Widget API",                                   // headings stay
		"The `widget` module builds widgets.",            // a section's first block
		"<code>option417</code>",                         // task match, with its markup
		"Errors are reported through the `error` event.", // error signal
		"list items omitted ...]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%.3000s", want, out)
		}
	}
	if strings.Contains(out, "option300") {
		t.Error("unrelated option kept")
	}
	if len(out) > len(in)/20 {
		t.Errorf("kept %d of %d bytes", len(out), len(in))
	}
	// The same page with a keep ratio keeps a share of the items.
	half, _ := compressHTML(in, &hints{taskTerms: []string{"option417"}, keepRatio: 0.5})
	if strings.Count(half, "Controls aspect") < 250 {
		t.Errorf("target ratio 0.5 kept %d of 600 items", strings.Count(half, "Controls aspect"))
	}
}
