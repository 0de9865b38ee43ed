package compress

import (
	"fmt"
	"strings"
	"testing"
)

func TestDetectDiagnosticWalls(t *testing.T) {
	cSrc := "#include <stdio.h>\n\n/* sum adds the first n values. */\nstatic int sum(const int *v, int n) {\n\tint s = 0;\n\tfor (int i = 0; i < n; i++) {\n\t\ts += v[i];\n\t}\n\treturn s;\n}\n\nint main(void) {\n\tint v[] = {1, 2, 3};\n\tprintf(\"%d\\n\", sum(v, 3));\n\treturn 0;\n}\n"
	var catN strings.Builder
	for i, l := range strings.Split(cSrc, "\n") {
		fmt.Fprintf(&catN, "%6d\t%s\n", i+1, l)
	}
	for name, c := range map[string]struct {
		text string
		want Kind
	}{
		"gcc-style wall":   {genCCWall(diagFiles[:8], 2), KindLog},
		"rustc-style wall": {genRustWall(diagFiles, 5), KindLog},
		"cat -n C source":  {catN.String(), KindCode},
	} {
		if got := detectKind(c.text); got != c.want {
			t.Errorf("%s: detected %s, want %s", name, got, c.want)
		}
	}
}

// TestDiagnosticWallFold: a wall of the same warnings in every file keeps
// one exemplar of every kind with its code frame, the one rare diagnostic
// whole with its note, the error, and cargo's summary; the rest is noted.
func TestDiagnosticWallFold(t *testing.T) {
	n := newTestNative(t, NativeConfig{})
	check := func(name, text string, want []string) {
		t.Helper()
		res := compressOne(t, n, DefaultConfig(), "", Block{Source: ToolOutput, Role: "user", Text: text, Task: "Build the project and tell me what needs fixing."})
		r := res.Blocks[0]
		if !r.Changed || r.Kind != KindLog {
			t.Fatalf("%s: changed %v kind %s", name, r.Changed, r.Kind)
		}
		if len(r.Text)*3 > len(text) {
			t.Errorf("%s: kept %d of %d bytes", name, len(r.Text), len(text))
		}
		for _, w := range want {
			if !strings.Contains(r.Text, w) {
				t.Errorf("%s: lost %q", name, w)
			}
		}
		if !strings.Contains(r.Text, "more blocks like") {
			t.Errorf("%s: no note counts the folded diagnostics:\n%s", name, r.Text)
		}
	}
	cc := genCCWall(diagFiles[:8], 2)
	var want []string
	for _, k := range cDiagKinds {
		// The first file's diagnostic of every kind, with its frame.
		msg := strings.ReplaceAll(k.msg, "%%", "%")
		if k.varyingNames {
			msg = fmt.Sprintf(k.msg, diagFiles[0])
		}
		want = append(want, fmt.Sprintf("%s.c:%d:%d: warning: %s [%s]\n%5d | ", diagFiles[0], k.line, k.col, msg, k.flag, k.line))
	}
	want = append(want,
		"codec.c:57:33: warning: '%s' directive output truncated",
		"codec.c:57:3: note: 'snprintf' output 23 or more bytes into a destination of size 16\n   57 |",
		"mesh.c:62:10: error: 'retry_limit' undeclared (first use in this function)\n   62 |   return retry_limit;")
	check("gcc-style", cc, want)

	rs := genRustWall(diagFiles, 5)
	want = nil
	for _, k := range rsDiagKinds {
		msg := k.msg
		if strings.Contains(msg, "%s") {
			msg = fmt.Sprintf(k.msg, diagFiles[0])
		}
		want = append(want, "warning: "+msg+"\n  --> src/"+diagFiles[0]+".rs:")
	}
	want = append(want,
		"error[E0308]: mismatched types\n  --> src/"+diagFiles[5]+".rs:88:24",
		"warning: `widgets` (lib) generated 72 warnings",
		"error: could not compile `widgets` (lib) due to 1 previous error; 72 warnings emitted")
	check("rustc-style", rs, want)
}
