package fold

import (
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Byte dumps: runs of lines that are nothing but encoded bytes — hex byte
// pairs ("ab:cd:ef:…", "ab cd ef …", as keys, moduli, signatures and
// fingerprints print) or long base64 lines (a PEM body, an inline blob).
// Each line of one is unique, so shape and novelty rank it high, and a task
// term that happens to be a hex pair ("ca", "be") makes it look relevant;
// yet nobody reads the 30th line of a modulus. A run keeps its first line,
// which shows what it is, and the rest competes for nothing: it becomes
// one note counting its lines, and the fields around it (dates, names,
// algorithms) fit the budget instead. A line the task names strongly (a
// fingerprint quoted in the question) stays.

// minDumpRun is the fewest lines a dump run has.
const minDumpRun = 3

// dumpKind says what a line encodes: "hex" for hex byte pairs, "base64",
// or "" for anything else.
func dumpKind(l string) string {
	t := strings.TrimSpace(l)
	if len(t) < 16 {
		return ""
	}
	if hexPairs(t) {
		return "hex"
	}
	if base64Line(t) {
		return "base64"
	}
	return ""
}

// hexPairs reports a line of at least eight hex byte pairs separated by
// ':' or one blank, a separator after the last allowed.
func hexPairs(t string) bool {
	pairs := 0
	var sep byte
	for i := 0; i < len(t); {
		if i+2 > len(t) || !isHex(t[i]) || !isHex(t[i+1]) {
			return false
		}
		pairs++
		i += 2
		if i == len(t) {
			break
		}
		if t[i] != ':' && t[i] != ' ' || sep != 0 && t[i] != sep {
			return false
		}
		sep = t[i]
		i++
	}
	return pairs >= 8
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// base64Line reports a line of at least 48 base64 characters with no
// blank, mixing upper and lower case letters and digits (a word, a path or
// an identifier does not).
func base64Line(t string) bool {
	if len(t) < 48 {
		return false
	}
	end := len(t)
	for end > 0 && t[end-1] == '=' {
		end--
	}
	if len(t)-end > 2 {
		return false
	}
	upper, lower, digit := 0, 0, 0
	for i := 0; i < end; i++ {
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= 'a' && c <= 'z':
			lower++
		case c >= '0' && c <= '9':
			digit++
		case c == '+' || c == '/':
		default:
			return false
		}
	}
	return upper >= 4 && lower >= 4 && digit >= 2
}

// dumpRuns marks the lines after the first of every run of at least
// minDumpRun dump lines of one kind and indentation, and returns the kind
// of each marked line ("" elsewhere); nil when there is none.
func dumpRuns(b *lines.Lines) []string {
	var tail []string
	n := len(b.L)
	for i := 0; i < n; {
		k := dumpKind(b.L[i])
		if k == "" {
			i++
			continue
		}
		ind := lines.Indent(b.L[i])
		j := i + 1
		for j < n && dumpKind(b.L[j]) == k && lines.Indent(b.L[j]) == ind {
			j++
		}
		// The last line of a run is often short (the remainder of the
		// bytes): it belongs to it.
		if j < n && lines.Indent(b.L[j]) == ind && j-i >= minDumpRun-1 && shortTail(b.L[j], k) {
			j++
		}
		if j-i >= minDumpRun {
			if tail == nil {
				tail = make([]string, n)
			}
			for m := i + 1; m < j; m++ {
				tail[m] = k
			}
		}
		i = j
	}
	return tail
}

// shortTail reports the short last line of a dump of kind k: fewer hex
// pairs, or a shorter base64 line.
func shortTail(l, k string) bool {
	t := strings.TrimSpace(l)
	if t == "" {
		return false
	}
	if k == "hex" {
		for i := 0; i < len(t); i += 3 {
			if i+2 > len(t) || !isHex(t[i]) || !isHex(t[i+1]) || i+2 < len(t) && t[i+2] != ':' && t[i+2] != ' ' {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// quietDumps takes the lines after the first of every dump run (found by
// markKV) out of the selection, unless the task names them strongly.
func (p *plan) quietDumps() {
	for i, k := range p.dump {
		if k != "" && !p.ix.Strong(i) {
			p.must[i] = false
			p.prio[i] = 0
		}
	}
}

// dumpNote describes omitted lines [i, j) when they all continue one dump
// run ("12 more lines of hex bytes omitted"), or says how many of them
// did ("; 34 of hex bytes", for the end of another note); "" when none.
func (p *plan) dumpNote(i, j int) (whole, part string) {
	if p.dump == nil {
		return "", ""
	}
	n, k := 0, ""
	for m := i; m < j; m++ {
		if p.dump[m] != "" {
			n++
			k = p.dump[m]
		}
	}
	if n == 0 {
		return "", ""
	}
	what := "hex bytes"
	if k == "base64" {
		what = "base64"
	}
	if n == j-i && p.dump[i] == k && p.dump[j-1] == k {
		return lines.Count(n, "more line", "more lines") + " of " + what + " omitted", ""
	}
	return "", "; " + strconv.Itoa(n) + " of them " + what
}
