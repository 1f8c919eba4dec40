package shopify

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestConfigAPIURL: a shop name or a base_url gives the API's root; a
// base_url is checked as httpx.ParseBaseURL does (plain http only to a
// loopback host).
func TestConfigAPIURL(t *testing.T) {
	sdktest.WantBaseURLChecked(t, "base_url", "https://acme.myshopify.com", func(base string) error {
		_, err := parseConfig(sdk.Config(`{"access_token":"t","base_url":"` + base + `"}`))
		return err
	})
	for in, want := range map[string]string{
		`{"shop":"Acme"}`:                            "https://acme.myshopify.com/admin/api/" + DefaultAPIVersion,
		`{"shop":"acme.myshopify.com"}`:              "https://acme.myshopify.com/admin/api/" + DefaultAPIVersion,
		`{"base_url":"https://Acme.MyShopify.com/"}`: "https://acme.myshopify.com/admin/api/" + DefaultAPIVersion,
		`{"base_url":"http://127.0.0.1:8113/admin/api/2024-10","api_version":"2025-04"}`: "http://127.0.0.1:8113/admin/api/2025-04",
	} {
		cfg, err := parseConfig(sdk.Config(strings.Replace(in, "{", `{"access_token":"t",`, 1)))
		if err != nil || cfg.apiURL != want {
			t.Errorf("%s: api url %q, %v; want %s", in, cfg.apiURL, err, want)
		}
	}
	if _, err := parseConfig(sdk.Config(`{"shop":"acme","base_url":"https://a.com","access_token":"t"}`)); sdk.KindOf(err) != sdk.KindConfig {
		t.Errorf("shop and base_url both set: %v, want a config error", err)
	}
}
