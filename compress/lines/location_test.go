package lines

import "testing"

func TestSourceLocation(t *testing.T) {
	for f, want := range map[string]bool{
		"src/a.c:12:5:":      true,
		"lib/app.js(69,8):":  true,
		"main.go:98":         true,
		"10:02:03":           false, // a time
		"buffer.c:":          false, // no line
		"warning:":           false,
		"http://host:80/x":   false,
		"a.c:12:5:warning:x": false,
	} {
		if got := SourceLocation(f); got != want {
			t.Errorf("SourceLocation(%q) = %v, want %v", f, got, want)
		}
	}
	if p := LocationPath("  config.c:57:3: note: here"); p != "config.c" {
		t.Errorf("LocationPath = %q", p)
	}
}
