// Package markup compresses markup a tool printed or read: HTML pages, and
// XML documents (SVG, build descriptors such as Maven POMs, XML
// configuration), also when they sit inside other output (a build log
// that prints a POM).
//
// HTML is read for its text: headings, paragraphs, list items, table rows,
// code blocks and link texts are extracted (scripts, styles, navigation,
// forms and hidden elements dropped) into a markdown-like document, which
// is then compressed as a document (package docs) and opens with a note
// saying the markup was removed. When the task asks for text as printed,
// the blocks it names are kept as their markup instead, byte for byte;
// when it asks for markup itself (tags or attributes in a quote request),
// every kept block is.
//
// XML is read as a tree of elements, also after the output of the run
// that wrote it (a test run, then its report), with CDATA text (a
// failure's trace) not counting against it. Repeated sibling elements
// (glyphs, dependencies, test cases) form a collection: the members the
// task names are kept whole, the first and last too, the first that
// reports a problem whatever the budget, and those holding the extremes
// of a numeric attribute; every run of omitted members becomes one note
// with their number by element name, their names, and the range of the
// numeric attributes they hold (time 0.001..0.025). Kept elements are
// byte-exact substrings of the input, under the opening tags of their
// ancestors, so the reader knows where they sit.
package markup

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// headBytes bounds what Detect reads.
const headBytes = 8 << 10

// Detect reports whether text is an HTML page or holds an XML document
// that makes up most of it.
func Detect(text string) bool {
	return isHTML(text) || xmlStart(text) >= 0
}

// Compress compresses the markup of in.Text. ok is false when nothing
// worth changing was found (within budget, malformed XML, no markup).
func Compress(in *fold.Input) (string, bool) {
	if !in.Budget.Lossy || len(in.Text) <= in.Budget.Bytes {
		return "", false
	}
	var out string
	var ok bool
	if isHTML(in.Text) {
		out, ok = compressHTML(in)
	} else if start := xmlStart(in.Text); start >= 0 {
		out, ok = compressXML(in, start)
	}
	if !ok || len(out) >= len(in.Text) {
		return "", false
	}
	return out, true
}

// isHTML reports an HTML document: a doctype or <html> first, or a text
// that starts with a tag and is dense with common HTML elements.
func isHTML(text string) bool {
	head := strings.TrimLeft(text[:min(len(text), headBytes)], " \t\r\n\ufeff")
	if !strings.HasPrefix(head, "<") {
		// Every test below wants a tag first: most texts are not
		// lowered at all.
		return false
	}
	lower := lines.LowerASCII(head)
	if strings.HasPrefix(lower, "<?xml") {
		// XHTML declares itself as XML first.
		if i := strings.Index(lower, "<html"); i < 0 || i > 1024 {
			return false
		}
		return true
	}
	if strings.HasPrefix(lower, "<!doctype html") || strings.HasPrefix(lower, "<html") {
		return true
	}
	if !strings.HasPrefix(lower, "<") {
		return false
	}
	tags := 0
	for _, t := range [...]string{"<div", "<p>", "<p ", "<span", "<a ", "<li", "<table", "<td", "<h1", "<h2", "<h3", "<body", "<head", "<meta", "<script", "<br"} {
		tags += strings.Count(lower, t)
	}
	return tags >= 12 && markupShare(head) >= 0.3
}

// markupShare is the share of s's bytes inside tags.
func markupShare(s string) float64 {
	in, inside := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '<':
			inside = true
		case s[i] == '>':
			inside = false
			in++
		}
		if inside {
			in++
		}
	}
	if len(s) == 0 {
		return 0
	}
	return float64(in) / float64(len(s))
}

// xmlStart returns the offset of the XML document in text, or -1: the
// line that opens it ("<?xml", a doctype, or an element) when the lines
// from there on are mostly markup and make up at least half the text. The
// document may follow other output (a test run, then the report it
// wrote): a line that starts a run of tags is tried, a few of them at most.
func xmlStart(text string) int {
	const maxTries = 8
	off, tries, prevTag := 0, 0, false
	for n := 0; n < maxStartLines && off*2 <= len(text); n++ {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text) - off
		}
		t := strings.TrimLeft(text[off:off+end], " \t\ufeff")
		tag := len(t) > 1 && t[0] == '<' && (strings.HasPrefix(t, "<?xml") || strings.HasPrefix(t, "<!DOCTYPE") || isNameStart(t[1]))
		if tag && !prevTag {
			// A page printed inside other output (a test's diff) is
			// not a document of its own.
			lower := lines.LowerASCII(t[:min(len(t), 16)])
			if strings.HasPrefix(lower, "<html") || strings.HasPrefix(lower, "<!doctype html") {
				return -1
			}
			if mostlyMarkup(text[off:]) {
				return off
			}
			if tries++; tries == maxTries {
				return -1
			}
		}
		if strings.TrimSpace(t) != "" {
			prevTag = tag
		}
		off += end + 1
	}
	return -1
}

// maxStartLines bounds the lines xmlStart reads before the document.
const maxStartLines = 4000

// mostlyMarkup reports whether the sampled lines of s mostly start with a
// tag (pretty-printed XML), or s is dense with tags (one long line).
// Lines inside a CDATA section or a comment do not count: they are an
// element's text however they read (the stack trace of a test report's
// <failure>), and the markup around them is what the text is.
func mostlyMarkup(s string) bool {
	s = s[:min(len(s), headBytes)]
	n, tagged := 0, 0
	closer := "" // the end of the CDATA section or comment a line is in
	for l := range strings.Lines(s) {
		t := strings.TrimSpace(l)
		if closer != "" {
			if i := strings.Index(t, closer); i >= 0 {
				t = strings.TrimSpace(t[i+len(closer):])
				closer = ""
			} else {
				continue
			}
		}
		if t == "" {
			continue
		}
		n++
		if t[0] == '<' {
			tagged++
		}
		closer = openSection(t)
	}
	return n > 0 && (tagged*10 >= n*7 || n <= 3 && markupShare(s) >= 0.5)
}

// openSection returns the end marker of a CDATA section or comment that
// line t opens and leaves open, or "".
func openSection(t string) string {
	for {
		c := strings.Index(t, "<![CDATA[")
		m := strings.Index(t, "<!--")
		if c < 0 && m < 0 {
			return ""
		}
		open, closer := c, "]]>"
		if c < 0 || m >= 0 && m < c {
			open, closer = m, "-->"
		}
		rest := t[open+len("<!--"):]
		if closer == "]]>" {
			rest = t[open+len("<![CDATA["):]
		}
		i := strings.Index(rest, closer)
		if i < 0 {
			return closer
		}
		t = rest[i+len(closer):]
	}
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
}
