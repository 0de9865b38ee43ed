package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
)

// Tags of the in-process tailnet: the servers are tagged as in production
// (a Service host must be), the load generator is the hook and metrics
// caller they allow.
const (
	serverTag = "tag:tsheadroom"
	clientTag = "tag:load"
)

// startTailnet starts the in-process tailnet, a client node tagged
// clientTag, and o.replicas servers (separate processes) joined to it,
// hosting o.service when it is set; calls go to the Service's name then,
// else to the first server.
func startTailnet() starter {
	return func(ctx context.Context, o options) (*environment, error) {
		if o.replicas < 1 {
			return nil, fmt.Errorf("-replicas must be at least 1")
		}
		return newEnvironment(o, func(env *environment, bin string) error { return startTailnetIn(ctx, o, env, bin) })
	}
}

func startTailnetIn(ctx context.Context, o options, env *environment, bin string) error {
	tn, err := tailnettest.New(tailnettest.Options{})
	if err != nil {
		return err
	}
	env.onClose = append(env.onClose, func() { tn.Close() })
	upCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	loader, err := tn.AddNode(upCtx, tailnettest.NodeOptions{Hostname: "load", Tags: []string{clientTag}})
	if err != nil {
		return err
	}
	env.client = newClient(o.concurrency, &http.Transport{DialContext: loader.Server.Dial})
	if o.service != "" {
		if err := tn.AutoApproveService(o.service, serverTag); err != nil {
			return err
		}
	}
	// The servers are separate processes: they need the process
	// settings the harness applies to itself (loopback-only endpoints,
	// no port mapping, never the real control plane).
	tsEnv := []string{"TS_DISABLE_PORTMAPPER=1", "TS_DEBUG_OMIT_LOCAL_ADDRS=1", "TS_PANIC_IF_HIT_MAIN_CONTROL=1"}
	for i := range o.replicas {
		name := "tsheadroom"
		if o.replicas > 1 {
			name = fmt.Sprintf("tsheadroom-%d", i+1)
		}
		args := []string{"-hostname", name, "-state-dir", filepath.Join(env.dir, name),
			"-control-url", tn.ControlURL(), "-advertise-tags", serverTag,
			"-hook-tags", clientTag, "-metrics-tags", clientTag}
		if o.service != "" {
			args = append(args, "-service", o.service)
		}
		p, err := env.spawn(name, bin, tsEnv, o.verbose, append(args, strings.Fields(o.serverArgs)...))
		if err != nil {
			return err
		}
		base := "http://" + tn.FQDN(name)
		if err := waitOK(upCtx, env.client, base+"/healthz", p); err != nil {
			return err
		}
		env.targets = append(env.targets, target{name: name, hookURL: base + "/", metricsURL: base + "/metrics", pid: p.Cmd.Process.Pid})
	}
	env.hookURL = env.targets[0].hookURL
	if o.service != "" {
		base := "http://" + tn.FQDNOfService(o.service)
		if err := waitOK(upCtx, env.client, base+"/healthz", nil); err != nil {
			return fmt.Errorf("service %s: %w", o.service, err)
		}
		env.hookURL = base + "/"
	}
	return nil
}

// serverBinary returns the tsheadroom binary to drive: $TSHEADROOM_LOAD_SERVER,
// else one built from this module into a temporary directory.
func serverBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("TSHEADROOM_LOAD_SERVER"); bin != "" {
		return bin
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIP: no go command to build the server; set TSHEADROOM_LOAD_SERVER")
	}
	bin := filepath.Join(t.TempDir(), "tsheadroom")
	out, err := exec.Command(goTool, "build", "-tags", "ts_omit_peerapiserver", "-o", bin, "github.com/tsheadroom/tsheadroom").CombinedOutput()
	if err != nil {
		t.Fatalf("build the server: %v\n%s", err, out)
	}
	return bin
}

// TestLoadTailnet runs the load generator over the in-process tailnet. By
// default it is a short check of the whole path (two replicas behind a
// Tailscale Service, a few hundred calls, every answer verified); with
// TSHEADROOM_LOAD set to tsheadroom-load flags it is a measurement, and
// prints the report:
//
//	TSHEADROOM_LOAD='-server /tmp/tsheadroom -c 32 -n 2000 -min-size 40000 -max-size 70000' \
//	  go test -tags ts_omit_peerapiserver -run TestLoadTailnet -v ./cmd/tsheadroom-load
func TestLoadTailnet(t *testing.T) {
	var o options
	args := os.Getenv("TSHEADROOM_LOAD")
	measure := args != ""
	if !measure {
		args = "-replicas 2 -service svc:hook-load -c 4 -n 120 -window 40 -max-size 70000"
	}
	if err := flagSet(&o).Parse(strings.Fields(args)); err != nil {
		t.Fatal(err)
	}
	if o.server == "" {
		o.server = serverBinary(t)
	}
	o.tailnet = true
	var out strings.Builder
	err := run(t.Context(), o, startTailnet(), &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !measure && !strings.Contains(out.String(), "corrupt 0") {
		t.Errorf("report without a clean check: %s", out.String())
	}
}
