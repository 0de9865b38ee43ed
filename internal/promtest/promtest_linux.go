package promtest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill Prometheus if the test binary dies
// without running its cleanups (a test timeout panics past them), so no
// orphan keeps scraping.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
