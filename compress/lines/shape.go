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
		lit, masked := m.segment()
		if masked {
			h = (h ^ '#') * fnvPrime
		}
		for k := 0; k < len(lit); k++ {
			h = (h ^ uint64(lit[k])) * fnvPrime
		}
	}
	return h
}

// masker reads a string in its masked form, in segments: bytes read as
// they are, and runs of digits, or of hex digits holding a digit, each
// read as one '#'. The hash, the rendering and the comparison of masked
// forms all read through it, so they agree.
type masker struct {
	s string
	i int
}

// segment returns the next segment from m.i < len(m.s): a run of bytes
// read as they are, or (masked) a run read as '#'.
func (m *masker) segment() (lit string, masked bool) {
	start := m.i
	for i := start; i < len(m.s); {
		if !hexByte[m.s[i]] {
			i++
			continue
		}
		literal, end := hexRun(m.s, i)
		if literal > i {
			i = literal
			continue
		}
		if i > start {
			m.i = i
			return m.s[start:i], false
		}
		m.i = end
		return "", true
	}
	m.i = len(m.s)
	return m.s[start:], false
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
	h := uint64(fnvOffset)
	n := 0
	inField := false
	for m := (masker{s: line}); m.i < len(line); {
		lit, masked := m.segment()
		if masked {
			if !inField {
				h = (h ^ ' ') * fnvPrime
				n++
				inField = true
			}
			h = (h ^ '#') * fnvPrime
		}
		for k := 0; k < len(lit); k++ {
			c := lit[k]
			if c == ' ' || c == '\t' || c == '\r' {
				inField = false
				continue
			}
			if !inField {
				// A field starts: mix a separator in first.
				h = (h ^ ' ') * fnvPrime
				n++
				inField = true
			}
			h = (h ^ uint64(c)) * fnvPrime
		}
	}
	return (h ^ uint64(n)) * fnvPrime
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
	m := masker{s: f}
	first, masked := m.segment()
	if !masked && m.i == len(f) {
		return f
	}
	b := make([]byte, 0, len(f))
	for {
		if masked {
			b = append(b, '#')
		}
		b = append(b, first...)
		if m.i == len(f) {
			return string(b)
		}
		first, masked = m.segment()
	}
}

// MaskedIs reports whether Masked(f) == masked, without building it: a
// run of lines of one masked form is checked line by line.
func MaskedIs(f, masked string) bool {
	k := 0
	for m := (masker{s: f}); m.i < len(f); {
		lit, isMasked := m.segment()
		if isMasked {
			if k == len(masked) || masked[k] != '#' {
				return false
			}
			k++
		}
		if len(masked)-k < len(lit) || masked[k:k+len(lit)] != lit {
			return false
		}
		k += len(lit)
	}
	return k == len(masked)
}
