package zendesk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

func TestCheck(t *testing.T) {
	e := newEnv(t, sandbox.Options{Users: 2, Tickets: -1})
	tests := []struct {
		name     string
		config   sdk.Config
		wantKind sdk.ErrorKind // KindUnknown: success
		want     []string      // in the message
		notWant  string
	}{
		{"good", e.config(), sdk.KindUnknown, []string{sandbox.DefaultEmail, "admin"}, ""},
		{"wrong token", e.config("token", "wrong-token-value"), sdk.KindAuth, []string{sandbox.DefaultEmail, "127.0.0.1"}, "wrong-token-value"},
		{"wrong email", e.config("email", "nobody@example.com"), sdk.KindAuth, []string{"nobody@example.com"}, sandbox.DefaultToken},
		{"unreachable", e.config("base_url", sdktest.UnreachableURL(t)), sdk.KindTransient, nil, ""},
		{"missing token", e.config("token", nil), sdk.KindConfig, []string{"token"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.conn.Check(context.Background(), sdk.CheckRequest{Config: tt.config})
			msg := resp.Message
			if err != nil {
				msg = err.Error()
			}
			if tt.wantKind == sdk.KindUnknown && err != nil || tt.wantKind != sdk.KindUnknown && sdk.KindOf(err) != tt.wantKind {
				t.Fatalf("Check: %q, error %v (kind %s); want kind %s", resp.Message, err, sdk.KindOf(err), tt.wantKind)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not name %q", msg, w)
				}
			}
			if tt.notWant != "" && strings.Contains(msg, tt.notWant) {
				t.Errorf("message %q shows the token", msg)
			}
		})
	}
}

// TestCheckRefusesEndUser: credentials Zendesk takes for an end user (or
// anonymous, with a null id) cannot read the exports: an auth error.
func TestCheckRefusesEndUser(t *testing.T) {
	for _, me := range []string{`{"user":{"id":7,"role":"end-user","email":"a@x.com"}}`, `{"user":{"id":null,"role":"end-user"}}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(me))
		}))
		cfg := sdk.Config(`{"base_url":"` + srv.URL + `","email":"a@x.com","token":"secret-token"}`)
		_, err := New().Check(context.Background(), sdk.CheckRequest{Config: cfg})
		srv.Close()
		if sdk.KindOf(err) != sdk.KindAuth || !strings.Contains(err.Error(), "a@x.com") || strings.Contains(err.Error(), "secret-token") {
			t.Errorf("me = %s: %v, want an auth error naming the email, not the token", me, err)
		}
	}
}

func TestCheckNamesSubdomain(t *testing.T) {
	cfg, err := parseConfig(sdk.Config(`{"subdomain":"acme","email":"a@x.com","token":"t"}`))
	if err != nil || cfg.account() != "subdomain acme" {
		t.Errorf("account %q, %v", cfg.account(), err)
	}
}
