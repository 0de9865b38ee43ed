// Package tsnet puts tsheadroom on a tailnet as its own device and decides who
// may call it.
//
// Server joins the tailnet with tailscale.com/tsnet and serves the
// application's handler only on tailnet listeners (:80, and :443 with
// MagicDNS certificates): the process opens no TCP listener on any host
// interface. Access resolves each caller's tailnet identity with WhoIs and
// grants roles (hook, metrics, admin) from an app capability in the tailnet
// policy and from allow lists of tags and login names. LocalServer serves the
// same handler on a loopback address for trying tsheadroom without a tailnet;
// its callers get hook and metrics, never admin.
//
// It is not the HTTP application: routes, request limits for hook bodies,
// metrics and configuration live with their owners and arrive here as an
// http.Handler. The package imports nothing else from tsheadroom.
package tsnet
