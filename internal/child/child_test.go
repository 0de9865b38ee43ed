package child

import (
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestTerminate: a process that exits on SIGTERM is reported exited with
// its status; a second SIGTERM finds it gone.
func TestTerminate(t *testing.T) {
	p, err := Start(exec.Command("sleep", "60"))
	if err != nil {
		t.Skipf("no sleep: %v", err)
	}
	exited, err := p.Terminate(10 * time.Second)
	if !exited || err != nil {
		t.Fatalf("exited %v, signal error %v", exited, err)
	}
	var ee *exec.ExitError
	if !errors.As(p.Err(), &ee) || ee.ExitCode() != -1 {
		t.Errorf("status after SIGTERM: %v", p.Err())
	}
	if exited, err := p.Terminate(time.Second); !exited || !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("SIGTERM after the exit: exited %v, signal error %v", exited, err)
	}
}

// TestKill: a process that ignores SIGTERM (a sleep that inherits the
// ignored signal, so that nothing outlives the test) is still running after the
// bound and left so; Kill ends it and waits, and does nothing once it has
// exited.
func TestKill(t *testing.T) {
	cmd := exec.Command("sh", "-c", `trap "" TERM; echo ready; exec sleep 60`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Start(cmd)
	if err != nil {
		t.Skipf("no sh: %v", err)
	}
	if _, err := out.Read(make([]byte, 6)); err != nil { // the trap is set
		t.Fatal(err)
	}
	if exited, err := p.Terminate(200 * time.Millisecond); exited || err != nil {
		t.Fatalf("exited %v, signal error %v", exited, err)
	}
	p.Kill()
	select {
	case <-p.Exited():
	default:
		t.Fatal("Kill returned before the exit")
	}
	if p.Err() == nil {
		t.Error("a killed process exited 0")
	}
	p.Kill()
}

// TestStartFails: a command that cannot start is an error, not a Process.
func TestStartFails(t *testing.T) {
	if p, err := Start(exec.Command("/nonexistent/program")); err == nil {
		t.Errorf("started %v", p)
	}
}
