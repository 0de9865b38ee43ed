package hook

import (
	"bytes"
	"io"
)

// sizeHint is the buffer to start reading a body into: its Content-Length
// (the decoded size when the body is not coded, a lower bound when it is),
// never more than the largest body accepted, so that a header cannot make
// the hook allocate more than a real body could.
func sizeHint(contentLength, maxBody int64) int {
	if contentLength <= 0 {
		return bytes.MinRead
	}
	return int(min(contentLength, maxBody))
}

// readAll is io.ReadAll starting from a buffer of hint bytes, grown only
// when the body is longer: io.ReadAll starts at 512 bytes and copies a
// 50 KB body about seven times on the way.
func readAll(r io.Reader, hint int) ([]byte, error) {
	// One spare byte lets the read that sees the end land without a last
	// growth.
	b := make([]byte, 0, hint+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
