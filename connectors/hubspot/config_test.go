package hubspot

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// TestBaseURL: base_url must be an https URL, or plain http to a loopback
// host (a local sandbox): the token travels in every request. Before, plain
// http to any host was accepted, and the token went out in clear.
func TestBaseURL(t *testing.T) {
	tests := []struct {
		name, baseURL string
		want          string // cfg.BaseURL after parsing; "" for an error
		err           string // what the error says, besides base_url
	}{
		{"default", DefaultBaseURL, DefaultBaseURL, ""},
		{"trailing slash", "https://api.hubapi.com/", "https://api.hubapi.com", ""},
		{"sandbox", "http://127.0.0.1:8101", "http://127.0.0.1:8101", ""},
		{"localhost", "http://localhost:8101/", "http://localhost:8101", ""},
		{"proxy over https", "https://Proxy.Example.com/hubspot", "https://proxy.example.com/hubspot", ""},
		{"plain http elsewhere", "http://api.hubapi.com", "", "plain http is only allowed for a loopback host"},
		{"plain http on the network", "http://10.1.2.3:8101", "", "plain http is only allowed for a loopback host"},
		{"query", "https://api.hubapi.com?portal=1", "", "no query"},
		{"user info", "https://me:pw@api.hubapi.com", "", "user info"},
		{"no host", "https://", "", "want an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(sdk.Config(`{"token":"t","base_url":"` + tt.baseURL + `"}`))
			if tt.err == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				if cfg.BaseURL != tt.want {
					t.Errorf("base_url = %s, want %s", cfg.BaseURL, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("base_url %s accepted (%s), want an error saying %q", tt.baseURL, cfg.BaseURL, tt.err)
			}
			if sdk.KindOf(err) != sdk.KindConfig {
				t.Errorf("kind = %v, want config", sdk.KindOf(err))
			}
			for _, part := range []string{"base_url", tt.err, DefaultBaseURL} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not say %q", err, part)
				}
			}
		})
	}
}
