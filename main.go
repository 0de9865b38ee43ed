// Command tsheadroom is an LLM context-compression hook for Tailscale's
// Aperture AI gateway. It joins the tailnet as its own device and serves,
// only there and only to callers it can identify:
//
//	POST /          the Aperture pre_request hook (also at /hook)
//	GET  /metrics   Prometheus metrics            (role metrics)
//	GET  /config    the settings                  (role admin; PUT/POST change them)
//	GET  /debug/pprof/  Go profiles               (role admin)
//	GET  /healthz   process up                    (no role)
//	GET  /readyz    tailnet up and engine ready   (no role)
//
// With -service svc:NAME the node also hosts that Tailscale Service, so
// several replicas answer at http://NAME.<tailnet>.ts.net/; the Service
// serves the hook, /metrics and the health endpoints, while /config and
// /debug stay on each replica's own name.
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
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"tailscale.com/client/tailscale/apitype"

	"github.com/tsheadroom/tsheadroom/compress"
	"github.com/tsheadroom/tsheadroom/compress/tokens"
	"github.com/tsheadroom/tsheadroom/hook"
	"github.com/tsheadroom/tsheadroom/metrics"
	"github.com/tsheadroom/tsheadroom/settings"
	"github.com/tsheadroom/tsheadroom/tsnet/access"
	"github.com/tsheadroom/tsheadroom/tsnet/node"
	"github.com/tsheadroom/tsheadroom/workers"
)

func main() { os.Exit(cli(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// cli runs the binary's command line and returns its exit status: 0, 1
// when the service or a subcommand fails, 2 for a command-line mistake.
func cli(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "compress":
			return runCompress(args[1:], stdin, stdout, stderr)
		case "version":
			return runVersion(args[1:], stdout, stderr)
		case "help":
			c, _ := newFlags()
			c.printUsage(stdout, os.LookupEnv)
			return 0
		}
	}
	c, o := newFlags()
	if code, ok := o.parse(c, args, stdout, stderr); !ok {
		return code
	}
	if o.showVersion {
		return printVersion(context.Background(), o.engine, false, stdout, stderr)
	}
	logger, err := newLogger(o.logFormat, o.logLevel(), stderr)
	if err != nil {
		fmt.Fprintln(stderr, "tsheadroom:", err)
		return 2
	}
	// Whatever a library writes with the standard log package goes to the
	// same logger too.
	slog.SetDefault(logger.With("component", "log"))
	o.logger = logger
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *o); err != nil {
		logger.Error("tsheadroom stopped", "err", err)
		fmt.Fprintln(stderr, "tsheadroom:", err)
		return 1
	}
	return 0
}

// options are the command-line settings of the service.
type options struct {
	engine engineOptions
	access accessOptions

	hostname       string
	stateDir       string
	authKey        string
	tags           string
	controlURL     string
	services       []string
	https          bool
	logUpload      bool
	addr           string
	localAddr      string
	insecureLocal  bool
	tailnet        bool
	budget         time.Duration
	knobsFile      string
	verbose        bool
	logFormat      string
	drain          time.Duration
	gzipReply      bool
	acceptCoded    bool
	maxConns       int
	memoryLimit    byteSize
	memoryLimitSet bool // -memory-limit given: else GOMEMLIMIT, when set, wins

	showVersion bool

	// logger, when set, is the logger run uses (main builds it from the
	// flags; tests pass one they read); nil means one from the flags on
	// stderr.
	logger *slog.Logger

	// adjustTailnet, when set, edits the node's configuration before it
	// is built; end-to-end tests use it to point the node at an
	// in-process control server. Never set from flags.
	adjustTailnet func(*node.Config)
}

// logLevel is debug with -v (one line per hook call), else info.
func (o *options) logLevel() slog.Level {
	if o.verbose {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// engineOptions pick and size the compression engine; shared with the
// compress and version subcommands, whose flags and variables they are too.
type engineOptions struct {
	name               string
	poolSize           int
	maxWaiting         int
	python             string
	workerScript       string
	workerTimeout      time.Duration
	preload            bool
	preloadSet         bool // -preload given: else it follows kompress_model
	profile            string
	allowModelDownload bool
	noAffinity         bool
	originalWorker     string // -worker, ignored (see registerEngine)
}

func (e *engineOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&e.name, "engine", "native", "compression engine: native or headroom")
	fs.IntVar(&e.poolSize, "pool-size", 0, fmt.Sprintf("concurrent compressions (default: number of CPUs for native, %d for headroom)", workers.DefaultWorkers))
	fs.IntVar(&e.maxWaiting, "max-waiting", 64, "calls allowed to wait for a pool slot; beyond it a call is answered allow at once (overload)")
	fs.StringVar(&e.python, "python", workers.DefaultPython, "Python interpreter with headroom-ai installed, for -engine headroom")
	fs.StringVar(&e.workerScript, "worker-script", "", "path of the headroom worker script (default: the embedded one, written to a private directory)")
	fs.DurationVar(&e.workerTimeout, "worker-timeout", workers.DefaultCallTimeout, "hard cap on one headroom worker call; past it the worker is killed and replaced")
	fs.BoolVar(&e.preload, "preload", false, "load headroom's pipeline and ML text model when workers start instead of on first use\n(default: on with -engine headroom unless kompress_model is \"disabled\", as the original)")
	fs.StringVar(&e.profile, "profile", "", "savings profile for the starting knobs: balanced or agent-90 (over the -config file)")
	fs.BoolVar(&e.allowModelDownload, "allow-model-download", false, "let headroom workers download models from HuggingFace, with HF_TOKEN from this environment\n(off: HEADROOM_OFFLINE=1, only cached models load)")
	fs.BoolVar(&e.noAffinity, "no-affinity", false, "turn off session affinity: a conversation's calls go to any free headroom worker")
}

// registerEngine adds the engine flags, with the service's variables and
// the original's names, to a command.
func registerEngine(c *cmdline, e *engineOptions) {
	c.shared(func(fs *flag.FlagSet) {
		e.register(fs)
		// The original's -worker names its own worker.py, which speaks
		// another protocol than the worker this binary embeds: running it
		// would fail every start. Its command lines keep working; the
		// value is only reported.
		fs.StringVar(&e.originalWorker, "worker", "", "the original tsheadroom's worker `script`: accepted and ignored, this build embeds its own worker\n(use -worker-script for a custom one)")
	})
	c.alias("max-compress", "worker-timeout")
}

// parsed records, after parsing, what depends on whether a flag was given.
func (e *engineOptions) parsed(c *cmdline) { e.preloadSet = c.set("preload") }

// accessOptions are the allow lists and capability name of the access layer.
type accessOptions struct {
	capName                   string
	requireGrant              bool
	open                      bool
	hookTags, hookLogins      string
	metricsTags, metricsLogin string
	adminTags, adminLogins    string
}

// defaultConfigFile is the original's -config default, relative to the
// working directory.
const defaultConfigFile = "tsheadroom.config.json"

// newFlags declares the service's command line.
func newFlags() (*cmdline, *options) {
	o := &options{}
	c := newCmdline("tsheadroom", "TSHEADROOM_", "usage: tsheadroom [flags]                 serve the Aperture hook on the tailnet\n"+
		"       tsheadroom compress [FILE|-]   run the hook on a saved hook call (see: tsheadroom compress -h)\n"+
		"       tsheadroom version             print the build's version, revision and engine\n")
	fs := c.fs
	registerEngine(c, &o.engine)
	fs.StringVar(&o.hostname, "hostname", node.DefaultHostname, "tailnet device name")
	fs.StringVar(&o.stateDir, "state-dir", node.DefaultDir(), "directory for the node's key and certificates, kept across restarts")
	fs.StringVar(&o.authKey, "authkey", "", "tailnet auth key; needed only on first start")
	c.envAlias("authkey", "TS_AUTHKEY")
	fs.StringVar(&o.tags, "advertise-tags", "", "comma-separated ACL tags for the device, e.g. tag:tsheadroom")
	c.envAlias("advertise-tags", "TSHEADROOM_TAGS")
	fs.StringVar(&o.controlURL, "control-url", "", "coordination server URL (default Tailscale's; set for Headscale)")
	fs.Func("service", "host the Tailscale Service `svc:NAME` too (repeatable): replicas with the same -service answer at\nhttp://NAME.<tailnet>.ts.net/ (the hook, /metrics and health); needs -advertise-tags and the policy's autoApprovers", func(v string) error {
		if err := node.CheckServiceName(v); err != nil {
			return err
		}
		o.services = append(o.services, v)
		return nil
	})
	fs.BoolVar(&o.https, "https", false, "also serve :443 with the tailnet's MagicDNS certificate (and each -service on :443)")
	fs.BoolVar(&o.logUpload, "log-upload", false, "upload the node's backend logs to Tailscale (off unless set)")
	fs.StringVar(&o.addr, "addr", ":80", "tailnet `:port` for plain HTTP (hook, metrics, config)")
	fs.BoolVar(&o.tailnet, "tailnet", true, "join the tailnet; off when -local-addr is given without -tailnet")
	fs.StringVar(&o.localAddr, "local-addr", "", "serve plain HTTP on this loopback `address` (e.g. 127.0.0.1:8787); given alone it serves it instead of\njoining the tailnet (add -tailnet to serve both); callers there get hook and metrics, never admin")
	fs.BoolVar(&o.insecureLocal, "insecure-local-addr", false, "let -local-addr be a non-loopback address: INSECURE, anyone who can reach it gets hook and metrics\nwithout any identity check (logged loudly at start)")
	fs.DurationVar(&o.budget, "budget", hook.DefaultBudget, "time one hook call may take before it is answered allow; keep it below Aperture's hook timeout")
	fs.StringVar(&o.knobsFile, "config", defaultConfigFile, "settings `file` (JSON or HuJSON): read at start (missing: the defaults), rewritten by every change\nthrough /config; \"\" keeps the settings in memory only")
	fs.BoolVar(&o.verbose, "v", false, "log one line per hook call (debug level)")
	c.envRename("v", "TSHEADROOM_VERBOSE")
	fs.StringVar(&o.logFormat, "log-format", "text", "log line format: text or json")
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit (see: tsheadroom version -h)")
	c.noEnv("version")
	fs.DurationVar(&o.drain, "drain", 10*time.Second, "on SIGINT/SIGTERM, how long in-flight calls may take to finish")
	fs.BoolVar(&o.gzipReply, "gzip-response", true, "gzip hook replies for callers that accept gzip")
	fs.IntVar(&o.maxConns, "max-conns", node.DefaultMaxConns, "connections each server (the tailnet node's listeners together, the local listener) holds at once;\nmore wait to be accepted (tsnet hangs up on a tailnet connection that waits over a second)")
	o.memoryLimit = defaultMemoryLimit
	fs.Var(&o.memoryLimit, "memory-limit", "soft memory limit of the Go runtime (debug.SetMemoryLimit) as a `size`, e.g. 1GiB, 512MiB or off; the hook\nholds bodies of at most an eighth of it at once (GOMEMLIMIT, when set, wins over the default)")
	fs.BoolVar(&o.acceptCoded, "accept-compressed", true, "advertise Accept-Encoding: zstd, gzip on replies (RFC 7694); compressed bodies are decoded either way")
	fs.StringVar(&o.access.capName, "cap-name", access.DefaultCapName, "app capability in the tailnet policy whose grants carry roles: {\"roles\": [...]}")
	fs.BoolVar(&o.access.requireGrant, "require-grant", false, "roles come from the tailnet policy's app-capability grants (and any allow lists) only")
	fs.BoolVar(&o.access.open, "open", false, "OPEN MODE: give every tailnet peer that can reach the node the hook and metrics roles (admin still needs\na grant or an allow list); without allow lists, -require-grant or -open the service refuses to start")
	fs.StringVar(&o.access.hookTags, "hook-tags", "", "comma-separated tags allowed to call the hook (e.g. tag:aperture)")
	fs.StringVar(&o.access.hookLogins, "hook-logins", "", "comma-separated login names allowed to call the hook")
	fs.StringVar(&o.access.metricsTags, "metrics-tags", "", "comma-separated tags allowed to scrape /metrics")
	fs.StringVar(&o.access.metricsLogin, "metrics-logins", "", "comma-separated login names allowed to scrape /metrics")
	fs.StringVar(&o.access.adminTags, "admin-tags", "", "comma-separated tags with the admin role")
	fs.StringVar(&o.access.adminLogins, "admin-logins", "", "comma-separated login names with the admin role")
	return c, o
}

// parse reads the command line and the environment into o; see
// cmdline.run for the exit status when it returns false.
func (o *options) parse(c *cmdline, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	pos, code, ok := c.run(args, stdout, stderr)
	if !ok {
		return code, false
	}
	if err := o.finish(c, pos); err != nil {
		fmt.Fprintf(stderr, "tsheadroom: %v (see: tsheadroom -h)\n", err)
		return 2, false
	}
	return 0, true
}

// finish checks what parsing alone cannot and fills in the defaults that
// depend on other flags.
func (o *options) finish(c *cmdline, pos []string) error {
	if len(pos) > 0 {
		return unknownCommand(pos[0])
	}
	o.engine.parsed(c)
	o.memoryLimitSet = c.set("memory-limit")
	if o.maxConns < 1 {
		return usagef("-max-conns must be at least 1, got %d", o.maxConns)
	}
	// The original serves -local-addr instead of the tailnet.
	if o.localAddr != "" && !c.set("tailnet") {
		o.tailnet = false
	}
	if o.insecureLocal && o.localAddr == "" {
		return usagef("-insecure-local-addr needs -local-addr")
	}
	if len(o.services) > 0 && !o.tailnet {
		return usagef("-service needs the tailnet (give -tailnet with -local-addr, or drop -tailnet=false)")
	}
	if _, err := logHandler(o.logFormat, slog.LevelInfo, io.Discard); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// parseFlags parses the service's command line and environment, for tests.
func parseFlags(args []string) (options, error) {
	c, o := newFlags()
	pos, err := c.parse(args, os.LookupEnv)
	if err == nil {
		err = o.finish(c, pos)
	}
	return *o, err
}

// newLogger builds the process's logger: text or JSON lines on w, at level.
// Every component adds its own "component" key (tailnet, local, headroom,
// hook, access, config, ...).
func newLogger(format string, level slog.Level, w io.Writer) (*slog.Logger, error) {
	h, err := logHandler(format, level, w)
	if err != nil {
		return nil, err
	}
	return slog.New(h), nil
}

func logHandler(format string, level slog.Level, w io.Writer) (slog.Handler, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text", "":
		return slog.NewTextHandler(w, opts), nil
	case "json":
		return slog.NewJSONHandler(w, opts), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", format)
}

// run wires the service and serves until ctx ends, then drains. Each
// component is built from the ones before it.
func run(ctx context.Context, o options) error {
	// The exact tokenizers' tables (about 10 ms of CPU) are built while
	// the service starts, not on the first OpenAI-model call.
	go tokens.Warm()
	logger := o.logger
	if logger == nil {
		var err error
		if logger, err = newLogger(o.logFormat, o.logLevel(), os.Stderr); err != nil {
			return err
		}
	}
	// Refused before anything starts: a service that cannot say who may
	// call it must not come up on the tailnet at all.
	if err := o.access.check(o.tailnet); err != nil {
		return err
	}
	store, err := openSettings(o.knobsFile, o.engine.profile, logger.With("component", "config"))
	if err != nil {
		return err
	}
	memLimit, from := applyMemoryLimit(o.memoryLimit, o.memoryLimitSet)
	logger.Info("memory limit", "limit", byteSize(memLimit).String(), "from", from, "bytes_in_flight", byteSize(inFlightBytes(memLimit)).String())

	// Metrics first: the pool and the engine report into it; it reads them
	// back at scrape time once the hook around them exists (Watch).
	m, err := metrics.New(metrics.Config{
		Version:        version(),
		Engine:         o.engine.name,
		Node:           nodeName(o),
		Services:       o.services,
		Outcomes:       hook.Outcomes(),
		Kinds:          kindNames(),
		RestoreReasons: compress.RestoreReasons(),
		Endpoints:      endpoints(),
		Logger:         logger.With("component", "metrics"),
	})
	if err != nil {
		return err
	}
	eng, err := newEngine(ctx, o.engine, store.Get(), m, logger)
	if err != nil {
		return err
	}
	defer eng.close()
	h, err := hook.New(hook.Config{
		Engine:           eng.Engine,
		Pool:             eng.pool,
		Settings:         store,
		Budget:           o.budget,
		MaxInFlightBytes: inFlightBytes(memLimit),
		Metrics:          m,
		Logger:           logger.With("component", "hook"),
		CallerName:       callerName,
		NoGzipReply:      !o.gzipReply,
		NoAcceptEncoding: !o.acceptCoded,
	})
	if err != nil {
		return err
	}
	config, err := settings.NewHandler(settings.HandlerConfig{
		Store:      store,
		Info:       func() settings.Info { return settings.Info{Engine: o.engine.name, EngineVersion: h.EngineVersion()} },
		CallerName: callerName,
		OnUpdate:   m.ConfigUpdated,
		Logger:     logger.With("component", "config"),
	})
	if err != nil {
		return err
	}
	sources := eng.sources
	sources.HeadroomVersion = h.EngineVersion
	if err := m.Watch(sources); err != nil {
		return err
	}
	// The Service's mux exists before the node (which serves it) and is
	// filled once the access policy (which asks the node) exists.
	svcMux := http.NewServeMux()
	tailnet, err := newTailnet(o, svcMux, logger)
	if err != nil {
		return err
	}
	var whois whoisFunc
	if tailnet != nil {
		whois = tailnet.WhoIs
	}
	policy, err := newAccess(o.access, whois, m, logger.With("component", "access"))
	if err != nil {
		return err
	}
	ready := readiness(tailnet, h)
	addServiceRoutes(svcMux, policy, h, m, ready)
	return serve(ctx, o, routes(policy, h, config, m, ready), tailnet, logger)
}

// nodeName is the replica's name in its metrics: the tailnet device name,
// or "local" without a tailnet.
func nodeName(o options) string {
	if !o.tailnet {
		return "local"
	}
	return o.hostname
}

// openSettings opens the settings store: the file (if any), then the
// -profile flag over it, in memory.
func openSettings(file, profile string, logger *slog.Logger) (*settings.Store, error) {
	cfg := settings.StoreConfig{Path: file, Logger: logger}
	if profile != "" {
		b, err := json.Marshal(map[string]string{"savings_profile": profile})
		if err != nil {
			return nil, err
		}
		cfg.Overrides, cfg.OverridesFrom = b, "-profile"
	}
	return settings.Open(cfg)
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

// newEngine builds the chosen engine and its pool for the settings in
// force at start (the headroom engine preloads the ML model they name). m
// may be nil (the compress subcommand records nothing).
func newEngine(ctx context.Context, eo engineOptions, start settings.Settings, m *metrics.Metrics, logger *slog.Logger) (*engine, error) {
	var observer workers.Observer
	if m != nil {
		observer = m
	}
	e := &engine{close: func() {}}
	size := eo.poolSize
	switch eo.name {
	case "native":
		size = cmp.Or(size, runtime.NumCPU())
		n, err := compress.NewNative(compress.NativeConfig{Logger: logger.With("component", "native")})
		if err != nil {
			return nil, err
		}
		e.Engine = n
		e.sources.Cache = func() metrics.CacheStats {
			s := n.CacheStats()
			return metrics.CacheStats{Entries: s.Entries, Bytes: s.Bytes, Hits: s.Hits, Misses: s.Misses, Evictions: s.Evictions}
		}
	case "headroom":
		if eo.originalWorker != "" {
			logger.Warn("ignoring -worker: the original tsheadroom's worker script does not speak this build's protocol; using the embedded worker (-worker-script names a custom one)", "worker", eo.originalWorker)
		}
		size = cmp.Or(size, workers.DefaultWorkers)
		model := ""
		if start.KompressModel != nil {
			model = *start.KompressModel
		}
		preload := eo.preload
		if !eo.preloadSet {
			// As the original: load the model at start unless the knobs
			// turn ML compression off.
			preload = model != compress.KompressDisabled
		}
		hr, err := workers.NewHeadroom(workers.HeadroomConfig{
			Python:             eo.python,
			ScriptPath:         eo.workerScript,
			Workers:            size,
			CallTimeout:        eo.workerTimeout,
			Preload:            preload,
			KompressModel:      model,
			AllowModelDownload: eo.allowModelDownload,
			NoAffinity:         eo.noAffinity,
			Observer:           observer,
			Logger:             logger,
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
func newTailnet(o options, serviceMux http.Handler, logger *slog.Logger) (*node.Server, error) {
	if !o.tailnet {
		return nil, nil
	}
	cfg := node.Config{
		Hostname:       o.hostname,
		Dir:            o.stateDir,
		AuthKey:        o.authKey,
		AdvertiseTags:  splitList(o.tags),
		ControlURL:     o.controlURL,
		Addr:           o.addr,
		Services:       o.services,
		ServiceHandler: serviceMux,
		HTTPS:          o.https,
		LogUpload:      o.logUpload,
		Limits:         node.Limits{MaxConns: o.maxConns},
		Logger:         logger,
	}
	if o.adjustTailnet != nil {
		o.adjustTailnet(&cfg)
	}
	return node.New(cfg)
}

// whoisFunc identifies the tailnet peer behind a remote address.
type whoisFunc = func(ctx context.Context, remoteAddr string) (*apitype.WhoIsResponse, error)

// errNoPolicy words access.ErrNoPolicy with the flags that fix it.
var errNoPolicy = errors.New("no access policy for the tailnet: give allow lists (-hook-tags tag:aperture, -metrics-tags, -admin-logins, ...), " +
	"-require-grant to take roles from the tailnet policy's app-capability grants only, " +
	"or -open to give every tailnet peer that can reach the node the hook and metrics roles (the original tsheadroom's behaviour)")

// hasAllowList reports whether any role has an allow list.
func (ao accessOptions) hasAllowList() bool {
	for _, l := range []string{ao.hookTags, ao.hookLogins, ao.metricsTags, ao.metricsLogin, ao.adminTags, ao.adminLogins} {
		if len(splitList(l)) > 0 {
			return true
		}
	}
	return false
}

// check refuses access flags that leave the tailnet's callers undecided
// (nothing given) or contradict each other. Without a tailnet only
// loopback callers exist, with their fixed roles, so nothing is needed.
func (ao accessOptions) check(tailnet bool) error {
	switch {
	case ao.open && ao.requireGrant:
		return usagef("-open and -require-grant contradict each other: pick one")
	case tailnet && !ao.open && !ao.requireGrant && !ao.hasAllowList():
		return errNoPolicy
	}
	return nil
}

// newAccess builds the access policy from the role flags. Callers are
// identified by the tailnet node's whois; nil means no tailnet, so only
// loopback callers exist and open mode (a statement about tailnet peers)
// does not apply.
func newAccess(ao accessOptions, whois whoisFunc, m *metrics.Metrics, logger *slog.Logger) (*access.Policy, error) {
	tailnet := whois != nil
	if err := ao.check(tailnet); err != nil {
		return nil, err
	}
	if !tailnet {
		whois = access.NoTailnetWhoIs
	}
	return access.New(access.Config{
		WhoIs:        whois,
		CapName:      ao.capName,
		RequireGrant: ao.requireGrant || !tailnet,
		Open:         ao.open && tailnet,
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

// routes builds the mux of the node's own name and the local listener.
// Each route names the role it needs; health checks need none. The hook
// answers at / (the URL Aperture is configured with) and at /hook.
func routes(p *access.Policy, h *hook.Hook, config http.Handler, m *metrics.Metrics, ready readyFunc) *http.ServeMux {
	mux := http.NewServeMux()
	addServiceRoutes(mux, p, h, m, ready)
	mux.Handle("/config", p.Require(access.RoleAdmin, "config", config))
	profiles := http.NewServeMux()
	// No /debug/pprof/cmdline: the command line may carry -authkey.
	profiles.HandleFunc("/debug/pprof/", pprof.Index)
	profiles.HandleFunc("/debug/pprof/profile", pprof.Profile)
	profiles.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/pprof/", p.Require(access.RoleAdmin, "debug", profiles))
	return mux
}

// addServiceRoutes adds what a Tailscale Service serves to mux: the hook,
// metrics and health. A Service reaches whichever replica the tailnet
// picks, so what is one replica's own (its settings, its profiles) is
// served only under the replica's name, where an admin knows which one
// they talk to.
func addServiceRoutes(mux *http.ServeMux, p *access.Policy, h *hook.Hook, m *metrics.Metrics, ready readyFunc) {
	hookHandler := p.Require(access.RoleHook, "hook", h)
	mux.Handle("/{$}", hookHandler)
	mux.Handle("/hook", hookHandler)
	mux.Handle("/metrics", p.Require(access.RoleMetrics, "metrics", m.Handler()))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		report, err := ready(r.Context())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %v\n%s", err, report)
			return
		}
		fmt.Fprintf(w, "ready\n%s", report)
	})
}

// readyFunc says whether the service can take hook calls and, one line
// each, what it sees.
type readyFunc func(context.Context) (report string, _ error)

// readiness reports whether the service can take hook calls: the tailnet
// node is up (when there is one) and the engine can compress. It also says
// what it sees that does not stop it serving: the coordination server out
// of reach (known peers are still served with the last network map) and
// Services still waiting for approval.
func readiness(tailnet *node.Server, h *hook.Hook) readyFunc {
	return func(ctx context.Context) (string, error) {
		var b strings.Builder
		var errs []error
		if tailnet != nil {
			st := tailnet.Status(ctx)
			switch {
			case !st.Running:
				errs = append(errs, errors.New("tailnet not up"))
				b.WriteString("tailnet: not running\n")
			case st.ControlConnected:
				fmt.Fprintf(&b, "tailnet: running as %s; coordination server connected\n", tailnet.DNSName())
			default:
				since := "now"
				if !st.ControlLostAt.IsZero() {
					since = "for " + time.Since(st.ControlLostAt).Round(time.Second).String()
				}
				fmt.Fprintf(&b, "tailnet: running as %s; coordination server unreachable %s: serving known peers with the last network map\n", tailnet.DNSName(), since)
			}
			for _, svc := range st.Services {
				if svc.Approved {
					fmt.Fprintf(&b, "service %s: hosting as %s (%s)\n", svc.Name, svc.FQDN, joinAddrs(svc.VIPs))
				} else {
					fmt.Fprintf(&b, "service %s: advertised, not approved yet (the policy's autoApprovers must list this node's tag for it)\n", svc.Name)
				}
			}
		}
		if err := h.Ready(); err != nil {
			errs = append(errs, err)
			fmt.Fprintf(&b, "engine: %v\n", err)
		} else {
			b.WriteString("engine: ready\n")
		}
		return b.String(), errors.Join(errs...)
	}
}

func joinAddrs(addrs []netip.Addr) string {
	var parts []string
	for _, a := range addrs {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, ", ")
}

// serve starts the listeners and blocks until ctx ends, then drains
// in-flight calls for up to -drain and stops. Loopback callers carry no
// tailnet identity: access.Loopback gives them the local roles.
func serve(ctx context.Context, o options, mux http.Handler, tailnet *node.Server, logger *slog.Logger) error {
	var local *node.LocalServer
	if o.localAddr != "" {
		var err error
		local, err = node.NewLocal(node.LocalConfig{Addr: o.localAddr, AllowNonLoopback: o.insecureLocal, Limits: node.Limits{MaxConns: o.maxConns}, Logger: logger})
		if err != nil {
			return fmt.Errorf("%w (or -insecure-local-addr, which lets anyone who can reach it call the hook)", err)
		}
		// Its callers have no identity: they get the local roles, hook and
		// metrics, never admin.
		if err := local.Start(access.Loopback(mux)); err != nil {
			return err
		}
		logger.Info("serving on the local address", "addr", local.Addr().String(), "roles", "hook,metrics")
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
