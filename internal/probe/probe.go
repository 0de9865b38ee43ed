// Package probe reaches an HTTP server from outside, as the tests and the
// load generator do with the tsheadroom they start: it picks a free
// loopback address to start one on, polls a URL until it gives the answer
// wanted (ready, or a setting in effect), sends it JSON as a hook call is
// sent, and reads /metrics as Prometheus does.
//
// It is ordinary code, not test support: cmd/tsheadroom-load uses it too.
// It knows nothing of tsheadroom; a caller that must go through a tailnet
// node passes that node's HTTP client.
package probe

import (
	"fmt"
	"net"
)

// FreeLoopbackAddr returns "127.0.0.1:PORT" with a TCP port that was free a
// moment ago, for a server that takes its listen address as a flag. Another
// program may take the port in between; callers that cannot afford that
// retry on "address already in use".
func FreeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free loopback port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
