package compress

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSON compression.
//
// The compressor works on the source text, never on decoded values: every
// scalar is copied with its original bytes (number text, string escapes),
// members keep their order, and containers that are not rewritten keep
// their own formatting, so an item the model may quote or search for reads
// exactly as the tool printed it ("Path": "tailscale.com", with its indent).
// Rewritten containers reuse the separators and indentation found in the
// source. Steps:
//
//   - lossless: an array of flat objects with the same keys becomes
//     columnar ({"_columns":[...],"_rows":[[...]]}, fields that are the same
//     in every item factored out into "_same") when that saves at least 15%;
//     in other arrays of objects, members that every item has with the same
//     value are written once, in a leading {"_all_items_have":{...}};
//   - lossy, for long arrays only: keep the first and last items, items
//     with an error signal, task-matching items, numeric outliers and items
//     with rare values or rare keys; replace the rest by one trailing
//     summary element ({"_omitted": "85 of 100 items; all have
//     level=info"}); long arrays of scalars keep their head, tail and
//     task-matching elements and end with a string note;
//   - very long string leaves: multi-line content (a log in a JSON field) is
//     compressed as its own kind; a single long line is cut with a marked
//     ellipsis and its length.
//
// A go list -json style stream of concatenated values is handled as an
// array whose elements are separated by whitespace. The output always
// parses (it is checked) and a JSON object stays an object.

// jnode is a parsed JSON value: its kind and its span in the source.
type jnode struct {
	kind byte // '{', '[', '"', '0' (number), 't', 'f', 'n'
	// ks and ke span this value's key when it is an object member.
	ks, ke     int32
	start, end int
	kids       []jnode
}

// maxJSONDepth bounds nesting so hostile input cannot exhaust the stack.
const maxJSONDepth = 256

var errNotJSON = errors.New("not JSON")

type jparser struct {
	s   string
	pos int
	// build is false when only validating: no tree is kept and nothing is
	// allocated per value.
	build bool
	// Children are gathered on stacks while a container is parsed, then
	// copied into exactly sized slices carved from shared arenas: far
	// fewer allocations than growing a slice per container.
	kidStack []jnode
	kidArena []jnode
	kidChunk int
}

// takeKids moves the children gathered since base into a new slice.
func (p *jparser) takeKids(base int) []jnode {
	n := len(p.kidStack) - base
	if n == 0 {
		return nil
	}
	if n > 256 {
		// Large containers get their own slice: no arena tail wasted.
		out := make([]jnode, n)
		copy(out, p.kidStack[base:])
		p.kidStack = p.kidStack[:base]
		return out
	}
	if len(p.kidArena) < n {
		// Chunks grow with the document so small ones stay small.
		p.kidChunk = min(max(2*p.kidChunk, 64), 2048)
		p.kidArena = make([]jnode, max(p.kidChunk, n))
	}
	out := p.kidArena[:n:n]
	p.kidArena = p.kidArena[n:]
	copy(out, p.kidStack[base:])
	p.kidStack = p.kidStack[:base]
	return out
}

// node returns a new node. Nodes are values: a container's children sit in
// one slice carved from a shared arena, so a large document costs few
// allocations and no per-node pointers.
func (p *jparser) node(kind byte, start, end int) jnode {
	return jnode{kind: kind, start: start, end: end}
}

// parseJSONValues parses one JSON value or a stream of whitespace-separated
// values covering all of s.
func parseJSONValues(s string) ([]jnode, error) {
	if len(s) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d bytes is too large", errNotJSON, len(s))
	}
	p := &jparser{s: s, build: true}
	var vals []jnode
	for {
		p.ws()
		if p.pos == len(s) {
			break
		}
		v, err := p.value(0)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return nil, errNotJSON
	}
	return vals, nil
}

func (p *jparser) ws() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) errf(what string) error {
	return fmt.Errorf("%w: %s at offset %d", errNotJSON, what, p.pos)
}

func (p *jparser) value(depth int) (jnode, error) {
	if depth > maxJSONDepth {
		return jnode{}, p.errf("nesting too deep")
	}
	if p.pos >= len(p.s) {
		return jnode{}, p.errf("unexpected end")
	}
	start := p.pos
	switch c := p.s[p.pos]; {
	case c == '{':
		n := p.node('{', start, 0)
		kidBase := len(p.kidStack)
		p.pos++
		p.ws()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			n.end = p.pos
			return n, nil
		}
		for {
			p.ws()
			ks := p.pos
			if p.pos >= len(p.s) || p.s[p.pos] != '"' {
				return jnode{}, p.errf("expected key")
			}
			if err := p.str(); err != nil {
				return jnode{}, err
			}
			ke := p.pos
			p.ws()
			if p.pos >= len(p.s) || p.s[p.pos] != ':' {
				return jnode{}, p.errf("expected ':'")
			}
			p.pos++
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return jnode{}, err
			}
			if p.build {
				v.ks, v.ke = int32(ks), int32(ke)
				p.kidStack = append(p.kidStack, v)
			}
			p.ws()
			if p.pos >= len(p.s) {
				return jnode{}, p.errf("unterminated object")
			}
			if p.s[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.s[p.pos] == '}' {
				p.pos++
				n.end = p.pos
				if p.build {
					n.kids = p.takeKids(kidBase)
				}
				return n, nil
			}
			return jnode{}, p.errf("expected ',' or '}'")
		}
	case c == '[':
		n := p.node('[', start, 0)
		kidBase := len(p.kidStack)
		p.pos++
		p.ws()
		if p.pos < len(p.s) && p.s[p.pos] == ']' {
			p.pos++
			n.end = p.pos
			return n, nil
		}
		for {
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return jnode{}, err
			}
			if p.build {
				p.kidStack = append(p.kidStack, v)
			}
			p.ws()
			if p.pos >= len(p.s) {
				return jnode{}, p.errf("unterminated array")
			}
			if p.s[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.s[p.pos] == ']' {
				p.pos++
				n.end = p.pos
				if p.build {
					n.kids = p.takeKids(kidBase)
				}
				return n, nil
			}
			return jnode{}, p.errf("expected ',' or ']'")
		}
	case c == '"':
		if err := p.str(); err != nil {
			return jnode{}, err
		}
		return p.node('"', start, p.pos), nil
	case c == '-' || c >= '0' && c <= '9':
		if err := p.num(); err != nil {
			return jnode{}, err
		}
		return p.node('0', start, p.pos), nil
	case strings.HasPrefix(p.s[p.pos:], "true"):
		p.pos += 4
		return p.node('t', start, p.pos), nil
	case strings.HasPrefix(p.s[p.pos:], "false"):
		p.pos += 5
		return p.node('f', start, p.pos), nil
	case strings.HasPrefix(p.s[p.pos:], "null"):
		p.pos += 4
		return p.node('n', start, p.pos), nil
	}
	return jnode{}, p.errf("unexpected character")
}

// str consumes a string literal, validating escapes and rejecting raw
// control characters as the JSON grammar requires.
func (p *jparser) str() error {
	p.pos++ // opening quote
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return nil
		case c == '\\':
			if p.pos+1 >= len(p.s) {
				return p.errf("unterminated escape")
			}
			switch p.s[p.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos += 2
			case 'u':
				if p.pos+6 > len(p.s) {
					return p.errf("short \\u escape")
				}
				for _, h := range []byte(p.s[p.pos+2 : p.pos+6]) {
					if !isHexDigit(h) {
						return p.errf("bad \\u escape")
					}
				}
				p.pos += 6
			default:
				return p.errf("bad escape")
			}
		case c < 0x20:
			return p.errf("control character in string")
		default:
			p.pos++
		}
	}
	return p.errf("unterminated string")
}

// parseJSONNumber converts a JSON number's text; small integers, the
// common case, skip the general float parser.
func parseJSONNumber(raw string) (float64, bool) {
	if len(raw) > 0 && len(raw) <= 15 {
		neg, digits := false, raw
		if digits[0] == '-' {
			neg, digits = true, digits[1:]
		}
		v, ok := int64(0), len(digits) > 0
		for i := 0; i < len(digits) && ok; i++ {
			c := digits[i]
			ok = c >= '0' && c <= '9'
			v = v*10 + int64(c-'0')
		}
		if ok {
			if neg {
				v = -v
			}
			return float64(v), true
		}
	}
	x, err := strconv.ParseFloat(raw, 64)
	return x, err == nil
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func (p *jparser) num() error {
	s, i := p.s, p.pos
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return p.errf("bad number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return p.errf("bad fraction")
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return p.errf("bad exponent")
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	p.pos = i
	return nil
}

// looksLikeJSON is the cheap pre-check of detection: the text starts with
// '{' or '[' and ends with '}' or ']' (after whitespace).
func looksLikeJSON(text string) bool {
	t := strings.TrimSpace(text)
	if len(t) < 2 {
		return false
	}
	return (t[0] == '{' || t[0] == '[') && (t[len(t)-1] == '}' || t[len(t)-1] == ']')
}

// isJSON reports whether text looks like one JSON value or a stream of
// them: it starts and ends like JSON and its first 64 KiB parse (running
// out of input there is fine). Detection stays cheap on large blocks; the
// compressor parses the whole text and declines what does not parse.
func isJSON(text string) bool {
	if !looksLikeJSON(text) {
		return false
	}
	const prefix = 64 << 10
	s := text
	if len(s) > prefix {
		s = s[:prefix]
	}
	p := &jparser{s: s}
	for {
		p.ws()
		if p.pos == len(s) {
			return true
		}
		if _, err := p.value(0); err != nil {
			return len(s) < len(text) && p.pos >= len(s)
		}
	}
}

// isJSONObject reports whether text is exactly one JSON object.
func isJSONObject(text string) bool {
	vals, err := parseJSONValues(text)
	return err == nil && len(vals) == 1 && vals[0].kind == '{'
}

// minifyJSON removes the insignificant whitespace of one JSON value or a
// stream of values (written one per line), keeping every scalar's bytes.
func minifyJSON(text string) (string, error) {
	vals, err := parseJSONValues(text)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.Grow(len(text))
	for i := range vals {
		v := &vals[i]
		if i > 0 {
			sb.WriteByte('\n')
		}
		writeMinified(&sb, text, v)
	}
	return sb.String(), nil
}

func writeMinified(sb *strings.Builder, src string, n *jnode) {
	switch n.kind {
	case '{':
		sb.WriteByte('{')
		for i := range n.kids {
			k := &n.kids[i]
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(src[n.kids[i].ks:n.kids[i].ke])
			sb.WriteByte(':')
			writeMinified(sb, src, k)
		}
		sb.WriteByte('}')
	case '[':
		sb.WriteByte('[')
		for i := range n.kids {
			k := &n.kids[i]
			if i > 0 {
				sb.WriteByte(',')
			}
			writeMinified(sb, src, k)
		}
		sb.WriteByte(']')
	default:
		sb.WriteString(src[n.start:n.end])
	}
}

// jsonParams are the thresholds of the JSON lossy steps.
type jsonParams struct {
	minItems       int // arrays of containers shorter than this keep all items
	minScalarItems int // same for arrays of scalars
	head, tail     int // items always kept at each end
	perFieldCap    int // items kept per field for outliers / rare values
	longString     int // string leaves longer than this (bytes) are shortened
	keepRatio      float64
}

func newJSONParams(h *hints) jsonParams {
	p := jsonParams{minItems: 40, minScalarItems: 24, head: 2, tail: 1, perFieldCap: 4, longString: 2000}
	if h.aggressive {
		p = jsonParams{minItems: 16, minScalarItems: 12, head: 1, tail: 1, perFieldCap: 2, longString: 600}
	}
	if h.keepRatio > 0 {
		p.keepRatio = h.keepRatio
		p.minItems = min(p.minItems, 16)
		p.minScalarItems = min(p.minScalarItems, 12)
	}
	return p
}

// jsonCompressor holds the state of one compressJSON call.
type jsonCompressor struct {
	src   string
	h     *hints
	p     jsonParams
	terms []string
}

// compressJSON is the contentCompressor for JSON text (one value or a
// stream). See the comment at the top of this file.
func compressJSON(text string, h *hints) (string, bool) {
	if !looksLikeJSON(text) {
		return "", false
	}
	vals, err := parseJSONValues(text)
	if err != nil {
		return "", false
	}
	c := &jsonCompressor{src: text, h: h, p: newJSONParams(h), terms: h.taskTerms}
	var out string
	var changed bool
	if len(vals) == 1 {
		v := &vals[0]
		var body string
		body, changed = c.value(v, 0)
		out = text[:v.start] + body + text[v.end:]
	} else {
		out, changed = c.stream(vals)
	}
	if h.aggressive {
		// agent-90 trades the source's formatting for tokens.
		if m, err := minifyJSON(out); err == nil && len(m) < len(out) {
			out, changed = m, true
		}
	}
	if !changed || len(out) >= len(text) {
		return "", false
	}
	// The output claims to be JSON: make sure it is, and that an object
	// stayed one object (an array may have become a columnar object).
	outVals, err := parseJSONValues(out)
	if err != nil || (len(vals) == 1 && vals[0].kind == '{' && (len(outVals) != 1 || outVals[0].kind != '{')) {
		return "", false
	}
	return out, true
}

// raw returns the source text of n.
func (c *jsonCompressor) raw(n *jnode) string { return c.src[n.start:n.end] }

// value renders n, rewriting what is worth rewriting; changed reports
// whether the text differs from the source.
func (c *jsonCompressor) value(n *jnode, depth int) (string, bool) {
	switch n.kind {
	case '"':
		return c.stringLeaf(n)
	case '{':
		return c.object(n, depth)
	case '[':
		return c.array(n, depth)
	}
	return c.raw(n), false
}

// jlayout is the whitespace a container uses around and between its
// children in the source.
type jlayout struct {
	lead, sep, tail string
}

// layoutOf reads the jlayout of a container from its source: the text
// between the opening bracket and the first child, between the first two
// children (the comma with its whitespace) and after the last child.
func (c *jsonCompressor) layoutOf(n *jnode) jlayout {
	if len(n.kids) == 0 {
		return jlayout{sep: ","}
	}
	firstStart := n.kids[0].start
	if n.kind == '{' {
		firstStart = int(n.kids[0].ks)
	}
	l := jlayout{
		lead: c.src[n.start+1 : firstStart],
		tail: c.src[n.kids[len(n.kids)-1].end : n.end-1],
		sep:  "," + c.src[n.start+1:firstStart],
	}
	if len(n.kids) > 1 {
		secondStart := n.kids[1].start
		if n.kind == '{' {
			secondStart = int(n.kids[1].ks)
		}
		l.sep = c.src[n.kids[0].end:secondStart]
	}
	return l
}

// kvSep returns the text between the i-th key of an object and its value
// (":" or ": ").
func (c *jsonCompressor) kvSep(n *jnode, i int) string {
	return c.src[n.kids[i].ke:n.kids[i].start]
}

func (c *jsonCompressor) object(n *jnode, depth int) (string, bool) {
	return c.objectWithout(n, depth, nil)
}

// objectWithout renders an object without the members named in drop (raw
// key text), which a container factored out.
func (c *jsonCompressor) objectWithout(n *jnode, depth int, drop map[string]bool) (string, bool) {
	parts := make([]string, 0, len(n.kids))
	changed := false
	for i := range n.kids {
		key := c.src[n.kids[i].ks:n.kids[i].ke]
		if drop[key] {
			changed = true
			continue
		}
		v, ch := c.value(&n.kids[i], depth+1)
		changed = changed || ch
		parts = append(parts, key+c.kvSep(n, i)+v)
	}
	if !changed {
		return c.raw(n), false
	}
	if len(parts) == 0 {
		return "{}", true
	}
	l := c.layoutOf(n)
	return "{" + l.lead + strings.Join(parts, l.sep) + l.tail + "}", true
}

// hasDuplicateKeys reports whether an object has a key twice.
func hasDuplicateKeys(src string, n *jnode) bool {
	if n.kind != '{' || len(n.kids) < 2 {
		return false
	}
	seen := make(map[string]bool, len(n.kids))
	for i := range n.kids {
		key := src[n.kids[i].ks:n.kids[i].ke]
		if seen[key] {
			return true
		}
		seen[key] = true
	}
	return false
}

// sharedMembers finds the members that every item has with the same value
// (byte for byte) and returns their names and a compact element
// {"_all_items_have":{...}} holding them once, when factoring them out
// saves at least 256 bytes.
func (c *jsonCompressor) sharedMembers(kids []jnode, keep []bool) (map[string]bool, string) {
	first := &kids[0]
	// Duplicate keys (legal JSON, if odd) would make dropping by name lose
	// a value: factor nothing then.
	for i := range kids {
		if hasDuplicateKeys(c.src, &kids[i]) {
			return nil, ""
		}
	}
	var names []string
	var members []string
	saved := 0
	for j := range first.kids {
		key := c.src[first.kids[j].ks:first.kids[j].ke]
		val := c.raw(&first.kids[j])
		shared := true
		for i := 1; i < len(kids) && shared; i++ {
			shared = false
			k := &kids[i]
			for m := range k.kids {
				if c.src[k.kids[m].ks:k.kids[m].ke] == key {
					shared = c.raw(&k.kids[m]) == val
					break
				}
			}
		}
		if !shared {
			continue
		}
		names = append(names, key)
		var sb strings.Builder
		writeMinified(&sb, c.src, &first.kids[j])
		members = append(members, key+":"+sb.String())
		saved += (len(key) + len(val)) * (countKept(keep) - 1)
	}
	if len(names) == 0 || saved < 256 || len(names) == len(first.kids) {
		return nil, ""
	}
	drop := make(map[string]bool, len(names))
	for _, nm := range names {
		drop[nm] = true
	}
	return drop, `{"_all_items_have":{` + strings.Join(members, ",") + "}}"
}

func (c *jsonCompressor) array(n *jnode, depth int) (string, bool) {
	if len(n.kids) == 0 {
		return c.raw(n), false
	}
	l := c.layoutOf(n)
	items, changed := c.items(n.kids, depth, l)
	if !changed {
		return c.raw(n), false
	}
	if items.columnar != "" {
		return items.columnar, true
	}
	return "[" + l.lead + strings.Join(items.parts, l.sep) + l.tail + "]", true
}

// stream renders a sequence of top-level values (go list -json output).
func (c *jsonCompressor) stream(vals []jnode) (string, bool) {
	l := jlayout{
		lead: c.src[:vals[0].start],
		sep:  c.src[vals[0].end:vals[1].start],
		tail: c.src[vals[len(vals)-1].end:],
	}
	items, changed := c.items(vals, 0, l)
	if !changed {
		return c.src, false
	}
	if items.columnar != "" {
		return l.lead + items.columnar + l.tail, true
	}
	return l.lead + strings.Join(items.parts, l.sep) + l.tail, true
}

// itemsOut is the rendering of a sequence of elements: the kept elements'
// texts (with a trailing summary element when some were omitted), or a
// columnar form replacing the whole container.
type itemsOut struct {
	parts    []string
	columnar string
}

// items renders the elements of an array or stream.
func (c *jsonCompressor) items(kids []jnode, depth int, l jlayout) (itemsOut, bool) {
	allObjects, allScalars := true, true
	for i := range kids {
		k := &kids[i]
		if k.kind != '{' {
			allObjects = false
		}
		if k.kind == '{' || k.kind == '[' {
			allScalars = false
		}
	}
	n := len(kids)
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	reduced := false
	var fields []*jfield
	switch {
	case allScalars && n >= c.p.minScalarItems:
		keep, reduced = c.selectScalars(kids)
	case !allScalars && n >= c.p.minItems:
		keep, fields, reduced = c.selectItems(kids, allObjects)
	}
	changed := reduced
	// Members with one value in every item are written once, up front
	// (the columnar form below does the same in its own way).
	var drop map[string]bool
	var sharedElem string
	if allObjects && n >= 3 && countKept(keep) >= 3 {
		drop, sharedElem = c.sharedMembers(kids, keep)
	}
	rendered := make([]string, n)
	plainRendered := make([]string, n)
	for i := range kids {
		k := &kids[i]
		if !keep[i] {
			continue
		}
		var ch bool
		if drop != nil {
			rendered[i], _ = c.objectWithout(k, depth+1, drop)
			plainRendered[i], ch = c.value(k, depth+1)
		} else {
			rendered[i], ch = c.value(k, depth+1)
			plainRendered[i] = rendered[i]
		}
		changed = changed || ch
	}
	var note string
	if reduced {
		note = c.omittedNote(kids, keep, fields)
	}
	// Columnar form for uniform flat objects (lossless on the kept items).
	if allObjects && n >= 3 {
		if col, ok := c.columnar(kids, keep, note); ok {
			plain := 0
			for i := range kids {
				if keep[i] {
					plain += len(plainRendered[i]) + len(l.sep)
				}
			}
			plain += len(note) + 20
			if float64(len(col)) <= 0.85*float64(plain) {
				return itemsOut{columnar: col}, true
			}
		}
	}
	if drop != nil {
		changed = true
	}
	if !changed {
		return itemsOut{}, false
	}
	var out itemsOut
	if drop != nil {
		out.parts = append(out.parts, sharedElem)
	}
	for i := range kids {
		if keep[i] {
			out.parts = append(out.parts, rendered[i])
		}
	}
	if reduced {
		out.parts = append(out.parts, c.noteElement(kids, note, allObjects))
	}
	return out, true
}

// noteElement renders the trailing summary element in the idiom of the
// container: an object {"_omitted": "..."} formatted like the first item
// for arrays of objects, a plain string otherwise.
func (c *jsonCompressor) noteElement(kids []jnode, note string, allObjects bool) string {
	if !allObjects {
		return quoteJSON("[... " + note + " ...]")
	}
	q := quoteJSON(note)
	first := &kids[0]
	if len(first.kids) == 0 {
		return `{"_omitted":` + q + "}"
	}
	l := c.layoutOf(first)
	return "{" + l.lead + `"_omitted"` + c.kvSep(first, 0) + q + l.tail + "}"
}

// selectScalars picks the elements of a long array of scalars to keep: the
// head and tail, elements with an error signal and task-matching ones.
func (c *jsonCompressor) selectScalars(kids []jnode) ([]bool, bool) {
	n := len(kids)
	keep := make([]bool, n)
	head, tail := c.p.head+2, c.p.tail+1
	for i := 0; i < n; i++ {
		if i < head || i >= n-tail {
			keep[i] = true
		}
	}
	terms := c.itemTerms(kids, 0.2)
	for i := range kids {
		k := &kids[i]
		r := c.raw(k)
		if (k.kind == '"' && hasErrorSignal(r)) || mentionsTask(r, terms) {
			keep[i] = true
		}
	}
	c.fillRatio(keep)
	return keep, countKept(keep) < n
}

// itemTerms narrows the task terms to those matching at most share of the
// items: a term in most items distinguishes none of them.
func (c *jsonCompressor) itemTerms(kids []jnode, share float64) []string {
	if len(c.terms) == 0 {
		return nil
	}
	limit := max(2, int(share*float64(len(kids))))
	var out []string
	for _, t := range c.terms {
		hits := 0
		for i := range kids {
			k := &kids[i]
			if indexFold(c.raw(k), t) >= 0 {
				hits++
				if hits > limit {
					break
				}
			}
		}
		if hits > 0 && hits <= limit {
			out = append(out, t)
		}
	}
	return out
}

// fillRatio adds evenly spaced elements until the kept share reaches the
// configured keep ratio (target_ratio).
func (c *jsonCompressor) fillRatio(keep []bool) {
	if c.p.keepRatio <= 0 {
		return
	}
	want := int(math.Ceil(c.p.keepRatio * float64(len(keep))))
	have := countKept(keep)
	if have >= want {
		return
	}
	step := float64(len(keep)) / float64(want-have+1)
	for x := step; x < float64(len(keep)) && have < want; x += step {
		i := int(x)
		for i < len(keep) && keep[i] {
			i++
		}
		if i < len(keep) {
			keep[i] = true
			have++
		}
	}
}

func countKept(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

// jfield is one key's values across the items of an array of objects.
type jfield struct {
	name  string // raw key text, with quotes
	vals  []*jnode
	count int // items having the key
	isNum bool
	nums  []float64
	// strCnt counts the items per raw scalar value, until the field turns
	// out to have too many distinct values to be categorical (highCard).
	strCnt   map[string]int
	highCard bool
	// allDates is set while every value is an ISO date string; minDate
	// and maxDate bound them.
	allDates         bool
	minDate, maxDate string
}

// fieldsOf collects the top-level fields of the object items.
func (c *jsonCompressor) fieldsOf(kids []jnode) []*jfield {
	byName := map[string]*jfield{}
	var list []*jfield
	// More distinct values than this and a field is not categorical (no
	// rare values, no value counts in notes): stop counting.
	cardLimit := max(16, min(len(kids)/4, 256))
	for i := range kids {
		k := &kids[i]
		if k.kind != '{' {
			continue
		}
		for j := range k.kids {
			v := &k.kids[j]
			name := c.src[k.kids[j].ks:k.kids[j].ke]
			// Items usually list their keys in one order: try the field
			// at the same position before the map.
			var f *jfield
			if j < len(list) && list[j].name == name {
				f = list[j]
			} else {
				f = byName[name]
			}
			if f == nil {
				f = &jfield{name: name, vals: make([]*jnode, len(kids)), isNum: true, allDates: true, strCnt: map[string]int{}}
				byName[name] = f
				list = append(list, f)
			}
			if f.vals[i] == nil {
				f.count++
			}
			f.vals[i] = v
			raw := c.raw(v)
			if v.kind == '0' {
				if x, ok := parseJSONNumber(raw); ok {
					f.nums = append(f.nums, x)
				}
			} else {
				f.isNum = false
			}
			if f.allDates {
				if d := jsonPlain(raw); v.kind == '"' && isDateText(d) {
					if f.minDate == "" || d < f.minDate {
						f.minDate = d
					}
					f.maxDate = max(f.maxDate, d)
				} else {
					f.allDates = false
				}
			}
			if v.kind != '{' && v.kind != '[' && !f.highCard {
				f.strCnt[raw]++
				if len(f.strCnt) > cardLimit {
					f.highCard, f.strCnt = true, nil
				}
			}
		}
	}
	return list
}

// selectItems picks the elements of a long array of containers to keep.
func (c *jsonCompressor) selectItems(kids []jnode, allObjects bool) ([]bool, []*jfield, bool) {
	n := len(kids)
	keep := make([]bool, n)
	for i := 0; i < n; i++ {
		if i < c.p.head || i >= n-c.p.tail {
			keep[i] = true
		}
	}
	// Error signals and the task.
	terms := c.itemTerms(kids, 0.25)
	for i := range kids {
		k := &kids[i]
		if c.hasErrorItem(k) || mentionsTask(c.raw(k), terms) {
			keep[i] = true
		}
	}
	var fields []*jfield
	if allObjects {
		fields = c.fieldsOf(kids)
		for _, f := range fields {
			c.keepRare(f, keep)
			c.keepOutliers(f, keep)
		}
	}
	c.fillRatio(keep)
	return keep, fields, countKept(keep) < n
}

// keepRare keeps the items that carry a rare key (present in at most 2% of
// the items, and not most of them) and, for categorical fields (few
// distinct values), the items with a value that occurs at most 1% of the
// time. At most perFieldCap items per field, rarest first.
func (c *jsonCompressor) keepRare(f *jfield, keep []bool) {
	n := len(f.vals)
	limit := c.p.perFieldCap
	if f.count*50 <= n && f.count <= limit {
		for i := range f.vals {
			v := f.vals[i]
			if v != nil {
				keep[i] = true
			}
		}
		return
	}
	distinct := len(f.strCnt)
	if f.isNum || f.highCard || distinct < 2 || distinct*4 > n {
		return
	}
	rareMax := max(1, n/100)
	type rv struct {
		val string
		cnt int
	}
	var rares []rv
	for v, cnt := range f.strCnt {
		if cnt <= rareMax {
			rares = append(rares, rv{v, cnt})
		}
	}
	sort.Slice(rares, func(a, b int) bool {
		if rares[a].cnt != rares[b].cnt {
			return rares[a].cnt < rares[b].cnt
		}
		return rares[a].val < rares[b].val
	})
	kept := 0
	for _, r := range rares {
		for i := range f.vals {
			v := f.vals[i]
			if kept >= limit {
				return
			}
			if v != nil && c.raw(v) == r.val && !keep[i] {
				keep[i] = true
				kept++
			}
		}
	}
}

// keepOutliers keeps the items whose numeric value lies far from the
// field's median: more than 6 median absolute deviations, or, when most
// values are equal (deviation 0), any different value. At most perFieldCap
// items, farthest first.
func (c *jsonCompressor) keepOutliers(f *jfield, keep []bool) {
	if !f.isNum || len(f.nums) < 8 {
		return
	}
	med, mad := medianMAD(f.nums)
	type cand struct {
		i   int
		dev float64
	}
	var cands []cand
	for i := range f.vals {
		v := f.vals[i]
		if v == nil || v.kind != '0' {
			continue
		}
		x, ok := parseJSONNumber(c.raw(v))
		if !ok {
			continue
		}
		d := math.Abs(x - med)
		if (mad > 0 && d > 6*mad) || (mad == 0 && d > 0) {
			cands = append(cands, cand{i, d})
		}
	}
	if len(cands)*10 > len(f.nums) {
		// Too many to call outliers: the distribution is just wide.
		return
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].dev > cands[b].dev })
	for j, cd := range cands {
		if j >= c.p.perFieldCap {
			break
		}
		keep[cd.i] = true
	}
}

// hasErrorItem reports whether an item carries an error signal in one of
// its string values, or has a key with an error signal whose value is set
// (not null, false, 0 or empty).
func (c *jsonCompressor) hasErrorItem(n *jnode) bool {
	switch n.kind {
	case '"':
		return hasErrorSignal(c.raw(n))
	case '{':
		for i := range n.kids {
			k := &n.kids[i]
			if hasErrorSignal(c.src[n.kids[i].ks:n.kids[i].ke]) && jsonIsSet(c.raw(k)) {
				return true
			}
			if c.hasErrorItem(k) {
				return true
			}
		}
	case '[':
		for i := range n.kids {
			k := &n.kids[i]
			if c.hasErrorItem(k) {
				return true
			}
		}
	}
	return false
}

func jsonIsSet(raw string) bool {
	switch raw {
	case "null", "false", "0", `""`, "[]", "{}":
		return false
	}
	return true
}

// omittedNote describes the omitted items: how many, the fields they all
// share, value ranges and the commonest values.
func (c *jsonCompressor) omittedNote(kids []jnode, keep []bool, fields []*jfield) string {
	n := len(kids)
	omitted := n - countKept(keep)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d of %d items omitted", omitted, n)
	var same, ranges, common []string
	for _, f := range fields {
		if s, kind, ok := c.describeOmitted(f, keep, omitted); ok {
			switch kind {
			case 's':
				same = append(same, s)
			case 'r':
				ranges = append(ranges, s)
			case 'c':
				common = append(common, s)
			}
		}
	}
	if len(same) > 0 {
		sb.WriteString("; all have " + strings.Join(jsonCapList(same, 6), ", "))
	}
	if len(ranges) > 0 {
		sb.WriteString("; " + strings.Join(jsonCapList(ranges, 4), "; "))
	}
	if len(common) > 0 {
		sb.WriteString("; " + strings.Join(jsonCapList(common, 3), "; "))
	}
	note := sb.String()
	// "key=value" reads naturally, but never let it spell a retrieval
	// marker such as "hash=".
	if IntroducesRetrievalMarker(c.src, note) {
		note = strings.ReplaceAll(note, "=", ": ")
	}
	return note
}

// describeOmitted summarizes one field over the omitted items, when every
// one of them has it: a shared value ('s', "level=info"), a range of
// numbers or dates ('r'), or the counts of a few categorical values ('c').
func (c *jsonCompressor) describeOmitted(f *jfield, keep []bool, omitted int) (string, byte, bool) {
	key := jsonKeyText(f.name)
	var first string
	constant := true
	lo, hi := math.Inf(1), math.Inf(-1)
	var dlo, dhi string
	var counts map[string]int
	if !f.highCard {
		counts = map[string]int{}
	}
	seen := 0
	for i := range f.vals {
		v := f.vals[i]
		if keep[i] {
			continue
		}
		if v == nil || v.kind == '{' || v.kind == '[' {
			return "", 0, false
		}
		raw := c.raw(v)
		if seen == 0 {
			first = raw
		} else if raw != first {
			constant = false
		}
		seen++
		if f.isNum {
			if x, ok := parseJSONNumber(raw); ok {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
		if f.allDates {
			d := jsonPlain(raw)
			if dlo == "" || d < dlo {
				dlo = d
			}
			dhi = max(dhi, d)
		}
		if counts != nil {
			counts[raw]++
			if len(counts) > 6 {
				counts = nil
			}
		}
	}
	switch {
	case seen != omitted || seen == 0:
		return "", 0, false
	case constant:
		if len(first) > 40 {
			return "", 0, false
		}
		return key + "=" + jsonPlain(first), 's', true
	case f.allDates:
		return fmt.Sprintf("%s %s..%s", key, dlo, dhi), 'r', true
	case f.isNum:
		return fmt.Sprintf("%s %s..%s", key, jsonNum(lo), jsonNum(hi)), 'r', true
	case len(counts) >= 2 && len(counts)*3 <= omitted:
		type vc struct {
			v string
			n int
		}
		var vcs []vc
		for v, cnt := range counts {
			if len(v) > 40 {
				return "", 0, false
			}
			vcs = append(vcs, vc{v, cnt})
		}
		sort.Slice(vcs, func(a, b int) bool {
			if vcs[a].n != vcs[b].n {
				return vcs[a].n > vcs[b].n
			}
			return vcs[a].v < vcs[b].v
		})
		parts := make([]string, len(vcs))
		for i, x := range vcs {
			parts[i] = fmt.Sprintf("%s (%d)", jsonPlain(x.v), x.n)
		}
		return key + ": " + strings.Join(parts, ", "), 'c', true
	}
	return "", 0, false
}

// isDateText reports whether s starts with YYYY-MM-DD.
func isDateText(s string) bool {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func jsonCapList(xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	return append(xs[:n:n], fmt.Sprintf("%d more fields", len(xs)-n))
}

func jsonNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// jsonKeyText returns a key's text without quotes (escapes left as they are:
// this is for a human-readable note).
func jsonKeyText(raw string) string {
	return strings.TrimSuffix(strings.TrimPrefix(raw, `"`), `"`)
}

// jsonPlain shows a raw scalar in a note: strings without their quotes.
func jsonPlain(raw string) string {
	if len(raw) >= 2 && raw[0] == '"' {
		return raw[1 : len(raw)-1]
	}
	return raw
}

// columnar renders uniform flat objects as one object with the column
// names once and a row per kept item. ok is false when the items are not
// uniform: different key sets or nested values.
func (c *jsonCompressor) columnar(kids []jnode, keep []bool, note string) (string, bool) {
	first := kids[0]
	if len(first.kids) < 2 {
		return "", false
	}
	names := make([]string, len(first.kids))
	for j := range first.kids {
		names[j] = c.src[first.kids[j].ks:first.kids[j].ke]
	}
	idx := make(map[string]int, len(names))
	for j, nm := range names {
		if _, dup := idx[nm]; dup {
			return "", false
		}
		idx[nm] = j
	}
	// cells[i][j] is the raw value of column j in item i (rows of
	// omitted items are checked but not kept); constant[j] stays true
	// while column j has the same value in every item.
	cells := make([][]string, len(kids))
	constant := make([]bool, len(names))
	for j := range constant {
		constant[j] = len(kids) >= 3
	}
	scratch := make([]string, len(names))
	for i := range kids {
		k := &kids[i]
		if len(k.kids) != len(names) {
			return "", false
		}
		row := scratch
		if keep[i] {
			row = make([]string, len(names))
		} else {
			clear(row)
		}
		for j := range k.kids {
			v := &k.kids[j]
			if v.kind == '{' || v.kind == '[' {
				return "", false
			}
			col := j
			// Keys usually come in the first item's order.
			if name := c.src[k.kids[j].ks:k.kids[j].ke]; name != names[j] {
				var ok bool
				if col, ok = idx[name]; !ok {
					return "", false
				}
			}
			if row[col] != "" {
				return "", false
			}
			row[col] = c.raw(v)
		}
		if i == 0 {
			cells[0] = slices.Clone(row)
		} else {
			for j := range constant {
				constant[j] = constant[j] && row[j] == cells[0][j]
			}
		}
		if keep[i] && i > 0 {
			cells[i] = row
		}
	}
	// Columns with one value in every item are factored out.
	var sameCols, cols []int
	for j := range names {
		if constant[j] {
			sameCols = append(sameCols, j)
		} else {
			cols = append(cols, j)
		}
	}
	if len(cols) == 0 {
		return "", false
	}
	var sb strings.Builder
	sb.WriteString("{")
	if len(sameCols) > 0 {
		sb.WriteString(`"_same":{`)
		for x, j := range sameCols {
			if x > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(names[j] + ":" + cells[0][j])
		}
		sb.WriteString("},")
	}
	sb.WriteString(`"_columns":[`)
	for x, j := range cols {
		if x > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(names[j])
	}
	sb.WriteString("],\n\"_rows\":[")
	firstRow := true
	for i := range kids {
		if !keep[i] {
			continue
		}
		if !firstRow {
			sb.WriteByte(',')
		}
		firstRow = false
		sb.WriteString("\n[")
		for x, j := range cols {
			if x > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(cells[i][j])
		}
		sb.WriteByte(']')
	}
	sb.WriteString("]")
	if note != "" {
		sb.WriteString(",\n\"_omitted\":" + quoteJSON(note))
	}
	sb.WriteString("}")
	return sb.String(), true
}

// stringLeaf shortens a very long string value: multi-line content is
// compressed as the kind of text it is (a log, a listing); a single long
// line is cut with a marked ellipsis and its length, unless it carries an
// error signal or a task term.
func (c *jsonCompressor) stringLeaf(n *jnode) (string, bool) {
	raw := c.raw(n)
	if len(raw) <= c.p.longString || c.h.nested > 0 {
		return raw, false
	}
	s, ok := unquoteJSON(raw)
	if !ok {
		return raw, false
	}
	if strings.Count(s, "\n") >= 8 {
		nh := *c.h
		nh.nested++
		nh.taskTerms = rareTerms(c.terms, s)
		if out, _, ok := compressText(s, &nh); ok {
			if q := quoteJSON(out); len(q) < len(raw) {
				return q, true
			}
		}
		return raw, false
	}
	if hasErrorSignal(s) || mentionsTask(s, c.terms) {
		return raw, false
	}
	keepBytes := c.p.longString / 4
	cut := keepBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	rest := utf8.RuneCountInString(s[cut:])
	q := quoteJSON(s[:cut] + fmt.Sprintf("…[+%d chars]", rest))
	if len(q) >= len(raw) {
		return raw, false
	}
	return q, true
}

// quoteJSON encodes s as a JSON string without HTML escaping.
func quoteJSON(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) + 2)
	sb.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			sb.WriteByte(c)
			i++
			continue
		}
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&sb, `\u%04x`, c)
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				sb.WriteString(`\ufffd`)
			} else {
				sb.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		i++
	}
	sb.WriteByte('"')
	return sb.String()
}

// unquoteJSON decodes a JSON string literal (validated by the parser).
func unquoteJSON(raw string) (string, bool) {
	if len(raw) < 2 {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if !strings.ContainsRune(body, '\\') {
		return body, true
	}
	var sb strings.Builder
	sb.Grow(len(body))
	for i := 0; i < len(body); i++ {
		ch := body[i]
		if ch != '\\' {
			sb.WriteByte(ch)
			continue
		}
		if i+1 >= len(body) {
			return "", false
		}
		i++
		switch body[i] {
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case 'r':
			sb.WriteByte('\r')
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'u':
			if i+5 > len(body) {
				return "", false
			}
			v, err := strconv.ParseUint(body[i+1:i+5], 16, 32)
			if err != nil {
				return "", false
			}
			r := rune(v)
			i += 4
			if r >= 0xD800 && r < 0xDC00 && i+6 < len(body)+1 && strings.HasPrefix(body[i+1:], `\u`) && i+7 <= len(body) {
				if lo, err := strconv.ParseUint(body[i+3:i+7], 16, 32); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000
					i += 6
				}
			}
			sb.WriteRune(r)
		default:
			sb.WriteByte(body[i])
		}
	}
	return sb.String(), true
}
