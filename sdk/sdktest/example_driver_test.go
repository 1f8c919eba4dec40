package sdktest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cxhub/cxhub/sdk/sandbox"
)

// TestExampleDriverFailNextReachesTheKit checks that the example driver's
// FailNext speaks the admin protocol of sdk/sandbox's Kit: the sandbox
// answers exactly the next n requests with the status asked for.
func TestExampleDriverFailNextReachesTheKit(t *testing.T) {
	kit := sandbox.NewKit(func(w http.ResponseWriter, _ *http.Request, status int) {
		w.WriteHeader(status)
	}, 1)
	srv := httptest.NewServer(kit.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})))
	defer srv.Close()
	d := acmeDriver{sandbox: srv.URL}
	if err := d.FailNext(t.Context(), http.StatusServiceUnavailable, 2); err != nil {
		t.Fatalf("FailNext(503, 2): %v", err)
	}
	want := []int{http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusOK}
	for i, w := range want {
		resp, err := srv.Client().Get(srv.URL + "/v1/contacts")
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		resp.Body.Close()
		if resp.StatusCode != w {
			t.Errorf("request %d after FailNext(503, 2): status %d, want %d", i+1, resp.StatusCode, w)
		}
	}
	if err := d.FailNext(t.Context(), http.StatusTooManyRequests, 5); err != nil {
		t.Fatalf("FailNext(429, 5): %v", err)
	}
	if err := d.FailNext(t.Context(), 0, 0); err != nil {
		t.Fatalf("FailNext(0, 0) (clear): %v", err)
	}
	resp, err := srv.Client().Get(srv.URL + "/v1/contacts")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after FailNext(0, 0): status %d, want 200", resp.StatusCode)
	}
}
