package markup

import (
	"strings"

	"golang.org/x/net/html"

	"github.com/tsheadroom/tsheadroom/compress/docs"
	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// Notes that open an HTML page's compressed form. ExtractedNote says its
// text was re-rendered: lines after it are not verbatim (blocks kept as
// markup are).
var (
	ExtractedNote = lines.Note("HTML page: markup, scripts and styles removed; its text follows, headings as #, list items as -, table rows as |")
	markupNote    = lines.Note("HTML page: scripts, styles and navigation removed; kept elements are verbatim markup")
)

// blockKind is what an extracted block of a page is.
type blockKind uint8

const (
	para blockKind = iota
	headingBlock
	item
	row
	pre
)

// hblock is one block of a page's text and where its markup is.
type hblock struct {
	kind  blockKind
	level int // heading level, list depth
	text  string
	// start and end delimit the block's markup in the page.
	start, end int
	// firstRow marks a table's first row.
	firstRow bool
	// links marks a block whose text is all link text (a menu entry).
	links bool
}

// skipTags are elements whose content is not part of the page's text.
var skipTags = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true, "svg": true, "nav": true,
	"button": true, "select": true, "textarea": true, "form": true, "iframe": true, "canvas": true,
	"object": true,
}

// blockTags end the current block when they open or close.
var blockTags = map[string]bool{
	"p": true, "div": true, "section": true, "article": true, "main": true, "aside": true,
	"header": true, "footer": true, "blockquote": true, "ul": true, "ol": true, "li": true,
	"dl": true, "dt": true, "dd": true, "table": true, "thead": true, "tbody": true, "tr": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "pre": true,
	"br": true, "hr": true, "details": true, "summary": true, "figure": true, "figcaption": true,
	"caption": true, "title": true, "body": true, "html": true,
}

// voidTags have no end tag.
var voidTags = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// extractor turns a page into blocks as it streams through its tokens.
type extractor struct {
	src    string
	blocks []hblock
	cur    *hblock
	text   strings.Builder
	skip   []string // open skipped elements
	lists  int
	inPre  int
	inRow  bool
	cells  int
	tables []bool // per open table: has it had a row yet
	// linkAt is where the current link's text starts in text, or -1.
	linkAt int
	// space is a pending blank between words.
	space bool
	// names interns tag names: a page has few distinct ones.
	names map[string]string
	// blockAt is where the last block element's start tag began, for a
	// paragraph its text opens; -1 when none is pending.
	blockAt int
	// linkText counts the bytes of text inside links in the current
	// block.
	linkText, inLink int
}

// extract reads the blocks of page src. stop is polled now and then.
func extract(src string, stop func() bool) []hblock {
	e := &extractor{src: src, linkAt: -1, blockAt: -1, names: map[string]string{}}
	z := html.NewTokenizer(strings.NewReader(src))
	z.SetMaxBuf(0)
	off := 0
	for n := 0; ; n++ {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := len(z.Raw())
		if n&1023 == 0 && stop != nil && stop() {
			break
		}
		e.token(z, tt, off, off+raw)
		off += raw
	}
	e.flush(off)
	return e.blocks
}

// token handles the token at src[start:end].
func (e *extractor) token(z *html.Tokenizer, tt html.TokenType, start, end int) {
	switch tt {
	case html.StartTagToken, html.SelfClosingTagToken:
		name, hasAttr := z.TagName()
		tag := e.intern(name)
		if len(e.skip) > 0 {
			if tt == html.StartTagToken && !voidTags[tag] && skipTags[tag] {
				e.skip = append(e.skip, tag)
			}
			return
		}
		hidden := hasAttr && hiddenAttr(z)
		if (skipTags[tag] || hidden) && tt == html.StartTagToken && !voidTags[tag] {
			e.flush(start)
			e.skip = append(e.skip, tag)
			return
		}
		e.startTag(tag, start)
	case html.EndTagToken:
		name, _ := z.TagName()
		tag := e.intern(name)
		if len(e.skip) > 0 {
			if e.skip[len(e.skip)-1] == tag {
				e.skip = e.skip[:len(e.skip)-1]
			}
			return
		}
		e.endTag(tag, end)
	case html.TextToken:
		if len(e.skip) > 0 {
			return
		}
		e.ensure(start)
		t := z.Text()
		before := e.text.Len()
		if e.inPre > 0 {
			e.text.Write(t)
		} else {
			e.words(t)
		}
		if e.inLink > 0 {
			e.linkText += e.text.Len() - before
		}
	}
}

// hiddenAttr reports an element hidden from readers (hidden, aria-hidden).
func hiddenAttr(z *html.Tokenizer) bool {
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "hidden":
			return true
		case "aria-hidden":
			if string(v) == "true" {
				return true
			}
		}
		if !more {
			return false
		}
	}
}

func (e *extractor) startTag(tag string, start int) {
	switch {
	case len(tag) == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6':
		e.open(headingBlock, int(tag[1]-'0'), start)
	case tag == "li" || tag == "dt":
		e.open(item, max(1, e.lists), start)
	case tag == "ul" || tag == "ol":
		e.flush(start)
		e.lists++
	case tag == "table":
		e.flush(start)
		e.tables = append(e.tables, false)
	case tag == "tr":
		e.open(row, 0, start)
		e.inRow, e.cells = true, 0
		if k := len(e.tables) - 1; k >= 0 && !e.tables[k] {
			e.tables[k] = true
			e.cur.firstRow = true
		}
	case tag == "td" || tag == "th":
		if e.inRow {
			if e.cells > 0 {
				e.space = false
				e.text.WriteString(" | ")
			}
			e.cells++
		}
	case tag == "pre":
		e.open(pre, 0, start)
		e.inPre++
	case tag == "code" && e.inPre == 0:
		e.ensure(start)
		e.put("`")
	case tag == "a":
		e.ensure(start)
		e.linkAt = e.text.Len()
		e.inLink++
	case blockTags[tag]:
		if !e.inRow {
			e.flush(start)
			e.blockAt = start
		}
	}
}

func (e *extractor) endTag(tag string, end int) {
	switch {
	case len(tag) == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6', tag == "li", tag == "dt", tag == "title":
		e.close(end)
	case tag == "ul" || tag == "ol":
		e.flush(end)
		e.lists = max(0, e.lists-1)
	case tag == "table":
		e.flush(end)
		if len(e.tables) > 0 {
			e.tables = e.tables[:len(e.tables)-1]
		}
	case tag == "tr":
		e.inRow = false
		e.close(end)
	case tag == "pre":
		e.inPre = max(0, e.inPre-1)
		e.close(end)
	case tag == "code" && e.inPre == 0 && e.cur != nil:
		e.space = false
		e.text.WriteByte('`')
	case tag == "a":
		// Permalink anchors ("#", "¶") say nothing.
		if e.linkAt >= 0 && e.cur != nil {
			if t := strings.TrimSpace(e.text.String()[e.linkAt:]); t == "#" || t == "¶" || t == "§" {
				s := e.text.String()[:e.linkAt]
				e.text.Reset()
				e.text.WriteString(s)
			}
		}
		e.linkAt = -1
		e.inLink = max(0, e.inLink-1)
	case blockTags[tag]:
		if !e.inRow {
			e.close(end)
		}
	}
}

// open starts a block of kind at offset start, ending the current one.
func (e *extractor) open(kind blockKind, level, start int) {
	e.flush(start)
	e.cur = &hblock{kind: kind, level: level, start: start}
	e.blockAt = -1
}

// ensure starts a paragraph unless a block is open: at the start tag of
// the block element it sits in, if one is pending, else at start.
func (e *extractor) ensure(start int) {
	if e.cur == nil {
		if e.blockAt >= 0 {
			start = e.blockAt
		}
		e.open(para, 0, start)
	}
}

// close ends the current block with its markup ending at end.
func (e *extractor) close(end int) { e.flush(end) }

// flush ends the current block at end, keeping it when it holds text.
func (e *extractor) flush(end int) {
	if e.cur == nil {
		return
	}
	b := e.cur
	e.cur = nil
	t := e.text.String()
	e.text.Reset()
	e.linkAt = -1
	e.space = false
	e.blockAt = -1
	b.links = e.linkText > 0 && e.linkText+2 >= len(strings.TrimSpace(t))
	e.linkText = 0
	if b.kind == pre {
		t = strings.Trim(t, "\n")
	} else {
		t = strings.TrimSpace(t)
	}
	if strings.Trim(t, "` |") == "" {
		return
	}
	b.text, b.end = t, end
	e.blocks = append(e.blocks, *b)
}

// words appends text with its runs of white space collapsed to one space.
func (e *extractor) words(t []byte) {
	for i := 0; i < len(t); i++ {
		if c := t[i]; isSpaceByte(c) {
			e.space = e.text.Len() > 0
		} else {
			if e.space {
				e.text.WriteByte(' ')
				e.space = false
			}
			e.text.WriteByte(c)
		}
	}
}

// intern returns b as a string, allocating once per distinct name.
func (e *extractor) intern(b []byte) string {
	if s, ok := e.names[string(b)]; ok {
		return s
	}
	s := string(b)
	e.names[s] = s
	return s
}

// put appends s after a pending space.
func (e *extractor) put(s string) {
	if e.space {
		e.text.WriteByte(' ')
		e.space = false
	}
	e.text.WriteString(s)
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// markupAsked reports a request for markup itself: a quote request that
// names markup or writes its syntax (see relevance.Markup).
func markupAsked(q *relevance.Query) bool {
	return q.Intent.Has(relevance.Quote | relevance.Markup)
}

// compressHTML extracts a page's text and compresses it as a document.
func compressHTML(in *fold.Input) (string, bool) {
	blocks := extractMemo(in)
	if len(blocks) == 0 {
		return "", false
	}
	asMarkup := markupAsked(in.Query)
	// Under a quote request the blocks the task names keep their markup,
	// so what the page states can be quoted as it stands.
	var verbatim []bool
	if in.Verbatim() {
		verbatim = make([]bool, len(blocks))
		if asMarkup {
			for i := range verbatim {
				verbatim[i] = true
			}
		} else {
			var sb strings.Builder
			starts := make([]int, len(blocks))
			for i, b := range blocks {
				starts[i] = sb.Len()
				sb.WriteString(b.text)
				sb.WriteByte('\n')
			}
			starts[0] = 0
			ix := in.Index(in.Query, sb.String(), starts)
			// Headings stay headings: they are the outline.
			for i := range blocks {
				verbatim[i] = ix.Strong(i) && blocks[i].kind != headingBlock
			}
		}
	}
	doc := render(in.Text, blocks, verbatim)
	// The block's memo too: the page is rendered the same under most
	// queries, and its lines and words are then read once.
	sub := &fold.Input{Text: doc, Query: in.Query, Budget: in.Budget, Stop: in.Stop, Memo: in.Memo}
	if out, ok := docs.Compress(sub); ok {
		doc = out
	}
	note := ExtractedNote
	if asMarkup {
		note = markupNote
	}
	return note + "\n" + doc, true
}

// extractMemo is extract of in.Text, kept in in.Memo: a page re-judged by
// a later turn is compressed again under another query and budget, and
// its blocks (a tokenization of the whole page) depend on its text alone.
// They are read-only once made; blocks cut short by the caller's stop are
// not kept.
func extractMemo(in *fold.Input) []hblock {
	if v, ok := in.Memo.Get("markup.html", in.Text); ok {
		return v.([]hblock)
	}
	blocks := extract(in.Text, in.Stop)
	if !in.Stopped() {
		in.Memo.Put("markup.html", in.Text, blocks)
	}
	return blocks
}

// render writes the blocks as a markdown-like document; a verbatim block
// is written as its markup.
func render(src string, blocks []hblock, verbatim []bool) string {
	var sb strings.Builder
	prev := blockKind(255)
	for i := 0; i < len(blocks); i++ {
		b := blocks[i]
		// A run of list items that are only links is a menu or a table
		// of contents: its entries go on one line.
		if j := menuEnd(blocks, i); j-i >= minMenu && !allTrue(verbatim) {
			if i > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString("- ")
			for k := i; k < j; k++ {
				if k > i {
					sb.WriteString(" · ")
				}
				sb.WriteString(blocks[k].text)
			}
			sb.WriteByte('\n')
			prev = para
			i = j - 1
			continue
		}
		if i > 0 && !(b.kind == prev && (b.kind == item || b.kind == row) && !b.firstRow) {
			sb.WriteByte('\n')
		}
		prev = b.kind
		if verbatim != nil && verbatim[i] {
			sb.WriteString(strings.Trim(src[b.start:b.end], "\n"))
			sb.WriteByte('\n')
			continue
		}
		switch b.kind {
		case headingBlock:
			sb.WriteString(strings.Repeat("#", b.level))
			sb.WriteByte(' ')
			sb.WriteString(b.text)
		case item:
			sb.WriteString(strings.Repeat("  ", b.level-1))
			sb.WriteString("- ")
			sb.WriteString(b.text)
		case row:
			sb.WriteString("| ")
			sb.WriteString(b.text)
			sb.WriteString(" |")
			if b.firstRow {
				sb.WriteString("\n| --- |")
			}
		case pre:
			sb.WriteString("```\n")
			sb.WriteString(b.text)
			sb.WriteString("\n```")
		default:
			sb.WriteString(b.text)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// minMenu is the shortest run of link items written as one line.
const minMenu = 4

// menuEnd returns the end of the run of link-only list items at i.
func menuEnd(blocks []hblock, i int) int {
	j := i
	for j < len(blocks) && blocks[j].kind == item && blocks[j].links {
		j++
	}
	return j
}

// allTrue reports a non-empty slice of trues (every block verbatim).
func allTrue(bs []bool) bool {
	for _, b := range bs {
		if !b {
			return false
		}
	}
	return len(bs) > 0
}
