package workers

import "syscall"

// sysProcAttr puts a worker in its own process group (so a kill reaches
// everything it started) and has the kernel kill it if tsheadroom dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
