package markup

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
)

// runThenReport writes the output of a build tool's test run followed by
// the XML report it wrote, as one tool output: a log of steps and one
// failure with its trace, then a pretty-printed report holding a block of
// properties and 40 test cases with random times, the one failing case
// carrying a <failure> whose trace is CDATA. It returns the text, the
// start tag of the slowest case and that of the failing one.
func runThenReport(wrapped bool) (text, slowest, failing string) {
	r := rand.New(rand.NewPCG(7, 9))
	var b strings.Builder
	b.WriteString("[step] reading build file for orbit-core 1.4.0\n[step] compiling 38 sources into out/classes\n")
	for i := range 24 {
		fmt.Fprintf(&b, "[step] copying resource bundle %02d of 24 to out/resources (%d bytes)\n", i+1, 1000+r.IntN(9000))
	}
	b.WriteString("[test] running orbit.core.OrbitTest\n")
	b.WriteString("[fail] orbit.core.OrbitTest.decaysBelowFloor: expected altitude above 120.0 but was 118.4\n")
	for i := range 8 {
		fmt.Fprintf(&b, "\tat orbit.core.Step%d.apply(Step%d.java:%d)\n", i, i, 10+i*7)
	}
	b.WriteString("[test] 40 tests, 1 failure\n[step] wrote out/reports/orbit.core.OrbitTest.xml\n\n")

	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	b.WriteString("<suite name=\"orbit.core.OrbitTest\" time=\"1.912\" tests=\"40\" failures=\"1\">\n")
	indent := "  "
	if wrapped {
		b.WriteString("  <properties>\n")
		indent = "    "
	}
	for i := range 30 {
		v := fmt.Sprintf("value-%d", r.IntN(1000))
		if i == 4 {
			v = strings.Repeat("/opt/orbit/lib/module-a.jar:", 12)
		}
		fmt.Fprintf(&b, "%s<property name=\"orbit.setting.%02d\" value=\"%s\"/>\n", indent, i, v)
		if !wrapped && i%10 == 9 {
			// Settings between the cases, so that runs mix the two.
			fmt.Fprintf(&b, "  <case name=\"setupCase%d\" group=\"orbit.core.Setup\" time=\"0.00%d\"/>\n", i/10, 1+i/10)
		}
	}
	if wrapped {
		b.WriteString("  </properties>\n")
	}
	best := -1
	for i := range 40 {
		ms := 1 + r.IntN(30)
		if i == 27 {
			ms = 173
		}
		if ms > best {
			best = ms
		}
		tag := fmt.Sprintf("<case name=\"orbitCase%02d\" group=\"orbit.core.OrbitTest\" time=\"0.%03d\"", i, ms)
		if ms == 173 {
			slowest = tag
		}
		if i == 12 {
			failing = tag
			fmt.Fprintf(&b, "  %s>\n    <failure message=\"expected altitude above 120.0 but was 118.4\" type=\"AssertionError\"><![CDATA[AssertionError: expected altitude above 120.0 but was 118.4\n", tag)
			for k := range 12 {
				fmt.Fprintf(&b, "\tat orbit.core.Step%d.apply(Step%d.java:%d)\n", k, k, 10+k*7)
			}
			b.WriteString("]]></failure>\n  </case>\n")
			continue
		}
		fmt.Fprintf(&b, "  %s/>\n", tag)
	}
	b.WriteString("</suite>\n")
	return b.String(), slowest, failing
}

// A report that follows the run that wrote it is read as XML though the
// run's lines come first and the failure's trace fills lines of its own:
// asked for the slowest case, the case holding the largest time is kept,
// the failing case too, and the notes say what kind of element they
// stand for, with the range of the times they hold.
func TestXMLReportAfterLog(t *testing.T) {
	for _, wrapped := range []bool{true, false} {
		text, slowest, failing := runThenReport(wrapped)
		if !Detect(text) {
			t.Fatal("a report after the run that wrote it is not detected")
		}
		for _, task := range []string{
			"Which test case was the slowest according to the report?",
			"Which case has the largest time attribute?",
		} {
			out := kt.Rewrite(t, kt.LossyInput(text, task, 0))
			kindtest.CheckParts(t, text, out, true)
			kindtest.MustContain(t, out,
				slowest+"/>",
				failing+">\n    <failure message=\"expected altitude above 120.0 but was 118.4\"",
				"[fail] orbit.core.OrbitTest.decaysBelowFloor: expected altitude above 120.0 but was 118.4\n",
				"<case> elements omitted",
				"; time 0.0",
			)
			want := "[... 1 <properties> element omitted, holding 30 <property> ...]"
			if !wrapped {
				// A run of settings and cases names both kinds.
				want = " <property>, <case> ...]"
			}
			kindtest.MustContain(t, out, want)
		}
	}
}
