package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/child"
	"github.com/tsheadroom/tsheadroom/internal/probe"
)

// environment is what -server started: the servers, and in tailnet mode
// whatever else must be closed with them.
type environment struct {
	client  *http.Client
	hookURL string
	targets []target
	procs   []*serverProc
	dir     string
	stopped bool
	onClose []func()
}

type serverProc struct {
	name string
	*child.Process
}

// startLoopback starts the -server binary on a free loopback port.
func startLoopback(ctx context.Context, o options) (*environment, error) {
	if o.replicas != 1 || o.service != "" {
		return nil, errors.New("-replicas and -service need the in-process tailnet: run TestLoadTailnet (see the package doc)")
	}
	return newEnvironment(o, func(env *environment, bin string) error { return env.startLoopback(ctx, o, bin) })
}

func (env *environment) startLoopback(ctx context.Context, o options, bin string) error {
	addr, err := probe.FreeLoopbackAddr()
	if err != nil {
		return err
	}
	p, err := env.spawn("server", bin, nil, o.verbose, append([]string{"-tailnet=false", "-local-addr", addr}, strings.Fields(o.serverArgs)...))
	if err != nil {
		return err
	}
	env.client = newClient(o.concurrency, nil)
	base := "http://" + addr
	if err := waitOK(ctx, env.client, base+"/healthz", p); err != nil {
		return err
	}
	env.hookURL = base + "/"
	env.targets = []target{{name: "server", hookURL: base + "/", metricsURL: base + "/metrics", pid: p.Cmd.Process.Pid}}
	return nil
}

// newEnvironment makes an environment with a private directory and has
// fill start what it holds, given the -server binary's absolute path; if
// fill fails, whatever it started is stopped again.
func newEnvironment(o options, fill func(env *environment, bin string) error) (*environment, error) {
	bin, err := filepath.Abs(o.server)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tsheadroom-load-")
	if err != nil {
		return nil, err
	}
	env := &environment{dir: dir}
	if err := fill(env, bin); err != nil {
		env.close()
		return nil, err
	}
	return env, nil
}

func (env *environment) spawn(name, bin string, extraEnv []string, verbose bool, args []string) (*serverProc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), extraEnv...)
	if verbose {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	cp, err := child.Start(cmd)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &serverProc{name: name, Process: cp}
	env.procs = append(env.procs, p)
	return p, nil
}

// waitOK polls url until it answers 200; p, when given, must not exit
// meanwhile.
func waitOK(ctx context.Context, c *http.Client, url string, p *serverProc) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	poll := probe.Poll{Client: c}
	if p != nil {
		poll.Exited = p.Exited()
	}
	err := poll.OK(ctx, url)
	if errors.Is(err, probe.ErrExited) {
		return fmt.Errorf("%s exited before answering %s: %v (run with -v for its log)", p.name, url, p.Err())
	}
	return err
}

// stop sends SIGTERM to every server and says how each one ended.
func (env *environment) stop() []string {
	if env.stopped {
		return nil
	}
	env.stopped = true
	var out []string
	for _, p := range env.procs {
		t0 := time.Now()
		// A process that has exited already (the signal fails) reports
		// how it ended all the same.
		if exited, _ := p.Terminate(30 * time.Second); !exited {
			p.Kill()
			out = append(out, fmt.Sprintf("%s: still running 30s after SIGTERM; killed", p.name))
			continue
		}
		status := "exit 0"
		if p.Err() != nil {
			status = p.Err().Error()
		}
		out = append(out, fmt.Sprintf("%s: SIGTERM -> %s after %v", p.name, status, time.Since(t0).Round(time.Millisecond)))
	}
	return out
}

func (env *environment) close() {
	env.stop()
	for _, f := range env.onClose {
		f()
	}
	if env.dir != "" {
		os.RemoveAll(env.dir)
	}
}
