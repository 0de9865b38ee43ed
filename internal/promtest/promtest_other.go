//go:build !linux

package promtest

import "os/exec"

// setDeathSignal has no portable equivalent outside Linux; Stop (run by
// Start's cleanup) is the only way the server ends there.
func setDeathSignal(*exec.Cmd) {}
