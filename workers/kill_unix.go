//go:build unix

package workers

import (
	"os"
	"syscall"
)

// killGroup kills the worker's whole process group (its pgid is its pid,
// see sysProcAttr), falling back to the process alone.
func killGroup(p *os.Process) {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		_ = p.Kill()
	}
}
