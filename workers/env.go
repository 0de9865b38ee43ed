package workers

import (
	"fmt"
	"strings"
)

// passEnv lists the variables a worker inherits from tsheadroom's own
// environment. Everything else (TS_AUTHKEY, cloud credentials, API keys,
// tokens) is dropped: the worker runs third-party code on untrusted text
// and needs none of it.
var passEnv = [...]string{
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE",
	"TZ", "TMPDIR",
	"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
	// Caches where headroom finds tokenizers and (with the ml extra) the
	// model, so workers do not need network access.
	"XDG_CACHE_HOME", "HF_HOME", "HF_HUB_CACHE", "TIKTOKEN_CACHE_DIR",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
}

// downloadEnv is what a worker inherits beyond passEnv when model
// downloads are allowed: the HuggingFace token, for gated models and rate
// limits, and nothing else.
const downloadEnv = "HF_TOKEN"

// offlineEnv is headroom's air-gap switch: no telemetry beacon, update
// check or model download from inside a tailnet service. Set unless model
// downloads are allowed.
const offlineEnv = "HEADROOM_OFFLINE=1"

// fixedEnv is set for every worker; HeadroomConfig.Env may override it.
var fixedEnv = [...]string{
	"PYTHONUNBUFFERED=1",
	"PYTHONDONTWRITEBYTECODE=1",
	"PYTHONIOENCODING=utf-8",
	"HEADROOM_TELEMETRY=off",
	"DO_NOT_TRACK=1",
	// Keep headroom's learning store in memory instead of writing ~/.headroom.
	"HEADROOM_TOIN_BACKEND=none",
}

// workerEnv builds a worker's environment from the parent's (as os.Environ
// returns it), keeping only passEnv (and, with downloads allowed,
// downloadEnv), then fixedEnv and the offline switch (unless downloads are
// allowed), then extra.
func workerEnv(parent, extra []string, allowDownload bool) []string {
	keep := make(map[string]bool, len(passEnv)+1)
	for _, k := range passEnv {
		keep[k] = true
	}
	keep[downloadEnv] = allowDownload
	var env []string
	for _, kv := range parent {
		k, v, ok := strings.Cut(kv, "=")
		if k == downloadEnv && v == "" {
			continue // an empty token is no token (compose passes unset ones so)
		}
		if ok && keep[k] {
			env = append(env, kv)
		}
	}
	env = append(env, fixedEnv[:]...)
	if !allowDownload {
		env = append(env, offlineEnv)
	}
	// os/exec keeps the last value of a duplicated key, so extra wins.
	return append(env, extra...)
}

// validateExtraEnv checks HeadroomConfig.Env: KEY=VALUE entries, and no
// Tailscale settings, which may carry credentials a worker must not see.
func validateExtraEnv(extra []string) error {
	for _, kv := range extra {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t\n\x00") {
			return fmt.Errorf("env entry %q is not KEY=VALUE", kv)
		}
		if strings.HasPrefix(strings.ToUpper(k), "TS_") {
			return fmt.Errorf("env entry %s: Tailscale settings are never passed to workers", k)
		}
	}
	return nil
}
