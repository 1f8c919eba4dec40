package httpx

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

func TestNewRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"empty base url", Options{}},
		{"no scheme", Options{BaseURL: "api.hubapi.com"}},
		{"not http", Options{BaseURL: "ftp://api.hubapi.com"}},
		{"no host", Options{BaseURL: "https://"}},
		{"unparsable", Options{BaseURL: "https://x.com/%zz"}},
		{"negative timeout", Options{BaseURL: "https://x.com", Timeout: -1}},
		{"retries below -1", Options{BaseURL: "https://x.com", MaxRetries: -2}},
		{"min above max backoff", Options{BaseURL: "https://x.com", MinBackoff: 2, MaxBackoff: 1}},
		{"negative max wait", Options{BaseURL: "https://x.com", MaxWait: -1}},
		{"static limit without requests", Options{BaseURL: "https://x.com",
			RateLimits: RateLimits{Static: map[string]Limit{"search": {Interval: 1}}}}},
		{"negative reserve", Options{BaseURL: "https://x.com", RateLimits: RateLimits{Reserve: -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts)
			if c != nil {
				t.Errorf("New returned a client")
			}
			wantKind(t, err, sdk.KindConfig)
		})
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name  string
		base  string
		path  string
		query url.Values
		want  string // "" when refused
	}{
		{"joined to the base path", "https://x.zendesk.com/api/v2", "/tickets.json", nil,
			"https://x.zendesk.com/api/v2/tickets.json"},
		{"base ends with a slash, path has none", "https://s.myshopify.com/admin/api/2024-01/", "orders.json", nil,
			"https://s.myshopify.com/admin/api/2024-01/orders.json"},
		{"empty path is the base", "https://api.hubapi.com/crm", "", url.Values{"a": {"1"}},
			"https://api.hubapi.com/crm?a=1"},
		{"query added", "https://api.hubapi.com", "/crm/v3/objects/contacts", url.Values{"limit": {"100"}, "archived": {"false"}},
			"https://api.hubapi.com/crm/v3/objects/contacts?archived=false&limit=100"},
		{"path's query kept as given", "https://api.hubapi.com", "/x?page_info=a%3Db&limit=2", nil,
			"https://api.hubapi.com/x?page_info=a%3Db&limit=2"},
		{"query replaces the same key of the path", "https://api.hubapi.com", "/x?after=1&limit=2", url.Values{"after": {"9"}},
			"https://api.hubapi.com/x?after=9&limit=2"},
		{"escaped path kept", "https://x.zendesk.com/api/v2", "/users/a%2Fb.json", nil,
			"https://x.zendesk.com/api/v2/users/a%2Fb.json"},
		{"base query kept", "https://api.x.com/v1?api-version=2", "/items", nil,
			"https://api.x.com/v1/items?api-version=2"},
		{"absolute link to the same host", "https://x.zendesk.com/api/v2", "https://x.zendesk.com/api/v2/tickets.json?cursor=abc", nil,
			"https://x.zendesk.com/api/v2/tickets.json?cursor=abc"},
		{"host compared without case, default port", "https://api.x.com", "https://API.x.com:443/next", nil,
			"https://API.x.com:443/next"},
		{"fragment dropped", "https://api.x.com", "/a#frag", nil, "https://api.x.com/a"},
		{"foreign host refused", "https://x.zendesk.com/api/v2", "https://evil.example/steal?token=1", nil, ""},
		{"other scheme refused", "https://x.zendesk.com", "http://x.zendesk.com/api/v2/tickets.json", nil, ""},
		{"other port refused", "https://x.zendesk.com", "https://x.zendesk.com:8443/api", nil, ""},
		{"scheme-relative foreign host refused", "https://x.zendesk.com", "//evil.example/x", nil, ""},
		{"subdomain refused", "https://x.zendesk.com", "https://y.x.zendesk.com/x", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.base, Options{})
			u, err := c.resolve(tt.path, tt.query)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("resolve(%q) = %s, want it refused", tt.path, u)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve(%q): %v", tt.path, err)
			}
			if u.String() != tt.want {
				t.Errorf("resolve(%q) = %s, want %s", tt.path, u, tt.want)
			}
		})
	}
}

func TestForeignLinkIsRefusedWithoutSending(t *testing.T) {
	var foreignHits atomic.Int32
	foreign := serve(t, func(w http.ResponseWriter, r *http.Request) { foreignHits.Add(1) })
	home := serve(t, echoHeaders)
	var counter Counter
	c := newClient(t, home.URL, Options{Auth: Bearer("secret-token"), Counter: &counter})

	_, err := c.Get(context.Background(), foreign.URL+"/next?token=leak", nil)
	wantKind(t, err, sdk.KindConfig)
	if foreignHits.Load() != 0 || counter.Total() != 0 {
		t.Errorf("foreign host saw %d requests, counter %d: want none", foreignHits.Load(), counter.Total())
	}
	if strings.Contains(err.Error(), "leak") {
		t.Errorf("error %q quotes the link's query", err)
	}
}

func TestRedirects(t *testing.T) {
	var foreignAuth atomic.Value
	foreign := serve(t, func(w http.ResponseWriter, r *http.Request) {
		foreignAuth.Store(r.Header.Get("X-Key") + r.Header.Get("Authorization"))
		writeJSON(w, http.StatusOK, `{}`)
	})
	home := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, foreign.URL+"/landing?x=1", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		default:
			echoHeaders(w, r)
		}
	})
	c := newClient(t, home.URL, Options{Auth: Header("X-Key", "k1"), MaxRetries: -1})

	resp, err := c.Get(context.Background(), "/moved", nil)
	if err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}
	if got := resp.Get("X-Key").String(); got != "k1" || resp.URL.Path != "/here" {
		t.Errorf("same-host redirect: X-Key %q at %s, want k1 at /here", got, resp.URL.Path)
	}

	_, err = c.Get(context.Background(), "/away", nil)
	wantKind(t, err, sdk.KindConfig)
	if e := asError(t, err); e.Status != http.StatusFound || !strings.Contains(e.Message, "redirected to "+foreign.URL+"/landing") {
		t.Errorf("redirect off the host: status %d message %q", e.Status, e.Message)
	}
	if got := foreignAuth.Load(); got != nil {
		t.Errorf("the foreign host was called (with credentials %q)", got)
	}
}

func TestBodyEncoding(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out, _ := json.Marshal(map[string]string{
			"method": r.Method, "type": r.Header.Get("Content-Type"), "body": string(body),
		})
		writeJSON(w, http.StatusOK, string(out))
	})
	tests := []struct {
		name     string
		req      Request
		wantType string
		wantBody string
	}{
		{"no body", Request{}, "", ""},
		{"bytes as is", Request{Method: "post", Body: []byte(`{"a": 1}`)}, "application/json", `{"a": 1}`},
		{"raw message as is", Request{Method: http.MethodPut, Body: json.RawMessage(`[1,2]`)}, "application/json", `[1,2]`},
		{"value marshalled", Request{Method: http.MethodPost, Body: map[string]any{"inputs": []int{1}}}, "application/json", `{"inputs":[1]}`},
		{"content type from the request", Request{Method: http.MethodPost, Body: []byte("a=1"),
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}, "application/x-www-form-urlencoded", "a=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv.URL, Options{})
			req := tt.req
			req.Path = "/echo"
			resp, err := c.Do(context.Background(), &req)
			if err != nil {
				t.Fatal(err)
			}
			wantMethod := strings.ToUpper(or(tt.req.Method, http.MethodGet))
			if got := resp.Get("method").String(); got != wantMethod {
				t.Errorf("method %q, want %q", got, wantMethod)
			}
			if got := resp.Get("type").String(); got != tt.wantType {
				t.Errorf("Content-Type %q, want %q", got, tt.wantType)
			}
			if got := resp.Get("body").String(); got != tt.wantBody {
				t.Errorf("body %q, want %q", got, tt.wantBody)
			}
		})
	}
}

func TestUnencodableBodyIsBadRecord(t *testing.T) {
	c := newClient(t, "https://api.x.com", Options{})
	_, err := c.Post(context.Background(), "/x", map[string]any{"f": func() {}})
	wantKind(t, err, sdk.KindBadRecord)
}

func TestRequestClone(t *testing.T) {
	r := &Request{Path: "/x", Query: url.Values{"a": {"1"}}, Header: http.Header{"X": {"1"}}, Expect: []int{200}}
	c := r.Clone()
	c.Query.Set("a", "2")
	c.Header.Set("X", "2")
	c.Expect[0] = 201
	if r.Query.Get("a") != "1" || r.Header.Get("X") != "1" || r.Expect[0] != 200 {
		t.Errorf("changing the clone changed the original: %+v", r)
	}
}
