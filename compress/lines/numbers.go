package lines

import (
	"strconv"
	"strings"
)

// Number parses a field that holds one quantity: a decimal number with an
// optional sign, thousands separators, fraction and exponent, and an
// optional unit of size (B, K, KB, KiB, M, MB, ... up to T), duration (ns,
// us, µs, ms, s, m, h) or a percent sign, with surrounding brackets and
// punctuation ignored ("(0.01s)", "3.8M", "768K", "1,234", "12.5%"). Sizes
// come back in bytes and durations in seconds, so values in one column
// compare whatever unit each row used. Versions ("5.4.5"), dates, times and
// hashes are not numbers.
func Number(f string) (float64, bool) {
	f = TrimPunct(f)
	if f == "" || len(f) > 40 {
		return 0, false
	}
	i := 0
	if f[0] == '-' || f[0] == '+' {
		i++
	}
	start := i
	digits, dots, commas := 0, 0, 0
	var whole int64 // the digits read as a whole number, while at most 15
	for i < len(f) {
		c := f[i]
		switch {
		case IsDigit(c):
			digits++
			whole = whole*10 + int64(c-'0')
		case c == '.':
			dots++
		case c == ',' && i > start && i+3 < len(f) && IsDigit(f[i+1]) && IsDigit(f[i+2]) && IsDigit(f[i+3]):
			commas++
		default:
			goto unit
		}
		i++
	}
unit:
	if digits == 0 || dots > 1 {
		return 0, false
	}
	num := f[:i]
	if commas > 0 {
		num = strings.ReplaceAll(num, ",", "")
	}
	// An exponent: 1e-05, 2.5E+3.
	if i < len(f) && (f[i] == 'e' || f[i] == 'E') && i+1 < len(f) && (IsDigit(f[i+1]) || (f[i+1] == '-' || f[i+1] == '+') && i+2 < len(f) && IsDigit(f[i+2])) {
		j := i + 2
		for j < len(f) && IsDigit(f[j]) {
			j++
		}
		num, i = f[:j], j
	}
	scale, ok := unitScale(f[i:])
	if !ok {
		return 0, false
	}
	if dots == 0 && commas == 0 && digits <= 15 && len(num) == start+digits {
		// A float64 holds such a number exactly, as ParseFloat would
		// return it; most numbers in tool output are counts and sizes.
		v := float64(whole)
		if f[0] == '-' {
			v = -v // ParseFloat("-0") is negative zero too
		}
		return v * scale, true
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	return v * scale, true
}

// TrimPunct trims the brackets and punctuation around a value:
// strings.Trim(f, "()[]{},;:\"'"), which builds its byte set again on
// every call, and Number runs on every numeric field of a block.
func TrimPunct(f string) string {
	i, j := 0, len(f)
	for i < j && punct[f[i]] {
		i++
	}
	for j > i && punct[f[j-1]] {
		j--
	}
	return f[i:j]
}

var punct = func() (t [256]bool) {
	for _, c := range []byte("()[]{},;:\"'") {
		t[c] = true
	}
	return t
}()

// unitScale returns the factor that brings a quantity in unit u to bytes,
// seconds or a plain number.
func unitScale(u string) (float64, bool) {
	switch u {
	case "", "%", "x":
		return 1, true
	case "B", "b":
		return 1, true
	case "K", "k", "KB", "kB", "kb", "KiB":
		return 1 << 10, true
	case "M", "MB", "MiB", "mb":
		return 1 << 20, true
	case "G", "GB", "GiB", "gb":
		return 1 << 30, true
	case "T", "TB", "TiB":
		return 1 << 40, true
	case "ns":
		return 1e-9, true
	case "us", "µs", "μs":
		return 1e-6, true
	case "ms":
		return 1e-3, true
	case "s", "sec", "secs":
		return 1, true
	case "m", "min":
		return 60, true
	case "h":
		return 3600, true
	}
	return 0, false
}
