package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/mod/module"

	"github.com/tsheadroom/tsheadroom/workers"
)

// tsnetModule is the module whose version is the tsnet in this binary.
const tsnetModule = "tailscale.com"

// Builds from a source tree without VCS metadata (the container image,
// whose build context leaves .git out) name their version and commit with
// -ldflags "-X main.stampVersion=... -X main.stampRevision=...". Only the
// linker sets them.
var stampVersion, stampRevision string

// buildInfo is what `tsheadroom version` reports. Everything but the engine
// fields comes from the build information the go command embeds.
type buildInfo struct {
	Module   string `json:"module"`
	Version  string `json:"version"`            // a tag, a pseudo-version, or "devel"
	Revision string `json:"revision,omitempty"` // VCS commit the binary was built from
	Time     string `json:"time,omitempty"`     // that commit's time, RFC 3339 UTC
	Modified bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	Go       string `json:"go"`
	Platform string `json:"platform"`
	Tsnet    string `json:"tsnet"`

	Engine   string `json:"engine"`
	Headroom string `json:"headroom_ai,omitempty"` // headroom-ai's version, with -engine headroom
	Python   string `json:"python,omitempty"`
}

// version is the module version alone, for the build-info metric.
func version() string { return readBuildInfo().Version }

func readBuildInfo() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		// Only a binary built without module support lacks it.
		return buildInfo{Version: "devel", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	}
	return buildInfoFrom(bi, stampVersion, stampRevision)
}

// buildInfoFrom reads bi. A build in a git checkout (go build, go install
// ./...) carries vcs.* settings; `go install PATH@VERSION` builds from the
// module cache, which has no VCS metadata, so there the revision and time
// come from the pseudo-version, which encodes both. The linker stamps fill
// in only what bi lacks.
func buildInfoFrom(bi *debug.BuildInfo, stampVersion, stampRevision string) buildInfo {
	b := buildInfo{
		Module:   bi.Main.Path,
		Version:  bi.Main.Version,
		Go:       bi.GoVersion,
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if b.Version == "" || b.Version == "(devel)" {
		b.Version = cmp.Or(stampVersion, "devel")
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	if b.Revision == "" {
		b.Revision = stampRevision
	}
	if b.Revision == "" && module.IsPseudoVersion(b.Version) {
		b.Revision, _ = module.PseudoVersionRev(b.Version)
		if t, err := module.PseudoVersionTime(b.Version); err == nil {
			b.Time = t.UTC().Format(time.RFC3339)
		}
	}
	for _, d := range bi.Deps {
		if d.Path != tsnetModule {
			continue
		}
		b.Tsnet = d.Version
		if d.Replace != nil {
			b.Tsnet += " => " + d.Replace.Path + " " + d.Replace.Version
		}
	}
	return b
}

// runVersion implements `tsheadroom version [-json] [engine flags]`. It
// takes the service's engine flags (and their environment variables), so
// the same command line reports the engine the service would run.
func runVersion(args []string, stdout, stderr io.Writer) int {
	c := newCmdline("tsheadroom version", "TSHEADROOM_VERSION_", "usage: tsheadroom version [-json] [-engine headroom [-python PATH]]\n\n"+
		"Prints the build's module version, VCS revision and time, Go and tsnet versions, and the\n"+
		"engine; with -engine headroom it starts one worker and reports headroom-ai's version.\n")
	var eo engineOptions
	registerEngine(c, &eo)
	asJSON := c.fs.Bool("json", false, "print one JSON object")
	pos, code, ok := c.run(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "tsheadroom version: unexpected argument %q (see: tsheadroom version -h)\n", pos[0])
		return 2
	}
	return printVersion(context.Background(), eo, *asJSON, stdout, stderr)
}

// printVersion writes the version report. With the headroom engine it
// starts one real worker, so the version is the one the service would load
// (same interpreter, same script); if that fails the report is still
// printed, the error goes to stderr and the exit code is 1.
func printVersion(ctx context.Context, eo engineOptions, asJSON bool, stdout, stderr io.Writer) int {
	b := readBuildInfo()
	b.Engine = eo.name
	code := 0
	switch eo.name {
	case "native":
	case "headroom":
		b.Python = eo.python
		v, err := headroomVersion(ctx, eo, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "tsheadroom version: %v\n", err)
			code = 1
		}
		b.Headroom = v
	default:
		fmt.Fprintf(stderr, "tsheadroom version: unknown -engine %q: use native or headroom\n", eo.name)
		return 2
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.Encode(b)
		return code
	}
	io.WriteString(stdout, b.text())
	return code
}

// text is the human-readable report: the version alone on the first line
// (what scripts cut), details indented below.
func (b buildInfo) text() string {
	var s strings.Builder
	fmt.Fprintf(&s, "tsheadroom %s\n", b.Version)
	line := func(k, v string) { fmt.Fprintf(&s, "  %-10s %s\n", k+":", v) }
	if b.Module != "" {
		line("module", b.Module)
	}
	rev := b.Revision
	switch {
	case rev == "":
		rev = "unknown (built without VCS information)"
	case b.Modified:
		rev += " (modified)"
	}
	line("revision", rev)
	if b.Time != "" {
		line("time", b.Time)
	}
	line("go", b.Go+" "+b.Platform)
	line("tsnet", tsnetModule+" "+b.Tsnet)
	line("engine", b.Engine)
	if b.Engine == "headroom" {
		hv := b.Headroom
		if hv == "" {
			hv = "unavailable"
		}
		line("headroom", "headroom-ai "+hv+" (python "+b.Python+")")
	}
	return s.String()
}

// headroomVersion starts one headroom worker with the engine options and
// returns the headroom-ai version from its handshake.
func headroomVersion(ctx context.Context, eo engineOptions, stderr io.Writer) (string, error) {
	hr, err := workers.NewHeadroom(workers.HeadroomConfig{
		Python:     eo.python,
		ScriptPath: eo.workerScript,
		Workers:    1,
		// Worker stderr (warnings about tokenizer downloads and the like) is
		// noise here; a failed start returns its last lines in the error.
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		return "", err
	}
	defer hr.Close()
	if err := hr.Start(ctx); err != nil {
		return "", fmt.Errorf("start a headroom worker (is headroom-ai installed for %s? pip install headroom-ai): %w", eo.python, err)
	}
	return hr.Version(), nil
}
