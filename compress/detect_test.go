package compress

import (
	"fmt"
	"strings"
	"testing"
)

func TestDetectKind(t *testing.T) {
	goSrc := "package main\n\nimport \"fmt\"\n\n// main prints.\nfunc main() {\n\tx := 1\n\tif x > 0 {\n\t\tfmt.Println(\"error: none\")\n\t}\n}\n"
	var catN strings.Builder
	for i, l := range strings.Split(goSrc, "\n") {
		catN.WriteString(strings.Repeat(" ", 5) + string(rune('1'+i%9)) + "\t" + l + "\n")
	}
	var readTool strings.Builder
	for i, l := range strings.Split(goSrc, "\n") {
		readTool.WriteString("     " + string(rune('1'+i%9)) + "→" + l + "\n")
	}
	pySrc := "import os\n\n\ndef copy(src, dst):\n    if not os.path.exists(src):\n        raise OSError('missing')\n    return dst\n\n\nclass Error(Exception):\n    pass\n"
	// A traceback of a recursion quotes a source line under every frame.
	var trace strings.Builder
	trace.WriteString("Traceback (most recent call last):\n  File \"/srv/app/boot.py\", line 24, in boot\n    run(40)\n")
	for i := range 30 {
		fmt.Fprintf(&trace, "  File \"/srv/app/boot.py\", line %d, in step\n    return step(n-1, fn)\n           ^^^^^^^^^^^^^^^^\n", 18+i%2*3)
	}
	trace.WriteString("KeyError: 'pool'\n")
	cases := map[string]struct {
		text string
		want Kind
	}{
		"traceback":   {trace.String(), KindLog},
		"json array":  {genJSONEvents(5, "  "), KindJSON},
		"json stream": {"{\"a\": 1}\n{\"a\": 2}\n", KindJSON},
		"json object": {`{"k":"v","n":[1,2]}`, KindJSON},
		"broken json": {`{"k": "v",`, KindText},
		"html":        {genHTML(3), KindHTML},
		"go source":   {goSrc, KindCode},
		"cat -n":      {catN.String(), KindCode},
		"read tool":   {readTool.String(), KindCode},
		"python":      {pySrc, KindCode},
		"table":       {genTable(20), KindTable},
		"prose": {"The engine reads every block once and decides what it is.\nSource code and prose are left as they are, since a model reads them closely.\n" +
			"Logs, listings and tables are where the tokens go.\nA short note replaces what was dropped, so nothing points nowhere.\n" +
			"Those notes use the idiom of the content they stand in.\nThat keeps the rewritten text familiar to the reader.\n", KindText},
	}
	for name, c := range cases {
		if got := detectKind(c.text); got != c.want {
			t.Errorf("%s: detected %s, want %s", name, got, c.want)
		}
	}
}

func TestStripLineNumber(t *testing.T) {
	for in, want := range map[string]string{
		"    12\tfunc x() {": "func x() {",
		"     3→import os":   "import os",
		"12345678\tx":        "12345678\tx",
		"no number":          "no number",
		"  42 not a tab":     "  42 not a tab",
	} {
		if got := stripLineNumber(in); got != want {
			t.Errorf("stripLineNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDetectKind: detection never panics and is deterministic.
func FuzzDetectKind(f *testing.F) {
	f.Add(genLog(10))
	f.Add(genTable(5))
	f.Add("{\"a\":")
	f.Add("<html><p>x")
	f.Fuzz(func(t *testing.T, in string) {
		if a, b := detectKind(in), detectKind(in); a != b {
			t.Fatalf("nondeterministic: %s vs %s", a, b)
		}
	})
}
