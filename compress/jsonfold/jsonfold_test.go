package jsonfold

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/compress/fold"
	"github.com/tsheadroom/tsheadroom/compress/internal/kindtest"
	"github.com/tsheadroom/tsheadroom/compress/jsonspan"
	"github.com/tsheadroom/tsheadroom/compress/lines"
	"github.com/tsheadroom/tsheadroom/compress/relevance"
)

// kt is this package under the shared kind checks; Share is the engine's
// keep share for JSON.
var kt = kindtest.Compressor{Detect: Detect, Compress: Compress, Share: 0.08}

// mustCompress compresses in and checks what holds for every output: it
// is shorter, deterministic, and carries no retrieval markers.
func mustCompress(t *testing.T, in *fold.Input) string {
	t.Helper()
	out := kt.Rewrite(t, in)
	if again, _ := Compress(in); again != out {
		t.Fatal("output differs between two runs")
	}
	if m := kindtest.Marker(in.Text, out); m != "" {
		t.Fatalf("output introduces %q", m)
	}
	return out
}

// items returns the top-level values of a stream (text lines included),
// or the elements of the one array (or the members, name included, of the
// one object) of text.
func items(t *testing.T, text string) []string {
	t.Helper()
	tr, err := jsonspan.ParseString(text, jsonspan.Options{Stream: true})
	if err != nil {
		tr, err = jsonspan.ParseString(text, jsonspan.Options{TextLines: true})
	}
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, text)
	}
	var out []string
	if tr.NumRoots() > 1 {
		for r := range tr.Roots() {
			out = append(out, tr.Raw(r))
		}
		return out
	}
	for k := range tr.Kids(0) {
		s, _ := tr.Span(k)
		if tr.IsMember(k) {
			s, _ = tr.KeySpan(k)
		}
		out = append(out, text[s:tr.End(k)])
	}
	return out
}

// isNote reports whether an output item is the note of omitted items.
func isNote(item string) bool {
	return strings.Contains(item, `"_omitted"`) || strings.HasPrefix(item, `"[... `)
}

// checkKept checks that every item of out but the notes is a byte-exact
// substring of in, and returns the final note (the one describing what
// was omitted; those before it mark where items were left out).
func checkKept(t *testing.T, in, out string) (kept []string, note string) {
	t.Helper()
	for _, it := range items(t, out) {
		if isNote(it) {
			note = it
			continue
		}
		if !strings.Contains(in, it) {
			t.Fatalf("kept item is not in the input:\n%s", it)
		}
		kept = append(kept, it)
	}
	return kept, note
}

func TestDetect(t *testing.T) {
	yes := map[string]string{
		"array":        "[\n  {\"a\": 1},\n  {\"a\": 2}\n]\n",
		"object":       `{"name":"x","list":[1,2,3]}`,
		"stream":       "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n",
		"concatenated": "{\n\t\"Path\": \"a\"\n}\n{\n\t\"Path\": \"b\"\n}\n",
		"mixed lines":  kindtest.Fixture(t, "build.jsonl"),
		"large":        genRecords(3000),
	}
	for name, text := range yes {
		if !Detect(text) {
			t.Errorf("%s: not detected", name)
		}
	}
	no := map[string]string{
		"log":                      "[INFO] starting\n[WARN] slow disk\n[INFO] done\n",
		"bracket log":              "[2026-01-02 10:00:00] GET / 200\n[2026-01-02 10:00:01] GET /a 404\n",
		"code":                     "func main() {\n\tfmt.Println(\"hi\")\n}\n",
		"prose":                    "The build {mostly} worked [see below].",
		"broken":                   `{"a": 1, "b": }`,
		"one json line among text": "starting\n{\"a\":1}\nstill going\nstill going\nstill going\ndone\n",
		"yaml":                     "name: x\nlist:\n  - 1\n",
	}
	for name, text := range no {
		if Detect(text) {
			t.Errorf("%s: detected as JSON", name)
		}
	}
}

func TestNothingToDo(t *testing.T) {
	text := genRecords(200)
	in := input(text, "")
	in.Budget = fold.Budget{Bytes: len(text) * 2, Lossy: true}
	if _, ok := Compress(in); ok {
		t.Error("compressed a block within its budget")
	}
	in.Budget = fold.Budget{Bytes: 100, Lossy: false}
	if _, ok := Compress(in); ok {
		t.Error("compressed a block whose budget allows no loss")
	}
	in = input("[1, 2, oops]"+strings.Repeat(" ", 5000), "")
	if _, ok := Compress(in); ok {
		t.Error("compressed invalid JSON")
	}
}

// An array of records keeps what must survive, byte for byte, and says
// what it left out.
func TestArrayOfRecords(t *testing.T) {
	text := genRecords(300)
	out := mustCompress(t, input(text, "why does checkout-service look different?"))
	kept, note := checkKept(t, text, out)
	if len(kept) >= 300 || note == "" {
		t.Fatalf("%d items kept, note %q", len(kept), note)
	}
	kindtest.MustContain(t, out,
		`"id": 1000,`,                                              // first
		`"id": 1299,`,                                              // last
		`"level": "error"`, `"msg": "upstream connection refused"`, // the problem
		`"latency_ms": 9000`,            // the numeric maximum
		`"service": "checkout-service"`, // what the task names
	)
	var n struct {
		Omitted string `json:"_omitted"`
	}
	if err := json.Unmarshal([]byte(note), &n); err != nil {
		t.Fatalf("note %s: %v", note, err)
	}
	// Ranges and counts describe the omitted items: the slow request and
	// the error are kept, so none of them is counted among the omitted.
	for _, w := range []string{"of 300 items omitted", "all have region=eu-west-1", "latency_ms 20..26", "level: info (270)"} {
		if !strings.Contains(n.Omitted, w) {
			t.Errorf("note %q lacks %q", n.Omitted, w)
		}
	}
	// The note is laid out like the items.
	if !strings.HasPrefix(note, "{\n    \"_omitted\": ") || !strings.HasSuffix(note, "\n  }") {
		t.Errorf("note not laid out like the items: %q", note)
	}
}

func TestExtremeIntents(t *testing.T) {
	text := genRecords(300)
	out := mustCompress(t, input(text, "Which request was the slowest?"))
	_, note := checkKept(t, text, out)
	if !strings.Contains(note, "largest latency_ms=9000: id=1150 (kept)") {
		t.Errorf("note does not say which item holds the maximum: %s", note)
	}
	// The top few by latency are kept, not just the maximum: 26 is the
	// next highest value (latency 20 + i%7).
	if strings.Count(out, `"latency_ms": 26`) < 3 {
		t.Errorf("top latencies not kept:\n%s", out)
	}

	out = mustCompress(t, input(text, "show me the most recent request"))
	if _, note := checkKept(t, text, out); !strings.Contains(note, "newest time=") {
		t.Errorf("no newest item in note: %s", note)
	}
	if !strings.Contains(out, `"time": "2026-03-28T`) {
		t.Error("newest items not kept")
	}
}

func TestRareValues(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 400 {
		if i > 0 {
			b.WriteString(",")
		}
		status := []string{"active", "active", "idle"}[i%3]
		if i == 271 {
			status = "quarantined"
		}
		b.WriteString(`{"host":"node-` + strconv.Itoa(i) + `","status":"` + status + `","pool":"default"}`)
	}
	b.WriteString("]")
	text := b.String()
	out := mustCompress(t, input(text, ""))
	kindtest.MustContain(t, out, `{"host":"node-271","status":"quarantined","pool":"default"}`)
	_, note := checkKept(t, text, out)
	// The rare value is kept, so the counts of the omitted items lack it.
	kindtest.MustContain(t, note, "all have pool=default", "status: active (225), idle (113)")
	if strings.Contains(note, "quarantined") {
		t.Errorf("the note counts the kept quarantined host among the omitted: %s", note)
	}
}

// Values that tell one record from the rest lie deep inside it: a rare
// value of a nested field (a condition's status) and a key only one record
// has (its reason) keep that record, asked about in words that name
// neither.
func TestRareNestedValues(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\"kind\": \"List\", \"items\": [")
	for i := range 90 {
		if i > 0 {
			b.WriteString(",")
		}
		cond := `{"type": "Ready", "status": "True"}`
		if i == 61 {
			cond = `{"type": "Ready", "status": "False", "reason": "ImagePullBackOff"}`
		}
		fmt.Fprintf(&b, `{"meta": {"name": "unit-%02d", "zone": "z%d"}, "spec": {"size": %d, "parts": [{"image": "img-%d:1.%d"}]}, "state": {"conditions": [%s]}}`, i, i%3, 1+i%4, i, i%7, cond)
	}
	b.WriteString("]}")
	text := b.String()
	for _, q := range []string{"", "which unit is broken?"} {
		out := mustCompress(t, input(text, q))
		kindtest.MustContain(t, out, `"name": "unit-61"`, `"reason": "ImagePullBackOff"`)
		if n := strings.Count(out, `"name": "unit-`); n > 24 {
			t.Errorf("%q: %d of 90 units kept\n%s", q, n, out)
		}
	}
}

// A JSON Lines log keeps its lines as they were and stays a stream.
func TestJSONLines(t *testing.T) {
	text := genLines(2000)
	out := mustCompress(t, input(text, "the service returned a 500: what happened?"))
	kept, note := checkKept(t, text, out)
	for _, l := range kept {
		if !strings.Contains(text, l+"\n") {
			t.Fatalf("kept record is not a whole line: %s", l)
		}
	}
	kindtest.MustContain(t, out, `"level":"ERROR","msg":"panic serving request: integer divide by zero"`, `"status":500`)
	if !strings.HasPrefix(note, `{"_omitted":"`) || !strings.Contains(note, "of 2000 values omitted") {
		t.Errorf("note: %s", note)
	}
	if strings.Count(out, "\n") != len(kept)+1 {
		t.Errorf("%d lines for %d records and a note", strings.Count(out, "\n"), len(kept))
	}
}

// Build output mixing JSON messages with text lines is a stream too; text
// lines that report problems are kept.
func TestJSONLinesWithText(t *testing.T) {
	text := kindtest.Fixture(t, "build.jsonl")
	in := input(text, "")
	in.Budget.Bytes = 1500
	out := mustCompress(t, in)
	kindtest.MustContain(t, out,
		"   Building gadget v0.3.0 (/src/gadget)\n",
		"cannot find value `frobnicate` in this scope",
		"error: could not compile `gadget` due to 1 previous error\n",
		`{"reason":"build-finished","success":false}`,
		`"_omitted":"`,
	)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(text, l) && !strings.Contains(l, `"_omitted"`) {
			t.Errorf("line not in the input: %s", l)
		}
	}
}

// An object used as a map stays an object, keeps the member the task
// names and ends with an "_omitted" member; the record around it keeps
// every member.
func TestMapsAndRecords(t *testing.T) {
	text := kindtest.Fixture(t, "registry.json")
	in := input(text, "When was widgetkit 3.4.1 published?")
	out := mustCompress(t, in)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "description", "dist-tags", "versions", "time", "license", "maintainers"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("record member %q dropped", k)
		}
	}
	kindtest.MustContain(t, out,
		`"latest": "5.11.3"`, // a small member kept whole
		`"3.4.1": "`,         // the named map member
		`"3.4.1",`,           // and the version in the list
	)
	var times map[string]string
	if err := json.Unmarshal(doc["time"], &times); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(times["_omitted"], "members omitted") {
		t.Errorf("time map note: %q", times["_omitted"])
	}
	var versions []string
	if err := json.Unmarshal(doc["versions"], &versions); err != nil {
		t.Fatal(err)
	}
	if last := versions[len(versions)-1]; !strings.HasPrefix(last, "[... ") || !strings.Contains(last, "of 240 items omitted") {
		t.Errorf("versions note: %q", last)
	}
}

// A compact object (a Gemini functionResponse.response) stays one object
// on one line.
func TestCompactObjectStaysObject(t *testing.T) {
	text := kindtest.Fixture(t, "packages.json")
	out := mustCompress(t, input(text, "is anything installed in editable mode?"))
	if strings.Contains(out, "\n") || !strings.HasPrefix(out, `{"packages":[`) || !json.Valid([]byte(out)) {
		t.Fatalf("not one compact object: %.200s", out)
	}
	kindtest.MustContain(t, out, `"editable_project_location":"/home/dev/src/lib077"`, `"_omitted":"`)
}

func TestLongStrings(t *testing.T) {
	logText := strings.Repeat("2026-01-01 INFO worker started\n", 200) + "2026-01-01 ERROR disk full\n"
	doc := `{"name":"job","log":` + jsonspan.Quote(logText) + `,"blob":"` + strings.Repeat("QUJD", 3000) + `"}`
	var nested []string
	in := input(doc, "")
	in.Nested = func(text string, b fold.Budget) (string, bool) {
		nested = append(nested, text)
		return "2026-01-01 INFO worker started\n[... 199 similar lines omitted ...]\n2026-01-01 ERROR disk full\n", true
	}
	out := mustCompress(t, in)
	for _, text := range nested {
		if text != logText {
			t.Fatalf("Nested got %.80q", text)
		}
	}
	if len(nested) == 0 {
		t.Fatal("Nested not called")
	}
	var v struct{ Name, Log, Blob string }
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Name != "job" || !strings.Contains(v.Log, "ERROR disk full") || !strings.Contains(v.Log, "similar lines omitted") {
		t.Errorf("log leaf: %q", v.Log)
	}
	if !strings.HasPrefix(v.Blob, "QUJD") || !strings.Contains(v.Blob, "of 12000 characters cut ...]") || len(v.Blob) > 3000 {
		t.Errorf("blob leaf: %d bytes, %.80q...", len(v.Blob), v.Blob[max(0, len(v.Blob)-60):])
	}
}

// Lossless rewrites only under the aggressive profile, never when the task
// quotes, and only for blocks over their budget.
func TestMinifyOnlyWhenAggressive(t *testing.T) {
	text := "{\n  \"a\": [1, 2, 3],\n  \"b\": \"x y\"\n}\n"
	in := &fold.Input{Text: text, Query: &relevance.Query{}, Budget: fold.Budget{Bytes: 30}}
	if _, ok := Compress(in); ok {
		t.Error("rewrote a block under the default profile")
	}
	in.Budget.Aggressive = true
	out, ok := Compress(in)
	if !ok || out != `{"a":[1,2,3],"b":"x y"}` {
		t.Errorf("aggressive: %q %v", out, ok)
	}
	in.Budget.Bytes = 4096
	if _, ok := Compress(in); ok {
		t.Error("rewrote a block within its budget")
	}
	in.Budget.Bytes = 30
	in.Query = relevance.Parse("quote the output verbatim", "")
	if _, ok := Compress(in); ok {
		t.Error("rewrote a block the task quotes")
	}
}

// Under the aggressive profile, members every item has are written once
// and uniform flat items become columns; every value keeps its bytes.
func TestRegroup(t *testing.T) {
	aggressive := func(text string) *fold.Input {
		in := input(text, "")
		in.Budget = fold.Budget{Bytes: len(text) / 3, Lossy: true, Aggressive: true}
		return in
	}
	// One item has a member of its own: items stay objects, the constant
	// members are factored out.
	text := kindtest.Fixture(t, "packages.json")
	out := mustCompress(t, aggressive(text))
	var v struct {
		Packages []map[string]any `json:"packages"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if every, _ := v.Packages[0]["_every_item_has"].(map[string]any); every["installer"] != "pip" || every["location"] != "/opt/venv/lib/site-packages" {
		t.Errorf("constant members: %v", v.Packages[0])
	}
	kindtest.MustContain(t, out, `{"name":"lib077","version":"0.0.1.dev0","editable_project_location":"/home/dev/src/lib077"}`, "kept items minified")

	// Uniform flat items: columns and rows.
	var b strings.Builder
	b.WriteString("[\n")
	for i := range 200 {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`  {"name": "pkg-` + strconv.Itoa(i) + `", "version": "1.` + strconv.Itoa(i%9) + `.0", "license": "MIT"}`)
	}
	b.WriteString("\n]\n")
	text = b.String()
	out = mustCompress(t, aggressive(text))
	var col struct {
		Every   map[string]string `json:"_every_item_has"`
		Columns []string          `json:"_columns"`
		Rows    [][]string        `json:"_rows"`
		Omitted string            `json:"_omitted"`
	}
	if err := json.Unmarshal([]byte(out), &col); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if col.Every["license"] != "MIT" || strings.Join(col.Columns, ",") != "name,version" || len(col.Rows) < 20 || col.Omitted == "" {
		t.Errorf("every %v, columns %v, %d rows, note %q", col.Every, col.Columns, len(col.Rows), col.Omitted)
	}
	for _, r := range col.Rows {
		if !strings.Contains(text, `{"name": "`+r[0]+`", "version": "`+r[1]+`"`) {
			t.Errorf("row %v not in the input", r)
		}
	}
}

// A note never costs more than the items it replaces.
func TestNoteNeverCostsMore(t *testing.T) {
	text := `[{"a":1},{"a":2},{"a":3},{"a":4},{"a":5},{"a":6}]`
	in := &fold.Input{Text: text, Query: &relevance.Query{}, Budget: fold.Budget{Bytes: 10, Lossy: true}}
	if out, ok := Compress(in); ok {
		t.Errorf("replaced six tiny items by a longer note: %s", out)
	}
}

func TestStop(t *testing.T) {
	in := input(genRecords(5000), "checkout-service")
	in.Stop = func() bool { return true }
	if out, ok := Compress(in); ok {
		t.Errorf("compressed after the caller gave up: %d bytes", len(out))
	}
}

// FuzzCompress: no panic; what comes out parses as what went in (an
// object stays an object), is shorter, deterministic, and every scalar it
// holds outside notes and cut strings is copied from the input. Minimizing
// a large interesting input takes the fuzzer long; bound it:
//
//	go test ./compress/jsonfold/ -run '^$' -fuzz FuzzCompress -fuzzminimizetime 3s
func FuzzCompress(f *testing.F) {
	// Small seeds: the fuzzer mutates small inputs far faster.
	seeds := []kindtest.Seed{
		{Text: genRecords(6), Task: "slowest checkout-service", Bytes: 300},
		{Text: genLines(8), Task: "500 error", Bytes: 400},
		{Text: kindtest.Fixture(f, "build.jsonl")[:1200] + "\n", Bytes: 300},
		{Text: kindtest.Fixture(f, "packages.json")[:900] + "]}", Task: "editable", Bytes: 200},
		{Text: `{"time":{"1.0.0":"2020-01-01","1.1.0":"2021-02-02","1.2.0":"2022-03-03","2.0.0":"2023-04-04","2.1.0":"2024-05-05","3.0.0":"2025-06-06","3.1.0":"2026-07-07","3.2.0":"2026-08-08"},"name":"x"}`, Task: "1.2.0 latest", Bytes: 60},
		{Text: genDistinctKeys(6), Task: "item-3", Bytes: 200},
		{Text: `{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20],"b":"` + strings.Repeat("x y\n", 90) + `"}`, Bytes: 50},
	}
	kt.FuzzBudget(f, seeds, func(t *testing.T, in *fold.Input, out string) {
		text := in.Text
		if len(out) >= len(text) {
			t.Fatalf("output %d bytes, input %d", len(out), len(text))
		}
		if again, _ := Compress(in); again != out {
			t.Fatal("not deterministic")
		}
		opt := jsonspan.Options{Stream: true}
		src, err := jsonspan.ParseString(text, opt)
		if err != nil {
			opt.TextLines = true
			src, err = jsonspan.ParseString(text, opt)
		}
		if err != nil {
			t.Fatalf("compressed what does not parse: %v", err)
		}
		tr, err := jsonspan.ParseString(out, opt)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if src.NumRoots() == 1 && (tr.NumRoots() != 1 || tr.Kind(0) != src.Kind(0)) {
			t.Fatalf("a %q became %d values, the first a %q", src.Kind(0), tr.NumRoots(), tr.Kind(0))
		}
		for i := 0; i < tr.Len(); i++ {
			k := tr.Kind(i)
			if k.IsContainer() || tr.RawKey(i) == `"_omitted"` {
				continue
			}
			if raw := tr.Raw(i); !strings.Contains(text, raw) && !strings.Contains(raw, "[... ") {
				t.Fatalf("value %s is not in the input", raw)
			}
		}
		// Kept items are byte-exact copies, unless compressed inside
		// (then they hold a note).
		var kept []int
		if tr.NumRoots() > 1 {
			kept = slices.Collect(tr.Roots())
		} else {
			kept = slices.Collect(tr.Kids(0))
		}
		for _, k := range kept {
			s, e := tr.Span(k)
			if tr.IsMember(k) {
				s, _ = tr.KeySpan(k)
			}
			if it := out[s:e]; !strings.Contains(text, it) && !strings.Contains(it, "[... ") && !strings.Contains(it, `"_omitted"`) {
				t.Fatalf("kept item is not in the input: %s", it)
			}
		}
	})
}

func TestSpreadCoversEvenly(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 8, 100, 1000} {
		order := spread(nil, make([]bool, n), make([]float32, n))
		if len(order) != n {
			t.Fatalf("n=%d: %d items in the order", n, len(order))
		}
		seen := make([]bool, n)
		for _, x := range order {
			if seen[x] {
				t.Fatalf("n=%d: item %d twice", n, x)
			}
			seen[x] = true
		}
		if n >= 100 {
			// The first fifth of the order reaches into every tenth of
			// the collection.
			var deciles [10]bool
			for _, x := range order[:n/5] {
				deciles[x*10/n] = true
			}
			for d, ok := range deciles {
				if !ok {
					t.Errorf("n=%d: decile %d not reached early", n, d)
				}
			}
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, raw := range []string{"0", "-0", "7", "-42", "1.00", "0.08", "-3.25", "123456789012345", "1234567.89012345", "9007199254740993", "1e3", "-2.5E-3", "0.1", "12345678901234567890"} {
		got, ok := parseNumber(raw)
		want, err := strconv.ParseFloat(raw, 64)
		if !ok || err != nil || got != want {
			t.Errorf("parseNumber(%q) = %v %v, want %v", raw, got, ok, want)
		}
	}
}

func TestHasTerm(t *testing.T) {
	for _, c := range []struct {
		s, term string
		want    bool
	}{
		{`"github.com/junegunn/fzf/src/tui"`, "tui", true},
		{`"github.com/junegunn/fzf/src/tuiutil"`, "tui", false},
		{`"Report"`, "port", false},
		{`"node_modules/@Eslint/js"`, "@eslint/js", true},
		{`"5.4.5"`, "5.4.5", true},
		{`"15.4.5"`, "5.4.5", false},
		{``, "x", false},
	} {
		if got := hasTerm(c.s, c.term); got != c.want {
			t.Errorf("hasTerm(%q, %q) = %v", c.s, c.term, got)
		}
	}
}

// A word in a list is a name ("errors" among imports); a member's value
// or a sentence in a list reports a problem.
func TestStringProblems(t *testing.T) {
	src := `{"imports":["errors","fmt"],"status":"failed","log":["started","connection refused by peer"]}`
	tr, err := jsonspan.ParseString(src, jsonspan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &compressor{t: tr, src: src}
	sev := func(path ...string) lines.Severity {
		i := 0
		for _, p := range path {
			if n, err := strconv.Atoi(p); err == nil {
				i = tr.First(i)
				for ; n > 0; n-- {
					i = tr.Next(i)
				}
				continue
			}
			i = tr.Get(i, p)
		}
		s, _ := c.stringProblem(i)
		return s
	}
	if s := sev("imports", "0"); s != lines.NoSignal {
		t.Errorf(`"errors" in a list: %v`, s)
	}
	if s := sev("status"); s != lines.Problem {
		t.Errorf(`"status": "failed": %v`, s)
	}
	if s := sev("log", "1"); s != lines.Problem {
		t.Errorf("a sentence in a list: %v", s)
	}
}

// TestScopedMatch: asked which packages import X, the items whose field
// named by the question ("Imports") holds X are kept, not the many that
// only list X among other fields.
func TestScopedMatch(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 40; i++ {
		imports := `"fmt", "strings"`
		if i%9 == 4 {
			imports += `, "example.com/core/wire"`
		}
		fmt.Fprintf(&b, "{\n\t\"ImportPath\": \"example.com/pkg/p%02d\",\n\t\"Imports\": [%s],\n\t\"Deps\": [\"example.com/core/wire\", \"fmt\", \"strings\", \"unicode\"],\n\t\"GoFiles\": [\"a.go\", \"b.go\", \"c.go\", \"d.go\"]\n}\n", i, imports)
	}
	text := b.String()
	in := &fold.Input{Text: text, Query: relevance.Parse("Which packages import example.com/core/wire directly?", ""),
		Budget: fold.Budget{Bytes: len(text) / 10, Lossy: true}}
	out := mustCompress(t, in)
	for i := 4; i < 40; i += 9 {
		kindtest.MustContain(t, out, fmt.Sprintf(`"ImportPath": "example.com/pkg/p%02d"`, i))
	}
}

// genEvents is a test runner's event stream: for every test a run event,
// a few output events and a result; one subtest fails, its message in an
// output event that says nothing of failing, far from the end.
func genEvents(tests int) string {
	var sb strings.Builder
	for i := range tests {
		name := fmt.Sprintf("TestRates/case_%03d", i)
		fmt.Fprintf(&sb, `{"Seq":%d,"Action":"run","Test":%q}`+"\n", 4*i, name)
		fmt.Fprintf(&sb, `{"Seq":%d,"Action":"output","Test":%q,"Output":"=== RUN   %s\n"}`+"\n", 4*i+1, name, name)
		if i == 37 {
			fmt.Fprintf(&sb, `{"Seq":%d,"Action":"output","Test":%q,"Output":"    rates_test.go:88: Rate(EUR, CHF) = 0.9312, expected 0.9313\n"}`+"\n", 4*i+2, name)
			fmt.Fprintf(&sb, `{"Seq":%d,"Action":"fail","Test":%q,"Elapsed":0.01}`+"\n", 4*i+3, name)
			continue
		}
		fmt.Fprintf(&sb, `{"Seq":%d,"Action":"output","Test":%q,"Output":"    rates_test.go:40: checked %d pairs\n"}`+"\n", 4*i+2, name, i)
		fmt.Fprintf(&sb, `{"Seq":%d,"Action":"pass","Test":%q,"Elapsed":0.01}`+"\n", 4*i+3, name)
	}
	return sb.String()
}

// The records sharing a kept failure's grouping field (its test) are kept
// with it: they carry the message the failure event lacks.
func TestRelatedRecordsOfAProblem(t *testing.T) {
	text := genEvents(300)
	out := mustCompress(t, input(text, "Run the tests and summarise the results."))
	checkKept(t, text, out)
	kindtest.MustContain(t, out,
		`"Action":"fail","Test":"TestRates/case_037"`,
		`Rate(EUR, CHF) = 0.9312, expected 0.9313`,
		`"Action":"run","Test":"TestRates/case_037"`,
	)
	// Passing tests' records are not pulled in with them.
	if strings.Count(out, `"Test":"TestRates/case_036"`) > 1 {
		t.Error("records of a passing neighbour were kept as related")
	}
}

// An item the request names by position is kept, in the collection the
// request counts in.
func TestOrdinalItemKept(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("[\n")
	for i := range 3000 {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, `  {"sku": "SKU-%04d", "stock": %d, "tags": ["a", "b"]}`, 3000+i*7, i%13)
	}
	sb.WriteString("\n]\n")
	text := sb.String()
	out := mustCompress(t, input(text, "For the 1437th item in that list, give its SKU and stock."))
	checkKept(t, text, out)
	kindtest.MustContain(t, out, `"sku": "SKU-13052"`) // 3000 + 1436*7
}

// Omitted runs between kept items are marked where they were, with their
// positions, so a kept item's place in the list can be read off; with too
// many runs to mark, the final note lists where the kept items stand.
func TestGapNotesMarkPositions(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("[\n")
	for i := range 137 {
		if i > 0 {
			sb.WriteString(",\n")
		}
		status := "ok"
		if i == 39 || i == 90 {
			status = "failed"
		}
		fmt.Fprintf(&sb, `  {"sku": "SKU-%04d", "status": %q, "note": "restocked from the central warehouse"}`, 1000+i, status)
	}
	sb.WriteString("\n]\n")
	text := sb.String()
	out := mustCompress(t, input(text, "Which items failed?"))
	checkKept(t, text, out)
	its := items(t, out)
	// Count positions through the gap notes: the failed items must sit
	// at 40 and 91.
	pos := 0
	for _, it := range its {
		var n struct {
			Omitted string `json:"_omitted"`
		}
		if isNote(it) {
			if err := json.Unmarshal([]byte(it), &n); err == nil {
				var from, to int
				if _, err := fmt.Sscanf(n.Omitted, "items %d–%d omitted", &from, &to); err == nil {
					pos = to
					continue
				}
				if _, err := fmt.Sscanf(n.Omitted, "item %d omitted", &from); err == nil {
					pos = from
					continue
				}
			}
			continue
		}
		pos++
		if strings.Contains(it, `"failed"`) && pos != 40 && pos != 91 {
			t.Errorf("a failed item reads as item %d", pos)
		}
	}
	// With the gaps marked in place, the final note is their total and
	// says so: it must not read as more items.
	if last := its[len(its)-1]; isNote(last) && !strings.Contains(last, "in all, ") {
		t.Errorf("final note after gap notes reads as more items: %s", last)
	}

	// A long list kept sparsely: the final note says where the kept items
	// stand.
	sb.Reset()
	sb.WriteString("[")
	for i := range 5000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":%d,"v":"value-%d"}`, i, i%97)
	}
	sb.WriteString("]")
	out = mustCompress(t, input(sb.String(), ""))
	if _, note := checkKept(t, sb.String(), out); !strings.Contains(note, "kept: 1, 9, 17,") {
		t.Errorf("final note does not place the kept items: %s", note)
	}
}

// An object whose members are similar records (an API's methods, each
// with the same fields) is a map even with few members and plain names:
// the member the task names is kept whole, the others are left out with a
// note naming them, and a term every member holds (a field name the
// question uses) marks none of them.
func TestMapOfSimilarRecords(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\n \"methods\": {\n")
	verbs := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	names := []string{"copy", "fetch", "insert", "move", "purge", "rename", "resize", "shrink", "stretch", "trim"}
	for i, name := range names {
		fmt.Fprintf(&b, "  %q: {\n   \"id\": \"store.%s\",\n   \"path\": \"items/{item}/%s\",\n   \"httpMethod\": %q,\n", name, name, name, verbs[i%len(verbs)])
		fmt.Fprintf(&b, "   \"description\": \"Operation %s on a stored item; %s\"\n  }", name, strings.Repeat("more words about it ", 30))
		if i < len(names)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(" }\n}\n")
	text := b.String()
	in := input(text, "What path and HTTP method does the resize method use?")
	out := mustCompress(t, in)
	var doc struct {
		Methods map[string]json.RawMessage `json:"methods"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Methods) >= len(names) {
		t.Fatalf("all %d members kept:\n%s", len(doc.Methods), out)
	}
	kindtest.MustContain(t, out, `"path": "items/{item}/resize"`, `"httpMethod": "POST"`)
	var note string
	if err := json.Unmarshal(doc.Methods["_omitted"], &note); err != nil {
		t.Fatalf("no note: %v\n%s", err, out)
	}
	if !strings.Contains(note, "members omitted: ") || !strings.Contains(note, "move") && !strings.Contains(note, "purge") {
		t.Errorf("note does not name the omitted members: %q", note)
	}
}

// syntheticReport is a diagnostic document: a long list of loaded
// libraries, a map of component versions and a short list of endpoints
// of which one is the only one of its kind.
func syntheticReport() string {
	var sb strings.Builder
	sb.WriteString("{\n  \"header\": {\"tool\": \"probe\", \"release\": \"4.2.0\"},\n  \"libraries\": [\n")
	for i := range 120 {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, "    \"/opt/probe/lib/plugin_%03d_module.so\"", i)
	}
	sb.WriteString("\n  ],\n  \"versions\": {\n")
	comps := []string{"probe", "zstd", "brotli", "ev", "pcre", "nghttp", "icu", "tz", "cldr", "unicode", "acorn", "ada", "cares", "napi", "modules", "llhttp", "sqlite", "simd", "undici", "punycode"}
	for i, c := range comps {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, "    \"%s\": \"%d.%d.%d\"", c, i%4+1, i*3%17, i*7%23)
	}
	sb.WriteString("\n  },\n  \"endpoints\": [\n")
	eps := []string{
		`{"name": "loop", "local": true, "family": "v6", "addr": "::1"}`,
		`{"name": "eth", "local": false, "family": "v6", "addr": "fd00::7"}`,
		`{"name": "eth", "local": false, "family": "v6", "addr": "fe80::7"}`,
		`{"name": "eth", "local": false, "family": "v4", "addr": "198.51.100.7"}`,
		`{"name": "loop", "local": true, "family": "v6", "addr": "::2"}`,
		`{"name": "eth", "local": false, "family": "v6", "addr": "fd00::8"}`,
	}
	sb.WriteString("    " + strings.Join(eps, ",\n    "))
	sb.WriteString("\n  ]\n}\n")
	return sb.String()
}

// TestOnlyItemOfItsKindKept: in a short array of similar objects, the one
// item whose grouping values no other item shares is kept.
func TestOnlyItemOfItsKindKept(t *testing.T) {
	text := syntheticReport()
	in := &fold.Input{Text: text, Query: relevance.Parse("what does the probe report about plugin 7?", ""), Budget: fold.Budget{Bytes: 1200, Lossy: true}}
	out := mustCompress(t, in)
	kindtest.MustContain(t, out, `"198.51.100.7"`)
}

// TestKeyNamedByAffix: asked about "libnghttp", the member "nghttp" is kept.
func TestKeyNamedByAffix(t *testing.T) {
	text := syntheticReport()
	in := &fold.Input{Text: text, Query: relevance.Parse("which libnghttp version is bundled?", ""), Budget: fold.Budget{Bytes: 1200, Lossy: true}}
	out := mustCompress(t, in)
	kindtest.MustContain(t, out, `"nghttp": "2.15.12"`)
}

// A flat object of hundreds of scalar settings is a map, whatever its
// names look like: it keeps the members the task names, the extreme and
// the ends byte for byte, and says what it left out by range and prefix,
// pretty-printed or compact (a Gemini functionResponse object).
func TestFlatObjectOfSettings(t *testing.T) {
	const task = "Is this a debug build (Tk_DEBUG), and what is the LIBDIR_MAIN directory?"
	for _, compact := range []bool{false, true} {
		text := genFlatConfig(800, compact)
		in := input(text, task)
		out := mustCompress(t, in)
		if !json.Valid([]byte(out)) || !strings.HasPrefix(out, "{") {
			t.Fatalf("compact=%v: not one JSON object:\n%.300s", compact, out)
		}
		if len(out) > 2*in.Budget.Bytes {
			t.Errorf("compact=%v: %d bytes for a budget of %d", compact, len(out), in.Budget.Bytes)
		}
		kept, note := checkKept(t, text, out)
		if len(kept) < 5 || len(kept) > 200 {
			t.Errorf("compact=%v: %d members kept", compact, len(kept))
		}
		if compact {
			kindtest.MustContain(t, out, `"Tk_DEBUG":0`, `"LIBDIR_MAIN":"/opt/toolkit/lib/config-9.9-amd64"`, `"MAX_ARG_BYTES":2097152000`)
		} else {
			// A kept member reads as printed, on its own line.
			kindtest.MustContain(t, out, "\n \"Tk_DEBUG\": 0,\n", "\n \"LIBDIR_MAIN\": \"/opt/toolkit/lib/config-9.9-amd64\",\n", "\n \"MAX_ARG_BYTES\": 2097152000,\n")
		}
		first, last := items(t, text)[0], items(t, text)[799]
		if !slices.Contains(kept, first) || !slices.Contains(kept, last) {
			t.Errorf("compact=%v: first or last member dropped", compact)
		}
		for _, want := range []string{" of 800 members omitted: ", " … ", "by prefix ", "HAVE_FEATURE_… ", "SIZEOF_TYPE_… ", "WITH_OPTION_… "} {
			if !strings.Contains(note, want) {
				t.Errorf("compact=%v: note lacks %q: %s", compact, want, note)
			}
		}
	}
}

// An object of a few dozen scalar fields of mixed kinds is a record, and
// so is one of several wide objects of an array (their names are the
// array's fields): every member stays, even over the budget.
func TestFlatRecordKeepsItsFields(t *testing.T) {
	record := func(n int) map[string]any {
		// Names without digits, which would read as data.
		m := map[string]any{}
		for i := range n {
			name := "FIELD_" + letters(i)
			if i%2 == 0 {
				m[name] = strings.Repeat(strconv.Itoa(i%10), 150)
			} else {
				m[name] = i
			}
		}
		return m
	}
	b, err := json.MarshalIndent(record(minFlatMembers-1), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if out, ok := Compress(input(string(b), "what is FIELD_AAH?")); ok {
		t.Errorf("record of %d fields cut:\n%.300s", minFlatMembers-1, out)
	}
	rows := make([]map[string]any, 3)
	for i := range rows {
		rows[i] = record(2 * minFlatMembers)
	}
	if b, err = json.MarshalIndent(rows, "", "  "); err != nil {
		t.Fatal(err)
	}
	if out, ok := Compress(input(string(b), "what is FIELD_AAH?")); ok && strings.Contains(out, `"_omitted"`) {
		t.Errorf("wide rows cut inside:\n%.300s", out)
	}
}

// TestScopedExtremes: asked for the least of a field the task names among
// the items a term picks out, that item is kept, though items of other
// kinds hold lower values.
func TestScopedExtremes(t *testing.T) {
	var b strings.Builder
	b.WriteString("[\n")
	roles := []string{"web", "queue", "cache", "db", "batch"}
	for i := range 400 {
		role := roles[i%5]
		free := 100 + float64((i*37)%800)
		if role == "cache" {
			free += 200 // cache hosts have room; queue hosts do not
		}
		if i == 212 {
			free = 253.1 // the fullest cache host, far above the queue hosts
		}
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `  {"name": "node-%03d.dc2.internal", "role": "%s", "free_gb": %.1f, "kernel": "6.1.0-%d-amd64"}`, i, role, free, 20+i%3)
	}
	b.WriteString("\n]\n")
	text := b.String()
	out := mustCompress(t, input(text, "Among the cache hosts, which has the least free disk?"))
	if !strings.Contains(out, `"name": "node-212.dc2.internal"`) {
		t.Errorf("the fullest cache host is lost:\n%s", out)
	}
}
