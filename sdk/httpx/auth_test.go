package httpx

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// echoHeaders answers with the request's headers as a JSON object of strings.
func echoHeaders(w http.ResponseWriter, r *http.Request) {
	h := map[string]string{}
	for k := range r.Header {
		h[k] = r.Header.Get(k)
	}
	body, _ := json.Marshal(h)
	writeJSON(w, http.StatusOK, string(body))
}

func TestAuthIsApplied(t *testing.T) {
	srv := serve(t, echoHeaders)
	tests := []struct {
		name   string
		auth   Auth
		header string
		want   string
	}{
		{"bearer", Bearer("hub-token"), "Authorization", "Bearer hub-token"},
		{"basic", Basic("ops@x.com/token", "zd-token"), "Authorization",
			"Basic " + base64.StdEncoding.EncodeToString([]byte("ops@x.com/token:zd-token"))},
		{"header", Header("X-Shopify-Access-Token", "shpat_1"), "X-Shopify-Access-Token", "shpat_1"},
		{"func", AuthFunc(func(r *http.Request) error {
			r.Header.Set("X-Signed", r.Method+" "+r.URL.Path)
			return nil
		}), "X-Signed", "GET /v1/me"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv.URL, Options{Auth: tt.auth})
			resp, err := c.Get(context.Background(), "/v1/me", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Get(tt.header).String(); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.header, got, tt.want)
			}
			if got := resp.Get("User-Agent").String(); got != DefaultUserAgent {
				t.Errorf("User-Agent = %q, want %q", got, DefaultUserAgent)
			}
		})
	}
}

func TestAuthFailureSendsNothing(t *testing.T) {
	var hits atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	tests := []struct {
		name string
		auth Auth
		want sdk.ErrorKind
	}{
		{"empty bearer token", Bearer(""), sdk.KindConfig},
		{"empty basic user", Basic("", "pw"), sdk.KindConfig},
		{"empty header value", Header("X-Shopify-Access-Token", ""), sdk.KindConfig},
		{"func error without kind", AuthFunc(func(*http.Request) error { return errors.New("no key") }), sdk.KindConfig},
		{"func error with a kind", AuthFunc(func(*http.Request) error { return sdk.AuthError(errors.New("token revoked")) }), sdk.KindAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var counter Counter
			c := newClient(t, srv.URL, Options{Auth: tt.auth, Counter: &counter})
			_, err := c.Get(context.Background(), "/v1/me", nil)
			wantKind(t, err, tt.want)
			asError(t, err)
			if counter.Total() != 0 || hits.Load() != 0 {
				t.Errorf("sent %d requests (server saw %d), want none", counter.Total(), hits.Load())
			}
		})
	}
}
