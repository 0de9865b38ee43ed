package compress

import (
	"fmt"
	"strings"
)

// Generated compiler diagnostics walls (written for this project): the
// same few warning kinds repeated over many files, each with its code
// frame, and one rare diagnostic among them.

// diagKind is one warning kind of a generated wall: the message (with %s
// for a name that varies by file), the source line and the caret line.
type diagKind struct {
	line, col    int
	msg, flag    string
	src, caret   string
	inFunc       int
	varyingNames bool
}

var cDiagKinds = []diagKind{
	{7, 7, "unused variable '%s_total'", "-Wunused-variable", "  int %s_total;", "      ^~~~~~~~~~~", 0, true},
	{13, 12, "format '%%d' expects argument of type 'int', but argument 2 has type 'long int'", "-Wformat=", "  printf(\"%%d\\n\", n);", "           ~^     ~", 1, false},
	{17, 9, "comparison of integer expressions of different signedness: 'unsigned int' and 'int'", "-Wsign-compare", "  if (u < i) return 1;", "        ^", 2, false},
	{23, 1, "control reaches end of non-void function", "-Wreturn-type", "}", "^", 3, false},
	{27, 3, "'p' is used uninitialized", "-Wuninitialized", "  strcpy(dst, p);", "  ^~~~~~~~~~~~~~", 4, false},
	{30, 12, "'%s_helper' defined but not used", "-Wunused-function", "static int %s_helper(void) { return 4; }", "           ^~~~~~~~~~~~~", -1, true},
	{39, 13, "this statement may fall through", "-Wimplicit-fallthrough=", "  case 1: m += 2;", "          ~~^~~~", 6, false},
	{46, 21, "comparison of integer expressions of different signedness: 'int' and 'size_t'", "-Wsign-compare", "  for (int i = 0; i < n; i++) b[i] = i;", "                    ^", 7, false},
	{51, 13, "comparison is always false due to limited range of data type", "-Wtype-limits", "  return *q == 0x7fffffffff;", "            ^~", 8, false},
}

// genCCWall returns gcc-style output of compiling files (base names
// without ".c"): every kind of cDiagKinds in every file, a rare truncation
// warning with its note in the file at index rare, and one error in the
// last file.
func genCCWall(files []string, rare int) string {
	var sb strings.Builder
	for fi, f := range files {
		for _, k := range cDiagKinds {
			if k.inFunc >= 0 {
				fmt.Fprintf(&sb, "%s.c: In function '%s_fn%d':\n", f, f, k.inFunc)
			} else {
				fmt.Fprintf(&sb, "%s.c: At top level:\n", f)
			}
			msg, src := strings.ReplaceAll(k.msg, "%%", "%"), strings.ReplaceAll(k.src, "%%", "%")
			if k.varyingNames {
				msg, src = fmt.Sprintf(k.msg, f), fmt.Sprintf(k.src, f)
			}
			fmt.Fprintf(&sb, "%s.c:%d:%d: warning: %s [%s]\n", f, k.line, k.col, msg, k.flag)
			fmt.Fprintf(&sb, "%5d | %s\n      | %s\n", k.line, src, k.caret)
		}
		if fi == rare {
			fmt.Fprintf(&sb, "%s.c: In function '%s_path':\n", f, f)
			fmt.Fprintf(&sb, "%s.c:57:33: warning: '%%s' directive output truncated writing 17 bytes into a region of size 15 [-Wformat-truncation=]\n", f)
			sb.WriteString("   57 |   snprintf(buf, sizeof buf, \"%s/%s.conf\", dir, \"site-default\");\n")
			sb.WriteString("      |                                 ^~             ~~~~~~~~~~~~~~\n")
			fmt.Fprintf(&sb, "%s.c:57:3: note: 'snprintf' output 23 or more bytes into a destination of size 16\n", f)
			sb.WriteString("   57 |   snprintf(buf, sizeof buf, \"%s/%s.conf\", dir, \"site-default\");\n")
			sb.WriteString("      |   ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n")
		}
		if fi == len(files)-1 {
			fmt.Fprintf(&sb, "%s.c: In function '%s_send':\n", f, f)
			fmt.Fprintf(&sb, "%s.c:62:10: error: 'retry_limit' undeclared (first use in this function)\n", f)
			sb.WriteString("   62 |   return retry_limit;\n      |          ^~~~~~~~~~~\n")
		}
	}
	return sb.String()
}

// rsDiagKind is one warning kind of a generated rustc-style wall.
type rsDiagKind struct {
	msg, src, label, note string
}

var rsDiagKinds = []rsDiagKind{
	{"unused variable: `%s_count`", "    let %s_count = 0;", "^^^^^^^^^^^^ help: if this is intentional, prefix it with an underscore", "`#[warn(unused_variables)]` on by default"},
	{"variable does not need to be mutable", "    let mut total = items.len();", "----^^^^^\n   |     |\n   |     help: remove this `mut`", "`#[warn(unused_mut)]` on by default"},
	{"unused import: `std::collections::HashMap`", "use std::collections::HashMap;", "    ^^^^^^^^^^^^^^^^^^^^^^^^^", "`#[warn(unused_imports)]` on by default"},
	{"function `%s_legacy` is never used", "fn %s_legacy(x: u32) -> u32 {", "   ^^^^^^^^^^^^", "`#[warn(dead_code)]` on by default"},
	{"unnecessary parentheses around `if` condition", "    if (limit > 10) {", "       ^          ^", "`#[warn(unused_parens)]` on by default"},
	{"value assigned to `pos` is never read", "        pos = pos + 1;", "        ^^^", "maybe it is overwritten before being read?"},
}

// genRustWall returns rustc-style output: every kind of rsDiagKinds in
// every module, one error in module errAt, and cargo's summary lines.
func genRustWall(mods []string, errAt int) string {
	var sb strings.Builder
	sb.WriteString("   Compiling widgets v0.3.1 (/home/dev/src/widgets)\n")
	n := 0
	for mi, m := range mods {
		for ki, k := range rsDiagKinds {
			line := 10 + ki*9 + mi%3
			msg, src := k.msg, k.src
			if strings.Contains(msg, "%s") {
				msg, src = fmt.Sprintf(k.msg, m), fmt.Sprintf(k.src, m)
			}
			col := len(src) - len(strings.TrimLeft(src, " ")) + 1
			fmt.Fprintf(&sb, "warning: %s\n  --> src/%s.rs:%d:%d\n   |\n%2d | %s\n   | %s\n   |\n   = note: %s\n\n", msg, m, line, col, line, src, strings.Repeat(" ", col-1)+k.label, k.note)
			n++
		}
		if mi == errAt {
			fmt.Fprintf(&sb, "error[E0308]: mismatched types\n  --> src/%s.rs:88:24\n   |\n88 |     let width: u16 = frame.width();\n   |                ---   ^^^^^^^^^^^^^ expected `u16`, found `u32`\n   |                |\n   |                expected due to this\n   |\nhelp: you can convert a `u32` to a `u16` and panic if the converted value doesn't fit\n   |\n88 |     let width: u16 = frame.width().try_into().unwrap();\n   |                                   ++++++++++++++++++++\n\n", m)
		}
	}
	fmt.Fprintf(&sb, "For more information about this error, try `rustc --explain E0308`.\nwarning: `widgets` (lib) generated %d warnings\nerror: could not compile `widgets` (lib) due to 1 previous error; %d warnings emitted\n", n, n)
	return sb.String()
}

var diagFiles = []string{"arena", "cache", "codec", "dict", "event", "input", "label", "mesh", "queue", "shard", "table", "vault"}
