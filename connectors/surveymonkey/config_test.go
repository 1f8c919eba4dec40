package surveymonkey

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// TestBaseURL: base_url must be an https URL, or plain http to a loopback
// host (a local sandbox): the token travels in every request. Before, plain
// http to any host was accepted, and the token went out in clear. /v3 is
// added when the path lacks it.
func TestBaseURL(t *testing.T) {
	tests := []struct {
		name, baseURL string
		want          string // cfg.BaseURL after parsing; "" for an error
		err           string // what the error says, besides base_url
	}{
		{"default", DefaultBaseURL, DefaultBaseURL, ""},
		{"trailing slash", "https://api.surveymonkey.com/v3/", DefaultBaseURL, ""},
		{"bare host", "https://api.eu.surveymonkey.com", "https://api.eu.surveymonkey.com/v3", ""},
		{"sandbox", "http://127.0.0.1:8102", "http://127.0.0.1:8102/v3", ""},
		{"sandbox with v3", "http://localhost:8102/v3/", "http://localhost:8102/v3", ""},
		{"plain http elsewhere", "http://api.surveymonkey.com/v3", "", "plain http is only allowed for a loopback host"},
		{"plain http on the network", "http://192.168.1.2:8102", "", "plain http is only allowed for a loopback host"},
		{"query", "https://api.surveymonkey.com/v3?x=1", "", "no query"},
		{"fragment", "https://api.surveymonkey.com/v3#x", "", "fragment"},
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
