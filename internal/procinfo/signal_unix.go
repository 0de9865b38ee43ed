//go:build unix

package procinfo

import "syscall"

// signalable reports whether signal 0 reaches pid: it exists (a zombie
// too), for systems without /proc.
func signalable(pid int) bool { return syscall.Kill(pid, 0) == nil }
