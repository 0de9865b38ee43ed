package markup

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
)

// catalogXML writes a catalog of n <kind> records, each with a label per
// language (the same term translated, so every label matches a question
// naming the kind) and three unique children: the facts.
func catalogXML(n int) string {
	langs := []string{"af", "ar", "bg", "ca", "cs", "da", "de", "el", "eo", "es", "eu", "fi", "fr", "ga", "gl", "he", "hr", "hu", "id", "it", "ja", "kk", "ko", "lt", "lv", "nb", "nl", "pl", "pt", "ru"}
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<catalog>\n")
	for i := range n {
		name := fmt.Sprintf("store%02d", i)
		fmt.Fprintf(&b, "  <kind id=\"app/x-%s\">\n    <label>%s archive</label>\n", name, name)
		for _, l := range langs {
			fmt.Fprintf(&b, "    <label lang=\"%s\">%s archive (%s)</label>\n", l, name, l)
		}
		fmt.Fprintf(&b, "    <pattern glob=\"*.%s\"/>\n    <probe>\n      <bytes at=\"0\" value=\"%s format %d\"/>\n    </probe>\n    <same-as id=\"app/vnd.%s\"/>\n  </kind>\n", name, name, i, name)
	}
	b.WriteString("</catalog>\n")
	return b.String()
}

// Inside the record the task names, the children whose tag is unique in
// it are kept; of the tag it repeats thirty times, the first ones, and a
// note names the attribute that varies among the rest.
func TestXMLRecordUniqueChildren(t *testing.T) {
	text := catalogXML(40)
	out := kt.Rewrite(t, kt.LossyInput(text, "How does the catalog detect store17 files, by pattern and probe, and what same-as id does it declare?", 0))
	kindtest.CheckParts(t, text, out, true)
	kindtest.MustContain(t, out,
		`<kind id="app/x-store17">`,
		`<pattern glob="*.store17"/>`,
		`<bytes at="0" value="store17 format 17"/>`,
		`<same-as id="app/vnd.store17"/>`,
		"<label> elements omitted: lang=",
	)
	if n := strings.Count(out, "store17 archive ("); n > 6 {
		t.Errorf("%d translated labels of the named record kept", n)
	}
}

// An output cut in the middle of the document (head, a size limit) is
// still read as XML: the elements it ends inside close where it ends.
func TestXMLTruncated(t *testing.T) {
	full := catalogXML(40)
	// Cut inside a tag.
	text := full[:strings.LastIndexByte(full[:len(full)*3/4], '\n')+12]
	nodes, end, err := parseXML(text, 0, nil)
	if err != nil || len(nodes) < 100 || end > len(text) {
		t.Fatalf("truncated document not read: %d nodes, end %d of %d, %v", len(nodes), end, len(text), err)
	}
	out := kt.Rewrite(t, kt.LossyInput(text, "How does the catalog detect store17 files, by pattern and probe?", 0))
	kindtest.CheckParts(t, text, out, true)
	kindtest.MustContain(t, out, `<pattern glob="*.store17"/>`, "<label> elements omitted")
}

// reportXML writes a test report on one line: suites of cases, one case
// of suite 3 carrying a <failure> (whose message the task does not name),
// one per suite a <skipped>.
func reportXML() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><report runs="160">`)
	for s := range 5 {
		fmt.Fprintf(&b, `<suite name="pkg.part%d" runs="32" time="%d.5">`, s, 3+s)
		for c := range 32 {
			fmt.Fprintf(&b, `<case group="pkg.part%d.Checks" name="check_%d_%d" time="0.%03d"`, s, s, c, (s*97+c*31)%1000)
			switch {
			case s == 3 && c == 20:
				b.WriteString(`><failure kind="Mismatch">wanted 7 widgets, counted 6</failure></case>`)
			case c == 31:
				b.WriteString(`><skipped/></case>`)
			default:
				b.WriteString(`/>`)
			}
		}
		b.WriteString(`</suite>`)
	}
	b.WriteString(`</report>`)
	return b.String()
}

// An element that reports a problem is kept with its record though the
// task names nothing in it; the notes for the omitted cases name them by
// the attribute that tells them apart, not by the one they share.
func TestXMLProblemKept(t *testing.T) {
	text := reportXML()
	out := kt.Rewrite(t, kt.LossyInput(text, "Did everything pass?", 0))
	kindtest.CheckParts(t, text, out, true)
	kindtest.MustContain(t, out,
		`<case group="pkg.part3.Checks" name="check_3_20" time="0.911"><failure kind="Mismatch">wanted 7 widgets, counted 6</failure></case>`,
		`<suite name="pkg.part3" runs="32" time="6.5">`,
		`<case> elements omitted: name=check_`,
	)
	if strings.Contains(out, `omitted: group="pkg.part0.Checks", `) {
		t.Errorf("a note lists the attribute every case shares:\n%s", out)
	}
}

// Asked for the largest of a numeric attribute, the elements holding its
// top values are kept with their records, wherever they sit.
func TestXMLExtremesKept(t *testing.T) {
	text := reportXML()
	type run struct{ s, c, ms int }
	var runs []run
	for s := range 5 {
		for c := range 32 {
			runs = append(runs, run{s, c, (s*97 + c*31) % 1000})
		}
	}
	slices.SortStableFunc(runs, func(a, b run) int { return b.ms - a.ms })
	out := kt.Rewrite(t, kt.LossyInput(text, "Which check took the longest?", 0))
	kindtest.CheckParts(t, text, out, true)
	for _, r := range runs[:3] {
		kindtest.MustContain(t, out, fmt.Sprintf(`name="check_%d_%d" time="0.%03d"`, r.s, r.c, r.ms))
	}
}
