// Package wrapper peels the lines an agent CLI wraps around a command's
// output — a preamble such as "Exit code 1", or "Exit code: 0 / Wall time:
// 1.4 seconds / Output:", or "Command: ... / Directory: ... / Output: ...",
// and a trailer such as "Error: (none) / Exit Code: 1 / Signal: (none)" —
// so the payload between them is detected and compressed on its own while
// the wrapper is kept verbatim.
//
// Wrappers are recognised by shape, not by name: a short run of lines that
// are each a capitalised key of one to four words followed by ':' and a
// short value (or by an exit number), at the very start and, when a
// preamble was found, at the very end.
package wrapper

import (
	"strings"

	"github.com/tsheadroom/tsheadroom/compress/lines"
)

// Parts is a text split into a verbatim head and tail and the payload
// between them: Head+Payload+Tail == the original text.
type Parts struct {
	Head, Payload, Tail string
}

// maxHeadLines and maxTailLines bound the wrapper lines looked at.
const (
	maxHeadLines = 8
	maxTailLines = 10
	maxValueLen  = 300
)

// Peel splits text. When no wrapper is found, Head and Tail are empty.
func Peel(text string) Parts {
	head := headLen(text)
	if head == 0 {
		return Parts{Payload: text}
	}
	rest := text[head:]
	tail := tailLen(rest)
	return Parts{Head: text[:head], Payload: rest[:len(rest)-tail], Tail: rest[len(rest)-tail:]}
}

// headLen returns the length of the preamble: whole wrapper lines, and,
// when the last of them is "Key: value" directly followed by payload lines,
// the line up to its value (the payload starts on the key's own line).
func headLen(text string) int {
	off := 0
	keys := map[string]bool{}
	for n := 0; ; n++ {
		if n == maxHeadLines || off >= len(text) {
			// A wrapper is short and ends before the payload does.
			return 0
		}
		end := strings.IndexByte(text[off:], '\n')
		line := text[off:]
		if end >= 0 {
			line = text[off : off+end]
		}
		k, ok := wrapperLine(line)
		if !ok {
			if k := longPayloadKey(line); k > 0 && off > 0 {
				// "Output: <a value too long for a wrapper line>": the
				// payload starts after the key.
				return off + k + leadingBlanks(line[k:])
			}
			break
		}
		if key := keyOf(line); keys[key] {
			return 0 // a repeated key is the payload's own format
		} else {
			keys[key] = true
		}
		if end < 0 {
			// The whole text is wrapper lines: nothing to peel.
			return 0
		}
		next := off + end + 1
		value := strings.TrimSpace(line[k:])
		if k > 0 && value != "" && value != "(none)" {
			// Does the payload start here? When the next line is not a
			// wrapper line, this key holds the payload's first line.
			nl := text[next:]
			if i := strings.IndexByte(nl, '\n'); i >= 0 {
				nl = nl[:i]
			}
			if _, more := wrapperLine(nl); !more && longPayloadKey(nl) == 0 && isPayloadKey(line) {
				return off + k + leadingBlanks(line[k:])
			}
		}
		off = next
	}
	if off == 0 {
		return 0
	}
	return off
}

// isPayloadKey reports whether a "Key: value" line's value may continue on
// the next lines: its key is a single word (Output:, Stdout:, Result:).
func isPayloadKey(line string) bool {
	i := strings.IndexByte(line, ':')
	return i > 0 && !strings.ContainsAny(line[:i], " \t")
}

// longPayloadKey returns the offset past the ':' of a line that is a
// payload key (one capitalised word) followed by a value too long for a
// wrapper line, or 0.
func longPayloadKey(line string) int {
	i := strings.IndexByte(line, ':')
	if i <= 0 || i > 20 || len(line)-i-1 <= maxValueLen || line[0] < 'A' || line[0] > 'Z' || line[i+1] != ' ' {
		return 0
	}
	for j := 0; j < i; j++ {
		if !lines.IsLetter(line[j]) {
			return 0
		}
	}
	return i + 1
}

func leadingBlanks(s string) int {
	n := 0
	for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
		n++
	}
	return n
}

// tailLen returns the length of the trailer: the last lines of text that
// are all wrapper lines.
func tailLen(text string) int {
	end := len(text)
	start := end
	keys := map[string]bool{}
	for n := 0; n < maxTailLines; n++ {
		body := strings.TrimRight(text[:start], "\n")
		if body == "" {
			break
		}
		i := strings.LastIndexByte(body, '\n')
		line := body[i+1:]
		if _, ok := wrapperLine(line); !ok || keys[keyOf(line)] {
			break
		}
		keys[keyOf(line)] = true
		start = i + 1
		if i < 0 {
			return 0
		}
	}
	if start == end {
		return 0
	}
	// Keep the newline before the trailer with the payload.
	return end - start
}

// wrapperLine reports whether line is a wrapper line: "Exit code 1" /
// "Exit status 2" (a capitalised key and a number), or a capitalised key of
// one to four words, ':' and a short value. It returns the offset just past
// the ':' (0 for the numeric form).
func wrapperLine(line string) (int, bool) {
	line = strings.TrimRight(line, "\r")
	if line == "" || len(line) > maxValueLen+40 || line[0] < 'A' || line[0] > 'Z' {
		return 0, false
	}
	words := 0
	i := 0
	for i < len(line) {
		// A word of letters (and '-'), then ' ' or ':'.
		j := i
		for j < len(line) && (lines.IsLetter(line[j]) || line[j] == '-' && j > i) {
			j++
		}
		if j == i {
			return 0, false
		}
		words++
		if words > 4 {
			return 0, false
		}
		switch {
		case j == len(line):
			return 0, false
		case line[j] == ':':
			if j+1 < len(line) && line[j+1] != ' ' && line[j+1] != '\t' {
				return 0, false // "http://", "key:value" is not a wrapper key
			}
			if len(line)-j-1 > maxValueLen {
				return 0, false
			}
			return j + 1, true
		case line[j] == ' ':
			rest := line[j+1:]
			if isNumber(rest) {
				return 0, true // "Exit code 1"
			}
			if rest == "" || !(lines.IsLetter(rest[0])) {
				return 0, false
			}
			i = j + 1
		default:
			return 0, false
		}
	}
	return 0, false
}

// isNumber reports whether s is an exit code: a short integer.
func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return len(s) <= 6 && lines.AllDigits(s)
}

// keyOf returns the key of a wrapper line: the text before ':' or before
// the exit number.
func keyOf(line string) string {
	if i := strings.IndexByte(line, ':'); i >= 0 {
		return line[:i]
	}
	if i := strings.LastIndexByte(line, ' '); i >= 0 {
		return line[:i]
	}
	return line
}
