package config

import (
	"strings"
	"testing"
	"time"
)

func TestServerLease(t *testing.T) {
	const base = "version: 1\nconnections: {a: {connector: file}}\npipelines: []\n"
	if c := mustLoad(t, base); c.Server.LeaseTTL != DefaultLeaseTTL {
		t.Errorf("default lease ttl = %v, want %v", c.Server.LeaseTTL, DefaultLeaseTTL)
	}
	if c := mustLoad(t, base+"server: {lease: {ttl: 3s}}\n"); c.Server.LeaseTTL != 3*time.Second {
		t.Errorf("lease ttl = %v, want 3s", c.Server.LeaseTTL)
	}
	for yaml, want := range map[string]string{
		"server: {lease: {ttl: 500ms}}\n": "server.lease.ttl: expected a duration of at least 1s",
		"server: {lease: {ttl: 1h}}\n":    "server.lease.ttl: expected at most 10m",
		"server: {lease: {tll: 5s}}\n":    "tll",
	} {
		errs := strings.Join(loadErrors(t, base+yaml), "\n")
		if !strings.Contains(errs, want) {
			t.Errorf("%s: errors %q, want %q", yaml, errs, want)
		}
	}
}
