package lines

import "strings"

// Severity grades how strongly a line reports a problem.
type Severity uint8

const (
	// NoSignal: the line reports nothing wrong.
	NoSignal Severity = iota
	// Warning: a warning or deprecation.
	Warning
	// Problem: an error, failure, crash, refusal, timeout or a non-zero exit.
	Problem
)

// signalWords are the words that report a problem or a warning when they
// stand alone (word boundaries on both sides, ASCII case folded), grouped
// by their lowercase first letter. "ERR" and errno names (ENOENT, EACCES)
// are matched separately, upper case only.
var signalWords = [26][]struct {
	w   string
	sev Severity
}{
	0:  {{"abort", Problem}, {"aborted", Problem}, {"assertion", Problem}},
	2:  {{"cannot", Problem}, {"critical", Problem}, {"conflict", Problem}, {"conflicts", Problem}, {"corrupt", Problem}, {"corrupted", Problem}, {"crash", Problem}, {"crashed", Problem}},
	3:  {{"denied", Problem}, {"deadlock", Problem}, {"deprecated", Warning}, {"deprecation", Warning}},
	4:  {{"error", Problem}, {"errors", Problem}, {"exception", Problem}},
	5:  {{"fail", Problem}, {"failed", Problem}, {"failure", Problem}, {"failures", Problem}, {"fatal", Problem}, {"fault", Problem}, {"forbidden", Problem}},
	8:  {{"invalid", Problem}, {"illegal", Problem}, {"incompatible", Problem}},
	10: {{"killed", Problem}},
	11: {{"leak", Problem}, {"leaked", Problem}, {"leaks", Problem}},
	12: {{"mismatch", Problem}, {"missing", Problem}},
	14: {{"overflow", Problem}},
	15: {{"panic", Problem}, {"panicked", Problem}},
	17: {{"refused", Problem}, {"rejected", Problem}},
	18: {{"segfault", Problem}},
	19: {{"timeout", Problem}, {"traceback", Problem}},
	20: {{"unable", Problem}, {"undefined", Problem}, {"unexpected", Problem}, {"unauthorized", Problem}, {"unresolved", Problem}, {"unsatisfiable", Problem}},
	21: {{"violation", Problem}},
	22: {{"warn", Warning}, {"warning", Warning}, {"warnings", Warning}},
}

// signalPhrases are two-word reports; the words are separated by exactly
// one space.
var signalPhrases = [...][2]string{{"timed", "out"}, {"not", "found"}, {"no", "such"}, {"core", "dumped"}}

// Signal reports how strongly line reports a problem. A signal word counts
// only where it reads as a report, not as part of a name: not as a path
// component or file name ("pkg/errors.go", "errors/"), not as a qualified
// identifier ("rows.Err()", "errors.New", "log.Fatal"), not inside a
// command-line flag (a token starting with '-': "--fail-fast",
// "-Wno-error=x"), not as the value of a flag ("-p errors" names a
// package), not as the inner part of a hyphenated name ("libgpg-error-dev";
// "non-fatal" and "error-prone" still count), and not as the key of a
// key=value whose value is a path, variable or number ("timeout=30s"). Go's
// "err" identifier is everywhere in code; only upper-case "ERR" counts, as
// do errno names (ENOENT). "exit status N" and "exit code N" count for N in
// 1..9. It allocates nothing and reads the line once.
func Signal(line string) Severity {
	best := NoSignal
	tokStart := 0      // start of the whitespace-delimited token being scanned
	afterFlag := false // the previous token is a flag, so this one is its value
	for i := 0; i < len(line); i++ {
		if !IsWordByte(line[i]) {
			if isSpace(line[i]) {
				if i > tokStart {
					afterFlag = isFlagToken(line[tokStart:i])
				}
				tokStart = i + 1
			}
			continue
		}
		j := i + 1
		for j < len(line) && IsWordByte(line[j]) {
			j++
		}
		w := line[i:j]
		if sev, isType := wordSeverity(w); sev > best && !afterFlag && (isType && line[tokStart] != '-' || reportContext(line, tokStart, i, j)) {
			// An error type reports even when qualified:
			// "java.lang.NullPointerException", "Caused by: x.ImportException".
			best = sev
			if best == Problem {
				return best
			}
		}
		if !afterFlag && len(w) <= 5 && (w[0]|0x20 == 't' || w[0]|0x20 == 'n' || w[0]|0x20 == 'c') {
			for _, ph := range signalPhrases {
				if strings.EqualFold(w, ph[0]) && j+1+len(ph[1]) <= len(line) && line[j] == ' ' &&
					strings.EqualFold(line[j+1:j+1+len(ph[1])], ph[1]) &&
					(j+1+len(ph[1]) == len(line) || !IsWordByte(line[j+1+len(ph[1])])) &&
					reportContext(line, tokStart, i, j+1+len(ph[1])) {
					return Problem
				}
			}
		}
		// "exit status N" / "exit code N", N in 1..9; "exit" may end a
		// longer word ("_exit status 3").
		if len(w) >= 4 && strings.EqualFold(w[len(w)-4:], "exit") && exitNonZero(line[j:]) {
			return Problem
		}
		i = j - 1
	}
	return best
}

// typeSuffixes end the names of error and warning types in CamelCase:
// SyntaxError, KeyError, NullPointerException, DeprecationWarning.
var typeSuffixes = [...]struct {
	s   string
	sev Severity
}{{"Error", Problem}, {"Exception", Problem}, {"Failure", Problem}, {"Fault", Problem}, {"Panic", Problem}, {"Warning", Warning}}

// wordSeverity is the severity of one word standing alone, and whether
// the word is the name of an error type (SyntaxError).
func wordSeverity(w string) (Severity, bool) {
	if len(w) < 3 {
		return NoSignal, false
	}
	if w[0] == 'E' && (w == "ERR" || w[1] >= 'A' && w[1] <= 'Z' && isErrnoName(w)) {
		return Problem, false
	}
	if w[0] == 'S' && strings.HasPrefix(w, "SIG") {
		return fatalSignal(w), false
	}
	if w[0] >= 'A' && w[0] <= 'Z' && len(w) >= 7 && strings.IndexByte("rntcg", w[len(w)-1]) >= 0 {
		for _, t := range typeSuffixes {
			if n := len(w) - len(t.s); n >= 2 && w[n:] == t.s && w[n-1] >= 'a' && w[n-1] <= 'z' {
				return t.sev, true
			}
		}
	}
	if len(w) > 13 {
		return NoSignal, false
	}
	c := w[0] | 0x20
	if c < 'a' || c > 'z' {
		return NoSignal, false
	}
	for _, cand := range signalWords[c-'a'] {
		if len(cand.w) == len(w) && strings.EqualFold(cand.w, w) {
			return cand.sev, false
		}
	}
	return NoSignal, false
}

// isErrnoName reports an errno name (ENOENT, EACCES, ECONNREFUSED): the
// POSIX and Linux error numbers' symbolic names, a closed set, so that
// ESTABLISHED, EXAMPLES or ENVIRONMENT are not taken for one.
func isErrnoName(w string) bool {
	if len(w) < 4 || len(w) > 15 {
		return false
	}
	_, ok := errnoNames[w]
	return ok
}

var errnoNames = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, n := range strings.Fields(`E2BIG EACCES EADDRINUSE EADDRNOTAVAIL EADV EAFNOSUPPORT EAGAIN EALREADY
		EBADE EBADF EBADFD EBADMSG EBADR EBADRQC EBADSLT EBFONT EBUSY ECANCELED ECHILD ECHRNG ECOMM
		ECONNABORTED ECONNREFUSED ECONNRESET EDEADLK EDEADLOCK EDESTADDRREQ EDOM EDOTDOT EDQUOT EEXIST
		EFAULT EFBIG EHOSTDOWN EHOSTUNREACH EHWPOISON EIDRM EILSEQ EINPROGRESS EINTR EINVAL EIO EISCONN
		EISDIR EISNAM EKEYEXPIRED EKEYREJECTED EKEYREVOKED EL2HLT EL2NSYNC EL3HLT EL3RST ELIBACC ELIBBAD
		ELIBEXEC ELIBMAX ELIBSCN ELNRNG ELOOP EMEDIUMTYPE EMFILE EMLINK EMSGSIZE EMULTIHOP ENAMETOOLONG
		ENAVAIL ENETDOWN ENETRESET ENETUNREACH ENFILE ENOANO ENOBUFS ENOCSI ENODATA ENODEV ENOENT ENOEXEC
		ENOKEY ENOLCK ENOLINK ENOMEDIUM ENOMEM ENOMSG ENONET ENOPKG ENOPROTOOPT ENOSPC ENOSR ENOSTR ENOSYS
		ENOTBLK ENOTCONN ENOTDIR ENOTEMPTY ENOTNAM ENOTRECOVERABLE ENOTSOCK ENOTSUP ENOTTY ENOTUNIQ ENXIO
		EOPNOTSUPP EOVERFLOW EOWNERDEAD EPERM EPFNOSUPPORT EPIPE EPROTO EPROTONOSUPPORT EPROTOTYPE ERANGE
		EREMCHG EREMOTE EREMOTEIO ERESTART ERFKILL EROFS ESHUTDOWN ESOCKTNOSUPPORT ESPIPE ESRCH ESRMNT
		ESTALE ESTRPIPE ETIME ETIMEDOUT ETOOMANYREFS ETXTBSY EUCLEAN EUNATCH EUSERS EWOULDBLOCK EXDEV EXFULL`) {
		m[n] = struct{}{}
	}
	return m
}()

// fatalSignal grades a POSIX signal name: those the kernel sends a
// process that crashed (SIGSEGV, SIGABRT) are problems, a kill or an
// interrupt a warning, the others (SIGCHLD, SIGHUP) nothing.
func fatalSignal(w string) Severity {
	switch w {
	case "SIGSEGV", "SIGABRT", "SIGBUS", "SIGFPE", "SIGILL", "SIGSYS", "SIGTRAP", "SIGKILL", "SIGXCPU", "SIGXFSZ":
		return Problem
	case "SIGTERM", "SIGINT", "SIGQUIT", "SIGPIPE":
		return Warning
	}
	return NoSignal
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// isFlagToken reports whether tok (non-empty, no blanks) is a flag that may
// take the next token as its value: '-' or "--", a letter, then only word
// characters and '-'.
func isFlagToken(tok string) bool {
	i := 1
	if len(tok) > 1 && tok[1] == '-' {
		i = 2
	}
	if tok[0] != '-' || i >= len(tok) || !(tok[i]|0x20 >= 'a' && tok[i]|0x20 <= 'z') {
		return false
	}
	for _, c := range []byte(tok[i:]) {
		if !IsWordByte(c) && c != '-' {
			return false
		}
	}
	return true
}

// reportContext reports whether the signal word at line[i:j], in the token
// that starts at tok, reads as a report rather than as part of a path, file
// name, qualified identifier, flag or key=value setting.
func reportContext(line string, tok, i, j int) bool {
	if i > tok {
		if line[tok] == '-' {
			return false // a flag
		}
		switch p := line[i-1]; {
		case p == '/' || p == '\\':
			return false
		case p == '.' && i-2 >= tok && IsWordByte(line[i-2]):
			return false
		case p == '-' && i-2 >= tok && IsWordByte(line[i-2]) &&
			j+1 < len(line) && line[j] == '-' && IsWordByte(line[j+1]):
			return false // inside a hyphenated name
		}
	}
	if j < len(line) {
		switch line[j] {
		case '/', '\\':
			return false
		case '.':
			return j+1 == len(line) || !IsWordByte(line[j+1])
		case '=':
			return j+1 == len(line) || strings.IndexByte("/$.0123456789", line[j+1]) < 0
		}
	}
	return true
}

// exitNonZero reports whether rest starts with " status N" or " code N", N
// in 1..9 (case-insensitive), allowing a ':' after the keyword.
func exitNonZero(rest string) bool {
	for _, kw := range [...]string{" status ", " code ", " status: ", " code: "} {
		if len(rest) > len(kw) && strings.EqualFold(rest[:len(kw)], kw) {
			d := rest[len(kw)]
			return d >= '1' && d <= '9'
		}
	}
	return false
}

// summaryNouns are the words that, right after a count, make a line read as
// a tally of a run ("12 passed", "3 errors", "added 493 packages").
var summaryNouns = map[string]bool{
	"passed": true, "failed": true, "failing": true, "passing": true, "pending": true, "skipped": true,
	"error": true, "errors": true, "warning": true, "warnings": true, "problem": true, "problems": true,
	"test": true, "tests": true, "suites": true, "suite": true, "examples": true, "assertions": true,
	"packages": true, "package": true, "files": true, "file": true, "modules": true, "crates": true,
	"succeeded": true, "ok": true, "ignored": true, "measured": true, "filtered": true, "deselected": true,
	"upgraded": true, "installed": true, "removed": true, "added": true, "changed": true, "newly": true,
	"insertions": true, "deletions": true, "blocks": true, "bytes": true, "contexts": true, "total": true,
	"issues": true, "notes": true, "hints": true, "fixable": true, "xfailed": true, "xpassed": true,
	"requests": true, "commits": true, "lines": true, "items": true, "records": true, "rows": true,
}

// summaryWords mark a tally or verdict line wherever they stand.
var summaryWords = map[string]bool{
	"summary": true, "total": true, "totals": true, "success": true, "successful": true,
	"finished": true, "completed": true, "done": true, "result": true, "results": true,
}

// Summary reports whether line reads as a tally or verdict of a run: a count
// followed by a result noun ("5 passed, 1 failed", "Found 3 errors",
// "added 493 packages in 23s"), or a short line with a word such as summary,
// total, success or finished. Callers weigh it by position: such lines
// matter most at the end of an output.
func Summary(line string) bool {
	if len(line) > 300 {
		return false
	}
	prevNum := false
	short := len(strings.TrimSpace(line)) <= 80
	found := false
	Words(line, func(w string, _, _ int) bool {
		if AllDigits(w) {
			prevNum = true
			return true
		}
		lw := Fold(w)
		if prevNum && summaryNouns[lw] {
			found = true
			return false
		}
		if short && summaryWords[lw] {
			found = true
			return false
		}
		prevNum = false
		return true
	})
	return found
}
