package node

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

// FuzzCheckLoopback: an address the local listener accepts names loopback
// and nothing else (localhost, or an IP literal in 127.0.0.0/8 or ::1,
// IPv4-mapped included), and a listener opened on an accepted address with
// port 0 is bound to loopback.
func FuzzCheckLoopback(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1:8787", "[::1]:0", "localhost:0", "LocalHost:0", "0.0.0.0:80", ":80", "[::]:0",
		"[::ffff:127.0.0.1]:0", "127.1:80", "127.255.255.254:0", "[::1%lo]:0", "example.com:80",
		"127.0.0.1:http", "127.0.0.1:-1", "127.0.0.1:99999", "localhost.:0", "127.0.0.1.nip.io:0",
		"[0:0:0:0:0:0:0:1]:0", "0x7f.1:0", "2130706433:0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if checkLoopback(addr) != nil {
			return
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("accepted %q, which is not host:port", addr)
		}
		ip, perr := netip.ParseAddr(host)
		if !strings.EqualFold(host, "localhost") && (perr != nil || !ip.Unmap().IsLoopback()) {
			t.Fatalf("accepted %q: host %q is not loopback", addr, host)
		}
		if port != "0" {
			return
		}
		ln, err := listenLoopback(addr)
		if err != nil {
			return // e.g. no IPv6 here, or a zone that names no interface
		}
		defer ln.Close()
		if ap, err := netip.ParseAddrPort(ln.Addr().String()); err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Fatalf("listening on %q bound %s", addr, ln.Addr())
		}
	})
}
