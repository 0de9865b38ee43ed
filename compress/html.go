package compress

import (
	"fmt"
	"math"
	"strings"

	"golang.org/x/net/html"
)

// HTML: a page fetched by a tool is mostly markup, scripts, styles and
// navigation; what the model needs is its readable text. The compressor
// streams the page through the x/net/html tokenizer and writes plain text
// with light markdown: headings as "#" lines, list items as "- " lines,
// table rows with " | " between cells, <pre> blocks verbatim between ```
// fences and inline <code> in backticks.
//
// Dropped: <head> (except the title), scripts, styles, forms, SVG,
// elements marked as navigation (<nav>, role="navigation") or hidden
// (aria-hidden, hidden), and runs of list items that are nothing but a
// link (menus, tables of contents), which become one note line.
//
// When the extracted text is still large (16 KiB; 8 KiB under agent-90),
// a lossy step keeps the outline: every heading, the first block under each
// heading, and the blocks that mention the task or carry an error signal;
// each run of dropped blocks becomes a note such as "[... 3 paragraphs,
// 1 code block omitted ...]".
//
// A block of text (paragraph, list item, heading, table row) that mentions
// a term of the user's task keeps its inline markup instead: the tags
// <code>, <strong>, <em> and the like (without attributes) and the text
// exactly as written in the source, entities included. Those are the
// passages the model is likely to quote, and e.g. "<strong>Default:</strong>
// <code>1024 * 1024</code>" stays greppable as it appeared on the page.

// htmlSkipTags are elements whose whole content is dropped.
var htmlSkipTags = map[string]bool{
	"head": true, "script": true, "style": true, "noscript": true, "template": true, "svg": true,
	"nav": true, "button": true, "select": true, "textarea": true, "form": true, "iframe": true,
	"canvas": true, "object": true,
}

// htmlBlockTags end the current block of text when they open or close.
var htmlBlockTags = map[string]bool{
	"p": true, "div": true, "section": true, "article": true, "main": true, "aside": true,
	"header": true, "footer": true, "blockquote": true, "ul": true, "ol": true, "li": true,
	"dl": true, "dt": true, "dd": true, "table": true, "thead": true, "tbody": true, "tr": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "pre": true,
	"br": true, "hr": true, "details": true, "summary": true, "figure": true, "figcaption": true,
	"caption": true, "title": true, "body": true, "html": true,
}

// htmlInlineKeep are the inline tags written out (without attributes) in
// task-matching blocks.
var htmlInlineKeep = map[string]bool{
	"code": true, "strong": true, "b": true, "em": true, "i": true, "kbd": true, "var": true,
	"samp": true, "sub": true, "sup": true, "mark": true,
}

// htmlSegment accumulates one block of text in two renderings.
type htmlSegment struct {
	plain   strings.Builder // readable text
	markup  strings.Builder // source text with kept inline tags
	prefix  string          // "# ", "- ", ...
	li      bool
	text    int // non-space bytes of text
	link    int // ... of which inside <a>
	hasCell bool
}

type htmlExtractor struct {
	h     *hints
	lines []htmlLine
	size  int // bytes of lines
	seg   htmlSegment
	skip  struct {
		tag   string
		depth int
	}
	pre       int // depth inside <pre>
	cell      int // depth inside <td>/<th>: block tags there do not end the row
	inLink    int
	listDepth int
	// pending link-only list items, flushed as a note when there are many.
	links     []string
	linksKept []string
}

// compressHTML is the contentCompressor for HTML.
func compressHTML(text string, h *hints) (string, bool) {
	x := &htmlExtractor{h: h}
	z := html.NewTokenizer(strings.NewReader(text))
	z.SetMaxBuf(0)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			var attrs map[string]string
			if hasAttr {
				attrs = map[string]string{}
				for {
					k, v, more := z.TagAttr()
					attrs[string(k)] = string(v)
					if !more {
						break
					}
				}
			}
			x.start(tag, attrs, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			x.end(string(name))
		case html.TextToken:
			if x.skip.depth > 0 {
				continue
			}
			// Raw first: Text unescapes in place, in the buffer Raw
			// points into.
			raw := string(z.Raw())
			x.textTok(string(z.Text()), raw)
		}
	}
	x.flush()
	x.flushLinks()
	out := strings.TrimSpace(x.render()) + "\n"
	if len(out) >= len(text) || strings.TrimSpace(out) == "" {
		return "", false
	}
	return out, true
}

func (x *htmlExtractor) start(tag string, attrs map[string]string, selfClosing bool) {
	if x.skip.depth > 0 {
		if tag == x.skip.tag && !selfClosing && !isVoidTag(tag) {
			x.skip.depth++
		}
		return
	}
	if tag == "title" {
		x.flush()
		x.seg.prefix = "# "
		return
	}
	if htmlSkipTags[tag] || attrs["role"] == "navigation" || attrs["aria-hidden"] == "true" || hasKey(attrs, "hidden") {
		if !selfClosing && !isVoidTag(tag) {
			x.skip.tag, x.skip.depth = tag, 1
		}
		return
	}
	switch {
	case tag == "pre":
		x.flush()
		x.pre++
		x.seg.plain.WriteString("```\n")
		return
	case x.cell > 0 && htmlBlockTags[tag] && tag != "tr" && tag != "table":
		// A paragraph or list inside a table cell stays in the row.
		x.seg.plain.WriteByte(' ')
		x.seg.markup.WriteByte(' ')
		return
	case htmlBlockTags[tag]:
		x.flush()
		switch tag {
		case "ul", "ol":
			x.listDepth++
		case "li":
			x.seg.prefix = strings.Repeat("  ", max(0, x.listDepth-1)) + "- "
			x.seg.li = true
		case "h1", "h2", "h3", "h4", "h5", "h6":
			x.seg.prefix = strings.Repeat("#", int(tag[1]-'0')) + " "
		}
		return
	case tag == "td" || tag == "th":
		x.cell++
		if x.seg.hasCell {
			x.seg.plain.WriteString(" | ")
			x.seg.markup.WriteString(" | ")
		}
		x.seg.hasCell = true
		return
	case tag == "a":
		x.inLink++
	case tag == "code" && x.pre == 0:
		x.seg.plain.WriteByte('`')
	}
	if htmlInlineKeep[tag] && x.pre == 0 {
		x.seg.markup.WriteString("<" + tag + ">")
	}
}

func (x *htmlExtractor) end(tag string) {
	if x.skip.depth > 0 {
		if tag == x.skip.tag {
			x.skip.depth--
		}
		return
	}
	switch {
	case tag == "pre":
		if x.pre > 0 {
			x.pre--
		}
		p := strings.TrimRight(x.seg.plain.String(), "\n")
		x.seg.plain.Reset()
		x.seg.plain.WriteString(p + "\n```")
		x.flush()
		return
	case (tag == "td" || tag == "th") && x.cell > 0:
		x.cell--
		return
	case x.cell > 0 && htmlBlockTags[tag] && tag != "tr" && tag != "table":
		return
	case tag == "title" || htmlBlockTags[tag]:
		if tag == "tr" || tag == "table" {
			x.cell = 0
		}
		x.flush()
		if (tag == "ul" || tag == "ol") && x.listDepth > 0 {
			x.listDepth--
		}
		return
	case tag == "a":
		if x.inLink > 0 {
			x.inLink--
		}
	case tag == "code" && x.pre == 0:
		x.seg.plain.WriteByte('`')
	}
	if htmlInlineKeep[tag] && x.pre == 0 {
		x.seg.markup.WriteString("</" + tag + ">")
	}
}

func (x *htmlExtractor) textTok(text, raw string) {
	// Permalink anchors next to headings ("#", "¶") say nothing.
	if x.inLink > 0 {
		switch strings.TrimSpace(text) {
		case "#", "¶", "§":
			return
		}
	}
	if x.pre > 0 {
		x.seg.plain.WriteString(text)
		x.seg.text += len(strings.TrimSpace(text))
		return
	}
	t := collapseSpace(text)
	x.seg.plain.WriteString(t)
	x.seg.markup.WriteString(collapseSpace(raw))
	n := len(strings.TrimSpace(t))
	x.seg.text += n
	if x.inLink > 0 {
		x.seg.link += n
	}
}

// collapseSpace turns every run of whitespace into one space.
func collapseSpace(s string) string {
	if !strings.ContainsAny(s, "\n\t\r\f") && !strings.Contains(s, "  ") {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\n', '\t', '\r', '\f':
			space = true
		default:
			if space {
				sb.WriteByte(' ')
				space = false
			}
			sb.WriteByte(s[i])
		}
	}
	if space {
		sb.WriteByte(' ')
	}
	return sb.String()
}

// flush ends the current block of text.
func (x *htmlExtractor) flush() {
	seg := &x.seg
	defer func() { *seg = htmlSegment{} }()
	if seg.text == 0 {
		return
	}
	plain := seg.plain.String()
	if x.pre == 0 && !strings.HasPrefix(plain, "```") {
		plain = strings.TrimSpace(collapseSpace(plain))
		plain = strings.ReplaceAll(plain, "``", "")
	}
	matches := mentionsTask(plain, x.h.taskTerms)
	code := strings.HasPrefix(plain, "```")
	line := seg.prefix + plain
	if matches && !code {
		line = seg.prefix + strings.TrimSpace(collapseSpace(seg.markup.String()))
	}
	// A list item that is only a link: part of a menu or table of contents.
	if seg.li && seg.link*10 >= seg.text*9 && !hasErrorSignal(plain) {
		x.links = append(x.links, line)
		if matches {
			x.linksKept = append(x.linksKept, line)
		}
		return
	}
	x.flushLinks()
	kind := byte('p')
	switch {
	case code:
		kind = 'c'
	case strings.HasPrefix(seg.prefix, "#"):
		kind = 'h'
	case seg.li:
		kind = 'l'
	case seg.hasCell:
		kind = 'r'
	}
	// Prose with an error signal is kept by the lossy step; in a code
	// example the word is code ("console.error"), not a report.
	x.emit(line, kind, matches || (!code && hasErrorSignal(plain)))
}

// flushLinks writes pending link-only list items: all of them when there
// are few, else the task-matching ones and a note for the rest.
func (x *htmlExtractor) flushLinks() {
	if len(x.links) == 0 {
		return
	}
	if len(x.links) < 5 {
		for _, l := range x.links {
			x.emit(l, 'l', false)
		}
	} else {
		for _, l := range x.linksKept {
			x.emit(l, 'l', true)
		}
		if n := len(x.links) - len(x.linksKept); n > 0 {
			x.emit(fmt.Sprintf("[... %d link-only list items (navigation) omitted ...]", n), 'n', true)
		}
	}
	x.links, x.linksKept = x.links[:0], x.linksKept[:0]
}

// htmlLine is one block of the extracted text.
type htmlLine struct {
	text string
	// kind: 'h' heading, 'p' paragraph, 'l' list item, 'r' table row,
	// 'c' code block, 'n' note.
	kind byte
	// important lines (task terms, error signals, notes) survive the
	// lossy step.
	important bool
}

func (x *htmlExtractor) emit(line string, kind byte, important bool) {
	if strings.TrimSpace(line) == "" {
		return
	}
	x.lines = append(x.lines, htmlLine{text: line, kind: kind, important: important || kind == 'n'})
	x.size += len(line) + 1
}

// htmlLossyBytes is the size of extracted text from which the lossy step
// runs (balanced; agent-90 halves it).
const htmlLossyBytes = 16 << 10

// render writes the extracted text. When it is still large, only the
// outline and what matters stays: every heading, the first block under
// each heading, blocks that mention the task or carry an error signal;
// each run of dropped blocks becomes one note saying what it held.
func (x *htmlExtractor) render() string {
	limit := htmlLossyBytes
	if x.h.aggressive {
		limit /= 2
	}
	keep := make([]bool, len(x.lines))
	lossy := x.size > limit || x.h.keepRatio > 0
	for i, l := range x.lines {
		switch {
		case !lossy, l.important, l.kind == 'h':
			keep[i] = true
		case i > 0 && x.lines[i-1].kind == 'h' && !x.h.aggressive:
			// A section's first block says what the section is about.
			keep[i] = true
		}
	}
	if lossy && x.h.keepRatio > 0 {
		want := int(math.Ceil(x.h.keepRatio * float64(len(keep))))
		have := countKept(keep)
		if have < want {
			step := float64(len(keep)) / float64(want-have+1)
			for f := step; f < float64(len(keep)) && have < want; f += step {
				if i := int(f); !keep[i] {
					keep[i] = true
					have++
				}
			}
		}
	}
	var sb strings.Builder
	for i := 0; i < len(x.lines); {
		if keep[i] {
			sb.WriteString(x.lines[i].text)
			sb.WriteByte('\n')
			i++
			continue
		}
		var counts [4]int // paragraphs, list items, rows, code blocks
		for ; i < len(x.lines) && !keep[i]; i++ {
			switch x.lines[i].kind {
			case 'l':
				counts[1]++
			case 'r':
				counts[2]++
			case 'c':
				counts[3]++
			default:
				counts[0]++
			}
		}
		var parts []string
		for k, name := range [4][2]string{{"paragraph", "paragraphs"}, {"list item", "list items"}, {"table row", "table rows"}, {"code block", "code blocks"}} {
			if n := counts[k]; n == 1 {
				parts = append(parts, "1 "+name[0])
			} else if n > 1 {
				parts = append(parts, fmt.Sprintf("%d %s", n, name[1]))
			}
		}
		sb.WriteString("[... " + strings.Join(parts, ", ") + " omitted ...]\n")
	}
	return sb.String()
}

// countKept counts the true values of b.
func countKept(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

func isVoidTag(tag string) bool {
	switch tag {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr":
		return true
	}
	return false
}
