package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// statusServer answers /status/<code> with that status and a JSON message.
func statusServer(t *testing.T) string {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/status/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "http://elsewhere.example/x")
		}
		writeJSON(w, code, fmt.Sprintf(`{"message":"vendor says %d"}`, code))
	})
	return srv.URL
}

func TestStatusKinds(t *testing.T) {
	base := statusServer(t)
	const ok = sdk.KindUnknown
	tests := []struct {
		status int
		expect []int
		want   sdk.ErrorKind
	}{
		{200, nil, ok},
		{201, nil, ok},
		{207, nil, ok},
		{404, []int{200, 404}, ok},
		{200, []int{201}, sdk.KindBadRecord},
		{400, nil, sdk.KindBadRecord},
		{404, nil, sdk.KindBadRecord},
		{409, nil, sdk.KindBadRecord},
		{422, nil, sdk.KindBadRecord},
		{401, nil, sdk.KindAuth},
		{403, nil, sdk.KindAuth},
		{429, nil, sdk.KindRateLimited},
		{408, nil, sdk.KindTransient},
		{500, nil, sdk.KindTransient},
		{502, nil, sdk.KindTransient},
		{503, nil, sdk.KindTransient},
		{504, nil, sdk.KindTransient},
		{302, nil, sdk.KindConfig},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d expect %v", tt.status, tt.expect), func(t *testing.T) {
			c := newClient(t, base, Options{MaxRetries: -1})
			path := fmt.Sprintf("/status/%d", tt.status)
			resp, err := c.Do(context.Background(), &Request{Path: path, Expect: tt.expect})
			if tt.want == ok {
				if err != nil || resp.Status != tt.status {
					t.Fatalf("got %v, %v; want status %d and no error", resp, err, tt.status)
				}
				return
			}
			if resp != nil {
				t.Errorf("got a response with the error")
			}
			wantKind(t, err, tt.want)
			e := asError(t, err)
			if e.Status != tt.status || e.Method != http.MethodGet || e.URL != base+path {
				t.Errorf("error fields %+v", e)
			}
			if want := fmt.Sprintf("vendor says %d", tt.status); e.Message != want {
				t.Errorf("message %q, want %q", e.Message, want)
			}
		})
	}
}

func TestErrorTextShowsPathOnly(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, `{"status":"error","message":"Property values were not valid","correlationId":"c1"}`)
	})
	c := newClient(t, srv.URL+"/api", Options{Auth: Bearer("tok-123")})
	_, err := c.Do(context.Background(), &Request{
		Method: http.MethodPost,
		Path:   "/crm/v3/objects/contacts/batch/upsert?hapikey=key-456",
		Query:  url.Values{"token": {"query-789"}},
		Body:   []byte(`{"inputs":[]}`),
	})
	want := "POST /api/crm/v3/objects/contacts/batch/upsert: 400 Bad Request: Property values were not valid"
	if err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	e := asError(t, err)
	for _, secret := range []string{"tok-123", "key-456", "query-789"} {
		if strings.Contains(e.URL, secret) || strings.Contains(e.Error(), secret) {
			t.Errorf("error shows %q: %q / %q", secret, e.URL, e.Error())
		}
	}
	if !strings.Contains(string(e.Body), "correlationId") {
		t.Errorf("error body %q lost the vendor's body", e.Body)
	}
}

func TestErrorBodyIsCapped(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, `{"message":"big","pad":"`+strings.Repeat("x", 10000)+`"}`)
	})
	_, err := newClient(t, srv.URL, Options{}).Get(context.Background(), "/x", nil)
	if e := asError(t, err); len(e.Body) != errorBodyLimit || e.Message != "big" {
		t.Errorf("body of %d bytes, message %q; want %d bytes, %q", len(e.Body), e.Message, errorBodyLimit, "big")
	}
}

func TestVendorMessageAfterRetries(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		paths       []string
		want        string
	}{
		{"message", "application/json", `{"status":"error","message":"HubSpot says no"}`, nil, "HubSpot says no"},
		{"error.message", "application/json", `{"error":{"id":1040,"message":"Too many requests were made"}}`, nil, "Too many requests were made"},
		{"error", "application/json", `{"error":"RecordInvalid","description":"Record validation errors"}`, nil, "RecordInvalid"},
		{"errors.0.message", "application/json", `{"errors":[{"message":"first"},{"message":"second"}]}`, nil, "first"},
		{"errors.0.title", "application/json", `{"errors":[{"title":"Invalid filter"}]}`, nil, "Invalid filter"},
		{"description", "application/json", `{"description":"Something broke"}`, nil, "Something broke"},
		{"details", "application/json", `{"details":"more details"}`, nil, "more details"},
		{"shopify errors string", "application/json", `{"errors":"Exceeded 2 calls per second for api client."}`, nil, "Exceeded 2 calls per second for api client."},
		{"salesforce array", "application/json", `[{"message":"Session expired","errorCode":"INVALID_SESSION_ID"}]`, nil, "Session expired"},
		{"first path wins", "application/json", `{"error":"second","message":"first"}`, nil, "first"},
		{"custom path", "application/json", `{"fault":{"text":"custom"},"message":"default"}`, []string{"fault.text"}, "custom"},
		{"no message", "application/json", `{"code":7}`, nil, ""},
		{"plain text, first line", "text/plain", "Rate limited\nsecond line", nil, "Rate limited"},
		{"html page ignored", "text/html", "<html><body>Bad Gateway</body></html>", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte(tt.body))
			})
			var counter Counter
			c := newClient(t, srv.URL, Options{MaxRetries: 2, MessagePaths: tt.paths, Counter: &counter, clock: newFakeClock()})
			_, err := c.Get(context.Background(), "/x", nil)
			wantKind(t, err, sdk.KindTransient)
			if e := asError(t, err); e.Message != tt.want {
				t.Errorf("message %q, want %q", e.Message, tt.want)
			}
			if counter.Total() != 3 || counter.Retries() != 2 {
				t.Errorf("%d requests, %d retries; want 3, 2", counter.Total(), counter.Retries())
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		classify  func(*Response) error
		want      sdk.ErrorKind
		wantAfter time.Duration
	}{
		{"salesforce daily limit is rate limited", http.StatusForbidden, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`,
			func(r *Response) error {
				if r.Get("0.errorCode").String() == "REQUEST_LIMIT_EXCEEDED" {
					return sdk.RateLimited(errors.New("daily api limit reached"), time.Hour)
				}
				return nil
			}, sdk.KindRateLimited, time.Hour},
		{"nil falls back to the default", http.StatusForbidden, `{"message":"no"}`,
			func(*Response) error { return nil }, sdk.KindAuth, 0},
		{"success refused without a kind is a bad record", http.StatusOK, `{"status":"error"}`,
			func(r *Response) error {
				if r.Get("status").String() == "error" {
					return errors.New("vendor answered 200 with an error")
				}
				return nil
			}, sdk.KindBadRecord, 0},
		{"failure without a kind keeps the default kind", http.StatusServiceUnavailable, `{}`,
			func(*Response) error { return errors.New("maintenance") }, sdk.KindTransient, 0},
		{"kind replaced", http.StatusBadRequest, `{"message":"lock timeout"}`,
			func(*Response) error { return sdk.Transient(errors.New("retry me")) }, sdk.KindTransient, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, tt.body) })
			c := newClient(t, srv.URL, Options{MaxRetries: -1, Classify: tt.classify})
			_, err := c.Get(context.Background(), "/x", nil)
			wantKind(t, err, tt.want)
			asError(t, err)
			if got := sdk.RetryAfterOf(err); got != tt.wantAfter {
				t.Errorf("retry after %s, want %s", got, tt.wantAfter)
			}
		})
	}
}
