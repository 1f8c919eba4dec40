package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/sdk"
)

// Request is one call to the vendor API.
type Request struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// Path is relative to the BaseURL ("/crm/v3/objects/contacts", joined
	// to the BaseURL's path), or an absolute URL (a next link) that must
	// have the BaseURL's scheme and host: any other is refused with a
	// config error, so that credentials never go elsewhere. A query string
	// in Path is kept as given unless Query is set.
	Path string
	// Query is added to the URL; a key in Query replaces the same key in
	// Path's query string.
	Query url.Values
	// Header is sent as is, after the client's defaults (User-Agent,
	// Accept: application/json) and before Auth.
	Header http.Header
	// Body is nil (no body), a []byte or json.RawMessage sent as is, or a
	// value marshalled to JSON. A body is sent with Content-Type
	// application/json unless Header sets another.
	Body any
	// Idempotent lets a POST or PATCH be retried; so does an
	// Idempotency-Key in Header. GET, HEAD, PUT, DELETE and OPTIONS are
	// always retried.
	Idempotent bool
	// Bucket names the rate-limit bucket ("" is the default bucket), e.g.
	// "search" for HubSpot's search endpoints.
	Bucket string
	// Expect lists the statuses that are a success; empty means any 2xx.
	Expect []int
}

// Clone returns a copy of r whose Query, Header and Expect can be changed
// without touching r's. Body is shared.
func (r *Request) Clone() *Request {
	c := *r
	if r.Query != nil {
		c.Query = make(url.Values, len(r.Query))
		for k, vs := range r.Query {
			c.Query[k] = slices.Clone(vs)
		}
	}
	c.Header = r.Header.Clone()
	c.Expect = slices.Clone(r.Expect)
	return &c
}

// prepared is a Request resolved against a Client, ready to be sent once per
// attempt.
type prepared struct {
	req       *Request
	method    string
	url       *url.URL
	path      string // escaped path, without the query: what logs and counts show
	body      []byte
	hasBody   bool
	retryable bool
}

// prepare resolves r's URL and encodes its body. A path that cannot be used
// is a config error; a body that cannot be encoded is a bad record.
func (c *Client) prepare(r *Request) (*prepared, error) {
	method := strings.ToUpper(or(r.Method, http.MethodGet))
	u, err := c.resolve(r.Path, r.Query)
	if err != nil {
		return nil, sdk.ConfigError(&Error{Method: method, URL: displayPath(r.Path), Err: err})
	}
	body, hasBody, err := encodeBody(r.Body)
	if err != nil {
		return nil, sdk.BadRecord(&Error{Method: method, URL: redact(u), Err: err})
	}
	return &prepared{
		req:       r,
		method:    method,
		url:       u,
		path:      u.EscapedPath(),
		body:      body,
		hasBody:   hasBody,
		retryable: retryable(method, r),
	}, nil
}

// resolve turns a request path and query into the URL to call.
func (c *Client) resolve(path string, query url.Values) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("parse request path: %w", unwrapURLError(err))
	}
	var u url.URL
	if ref.Scheme != "" || ref.Host != "" {
		u = *ref
		if u.Scheme == "" {
			u.Scheme = c.base.Scheme
		}
		if !sameOrigin(&u, c.base) {
			return nil, fmt.Errorf("refusing to send a request for %s://%s: not the base url's %s://%s",
				u.Scheme, u.Host, c.base.Scheme, c.base.Host)
		}
		u.User = c.base.User
	} else {
		u = *c.base
		if ref.Path != "" {
			joined := strings.TrimSuffix(c.base.EscapedPath(), "/") + "/" + strings.TrimPrefix(ref.EscapedPath(), "/")
			if u.Path, err = url.PathUnescape(joined); err != nil {
				return nil, fmt.Errorf("join request path: %w", err)
			}
			u.RawPath = joined
		}
		u.RawQuery = mergeQuery(c.base.RawQuery, ref.RawQuery)
	}
	u.Fragment, u.RawFragment = "", ""
	if len(query) > 0 {
		q := u.Query()
		for k, vs := range query {
			q[k] = slices.Clone(vs)
		}
		u.RawQuery = q.Encode()
	}
	return &u, nil
}

// mergeQuery adds the path's query string to the base URL's.
func mergeQuery(base, path string) string {
	switch {
	case base == "":
		return path
	case path == "":
		return base
	}
	return base + "&" + path
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

// port is u's port, or the scheme's default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// encodeBody returns the bytes to send for a Request.Body.
func encodeBody(body any) ([]byte, bool, error) {
	switch v := body.(type) {
	case nil:
		return nil, false, nil
	case []byte:
		return v, v != nil, nil
	case json.RawMessage:
		return v, v != nil, nil
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, false, fmt.Errorf("encode request body: %w", err)
	}
	return data, true, nil
}

// retryable reports whether a request may be sent again after a failure.
func retryable(method string, r *Request) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodTrace:
		return true
	}
	return r.Idempotent || r.Header.Get("Idempotency-Key") != ""
}

// newHTTPRequest builds one attempt's request, without credentials.
func (c *Client) newHTTPRequest(ctx context.Context, p *prepared) (*http.Request, error) {
	var body *bytes.Reader
	if p.hasBody {
		body = bytes.NewReader(p.body)
	}
	var hreq *http.Request
	var err error
	if body != nil {
		hreq, err = http.NewRequestWithContext(ctx, p.method, p.url.String(), body)
	} else {
		hreq, err = http.NewRequestWithContext(ctx, p.method, p.url.String(), nil)
	}
	if err != nil {
		return nil, fmt.Errorf("build request: %w", unwrapURLError(err))
	}
	hreq.Header.Set("User-Agent", c.userAgent)
	hreq.Header.Set("Accept", "application/json")
	if p.hasBody {
		hreq.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range p.req.Header {
		hreq.Header[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
	return hreq, nil
}

// redact returns u as text without its user info and query: safe for
// messages and logs.
func redact(u *url.URL) string {
	v := *u
	v.User = nil
	v.RawQuery, v.ForceQuery = "", false
	v.Fragment, v.RawFragment = "", ""
	return v.String()
}

// displayPath is a request path fit for a message: its query dropped.
func displayPath(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		return path[:i]
	}
	return path
}

// unwrapURLError returns the cause inside a *url.Error, whose text would
// quote the whole URL, query string included.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
