//go:build !unix

package workers

import (
	"os"
	"syscall"
)

// sysProcAttr has no process groups to set up on this platform.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the worker process; helpers it started may survive on
// platforms without process groups.
func killGroup(p *os.Process) { _ = p.Kill() }
