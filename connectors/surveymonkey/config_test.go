package surveymonkey

import (
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestBaseURLIsHTTPSOrLoopback: base_url must be https, or plain http to a
// loopback host (a local sandbox), since the token travels in every
// request. Before, plain http to any host was accepted and the token went
// out in clear. /v3 is added when the path lacks it.
func TestBaseURLIsHTTPSOrLoopback(t *testing.T) {
	sdktest.WantBaseURLChecked(t, "base_url", DefaultBaseURL, func(base string) error {
		_, err := parseConfig(sdk.Config(`{"token":"t","base_url":"` + base + `"}`))
		return err
	})
	tests := []struct{ base, want string }{
		{"https://api.surveymonkey.com/v3/", DefaultBaseURL},
		{"https://api.eu.surveymonkey.com", "https://api.eu.surveymonkey.com/v3"},
		{"http://127.0.0.1:8102", "http://127.0.0.1:8102/v3"},
	}
	for _, tt := range tests {
		cfg, err := parseConfig(sdk.Config(`{"token":"t","base_url":"` + tt.base + `"}`))
		if err != nil || cfg.BaseURL != tt.want {
			t.Errorf("base_url %s: %q, %v; want %s", tt.base, cfg.BaseURL, err, tt.want)
		}
	}
}
