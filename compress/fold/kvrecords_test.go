package fold

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// kvStreamText writes n "Key: value" records separated by blank lines,
// each with a multi-line description.
func kvStreamText(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Name: widget-%03d\nState: active\nOwner: team-%d\nWeight: %d\nRevision: 1.%d.%d\n", i, i%5, 100+(i*37)%900, i%7, i)
		fmt.Fprintf(&b, "Summary: the widget number %d of the shop\n A longer explanation of what widget %d does,\n spread over lines like a package description.\n", i, i)
	}
	return b.String()
}

func TestDetectKV(t *testing.T) {
	text := kvStreamText(10)
	s := detectKV(input(text, "", "").Lines(), nil)
	if s == nil || len(s.starts) != 10 {
		t.Fatalf("record stream not found: %+v", s)
	}
	for _, not := range []string{
		strings.Repeat("2024-01-02 10:00:00 INFO started: worker\nplain text line\n", 20),
		strings.Repeat("func f() {\n\treturn 1\n}\n", 20),
	} {
		if detectKV(input(not, "", "").Lines(), nil) != nil {
			t.Errorf("record stream found in %.40q", not)
		}
	}
	for l, want := range map[string]string{"Package: x": "Package", "Installed-Size: 3": "Installed-Size", "Conffiles:": "Conffiles", "http://x": "", "a b: c": "", " Indented: x": ""} {
		if got := kvKey(l); got != want {
			t.Errorf("kvKey(%q) = %q, want %q", l, got, want)
		}
	}
}

// A kept field line keeps its record's identifying first line, and a field
// the task names is kept in every record.
func TestRecordIdentity(t *testing.T) {
	text := kvStreamText(120)
	in := input(text, "Which widget has the largest Weight?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	if again, _ := Text(in); again != out {
		t.Fatal("not deterministic")
	}
	if n := strings.Count(out, "\nWeight: "); n < 119 {
		t.Errorf("%d of 120 Weight lines kept", n)
	}
	// Every kept line of a record comes after its Name line.
	name := ""
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "Name: "):
			name = l
		case l == "":
			name = ""
		case strings.HasPrefix(l, "[..."):
		case name == "" && !strings.HasPrefix(l, " "):
			t.Fatalf("line %q kept without its record's Name line", l)
		}
	}
}

// Indented, nested records under title lines are a record stream too: one
// record a title, the field keys multi-word, deeper key lines fields of
// their own.
func TestDetectKVNested(t *testing.T) {
	b := input(badgeText(5), "", "").Lines()
	s := detectKV(b, nil)
	if s == nil || len(s.starts) != 5 {
		t.Fatalf("nested record stream not found: %+v", s)
	}
	for _, st := range s.starts {
		if !strings.HasPrefix(b.L[st], "==> ") {
			t.Errorf("record starts at %q", b.L[st])
		}
	}
	for l, want := range map[string]string{"            Closes: Mar 1": "Closes", "            Opens : Mar 1": "Opens", "        Holder Key:": "Holder Key", "X509v3 Key Usage: critical": "X509v3 Key Usage", "URI:http://x": "", "one two three four five: x": "", "        Window": ""} {
		if got := fieldKey(l); got != want {
			t.Errorf("fieldKey(%q) = %q, want %q", l, got, want)
		}
	}
}

// A signal word every record prints in one field ("Usage: critical") is a
// value the records share, not a problem to keep in each of them.
func TestSharedSignalNotProblem(t *testing.T) {
	in := input(badgeText(14), "which badge closes first?", "")
	p := newPlan(in)
	p.mark()
	for i, l := range p.b.L {
		if strings.Contains(l, ": critical") && p.sev[i] != lines.NoSignal {
			t.Fatalf("line %d %q reads as a problem", i, l)
		}
	}
}

// A field too long to keep in every record is kept in the few records
// the conversation names: "the Stamp lines of widget-017 and widget-088"
// among 150 records without blank lines between them.
func TestNamedFieldOfNamedRecords(t *testing.T) {
	var b strings.Builder
	for i := range 150 {
		fmt.Fprintf(&b, "  Name: widget-%03d\nOwner: team-%d\nStamp: 2026-%02d-%02d %02d:%02d:%02d.%09d +0000\nState: active\n", i, i%5, 1+i%12, 1+i%28, i%24, i%60, (i*7)%60, i*12345)
	}
	in := input(b.String(), "Quote the Stamp lines of widget-017 and widget-088.", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	for _, i := range []int{17, 88} {
		stamp := fmt.Sprintf("Stamp: 2026-%02d-%02d %02d:%02d:%02d.%09d +0000", 1+i%12, 1+i%28, i%24, i%60, (i*7)%60, i*12345)
		if !strings.Contains(out, stamp) {
			t.Errorf("the Stamp line of widget-%03d is lost:\n%s", i, out)
		}
	}
	if n := strings.Count(out, "\nStamp: "); n > 40 {
		t.Errorf("%d Stamp lines kept: the field of every record, not of the two named", n)
	}
}

// expandedText writes n records as expanded query output prints them: a
// numbered title line over "name | value" fields padded to one column.
func expandedText(n, odd int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		state, stmt := "idle", fmt.Sprintf("SELECT name FROM parts WHERE bin = %d", i*3)
		if i%3 == 0 {
			state = "idle in transaction"
		}
		if i == odd {
			state, stmt = "idle in transaction (aborted)", "DELETE FROM bins WHERE id = 4242"
		}
		fmt.Fprintf(&b, "-[ ITEM %d ]%s+------\n", i, strings.Repeat("-", 6-len(strconv.Itoa(i))))
		fmt.Fprintf(&b, "worker     | %d\nowner      | team-%d\nstarted_at | 2026-11-%02d 10:%02d:00\nstate      | %s\nstatement  | %s\n", 7000+i*11, i%4, 1+i%28, i%60, state, stmt)
	}
	return b.String()
}

// Expanded records ("name | value" fields under numbered titles) are a
// record stream: a kept field keeps its record's title and, since a title
// that differs only in its number names nothing, the field under it.
func TestExpandedRecords(t *testing.T) {
	text := expandedText(150, 97)
	s := detectKV(input(text, "", "").Lines(), nil)
	if s == nil || len(s.starts) != 150 {
		t.Fatalf("expanded records not found: %+v", s)
	}
	in := input(text, "Which worker is stuck in an aborted transaction, and what did it run?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	for _, want := range []string{"-[ ITEM 97 ]----+------\nworker     | 8067\n", "state      | idle in transaction (aborted)\nstatement  | DELETE FROM bins WHERE id = 4242\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("lost %q:\n%s", want, out)
		}
	}
	for l, want := range map[string]string{"worker     | 8067": "worker", "started_at | x": "started_at", "a|b": "", "a | b | c": "a", "two words | x": "", "x |y": ""} {
		if got := pipeKey(l); got != want {
			t.Errorf("pipeKey(%q) = %q, want %q", l, got, want)
		}
	}
}

// A record named by its title line keeps the fields the task names when
// the records' titles alone would not fit in the budget, and when the
// field names (in every record) are terms of the request too.
func TestNamedFieldsOfNamedRecordUnderLongTitles(t *testing.T) {
	var b strings.Builder
	for i := range 120 {
		name := fmt.Sprintf("/opt/tools/lib/libpart%03d.so", i)
		if i == 61 {
			name = "[arena]"
		}
		fmt.Fprintf(&b, "%012x-%012x rw-p %08x 00:00 %d                              %s\n", 0x7f0000000000+i*0x21000, 0x7f0000021000+i*0x21000, i*4096, 1000+i, name)
		for _, f := range []string{"Size", "Resident", "Proportional", "Clean", "Dirty", "Swapped", "Locked"} {
			fmt.Fprintf(&b, "%s:%*d kB\n", f, 20-len(f), (i*37+len(f)*11)%900+4)
		}
	}
	in := input(b.String(), "What are the Resident and Proportional sizes of the [arena] mapping?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	for _, f := range []string{"Resident", "Proportional"} {
		want := fmt.Sprintf("%s:%*d kB\n", f, 20-len(f), (61*37+len(f)*11)%900+4)
		at := strings.Index(out, "[arena]")
		if at < 0 || !strings.Contains(out[at:min(len(out), at+400)], want) {
			t.Errorf("the %s line of [arena] is lost:\n%s", f, out)
		}
	}
}

// Records that all open with the same line ("Name: worker") are told
// apart by the first field whose values differ in nearly every record: a
// kept value comes with it, not with the next field every record shares.
func TestSharedTitleKeepsIdentifyingField(t *testing.T) {
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "Name:\tworker\nMode:\t0022\nPhase:\t%s\nSerial:\t%d\nParent:\t1\n", []string{"idle", "busy"}[i%2], 4000+i*17)
		// Long records, as a process status prints them: no stanza kept
		// whole.
		for _, f := range []string{"Peak", "Size", "Locked", "Pinned", "High", "Resident", "Anon", "Shared", "Data", "Stack", "Exe", "Lib", "Table", "Swap", "Huge", "Files", "Sockets", "Pipes", "Timers", "Queues", "Signals", "Blocked", "Ignored", "Caught", "Inherited", "Permitted", "Effective", "Bounding", "Ambient", "Switches"} {
			v := 1000 + (i*131+len(f)*7)%5000
			if f == "Resident" && i == 41 {
				v = 99999
			}
			fmt.Fprintf(&b, "%s:\t%8d kB\n", f, v)
		}
		b.WriteString("\n")
	}
	in := input(b.String(), "Which of these workers has the largest Resident memory, and how much?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	at := strings.Index(out, "Resident:\t   99999 kB")
	if at < 0 {
		t.Fatalf("the largest value is lost:\n%s", out)
	}
	rec := out[max(0, strings.LastIndex(out[:at], "Name:\tworker")):at]
	if !strings.Contains(rec, fmt.Sprintf("Serial:\t%d\n", 4000+41*17)) {
		t.Errorf("the largest value's record is kept without its identifying field:\n%s", rec)
	}
}
