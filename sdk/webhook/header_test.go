package webhook

import (
	"net/http"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

func TestHeaderValue(t *testing.T) {
	tests := []struct {
		name    string
		h       http.Header
		header  string
		want    string
		wantErr string // empty for success
	}{
		{"canonical", http.Header{"X-Shopify-Topic": {"orders/create"}}, "X-Shopify-Topic", "orders/create", ""},
		{"asked in lower case", http.Header{"X-Shopify-Topic": {"orders/create"}}, "x-shopify-topic", "orders/create", ""},
		{"hand-built lower-case key", http.Header{"x-hubspot-signature-v3": {"abc="}}, "X-HubSpot-Signature-v3", "abc=", ""},
		{"several values, first wins", http.Header{"X-Sig": {"first", "second"}}, "X-Sig", "first", ""},
		{"missing", http.Header{"X-Other": {"v"}}, "X-Sig", "", "missing header X-Sig"},
		{"no values", http.Header{"X-Sig": {}}, "X-Sig", "", "missing header X-Sig"},
		{"nil header", nil, "X-Sig", "", "missing header X-Sig"},
		{"empty value", http.Header{"X-Sig": {""}}, "X-Sig", "", "empty header X-Sig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HeaderValue(tt.h, tt.header)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("HeaderValue = %q, %v; want %q, nil", got, err, tt.want)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("HeaderValue = %q, %v; want error %q", got, err, tt.wantErr)
			}
			if k := sdk.KindOf(err); k != sdk.KindAuth {
				t.Errorf("KindOf(HeaderValue) = %v, want auth", k)
			}
		})
	}
}
