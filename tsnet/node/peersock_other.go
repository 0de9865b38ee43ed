//go:build !linux

package node

import "net/netip"

// canCheckPeerSocket reports whether ownPeerSocket works on this system:
// only Linux lists sockets with their owners in /proc.
const canCheckPeerSocket = false

// ownPeerSocket cannot tell here; Start warns that the Service listener
// trusts every local program.
func ownPeerSocket(remote, local netip.AddrPort) (bool, error) { return true, nil }
