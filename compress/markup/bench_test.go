package markup

import (
	"fmt"
	"strings"
	"testing"
)

// synthPage writes an HTML page of about n bytes: sections of paragraphs,
// option lists and tables.
func synthPage(n int) string {
	var sb strings.Builder
	sb.WriteString("<!DOCTYPE html>\n<html><head><title>t</title><script>var x = 1;</script></head><body>\n")
	for s := 0; sb.Len() < n; s++ {
		fmt.Fprintf(&sb, "<h2 id=\"s%d\">Section %d</h2>\n<p>The walker reads <code>tree %d</code> in order and keeps a queue.</p>\n<ul>\n", s, s, s)
		for k := 0; k < 5; k++ {
			fmt.Fprintf(&sb, "<li><code>opt%d_%d</code> <a href=\"#t\">&lt;number&gt;</a> Sets it. <strong>Default:</strong> <code>%d</code>.</li>\n", s, k, k)
		}
		sb.WriteString("</ul>\n<table><tr><th>Version</th><th>Changes</th></tr><tr><td>v1</td><td>Added.</td></tr></table>\n")
	}
	sb.WriteString("</body></html>\n")
	return sb.String()
}

// synthXML writes an XML document of about n bytes: a collection of
// elements with attributes and children.
func synthXML(n int) string {
	var sb strings.Builder
	sb.WriteString("<?xml version=\"1.0\"?>\n<project>\n  <plugins>\n")
	for k := 0; sb.Len() < n; k++ {
		fmt.Fprintf(&sb, "    <plugin id=\"p%d\">\n      <artifactId>step-%d</artifactId>\n      <version>1.%d</version>\n    </plugin>\n", k, k, k%50)
	}
	sb.WriteString("  </plugins>\n</project>\n")
	return sb.String()
}

// BenchmarkCompress measures throughput at kindtest.BenchSizes, with the
// engine's budget for the kind (see kindtest.Compressor.Bench).
func BenchmarkCompress(b *testing.B) {
	const task = "what is the default of opt7_3 and which version does step-777 use?"
	kt.Bench(b, "html/", synthPage, task)
	kt.Bench(b, "xml/", synthXML, task)
}
