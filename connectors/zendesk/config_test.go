package zendesk

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		config  string
		wantURL string
		wantErr string // a ConfigError containing this
	}{
		{"subdomain", `{"subdomain":"Acme","email":"a@x.com","token":"t"}`, "https://acme.zendesk.com/api/v2", ""},
		{"base url", `{"base_url":"https://support.acme.com/","email":"a@x.com","token":"t"}`, "https://support.acme.com/api/v2", ""},
		{"base url host in capitals", `{"base_url":"https://Support.ACME.com","email":"a@x.com","token":"t"}`, "https://support.acme.com/api/v2", ""},
		{"base url with api path", `{"base_url":"http://127.0.0.1:8111/api/v2","email":"a@x.com","token":"t"}`, "http://127.0.0.1:8111/api/v2", ""},
		{"no email", `{"subdomain":"acme","token":"t"}`, "", "email: missing"},
		{"no token", `{"subdomain":"acme","email":"a@x.com"}`, "", "token: missing"},
		{"no account", `{"email":"a@x.com","token":"t"}`, "", "subdomain or base_url: missing: give one"},
		{"both", `{"subdomain":"acme","base_url":"https://a.com","email":"a@x.com","token":"t"}`, "", "both set"},
		{"subdomain is a host", `{"subdomain":"acme.zendesk.com","email":"a@x.com","token":"t"}`, "", "subdomain"},
		{"plain http elsewhere", `{"base_url":"http://acme.example.com","email":"a@x.com","token":"t"}`, "", "plain http"},
		{"not a url", `{"base_url":"acme","email":"a@x.com","token":"t"}`, "", "base_url"},
		{"bad window", `{"subdomain":"acme","email":"a@x.com","token":"t","rate_window":"soon"}`, "", "rate_window"},
		{"bad page size", `{"subdomain":"acme","email":"a@x.com","token":"t","page_size":5000}`, "", "page_size"},
		{"start_time in milliseconds", `{"subdomain":"acme","email":"a@x.com","token":"t","start_time":1714557600000}`, "", "start_time 1714557600000 is in milliseconds: give Unix seconds (1714557600)"},
		{"start_time in seconds", `{"subdomain":"acme","email":"a@x.com","token":"t","start_time":1714557600}`, "https://acme.zendesk.com/api/v2", ""},
		{"not json", `{`, "", "decode config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(sdk.Config(tt.config))
			if tt.wantErr != "" {
				if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v (kind %s), want a config error with %q", err, sdk.KindOf(err), tt.wantErr)
				}
				return
			}
			if err != nil || cfg.apiURL != tt.wantURL {
				t.Fatalf("api url %q, error %v; want %q", cfg.apiURL, err, tt.wantURL)
			}
			if cfg.PageSize != 1000 || cfg.IncrementalRequestsPerMinute != 10 || cfg.RequestsPerMinute != 700 || cfg.window.Minutes() != 1 {
				t.Errorf("defaults: %+v", cfg)
			}
		})
	}
}

func TestSpec(t *testing.T) {
	spec := New().Spec()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(spec.SecretFields(), ","); got != "token,webhook_secret" {
		t.Errorf("secret fields %q, want token and webhook_secret", got)
	}
	for _, name := range []string{StreamUsers, StreamTickets, StreamTicketComments} {
		st, ok := spec.Stream(name)
		if !ok || len(st.PrimaryKey) != 1 || !st.Capabilities.IncrementalRead {
			t.Errorf("stream %s: %+v", name, st)
		}
	}
}

// TestBaseURLIsHTTPSOrLoopback: base_url is checked as httpx.ParseBaseURL
// does: the token and email travel in every request.
func TestBaseURLIsHTTPSOrLoopback(t *testing.T) {
	sdktest.WantBaseURLChecked(t, "base_url", "https://acme.zendesk.com", func(base string) error {
		_, err := parseConfig(sdk.Config(`{"email":"a@x.com","token":"t","base_url":"` + base + `"}`))
		return err
	})
}
