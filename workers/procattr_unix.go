//go:build unix && !linux

package workers

import "syscall"

// sysProcAttr puts a worker in its own process group so a kill reaches
// everything it started. Without a parent-death signal here, workers rely
// on exiting when their stdin closes.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
