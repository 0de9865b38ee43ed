package relevance

import (
	"strconv"
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// stopWords say nothing about which part of a tool output matters: common
// English and the verbs of asking for something. They never become terms.
var stopWords = setOf(`
a about above actually after again against all also am an and any anything are around as ask at
be because been before being below between both but by can cannot could did do does doing done
down during each either else even ever every few find first for from further get gets give go
going got had has have having he her here hers him his how however i if in into is it its itself
just keep know last least let lets like look looking made make many may me might mine more most
much must my need needs never new next no nor not now of off ok okay on once one only or other
our ours out over own please put quite rather really right run same see seem seems shall she
should show so some something still such sure take tell than thank thanks that the their theirs
them then there these they thing things think this those though through thus to too two three
under until up upon us use used uses using very via want wants was way we well were what whats
when where whether which while who whom whose why will with within without would yes yet you
your yours
able actual again already although among another anyone anywhere became become becomes begin
behind beside besides beyond came come comes couldn didn doesn don etc hadn hasn haven isn
let's it's what's that's there's i'm i've we're you're they're don't doesn't didn't isn't
wasn't aren't can't won't wouldn't shouldn't couldn't
check explain figure read change changing edit open print output outputs result results
line lines file files command commands tool tools run runs running ran
tell give list name names quote quoted paste verbatim exact exactly copy shown say says said
answer question questions help info information detail details part parts
today current currently now here there again still also just only even
good bad fine great nice sure really actually basically
`)

// intentWords carry an intent rather than a term (see intentOf); they do
// not mark lines by themselves.
var intentWords = setOf(`
largest biggest most highest maximum max top heaviest slowest longest greatest worst peak
smallest least fewest lowest minimum min fastest shortest lightest best
latest newest recent oldest earliest
whole full entire complete everything
many much count number total
analyze analyse analysis review audit walkthrough
`)

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// subjectVerbs follow a noun that is the subject of its clause.
var subjectVerbs = setOf(`is was are were has had needs need needed takes took uses used requires required
contains contained says said shows showed reports reported fits fit gets got`)

// intentOf reads what a request wants of an output from its words.
func intentOf(s string) Intent {
	var in Intent
	var prev, prev2 string
	var words []string
	lines.Words(s, func(w string, _, _ int) bool {
		words = append(words, lines.Fold(w))
		return true
	})
	for k, lw := range words {
		next := ""
		if k+1 < len(words) {
			next = words[k+1]
		}
		switch lw {
		case "quote", "quoted", "quoting", "verbatim", "paste", "exact", "exactly", "copy", "literally", "literal", "unedited":
			in |= Quote
		case "largest", "biggest", "highest", "maximum", "heaviest", "slowest", "longest", "greatest", "worst", "peak", "max", "top":
			in |= Max
		case "smallest", "fewest", "lowest", "minimum", "fastest", "shortest", "lightest", "min":
			in |= Min
		case "latest", "newest":
			in |= Newest
		case "oldest", "earliest":
			in |= Oldest
		case "recent":
			if prev == "most" {
				// "most recent" is about time, not size.
				in = in&^Max | Newest
			}
		case "analyze", "analyse", "analysis", "review", "audit", "walkthrough":
			in |= Analysis
		case "through":
			if prev == "walk" || prev == "me" && prev2 == "walk" {
				in |= Analysis
			}
		case "many":
			if prev == "how" {
				in |= Count
			}
		case "output", "log", "logs", "listing", "list", "file", "result", "results", "text", "dump", "trace", "diff", "response", "tree", "table", "report":
			switch prev {
			case "full", "complete", "entire":
				if lw == "list" {
					in |= Every
				}
			}
			switch prev {
			case "whole", "full", "entire", "complete", "unabridged", "untruncated":
				// "the full log line", "the complete output row": all
				// of one line, not all of the output.
				// "how many bytes the whole output needs": the subject
				// of a verb is talked about, not asked for.
				switch next {
				case "line", "lines", "entry", "entries", "row", "rows", "record", "records", "message", "event", "events":
				default:
					if !subjectVerbs[next] {
						in |= Whole
					}
				}
			}
		case "all", "every", "each":
			in |= Every
		case "markup", "tag", "tags", "attribute", "attributes":
			in |= Markup
		case "source", "code", "snippet", "element", "elements":
			if prev == "html" || prev == "xml" || prev == "svg" {
				in |= Markup
			}
		case "html", "xml", "svg":
			// "the exact HTML", "raw XML"; not "the pydoc HTML page".
			switch prev {
			case "exact", "raw", "original", "verbatim", "literal":
				in |= Markup
			}
		case "everything":
			if prev == "show" || prev == "paste" || prev == "print" || prev == "quote" {
				in |= Whole
			}
		case "it":
			if prev == "of" && prev2 == "all" {
				in |= Whole
			}
		}
		switch lw {
		case "most", "least":
			// "most memory", "most time": an extreme of a quantity.
			if lw == "most" {
				in |= Max
			} else {
				in |= Min
			}
		}
		prev2, prev = prev, lw
	}
	if markupSyntax(s) {
		in |= Markup
	}
	return in
}

// markupSyntax reports whether s holds a tag (<dt>, </a>, <!--) or an
// attribute with a quoted value (href="..."). A bare "=" (a keyword
// argument) or a lone "<" (a comparison) is not markup.
func markupSyntax(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		switch c := s[i+1]; {
		case s[i] == '<' && (c == '/' || c == '!' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'):
			if end := strings.IndexByte(s[i:], '>'); end > 0 && end < 200 && !strings.Contains(s[i:i+end], "\n") {
				return true
			}
		case s[i] == '=' && (c == '"' || c == '\'') && i > 0 && lines.IsWordByte(s[i-1]):
			return true
		}
	}
	return false
}

// maxOrdinals bounds the positions a query names.
const maxOrdinals = 8

// ordinalWords are the spelled-out ordinals a request may name a position
// with ("the third row"); "first" and "last" are left to the compressors,
// which keep both ends anyway, and "second" is too often a unit of time.
var ordinalWords = map[string]int{
	"third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
	"ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "twentieth": 20,
}

// positionNouns name the unit an ordinal counts; "line" counts lines of
// output, the others items or rows.
var positionNouns = setOf(`item items row rows record records entry entries element elements
object objects result results element one line lines event events hit match package packages
file files test tests commit commits`)

// ordinalsOf finds the positions s names: an ordinal ("40th", "3rd",
// "third") followed within three words by a noun that says what it counts
// ("the 40th item in that list", "the 25th row"). An ordinal without such
// a noun is more often a date ("Nov 25th").
func ordinalsOf(s string) []Ordinal {
	var words []string
	lines.Words(s, func(w string, _, _ int) bool {
		words = append(words, lines.Fold(w))
		return true
	})
	var out []Ordinal
	for k, w := range words {
		n := ordinalNumber(w)
		if n <= 0 {
			continue
		}
		for j := k + 1; j < len(words) && j <= k+3; j++ {
			if positionNouns[words[j]] {
				line := words[j] == "line" || words[j] == "lines"
				if len(out) < maxOrdinals {
					out = append(out, Ordinal{N: n, Line: line})
				}
				break
			}
		}
	}
	return out
}

// maxTopN bounds the count a superlative may ask for.
const maxTopN = 10

var countWords = map[string]int{"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}

var superlatives = setOf(`largest biggest highest heaviest slowest longest greatest worst top
smallest lowest fastest shortest lightest newest latest oldest earliest most least`)

// topNOf finds the count of a plural superlative: a number right before
// a superlative ("the three largest files", "5 slowest tests") or right
// after "top" ("top 3"). At most maxTopN; 0 when none.
func topNOf(s string) int {
	var words []string
	lines.Words(s, func(w string, _, _ int) bool {
		words = append(words, lines.Fold(w))
		return true
	})
	count := func(w string) int {
		if n, ok := countWords[w]; ok {
			return n
		}
		if n, err := strconv.Atoi(w); err == nil && n >= 2 && n <= maxTopN {
			return n
		}
		return 0
	}
	for k, w := range words {
		if !superlatives[w] {
			continue
		}
		if k > 0 {
			if n := count(words[k-1]); n > 0 {
				return n
			}
		}
		if w == "top" && k+1 < len(words) {
			if n := count(words[k+1]); n > 0 {
				return n
			}
		}
	}
	return 0
}

// ordinalNumber returns the position an ordinal word names, or 0.
func ordinalNumber(w string) int {
	if n, ok := ordinalWords[w]; ok {
		return n
	}
	if len(w) < 3 || len(w) > 9 {
		return 0
	}
	digits, suffix := w[:len(w)-2], w[len(w)-2:]
	switch suffix {
	case "st", "nd", "rd", "th":
	default:
		return 0
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		if !lines.IsDigit(digits[i]) {
			return 0
		}
		n = n*10 + int(digits[i]-'0')
	}
	return n
}
