package hubspot

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

func TestCheck(t *testing.T) {
	e := newEnv(t, sandbox.Options{PortalID: 777})
	tests := []struct {
		name     string
		cfg      sdk.Config
		kind     sdk.ErrorKind // 0: success
		contains string
	}{
		{"ok", e.config(nil), 0, "portal 777"},
		{"bad token", e.config(map[string]any{"token": "pat-na1-wrong-token"}), sdk.KindAuth, "refused the token"},
		{"no token", sdk.Config(`{"base_url":"` + e.url + `"}`), sdk.KindConfig, "token"},
		{"blank token", e.config(map[string]any{"token": "  "}), sdk.KindConfig, "token"},
		{"bad base_url", e.config(map[string]any{"base_url": "ftp://x"}), sdk.KindConfig, "base_url"},
		{"unreachable", e.config(map[string]any{"base_url": sdktest.UnreachableURL(t)}), sdk.KindTransient, "hubspot at"},
		{"not hubspot", e.config(map[string]any{"base_url": e.url + "/nothing-here"}), sdk.KindConfig, "base_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			resp, err := e.conn.Check(t.Context(), sdk.CheckRequest{Config: tt.cfg})
			if tt.kind == 0 {
				if err != nil || !strings.Contains(resp.Message, tt.contains) {
					t.Fatalf("check: %q, %v; want success saying %q", resp.Message, err, tt.contains)
				}
				return
			}
			if sdk.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("check: %v (kind %v), want kind %v saying %q", err, sdk.KindOf(err), tt.kind, tt.contains)
			}
			if strings.Contains(err.Error(), "wrong-token") {
				t.Errorf("the error shows the token: %v", err)
			}
			if time.Since(start) > 20*time.Second {
				t.Errorf("check took %v: it must give up promptly", time.Since(start))
			}
		})
	}
}

// TestDailyLimitIsHandedToTheCore: a 429 for the spent daily limit is not
// waited for here; the core is told to come back in an hour.
func TestDailyLimitIsHandedToTheCore(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(429)
		w.Write([]byte(`{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}`))
	}))
	defer srv.Close()
	start := time.Now()
	_, err := New().Check(t.Context(), sdk.CheckRequest{Config: sdk.Config(`{"base_url":"` + srv.URL + `","token":"t"}`)})
	if sdk.KindOf(err) != sdk.KindRateLimited || sdk.RetryAfterOf(err) < time.Hour || !strings.Contains(err.Error(), "daily") {
		t.Errorf("check against a spent daily limit: %v (kind %v, after %v), want rate limited for an hour", err, sdk.KindOf(err), sdk.RetryAfterOf(err))
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("check waited %v for a daily limit", time.Since(start))
	}
}
