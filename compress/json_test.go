package compress

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestParseJSONValuesAgreesWithEncodingJSON(t *testing.T) {
	cases := []string{
		`{}`, `[]`, `{"a":1}`, `[1,2.5,-3e4,true,false,null,"x"]`, `{"a":{"b":[{"c":"\u00e9\"\\"}]}}`,
		`{"a":1,}`, `[1,]`, `{"a"}`, `[01]`, `[1.]`, `[-]`, `["\x"]`, "[\"a\tb\"]", `[1e]`, `{"a":tru}`,
		`"str"`, `12`, `  [ 1 , 2 ]  `, `[`, `]`, ``, `nul`, `[1 2]`, `{"a":1 "b":2}`,
	}
	for _, c := range cases {
		vals, err := parseJSONValues(c)
		got := err == nil && len(vals) == 1
		if want := json.Valid([]byte(c)); got != want {
			t.Errorf("parse %q: ok=%v, encoding/json says %v (err %v)", c, got, want, err)
		}
	}
	// Streams of values.
	if vals, err := parseJSONValues("{\"a\":1}\n{\"a\":2}\n"); err != nil || len(vals) != 2 {
		t.Errorf("stream: %d values, err %v", len(vals), err)
	}
	// Depth bound: deep nesting is refused, not a stack overflow.
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	if _, err := parseJSONValues(deep); err == nil {
		t.Error("10000-deep nesting accepted")
	}
}

func TestMinifyJSON(t *testing.T) {
	in := "{\n  \"b\": 1.50,\n  \"a\": [1e3, \"<tag> & \\u00e9\"],\n  \"c\": {\"x\": null}\n}"
	got, err := minifyJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(in)); err != nil {
		t.Fatal(err)
	}
	if got != want.String() {
		t.Errorf("minify = %s, want %s", got, want.String())
	}
	if !strings.Contains(got, "1.50") || !strings.Contains(got, "1e3") || !strings.Contains(got, "<tag> &") {
		t.Errorf("number text or characters not preserved: %s", got)
	}
}

// decodeColumnar rebuilds the items of a columnar rendering.
func decodeColumnar(t *testing.T, s string) []map[string]any {
	t.Helper()
	var col struct {
		Same    map[string]any `json:"_same"`
		Columns []string       `json:"_columns"`
		Rows    [][]any        `json:"_rows"`
	}
	if err := json.Unmarshal([]byte(s), &col); err != nil {
		t.Fatalf("columnar output does not parse: %v\n%s", err, s)
	}
	var items []map[string]any
	for _, r := range col.Rows {
		m := map[string]any{}
		for k, v := range col.Same {
			m[k] = v
		}
		for i, c := range col.Columns {
			m[c] = r[i]
		}
		items = append(items, m)
	}
	return items
}

func TestCompressJSONColumnarIsLossless(t *testing.T) {
	in := genJSONCompactRecords(12) // fewer items than the lossy threshold
	out, ok := compressJSON(in, &hints{})
	if !ok {
		t.Fatal("uniform records not rewritten")
	}
	if len(out) >= len(in)*85/100 {
		t.Errorf("columnar saved too little: %d -> %d", len(in), len(out))
	}
	var orig []map[string]any
	if err := json.Unmarshal([]byte(in), &orig); err != nil {
		t.Fatal(err)
	}
	got := decodeColumnar(t, out)
	if len(got) != len(orig) {
		t.Fatalf("%d rows, want %d", len(got), len(orig))
	}
	for i := range orig {
		a, _ := json.Marshal(orig[i])
		b, _ := json.Marshal(got[i])
		if !bytes.Equal(a, b) {
			t.Errorf("item %d: %s != %s", i, a, b)
		}
	}
	if !strings.Contains(out, `"_same":{"license":"MIT"}`) {
		t.Errorf("constant field not factored out:\n%s", out)
	}
}

func TestCompressJSONLossyArray(t *testing.T) {
	in := genJSONEvents(200, "  ")
	h := &hints{taskTerms: []string{"checkout-service"}}
	out, ok := compressJSON(in, h)
	if !ok {
		t.Fatal("not compressed")
	}
	if !json.Valid([]byte(out)) {
		t.Fatalf("output is not JSON:\n%s", out)
	}
	for _, want := range []string{
		"[1000,", // first item
		"[1199,", // last item
		"upstream connection refused",
		"checkout-service",
		",9000,",
		`"_omitted":"194 of 200 items omitted`,
		"all have level=info",
		"latency_ms 20..26",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if len(out) > len(in)/5 {
		t.Errorf("kept too much: %d of %d bytes", len(out), len(in))
	}
}

func TestCompressJSONColumnarLossy(t *testing.T) {
	in := genJSONCompactRecords(300)
	h := &hints{taskTerms: []string{"pkg-0150"}}
	out, ok := compressJSON(in, h)
	if !ok {
		t.Fatal("not compressed")
	}
	items := decodeColumnar(t, out)
	found := false
	for _, it := range items {
		if it["name"] == "pkg-0150" {
			found = true
		}
	}
	if !found {
		t.Errorf("task-matching record dropped:\n%s", out)
	}
	if !strings.Contains(out, `"_omitted":"`) || !strings.Contains(out, "of 300 items omitted") {
		t.Errorf("no omission note:\n%s", out)
	}
}

func TestCompressJSONStreamKeepsSourceFormatting(t *testing.T) {
	var sb strings.Builder
	for i := range 80 {
		sb.WriteString("{\n\t\"Path\": \"example.com/mod" + strings.Repeat("x", i%3) + "/m" + string(rune('a'+i%26)) + "\",\n\t\"Version\": \"v1.0." + string(rune('0'+i%10)) + "\",\n\t\"Indirect\": true\n}\n")
	}
	sb.WriteString("{\n\t\"Path\": \"target.example/lib\",\n\t\"Version\": \"v2.3.4\",\n\t\"Sum\": \"h1:abc=\"\n}\n")
	in := sb.String()
	out, ok := compressJSON(in, &hints{taskTerms: []string{"target.example"}})
	if !ok {
		t.Fatal("not compressed")
	}
	if want := "{\n\t\"Path\": \"target.example/lib\",\n\t\"Version\": \"v2.3.4\",\n\t\"Sum\": \"h1:abc=\"\n}"; !strings.Contains(out, want) {
		t.Errorf("task item not verbatim:\n%s", out)
	}
	if _, err := parseJSONValues(out); err != nil {
		t.Errorf("stream output does not parse: %v", err)
	}
	if !strings.Contains(out, "{\n\t\"_omitted\": \"") {
		t.Errorf("omission note not in the source's style:\n%s", out)
	}
}

func TestCompressJSONLongStrings(t *testing.T) {
	long := strings.Repeat("abcdefghij", 500)
	in := `{"id":7,"blob":"` + long + `","note":"short"}`
	out, ok := compressJSON(in, &hints{})
	if !ok {
		t.Fatal("long string not shortened")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	if s, _ := m["blob"].(string); !strings.Contains(s, "…[+") || !strings.HasPrefix(s, "abcdefghij") {
		t.Errorf("blob = %.80q", s)
	}
	// A long string with an error signal stays whole.
	in2 := `{"blob":"` + long + ` fatal: disk failure"}`
	if out2, ok := compressJSON(in2, &hints{}); ok {
		t.Errorf("error-bearing string shortened: %.100s", out2)
	}
}

func TestCompressJSONNestedLog(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"output": genLog(3000), "exit_code": 1})
	out, ok := compressJSON(string(doc), &hints{})
	if !ok {
		t.Fatal("log inside JSON not compressed")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	s, _ := m["output"].(string)
	if !strings.Contains(s, "no space left on device") {
		t.Error("error line lost from nested log")
	}
	if len(out) > len(doc)/4 {
		t.Errorf("nested log kept %d of %d bytes", len(out), len(doc))
	}
}

func TestCompressJSONObjectStaysObject(t *testing.T) {
	in := `{"packages":` + genJSONCompactRecords(120) + `,"count":120}`
	out, ok := compressJSON(in, &hints{})
	if !ok {
		t.Fatal("not compressed")
	}
	if !isJSONObject(out) {
		t.Errorf("not an object:\n%s", out)
	}
}

func TestQuoteUnquoteJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "a\"b\\c\n\t\r", "\x01\x1f", "é ✓ 𝄞", "<html> & '", "bad \xff utf8"} {
		q := quoteJSON(s)
		var back string
		if err := json.Unmarshal([]byte(q), &back); err != nil {
			t.Errorf("quoteJSON(%q) = %s: %v", s, q, err)
			continue
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); back != want {
			t.Errorf("round trip %q -> %q", s, back)
		}
		if u, ok := unquoteJSON(q); !ok || u != strings.ToValidUTF8(s, "\ufffd") {
			t.Errorf("unquoteJSON(%s) = %q %v", q, u, ok)
		}
	}
	if u, ok := unquoteJSON(`"\ud834\udd1e x"`); !ok || u != "𝄞 x" {
		t.Errorf("surrogate pair: %q", u)
	}
}

// FuzzCompressJSON: never panics; when it rewrites, the output is shorter,
// parses, keeps an object an object, and keeps every short string value
// that carries an error signal.
func FuzzCompressJSON(f *testing.F) {
	f.Add(genJSONEvents(50, "\t"))
	f.Add(genJSONCompactRecords(40))
	f.Add(`{"a":[1,2,3],"b":"x"}`)
	f.Add(`[{"level":"error","msg":"boom"},{"level":"info"}]`)
	f.Add("{\"a\":1}\n{\"a\":2}")
	f.Fuzz(func(t *testing.T, in string) {
		for _, aggressive := range []bool{false, true} {
			out, ok := compressJSON(in, &hints{aggressive: aggressive, taskTerms: []string{"boom"}})
			if !ok {
				continue
			}
			if len(out) >= len(in) {
				t.Fatalf("not shorter: %d -> %d", len(in), len(out))
			}
			vals, err := parseJSONValues(out)
			if err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, out)
			}
			inVals, _ := parseJSONValues(in)
			if len(inVals) == 1 && inVals[0].kind == '{' && (len(vals) != 1 || vals[0].kind != '{') {
				t.Fatalf("object became %q", out)
			}
			if len(inVals) == 1 && json.Valid([]byte(in)) && !json.Valid([]byte(out)) {
				t.Fatalf("encoding/json rejects output %q", out)
			}
			for _, s := range stringLeaves(in, inVals) {
				if len(s) < 200 && hasErrorSignal(s) && !aggressive && !strings.Contains(out, s) {
					t.Fatalf("error string %s lost", s)
				}
			}
		}
	})
}

// stringLeaves returns the raw text of every string value (not keys).
func stringLeaves(src string, vals []jnode) []string {
	var out []string
	var walk func(*jnode)
	walk = func(n *jnode) {
		if n.kind == '"' {
			out = append(out, src[n.start:n.end])
		}
		for i := range n.kids {
			walk(&n.kids[i])
		}
	}
	for i := range vals {
		walk(&vals[i])
	}
	return out
}

func TestCompressJSONSharedMembers(t *testing.T) {
	var sb strings.Builder
	for i := range 10 {
		fmt.Fprintf(&sb, "{\n  \"Name\": \"pkg%d\",\n  \"Module\": {\n    \"Path\": \"example.com/big/module/path\",\n    \"GoVersion\": \"1.26\"\n  },\n  \"Root\": \"/home/dev/src/example.com/big/module/path\",\n  \"Files\": [\"a%d.go\"]\n}\n", i, i)
	}
	in := sb.String()
	out, ok := compressJSON(in, &hints{})
	if !ok {
		t.Fatal("shared members not factored out")
	}
	if !strings.HasPrefix(out, `{"_all_items_have":{"Module":{"Path":"example.com/big/module/path","GoVersion":"1.26"},"Root":"/home/dev/src/example.com/big/module/path"}}`) {
		t.Errorf("no leading shared element:\n%s", out)
	}
	if strings.Count(out, "example.com/big/module/path") != 2 {
		t.Errorf("shared values repeated:\n%s", out)
	}
	if !strings.Contains(out, "{\n  \"Name\": \"pkg7\",\n  \"Files\": [\"a7.go\"]\n}") {
		t.Errorf("items not kept in their own formatting:\n%s", out)
	}
	vals, err := parseJSONValues(out)
	if err != nil || len(vals) != 11 {
		t.Errorf("output: %d values, err %v", len(vals), err)
	}
}
