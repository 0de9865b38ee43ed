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
	for i := 0; i < len(f); {
		c := f[i]
		if IsHex(c) {
			if j, ok := hexRun(f, i); ok {
				h = (h ^ '#') * fnvPrime
				i = j
				continue
			}
		}
		h = (h ^ uint64(c)) * fnvPrime
		i++
	}
	return h
}

// hexRun returns the end of the run of hex digits starting at i, and
// whether it holds a decimal digit (then it is a number, hash or id).
func hexRun(s string, i int) (int, bool) {
	j := i
	digit := false
	for j < len(s) && hexByte[s[j]] {
		if s[j] <= '9' {
			digit = true
		}
		j++
	}
	// A run that starts with letters glued to a word ("abc12") is not an
	// id unless it is long: keep short letter prefixes in the shape.
	if digit && !IsDigit(s[i]) && j-i < 8 {
		k := i
		for k < j && !IsDigit(s[k]) {
			k++
		}
		if k > i {
			return i, false
		}
	}
	return j, digit
}

// ShapeHash hashes the masked fields of line in order: equal for lines of
// one shape. It reads the line once.
func ShapeHash(line string) uint64 {
	h := uint64(fnvOffset)
	n := 0
	i := 0
	for i < len(line) {
		c := line[i]
		if c == ' ' || c == '\t' || c == '\r' {
			i++
			continue
		}
		// A field starts: mix a separator, then its masked bytes.
		h = (h ^ ' ') * fnvPrime
		n++
		for i < len(line) {
			c = line[i]
			if c == ' ' || c == '\t' || c == '\r' {
				break
			}
			if hexByte[c] {
				if j, ok := hexRun(line, i); ok {
					h = (h ^ '#') * fnvPrime
					i = j
					continue
				}
			}
			h = (h ^ uint64(c)) * fnvPrime
			i++
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
	var b []byte
	for i := 0; i < len(f); {
		if IsHex(f[i]) {
			if j, ok := hexRun(f, i); ok {
				if b == nil {
					b = append(make([]byte, 0, len(f)), f[:i]...)
				}
				b = append(b, '#')
				i = j
				continue
			}
		}
		if b != nil {
			b = append(b, f[i])
		}
		i++
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
	for i := 0; i < len(f); {
		c := f[i]
		if IsHex(c) {
			if j, ok := hexRun(f, i); ok {
				c, i = '#', j
				if k == len(masked) || masked[k] != c {
					return false
				}
				k++
				continue
			}
		}
		if k == len(masked) || masked[k] != c {
			return false
		}
		k++
		i++
	}
	return k == len(masked)
}
