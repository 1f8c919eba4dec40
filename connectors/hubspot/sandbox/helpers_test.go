package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// fixedNow is the data clock of the tests: seeded dates are before it.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testSandbox starts a small sandbox on 127.0.0.1 with the given options
// (small counts unless set) and returns it and a client for it.
func testSandbox(t *testing.T, o Options) (*Sandbox, *client) {
	t.Helper()
	if o.Contacts == 0 {
		o.Contacts = 30
	}
	if o.Companies == 0 {
		o.Companies = 15
	}
	if o.Notes == 0 {
		o.Notes = 20
	}
	if o.Now == nil {
		o.Now = func() time.Time { return fixedNow }
	}
	if o.RateLimit == 0 && o.SearchLimit == 0 {
		o.NoRateLimit = true
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := sdktest.StartSandbox(t, s)
	return s, &client{t: t, base: srv.URL, token: DefaultToken}
}

// client makes requests to a test sandbox.
type client struct {
	t     *testing.T
	base  string
	token string
}

// response is an answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) get(path string) gjson.Result { return gjson.GetBytes(r.body, path) }

// on returns the client for a subtest.
func (c *client) on(t *testing.T) *client { return &client{t: t, base: c.base, token: c.token} }

func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				c.t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// must is do, failing the test unless the status is want.
func (c *client) must(want int, method, path string, body any) response {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

func readAll(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }
