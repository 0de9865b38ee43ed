package docs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// kt is this package under the shared kind checks; Share is the engine's
// keep share for documents.
var kt = kindtest.Compressor{Detect: Detect, Compress: Compress, Share: 0.1}

// compress runs Compress on text with a lossy budget of bytes (the
// engine's default for documents when bytes is not positive) and checks
// what every output must satisfy: shorter, and every line outside notes a
// line of the input.
func compress(t *testing.T, text, task string, bytes int) string {
	t.Helper()
	out := kt.Rewrite(t, kt.LossyInput(text, task, bytes))
	kindtest.CheckLines(t, text, out)
	return out
}

// section returns the lines of text from the line starting with from up
// to (not including) the next line starting with to.
func section(t *testing.T, text, from, to string) string {
	t.Helper()
	i := strings.Index(text, "\n"+from)
	if i < 0 {
		t.Fatalf("no %q", from)
	}
	rest := text[i+1:]
	j := strings.Index(rest[len(from):], "\n"+to)
	if j < 0 {
		t.Fatalf("no %q after %q", to, from)
	}
	return rest[:len(from)+j+1]
}

func TestDetect(t *testing.T) {
	fixtures := []string{"manual.txt", "guide.md", "workflow.yml", "changes.md", "help.txt"}
	var gocode, pycode, log, tests, tap, status, dump strings.Builder
	for i := range 40 {
		fmt.Fprintf(&dump, "%08x: %04x %04x 00ff 1200 %04x 0000 0000 a0c7  ..........x.....\n", i*16, i*77, i*5, i*301)
		gocode.WriteString("// walk visits the tree.\nfunc walk(n *node) error {\n\tif n == nil {\n\t\treturn nil\n\t}\n\treturn visit(n)\n}\n\n")
		pycode.WriteString("def walk(node):\n    if node is None:\n        return None\n    return visit(node)\n\n")
		log.WriteString("2026-03-01 10:00:0" + string(rune('0'+i%10)) + " INFO worker started the walk of /srv/data and found nothing new\n")
		tests.WriteString("======================================================================\nERROR: test_walk (tests.test_tree.TreeTest.test_walk)\n----------------------------------------------------------------------\nTraceback (most recent call last):\n  File \"tests/test_tree.py\", line 12, in test_walk\n    self.assertEqual(walk(None), [])\nAssertionError: None != []\n\n")
		tap.WriteString("ok " + string(rune('1'+i%9)) + " walker visits every node of the tree once\n")
		fmt.Fprintf(&status, "./pkg/mod%02d/file.txt: VERIFIED\n", i)
	}
	tap.WriteString("# tests 40\n# pass 40\n")
	kt.CheckDetect(t, fixtures, map[string]string{"go": gocode.String(), "python": pycode.String(), "log": log.String(), "test output": tests.String(), "tap": tap.String(), "flat status stream": status.String(), "hex dump": dump.String(), "json": `{"a": [1, 2, 3], "b": "c"}` + strings.Repeat("\n", 10)})
}

// A stream of "Key: value" records (each record opening with the same
// key, as a package database prints them) is no YAML document: a mapping
// cannot repeat a key. A stream of YAML documents separated by "---" is.
func TestRecordStreamNotDocument(t *testing.T) {
	var recs, docsStream strings.Builder
	for i := range 12 {
		if i > 0 {
			recs.WriteString("\n")
			docsStream.WriteString("---\n")
		}
		recs.WriteString("Item: gadget-" + string(rune('a'+i)) + "\nRelease: 1." + string(rune('0'+i%10)) + "\nArch: any\nNeeds: base (>= 2), core\nAbout: a gadget\n more words about the gadget\n")
		docsStream.WriteString("kind: Gadget\nmeta:\n  name: gadget-" + string(rune('a'+i)) + "\n  labels:\n    tier: back\nspec:\n  size: 3\n")
	}
	if Detect(recs.String()) {
		t.Error("record stream detected as a document")
	}
	// Records with no blank line between them, the first key indented:
	// the unindented keys repeat in every record.
	var packed strings.Builder
	for i := range 12 {
		packed.WriteString("  Item: gadget-" + string(rune('a'+i)) + "\nRelease: 1." + string(rune('0'+i%10)) + "\nArch: any\n Since: 2026-01-0" + string(rune('1'+i%9)) + "\n")
	}
	if Detect(packed.String()) {
		t.Error("packed record stream detected as a document")
	}
	// A '#' comment over each entry of a database dump reads as a
	// heading; a handful of prose lines among hundreds of entry lines
	// make no document of it.
	var entries strings.Builder
	for i := range 4 {
		entries.WriteString("#\tDumped from the entry store: /srv/entries/e" + string(rune('0'+i)) + "\n")
		entries.WriteString("entry-" + string(rune('a'+i)) + "|an entry of the store,\n")
		for k := range 60 {
			entries.WriteString("\tcap_" + string(rune('a'+k%26)) + string(rune('a'+k/26)) + "=\\E[" + string(rune('0'+k%10)) + "~,\n")
		}
	}
	if Detect(entries.String()) {
		t.Error("entry dump under comment lines detected as a document")
	}
	if !Detect(docsStream.String()) {
		t.Error("YAML document stream not detected")
	}
}

// A manual page keeps its outline (every section heading), the opening,
// the option entry the task names and the section it asks about whole;
// notes name what they leave out.
func TestManualOutlineAndNamedOption(t *testing.T) {
	text := kindtest.Fixture(t, "manual.txt")
	out := compress(t, text, "How do I keep grove on one filesystem with --one-fs, and what exit status does it use?", 0)
	for _, h := range []string{"NAME\n", "SYNOPSIS\n", "DESCRIPTION\n", "OPTIONS\n", "ENVIRONMENT\n", "EXAMPLES\n", "EXIT STATUS\n", "BUGS\n", "HISTORY\n", "SEE ALSO\n"} {
		kindtest.MustContain(t, out, "\n"+h)
	}
	kindtest.MustContain(t, out,
		"       grove - walk directory trees and report what they hold\n",
		section(t, text, "       --one-fs", "       --quiet"),
		section(t, text, "EXIT STATUS", "BUGS"),
	)
	// The entries are few enough to be part of the outline.
	kindtest.MustContain(t, out, "\n       --follow\n", "\n       --color when\n")
}

// An option reference keeps the entry the task names with its
// description lines.
func TestHelpEntry(t *testing.T) {
	text := kindtest.Fixture(t, "help.txt")
	out := compress(t, text, "Which flag limits the number of open files (max-open-files)?", 0)
	kindtest.MustContain(t, out, "Usage: grove [options] [path...]\n", "Options:\n", section(t, text, "  --max-open-files=...", "  --opt-"))
	// Notes name the options they leave out.
	if !strings.Contains(out, "options omitted") || !strings.Contains(out, "--opt-link-1") {
		t.Errorf("notes do not name the omitted options:\n%s", out)
	}
}

// A markdown section the task is about is kept whole, code blocks and
// tables stay intact, and a paragraph ending in ':' keeps the list it
// introduces.
func TestMarkdownSection(t *testing.T) {
	text := kindtest.Fixture(t, "guide.md")
	out := compress(t, text, "Which files does grove skip? Explain .groveignore.", 0)
	kindtest.MustContain(t, out, "# Grove\n", section(t, text, "## Ignoring files", "## Performance"))
	for _, h := range []string{"## Install", "## Usage", "## Performance", "## FAQ"} {
		kindtest.MustContain(t, out, h+"\n")
	}
	if strings.Count(out, "```")%2 != 0 {
		t.Errorf("unbalanced code fences:\n%s", out)
	}
}

// A YAML subtree the task names is kept whole under its ancestors'
// keys; of a list of items the first and last and the one holding a rare
// value are kept; notes are indented like what they replace.
func TestYAMLSubtree(t *testing.T) {
	text := kindtest.Fixture(t, "workflow.yml")
	out := compress(t, text, "Which PACKER_VERSION is pinned, and what toolchain is the minimum?", 1500)
	kindtest.MustContain(t, out,
		"jobs:\n  build:\n",
		section(t, text, "    env:", "    strategy:"),
		"        - build: oldest\n          os: ubuntu-latest\n          toolchain: 1.70.0\n",
		"        - build: windows\n",
	)
	for _, l := range lines.Split(out).L {
		if lines.IsNote(l) && !strings.HasPrefix(l, "    ") {
			t.Errorf("note %q is not indented like the lines it replaces", l)
		}
	}
}

// A changelog keeps every release heading, and an entry the task names
// whole with the section title and release it sits under.
func TestChangelogEntry(t *testing.T) {
	text := kindtest.Fixture(t, "changes.md")
	out := compress(t, text, "In which release did the checksum flag land?", 0)
	kindtest.MustContain(t, out,
		"9.0.0 (2019-01-19)\n==================\n",
		"Feature enhancements:\n",
		"* [FEATURE #951](https://example.invalid/issues/951):\n  Add a new `--checksum` flag that prints a digest of every file.\n",
	)
	if got := strings.Count(out, "\n====="); got < 13 {
		t.Errorf("%d release headings kept, want all 14:\n%s", got+1, out)
	}
}

func TestWithinBudgetUntouched(t *testing.T) {
	text := kindtest.Fixture(t, "workflow.yml")
	if out, ok := Compress(kt.LossyInput(text, "", len(text))); ok {
		t.Errorf("a document within its budget was rewritten:\n%s", out)
	}
	in := kt.LossyInput(kindtest.Fixture(t, "manual.txt"), "paste the whole output", 0)
	if _, ok := Compress(in); ok {
		t.Error("a document asked for whole was cut")
	}
}

func TestNumberedRead(t *testing.T) {
	var sb strings.Builder
	for i, l := range lines.Split(kindtest.Fixture(t, "guide.md")).L {
		sb.WriteString(strings.Repeat(" ", 6-len(itoa(i+1))) + itoa(i+1) + "\t" + l + "\n")
	}
	text := sb.String()
	if !Detect(text) {
		t.Fatal("a numbered read of a markdown file is not a document")
	}
	out := compress(t, text, "Which files does grove skip? Explain .groveignore.", 0)
	kindtest.MustContain(t, out, "\t## Ignoring files\n", "\t2. Entries whose names start with a dot, unless `--all` is given.\n")
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// FuzzCompress: on any text and task, Detect and Compress do not panic,
// Compress is deterministic, and a rewrite is shorter with every part
// outside notes, but white space, found in the input.
func FuzzCompress(f *testing.F) {
	seeds := kindtest.Fixtures(f, "which option keeps it on one filesystem", 0, "manual.txt", "guide.md", "workflow.yml", "changes.md", "help.txt")
	seeds = append(seeds, kindtest.Seed{Text: "# a\n\n```\n# b\n\n| x |\n|---|\n- c:\n  - d\n", Task: "b"})
	kt.FuzzTask(f, seeds, func(t *testing.T, text, out string) { kindtest.CheckParts(t, text, out, true) })
}

// A YAML list of large, alike items (a resource listing) keeps the items
// that hold a rare value anywhere inside them, with the line that names
// each: the question "which ones are unhealthy" is answered by those.
func TestRareValueOfNestedItemField(t *testing.T) {
	var b strings.Builder
	b.WriteString("kind: List\nitems:\n")
	for i := range 50 {
		state, restarts := "Ready", 0
		if i == 23 {
			state, restarts = "Degraded", 9
		}
		fmt.Fprintf(&b, "- kind: Worker\n  metadata:\n    created: \"2026-10-%02dT08:00:00Z\"\n    name: worker-%03d-%x\n    owner: fleet\n", 1+i%28, i, 0xabc00+i*37)
		b.WriteString("  spec:\n    image: registry.test/worker:2.1.0\n    replicas: 1\n    env:\n")
		for k := range 30 {
			fmt.Fprintf(&b, "    - name: SETTING_%02d\n      value: \"default value number %d for this worker\"\n", k, k)
		}
		fmt.Fprintf(&b, "  status:\n    health:\n      restarts: %d\n      state: %s\n    address: 10.9.%d.%d\n", restarts, state, i/10, i)
	}
	out := compress(t, b.String(), "Which workers are not healthy, and what are their names?", 0)
	for _, want := range []string{"    name: worker-023-", "      state: Degraded\n", "  status:\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("lost %q:\n%s", want, out)
		}
	}
}

// In a stream of YAML documents, a document something is kept of keeps
// its separator and its top-level fields (its kind), so the kept lines
// say what they belong to.
func TestYAMLDocumentKeepsItsKind(t *testing.T) {
	var b strings.Builder
	kinds := []string{"Gate", "Policy", "Gate", "Binding", "Policy", "Gate"}
	for d, k := range kinds {
		fmt.Fprintf(&b, "---\napiVersion: example.test/v2\nkind: %s\nmetadata:\n  name: unit-%d\n  labels:\n    tier: core\nrules:\n", k, d)
		for r := range 14 {
			res := fmt.Sprintf("res%02d", r)
			if d == 4 && r == 9 {
				res = "tokens"
			}
			fmt.Fprintf(&b, "  - groups:\n      - \"\"\n    resources:\n      - %s\n    verbs:\n      - get\n      - list\n", res)
		}
	}
	out := compress(t, b.String(), "Which document grants access to tokens, and what kind is it?", 0)
	if !strings.Contains(out, "      - tokens\n") {
		t.Fatalf("lost the matched resource:\n%s", out)
	}
	at := strings.Index(out, "      - tokens\n")
	head := strings.LastIndex(out[:at], "---\n")
	if head < 0 || !strings.HasPrefix(out[head:], "---\napiVersion: example.test/v2\nkind: Policy\n") {
		t.Errorf("the document holding the match lost its kind:\n%s", out)
	}
}

// A make database read for one rule keeps the definitions the rule's
// variables expand to, wherever they sit among hundreds of others.
func TestRuleKeepsItsDefinitions(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Variables\n\n")
	for i := range 600 {
		b.WriteString("# default\n")
		switch i {
		case 100:
			b.WriteString("COMPILE.w = $(WC) $(WFLAGS) -c\n")
		case 300:
			b.WriteString("WOUT = -o $@\n")
		case 500:
			b.WriteString("WC = wcc\n")
		default:
			fmt.Fprintf(&b, "SETTING_%03d = value-%d\n", i, i*7)
		}
	}
	b.WriteString("\n# Implicit Rules\n\n%.o: %.wobble\n#  recipe to execute (built-in):\n\t$(COMPILE.w) $(WOUT) $<\n\n")
	for i := range 60 {
		fmt.Fprintf(&b, "%%.x%02d: %%.y%02d\n#  recipe to execute (built-in):\n\t$(TOOL_%02d) $<\n\n", i, i, i)
	}
	text := b.String()
	out := kt.Rewrite(t, kt.LossyInput(text, "The built-in rule for .wobble sources runs $(COMPILE.w): what command is that, with its variables expanded?", 0))
	kindtest.MustContain(t, out, "\t$(COMPILE.w) $(WOUT) $<", "COMPILE.w = $(WC) $(WFLAGS) -c", "WOUT = -o $@", "WC = wcc")
}
