package fold

import (
	"fmt"
	"strings"
	"testing"
)

// badgeText writes n nested, indented "Key: value" records, each under a
// "==> name <==" title line, each with two long hex byte dumps (a key and
// a seal) around its short fields: the shape of a certificate dump,
// synthetic.
func badgeText(n int) string {
	var b strings.Builder
	hexLine := func(seed, k int) string {
		var l strings.Builder
		for j := range 18 {
			fmt.Fprintf(&l, "%02x:", (seed*131+k*17+j*29)%256)
		}
		return l.String()
	}
	for i := range n {
		fmt.Fprintf(&b, "==> badges/holder-%02d.badge <==\n", i)
		b.WriteString("Badge:\n    Body:\n")
		fmt.Fprintf(&b, "        Serial: %d\n", 7000+i*13)
		fmt.Fprintf(&b, "        Owner: team = Crew%02d, site = Dock %d\n", i, i%4)
		b.WriteString("        Window\n")
		fmt.Fprintf(&b, "            Opens : Mar %2d 10:00:00 20%02d\n", 1+i%27, 10+i%9)
		fmt.Fprintf(&b, "            Closes: Mar %2d 10:00:00 20%02d\n", 1+i%27, 30+(i*7)%19)
		b.WriteString("        Holder Key:\n            Scheme: lattice\n            Blob:\n")
		for k := range 12 {
			b.WriteString("                " + hexLine(i, k) + "\n")
		}
		b.WriteString("                ab:cd\n")
		fmt.Fprintf(&b, "        Grade: %s\n", []string{"gold", "silver", "bronze"}[i%3])
		b.WriteString("        Extensions:\n            Limits: critical\n                Gate:TRUE\n            Usage: critical\n                Enter, Leave\n")
		fmt.Fprintf(&b, "            Notes:\n                URI:http://example.test/crew%02d/policy-%d.html\n", i, i*i)
		b.WriteString("    Seal:\n")
		for k := range 10 {
			b.WriteString("        " + hexLine(i+50, k) + "\n")
		}
	}
	return b.String()
}

func TestDumpLines(t *testing.T) {
	for l, want := range map[string]string{
		"    00:9b:a9:ab:bf:61:4a:97:af:2f:97:66:9a:74:5f:":                "hex",
		"6f 2a 01 ff 00 10 20 30 40 50":                                    "hex",
		"MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ": "base64",
		"D2:87:B4":                                    "",
		"Not After : Dec 31 09:37:37 2030 GMT":        "",
		"0123456789abcdef0123456789abcdef01234567":    "",
		"github.com/some/module/path/subpackage/name": "",
		"ab:cd:ef:gh:01:02:03:04:05:06":               "",
	} {
		if got := dumpKind(l); got != want {
			t.Errorf("dumpKind(%q) = %q, want %q", l, got, want)
		}
	}
}

// A byte dump keeps its first line and becomes a counted note; the short
// fields around it fit instead, in every record.
func TestDumpRunsCollapse(t *testing.T) {
	text := badgeText(14)
	in := input(text, "Of these badges, which one closes first? And what scheme does holder-03 use?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	if n := strings.Count(out, "more lines of hex bytes omitted"); n == 0 {
		t.Errorf("no dump note:\n%s", out)
	}
	hex := 0
	for l := range strings.Lines(out) {
		if dumpKind(l) == "hex" {
			hex++
		}
	}
	if hex > 2*14 {
		t.Errorf("%d hex lines kept", hex)
	}
	if n := strings.Count(out, "Closes: "); n != 14 {
		t.Errorf("%d of 14 Closes lines kept:\n%s", n, out)
	}
	if n := strings.Count(out, "==> badges/"); n != 14 {
		t.Errorf("%d of 14 titles kept", n)
	}
	// Every kept Closes line sits under its own record's title.
	title := ""
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, "==> ") {
			title = l
		}
		if strings.Contains(l, "Closes: ") && title == "" {
			t.Errorf("%q kept without its title", l)
		}
	}
}

// Records that share field values keep them in each record: a note that
// lines repeat "from above" would not say which record has which value.
func TestSharedValuesStayInRecords(t *testing.T) {
	// Records 6 and 7 open and close alike.
	text := strings.ReplaceAll(badgeText(14), "Closes: Mar  8 10:00:00 2041", "Closes: Mar  7 10:00:00 2034")
	text = strings.ReplaceAll(text, "Opens : Mar  8 10:00:00 2017", "Opens : Mar  7 10:00:00 2016")
	if strings.Count(text, "Closes: Mar  7 10:00:00 2034") != 2 {
		t.Fatal("fixture: no shared values")
	}
	in := input(text, "Which badge's window closes first?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	if n := strings.Count(out, "Closes: "); n != 14 {
		t.Errorf("%d of 14 Closes lines kept:\n%s", n, out)
	}
}

// armoredBadges writes n badge records, each followed by its own unindented
// base64 armour block (as certificate dumps print the PEM after the text).
func armoredBadges(n int) string {
	var b strings.Builder
	for i := range n {
		rec := strings.Replace(badgeText(1), "holder-00", fmt.Sprintf("holder-%02d", i), 1)
		rec = strings.Replace(rec, "Closes: Mar  1 10:00:00 2030", fmt.Sprintf("Closes: Mar %2d 10:00:00 20%02d", 2+i, 31+i*3), 1)
		rec = strings.Replace(rec, "Serial: 7000", fmt.Sprintf("Serial: %d", 8100+i*7), 1)
		b.WriteString(rec)
		b.WriteString("-----BEGIN BADGE-----\n")
		for k := range 20 {
			fmt.Fprintf(&b, "MIIBadgeQ%02dX%02dAbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdEfGh%02d\n", i, k, k*3)
		}
		b.WriteString("-----END BADGE-----\n")
	}
	return b.String()
}

// Armour blocks between records neither hide the record stream nor end a
// record: each record's own fields stay kept for a question that does not
// name them ("is this set sane?" is answered from the windows and serials).
func TestArmouredRecordsKeepTheirFields(t *testing.T) {
	text := armoredBadges(3)
	if !strings.Contains(text, "Closes: Mar  4 10:00:00 2037") || strings.Count(text, "-----BEGIN BADGE-----") != 3 {
		t.Fatal("fixture: records not rebuilt")
	}
	b := input(text, "", "").Lines()
	if s := detectKV(b, dumpRuns(b)); s == nil || len(s.starts) != 3 {
		t.Fatalf("record stream not found across armour blocks: %+v", s)
	}
	in := input(text, "Is this set of badges sane?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	for i := range 3 {
		for _, want := range []string{fmt.Sprintf("Closes: Mar %2d 10:00:00 20%02d", 2+i, 31+i*3), fmt.Sprintf("Serial: %d", 8100+i*7)} {
			if !strings.Contains(out, want) {
				t.Errorf("record %d lost %q:\n%s", i, want, out)
			}
		}
	}
}

// hexDump writes n lines of a hex dump: an offset, eight groups of two
// bytes, and the bytes as text.
func hexDump(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%08x:", i*16)
		for g := range 8 {
			fmt.Fprintf(&b, " %02x%02x", (i*7+g*13)%256, (i*3+g*29)%256)
		}
		b.WriteString("  ................\n")
	}
	return b.String()
}

// A stretch the task names by its two offsets is kept whole, and each
// omitted run of the dump is described by the offsets it spans.
func TestSpanOfDumpKept(t *testing.T) {
	text := hexDump(1500)
	in := input(text, "What bytes are at offset 0x2a40 through 0x2b00?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	for off := 0x2a40; off <= 0x2b00; off += 16 {
		if !strings.Contains(out, fmt.Sprintf("\n%08x: ", off)) {
			t.Errorf("line at offset %#x of the named stretch lost", off)
		}
	}
	if !strings.Contains(out, " omitted: 00000") {
		t.Errorf("no note gives the offsets it spans:\n%.2000s", out)
	}
}

// Zero-padded hex columns (a symbol table's addresses and sizes) are
// numbers: the largest size is kept for a question about it, and the
// names of omitted symbols are cut at whole name parts.
func TestPaddedHexExtremes(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		size := 5 + (i*37)%900
		if i == 1263 {
			size = 0x3f1
		}
		fmt.Fprintf(&b, "%016x %016x T LIB_%s_part_%03d@@LIB_1.0\n", 0x24000+i*0x150, size, []string{"CONF", "CTX", "SESS"}[i/40%3], i)
	}
	in := input(b.String(), "Which function has the largest size?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	if !strings.Contains(out, fmt.Sprintf("%016x %016x T LIB_CTX_part_1263@@LIB_1.0", 0x24000+1263*0x150, 0x3f1)) {
		t.Errorf("the largest symbol is lost:\n%s", out)
	}
	if v, ok := paddedHex("0000000000001b51"); !ok || v != 0x1b51 {
		t.Errorf("paddedHex = %v, %v", v, ok)
	}
	if pre, suf := partAffixes([]string{"LIB_CONF_a@@V1", "LIB_CTX_b@@V1"}, "LIB_C", "@@V1"); pre != "LIB_" || suf != "@@V1" {
		t.Errorf("partAffixes = %q, %q", pre, suf)
	}
	if pre, _ := partAffixes([]string{"TestServeExport", "TestServeImport"}, "TestServe", ""); pre != "TestServe" {
		t.Errorf("partAffixes cut a camel-case prefix: %q", pre)
	}
	// A key=value field keeps its key whole: "amount_cents=…", not "amount_…".
	if pre, _ := partAffixes([]string{"amount_cents=2904", "amount_cents=29085"}, "amount_cents=29", ""); pre != "amount_cents=" {
		t.Errorf("prefix %q, want amount_cents=", pre)
	}
}

// A stretch named by two line numbers keeps the lines about those lines,
// in whatever order they come, of the file the task names.
func TestLineNumberSpanKept(t *testing.T) {
	var b strings.Builder
	for i := range 900 {
		file := []string{"src/lib/reader.go", "src/lib/writer.go"}[i%2]
		line := (i * 389) % 1200
		fmt.Fprintf(&b, "%s:%d:%d: value%d escapes to heap\n", file, line, 5+i%30, i)
	}
	text := b.String()
	in := input(text, "For reader.go lines 300 through 340 only: what escapes?", "")
	out, ok := Text(in)
	if !ok {
		t.Fatal("not compressed")
	}
	checkInvariants(t, in, out)
	for l := range strings.Lines(text) {
		n, _ := linePosition(l)
		in := n >= 300 && n <= 340
		if in && strings.HasPrefix(l, "src/lib/reader.go:") && !strings.Contains(out, l) {
			t.Errorf("line of the named stretch lost: %q", l)
		}
	}
	for l, want := range map[string]int{"src/x.go:767:17: y": 767, "  42\tcode": 42, "12: text": 12, "a (b/c.py:9) d": 9} {
		if n, ok := linePosition(l); !ok || n != want {
			t.Errorf("linePosition(%q) = %d, %v", l, n, ok)
		}
	}
	if _, ok := linePosition("took 3:04 to run"); ok {
		t.Error("a time reads as a line position")
	}
}
