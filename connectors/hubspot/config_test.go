package hubspot

import (
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestBaseURL: base_url must be https, or plain http to a loopback host (a
// local sandbox), since the token travels in every request. Before, plain
// http to any host was accepted and the token went out in clear.
func TestBaseURL(t *testing.T) {
	parse := func(base string) (config, error) {
		return parseConfig(sdk.Config(`{"token":"t","base_url":"` + base + `"}`))
	}
	sdktest.WantBaseURLChecked(t, "base_url", DefaultBaseURL, func(base string) error {
		_, err := parse(base)
		return err
	})
	for base, want := range map[string]string{
		DefaultBaseURL + "/":                DefaultBaseURL,
		"https://Proxy.Example.com/hubspot": "https://proxy.example.com/hubspot",
	} {
		if cfg, err := parse(base); err != nil || cfg.BaseURL != want {
			t.Errorf("base_url %s gave %q, %v; want %s", base, cfg.BaseURL, err, want)
		}
	}
}
