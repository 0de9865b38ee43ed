package hook

import "io"

// firstChunk is how much of a declared body is allocated before any of it
// arrives: enough for most calls in one buffer, little for a caller that
// declares much and then trickles.
const firstChunk = 16 << 10

// readAll is io.ReadAll sized from the declared length (Content-Length of
// an uncoded body, or -1): it starts with up to firstChunk bytes and, once
// the body proves longer, grows straight to the declared length (plus one
// byte, to see the end), so a 50 KB body is copied once instead of about
// seven times, and a slow caller holds only what it has sent. A body longer
// than declared (a decoded one) grows on by doubling.
func readAll(r io.Reader, declared int64) ([]byte, error) {
	size := 512
	if declared > 0 {
		size = int(min(declared+1, firstChunk))
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			n := 2 * cap(buf)
			if d := declared + 1; declared > 0 && d > int64(cap(buf)) {
				n = int(d)
			}
			buf = append(make([]byte, 0, n), buf...)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
