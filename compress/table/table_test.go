package table

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// kt is this package under the shared kind checks; Share is the engine's
// keep share for tables.
var kt = kindtest.Compressor{Detect: Detect, Compress: Compress, Share: 0.08}

// input builds an Input with the engine's budget for a table of text's
// size.
func input(text, task string) *fold.Input {
	return kindtest.Input(text, task, kt.Budget(len(text)))
}

// compress runs Compress, which must rewrite, and checks what every
// output must satisfy: shorter, and every line outside notes a whole line
// of the input.
func compress(t *testing.T, text, task string) string {
	t.Helper()
	out := kt.Rewrite(t, input(text, task))
	kindtest.CheckLines(t, text, out)
	return out
}

func TestDetect(t *testing.T) {
	fixtures := []string{"ps_aux.txt", "packages.txt", "commits.csv", "bench.md", "profile.txt"}
	var listing, prose, log, code, blame strings.Builder
	for i := range 30 {
		blame.WriteString("eaf3318dd (Ada Lovelace   2015-02-18 00:12:28 -0500  " + string(rune('a'+i%26)) + ")   var x" + string(rune('a'+i%26)) + " = require('path');\n")
		listing.WriteString("-rw-r--r--  1 dev  dev   4096 Jan  3 10:00 file" + strings.Repeat("x", i%5) + ".txt\n")
		prose.WriteString("This paragraph explains, in plain words, how the tool reads its input and why.\n")
		log.WriteString("2026-03-01T10:00:0" + string(rune('0'+i%10)) + "Z INFO worker started job=17 took=3ms\n")
		code.WriteString("func f" + string(rune('a'+i%26)) + "(x int) int {\n\treturn x + 1\n}\n")
	}
	kt.CheckDetect(t, fixtures, map[string]string{"ls -l listing": listing.String(), "prose": prose.String(), "log": log.String(), "code": code.String(), "annotated source": blame.String(), "json": `[{"a": 1}, {"a": 2}]`})
}

// The rows holding a numeric column's extremes survive; under a "most"
// question the top rows do too, and a rare state is kept.
func TestExtremesKept(t *testing.T) {
	text := kindtest.Fixture(t, "ps_aux.txt")
	out := compress(t, text, "Something on the box holds a lot of memory. Which process uses the most memory?")
	kindtest.MustContain(t, out,
		kindtest.LineWith(t, text, "OWNER "),
		kindtest.LineWith(t, text, "indexer.jar"), // max MEM%, RES, VIRT, CPU%
		kindtest.LineWith(t, text, "<defunct>"),   // the only Z state
		"rows omitted",
	)
}

// A value of a categorical column that few rows hold keeps its rows, the
// preamble, header and ruler stay, and a named package is kept.
func TestRareValueKept(t *testing.T) {
	text := kindtest.Fixture(t, "packages.txt")
	out := compress(t, text, "Is libquartz-utils installed?")
	kindtest.MustContain(t, out,
		"Wanted=Keep/Install/Drop/Freeze",
		kindtest.LineWith(t, text, "||/ Name"),
		kindtest.LineWith(t, text, "+++-===="),
		kindtest.LineWith(t, text, "rc  libember-common"),
		kindtest.LineWith(t, text, "libquartz-utils "),
	)
	// The notes tell the omitted rows' range and their architectures.
	if !strings.Contains(out, "Name lib") || !strings.Contains(out, "Architecture amd64") {
		t.Errorf("notes do not describe the omitted rows:\n%s", out)
	}
}

// A CSV keeps its header, and a grouping column keeps the first row of each
// group (the first commit of each year).
func TestCSVHeaderAndGroups(t *testing.T) {
	text := kindtest.Fixture(t, "commits.csv")
	out := compress(t, text, "Summarise the commits per author.")
	kindtest.MustContain(t, out, "year,day,author,commits,subject\n")
	ls := lines.Split(text).L
	prevYear := ""
	for _, l := range ls[1:] {
		if y := l[:4]; y != prevYear {
			kindtest.MustContain(t, out, l+"\n")
			prevYear = y
		}
	}
}

// A markdown pipe table keeps its header and delimiter rows and the rows
// the task names.
func TestPipeTable(t *testing.T) {
	text := kindtest.Fixture(t, "bench.md")
	out := compress(t, text, "How fast is grepper?")
	kindtest.MustContain(t, out, "| Tool | Command | Matches | Time |\n| ---- | ------- | ------- | ---- |\n", "Benchmarks over a synthetic tree.")
	for _, l := range lines.Split(text).L {
		if strings.HasPrefix(l, "| grepper ") {
			kindtest.MustContain(t, out, l)
		}
	}
}

// When the task names a column and asks for the largest values, the top
// rows of that column are kept.
func TestNamedColumnTop(t *testing.T) {
	text := kindtest.Fixture(t, "profile.txt")
	out := compress(t, text, "Which functions have the largest self time?")
	in := input(text, "Which functions have the largest self time?")
	p := newPlan(in, findRegions(in.Lines(), nil))
	var own *colStats
	for c, col := range p.regs[0].cols {
		if col.name == "self_s" {
			own = &p.stats[0][c]
		}
	}
	if own == nil {
		t.Fatalf("no self_s column in %+v", p.regs[0].cols)
	}
	for _, li := range own.top(5, true) {
		kindtest.MustContain(t, out, in.Lines().L[li])
	}
	kindtest.MustContain(t, out, kindtest.LineWith(t, text, "func_57)"), kindtest.LineWith(t, text, "calls made"))
}

func TestWithinBudgetUntouched(t *testing.T) {
	text := strings.Join(strings.SplitAfter(kindtest.Fixture(t, "ps_aux.txt"), "\n")[:12], "")
	if out, ok := Compress(input(text, "")); ok {
		t.Errorf("a table within its budget was rewritten:\n%s", out)
	}
}

// Under the aggressive profile kept rows lose their padding, unless the
// task asks for rows as printed.
func TestSqueeze(t *testing.T) {
	text := kindtest.Fixture(t, "ps_aux.txt")
	in := input(text, "which process uses the most memory")
	in.Budget.Aggressive = true
	out, ok := Compress(in)
	if !ok || strings.Contains(out, "   ") {
		t.Errorf("aggressive output keeps wide padding:\n%s", out)
	}
	in = input(text, "quote the row of the process using the most memory")
	in.Budget.Aggressive = true
	out, ok = Compress(in)
	if !ok {
		t.Fatal("not compressed")
	}
	kindtest.CheckLines(t, text, out)
}

func TestSplitDelimited(t *testing.T) {
	got, ok := splitDelimited(`2023,"Doe, Jane","say ""hi""",,x`, ',', nil)
	want := []string{"2023", `"Doe, Jane"`, `"say ""hi"""`, "", "x"}
	if !ok || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, %v", got, ok)
	}
	if _, ok := splitDelimited(`a,"open`, ',', nil); ok {
		t.Error("unterminated quote accepted")
	}
}

// FuzzCompress: on any text and task, Detect and Compress do not panic,
// Compress is deterministic, and a rewrite is shorter with every part
// outside notes found in the input.
func FuzzCompress(f *testing.F) {
	seeds := kindtest.Fixtures(f, "which process uses the most memory", 0, "ps_aux.txt", "packages.txt", "commits.csv", "bench.md", "profile.txt")
	seeds = append(seeds, kindtest.Seed{Text: "a  b  c\n1  2  3\n\n|x|\n|-|\n"})
	kt.FuzzTask(f, seeds, func(t *testing.T, text, out string) { kindtest.CheckParts(t, text, out, false) })
}

// A row whose values are too wide for their columns (sizes running into
// the next column, as ps prints a process with gigabytes of address space)
// still has its cells read, so it counts for the extremes.
func TestOverflowingRowCounts(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("OWNER        PID CPU% MEM%   VIRT   RES TERM     STAT BEGAN  CPUTM CMD\n")
	for i := range 120 {
		fmt.Fprintf(&sb, "svc      %6d  0.%d  0.1  %5d  %4d ?        S    09:%02d   0:0%d worker --shard %d\n", 1000+i, i%10, 50000+i*37, 2000+i*11, i%60, i%10, i)
	}
	// The biggest process: its VIRT and RES overflow into each other's
	// padding, so no position-based reading finds them.
	sb.WriteString("svc      77311  0.4  0.1 2286740 923256 ?      S    10:05   0:04 worker --shard 999\n")
	for i := range 60 {
		fmt.Fprintf(&sb, "svc      %6d  0.%d  0.1  %5d  %4d ?        S    10:%02d   0:0%d worker --shard %d\n", 2000+i, i%10, 40000+i*37, 3000+i*11, i%60, i%10, 200+i)
	}
	text := sb.String()
	out := compress(t, text, "Which process has the largest RES? Paste its row.")
	kindtest.MustContain(t, out, kindtest.LineWith(t, text, "--shard 999"))
}

// A row the request names by position is kept, counted from the first row
// under the header.
func TestOrdinalRowKept(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id    email                      country  tier      orders\n")
	for i := range 400 {
		fmt.Fprintf(&sb, "%-5d user%03d@example.com       %-8s standard  %d\n", i+1, i, []string{"DE", "FR", "NL"}[i%3], i%9)
	}
	text := sb.String()
	out := compress(t, text, "Who is on the 217th row? Quote it.")
	kindtest.MustContain(t, out, kindtest.LineWith(t, text, "user216@example.com"))
}

// Asked for the largest of a named column among the rows a term picks
// out, the top rows of that subset are kept, not only the table's.
func TestScopedExtremes(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id,site,sensor,temp_c,humidity\n")
	sites := []string{"oslo-pop", "lisbon-pop", "madrid-pop", "vienna-pop"}
	for i := range 6000 {
		site := sites[i%4]
		hum := fmt.Sprintf("%d.%d", 70+i%30, i%10) // the other sites are more humid
		switch {
		case i == 3334:
			hum = "61.5" // the most humid madrid-pop reading
		case site == "madrid-pop":
			hum = fmt.Sprintf("%d.%d", 30+i%30, i%10)
		}
		fmt.Fprintf(&sb, "rd-%04d,%s,probe-%d,%d.%d,%s\n", i, site, i%7, 10+i%15, i%10, hum)
	}
	text := sb.String()
	out := compress(t, text, "Which madrid-pop reading had the highest humidity? Quote the row.")
	kindtest.MustContain(t, out, "rd-3334,madrid-pop,")
}

// Asked for an extreme, every note, however short its run, gives the
// range of the column asked about: the reader can see nothing larger
// hides there.
func TestExtremeNotesGiveRanges(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("name                 size  owner\n")
	for i := range 600 {
		fmt.Fprintf(&sb, "pkg-%04d        %10d  team-%d\n", i, 1000+(i*7919)%90000, i%5)
	}
	text := sb.String()
	out := compress(t, text, "Which package has the largest size?")
	notes := 0
	for _, l := range lines.Split(out).L {
		if lines.IsNote(l) {
			notes++
			if !strings.Contains(l, "; size ") {
				t.Errorf("note without the size range: %s", l)
			}
		}
	}
	if notes == 0 {
		t.Fatal("no notes")
	}
}

// Rows whose first column varies in width (benchmark names) carry their
// quantities with units, out of any fixed column: the rows holding each
// quantity's extremes are kept, notes give each one's range, and the
// preamble lines above the rows do not become column titles.
func TestLabelledQuantities(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("arch: sparc\nsuite: widgets\n")
	for i := range 120 {
		name := fmt.Sprintf("RunWidget/case%03d", i)
		if i >= 60 {
			name = fmt.Sprintf("RunWidget/with/a/much/longer/sub/name/%03d", i)
		}
		ns := 100 + (i*37)%900
		bytes := (i * 13) % 64
		switch i {
		case 77:
			ns = 9876543 // the slowest, in the middle of the wide rows
		case 41:
			bytes = 7340032 // the most bytes
		}
		fmt.Fprintf(&sb, "%-*s\t%8d\t%10d ns/op\t%8d B/op\t%4d allocs/op\n", 24+24*(i/60), name, 500, ns, bytes, i%3)
	}
	sb.WriteString("DONE\nsummary  \twidgets\t3.2s\n")
	text := sb.String()
	out := compress(t, text, "Which case is slowest, and which uses the most memory?")
	kindtest.MustContain(t, out, kindtest.LineWith(t, text, "9876543 ns/op"), kindtest.LineWith(t, text, "7340032 B/op"), "ns/op 1", "B/op 0")
	for _, l := range lines.Split(out).L {
		if lines.IsNote(l) && strings.Contains(l, "sparc") {
			t.Errorf("note names a column after the preamble: %s", l)
		}
	}
}

// A table without a title row: its first row is data, kept as a row, and
// notes name the columns by position, never by the first row's cells.
func TestHeaderlessColumnsByPosition(t *testing.T) {
	var sb strings.Builder
	protos := []string{"v1.3", "v1.2", "v1.2", "v1.0"}
	kx := []string{"Kx=any", "Kx=DH", "Kx=ECDH", "Kx=RSA"}
	for i := range 200 {
		fmt.Fprintf(&sb, "%-22s %-5s %-8s Au=RSA  Enc=AES(%d)  Mac=AEAD\n", fmt.Sprintf("CIPHER-%03d-%s", i, strings.Repeat("X", i%7)), protos[i%4], kx[(i/3)%4], 128*(1+i%2))
	}
	text := sb.String()
	out := compress(t, text, "Does it offer CIPHER-150?")
	kindtest.MustContain(t, out, kindtest.LineWith(t, text, "CIPHER-000-"), kindtest.LineWith(t, text, "CIPHER-150-"), "column 2: ")
	for _, l := range lines.Split(out).L {
		if lines.IsNote(l) && (strings.Contains(l, "CIPHER-000") || strings.Contains(l, "; v1.3 v1.")) {
			t.Errorf("note uses the first row as titles: %s", l)
		}
	}
}

// TestTopKNotCountingTheTotal: asked for the three largest, a listing whose
// total row holds the column's maximum keeps the three largest entries.
func TestTopKNotCountingTheTotal(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("  Length      Date    Time    Name\n---------  ---------- -----   ----\n")
	total := 0
	for i := range 300 {
		size := 1000 + i*37%5000
		switch i {
		case 40:
			size = 910000
		case 170:
			size = 870000
		case 260:
			size = 830000
		case 90:
			size = 790000
		}
		total += size
		fmt.Fprintf(&sb, "%9d  2025-03-14 09:12   pkg/mod%03d/data.bin\n", size, i)
	}
	fmt.Fprintf(&sb, "---------                     -------\n%9d                     300 files\n", total)
	in := input(sb.String(), "which are the three largest files, and the total?")
	out, ok := Compress(in)
	if !ok {
		t.Fatal("not compressed")
	}
	for _, w := range []string{"pkg/mod040/", "pkg/mod170/", "pkg/mod260/", "300 files"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lost %q", w)
		}
	}
}

// TestContinuationRowsFollowTheirHead: a head row the task names keeps the
// indented continuation rows under it (a callee list), not only itself.
func TestContinuationRowsFollowTheirHead(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("Function                         called...\n                                     ncalls  tottime  cumtime\n")
	pad := strings.Repeat(" ", 33)
	for i := range 600 {
		fmt.Fprintf(&sb, "%-32s ->  %5d  %7.3f  %7.3f  lib/mod%03d.py:%d(step_%03d)\n", fmt.Sprintf("lib/mod%03d.py:%d(task_%03d)", i, i+3, i), i+1, float64(i%7)/1000, float64(i%11)/100, i, i+9, i)
		if i == 361 {
			for k, callee := range []string{"parse_header", "decode_body", "verify_digest", "emit_record"} {
				fmt.Fprintf(&sb, "%s    %5d  %7.3f  %7.3f  lib/core.py:%d(%s)\n", pad, k+2, 0.001, float64(k+1)/10, 40+k, callee)
			}
		}
	}
	in := input(sb.String(), "what does task_361 call, and which callee dominates?")
	out, ok := Compress(in)
	if !ok {
		t.Fatal("not compressed")
	}
	for _, w := range []string{"(task_361)", "(parse_header)", "(decode_body)", "(verify_digest)", "(emit_record)"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lost %q", w)
		}
	}
}

// A CSV export whose first column is a day is a table, not a log: its
// rows are found by column, and the row holding a column's maximum stays.
func TestDatedCSVIsTable(t *testing.T) {
	var b strings.Builder
	b.WriteString("day,region,orders,returns,units\n")
	regions := []string{"north", "south", "east", "west"}
	for d := range 150 {
		for k, r := range regions {
			units := 90 + (d*7+k*13)%40
			if d == 97 && k == 2 {
				units = 517
			}
			fmt.Fprintf(&b, "2026-%02d-%02d,%s,%d,%d,%d\n", 1+d/28, 1+d%28, r, 30+(d+k)%20, (d*k)%7, units)
		}
	}
	text := b.String()
	if !Detect(text) {
		t.Fatal("a dated CSV export is not detected as a table")
	}
	out := compress(t, text, "Does any day and region stand out in units sold?")
	kindtest.MustContain(t, out, "day,region,orders,returns,units\n", "2026-04-14,east,")
	if !strings.Contains(out, ",517\n") {
		t.Errorf("the row of the maximum is gone:\n%s", out)
	}
}

// A run of one or two short rows between kept ones is kept, not replaced
// by a note that costs nearly as much and says nothing of them.
func TestShortGapsKept(t *testing.T) {
	text := kindtest.Fixture(t, "ps_aux.txt")
	out := compress(t, text, "Which process uses the most memory?")
	b := lines.Split(out)
	for i, l := range b.L {
		if !strings.HasPrefix(l, "[... ") {
			continue
		}
		if strings.HasPrefix(l, "[... 1 row omitted") || strings.HasPrefix(l, "[... 1 line omitted") {
			t.Errorf("line %d is a note for one row: %s", i, l)
		}
	}
}

// settingsTable writes an aligned table of n settings (type, name, value,
// origin); every tenth name holds an error word, and every 25th setting
// has the rare origin "{chosen}" among "{default}".
func settingsTable(n int) string {
	var b strings.Builder
	for i := range n {
		name := fmt.Sprintf("Knob%03dLimit", i)
		if i%10 == 3 {
			// Letters only: a word ending in Error reads as an error type.
			name = "ExitOn" + string(rune('A'+i/26%26)) + string(rune('a'+i%26)) + "Error"
		}
		origin := "{default}"
		if i%25 == 7 {
			origin = "{chosen}"
		}
		fmt.Fprintf(&b, "%8s %-40s = %-12d %s\n", []string{"bool", "intx", "uintx"}[i%3], name, i*37%1000, origin)
	}
	return b.String()
}

// Rows whose only problem word is part of a name in a column of names
// report nothing; the few rows that differ from a value nearly every row
// holds are kept.
func TestNamesWithErrorWordsAreNoProblems(t *testing.T) {
	text := settingsTable(400)
	out := compress(t, text, "Which settings were chosen rather than left at their default?")
	if n := strings.Count(out, "Error "); n > 12 {
		t.Errorf("%d rows kept for an error word in their name", n)
	}
	for i := 7; i < 400; i += 25 {
		kindtest.MustContain(t, out, fmt.Sprintf("Knob%03dLimit", i))
	}
}

// When the notes for omitted rows would take over a quarter of the budget
// (Compress), they leave out the tallies of categorical columns, so that
// the rows the task ranks high fit instead; the key column's range stays.
func TestLeanNotes(t *testing.T) {
	text := settingsTable(400)
	in := input(text, "Which settings were chosen?")
	b := in.Lines()
	p := newPlan(in, findRegions(b, nil))
	p.mark()
	full := p.describe(100, 160)
	p.lean = true
	lean := p.describe(100, 160)
	if !strings.Contains(full, "{default}") || strings.Contains(lean, "{default}") || len(lean) >= len(full) {
		t.Errorf("notes full %q, lean %q", full, lean)
	}
	if !strings.Contains(lean, " … ") {
		t.Errorf("a lean note lost the key range: %q", lean)
	}
}

// A value typed as a code ("JP") picks out rows as a longer term does:
// the fewest orders among them is kept, in a psql-style aligned table.
func TestScopedExtremesByCode(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("  id  |   name    | country | orders | revenue\n")
	sb.WriteString("------+-----------+---------+--------+---------\n")
	countries := []string{"SE", "CA", "FR", "JP", "BR", "IN", "MX", "US", "DE", "NG"}
	for i := range 640 {
		orders := 60 + (i*37)%70
		c := countries[(i*7)%len(countries)]
		if c == "JP" {
			orders = 80 + (i*13)%40
		}
		if i == 420 {
			c, orders = "JP", 76 // the fewest among JP, not overall
		}
		fmt.Fprintf(&sb, " %4d | cust_%04d | %-7s | %6d | %7d.%02d\n", i+1, i+1, c, orders, 20000+i*31, i%100)
	}
	sb.WriteString("(640 rows)\n")
	text := sb.String()
	out := compress(t, text, "Of the JP customers, which one has the fewest orders?")
	kindtest.MustContain(t, out, "| cust_0421 | JP")
}

// A dump of titled sections with tables among them: the section the task
// names keeps its body, as a header does in any text, though the lines
// between the tables are too many to keep them all.
func TestNamedSectionBetweenTables(t *testing.T) {
	var sb strings.Builder
	table := func(title string, rows int) {
		fmt.Fprintf(&sb, "%s:\n  Num:    Value          Size Type    Bind   Vis      Ndx Name\n", title)
		for i := range rows {
			fmt.Fprintf(&sb, "  %4d: %016x %5d FUNC    GLOBAL DEFAULT   %2d sym_%s_%d\n", i, 0x4000+i*16, 16+i%90, 14, title[:3], i)
		}
		sb.WriteString("\n")
	}
	section := func(name string, id, entries int) {
		fmt.Fprintf(&sb, "Section '%s' contains %d entries:\n", name, entries)
		fmt.Fprintf(&sb, " Addr: 0x%016x  Offset: 0x%08x  Link: 4 (.dynstr)\n", 0x1ab0+len(name), 0x1ab0+len(name))
		fmt.Fprintf(&sb, "  000000: Version: 1  File: lib%d.so.6  Cnt: %d\n", id, entries)
		for i := range entries {
			fmt.Fprintf(&sb, "  0x%04x:   Name: LIB_%d.%d  Flags: none  Version: %d\n", 16*(i+1), id, i, 19-i)
		}
		sb.WriteString("\n")
	}
	for k := range 6 {
		table(fmt.Sprintf("Symbol table %d", k), 60)
		for j := range 4 {
			section(fmt.Sprintf(".sect%d_%d", k, j), k*4+j, 4)
		}
	}
	text := sb.String()
	out := compress(t, text, "List the entries of section .sect3_2.")
	for i := range 4 {
		kindtest.MustContain(t, out, fmt.Sprintf("Name: LIB_14.%d  Flags: none  Version: %d", i, 19-i))
	}
}

// A box-drawn table (sqlite's box mode) is a pipe table: its bars are no
// column, and asked for an extreme among the rows two values pick out
// together, the top of those rows is kept.
func TestBoxTableScopedByTwoValues(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("┌─────┬──────────┬─────────┬────────┬─────────────┐\n")
	sb.WriteString("│ id  │   name   │ country │  tier  │ spent_cents │\n")
	sb.WriteString("├─────┼──────────┼─────────┼────────┼─────────────┤\n")
	countries := []string{"SE", "FR", "TR", "NO", "IT"}
	tiers := []string{"gold", "silver", "bronze"}
	for i := range 300 {
		c, tier := countries[i%5], tiers[(i/5)%3]
		spent := 50000 + (i*7919)%500000
		if c == "SE" && tier == "gold" {
			spent = 100000 + i*100 // SE gold spend less than the others
		}
		if i == 150 {
			c, tier, spent = "SE", "gold", 480000
		}
		fmt.Fprintf(&sb, "│ %-3d │ cust_%03d │ %-7s │ %-6s │ %-11d │\n", i+1, i+1, c, tier, spent)
	}
	sb.WriteString("└─────┴──────────┴─────────┴────────┴─────────────┘\n")
	text := sb.String()
	out := compress(t, text, "Among the SE gold-tier customers, who has the highest spent_cents?")
	kindtest.MustContain(t, out, "│ cust_151 │ SE      │ gold   │ 480000")
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, "[...") && strings.Contains(l, "│") {
			t.Errorf("a note names a bar as a column: %s", l)
		}
	}
}

// A header cut short ("cum") names the column of the word it starts
// ("cumulative"), and a term in most rows still picks out a subset: the
// top of its rows is kept though other rows top the table.
func TestScopedExtremeByAbbreviatedColumn(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("      flat  flat%   sum%        cum   cum%\n")
	for i := range 200 {
		name := fmt.Sprintf("runtime.func%03d", i)
		cum := 0.01 * float64(1+(i*37)%150)
		if i%5 == 0 {
			name = fmt.Sprintf("main.work%03d", i)
			cum = 3 + float64(i%7) // the table's largest
		}
		if i == 120 {
			name, cum = "runtime.systemstack", 2.81
		}
		fmt.Fprintf(&sb, "     %.2fs %5.2f%% %5.2f%%      %.2fs %5.2f%%  %s\n", 0.01, 0.1, 50.0, cum, cum*8, name)
	}
	text := sb.String()
	out := compress(t, text, "Among the runtime functions, which one has the biggest cumulative time?")
	kindtest.MustContain(t, out, "2.81s 22.48%  runtime.systemstack")
}

// Asked for the extremes of two columns among the rows a term picks out,
// each column keeps its own top row of the subset: the rows are split
// once for all the columns the question names.
func TestScopedExtremesSeveralColumns(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("NAME       GROUP     CPU     MEM\n")
	for i := range 400 {
		grp := "web"
		if i%4 == 0 {
			grp = "cache"
		}
		cpu, mem := 100+i%37, 2000+i%53
		switch {
		case i%2 == 1 && i < 24:
			cpu, mem = 900+i, 9000+i // the top of the table, not of the caches
		case i == 212:
			cpu = 800
		case i == 316:
			mem = 7000
		}
		fmt.Fprintf(&sb, "host-%-4d  %-8s  %3d  %5d\n", i, grp, cpu, mem)
	}
	text := sb.String()
	out := compress(t, text, "which cache host has the largest cpu and the largest mem?")
	kindtest.MustContain(t, out, kindtest.LineWith(t, text, "host-212 "))
	kindtest.MustContain(t, out, kindtest.LineWith(t, text, "host-316 "))
}
