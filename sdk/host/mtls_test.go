package host

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// Launch turns on go-plugin's AutoMTLS: the plugin is handed a client
// certificate to trust, and calls still work over the mutual TLS that
// follows.
func TestLaunchUsesMutualTLS(t *testing.T) {
	t.Parallel()
	p := launch(t, Options{Env: []string{}})
	resp, err := p.Check(testContext(t, 30*time.Second), sdk.CheckRequest{Config: config(t, map[string]any{"check_env": true})})
	if err != nil {
		t.Fatalf("Check over mutual TLS: %v", err)
	}
	var env []string
	if err := json.Unmarshal([]byte(resp.Message), &env); err != nil {
		t.Fatalf("decode the plugin's environment: %v", err)
	}
	var certPEM string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PLUGIN_CLIENT_CERT="); ok {
			certPEM = v
		}
	}
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		t.Fatalf("the plugin got no PEM client certificate (AutoMTLS off?); its environment: %q", env)
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		t.Errorf("the plugin's client certificate does not parse: %v", err)
	}
}
