package compress

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// hints carries what a content compressor needs to know beyond the text:
// what the user asked for and how hard to squeeze. Built once per block by the
// native engine.
type hints struct {
	// taskTerms are distinctive lowercase terms of the user's task (see
	// taskTerms), narrowed to those that are rare in this block (see
	// rareTerms); lines or items that mention one are kept.
	taskTerms []string
	// stems are the terms of the task that are only stems of its words
	// ("upgrad" from "upgraded"): weaker evidence than the words themselves.
	stems []string
	// keepRatio is the share of lines/items lossy steps aim to keep, in
	// (0, 1]; 0 means the compressor decides.
	keepRatio float64
	// aggressive is set by the agent-90 profile: smaller heads, tails and
	// context windows.
	aggressive bool
	// isError is set when the tool result is flagged as an error.
	isError bool
	// nested counts how deep this text sits inside another block's content
	// (a log inside a JSON string); compressors do not recurse further.
	nested int
}

// contentCompressor rewrites a block of one content kind. It returns
// ok=false when it has nothing worth changing. When ok, out must be shorter
// than text and every line carrying an error signal or a task term must
// survive.
type contentCompressor func(text string, h *hints) (out string, ok bool)

// errorSignalRE is the reference definition of an error signal: a line
// that reports a problem. Case-insensitive, on word boundaries so that
// "terror" does not count. A signal word counts only where it reads as a
// report, not as part of a name: not as a path component or file name
// ("pkg/errors.go", "errors/"), not as a qualified identifier
// ("rows.Err()", "errors.New", "log.Fatal"), not inside a command-line flag
// (a whitespace-delimited token that starts with '-': "--fail-fast",
// "-Wno-error=x"), not as the value of a flag (the token right after a
// token such as "-p" or "--pkg": "-p errors" names a package), not as the
// inner part of a hyphenated name ("libgpg-error-dev"; "non-fatal" and
// "error-prone" still count) and not as the key of a key=value whose value
// is a path, variable or number ("errors=/tmp/b004", "timeout=30s"). Go's
// "err" identifier is everywhere in code; only the upper-case "ERR" (npm
// ERR!, [ERR]) counts. hasErrorSignal implements the same match without
// the regexp engine because it runs on every line of every block; a
// differential fuzz test keeps the two in agreement.
var errorSignalRE = regexp.MustCompile(`(?i)(` + signalStart + `(?:` +
	signalPre + signalWords + signalPost + `|` +
	signalPreHyphen + signalWords + signalPostHyphen +
	`)|exit (status|code) [1-9]|\*\*\*|^--- (FAIL|SKIP)|^FAIL\b)`)

// signalWords are the signal words of errorSignalRE.
const signalWords = `(error|errors|(?-i:ERR)|fail|failed|failure|fatal|panic|panicked|exception|traceback|denied|refused|timeout|timed out|warning|warn|critical|abort|aborted|segfault|undefined|cannot|unable)`

// signalStart is where the token holding a signal word starts in
// errorSignalRE: at the line start, or after the blanks that follow a
// token that is not a flag (see nonFlagToken).
const signalStart = `(?:^\s*|(?:^|\s)` + nonFlagToken + `\s+)`

// signalPre is the part of the token before a signal word in
// errorSignalRE, if any: it must not start with '-' (a flag) and must end
// in a separator other than '/', '\\', a '.' that follows a word
// character (a path or a qualified name) or a '-' that follows one (see
// signalPreHyphen).
const signalPre = `(?:[^\s\w/\\\-]|[^\s\-]\S*[^\s\w/\\.\-]|(?:[^\s\-]\S*[^\s\w]|[^\s\w\-])-|[^\s\-]\S*[^\s\w]\.|[^\s\w\-]\.)?`

// signalPreHyphen is a token part before a signal word that ends in a word
// character and '-' ("non-"): then the word counts unless it is itself
// followed by '-' and a word character (signalPostHyphen).
const signalPreHyphen = `(?:[^\s\-]\S*)?\w-`

// signalPostHyphen is signalPost without a '-' that continues a
// hyphenated name.
const signalPostHyphen = `(?:$|[^\w/\\.=\-]|-(?:$|\W)|\.(?:$|\W)|=(?:$|[^/$.0-9]))`

// nonFlagToken matches a whitespace-delimited token that is not a flag
// whose value may follow it, that is anything but '-' or "--", a letter,
// then only word characters and '-' ("-p", "--pkg"). A lone "-" or "--",
// "->", "-1" or "--x=y" is not such a flag.
const nonFlagToken = `(?:[^\s\-]\S*|--?|-[^\s\-A-Za-z]\S*|--[^\sA-Za-z]\S*|--?[A-Za-z][\w\-]*[^\s\w\-]\S*)`

// signalPost is what may follow a signal word in errorSignalRE: the end of
// the line or a separator that does not continue a path ('/', '\\'), a
// file name or qualified name ('.' and a word character) or a key=value
// whose value is a path, variable or number.
const signalPost = `(?:$|[^\w/\\.=]|\.(?:$|\W)|=(?:$|[^/$.0-9]))`

// errorWords are the words of errorSignalRE that must stand alone (word
// boundaries on both sides), grouped by their lowercase first letter.
// "ERR" is matched separately (upper case only).
var errorWords = [26][]string{
	0:  {"abort", "aborted"},   // a
	2:  {"cannot", "critical"}, // c
	3:  {"denied"},             // d
	4:  {"error", "errors", "exception"},
	5:  {"fail", "failed", "failure", "fatal"},
	15: {"panic", "panicked"}, // p
	17: {"refused"},           // r
	18: {"segfault"},          // s
	19: {"timeout", "traceback"},
	20: {"unable", "undefined"},
	22: {"warn", "warning"},
}

// isWordByte reports whether c is a regexp \w byte (ASCII word character).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// isSpaceByte reports whether c is a regexp \s byte.
func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// hasErrorSignal reports whether line carries an error signal that must be
// kept by every lossy step. It matches exactly what errorSignalRE matches.
func hasErrorSignal(line string) bool {
	if len(line) >= 8 && line[:4] == "--- " && (strings.EqualFold(line[4:8], "fail") || strings.EqualFold(line[4:8], "skip")) {
		return true
	}
	if len(line) >= 4 && strings.EqualFold(line[:4], "fail") && (len(line) == 4 || !isWordByte(line[4])) {
		return true
	}
	if strings.Contains(line, "***") {
		return true
	}
	tokStart := 0      // start of the whitespace-delimited token being scanned
	afterFlag := false // the previous token is a flag, so this one is its value
	for i := 0; i < len(line); i++ {
		if !isWordByte(line[i]) {
			if isSpaceByte(line[i]) {
				if i > tokStart {
					afterFlag = isFlagToken(line[tokStart:i])
				}
				tokStart = i + 1
			}
			continue
		}

		// A word starts at i: find its end.
		j := i + 1
		for j < len(line) && isWordByte(line[j]) {
			j++
		}
		w := line[i:j]
		if c := w[0] | 0x20; c >= 'a' && c <= 'z' {
			found := false
			for _, cand := range errorWords[c-'a'] {
				if len(cand) == len(w) && strings.EqualFold(cand, w) {
					found = true
					break
				}
			}
			if !found && w == "ERR" {
				found = true
			}
			if found && !afterFlag && reportContext(line, tokStart, i, j) {
				return true
			}
			// "timed out" (exactly one space, as in the reference).
			if !afterFlag && strings.EqualFold(w, "timed") && j+4 <= len(line) && line[j] == ' ' &&
				strings.EqualFold(line[j+1:j+4], "out") && (j+4 == len(line) || !isWordByte(line[j+4])) &&
				reportContext(line, tokStart, i, j+4) {
				return true
			}
		}
		// "exit status N" / "exit code N", N in 1..9; the reference puts
		// no boundary before "exit", so it may end a longer word.
		if len(w) >= 4 && strings.EqualFold(w[len(w)-4:], "exit") && exitNonZero(line[j:]) {
			return true
		}
		i = j - 1
	}
	return false
}

// isFlagToken reports whether tok (non-empty, no blanks) is a flag that
// may take the next token as its value: '-' or "--", a letter, then only
// word characters and '-' (see nonFlagToken).
func isFlagToken(tok string) bool {
	i := 1
	if len(tok) > 1 && tok[1] == '-' {
		i = 2
	}
	if tok[0] != '-' || i >= len(tok) || !(tok[i]|0x20 >= 'a' && tok[i]|0x20 <= 'z') {
		return false
	}
	for _, c := range []byte(tok[i:]) {
		if !isWordByte(c) && c != '-' {
			return false
		}
	}
	return true
}

// reportContext reports whether the signal word at line[i:j], in the token
// that starts at tok, reads as a report rather than as part of a path,
// file name, qualified identifier, flag or key=value setting (see
// errorSignalRE).
func reportContext(line string, tok, i, j int) bool {
	if i > tok {
		if line[tok] == '-' {
			return false // a flag
		}
		switch p := line[i-1]; {
		case p == '/' || p == '\\':
			return false
		case p == '.' && i-2 >= tok && isWordByte(line[i-2]):
			return false
		case p == '-' && i-2 >= tok && isWordByte(line[i-2]) &&
			j+1 < len(line) && line[j] == '-' && isWordByte(line[j+1]):
			return false // inside a hyphenated name
		}
	}
	if j < len(line) {
		switch n := line[j]; n {
		case '/', '\\':
			return false
		case '.':
			return j+1 == len(line) || !isWordByte(line[j+1])
		case '=':
			return j+1 == len(line) || strings.IndexByte("/$.0123456789", line[j+1]) < 0
		}
	}
	return true
}

// exitNonZero reports whether rest starts with " status N" or " code N",
// N in 1..9 (case-insensitive).
func exitNonZero(rest string) bool {
	for _, kw := range [...]string{" status ", " code "} {
		if len(rest) > len(kw) && strings.EqualFold(rest[:len(kw)], kw) {
			d := rest[len(kw)]
			return d >= '1' && d <= '9'
		}
	}
	return false
}

// stopWords are common words that say nothing about what matters in a tool
// output, so they never become task terms.
var stopWords = map[string]bool{
	"the": true, "and": true, "for": true, "with": true, "that": true, "this": true, "what": true,
	"which": true, "where": true, "when": true, "who": true, "why": true, "how": true, "are": true,
	"was": true, "were": true, "is": true, "it": true, "its": true, "of": true, "to": true, "in": true,
	"on": true, "at": true, "by": true, "an": true, "a": true, "or": true, "be": true, "do": true,
	"does": true, "did": true, "can": true, "could": true, "should": true, "would": true, "will": true,
	"me": true, "my": true, "you": true, "your": true, "we": true, "our": true, "i": true, "from": true,
	"there": true, "their": true, "them": true, "they": true, "these": true, "those": true, "have": true,
	"has": true, "had": true, "not": true, "but": true, "all": true, "any": true, "some": true, "one": true,
	"two": true, "three": true, "out": true, "into": true, "about": true, "just": true, "also": true,
	"please": true, "tell": true, "show": true, "find": true, "look": true, "give": true, "list": true,
	"need": true, "want": true, "know": true, "use": true, "used": true, "using": true, "file": true,
	"files": true, "line": true, "lines": true, "output": true, "run": true, "check": true, "see": true,
	"get": true, "got": true, "then": true, "than": true, "only": true, "each": true, "every": true,
	"here": true, "exact": true, "exactly": true, "now": true, "so": true, "if": true,
	"let": true, "let's": true, "whats": true, "what's": true, "it's": true, "don't": true, "up": true,
	"before": true, "after": true, "start": true, "anything": true, "something": true, "whether": true,
	"again": true, "still": true, "first": true, "last": true, "make": true, "sure": true, "like": true,
	"good": true, "thing": true, "things": true, "really": true, "actually": true, "currently": true,
	"today": true, "they're": true, "doesn't": true, "isn't": true, "i'm": true, "i've": true, "we're": true,
	"other": true, "same": true, "more": true, "most": true, "much": true, "many": true, "very": true,
	"explain": true, "read": true, "figure": true, "change": true, "changing": true, "edit": true,
	"around": true, "looking": true, "why?": true, "yet": true, "way": true, "able": true, "work": true,
}

// taskTerms extracts the distinctive terms of a user task: identifiers,
// paths, numbers and words of four or more letters that are not stop words,
// lowercased, de-duplicated, in first-seen order. Plural and inflected
// words also contribute their stem (resumes -> resume, upgraded -> upgrad)
// so that matching, which is by substring, finds the other forms. Quoted or
// backticked phrases are kept whole as well. Markup tags that agents wrap
// around their context (<cwd>...</cwd>) are ignored.
func taskTerms(task string) []string {
	var terms []string
	seen := map[string]bool{}
	add := func(t string) {
		t = strings.ToLower(strings.Trim(t, ".,;:!?()[]{}<>\"'`*"))
		if len(t) < 3 || stopWords[t] || seen[t] {
			return
		}
		seen[t] = true
		terms = append(terms, t)
	}
	task = tagRE.ReplaceAllString(task, " ")
	for _, f := range strings.FieldsFunc(task, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '?' || r == '!' || r == '"' || r == '`' || r == '(' || r == ')'
	}) {
		if len(f) >= 4 || strings.ContainsAny(f, "./_-:0123456789") {
			add(f)
			// "the/path/" and "pkg." forms: also the bare form.
			if s := strings.Trim(f, "./:"); s != f && len(s) >= 4 {
				add(s)
			}
			if st := stem(strings.ToLower(strings.Trim(f, ".,;:!?()[]{}<>\"'`*"))); st != "" {
				add(st)
			}
		}
	}
	for _, q := range []string{"`", "\""} {
		parts := strings.Split(task, q)
		for i := 1; i < len(parts); i += 2 {
			if p := strings.TrimSpace(parts[i]); p != "" && len(p) < 200 {
				add(p)
			}
		}
	}
	return terms
}

// stemTerms returns the stems taskTerms derives from the words of task
// that are not themselves words of the task, in first-seen order.
func stemTerms(task string) []string {
	words := map[string]bool{}
	var stems []string
	fields := strings.Fields(tagRE.ReplaceAllString(task, " "))
	for _, f := range fields {
		words[strings.ToLower(strings.Trim(f, ".,;:!?()[]{}<>\"'`*"))] = true
	}
	for _, f := range fields {
		st := stem(strings.ToLower(strings.Trim(f, ".,;:!?()[]{}<>\"'`*")))
		if st != "" && !words[st] && !slices.Contains(stems, st) {
			stems = append(stems, st)
		}
	}
	return stems
}

// tagRE matches short markup tags such as <cwd> or </environment_context>.
var tagRE = regexp.MustCompile(`</?[A-Za-z_][A-Za-z0-9_-]{0,40}>`)

// stem strips a common English inflection from a lowercase word so that
// the result is a prefix of the word's other forms: "resumes" -> "resume",
// "dependencies" -> "dependenc", "upgraded" -> "upgrad", "skipped" ->
// "skip". It returns "" when the word has no such suffix or the stem would
// be shorter than four letters, and leaves identifiers with digits or
// punctuation alone.
func stem(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return ""
		}
	}
	var s string
	switch {
	case strings.HasSuffix(w, "ies"):
		s = w[:len(w)-3]
	case strings.HasSuffix(w, "sses"):
		s = w[:len(w)-2]
	case strings.HasSuffix(w, "ing"):
		s = w[:len(w)-3]
	case strings.HasSuffix(w, "ed"):
		s = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		s = w[:len(w)-1]
	default:
		return ""
	}
	// Doubled final consonant: "skipped" -> "skipp" -> "skip".
	if n := len(s); n >= 5 && s[n-1] == s[n-2] && !strings.ContainsRune("aeiouls", rune(s[n-1])) {
		s = s[:n-1]
	}
	if len(s) < 4 || stopWords[s] {
		return ""
	}
	return s
}

// rareTerms narrows terms to those that are rare in text: a term found on
// more than max(3, 3%) of the text's lines (or line-sized stretches, for
// text with long lines) marks nothing in particular, so keeping every line
// that mentions it would keep most of the block. Order is preserved.
func rareTerms(terms []string, text string) []string {
	if len(terms) == 0 || text == "" {
		return nil
	}
	units := strings.Count(text, "\n") + 1
	if u := len(text) / 100; u > units {
		units = u
	}
	limit := max(3, units/33)
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		if n := countFold(text, t, limit+1); n > 0 && n <= limit {
			out = append(out, t)
		}
	}
	return out
}

// blockTerms returns the task terms a compressor uses for one block: the
// terms of the latest request in the task (its last line, with the line
// before when that one is short) that are rare in the block (rareTerms),
// then the terms of the earlier task text that are very rare in it (on at
// most max(2, 0.3%) of its lines). Earlier text is often standing context
// (an agent's environment preamble, an older question) whose words would
// otherwise mark large parts of an output as relevant.
func blockTerms(task, text string) []string {
	task = strings.TrimSpace(task)
	if task == "" || text == "" {
		return nil
	}
	cut := strings.LastIndexByte(task, '\n')
	for cut > 0 && len(task)-cut < 40 {
		cut = strings.LastIndexByte(task[:cut], '\n')
	}
	var latest, earlier string
	if cut < 0 {
		latest = task
	} else {
		latest, earlier = task[cut+1:], task[:cut]
	}
	terms := rareTerms(taskTerms(latest), text)
	if earlier == "" {
		return terms
	}
	units := strings.Count(text, "\n") + 1
	if u := len(text) / 100; u > units {
		units = u
	}
	limit := max(2, units/300)
	for _, t := range taskTerms(earlier) {
		if slices.Contains(terms, t) {
			continue
		}
		if n := countFold(text, t, limit+1); n > 0 && n <= limit {
			terms = append(terms, t)
		}
	}
	return terms
}

// countFold counts the non-overlapping case-insensitive occurrences of the
// lowercase term in s, stopping at stop.
func countFold(s, term string, stop int) int {
	n := 0
	for n < stop {
		i := indexFold(s, term)
		if i < 0 {
			break
		}
		n++
		s = s[i+len(term):]
	}
	return n
}

// indexFold returns the index of the first case-insensitive occurrence of
// the lowercase term in s, or -1. ASCII letters fold; other bytes must match
// exactly, except that a term with non-ASCII letters is compared after
// lowercasing s.
func indexFold(s, term string) int {
	if term == "" {
		return 0
	}
	for i := 0; i < len(term); i++ {
		if term[i] >= utf8.RuneSelf {
			return strings.Index(strings.ToLower(s), term)
		}
	}
	first := term[0]
	upper := first
	if first >= 'a' && first <= 'z' {
		upper = first - 'a' + 'A'
	}
	last := len(s) - len(term) // last possible start
	// Next candidate start of each case variant; recomputed only once the
	// scan has passed it, so the search stays linear even when one
	// variant never occurs.
	nextLo, nextUp := -2, -2
	if upper == first {
		nextUp = -1
	}
	for i := 0; i <= last; {
		if nextLo != -1 && nextLo < i {
			nextLo = strings.IndexByte(s[i:last+1], first)
			if nextLo >= 0 {
				nextLo += i
			}
		}
		if nextUp != -1 && nextUp < i {
			nextUp = strings.IndexByte(s[i:last+1], upper)
			if nextUp >= 0 {
				nextUp += i
			}
		}
		j := nextLo
		if j < 0 || (nextUp >= 0 && nextUp < j) {
			j = nextUp
		}
		if j < 0 {
			return -1
		}
		if equalFoldASCII(s[j:j+len(term)], term) {
			return j
		}
		i = j + 1
	}
	return -1
}

// equalFoldASCII reports whether s equals the lowercase term with ASCII
// letters of s folded to lowercase.
func equalFoldASCII(s, term string) bool {
	for k := 0; k < len(term); k++ {
		c := s[k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != term[k] {
			return false
		}
	}
	return true
}

// mentionsTask reports whether s contains one of the task terms
// (case-insensitive).
func mentionsTask(s string, terms []string) bool {
	for _, t := range terms {
		if indexFold(s, t) >= 0 {
			return true
		}
	}
	return false
}

// analysisIntentRE matches a task that asks to analyze or review code:
// then code-bearing output is the material itself and is left alone
// (protect_analysis_context).
var analysisIntentRE = regexp.MustCompile(`(?i)\b(analy[sz]e|analysis|review|audit|code walk-?through|walk me through)\b`)

// analysisIntent reports whether task asks to analyze or review code.
func analysisIntent(task string) bool {
	return analysisIntentRE.MatchString(task)
}
