package sdktest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cxhub/cxhub/sdk/sandbox"
)

// TestKitFaults: the next n requests get the status, then the sandbox
// answers again.
func TestKitFaults(t *testing.T) {
	kit := sandbox.NewKit(func(w http.ResponseWriter, _ *http.Request, status int) { w.WriteHeader(status) }, 1)
	srv := httptest.NewServer(kit.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})))
	defer srv.Close()
	if err := (KitFaults{Kit: kit}).FailNext(t.Context(), http.StatusServiceUnavailable, 2); err != nil {
		t.Fatal(err)
	}
	var got []int
	for range 3 {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if got[0] != 503 || got[1] != 503 || got[2] != 200 {
		t.Errorf("statuses %v, want 503 503 200", got)
	}
}
