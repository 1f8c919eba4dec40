package shopify

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// TestConfigAPIURL: a shop name or a base_url gives the API's root; a
// base_url over plain http is refused unless its host is a loopback one.
func TestConfigAPIURL(t *testing.T) {
	tests := []struct {
		name, config string
		want         string // the API's root; "" for an error
		err          string
	}{
		{"shop", `{"shop":"Acme","access_token":"t"}`, "https://acme.myshopify.com/admin/api/2025-01", ""},
		{"shop domain", `{"shop":"acme.myshopify.com","access_token":"t"}`, "https://acme.myshopify.com/admin/api/2025-01", ""},
		{"base url", `{"base_url":"https://Acme.MyShopify.com/","access_token":"t"}`, "https://acme.myshopify.com/admin/api/2025-01", ""},
		{"base url with admin path", `{"base_url":"http://127.0.0.1:8113/admin/api/2024-10","access_token":"t","api_version":"2025-01"}`, "http://127.0.0.1:8113/admin/api/2025-01", ""},
		{"plain http elsewhere", `{"base_url":"http://acme.example.com","access_token":"t"}`, "", "plain http"},
		{"query", `{"base_url":"https://acme.example.com?x=1","access_token":"t"}`, "", "no query"},
		{"both", `{"shop":"acme","base_url":"https://a.com","access_token":"t"}`, "", "both set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(sdk.Config(tt.config))
			if tt.err == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if cfg.apiURL != tt.want {
					t.Errorf("api url = %s, want %s", cfg.apiURL, tt.want)
				}
				return
			}
			if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err = %v (%v), want a config error saying %q", err, sdk.KindOf(err), tt.err)
			}
			if tt.err != "both set" && !strings.Contains(err.Error(), "https://acme.myshopify.com") {
				t.Errorf("err = %v, want the example URL", err)
			}
		})
	}
}
