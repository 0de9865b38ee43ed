package tailnettest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"testing"
	"time"

	"tailscale.com/net/tsaddr"
	"tailscale.com/tailcfg"
	"tailscale.com/types/key"
)

// This file gives the in-process control server what testcontrol lacks for
// Tailscale Services, modelled on the production control plane:
//
//   - a node that starts or stops advertising a Service changes its
//     Hostinfo.ServicesHash; the harness then asks it for the list over
//     c2n (GET /vip-services), as control does;
//   - a node advertising a Service is approved as its host when one of its
//     tags is an approver of the Service (the policy's autoApprovers
//     "services" section, set with AutoApproveService);
//   - a Service gets a stable pair of addresses (VIPs) in the tailnet
//     ranges, a MagicDNS record NAME.<domain>, and every approved host the
//     service-host node attribute listing them, which makes its netstack
//     accept traffic to them;
//   - peers route the VIPs to one host at a time (a single-IP route in its
//     AllowedIPs). When that host stops advertising, or its map session is
//     gone for longer than serviceOfflineGrace, the route moves to another
//     live host: a replica that stops is failed over.
//
// Not modelled: per-peer load balancing across hosts (all peers use the
// same host), Service ACLs (the harness filter lets every peer reach every
// port), and the admin-console approval flow (approval is automatic or
// nothing).

// serviceOfflineGrace is how long a host's map session may be gone before
// the harness takes its Service routes away. Dropping every control
// connection (SetAppCaps does) ends every session for a moment; that must
// not move Services around.
const serviceOfflineGrace = 500 * time.Millisecond

// serviceState is the harness's Service bookkeeping, under Tailnet.svcMu.
type serviceState struct {
	approvers  map[tailcfg.ServiceName][]string         // Service -> tags
	advertised map[key.NodePublic][]tailcfg.ServiceName // node -> Services it advertises (Active)
	hashes     map[key.NodePublic]string                // node -> last ServicesHash seen
	online     map[key.NodePublic]int                   // node -> open streaming map polls
	vips       map[tailcfg.ServiceName][2]netip.Addr    // Service -> its IPv4 and IPv6 VIP
	primary    map[tailcfg.ServiceName]key.NodePublic   // Service -> host peers route it to
	applied    map[key.NodePublic]appliedServiceConfig  // what was last pushed to control
	generation int                                      // bumps on every change, to drop stale c2n answers
	controlOff bool                                     // StopControl in effect: no decisions
	refreshing map[key.NodePublic]bool                  // c2n fetch in flight
	nextVIP    uint16
}

type appliedServiceConfig struct {
	hosts  string // JSON of the service-host attribute, "" for none
	routes string // routes, formatted
}

func newServiceState() *serviceState {
	return &serviceState{
		approvers:  map[tailcfg.ServiceName][]string{},
		advertised: map[key.NodePublic][]tailcfg.ServiceName{},
		hashes:     map[key.NodePublic]string{},
		online:     map[key.NodePublic]int{},
		vips:       map[tailcfg.ServiceName][2]netip.Addr{},
		primary:    map[tailcfg.ServiceName]key.NodePublic{},
		applied:    map[key.NodePublic]appliedServiceConfig{},
		refreshing: map[key.NodePublic]bool{},
	}
}

// AutoApproveService makes nodes with any of tags hosts of the Service
// name ("svc:hook") as soon as they advertise it, as the policy's
// autoApprovers {"services": {name: tags}} does. It also applies to nodes
// already advertising it.
func (tn *Tailnet) AutoApproveService(name string, tags ...string) error {
	svc := tailcfg.ServiceName(name)
	if err := svc.Validate(); err != nil {
		return fmt.Errorf("tailnettest: %w", err)
	}
	tn.svcMu.Lock()
	tn.svc.approvers[svc] = slices.Clone(tags)
	tn.svc.generation++
	tn.svcMu.Unlock()
	tn.applyServices()
	return nil
}

// MustAutoApproveService is AutoApproveService for a test: it fails t on
// an error.
func (tn *Tailnet) MustAutoApproveService(t testing.TB, name string, tags ...string) {
	t.Helper()
	if err := tn.AutoApproveService(name, tags...); err != nil {
		t.Fatal(err)
	}
}

// ServiceVIPs returns the addresses given to the Service, once a host of
// it has been approved.
func (tn *Tailnet) ServiceVIPs(name string) (v4, v6 netip.Addr, ok bool) {
	tn.svcMu.Lock()
	defer tn.svcMu.Unlock()
	v, ok := tn.svc.vips[tailcfg.ServiceName(name)]
	return v[0], v[1], ok
}

// ServiceHost returns the MagicDNS name of the host peers send the
// Service's traffic to now, or "" when none is approved and live.
func (tn *Tailnet) ServiceHost(name string) string {
	tn.svcMu.Lock()
	k, ok := tn.svc.primary[tailcfg.ServiceName(name)]
	tn.svcMu.Unlock()
	if !ok {
		return ""
	}
	if n := tn.control.Node(k); n != nil {
		return n.Hostinfo.Hostname() + "." + tn.domain
	}
	return ""
}

// FQDNOfService is the Service's MagicDNS name: "svc:hook" ->
// "hook.<domain>".
func (tn *Tailnet) FQDNOfService(name string) string {
	return tailcfg.ServiceName(name).WithoutPrefix() + "." + tn.domain
}

// holdMapRequest is the control server's HoldMapRequest hook: it notices
// ServicesHash changes and tracks which nodes hold a map session.
func (tn *Tailnet) holdMapRequest(req *tailcfg.MapRequest) (done func()) {
	nk := req.NodeKey
	if req.Hostinfo != nil {
		tn.svcMu.Lock()
		changed := tn.svc.hashes[nk] != req.Hostinfo.ServicesHash
		tn.svc.hashes[nk] = req.Hostinfo.ServicesHash
		tn.svcMu.Unlock()
		if changed {
			go tn.refreshServices(nk)
		}
	}
	if !req.Stream {
		return nil
	}
	tn.svcMu.Lock()
	tn.svc.online[nk]++
	first := tn.svc.online[nk] == 1
	tn.svcMu.Unlock()
	if first {
		go tn.applyServices()
	}
	return func() {
		tn.svcMu.Lock()
		tn.svc.online[nk]--
		tn.svcMu.Unlock()
		time.AfterFunc(serviceOfflineGrace, tn.applyServices)
	}
}

// refreshServices asks node nk which Services it advertises (c2n GET
// /vip-services) and applies the answer. The node must hold a streaming
// map session for c2n to reach it, so this retries for a while.
func (tn *Tailnet) refreshServices(nk key.NodePublic) {
	tn.svcMu.Lock()
	if tn.svc.refreshing[nk] {
		tn.svcMu.Unlock()
		return // the fetch in flight re-checks the hash when it is done
	}
	tn.svc.refreshing[nk] = true
	tn.svcMu.Unlock()
	defer func() {
		tn.svcMu.Lock()
		delete(tn.svc.refreshing, nk)
		tn.svcMu.Unlock()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		tn.svcMu.Lock()
		wantHash := tn.svc.hashes[nk]
		tn.svcMu.Unlock()
		res, err := tn.fetchVIPServices(ctx, nk)
		if err != nil {
			tn.logf("tailnettest: c2n vip-services from %s: %v (retrying)", nk.ShortString(), err)
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		var active []tailcfg.ServiceName
		for _, s := range res.VIPServices {
			if s != nil && s.Active {
				active = append(active, s.Name)
			}
		}
		slices.Sort(active)
		tn.svcMu.Lock()
		if len(active) == 0 {
			delete(tn.svc.advertised, nk)
		} else {
			tn.svc.advertised[nk] = active
		}
		tn.svc.generation++
		again := tn.svc.hashes[nk] != wantHash
		tn.svcMu.Unlock()
		tn.applyServices()
		if !again {
			return
		}
	}
}

func (tn *Tailnet) fetchVIPServices(ctx context.Context, nk key.NodePublic) (*tailcfg.C2NVIPServicesResponse, error) {
	req, err := http.NewRequest("GET", "/vip-services", nil)
	if err != nil {
		return nil, err
	}
	type answer struct {
		status int
		body   []byte
		err    error
	}
	// The body must be read inside the callback: the control server closes
	// it as soon as the callback returns.
	got := make(chan answer, 1)
	if err := tn.control.SendC2N(nk, req, func(res *http.Response) {
		b, err := io.ReadAll(res.Body)
		got <- answer{res.StatusCode, b, err}
	}); err != nil {
		return nil, err
	}
	var a answer
	select {
	case a = <-got:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(5 * time.Second):
		return nil, errors.New("no c2n answer within 5s")
	}
	if a.err != nil {
		return nil, a.err
	}
	if a.status != 200 {
		return nil, fmt.Errorf("status %d: %s", a.status, a.body)
	}
	var out tailcfg.C2NVIPServicesResponse
	if err := json.Unmarshal(a.body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// applyServices recomputes hosts, addresses and routes from what nodes
// advertise and the approvers, and pushes what changed to the control
// server (which sends fresh netmaps). It does nothing while the control
// server is stopped: a control plane that is down decides nothing.
func (tn *Tailnet) applyServices() {
	tn.applyMu.Lock()
	defer tn.applyMu.Unlock()
	tn.svcMu.Lock()
	st := tn.svc
	if st.controlOff || tn.control == nil {
		tn.svcMu.Unlock()
		return
	}
	// Approved hosts per Service, in node-key order for determinism.
	hosts := map[tailcfg.ServiceName][]key.NodePublic{}
	for _, nk := range slices.SortedFunc(maps.Keys(st.advertised), key.NodePublic.Compare) {
		node := tn.control.Node(nk)
		if node == nil {
			continue
		}
		for _, svc := range st.advertised[nk] {
			if slices.ContainsFunc(node.Tags, func(t string) bool { return slices.Contains(st.approvers[svc], t) }) {
				hosts[svc] = append(hosts[svc], nk)
			}
		}
	}
	var newRecords []tailcfg.DNSRecord
	for svc := range hosts {
		if _, ok := st.vips[svc]; ok {
			continue
		}
		st.nextVIP++
		v4 := netip.AddrFrom4([4]byte{100, 101, byte(st.nextVIP >> 8), byte(st.nextVIP)})
		v6 := tsaddr.Tailscale4To6(v4)
		st.vips[svc] = [2]netip.Addr{v4, v6}
		fqdn := svc.WithoutPrefix() + "." + tn.domain
		newRecords = append(newRecords,
			tailcfg.DNSRecord{Name: fqdn, Value: v4.String()},
			tailcfg.DNSRecord{Name: fqdn, Type: "AAAA", Value: v6.String()})
	}
	// Primary host per Service: keep the current one while it hosts and is
	// live; else the first live host; else keep whatever peers have (a
	// Service with no live host is unreachable either way).
	for svc, hs := range hosts {
		cur, had := st.primary[svc]
		if had && slices.Contains(hs, cur) && st.online[cur] > 0 {
			continue
		}
		for _, h := range hs {
			if st.online[h] > 0 {
				st.primary[svc] = h
				break
			}
		}
		if _, ok := st.primary[svc]; !ok {
			st.primary[svc] = hs[0]
		}
	}
	for svc, p := range st.primary {
		if !slices.Contains(hosts[svc], p) {
			delete(st.primary, svc)
		}
	}
	// What each node should have: the service-host attribute for what it
	// hosts, routes for what it is primary for.
	want := map[key.NodePublic]appliedServiceConfig{}
	capOf := map[key.NodePublic]tailcfg.NodeCapMap{}
	routesOf := map[key.NodePublic][]netip.Prefix{}
	for svc, hs := range hosts {
		for _, h := range hs {
			m := tailcfg.ServiceIPMappings{}
			if prev, ok := capOf[h]; ok {
				_ = json.Unmarshal([]byte(prev[tailcfg.NodeAttrServiceHost][0]), &m)
			}
			m[svc] = []netip.Addr{st.vips[svc][0], st.vips[svc][1]}
			b, _ := json.Marshal(m)
			capOf[h] = tailcfg.NodeCapMap{tailcfg.NodeAttrServiceHost: {tailcfg.RawMessage(b)}}
		}
	}
	for svc, p := range st.primary {
		routesOf[p] = append(routesOf[p], netip.PrefixFrom(st.vips[svc][0], 32), netip.PrefixFrom(st.vips[svc][1], 128))
	}
	for nk, c := range capOf {
		w := want[nk]
		w.hosts = string(c[tailcfg.NodeAttrServiceHost][0])
		want[nk] = w
	}
	for nk, r := range routesOf {
		slices.SortFunc(r, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
		w := want[nk]
		w.routes = fmt.Sprint(r)
		want[nk] = w
	}
	type push struct {
		nk     key.NodePublic
		caps   tailcfg.NodeCapMap
		routes []netip.Prefix
		cfg    appliedServiceConfig
	}
	var pushes []push
	for _, nk := range slices.SortedFunc(maps.Keys(mergeKeys(want, st.applied)), key.NodePublic.Compare) {
		if want[nk] == st.applied[nk] {
			continue
		}
		pushes = append(pushes, push{nk, capOf[nk], routesOf[nk], want[nk]})
	}
	tn.svcMu.Unlock()

	if len(newRecords) > 0 {
		tn.control.AddDNSRecords(newRecords...)
	}
	for _, p := range pushes {
		// Host attribute first: a node must accept a VIP before peers send
		// it traffic for it.
		tn.control.SetNodeCapMap(p.nk, p.caps)
		tn.control.SetSubnetRoutes(p.nk, p.routes)
		tn.svcMu.Lock()
		if p.cfg == (appliedServiceConfig{}) {
			delete(st.applied, p.nk)
		} else {
			st.applied[p.nk] = p.cfg
		}
		tn.svcMu.Unlock()
	}
}

func mergeKeys[V any](a, b map[key.NodePublic]V) map[key.NodePublic]struct{} {
	out := map[key.NodePublic]struct{}{}
	for k := range a {
		out[k] = struct{}{}
	}
	for k := range b {
		out[k] = struct{}{}
	}
	return out
}

// WaitServiceHost blocks until the harness routes the Service to the node
// with the given MagicDNS name (approved and live), or ctx ends. Peers
// learn it with their next netmap, a moment later.
func (tn *Tailnet) WaitServiceHost(ctx context.Context, name, hostFQDN string) error {
	for {
		if tn.ServiceHost(name) == hostFQDN {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tailnettest: %s never routed to %s (now %q): %w", name, hostFQDN, tn.ServiceHost(name), ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
