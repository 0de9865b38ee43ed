package compress

import (
	"regexp"
	"strings"
	"unicode"
)

// hints carries what a content compressor needs to know beyond the text:
// what the user asked for and how hard to squeeze. Built once per block by the
// native engine.
type hints struct {
	// taskTerms are distinctive lowercase terms of the user's task (see
	// taskTerms); lines or items that mention one are kept.
	taskTerms []string
	// keepRatio is the share of lines/items lossy steps aim to keep, in
	// (0, 1]; 0 means the compressor decides.
	keepRatio float64
	// aggressive is set by the agent-90 profile: smaller heads, tails and
	// context windows.
	aggressive bool
	// isError is set when the tool result is flagged as an error.
	isError bool
}

// contentCompressor rewrites a block of one content kind. It returns
// ok=false when it has nothing worth changing. When ok, out must be shorter
// than text and every line carrying an error signal or a task term must
// survive.
type contentCompressor func(text string, h *hints) (out string, ok bool)

// errorSignalRE matches lines that report a problem. Case-insensitive, on
// word-ish boundaries so "errors.go" in a path still counts (it is cheap to
// keep) but "terror" does not.
var errorSignalRE = regexp.MustCompile(`(?i)(\b(error|errors|err|fail|failed|failure|fatal|panic|panicked|exception|traceback|denied|refused|timeout|timed out|warning|warn|critical|abort|aborted|segfault|undefined|cannot|unable)\b|exit (status|code) [1-9]|\*\*\*|^--- (FAIL|SKIP)|^FAIL\b)`)

// hasErrorSignal reports whether line carries an error signal that must be
// kept by every lossy step.
func hasErrorSignal(line string) bool {
	return errorSignalRE.MatchString(line)
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
	"here": true, "into,": true, "exact": true, "exactly": true, "now": true, "so": true, "if": true,
	"let": true, "let's": true, "whats": true, "what's": true, "it's": true, "don't": true, "up": true,
}

// taskTerms extracts the distinctive terms of a user task: identifiers,
// paths, numbers and words of four or more letters that are not stop words,
// lowercased, de-duplicated, in first-seen order. Quoted or backticked
// phrases are kept whole as well.
func taskTerms(task string) []string {
	var terms []string
	seen := map[string]bool{}
	add := func(t string) {
		t = strings.ToLower(strings.Trim(t, ".,;:!?()[]{}<>\"'`"))
		if len(t) < 3 || stopWords[t] || seen[t] {
			return
		}
		seen[t] = true
		terms = append(terms, t)
	}
	for _, f := range strings.FieldsFunc(task, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '?' || r == '!' || r == '"' || r == '`' || r == '(' || r == ')'
	}) {
		if len(f) >= 4 || strings.ContainsAny(f, "./_-:0123456789") {
			add(f)
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

// mentionsTask reports whether s contains one of the task terms
// (case-insensitive).
func mentionsTask(s string, terms []string) bool {
	if len(terms) == 0 {
		return false
	}
	ls := strings.ToLower(s)
	for _, t := range terms {
		if strings.Contains(ls, t) {
			return true
		}
	}
	return false
}
