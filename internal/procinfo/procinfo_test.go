package procinfo

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func needProc(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("no /proc here")
	}
}

func TestSelf(t *testing.T) {
	needProc(t)
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS {
		t.Errorf("memory %+v", m)
	}
	start, err := CPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
		x++
	}
	if now, err := CPU(os.Getpid()); err != nil || now <= start {
		t.Errorf("CPU time %v then %v (%v) over a busy loop (%d)", start, now, err, x)
	}
	if !Alive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	if f := strings.Fields(LoadAvg()); len(f) != 3 {
		t.Errorf("load average %q", LoadAvg())
	}
}

// TestChild: a child is listed and alive while it runs; once it has exited
// (a zombie until waited for, then gone) it is neither.
func TestChild(t *testing.T) {
	needProc(t)
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	kids, err := Children(os.Getpid())
	if err != nil || !slices.Contains(kids, pid) || !Alive(pid) {
		t.Errorf("running child %d: children %v (%v), alive %v", pid, kids, err, Alive(pid))
	}
	cmd.Process.Kill()
	for deadline := time.Now().Add(10 * time.Second); Alive(pid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if Alive(pid) {
		t.Error("a killed child (a zombie) is alive")
	}
	if kids, _ := Children(os.Getpid()); slices.Contains(kids, pid) {
		t.Errorf("a zombie is a child: %v", kids)
	}
	cmd.Wait()
	if Alive(pid) {
		t.Error("a reaped child is alive")
	}
	if _, err := ReadMemory(pid); err == nil {
		t.Error("memory of a reaped child")
	}
}
