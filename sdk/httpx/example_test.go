package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// A HubSpot-like list of contacts, two per page, paged with a cursor in the
// body.
func ExampleClient_Pages() {
	pages := map[string]string{
		"":  `{"results":[{"id":"1"},{"id":"2"}],"paging":{"next":{"after":"2"}}}`,
		"2": `{"results":[{"id":"3"},{"id":"4"}],"paging":{"next":{"after":"4"}}}`,
		"4": `{"results":[{"id":"5"}]}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, pages[r.URL.Query().Get("after")])
	}))
	defer srv.Close()

	client, err := httpx.New(httpx.Options{BaseURL: srv.URL, Auth: httpx.Bearer("token")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	first := &httpx.Request{Path: "/crm/v3/objects/contacts", Query: url.Values{"limit": {"2"}}}
	for resp, err := range client.Pages(context.Background(), first, httpx.CursorInBody("paging.next.after", "after")) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(httpx.Strings(resp.Get("results.#.id")))
	}
	// Output:
	// [1 2]
	// [3 4]
	// [5]
}

func ExampleBearer() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"auth":%q}`, r.Header.Get("Authorization"))
	}))
	defer srv.Close()

	client, err := httpx.New(httpx.Options{BaseURL: srv.URL, Auth: httpx.Bearer("pat-na1-123")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	resp, err := client.Get(context.Background(), "/account-info/v3/details", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Get("auth"))
	// Output: Bearer pat-na1-123
}

// A vendor's refusal comes back with the kind the core acts on, and the
// vendor's own message.
func ExampleClient_Do_errors() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"status":"error","message":"Property values were not valid","category":"VALIDATION_ERROR"}`)
	}))
	defer srv.Close()

	client, err := httpx.New(httpx.Options{BaseURL: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	_, err = client.Do(context.Background(), &httpx.Request{
		Method:     http.MethodPost,
		Path:       "/crm/v3/objects/contacts/batch/upsert",
		Body:       map[string]any{"inputs": []any{}},
		Idempotent: true, // an upsert by email may be sent twice
	})
	fmt.Println(sdk.KindOf(err))
	fmt.Println(err)
	var e *httpx.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Message)
	}
	// Output:
	// bad_record
	// POST /crm/v3/objects/contacts/batch/upsert: 400 Bad Request: Property values were not valid
	// 400 Property values were not valid
}

func ExampleParseRetryAfter() {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, v := range []string{"120", "2.0", "Wed, 01 May 2024 10:00:30 GMT", "later"} {
		d, ok := httpx.ParseRetryAfter(http.Header{"Retry-After": {v}}, now)
		fmt.Println(d, ok)
	}
	// Output:
	// 2m0s true
	// 2s true
	// 30s true
	// 0s false
}
