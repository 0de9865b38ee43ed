package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tsheadroom/tsheadroom/internal/logtest"
	"github.com/tsheadroom/tsheadroom/internal/tailnettest"
	"github.com/tsheadroom/tsheadroom/internal/testenv"
	"github.com/tsheadroom/tsheadroom/settings"
)

// callWith is call with request headers (name, value pairs).
func callWith(t *testing.T, ctx context.Context, n *tailnettest.Node, method, url string, body []byte, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := n.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s from %s: %v", method, url, n.Hostname, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// runCLI runs the binary's command line in-process (every path that does
// not start the service) and returns its exit status and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestCLIStumbles: each command-line stumble of issue 13 gets a clear
// message and the right exit status.
func TestCLIStumbles(t *testing.T) {
	t.Setenv("TSHEADROOM_CONFIG", "")
	for _, c := range []struct {
		name       string
		stdin      string
		args       []string
		code       int
		out, err   string // substrings of stdout and stderr
		oneLineErr bool
	}{
		{name: "flag after the file", args: []string{"compress", "testdata/sample.hook.json", "-q"}, code: 0, out: `{"action":"modify"`},
		{name: "-h", args: []string{"-h"}, code: 0, out: "usage: tsheadroom [flags]"},
		{name: "--help", args: []string{"--help"}, code: 0, out: "usage: tsheadroom [flags]"},
		{name: "help", args: []string{"help"}, code: 0, out: "usage: tsheadroom [flags]"},
		{name: "compress -h", args: []string{"compress", "-h"}, code: 0, out: "usage: tsheadroom compress"},
		{name: "compress FILE -h", args: []string{"compress", "x.json", "-h"}, code: 0, out: "usage: tsheadroom compress"},
		{name: "version -h", args: []string{"version", "-h"}, code: 0, out: "usage: tsheadroom version"},
		{name: "mistyped compress", args: []string{"comprss"}, code: 2, err: `unknown command "comprss" (did you mean "compress"?)`, oneLineErr: true},
		{name: "mistyped version", args: []string{"verison"}, code: 2, err: `unknown command "verison" (did you mean "version"?)`, oneLineErr: true},
		{name: "a file for the service", args: []string{"call.json"}, code: 2, err: "tsheadroom compress FILE", oneLineErr: true},
		{name: "-version", args: []string{"-version"}, code: 0, out: "tsheadroom "},
		{name: "empty stdin", args: []string{"compress"}, code: 1, err: "stdin is empty: expected a hook call or a provider request body (a JSON object)", oneLineErr: true},
		{name: "stdin not JSON", stdin: "hello", args: []string{"compress", "-"}, code: 1, err: "stdin: expected a hook call or a provider request body (a JSON object)", oneLineErr: true},
		{name: "unknown flag", args: []string{"-pool", "3"}, code: 2, err: "unknown flag -pool (did you mean -pool-size?)", oneLineErr: true},
		{name: "unknown compress flag", args: []string{"compress", "x.json", "-qq"}, code: 2, err: "unknown flag -qq (did you mean -q?)", oneLineErr: true},
		{name: "unknown version flag", args: []string{"version", "-jsn"}, code: 2, err: "unknown flag -jsn (did you mean -json?)", oneLineErr: true},
		{name: "bad value", args: []string{"-pool-size", "many"}, code: 2, err: `invalid value "many" for flag -pool-size`, oneLineErr: true},
		{name: "two files", args: []string{"compress", "a.json", "b.json"}, code: 2, err: `unexpected argument "b.json"`, oneLineErr: true},
		{name: "missing file", args: []string{"compress", "no-such.json"}, code: 1, err: "no-such.json", oneLineErr: true},
		{name: "bad log format", args: []string{"-log-format", "xml"}, code: 2, err: `-log-format "xml": want text or json`, oneLineErr: true},
		{name: "insecure without address", args: []string{"-insecure-local-addr"}, code: 2, err: "-insecure-local-addr needs -local-addr", oneLineErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.stdin, c.args...)
			if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.err) {
				t.Errorf("exit %d (want %d)\nstdout: %.300s\nstderr: %s", code, c.code, out, errOut)
			}
			if c.oneLineErr && strings.Count(errOut, "\n") != 1 {
				t.Errorf("want one line on stderr, got:\n%s", errOut)
			}
			if c.code == 2 && out != "" {
				t.Errorf("a mistake printed to stdout: %.200s", out)
			}
		})
	}
	if _, out, _ := runCLI(t, "", "-version"); strings.Count(out, "\n") > 12 {
		t.Errorf("-version prints %d lines", strings.Count(out, "\n"))
	}
}

// TestEveryFlagHasAVariable: -h lists a TSHEADROOM_* variable for every
// flag of every command (but -version), and the variable sets the flag.
func TestEveryFlagHasAVariable(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"compress", "-h"}, {"version", "-h"}} {
		_, out, _ := runCLI(t, "", args...)
		blocks := strings.Split(strings.Split(out, "\nthe original tsheadroom's")[0], "\n  -")[1:]
		if len(blocks) < 5 {
			t.Fatalf("%v: no flags listed:\n%s", args, out)
		}
		for _, b := range blocks {
			name := strings.Fields(b)[0]
			if !strings.Contains(b, "env TSHEADROOM_") && name != "version" {
				t.Errorf("%v: -%s has no TSHEADROOM_* variable:\n%s", args, name, b)
			}
		}
	}
	t.Setenv("TSHEADROOM_HOOK_TAGS", "tag:aperture")
	t.Setenv("TSHEADROOM_POOL_SIZE", "3")
	t.Setenv("TSHEADROOM_GZIP_RESPONSE", "false")
	t.Setenv("TSHEADROOM_VERBOSE", "1")
	o, err := parseFlags([]string{"-pool-size", "5"})
	if err != nil {
		t.Fatal(err)
	}
	if o.access.hookTags != "tag:aperture" || o.engine.poolSize != 5 || o.gzipReply || !o.verbose {
		t.Errorf("variables not applied, or over the command line: %+v", o)
	}
	t.Setenv("TSHEADROOM_POOL_SIZE", "")
	if o, err := parseFlags(nil); err != nil || o.engine.poolSize != 0 {
		t.Errorf("an empty variable is not unset: %v, pool size %d", err, o.engine.poolSize)
	}
	t.Setenv("TSHEADROOM_POOL_SIZE", "many")
	if _, err := parseFlags(nil); err == nil || !strings.Contains(err.Error(), `TSHEADROOM_POOL_SIZE="many" (for -pool-size)`) {
		t.Errorf("invalid variable: %v", err)
	}
}

// TestOriginalFlags: the original's command lines (its docker-compose's and
// every flag of its table) parse, with their meaning.
func TestOriginalFlags(t *testing.T) {
	o, err := parseFlags([]string{
		"-python", "/venv/bin/python", "-worker", "/app/worker.py", "-hostname", "edge", "-pool-size", "8",
		"-state-dir", "/var/lib/tsheadroom", "-config", "/etc/tsheadroom/config.json", "-v",
		"-max-compress", "60s", "-addr", ":8080", "-no-affinity", "-gzip-response=false", "-accept-compressed=false",
	})
	if err != nil {
		t.Fatal(err)
	}
	e := o.engine
	if e.python != "/venv/bin/python" || e.originalWorker != "/app/worker.py" || e.workerScript != "" || o.hostname != "edge" || e.poolSize != 8 ||
		o.stateDir != "/var/lib/tsheadroom" || o.knobsFile != "/etc/tsheadroom/config.json" || !o.verbose ||
		e.workerTimeout != 60*time.Second || o.addr != ":8080" || !e.noAffinity || o.gzipReply || o.acceptCoded || !o.tailnet {
		t.Errorf("original flags: %+v", o)
	}
	if o, _ := parseFlags(nil); o.knobsFile != "tsheadroom.config.json" || !o.gzipReply || !o.acceptCoded || o.addr != ":80" {
		t.Errorf("defaults differ from the original's: %+v", o)
	}
	// -local-addr alone serves it instead of the tailnet; with -tailnet, both.
	if o, _ := parseFlags([]string{"-local-addr", "127.0.0.1:8080"}); o.tailnet {
		t.Error("-local-addr alone still joins the tailnet")
	}
	if o, _ := parseFlags([]string{"-local-addr", "127.0.0.1:8080", "-tailnet"}); !o.tailnet {
		t.Error("-tailnet with -local-addr does not join the tailnet")
	}
}

// TestLocalAddrNonLoopback: a non-loopback -local-addr is refused unless
// -insecure-local-addr says otherwise, and the refusal names that flag.
func TestLocalAddrNonLoopback(t *testing.T) {
	o, err := parseFlags([]string{"-local-addr", "0.0.0.0:0", "-config", ""})
	if err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), o); err == nil || !strings.Contains(err.Error(), "not loopback") || !strings.Contains(err.Error(), "-insecure-local-addr") {
		t.Errorf("non-loopback -local-addr: %v", err)
	}
}

// TestLogFormats: -log-format json gives one JSON object per line, with
// the component key, for the service's own lines.
func TestLogFormats(t *testing.T) {
	var buf bytes.Buffer
	logger, err := newLogger("json", 0, &buf)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openSettings(filepath.Join(t.TempDir(), "missing.json"), "", logger.With("component", "config"))
	if err != nil || st == nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(buf.String())
	if !strings.HasPrefix(line, `{"time":`) || !strings.Contains(line, `"level":"WARN"`) || !strings.Contains(line, `"component":"config"`) {
		t.Errorf("JSON log line: %s", line)
	}
}

// TestConfigPersistsAcrossRestart drives /config over real tailnet nodes:
// an admin's PUT is written to the settings file (mode 0600) and audited
// with the admin's identity and the change; a stale If-Match is 412; a
// non-admin's PUT is 403 and changes nothing; a restart of the service on
// the same file starts with the change.
func TestConfigPersistsAcrossRestart(t *testing.T) {
	ctx := testContext(t)
	admin := tailnet.MustAddNode(t, ctx, "sre-desk")
	aperture := tailnet.MustAddNode(t, ctx, "aperture-cfg", "tag:aperture")
	file := filepath.Join(t.TempDir(), "tsheadroom.config.json")
	log, logs := logtest.New(t)
	withLog := func(o *options) { o.logger = log }
	args := []string{"-config", file, "-admin-logins", admin.LoginName, "-hook-tags", "tag:aperture"}
	first := launch(t, "tsheadroom-cfg1", withLog, args...)

	code, body := call(t, ctx, admin, "GET", first.url("http", "/config"), nil)
	if code != 200 || !strings.Contains(body, `"file_state":"missing"`) || !strings.Contains(body, `"engine": "native"`) {
		t.Fatalf("GET /config: %d %s", code, body)
	}
	if code, _ := call(t, ctx, aperture, "PUT", first.url("http", "/config"), []byte(`{"protect_recent": 1}`)); code != 403 {
		t.Errorf("non-admin PUT: %d, want 403", code)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a refused PUT created the file: %v", err)
	}
	code, body = call(t, ctx, admin, "PUT", first.url("http", "/config"), []byte(`{"protect_recent": 6, "savings_profile": "agent-90"}`))
	if code != 200 || !strings.Contains(body, `"protect_recent": 6`) {
		t.Fatalf("admin PUT: %d %s", code, body)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("settings file: %v %v", fi, err)
	}
	audit := `msg="settings updated" component=config caller="login=` + admin.LoginName
	if !strings.Contains(logs.String(), audit) || !strings.Contains(logs.String(), `changes.protect_recent="4 -> 6"`) {
		t.Errorf("audit line missing (%s):\n%s", audit, logs)
	}
	req := []byte(`{"protect_recent": 7}`)
	if code, body := callWith(t, ctx, admin, "PUT", first.url("http", "/config"), req, "If-Match", `"stale"`); code != 412 {
		t.Errorf("stale If-Match: %d %s", code, body)
	}
	first.stop()

	second := launch(t, "tsheadroom-cfg2", withLog, args...)
	code, body = call(t, ctx, admin, "GET", second.url("http", "/config"), nil)
	if code != 200 || !strings.Contains(body, `"protect_recent": 6`) || !strings.Contains(body, `"savings_profile": "agent-90"`) || !strings.Contains(body, `"file_state":"loaded"`) {
		t.Errorf("after restart: %d %s", code, body)
	}
}

// TestConcurrentPuts: two PUTs racing over the tailnet never lose an
// update. The service listens on -addr :8080, as the original's -addr.
func TestConcurrentPuts(t *testing.T) {
	ctx := testContext(t)
	admin := tailnet.MustAddNode(t, ctx, "sre-race", "tag:sre")
	svc := startService(t, "tsheadroom-race", "-admin-tags", "tag:sre", "-addr", ":8080")
	svc.port = ":8080"
	for round := range 5 {
		var wg sync.WaitGroup
		for _, body := range []string{`{"protect_recent": ` + string(rune('1'+round)) + `}`, `{"min_tokens_to_compress": ` + string(rune('1'+round)) + `00}`} {
			wg.Go(func() {
				if code, resp := call(t, ctx, admin, "PUT", svc.url("http", "/config"), []byte(body)); code != 200 {
					t.Errorf("PUT %s: %d %s", body, code, resp)
				}
			})
		}
		wg.Wait()
		_, body := call(t, ctx, admin, "GET", svc.url("http", "/config"), nil)
		if !strings.Contains(body, `"protect_recent": `+string(rune('1'+round))) || !strings.Contains(body, `"min_tokens_to_compress": `+string(rune('1'+round))+`00`) {
			t.Errorf("round %d lost an update:\n%s", round, body)
		}
	}
}

// TestInvalidSettingsFileStopsStart: a settings file with an unknown field
// stops the service before it serves, naming the file, the field and the
// nearest known one.
func TestInvalidSettingsFileStopsStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tsheadroom.config.json")
	os.WriteFile(file, []byte(`{"protect_recent": 4, "min_token_to_compress": 100}`), 0o600)
	o, err := parseFlags([]string{"-config", file, "-local-addr", "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	err = run(t.Context(), o)
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), `min_token_to_compress: unknown field (did you mean "min_tokens_to_compress"?)`) {
		t.Errorf("invalid settings file: %v", err)
	}
}

// TestOriginalWorkerFlagIgnored: the original's -worker /app/worker.py
// (its docker-compose passes it) does not stop the headroom engine from
// starting with the embedded worker; a warning says it was ignored.
func TestOriginalWorkerFlagIgnored(t *testing.T) {
	py := testenv.HeadroomPython(t)
	o, err := parseFlags([]string{"-engine", "headroom", "-python", py, "-worker", "/app/worker.py", "-pool-size", "1", "-config", ""})
	if err != nil {
		t.Fatal(err)
	}
	log, logs := logtest.New(t)
	eng, err := newEngine(t.Context(), o.engine, settings.Default(), nil, log)
	if err != nil {
		t.Fatalf("headroom engine with -worker: %v", err)
	}
	defer eng.close()
	if !strings.Contains(logs.String(), "ignoring -worker") || !strings.Contains(logs.String(), "preloaded=true") {
		t.Errorf("no warning, or no preload by default:\n%s", logs)
	}
}
