package node

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// canCheckPeerSocket reports whether ownPeerSocket works on this system.
const canCheckPeerSocket = true

// ownPeerSocket reports whether the other end of an accepted loopback TCP
// connection (remote -> local, as the accepting side sees it) is a socket
// this process holds open. tsnet's Service forwarder dials the loopback
// listener from inside this process; any other local program that connects
// there could write a PROXY header naming any tailnet address it likes.
//
// It finds the connecting socket in /proc/self/net/tcp{,6} (local address
// = remote, remote = local) and looks its inode up among /proc/self/fd.
func ownPeerSocket(remote, local netip.AddrPort) (bool, error) {
	inode, err := findSocketInode(remote, local)
	if err != nil {
		return false, err
	}
	if inode == "" || inode == "0" {
		return false, nil
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return false, err
	}
	want := "socket:[" + inode + "]"
	for _, fd := range fds {
		if link, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && link == want {
			return true, nil
		}
	}
	return false, nil
}

// findSocketInode returns the inode of the TCP socket bound to local with
// peer remote, or "" when the kernel lists none.
func findSocketInode(local, remote netip.AddrPort) (string, error) {
	file := "/proc/self/net/tcp"
	if local.Addr().Is6() && !local.Addr().Is4In6() {
		file = "/proc/self/net/tcp6"
	}
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	wantLocal, wantRemote := procAddr(local), procAddr(remote)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[1] != wantLocal || fields[2] != wantRemote {
			continue
		}
		return fields[9], nil
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read %s: %w", file, err)
	}
	return "", nil
}

// procAddr formats ap as the kernel prints it in /proc/net/tcp{,6}: the
// address as 32-bit words in host byte order, then the port, in hex.
func procAddr(ap netip.AddrPort) string {
	a := ap.Addr().Unmap()
	var raw []byte
	if a.Is4() {
		b := a.As4()
		raw = b[:]
	} else {
		b := a.As16()
		raw = b[:]
	}
	var sb strings.Builder
	for i := 0; i < len(raw); i += 4 {
		word := binary.NativeEndian.Uint32(raw[i : i+4])
		var w [4]byte
		binary.BigEndian.PutUint32(w[:], word)
		sb.WriteString(strings.ToUpper(hex.EncodeToString(w[:])))
	}
	sb.WriteByte(':')
	port := strings.ToUpper(strconv.FormatUint(uint64(ap.Port()), 16))
	sb.WriteString(strings.Repeat("0", 4-len(port)) + port)
	return sb.String()
}
