// Package procinfo reads what Linux says of a process in /proc, as an
// operator would from outside: its memory, its CPU time, its children,
// whether it is still alive, and the machine's load average. Parsing is
// github.com/prometheus/procfs's (the library client_golang's process
// metrics use); this package names the few figures tsheadroom's tests, its
// load generator and its worker pool read.
//
// Where /proc is missing (not Linux) every reading fails, and Alive falls
// back to signal 0 on Unix.
package procinfo

import (
	"fmt"
	"math"
	"time"

	"github.com/prometheus/procfs"
)

// Memory is a process's resident set, in bytes: now and at its peak
// (VmRSS and VmHWM of /proc/PID/status). A figure the kernel does not give
// (a zombie has none) is 0.
type Memory struct {
	RSS  int64
	Peak int64
}

// ReadMemory reads pid's Memory.
func ReadMemory(pid int) (Memory, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return Memory{}, err
	}
	s, err := p.NewStatus()
	if err != nil {
		return Memory{}, err
	}
	return Memory{RSS: int64(s.VmRSS), Peak: int64(s.VmHWM)}, nil
}

// CPU returns the CPU time pid used so far, user and system (its
// children's not included), to the kernel's clock tick (10ms).
func CPU(pid int) (time.Duration, error) {
	s, err := stat(pid)
	if err != nil {
		return 0, err
	}
	return time.Duration(math.Round(s.CPUTime()*1000)) * time.Millisecond, nil
}

// Children returns the PIDs of parent's live children (zombies left out).
func Children(parent int) ([]int, error) {
	procs, err := procfs.AllProcs()
	if err != nil {
		return nil, err
	}
	var out []int
	for _, p := range procs {
		s, err := p.Stat()
		if err != nil {
			continue // gone meanwhile
		}
		if s.PPID == parent && live(s) {
			out = append(out, p.PID)
		}
	}
	return out, nil
}

// Alive reports whether pid exists and is neither a zombie nor dead.
func Alive(pid int) bool {
	s, err := stat(pid)
	if err != nil {
		return !procMounted() && signalable(pid)
	}
	return live(s)
}

// LoadAvg returns the 1-, 5- and 15-minute load averages as /proc/loadavg
// writes them ("0.52 0.48 0.41"), or "?" where they cannot be read.
func LoadAvg() string {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return "?"
	}
	l, err := fs.LoadAvg()
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%.2f %.2f %.2f", l.Load1, l.Load5, l.Load15)
}

func stat(pid int) (procfs.ProcStat, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return procfs.ProcStat{}, err
	}
	return p.Stat()
}

func live(s procfs.ProcStat) bool { return s.State != "Z" && s.State != "X" }

func procMounted() bool {
	_, err := procfs.NewDefaultFS()
	return err == nil
}
