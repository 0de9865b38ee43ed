package lines

// The shape of a line is what stays the same across lines printed by one
// statement of a program: its whitespace-separated fields, with every run
// of digits (and every run of hex digits that holds a digit, as in hashes,
// addresses and ids) masked. Lines of one shape differ only in numbers,
// hashes, timestamps and ids.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// MaxFields bounds the fields Fields returns: the rest of a longer line is
// its last field.
const MaxFields = 48

// Fields appends the whitespace-separated fields of line to dst. Beyond
// MaxFields-1 fields the rest of the line (trimmed) is one last field.
func Fields(line string, dst []string) []string {
	var spans [2 * MaxFields]int32
	sp := FieldSpans(line, spans[:0])
	for k := 0; k < len(sp); k += 2 {
		dst = append(dst, line[sp[k]:sp[k+1]])
	}
	return dst
}

// FieldSpans appends the start and end offsets in line of each field
// Fields returns. Offsets are int32: lines are parts of request bodies,
// which are capped far below 2 GiB.
func FieldSpans(line string, dst []int32) []int32 {
	i, n := 0, 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		if i == len(line) {
			break
		}
		if n == MaxFields-1 {
			end := len(line)
			for end > i && (line[end-1] == ' ' || line[end-1] == '\t' || line[end-1] == '\r') {
				end--
			}
			return append(dst, int32(i), int32(end))
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
			j++
		}
		dst = append(dst, int32(i), int32(j))
		n++
		i = j
	}
	return dst
}

// FieldHash hashes a field with its digit and hex-with-digit runs masked,
// so "146ms" and "9ms", or "0x7ffe8e8e5560" and "0x7ffce2347a30", agree.
func FieldHash(f string) uint64 {
	h := uint64(fnvOffset)
	for m := (masker{s: f}); m.i < len(f); {
		h = (h ^ uint64(m.next())) * fnvPrime
	}
	return h
}

// masker reads a string in its masked form, a byte at a time: each run of
// digits, or of hex digits holding a digit, reads as one '#'. The hash,
// the rendering and the comparison of masked forms all read through it,
// so they agree.
type masker struct {
	s string
	i int
	// literal ends the bytes known to read as they are: the rest of a hex
	// run without a digit, or the letters glued before the digits of a
	// short one ("abc12"), so a run is scanned once.
	literal int
}

// next returns the next byte of the masked form; m.i < len(m.s). It is
// small enough to inline into the loops that read every byte of a block;
// the start of a hex run takes a call.
func (m *masker) next() byte {
	if c := m.s[m.i]; !hexByte[c] {
		m.i++
		return c
	}
	return m.hex()
}

// hex is next at a hex digit.
func (m *masker) hex() byte {
	i := m.i
	if i < m.literal {
		m.i++
		return m.s[i]
	}
	literal, end := hexRun(m.s, i)
	if literal == i {
		m.i = end
		return '#'
	}
	m.literal = literal
	m.i = i + 1
	return m.s[i]
}

// hexRun splits the run of hex digits that starts at i (ending at end)
// into bytes read as they are, [i, literal), and a masked number, hash or
// id, [literal, end). A run without a decimal digit is all literal; a
// short run that starts with letters glued to a word ("abc12") keeps the
// letters and masks from its first digit; any other run is all masked.
func hexRun(s string, i int) (literal, end int) {
	end = i
	firstDigit := -1
	for end < len(s) && hexByte[s[end]] {
		if firstDigit < 0 && s[end] <= '9' {
			firstDigit = end
		}
		end++
	}
	switch {
	case firstDigit < 0:
		return end, end
	case firstDigit > i && end-i < 8:
		return firstDigit, end
	}
	return i, end
}

// ShapeHash hashes the masked fields of line in order: equal for lines of
// one shape. It reads the line once.
func ShapeHash(line string) uint64 {
	shape, _ := Shape(line, nil)
	return shape
}

// Shape reads line once for all a fold groups lines by: its ShapeHash;
// the hash of Masked(line), white space as it stands, equal for lines of
// one masked form (a run of progress lines); and, when spans is not nil,
// FieldSpans(line) appended to it.
func Shape(line string, spans *[]int32) (shape, masked uint64) {
	h, mh := uint64(fnvOffset), uint64(fnvOffset)
	fields := fieldRecorder{spans: spans, restStart: -1}
	for i := 0; i < len(line); {
		c := line[i]
		if byteClass[c] == blankByte {
			mh = (mh ^ uint64(c)) * fnvPrime
			i++
			continue
		}
		// A field starts: mix a separator, then its masked bytes. Most
		// bytes are plain and take one table load.
		start := i
		h = (h ^ ' ') * fnvPrime
		fields.n++
		m := masker{s: line, i: i}
		for m.i < len(line) {
			c := line[m.i]
			switch byteClass[c] {
			case plainByte:
				m.i++
			case blankByte:
				goto fieldEnd
			default:
				if c > '9' {
					c = m.next()
					break
				}
				// A run that starts with a digit is masked whole (no
				// literal stretch ever holds a digit): read it here.
				j := m.i + 1
				for j < len(line) && hexByte[line[j]] {
					j++
				}
				m.i, c = j, '#'
			}
			h = (h ^ uint64(c)) * fnvPrime
			mh = (mh ^ uint64(c)) * fnvPrime
		}
	fieldEnd:
		fields.add(start, m.i)
		i = m.i
	}
	fields.finish()
	return (h ^ uint64(fields.n)) * fnvPrime, mh
}

// Byte classes for Shape: field separators, hex digits (which may start a
// masked run) and the rest.
const (
	plainByte = iota
	blankByte
	hexDigitByte
)

var byteClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			t[c] = blankByte
		case IsHex(byte(c)):
			t[c] = hexDigitByte
		}
	}
	return t
}()

// fieldRecorder appends a line's field spans as FieldSpans does.
type fieldRecorder struct {
	spans    *[]int32
	n        int // fields seen
	recorded int
	// restStart, restEnd span the fields from the MaxFields-th on,
	// which are one last field.
	restStart, restEnd int
}

func (r *fieldRecorder) add(start, end int) {
	switch {
	case r.spans == nil:
	case r.recorded < MaxFields-1:
		*r.spans = append(*r.spans, int32(start), int32(end))
		r.recorded++
	default:
		if r.restStart < 0 {
			r.restStart = start
		}
		r.restEnd = end
	}
}

func (r *fieldRecorder) finish() {
	if r.spans != nil && r.restStart >= 0 {
		*r.spans = append(*r.spans, int32(r.restStart), int32(r.restEnd))
	}
}

// hexByte is IsHex as a table.
var hexByte = func() (t [256]bool) {
	for c := range t {
		t[c] = IsHex(byte(c))
	}
	return t
}()

// Masked renders a field with its digit and hex-with-digit runs replaced
// by '#', for notes that describe a shape.
func Masked(f string) string {
	var b []byte
	for m := (masker{s: f}); m.i < len(f); {
		at := m.i
		c := m.next()
		if b == nil && (c != f[at] || m.i != at+1) {
			b = append(make([]byte, 0, len(f)), f[:at]...)
		}
		if b != nil {
			b = append(b, c)
		}
	}
	if b == nil {
		return f
	}
	return string(b)
}

// MaskedIs reports whether Masked(f) == masked, without building it: a
// run of lines of one masked form is checked line by line.
func MaskedIs(f, masked string) bool {
	k := 0
	for m := (masker{s: f}); m.i < len(f); k++ {
		if k == len(masked) || masked[k] != m.next() {
			return false
		}
	}
	return k == len(masked)
}
