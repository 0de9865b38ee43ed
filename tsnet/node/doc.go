// Package node puts tsheadroom on a tailnet as its own device and serves an
// http.Handler there, and on loopback for trying it without a tailnet.
//
// Server joins the tailnet with tailscale.com/tsnet and serves the handler
// only on tailnet listeners (:80, and :443 with the MagicDNS certificate):
// the process opens no TCP listener on any host interface when built with
// -tags ts_omit_peerapiserver. It reports readiness and what it sees of the
// coordination server, identifies peers with WhoIs for the access layer,
// and shuts down draining in-flight requests. LocalServer serves a handler
// on a loopback address only.
//
// Server can also host Tailscale Services (Config.Services), so that
// several replicas answer under one name. tsnet delivers a Service's
// connections through a socket on 127.0.0.1 with a PROXY protocol header
// naming the caller; the node believes that header only from its own
// process (checked in /proc on Linux), so WhoIs sees the real caller and a
// local program cannot pass for one.
//
// It does not decide who may call: access control (tsnet/access) wraps the
// handler before it gets here, and WhoIs is all the node tells it. Routes,
// request limits, metrics and configuration live with their owners. The
// package imports nothing else from tsheadroom.
package node
