// Package access decides who may call tsheadroom: it resolves each caller's
// tailnet identity with WhoIs and grants roles (hook, metrics, admin) from an
// app capability in the tailnet policy and from allow lists of tags and
// login names, then guards handlers with those roles.
//
// It knows nothing of the node that produces WhoIs answers (any function with
// that contract will do), of the routes it guards or of what they serve: the
// caller names the role and endpoint of each handler it wraps. Callers on the
// loopback listener carry no tailnet identity; Loopback marks them, and they
// get the hook and metrics roles, never admin.
package access

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"tailscale.com/client/tailscale/apitype"
	"tailscale.com/tailcfg"

	"github.com/tsheadroom/tsheadroom/internal/ratelog"
)

// Role is a permission a caller may hold. Endpoints require one role each.
type Role string

// The roles tsheadroom knows. RoleAdmin implies every other role.
const (
	// RoleHook may POST the Aperture pre_request hook.
	RoleHook Role = "hook"
	// RoleMetrics may GET /metrics.
	RoleMetrics Role = "metrics"
	// RoleAdmin may do everything, including GET/PUT /config.
	RoleAdmin Role = "admin"
)

// allRoles lists every known role in a fixed order, so role lists in logs and
// responses are deterministic.
var allRoles = [...]Role{RoleHook, RoleMetrics, RoleAdmin}

func (r Role) valid() bool { return slices.Contains(allRoles[:], r) }

// DefaultCapName is the app capability tsheadroom reads from the tailnet
// policy when Config.CapName is empty. Its values are JSON objects of
// the form {"roles": ["hook", "metrics", "admin"]}. Operators who prefer a
// capability under their own domain set Config.CapName instead.
const DefaultCapName = "tsheadroom.dev/cap/tsheadroom"

// AllowList names callers that hold a role without an app-capability grant.
type AllowList struct {
	// Tags are ACL tags ("tag:aperture"). A tagged caller matches when any
	// of its tags is listed.
	Tags []string
	// Logins are user login names ("alice@example.com"). Only untagged
	// callers match: a tagged device acts as its tags, not as the user who
	// created it, as in the tailnet policy itself.
	Logins []string
}

func (l AllowList) empty() bool { return len(l.Tags) == 0 && len(l.Logins) == 0 }

// Config configures a Policy. The zero value is not usable: WhoIs is
// required.
type Config struct {
	// WhoIs identifies the tailnet peer behind a request's remote address
	// ("ip:port"). Required. In production this is the tailnet node's
	// own, through its LocalAPI, or NoTailnetWhoIs without a tailnet;
	// tests may pass any function with the same contract. An error means
	// the caller is denied.
	WhoIs func(ctx context.Context, remoteAddr string) (*apitype.WhoIsResponse, error)

	// CapName is the app capability whose grant values carry roles.
	// Empty means DefaultCapName.
	CapName string

	// Allow grants roles to tags and login names given on the command line,
	// for tailnets whose policy has no app grants. Keys must be known roles.
	// Nil or empty means no allow lists.
	Allow map[Role]AllowList

	// RequireGrant says the policy is the app-capability grants alone:
	// callers get only the roles their grants and the allow lists give
	// them, even if no allow list is set.
	RequireGrant bool

	// Open gives the hook and metrics roles to every peer that can reach
	// the node, on top of grants and allow lists (admin still needs one of
	// those). It must be asked for: a Config with no allow list and
	// neither RequireGrant nor Open is refused by New, so a forgotten flag
	// can never leave the hook open to the whole tailnet.
	Open bool

	// OnDeny, if non-nil, is called once per refused request with the
	// endpoint name given to Require; main wires it to the
	// tsheadroom_access_denied_total counter. It must be safe for
	// concurrent use and must not block.
	OnDeny func(endpoint string)

	// Logger receives denials and configuration warnings. Nil discards
	// them.
	Logger *slog.Logger

	// DenyLogEvery limits denial logs to one line per caller per interval
	// (with the count held back since), so a peer retrying in a loop
	// cannot flood the log; the counter still counts every denial. Zero
	// means DefaultDenyLogEvery.
	DenyLogEvery time.Duration
}

// DefaultDenyLogEvery is Config.DenyLogEvery when zero.
const DefaultDenyLogEvery = 10 * time.Second

// maxDenyLogKeys bounds the callers whose denial logs are limited one by
// one; beyond it they share one budget.
const maxDenyLogKeys = 1024

// ErrNoTailnet is what NoTailnetWhoIs returns.
var ErrNoTailnet = errors.New("no tailnet: running in local mode only")

// NoTailnetWhoIs is a Config.WhoIs for running without a tailnet (only a
// loopback listener): it identifies nobody, so only loopback callers, which
// never need WhoIs, get roles.
func NoTailnetWhoIs(context.Context, string) (*apitype.WhoIsResponse, error) {
	return nil, ErrNoTailnet
}

// Policy resolves a caller's roles from its tailnet identity and guards
// handlers with them. It is safe for concurrent use.
type Policy struct {
	whois   func(ctx context.Context, remoteAddr string) (*apitype.WhoIsResponse, error)
	capName tailcfg.PeerCapability
	allow   map[Role]AllowList
	open    bool // Config.Open: hook and metrics for every peer
	onDeny  func(endpoint string)
	log     *slog.Logger
	denyLog *ratelog.Limiter

	mu            sync.Mutex
	warnedUnknown map[string]bool // unknown role names in grants, logged once each
}

// ErrNoPolicy is returned by New for a Config that names no way to grant
// roles: no allow list, and neither RequireGrant nor Open.
var ErrNoPolicy = errors.New("access: no access policy: give allow lists, require app-capability grants, or open the hook and metrics to every peer explicitly")

// New validates cfg and returns a Policy.
//
// With Open the hook and metrics roles are open to every peer that can
// reach the node, admin still needs a grant or an allow list, and a warning
// saying so is logged here. Without allow lists, RequireGrant or Open, New
// fails with ErrNoPolicy.
func New(cfg Config) (*Policy, error) {
	if cfg.WhoIs == nil {
		return nil, errors.New("access: WhoIs is required")
	}
	if cfg.Open && cfg.RequireGrant {
		return nil, errors.New("access: Open and RequireGrant contradict each other")
	}
	capName := cfg.CapName
	if capName == "" {
		capName = DefaultCapName
	}
	if strings.ContainsAny(capName, " \t\r\n") {
		return nil, fmt.Errorf("access: capability name %q contains whitespace", capName)
	}
	allow := make(map[Role]AllowList, len(cfg.Allow))
	for role, list := range cfg.Allow {
		if !role.valid() {
			return nil, fmt.Errorf("access: allow list for unknown role %q (known: hook, metrics, admin)", role)
		}
		for _, tag := range list.Tags {
			if !strings.HasPrefix(tag, "tag:") || len(tag) == len("tag:") {
				return nil, fmt.Errorf("access: %s allow list: %q is not a tag (want tag:name)", role, tag)
			}
		}
		for _, login := range list.Logins {
			if strings.TrimSpace(login) == "" || strings.ContainsAny(login, " \t\r\n") {
				return nil, fmt.Errorf("access: %s allow list: invalid login name %q", role, login)
			}
		}
		if !list.empty() {
			allow[role] = AllowList{Tags: slices.Clone(list.Tags), Logins: slices.Clone(list.Logins)}
		}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.DenyLogEvery < 0 {
		return nil, errors.New("access: DenyLogEvery must not be negative")
	}
	if len(allow) == 0 && !cfg.RequireGrant && !cfg.Open {
		return nil, ErrNoPolicy
	}
	a := &Policy{
		denyLog: ratelog.New(cmp.Or(cfg.DenyLogEvery, DefaultDenyLogEvery), maxDenyLogKeys, nil),
		whois:   cfg.WhoIs,
		capName: tailcfg.PeerCapability(capName),
		allow:   allow,
		open:    cfg.Open,
		onDeny:  cfg.OnDeny,
		log:     log,
	}
	if a.open {
		log.Warn("OPEN MODE: any tailnet peer that can reach this node gets the hook and metrics roles, unidentified callers excepted; admin needs an app-capability grant or an allow list. Use allow lists or app-capability grants instead to restrict access.",
			"cap", capName, "open", true)
	}
	return a, nil
}

// Caller is the identity of the peer behind a request, with its roles.
type Caller struct {
	// LoginName is the user's login for untagged devices; empty for tagged
	// devices and local callers.
	LoginName string
	// Tags are the device's ACL tags; empty for user devices.
	Tags []string
	// NodeName is the device's MagicDNS name without the trailing dot, or
	// its host name when MagicDNS is off.
	NodeName string
	// Addr is the caller's address (a tailnet IP, or loopback for local
	// callers).
	Addr netip.Addr
	// Local is true for callers on the loopback listener, which carry no
	// tailnet identity.
	Local bool
	// Roles are the caller's effective roles, in the order hook, metrics,
	// admin. Admin implies the others, which are then listed too.
	Roles []Role
}

// has reports whether the caller holds role.
func (c Caller) has(role Role) bool { return slices.Contains(c.Roles, role) }

// String renders the identity for logs and denial messages, e.g.
// "tags=tag:aperture node=aperture.example.ts.net ip=100.64.0.2".
func (c Caller) String() string {
	var b strings.Builder
	switch {
	case c.Local:
		b.WriteString("local")
	case len(c.Tags) > 0:
		b.WriteString("tags=")
		b.WriteString(strings.Join(c.Tags, ","))
	case c.LoginName != "":
		b.WriteString("login=")
		b.WriteString(c.LoginName)
	default:
		b.WriteString("unknown")
	}
	if c.NodeName != "" {
		b.WriteString(" node=")
		b.WriteString(c.NodeName)
	}
	if c.Addr.IsValid() {
		b.WriteString(" ip=")
		b.WriteString(c.Addr.String())
	}
	return b.String()
}

type callerKey struct{}

// loopbackKey marks requests that arrived on the loopback listener. Only
// Loopback sets it, so a tailnet request can never carry it.
type loopbackKey struct{}

// CallerFrom returns the caller that Require attached to ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// Loopback returns h with every request marked as coming from the loopback
// listener: Require then gives its callers the hook and metrics roles
// without WhoIs, and never admin. Wrap only the handler of a listener bound
// to loopback (-local-addr); a handler it does not wrap identifies every
// caller with WhoIs, so forgetting it denies rather than grants.
func Loopback(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), loopbackKey{}, true)))
	})
}

// localRoles are what a loopback caller gets: enough to try the hook and
// scrape metrics, never to change the configuration.
var localRoles = [...]Role{RoleHook, RoleMetrics}

// identify resolves the caller behind r and its roles. It fails when the
// caller cannot be identified (WhoIs error, or a peer unknown to the node).
func (a *Policy) identify(r *http.Request) (Caller, error) {
	if local, _ := r.Context().Value(loopbackKey{}).(bool); local {
		c := Caller{Local: true, Roles: localRoles[:]}
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			c.Addr = ap.Addr().Unmap()
		}
		return c, nil
	}
	who, err := a.whois(r.Context(), r.RemoteAddr)
	if err != nil {
		return Caller{}, fmt.Errorf("whois %s: %w", r.RemoteAddr, err)
	}
	if who == nil || who.Node == nil {
		return Caller{}, fmt.Errorf("whois %s: no node in response", r.RemoteAddr)
	}
	return a.resolve(who, r.RemoteAddr), nil
}

// resolve turns a WhoIs answer into a Caller with its effective roles.
func (a *Policy) resolve(who *apitype.WhoIsResponse, remoteAddr string) Caller {
	c := Caller{NodeName: strings.TrimSuffix(who.Node.Name, ".")}
	if c.NodeName == "" {
		c.NodeName = who.Node.ComputedName
	}
	if who.Node.IsTagged() {
		c.Tags = slices.Clone(who.Node.Tags)
		slices.Sort(c.Tags)
	} else if who.UserProfile != nil {
		c.LoginName = who.UserProfile.LoginName
	}
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		c.Addr = ap.Addr().Unmap()
	} else if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		if ip, err := netip.ParseAddr(host); err == nil {
			c.Addr = ip.Unmap()
		}
	}

	have := make(map[Role]bool, len(allRoles))
	if a.open {
		have[RoleHook] = true
		have[RoleMetrics] = true
	}
	for _, role := range a.grantedRoles(who, c) {
		have[role] = true
	}
	for role, list := range a.allow {
		if c.matches(list) {
			have[role] = true
		}
	}
	if have[RoleAdmin] {
		for _, r := range allRoles {
			have[r] = true
		}
	}
	for _, r := range allRoles {
		if have[r] {
			c.Roles = append(c.Roles, r)
		}
	}
	return c
}

func (c Caller) matches(list AllowList) bool {
	if len(c.Tags) > 0 {
		return slices.ContainsFunc(c.Tags, func(t string) bool { return slices.Contains(list.Tags, t) })
	}
	return c.LoginName != "" && slices.Contains(list.Logins, c.LoginName)
}

// capGrant is the JSON value of one grant of the app capability.
type capGrant struct {
	Roles []string `json:"roles"`
}

// grantedRoles merges the roles of every grant value of the capability.
// Each value is decoded on its own (rather than with
// tailcfg.UnmarshalCapJSON, which fails all values on one bad one) so that a
// malformed grant elsewhere in the policy does not take away roles granted
// correctly; the bad value is logged and ignored.
func (a *Policy) grantedRoles(who *apitype.WhoIsResponse, c Caller) []Role {
	var roles []Role
	for _, raw := range who.CapMap[a.capName] {
		var g capGrant
		if err := json.Unmarshal([]byte(raw), &g); err != nil {
			a.log.Warn("ignoring malformed app-capability grant", "cap", string(a.capName), "caller", c.String(), "err", err)
			continue
		}
		for _, name := range g.Roles {
			role := Role(name)
			if !role.valid() {
				a.warnUnknownRole(name)
				continue
			}
			roles = append(roles, role)
		}
	}
	return roles
}

func (a *Policy) warnUnknownRole(name string) {
	a.mu.Lock()
	seen := a.warnedUnknown[name]
	if !seen {
		if a.warnedUnknown == nil {
			a.warnedUnknown = make(map[string]bool)
		}
		a.warnedUnknown[name] = true
	}
	a.mu.Unlock()
	if !seen {
		a.log.Warn("ignoring unknown role in app-capability grant (known: hook, metrics, admin); logged once per name",
			"cap", string(a.capName), "role", name)
	}
}

// Require returns a handler that serves h only to callers holding role.
// Others get 403 with a one-line reason; the denial is logged with the
// caller's identity and reported to OnDeny with endpoint, a short stable
// name for the route ("hook", "metrics", "config"). The caller is attached
// to the request context (see CallerFrom) before h runs.
func (a *Policy) Require(role Role, endpoint string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := a.identify(r)
		if err != nil {
			a.deny(w, r, endpoint, role, "", "cannot identify caller", err)
			return
		}
		if !c.has(role) {
			a.deny(w, r, endpoint, role, c.String(), fmt.Sprintf("caller %s lacks role %s", c, role), nil)
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

func (a *Policy) deny(w http.ResponseWriter, r *http.Request, endpoint string, role Role, caller, reason string, err error) {
	// A caller WhoIs cannot name is limited by its address.
	key := caller
	if key == "" {
		key = "addr=" + r.RemoteAddr
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			key = "addr=" + host
		}
	}
	if ok, held := a.denyLog.Allow(key); ok {
		attrs := []any{"endpoint", endpoint, "role", string(role), "outcome", "denied", "reason", reason}
		if caller != "" {
			attrs = append(attrs, "caller", caller)
		} else {
			attrs = append(attrs, "remote_addr", r.RemoteAddr)
		}
		if err != nil {
			attrs = append(attrs, "err", err)
		}
		attrs = append(attrs, "held_back", held)
		a.log.Warn("access denied", attrs...)
	}
	if a.onDeny != nil {
		a.onDeny(endpoint)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w, "forbidden: %s\n", reason)
}
