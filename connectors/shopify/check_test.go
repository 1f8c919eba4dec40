package shopify

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk"
)

// TestCheckSaysWhenShopifyNoLongerServesTheAPIVersion: Shopify answers a
// request for a retired API version with its oldest supported one
// (X-Shopify-API-Version says which), without an error. Check refuses such
// an api_version with a config error naming it and the version served;
// before, it passed ("API 2025-01") while every read got another
// version's fields. The default api_version is one Shopify serves.
func TestCheckSaysWhenShopifyNoLongerServesTheAPIVersion(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 1, Customers: 3, Orders: -1})
	resp, err := e.conn.Check(t.Context(), sdk.CheckRequest{Config: e.config()})
	if err != nil || !strings.Contains(resp.Message, "API "+DefaultAPIVersion) {
		t.Errorf("check with the default api_version: %q, %v; want it to pass on API %s", resp.Message, err, DefaultAPIVersion)
	}
	_, err = e.conn.Check(t.Context(), sdk.CheckRequest{Config: e.config("api_version", "2025-01")})
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(msg, "api_version") || !strings.Contains(msg, "2025-01") ||
		!strings.Contains(msg, sandbox.DefaultOldestVersion) {
		t.Errorf("check with a retired api_version: %v (%v); want a config error naming api_version, 2025-01 and the version served (%s)",
			err, sdk.KindOf(err), sandbox.DefaultOldestVersion)
	}
	// Shopify releases a version a quarter: 2025-02 is none.
	_, err = parseConfig(sdk.Config(`{"shop":"acme","access_token":"t","api_version":"2025-02"}`))
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "api_version") {
		t.Errorf("api_version 2025-02: %v; want a config error naming api_version", err)
	}
}
