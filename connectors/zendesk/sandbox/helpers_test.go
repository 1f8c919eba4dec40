package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// newFakeClock is a settable clock for Options.Now, at a fixed start.
func newFakeClock() *sdktest.Clock {
	return sdktest.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
}

// env is a started sandbox and a client for it.
type env struct {
	t   *testing.T
	sb  *Sandbox
	srv *kit.Server
}

// startSandbox starts a sandbox with opts on 127.0.0.1; without a clock it
// gets a fake one.
func startSandbox(t *testing.T, opts Options) *env {
	t.Helper()
	if opts.Now == nil {
		opts.Now = newFakeClock().Now
	}
	sb, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := sdktest.StartSandbox(t, sb)
	return &env{t: t, sb: sb, srv: srv}
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v: %s", r.status, err, r.body)
	}
	return v
}

// do sends an authenticated request (path may be a full URL).
func (e *env) do(method, path string, body any, header http.Header) response {
	e.t.Helper()
	return e.doAs(method, path, body, header, DefaultEmail+"/token", DefaultToken)
}

func (e *env) doAs(method, path string, body any, header http.Header, user, pass string) response {
	e.t.Helper()
	r, err := e.try(method, path, body, header, user, pass)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (e *env) try(method, path string, body any, header http.Header, user, pass string) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(raw)
	}
	url := path
	if len(path) > 0 && path[0] == '/' {
		url = e.srv.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return response{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, raw}, err
}
