package jsonspan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkAgainstStd decodes src with encoding/json and checks that the tree
// of src says the same: kinds, member names, element counts, scalar texts.
func checkAgainstStd(t testing.TB, src string, tr *Tree) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	r := 0
	for root := range tr.Roots() {
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		if msg := compare(tr, root, v); msg != "" {
			t.Fatalf("value %d: %s\nsource: %q", r, msg, src)
		}
		r++
	}
	if dec.More() {
		t.Fatalf("tree has %d values, encoding/json more", r)
	}
}

// compare checks node i against decoded value v and the raw text against
// a fresh decode of the span.
func compare(tr *Tree, i int, v any) string {
	raw := tr.Raw(i)
	var again any
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&again); err != nil || d.More() {
		return fmt.Sprintf("span %q is not one JSON value (%v)", raw, err)
	}
	switch x := v.(type) {
	case map[string]any:
		if tr.Kind(i) != Object {
			return fmt.Sprintf("kind %q, want object", tr.Kind(i))
		}
		seen := map[string]int{}
		for k := range tr.Kids(i) {
			name := tr.Key(k)
			seen[name]++
			if !strings.HasPrefix(tr.RawKey(k), `"`) {
				return fmt.Sprintf("key span %q", tr.RawKey(k))
			}
			if seen[name] > 1 {
				continue // duplicates: encoding/json keeps the last
			}
			if tr.Get(i, name) != k {
				return fmt.Sprintf("Get(%q) = %d, want %d", name, tr.Get(i, name), k)
			}
		}
		if len(seen) != len(x) {
			return fmt.Sprintf("%d distinct members, want %d", len(seen), len(x))
		}
		for name := range x {
			if seen[name] == 0 {
				return fmt.Sprintf("member %q missing", name)
			}
			if seen[name] == 1 {
				if msg := compare(tr, tr.Get(i, name), x[name]); msg != "" {
					return name + ": " + msg
				}
			}
		}
	case []any:
		if tr.Kind(i) != Array || tr.NumKids(i) != len(x) {
			return fmt.Sprintf("kind %q with %d kids, want array of %d", tr.Kind(i), tr.NumKids(i), len(x))
		}
		j := 0
		for k := range tr.Kids(i) {
			if msg := compare(tr, k, x[j]); msg != "" {
				return fmt.Sprintf("[%d]: %s", j, msg)
			}
			j++
		}
	case string:
		s, ok := tr.Text(i)
		if tr.Kind(i) != String || !ok || s != x && utf8.ValidString(s) && !strings.Contains(raw, `\u`) {
			return fmt.Sprintf("string %q (%v), want %q", s, ok, x)
		}
	case json.Number:
		if tr.Kind(i) != Number || raw != string(x) {
			return fmt.Sprintf("number %q, want %q", raw, x)
		}
	case bool:
		if want := map[bool]Kind{true: True, false: False}[x]; tr.Kind(i) != want {
			return fmt.Sprintf("kind %q, want %q", tr.Kind(i), want)
		}
	case nil:
		if tr.Kind(i) != Null {
			return fmt.Sprintf("kind %q, want null", tr.Kind(i))
		}
	}
	return ""
}

func TestParseAgreesWithEncodingJSON(t *testing.T) {
	cases := []string{
		`{}`, `[]`, `{"a":1}`, `[1,2.5,-3e4,true,false,null,"x"]`, `{"a":{"b":[{"c":"\u00e9\"\\"}]}}`,
		`{"a":1,}`, `[1,]`, `{"a"}`, `[01]`, `[1.]`, `[-]`, `["\x"]`, "[\"a\tb\"]", `[1e]`, `{"a":tru}`,
		`"str"`, `12`, `  [ 1 , 2 ]  `, `[`, `]`, ``, `nul`, `[1 2]`, `{"a":1 "b":2}`, `{"a":1,"a":2}`,
		"{\n  \"k\" :\t[ {\"x\": [ ]}, { } ]\n}\n", `{"\u0041b":"c"}`, `[1]x`, `{"a":1}{"b":2}`,
	}
	for _, c := range cases {
		tr, err := ParseString(c, Options{})
		if want := json.Valid([]byte(c)); (err == nil) != want {
			t.Errorf("parse %q: err %v, encoding/json says valid=%v", c, err, want)
			continue
		}
		if err == nil {
			checkAgainstStd(t, c, tr)
		}
	}
}

func TestParseBytesMatchesString(t *testing.T) {
	src := `{"name": "a", "list": [1, {"b": null}], "s": "x\ny"}`
	a, err := ParseString(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != b.Len() || a.Source() != b.Source() {
		t.Fatalf("trees differ: %d vs %d nodes", a.Len(), b.Len())
	}
	for i := 0; i < a.Len(); i++ {
		if a.Raw(i) != b.Raw(i) || a.RawKey(i) != b.RawKey(i) || a.Kind(i) != b.Kind(i) {
			t.Errorf("node %d differs", i)
		}
	}
}

func TestTreeNavigation(t *testing.T) {
	src := `{"name": "pkg", "deps": ["a", "b", "c"], "meta": {"x\"y": 1, "n": -2.5e3}, "ok": true}`
	tr, err := ParseString(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.NumRoots() != 1 || tr.Kind(0) != Object || tr.NumKids(0) != 4 {
		t.Fatalf("root: kind %q, %d kids", tr.Kind(0), tr.NumKids(0))
	}
	name := tr.Get(0, "name")
	if s, ok := tr.Text(name); !ok || s != "pkg" || tr.RawKey(name) != `"name"` {
		t.Errorf("name = %q %v, key %q", s, ok, tr.RawKey(name))
	}
	deps := tr.Get(0, "deps")
	var got []string
	for k := range tr.Kids(deps) {
		s, _ := tr.Text(k)
		got = append(got, s)
		if tr.IsMember(k) {
			t.Errorf("array element %d reads as a member", k)
		}
	}
	if strings.Join(got, ",") != "a,b,c" {
		t.Errorf("deps = %v", got)
	}
	meta := tr.Get(0, "meta")
	if k := tr.Get(meta, `x"y`); k < 0 || tr.Raw(k) != "1" || tr.Key(k) != `x"y` {
		t.Errorf("escaped key lookup: %d", k)
	}
	if k := tr.Get(meta, "n"); k < 0 || tr.Kind(k) != Number || tr.Raw(k) != "-2.5e3" {
		t.Errorf("number member: %d", k)
	}
	if tr.Get(0, "missing") != -1 || tr.Get(deps, "a") != -1 {
		t.Error("Get found what is not there")
	}
	if ok := tr.Get(0, "ok"); tr.Kind(ok) != True || tr.Next(ok) != -1 {
		t.Errorf("last member: kind %q next %d", tr.Kind(ok), tr.Next(ok))
	}
	if s, e := tr.Span(deps); src[s:e] != `["a", "b", "c"]` {
		t.Errorf("deps span %q", src[s:e])
	}
}

func TestStreams(t *testing.T) {
	src := "{\"a\": 1}\n{\"a\": 2}\n\n[3]{\"b\":4} 5 \"six\"\n"
	if _, err := ParseString(src, Options{}); err == nil {
		t.Error("a stream parsed as one value")
	}
	tr, err := ParseString(src, Options{Stream: true})
	if err != nil {
		t.Fatal(err)
	}
	var raws []string
	for r := range tr.Roots() {
		raws = append(raws, tr.Raw(r))
	}
	if want := []string{`{"a": 1}`, `{"a": 2}`, `[3]`, `{"b":4}`, `5`, `"six"`}; strings.Join(raws, "|") != strings.Join(want, "|") {
		t.Errorf("roots = %q", raws)
	}
	checkAgainstStd(t, src, tr)
	for _, bad := range []string{"", "  \n", `{"a":1} {`, `{"a":1} ]`} {
		if _, err := ParseString(bad, Options{Stream: true}); err == nil {
			t.Errorf("stream %q accepted", bad)
		}
	}
}

func TestTextLines(t *testing.T) {
	src := "   Compiling demo v0.1.0\n{\"reason\":\"msg\",\"n\":1}\n\nerror: could not compile\n{\"reason\":\"done\",\"ok\":false}\n{broken\n"
	if _, err := ParseString(src, Options{Stream: true}); err == nil {
		t.Fatal("mixed text parsed as a JSON stream")
	}
	tr, err := ParseString(src, Options{TextLines: true})
	if err != nil {
		t.Fatal(err)
	}
	type root struct {
		kind Kind
		raw  string
	}
	var got []root
	for r := range tr.Roots() {
		got = append(got, root{tr.Kind(r), tr.Raw(r)})
	}
	want := []root{
		{Line, "   Compiling demo v0.1.0"}, {Object, `{"reason":"msg","n":1}`},
		{Line, "error: could not compile"}, {Object, `{"reason":"done","ok":false}`}, {Line, "{broken"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("roots:\n got %q\nwant %q", got, want)
	}
	second := tr.Next(tr.Next(0))
	if k := tr.Get(tr.Next(second), "ok"); k < 0 || tr.Raw(k) != "false" || tr.RawKey(k) != `"ok"` {
		t.Errorf("member spans of a later line are off: %d", k)
	}
}

func TestLimitsAndErrors(t *testing.T) {
	deep := strings.Repeat("[", 300) + strings.Repeat("]", 300)
	if _, err := ParseString(deep, Options{MaxDepth: 256}); !errors.Is(err, ErrTooDeep) {
		t.Errorf("300-deep nesting under MaxDepth 256: %v", err)
	}
	if _, err := ParseString(deep, Options{}); err != nil {
		t.Errorf("300-deep nesting without a bound: %v", err)
	}
	if _, err := ParseString(strings.Repeat("[", 20000)+strings.Repeat("]", 20000), Options{}); err == nil {
		t.Error("20000-deep nesting accepted")
	}
	if _, err := ParseString("[\"a\xffb\"]", Options{}); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
	if _, err := ParseString(`{"a":1,"a":2}`, Options{RejectDuplicateNames: true}); err == nil {
		t.Error("duplicate names accepted under RejectDuplicateNames")
	}
	if _, err := ParseString(`{"a":1,"a":2}`, Options{}); err != nil {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestValidAndPrefix(t *testing.T) {
	for _, c := range []struct {
		src           string
		stream        bool
		valid, prefix bool
	}{
		{`{"a":[1,2]}`, false, true, true},
		{`{"a":[1,2`, false, false, true},
		{`{"a":[1,2]}{"b"`, true, false, true},
		{`{"a":[1,2]}{"b"`, false, false, false},
		{`{"a" 1}`, false, false, false},
		{`[INFO] starting`, false, false, false},
		{"{\"a\":1}\n{\"a\":2}\n", true, true, true},
	} {
		if got := Valid(c.src, Options{Stream: c.stream}); got != c.valid {
			t.Errorf("Valid(%q, stream=%v) = %v", c.src, c.stream, got)
		}
		if got := ValidPrefix(c.src, Options{Stream: c.stream}); got != c.prefix {
			t.Errorf("ValidPrefix(%q, stream=%v) = %v", c.src, c.stream, got)
		}
	}
}

func TestQuoteUnquote(t *testing.T) {
	for _, s := range []string{"", "plain", "a\"b\\c\nd\te", "<tag> & é ✓", "\x01"} {
		q := Quote(s)
		var back string
		if err := json.Unmarshal([]byte(q), &back); err != nil || back != s {
			t.Errorf("Quote(%q) = %s: decodes to %q (%v)", s, q, back, err)
		}
		if u, ok := Unquote(q); !ok || u != s {
			t.Errorf("Unquote(%s) = %q %v", q, u, ok)
		}
	}
	if q := Quote("<a>&"); q != `"<a>&"` {
		t.Errorf("Quote escapes HTML: %s", q)
	}
	if q := Quote("cut\xe2\x9c"); !utf8.ValidString(q) || !json.Valid([]byte(q)) {
		t.Errorf("Quote of a cut character: %q", q)
	}
	if _, ok := Unquote(`"bad \x"`); ok {
		t.Error("Unquote accepted a bad escape")
	}
}

// FuzzParse: valid JSON in, spans consistent with encoding/json; invalid
// JSON out with an error, never a panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2,{"b":"c\u00e9"}],"d":null}`, `[true,false,-0.5e-3]`, `"x"`, `{"a":1}{"a":2}`,
		"{\n  \"k\": [\n    1\n  ]\n}", `{"a":`, `[1,]`, "{\"a\":\"\xff\"}", `{"":{"":{"":[]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, stream := range []bool{false, true} {
			tr, err := Parse(b, Options{Stream: stream, MaxDepth: 64})
			valid := json.Valid(b) && utf8.Valid(b)
			if !stream {
				if valid && err == nil {
					checkAgainstStd(t, string(b), tr)
				}
				if err == nil && !json.Valid(b) {
					t.Fatalf("accepted invalid JSON %q", b)
				}
				if valid && err != nil && !errors.Is(err, ErrTooDeep) {
					t.Fatalf("rejected valid JSON %q: %v", b, err)
				}
			} else if err == nil {
				if len(bytes.TrimSpace(b)) == 0 {
					t.Fatal("empty stream accepted")
				}
				checkAgainstStd(t, string(b), tr)
			}
		}
		if tr, err := Parse(b, Options{TextLines: true, MaxDepth: 64}); err == nil {
			for r := range tr.Roots() {
				if k := tr.Kind(r); k != Line && !Valid(tr.Raw(r), Options{}) {
					t.Fatalf("text-lines root %q of kind %q is not JSON", tr.Raw(r), k)
				}
			}
		}
	})
}
