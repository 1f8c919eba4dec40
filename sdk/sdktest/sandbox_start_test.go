package sdktest

import (
	"errors"
	"net/http"
	"testing"

	"github.com/cxhub/cxhub/sdk/sandbox"
)

// handlerSandbox serves a handler as a vendor sandbox does.
type handlerSandbox struct{ h http.Handler }

func (s handlerSandbox) Start(addr string) (*sandbox.Server, error) { return sandbox.Start(s.h, addr) }

// brokenSandbox never starts.
type brokenSandbox struct{}

func (brokenSandbox) Start(string) (*sandbox.Server, error) { return nil, errors.New("port taken") }

// TestStartSandbox: the sandbox answers during the test and is closed
// after it; one that does not start fails the test at once.
func TestStartSandbox(t *testing.T) {
	var url string
	t.Run("serve", func(t *testing.T) {
		srv := StartSandbox(t, handlerSandbox{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTeapot)
		})})
		url = srv.URL
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTeapot {
			t.Errorf("status %d, want 418", resp.StatusCode)
		}
	})
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("the sandbox at %s still answers after its test", url)
	}
	f := runTB(t, func(tb testing.TB) { StartSandbox(tb, brokenSandbox{}) })
	if !f.fatal || len(f.msgs) != 1 || f.msgs[0] != "start sandbox: port taken" {
		t.Errorf("failures %q (fatal %v), want start sandbox: port taken", f.msgs, f.fatal)
	}
}
