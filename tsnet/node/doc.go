// Package node puts tsheadroom on a tailnet as its own device and serves an
// http.Handler there, and on loopback for trying it without a tailnet.
//
// Server joins the tailnet with tailscale.com/tsnet and serves the handler
// only on tailnet listeners (:80, and :443 with the MagicDNS certificate):
// the process opens no TCP listener on any host interface when built with
// -tags ts_omit_peerapiserver. It reports readiness, identifies peers with
// WhoIs for the access layer, and shuts down draining in-flight requests.
// LocalServer serves a handler on a loopback address only.
//
// It does not decide who may call: access control (tsnet/access) wraps the
// handler before it gets here, and WhoIs is all the node tells it. Routes,
// request limits, metrics and configuration live with their owners. The
// package imports nothing else from tsheadroom.
package node
