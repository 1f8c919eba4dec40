package httpx

import (
	"fmt"
	"net/url"
	"syscall"
	"testing"
)

// TestRefusedOnLoopbackOnlyThere: only a refusal on a loopback address
// fails fast; a vendor's host refusing stays a transient failure.
func TestRefusedOnLoopbackOnlyThere(t *testing.T) {
	refused := fmt.Errorf("dial tcp: %w", syscall.ECONNREFUSED)
	for raw, want := range map[string]bool{
		"http://127.0.0.1:9101/x":        true,
		"http://localhost:9101/x":        true,
		"http://[::1]:9101/x":            true,
		"https://api.hubapi.com/crm":     false,
		"https://10.1.2.3/api":           false,
		"https://acme.zendesk.com/api/2": false,
	} {
		u, _ := url.Parse(raw)
		if got := refusedOnLoopback(refused, u); got != want {
			t.Errorf("refusedOnLoopback(%s) = %v, want %v", raw, got, want)
		}
	}
	u, _ := url.Parse("http://127.0.0.1:9101/x")
	if refusedOnLoopback(fmt.Errorf("dial tcp: %w", syscall.ECONNRESET), u) {
		t.Error("a reset was taken for a refusal")
	}
}
