// Package child runs a program as a child process the way the tests and
// the load generator run tsheadroom: started, its exit watched in the
// background so that a caller can wait for it with a bound, and stopped
// as an operator stops a service (SIGTERM, a bounded wait, SIGKILL if it
// must).
//
// It is ordinary code, not test support: cmd/tsheadroom-load uses it too.
// It knows nothing of tsheadroom.
package child

import (
	"os/exec"
	"syscall"
	"time"
)

// Process is a started command whose exit is being waited for.
type Process struct {
	Cmd    *exec.Cmd
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// Start starts cmd, as set up by the caller (arguments, environment,
// output), and waits for its exit in the background.
func Start(cmd *exec.Cmd) (*Process, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{Cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	return p, nil
}

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err says how the process ended (Wait's result: nil for exit status 0);
// it is meaningful once Exited is closed.
func (p *Process) Err() error { return p.err }

// Terminate sends SIGTERM and waits at most limit for the exit. It
// reports whether the process has exited (a process still running is left
// running), and the error of sending the signal, if any:
// os.ErrProcessDone when the process had exited already.
func (p *Process) Terminate(limit time.Duration) (exited bool, signalErr error) {
	signalErr = p.Cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-p.exited:
		return true, signalErr
	case <-t.C:
		return false, signalErr
	}
}

// Kill kills the process unless it has exited, and waits for the exit.
func (p *Process) Kill() {
	select {
	case <-p.exited:
	default:
		p.Cmd.Process.Kill()
		<-p.exited
	}
}
