package lines

import "strings"

// SourceLocation reports whether field f names a place in a source file,
// as compiler and linter diagnostics open: a path (it holds '.' or '/')
// then a line and optional column number, "src/a.c:12:5:" or
// "src/a.ts(12,5):".
func SourceLocation(f string) bool {
	i := strings.IndexAny(f, ":(")
	if i <= 0 || i+1 >= len(f) || !IsDigit(f[i+1]) || !strings.ContainsAny(f[:i], "./") {
		return false
	}
	for _, c := range []byte(f[i+1:]) {
		if !IsDigit(c) && c != ':' && c != ',' && c != ')' {
			return false
		}
	}
	return true
}

// LocationPath returns the file of the source location line l opens with
// (see SourceLocation), or "".
func LocationPath(l string) string {
	f, _, _ := strings.Cut(strings.TrimLeft(l, " \t"), " ")
	if !SourceLocation(f) {
		return ""
	}
	return f[:strings.IndexAny(f, ":(")]
}
