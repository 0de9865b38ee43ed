package hook

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadAll(t *testing.T) {
	body := strings.Repeat("abcdefghij", 1000)
	for _, hint := range []int{0, 1, 512, len(body) - 1, len(body), len(body) + 1, 1 << 20} {
		for name, r := range map[string]io.Reader{
			"whole":    strings.NewReader(body),
			"bytewise": iotest.OneByteReader(strings.NewReader(body)),
		} {
			got, err := readAll(r, hint)
			if err != nil || string(got) != body {
				t.Errorf("hint %d, %s: %d bytes, %v", hint, name, len(got), err)
			}
		}
	}
	if _, err := readAll(iotest.ErrReader(io.ErrUnexpectedEOF), 10); err != io.ErrUnexpectedEOF {
		t.Errorf("error not passed on: %v", err)
	}
}

func TestSizeHint(t *testing.T) {
	for _, c := range []struct {
		cl, max int64
		want    int
	}{{-1, 100, bytes.MinRead}, {0, 100, bytes.MinRead}, {50, 100, 50}, {1 << 40, 100, 100}} {
		if got := sizeHint(c.cl, c.max); got != c.want {
			t.Errorf("sizeHint(%d, %d) = %d, want %d", c.cl, c.max, got, c.want)
		}
	}
}

// TestReadAllSized: a body read with its length as the hint takes one
// buffer, not a chain of growing copies.
func TestReadAllSized(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 50_000)
	r := bytes.NewReader(body)
	allocs := testing.AllocsPerRun(20, func() {
		r.Reset(body)
		readAll(r, len(body))
	})
	if allocs > 1 {
		t.Errorf("readAll with an exact hint: %v allocations, want 1", allocs)
	}
}
