package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/tsheadroom/tsheadroom/internal/testenv"
)

// TestBuildInfoFrom covers the three ways a binary is built: in a git
// checkout (vcs.* settings), by `go install PATH@pseudo-version` (no VCS
// metadata; the pseudo-version carries revision and time), and from a tag
// or without any version at all.
func TestBuildInfoFrom(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	deps := []*debug.Module{
		{Path: "golang.org/x/sync", Version: "v0.25.0"},
		{Path: "tailscale.com", Version: "v1.102.5"},
	}
	tests := []struct {
		name     string
		bi       debug.BuildInfo
		stamps   [2]string // -X main.stampVersion, main.stampRevision
		version  string
		revision string
		time     string
		modified bool
	}{{
		name: "git checkout",
		bi: debug.BuildInfo{
			Main: debug.Module{Path: "github.com/tsheadroom/tsheadroom", Version: "v0.0.0-20260102030405-0123456789ab+dirty"},
			Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: rev},
				{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
				{Key: "vcs.modified", Value: "true"},
			},
		},
		version: "v0.0.0-20260102030405-0123456789ab+dirty", revision: rev, time: "2026-01-02T03:04:05Z", modified: true,
	}, {
		name:    "go install of a pseudo-version",
		bi:      debug.BuildInfo{Main: debug.Module{Path: "github.com/tsheadroom/tsheadroom", Version: "v0.0.0-20260102030405-0123456789ab"}},
		version: "v0.0.0-20260102030405-0123456789ab", revision: "0123456789ab", time: "2026-01-02T03:04:05Z",
	}, {
		name:    "pseudo-version after a tag",
		bi:      debug.BuildInfo{Main: debug.Module{Path: "github.com/tsheadroom/tsheadroom", Version: "v1.2.4-0.20260102030405-0123456789ab"}},
		version: "v1.2.4-0.20260102030405-0123456789ab", revision: "0123456789ab", time: "2026-01-02T03:04:05Z",
	}, {
		name:    "tag",
		bi:      debug.BuildInfo{Main: debug.Module{Path: "github.com/tsheadroom/tsheadroom", Version: "v1.2.3"}},
		version: "v1.2.3",
	}, {
		name:    "no version (-buildvcs=false, go run)",
		bi:      debug.BuildInfo{Main: debug.Module{Path: "github.com/tsheadroom/tsheadroom", Version: "(devel)"}},
		version: "devel",
	}, {
		name:    "container image: no VCS metadata, linker stamps",
		bi:      debug.BuildInfo{Main: debug.Module{Path: "github.com/tsheadroom/tsheadroom", Version: "(devel)"}},
		stamps:  [2]string{"v1.2.3", rev},
		version: "v1.2.3", revision: rev,
	}, {
		name: "stamps never override the build's own information",
		bi: debug.BuildInfo{
			Main:     debug.Module{Path: "github.com/tsheadroom/tsheadroom", Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}},
		},
		stamps:  [2]string{"v9.9.9", "ffffffffffff"},
		version: "v1.2.3", revision: rev,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.bi.GoVersion = "go1.26.8"
			tt.bi.Deps = deps
			b := buildInfoFrom(&tt.bi, tt.stamps[0], tt.stamps[1])
			if b.Version != tt.version || b.Revision != tt.revision || b.Time != tt.time || b.Modified != tt.modified {
				t.Errorf("got version %q revision %q time %q modified %v\nwant %q %q %q %v",
					b.Version, b.Revision, b.Time, b.Modified, tt.version, tt.revision, tt.time, tt.modified)
			}
			if b.Tsnet != "v1.102.5" || b.Go != "go1.26.8" || b.Module != "github.com/tsheadroom/tsheadroom" {
				t.Errorf("tsnet %q go %q module %q", b.Tsnet, b.Go, b.Module)
			}
			text := b.text()
			if !strings.HasPrefix(text, "tsheadroom "+tt.version+"\n") {
				t.Errorf("first line of %q", text)
			}
			if tt.revision != "" && !strings.Contains(text, "revision:  "+tt.revision) {
				t.Errorf("text lacks the revision:\n%s", text)
			}
		})
	}
}

func TestBuildInfoReplacedTsnet(t *testing.T) {
	b := buildInfoFrom(&debug.BuildInfo{Deps: []*debug.Module{{
		Path: "tailscale.com", Version: "v1.102.5",
		Replace: &debug.Module{Path: "../tailscale", Version: "(devel)"},
	}}}, "", "")
	if b.Tsnet != "v1.102.5 => ../tailscale (devel)" {
		t.Errorf("replaced tsnet reported as %q", b.Tsnet)
	}
}

// goModTsnet is the tailscale.com version go.mod pins.
func goModTsnet(t *testing.T) string {
	t.Helper()
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*tailscale\.com (v\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod does not require tailscale.com")
	}
	return string(m[1])
}

// TestVersionCommand runs the subcommand on the test binary's own build
// information, which links the same modules as the real binary.
func TestVersionCommand(t *testing.T) {
	want := goModTsnet(t)
	var stdout, stderr bytes.Buffer
	if code := runVersion(nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, line := range []string{"tsnet:     tailscale.com " + want + "\n", "engine:    native\n", "go:        go1."} {
		if !strings.Contains(out, line) {
			t.Errorf("version output lacks %q:\n%s", line, out)
		}
	}
	if strings.Contains(out, "headroom-ai") {
		t.Errorf("native engine reports headroom:\n%s", out)
	}

	stdout.Reset()
	if code := runVersion([]string{"-json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-json exit %d: %s", code, stderr.String())
	}
	var b buildInfo
	if err := json.Unmarshal(stdout.Bytes(), &b); err != nil {
		t.Fatalf("-json output %q: %v", stdout.String(), err)
	}
	if b.Tsnet != want || b.Engine != "native" || b.Module != "github.com/tsheadroom/tsheadroom" {
		t.Errorf("-json: %+v", b)
	}
}

func TestVersionCommandErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-h"}, 0, "usage: tsheadroom version"},
		{[]string{"-engine", "bogus"}, 2, `unknown -engine "bogus"`},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"-nope"}, 2, "unknown flag -nope (did you mean"},
	} {
		var stdout, stderr bytes.Buffer
		// Usage (on -h) goes to stdout, mistakes to stderr.
		if code := runVersion(tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stdout.String()+stderr.String(), tt.msg) {
			t.Errorf("version %q: exit %d, output %q; want exit %d and %q", tt.args, code, stdout.String()+stderr.String(), tt.code, tt.msg)
		}
	}
}

// TestVersionFlag: -version is a service flag, and takes the engine flags
// beside it.
func TestVersionFlag(t *testing.T) {
	o, err := parseFlags([]string{"-engine", "headroom", "-python", "/opt/venv/bin/python", "-version"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.showVersion || o.engine.name != "headroom" || o.engine.python != "/opt/venv/bin/python" {
		t.Errorf("parsed %+v", o)
	}
}

// TestVersionHeadroom starts a real worker and expects the version the
// interpreter's package metadata gives.
func TestVersionHeadroom(t *testing.T) {
	py := testenv.HeadroomPython(t)
	out, err := exec.Command(py, "-c", `import importlib.metadata as m; print(m.version("headroom-ai"))`).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(out))
	var stdout, stderr bytes.Buffer
	if code := runVersion([]string{"-engine", "headroom", "-python", py}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if line := "headroom:  headroom-ai " + want + " (python " + py + ")\n"; !strings.Contains(stdout.String(), line) {
		t.Errorf("output lacks %q:\n%s", line, stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	missing := t.TempDir() + "/no-python"
	if code := runVersion([]string{"-engine", "headroom", "-python", missing}, &stdout, &stderr); code != 1 {
		t.Errorf("missing interpreter: exit %d, want 1", code)
	}
	if !strings.Contains(stdout.String(), "headroom-ai unavailable") || !strings.Contains(stderr.String(), "is headroom-ai installed for "+missing) {
		t.Errorf("missing interpreter: stdout %q stderr %q", stdout.String(), stderr.String())
	}
}
