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
	for _, hint := range []int64{-1, 0, 1, 512, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 1, 1 << 20} {
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

// TestReadAllSized: a body read with its declared length takes at most
// two buffers (the first chunk, then the whole), not a chain of copies.
func TestReadAllSized(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 50_000)
	r := bytes.NewReader(body)
	allocs := testing.AllocsPerRun(20, func() {
		r.Reset(body)
		readAll(r, int64(len(body)))
	})
	if allocs > 2 {
		t.Errorf("readAll with the declared length: %v allocations, want at most 2", allocs)
	}
}
