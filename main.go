// Command tsheadroom is an LLM context-compression hook for Tailscale's
// Aperture AI gateway. It joins the tailnet as its own device and serves,
// only there and only to callers it can identify:
//
//	POST /          the Aperture pre_request hook (also at /hook)
//	GET  /metrics   Prometheus metrics            (role metrics)
//	GET  /config    the compression knobs         (role admin; PUT changes them)
//	GET  /debug/pprof/  Go profiles               (role admin)
//	GET  /healthz   process up                    (no role)
//	GET  /readyz    tailnet up and engine ready   (no role)
//
// `tsheadroom compress FILE` runs the same hook code on a saved hook call
// without joining any tailnet.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/hook"
	"github.com/tsheadroom/tsheadroom/metrics"
	"github.com/tsheadroom/tsheadroom/tsnet/access"
	"github.com/tsheadroom/tsheadroom/tsnet/node"
	"github.com/tsheadroom/tsheadroom/workers"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "compress" {
		os.Exit(runCompress(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == "version" {
		os.Exit(runVersion(os.Args[2:], os.Stdout, os.Stderr))
	}
	opts, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tsheadroom:", err)
		os.Exit(2)
	}
	if opts.showVersion {
		os.Exit(printVersion(context.Background(), opts.engine, false, os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "tsheadroom:", err)
		os.Exit(1)
	}
}

// options are the command-line settings of the service.
type options struct {
	engine engineOptions
	access accessOptions

	hostname   string
	stateDir   string
	authKey    string
	tags       string
	controlURL string
	https      bool
	logUpload  bool
	localAddr  string
	tailnet    bool
	budget     time.Duration
	knobsFile  string
	verbose    bool
	drain      time.Duration

	showVersion bool

	// adjustTailnet, when set, edits the node's configuration before it
	// is built; end-to-end tests use it to point the node at an
	// in-process control server. Never set from flags.
	adjustTailnet func(*node.Config)
}

// engineOptions pick and size the compression engine; shared with the
// compress subcommand.
type engineOptions struct {
	name          string
	poolSize      int
	maxWaiting    int
	python        string
	workerScript  string
	workerTimeout time.Duration
	preload       bool
	profile       string
}

func (e *engineOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&e.name, "engine", cmp.Or(os.Getenv("TSHEADROOM_ENGINE"), "native"), "compression engine: native or headroom (env TSHEADROOM_ENGINE)")
	fs.IntVar(&e.poolSize, "pool-size", 0, fmt.Sprintf("concurrent compressions (default: number of CPUs for native, %d for headroom)", workers.DefaultWorkers))
	fs.IntVar(&e.maxWaiting, "max-waiting", 64, "calls allowed to wait for a pool slot; beyond it a call is answered allow at once (overload)")
	fs.StringVar(&e.python, "python", cmp.Or(os.Getenv("TSHEADROOM_PYTHON"), workers.DefaultPython), "Python interpreter with headroom-ai installed, for -engine headroom (env TSHEADROOM_PYTHON)")
	fs.StringVar(&e.workerScript, "worker-script", "", "path of the headroom worker script (default: the embedded one, written to a private directory)")
	fs.DurationVar(&e.workerTimeout, "worker-timeout", workers.DefaultCallTimeout, "hard cap on one headroom worker call; past it the worker is killed and replaced")
	fs.BoolVar(&e.preload, "preload", false, "load headroom's ML text model when workers start instead of on first use")
	fs.StringVar(&e.profile, "profile", "", "savings profile for the starting knobs: balanced or agent-90")
}

// accessOptions are the allow lists and capability name of the access layer.
type accessOptions struct {
	capName                   string
	requireGrant              bool
	hookTags, hookLogins      string
	metricsTags, metricsLogin string
	adminTags, adminLogins    string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("tsheadroom", flag.ContinueOnError)
	o.engine.register(fs)
	fs.StringVar(&o.hostname, "hostname", cmp.Or(os.Getenv("TSHEADROOM_HOSTNAME"), node.DefaultHostname), "tailnet device name (env TSHEADROOM_HOSTNAME)")
	fs.StringVar(&o.stateDir, "state-dir", cmp.Or(os.Getenv("TSHEADROOM_STATE_DIR"), node.DefaultDir()), "directory for the node's key and certificates, kept across restarts (env TSHEADROOM_STATE_DIR)")
	fs.StringVar(&o.authKey, "authkey", "", "tailnet auth key (default: env TS_AUTHKEY); needed only on first start")
	fs.StringVar(&o.tags, "advertise-tags", os.Getenv("TSHEADROOM_TAGS"), "comma-separated ACL tags for the device, e.g. tag:tsheadroom (env TSHEADROOM_TAGS)")
	fs.StringVar(&o.controlURL, "control-url", os.Getenv("TSHEADROOM_CONTROL_URL"), "coordination server URL (default Tailscale's; set for Headscale) (env TSHEADROOM_CONTROL_URL)")
	fs.BoolVar(&o.https, "https", false, "also serve :443 with the tailnet's MagicDNS certificate")
	fs.BoolVar(&o.logUpload, "log-upload", false, "upload the node's backend logs to Tailscale (off unless set)")
	fs.BoolVar(&o.tailnet, "tailnet", true, "join the tailnet; -tailnet=false with -local-addr serves on loopback only")
	fs.StringVar(&o.localAddr, "local-addr", "", "also serve on this loopback address (e.g. 127.0.0.1:8787) to try it without a tailnet; callers there get hook and metrics, never admin")
	fs.DurationVar(&o.budget, "budget", hook.DefaultBudget, "time one hook call may take before it is answered allow; keep it below Aperture's hook timeout")
	fs.StringVar(&o.knobsFile, "config", "", "JSON `file` with the starting compression knobs (see /config)")
	fs.BoolVar(&o.verbose, "v", false, "log one line per hook call")
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit (see: tsheadroom version -h)")
	fs.DurationVar(&o.drain, "drain", 10*time.Second, "on SIGINT/SIGTERM, how long in-flight calls may take to finish")
	fs.StringVar(&o.access.capName, "cap-name", access.DefaultCapName, "app capability in the tailnet policy whose grants carry roles: {\"roles\": [...]}")
	fs.BoolVar(&o.access.requireGrant, "require-grant", false, "close the open default: without allow lists, only granted callers get hook and metrics")
	fs.StringVar(&o.access.hookTags, "hook-tags", "", "comma-separated tags allowed to call the hook (e.g. tag:aperture)")
	fs.StringVar(&o.access.hookLogins, "hook-logins", "", "comma-separated login names allowed to call the hook")
	fs.StringVar(&o.access.metricsTags, "metrics-tags", "", "comma-separated tags allowed to scrape /metrics")
	fs.StringVar(&o.access.metricsLogin, "metrics-logins", "", "comma-separated login names allowed to scrape /metrics")
	fs.StringVar(&o.access.adminTags, "admin-tags", "", "comma-separated tags with the admin role")
	fs.StringVar(&o.access.adminLogins, "admin-logins", "", "comma-separated login names with the admin role")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: tsheadroom [flags]            serve the Aperture hook on the tailnet\n"+
			"       tsheadroom compress [FILE|-]   run the hook on a saved hook call (see: tsheadroom compress -h)\n"+
			"       tsheadroom version             print the build's version, revision and engine\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (did you mean `tsheadroom compress %s`?)", fs.Arg(0), fs.Arg(0))
	}
	o.authKey = cmp.Or(o.authKey, os.Getenv("TS_AUTHKEY"))
	return o, nil
}

// run wires the service and serves until ctx ends, then drains. Each
// component is built from the ones before it.
func run(ctx context.Context, o options) error {
	logLevel := slog.LevelInfo
	if o.verbose {
		logLevel = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel}))
	knobs, err := loadKnobs(o.knobsFile, o.engine.profile)
	if err != nil {
		return err
	}

	// Metrics first: the pool and the engine report into it; it reads them
	// back at scrape time once the hook around them exists (Watch).
	m, err := metrics.New(metrics.Config{
		Version:        version(),
		Engine:         o.engine.name,
		Outcomes:       hook.Outcomes(),
		Kinds:          kindNames(),
		RestoreReasons: compress.RestoreReasons(),
		Endpoints:      endpoints(),
		Logger:         logger,
	})
	if err != nil {
		return err
	}
	eng, err := newEngine(ctx, o.engine, m, logger)
	if err != nil {
		return err
	}
	defer eng.close()
	h, err := hook.New(hook.Config{
		Engine:     eng.Engine,
		Pool:       eng.pool,
		Knobs:      &knobs,
		Budget:     o.budget,
		Metrics:    m,
		Logger:     logger,
		CallerName: callerName,
	})
	if err != nil {
		return err
	}
	sources := eng.sources
	sources.HeadroomVersion = h.EngineVersion
	if err := m.Watch(sources); err != nil {
		return err
	}
	tailnet, err := newTailnet(o, logger)
	if err != nil {
		return err
	}
	policy, err := newAccess(o.access, tailnet, m, logger)
	if err != nil {
		return err
	}
	mux := routes(policy, h, m, readiness(tailnet, h))
	return serve(ctx, o, mux, tailnet, logger)
}

// loadKnobs reads the starting compression knobs: defaults, then the file,
// then the profile flag.
func loadKnobs(file, profile string) (compress.Config, error) {
	c := compress.DefaultConfig()
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return c, fmt.Errorf("read config: %w", err)
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("parse config %s: %w", file, err)
		}
	}
	if profile != "" {
		c.SavingsProfile = profile
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("compression config: %w", err)
	}
	return c, nil
}

// engine is the compression engine, the pool every compression runs in,
// and what metrics reads from them (the pool's gauges, the native engine's
// cache).
type engine struct {
	hook.Engine
	pool    *workers.Pool
	sources metrics.Sources
	close   func() // releases worker processes
}

// newEngine builds the chosen engine and its pool. m may be nil (the
// compress subcommand records nothing).
func newEngine(ctx context.Context, eo engineOptions, m *metrics.Metrics, logger *slog.Logger) (*engine, error) {
	var observer workers.Observer
	if m != nil {
		observer = m
	}
	e := &engine{close: func() {}}
	size := eo.poolSize
	switch eo.name {
	case "native":
		size = cmp.Or(size, runtime.NumCPU())
		n, err := compress.NewNative(compress.NativeConfig{})
		if err != nil {
			return nil, err
		}
		e.Engine = n
		e.sources.Cache = func() metrics.CacheStats {
			s := n.CacheStats()
			return metrics.CacheStats{Entries: s.Entries, Bytes: s.Bytes, Hits: s.Hits, Misses: s.Misses, Evictions: s.Evictions}
		}
	case "headroom":
		size = cmp.Or(size, workers.DefaultWorkers)
		hr, err := workers.NewHeadroom(workers.HeadroomConfig{
			Python:      eo.python,
			ScriptPath:  eo.workerScript,
			Workers:     size,
			CallTimeout: eo.workerTimeout,
			Preload:     eo.preload,
			Observer:    observer,
			Logger:      logger,
		})
		if err != nil {
			return nil, err
		}
		if err := hr.Start(ctx); err != nil {
			hr.Close()
			return nil, fmt.Errorf("start headroom workers (is headroom-ai installed for %s? pip install headroom-ai): %w", eo.python, err)
		}
		e.Engine, e.close = hr, func() { hr.Close() }
	default:
		return nil, fmt.Errorf("unknown -engine %q: use native or headroom", eo.name)
	}
	pool, err := workers.NewPool(workers.PoolConfig{Size: size, MaxWaiting: eo.maxWaiting, Observer: observer})
	if err != nil {
		e.close()
		return nil, err
	}
	e.pool = pool
	e.sources.Pool = func() metrics.PoolStats {
		s := pool.Stats()
		return metrics.PoolStats{Total: s.Total, Busy: s.Busy, Waiting: s.Waiting}
	}
	return e, nil
}

// newTailnet builds the tailnet node from the flags; nil with -tailnet=false.
// It touches neither the network nor the disk before serve starts it.
func newTailnet(o options, logger *slog.Logger) (*node.Server, error) {
	if !o.tailnet {
		return nil, nil
	}
	cfg := node.Config{
		Hostname:      o.hostname,
		Dir:           o.stateDir,
		AuthKey:       o.authKey,
		AdvertiseTags: splitList(o.tags),
		ControlURL:    o.controlURL,
		HTTPS:         o.https,
		LogUpload:     o.logUpload,
		Logger:        logger,
	}
	if o.adjustTailnet != nil {
		o.adjustTailnet(&cfg)
	}
	return node.New(cfg)
}

// newAccess builds the access policy from the role flags. Callers are
// identified by the tailnet node; without one only loopback callers exist,
// so the open-mode default (and its warning about tailnet peers) does not
// apply.
func newAccess(ao accessOptions, tailnet *node.Server, m *metrics.Metrics, logger *slog.Logger) (*access.Policy, error) {
	whois := access.NoTailnetWhoIs
	if tailnet != nil {
		whois = tailnet.WhoIs
	}
	return access.New(access.Config{
		WhoIs:        whois,
		CapName:      ao.capName,
		RequireGrant: ao.requireGrant || tailnet == nil,
		Allow: map[access.Role]access.AllowList{
			access.RoleHook:    {Tags: splitList(ao.hookTags), Logins: splitList(ao.hookLogins)},
			access.RoleMetrics: {Tags: splitList(ao.metricsTags), Logins: splitList(ao.metricsLogin)},
			access.RoleAdmin:   {Tags: splitList(ao.adminTags), Logins: splitList(ao.adminLogins)},
		},
		OnDeny: m.AccessDenied,
		Logger: logger,
	})
}

// endpoints names the guarded routes; it labels access-denied metrics.
func endpoints() []string { return []string{"hook", "metrics", "config", "debug"} }

// routes builds the one mux every listener serves. Each route names the role
// it needs; health checks need none. The hook answers at / (the URL
// Aperture is configured with) and at /hook.
func routes(p *access.Policy, h *hook.Hook, m *metrics.Metrics, ready func() error) *http.ServeMux {
	mux := http.NewServeMux()
	hookHandler := p.Require(access.RoleHook, "hook", h)
	mux.Handle("/{$}", hookHandler)
	mux.Handle("/hook", hookHandler)
	mux.Handle("/metrics", p.Require(access.RoleMetrics, "metrics", m.Handler()))
	mux.Handle("/config", p.Require(access.RoleAdmin, "config", h.ConfigHandler()))
	profiles := http.NewServeMux()
	profiles.HandleFunc("/debug/pprof/", pprof.Index)
	profiles.HandleFunc("/debug/pprof/profile", pprof.Profile)
	profiles.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/pprof/", p.Require(access.RoleAdmin, "debug", profiles))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// readiness reports whether the service can take hook calls: the tailnet
// node is up (when there is one) and the engine can compress.
func readiness(tailnet *node.Server, h *hook.Hook) func() error {
	return func() error {
		if tailnet != nil && !tailnet.Ready() {
			return errors.New("tailnet not up")
		}
		return h.Ready()
	}
}

// serve starts the listeners and blocks until ctx ends, then drains
// in-flight calls for up to -drain and stops. Loopback callers carry no
// tailnet identity: access.Loopback gives them the local roles.
func serve(ctx context.Context, o options, mux http.Handler, tailnet *node.Server, logger *slog.Logger) error {
	var local *node.LocalServer
	if o.localAddr != "" {
		var err error
		local, err = node.NewLocal(node.LocalConfig{Addr: o.localAddr, Logger: logger})
		if err != nil {
			return err
		}
		if err := local.Start(access.Loopback(mux)); err != nil {
			return err
		}
		logger.Info("serving on loopback", "addr", local.Addr().String(), "roles", "hook,metrics")
	}
	if tailnet != nil {
		if err := tailnet.Start(ctx, mux); err != nil {
			if local != nil {
				local.Shutdown(context.Background())
			}
			return err
		}
		logger.Info("serving on the tailnet", "urls", strings.Join(tailnet.URLs(), " "))
	}
	if tailnet == nil && local == nil {
		return errors.New("nothing to serve: -tailnet=false needs -local-addr")
	}
	<-ctx.Done()
	logger.Info("shutting down: draining in-flight calls", "drain", o.drain.String())
	drainCtx, cancel := context.WithTimeout(context.Background(), o.drain)
	defer cancel()
	var errs []error
	if local != nil {
		errs = append(errs, local.Shutdown(drainCtx))
	}
	if tailnet != nil {
		errs = append(errs, tailnet.Shutdown(drainCtx))
	}
	return errors.Join(errs...)
}

func kindNames() []string {
	var out []string
	for _, k := range compress.CompressedKinds() {
		out = append(out, string(k))
	}
	return out
}

func callerName(ctx context.Context) string {
	if c, ok := access.CallerFrom(ctx); ok {
		return c.String()
	}
	return ""
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
