package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// requestLog records what a test server was asked.
type requestLog struct {
	mu   sync.Mutex
	seen []string // "METHOD path?query body"
}

func (l *requestLog) add(r *http.Request) []byte {
	body, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	defer l.mu.Unlock()
	entry := r.Method + " " + r.URL.RequestURI()
	if len(body) > 0 {
		entry += " " + string(body)
	}
	l.seen = append(l.seen, entry)
	return body
}

func (l *requestLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

// collect runs Pages and returns the values at path of every page, and the
// error that ended it.
func collect(c *Client, first *Request, next NextFunc, path string) ([]string, error) {
	var got []string
	for resp, err := range c.Pages(context.Background(), first, next) {
		if err != nil {
			return got, err
		}
		got = append(got, strings.Join(Strings(resp.Get(path)), ","))
	}
	return got, nil
}

func TestPagesCursorInBody(t *testing.T) {
	var log requestLog
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		switch r.URL.Query().Get("after") {
		case "":
			writeJSON(w, 200, `{"results":[{"id":"1"},{"id":"2"}],"paging":{"next":{"after":"Mg%3D%3D","link":"?after=Mg%3D%3D"}}}`)
		case "Mg%3D%3D":
			writeJSON(w, 200, `{"results":[{"id":"3"},{"id":"4"}],"paging":{"next":{"after":"NA"}}}`)
		case "NA":
			writeJSON(w, 200, `{"results":[{"id":"5"}]}`)
		default:
			writeJSON(w, 400, `{"message":"bad cursor"}`)
		}
	})
	c := newClient(t, srv.URL, Options{})
	first := &Request{Path: "/crm/v3/objects/contacts", Query: url.Values{"limit": {"2"}, "properties": {"email"}}}
	got, err := collect(c, first, CursorInBody("paging.next.after", "after"), "results.#.id")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1,2", "3,4", "5"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages %v, want %v", got, want)
	}
	want := []string{
		"GET /crm/v3/objects/contacts?limit=2&properties=email",
		"GET /crm/v3/objects/contacts?after=Mg%253D%253D&limit=2&properties=email",
		"GET /crm/v3/objects/contacts?after=NA&limit=2&properties=email",
	}
	if fmt.Sprint(log.all()) != fmt.Sprint(want) {
		t.Errorf("requests\n%q\nwant\n%q", log.all(), want)
	}
	if first.Query.Get("after") != "" {
		t.Errorf("the first request was changed: %v", first.Query)
	}
}

func TestPagesCursorInJSONBody(t *testing.T) {
	var log requestLog
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		body := log.add(r)
		if !gjson.GetBytes(body, "filterGroups.0.filters.0.value").Exists() {
			writeJSON(w, 400, `{"message":"filters lost"}`)
			return
		}
		after, _ := strconv.Atoi(gjson.GetBytes(body, "after").String())
		page := fmt.Sprintf(`{"total":5,"results":[{"id":"%d"},{"id":"%d"}]`, after+1, after+2)
		if after+2 < 5 {
			page += fmt.Sprintf(`,"paging":{"next":{"after":"%d"}}`, after+2)
		}
		writeJSON(w, 200, page+"}")
	})
	c := newClient(t, srv.URL, Options{})
	first := &Request{
		Method: http.MethodPost,
		Path:   "/crm/v3/objects/contacts/search",
		Bucket: "search",
		Body: map[string]any{
			"filterGroups": []any{map[string]any{"filters": []any{map[string]any{
				"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1714557600000"}}}},
			"limit": 2,
		},
	}
	got, err := collect(c, first, CursorInJSONBody("paging.next.after", "after"), "results.#.id")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1,2", "3,4", "5,6"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages %v, want %v", got, want)
	}
	seen := log.all()
	if len(seen) != 3 || !strings.Contains(seen[1], `"after":"2"`) || !strings.Contains(seen[2], `"after":"4"`) || !strings.Contains(seen[2], `"limit":2`) {
		t.Errorf("requests %q: want the same body with after 2, then 4", seen)
	}
}

func TestSetField(t *testing.T) {
	tests := []struct {
		name    string
		body    any
		value   string
		want    string
		wantErr bool
	}{
		{"bytes", []byte(`{"limit":200,"after":"0"}`), `"200"`, `{"after":"200","limit":200}`, false},
		{"value", map[string]int{"limit": 1}, `"x"`, `{"after":"x","limit":1}`, false},
		{"number cursor kept a number", json.RawMessage(`{"big":12345678901234567890}`), `42`, `{"after":42,"big":12345678901234567890}`, false},
		{"no body", nil, `"a"`, `{"after":"a"}`, false},
		{"not an object", []byte(`[1]`), `"a"`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := setField(tt.body, "after", json.RawMessage(tt.value))
			if tt.wantErr {
				if err == nil {
					t.Errorf("got %s, want an error", got)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("got %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestPagesNextURLAbsolute(t *testing.T) {
	var log requestLog
	var base string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		cursor := r.URL.Query().Get("cursor")
		n, _ := strconv.Atoi(cursor)
		// Zendesk sends an after_url even on the last page.
		writeJSON(w, 200, fmt.Sprintf(`{"tickets":[{"id":%d}],"after_url":"%s/api/v2/incremental/tickets/cursor.json?cursor=%d","after_cursor":"%d","end_of_stream":%t}`,
			n+1, base, n+1, n+1, n == 2))
	})
	base = srv.URL
	c := newClient(t, srv.URL+"/api/v2", Options{Auth: Basic("ops@x.com/token", "t")})
	first := &Request{Path: "/incremental/tickets/cursor.json", Query: url.Values{"start_time": {"1714557600"}}}
	next := Until(NextURL("after_url"), func(r *Response) bool { return r.Get("end_of_stream").Bool() })
	got, err := collect(c, first, next, "tickets.#.id")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1", "2", "3"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages %v, want %v", got, want)
	}
	want := []string{
		"GET /api/v2/incremental/tickets/cursor.json?start_time=1714557600",
		"GET /api/v2/incremental/tickets/cursor.json?cursor=1",
		"GET /api/v2/incremental/tickets/cursor.json?cursor=2",
	}
	if fmt.Sprint(log.all()) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", log.all(), want)
	}
}

func TestPagesNextURLRelative(t *testing.T) {
	var log requestLog
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		switch r.URL.Path {
		case "/services/data/v62.0/query":
			writeJSON(w, 200, `{"totalSize":3,"done":false,"nextRecordsUrl":"/services/data/v62.0/query/01g-2","records":[{"Id":"a"}]}`)
		case "/services/data/v62.0/query/01g-2":
			writeJSON(w, 200, `{"totalSize":3,"done":false,"nextRecordsUrl":"01g-3","records":[{"Id":"b"}]}`)
		case "/services/data/v62.0/query/01g-3":
			writeJSON(w, 200, `{"totalSize":3,"done":true,"records":[{"Id":"c"}]}`)
		default:
			writeJSON(w, 404, `[{"message":"not found"}]`)
		}
	})
	c := newClient(t, srv.URL+"/services/data/v62.0", Options{})
	first := &Request{Path: "/query", Query: url.Values{"q": {"SELECT Id FROM Contact"}}}
	got, err := collect(c, first, NextURL("nextRecordsUrl"), "records.#.Id")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages %v, want %v (requests %q)", got, want, log.all())
	}
}

func TestPagesLinkHeader(t *testing.T) {
	var log requestLog
	var base string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		orders := base + "/admin/api/2024-01/orders.json"
		switch r.URL.Query().Get("page_info") {
		case "":
			w.Header().Set("Link", fmt.Sprintf(`<%s?limit=2&page_info=p2>; rel="next"`, orders))
			writeJSON(w, 200, `{"orders":[{"id":1},{"id":2}]}`)
		case "p2":
			w.Header().Add("Link", fmt.Sprintf(`<%s?limit=2&page_info=p1>; rel="previous"`, orders))
			w.Header().Add("Link", fmt.Sprintf(`<%s?limit=2&page_info=p3>; rel="next"`, orders))
			writeJSON(w, 200, `{"orders":[{"id":3},{"id":4}]}`)
		default:
			w.Header().Set("Link", fmt.Sprintf(`<%s?limit=2&page_info=p2>; rel="previous"`, orders))
			writeJSON(w, 200, `{"orders":[{"id":5}]}`)
		}
	})
	base = srv.URL
	c := newClient(t, srv.URL+"/admin/api/2024-01/", Options{Auth: Header("X-Shopify-Access-Token", "shpat")})
	first := &Request{Path: "orders.json", Query: url.Values{"status": {"any"}, "limit": {"2"}}}
	got, err := collect(c, first, LinkHeader("next"), "orders.#.id")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1,2", "3,4", "5"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages %v, want %v", got, want)
	}
	want := []string{
		"GET /admin/api/2024-01/orders.json?limit=2&status=any",
		"GET /admin/api/2024-01/orders.json?limit=2&page_info=p2",
		"GET /admin/api/2024-01/orders.json?limit=2&page_info=p3",
	}
	if fmt.Sprint(log.all()) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", log.all(), want)
	}
}

func TestPagesPageNumber(t *testing.T) {
	var log requestLog
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		page := r.URL.Query().Get("page")
		switch page {
		case "", "1":
			writeJSON(w, 200, `{"data":[{"id":"r1"}],"page":1}`)
		case "2":
			writeJSON(w, 200, `{"data":[{"id":"r2"}],"page":2}`)
		default:
			writeJSON(w, 200, `{"data":[],"page":`+page+`}`)
		}
	})
	c := newClient(t, srv.URL+"/v3", Options{})
	first := &Request{Path: "/surveys/1/responses/bulk", Query: url.Values{"per_page": {"1"}}}
	got, err := collect(c, first, PageNumber("page", Empty("data")), "data.#.id")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"r1", "r2", ""}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages %q, want %q", got, want)
	}
	want := []string{
		"GET /v3/surveys/1/responses/bulk?per_page=1",
		"GET /v3/surveys/1/responses/bulk?page=2&per_page=1",
		"GET /v3/surveys/1/responses/bulk?page=3&per_page=1",
	}
	if fmt.Sprint(log.all()) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", log.all(), want)
	}
}

func TestPageNumberErrors(t *testing.T) {
	resp := &Response{Body: []byte(`{"data":[1]}`)}
	if _, err := PageNumber("page", nil)(&Request{}, resp); sdk.KindOf(err) != sdk.KindConfig {
		t.Errorf("no last test: %v, want a config error", err)
	}
	if _, err := PageNumber("page", Empty("data"))(&Request{Query: url.Values{"page": {"x"}}}, resp); sdk.KindOf(err) != sdk.KindConfig {
		t.Errorf("page=x: %v, want a config error", err)
	}
}

// numbered serves /items?after=N: item N+1, and a cursor to it, up to 5.
func numbered(log *requestLog, failAt int, sameCursor bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		n, _ := strconv.Atoi(r.URL.Query().Get("after"))
		if n+1 == failAt {
			writeJSON(w, 422, `{"message":"page refused"}`)
			return
		}
		next := n + 1
		if sameCursor && n > 0 {
			next = n
		}
		writeJSON(w, 200, fmt.Sprintf(`{"items":[%d],"next":"%d"}`, n+1, next))
	}
}

func TestPagesStops(t *testing.T) {
	tests := []struct {
		name       string
		failAt     int
		sameCursor bool
		next       NextFunc
		breakAt    int
		wantPages  int
		wantKind   sdk.ErrorKind
		wantSent   int
	}{
		{"break early", 0, false, CursorInBody("next", "after"), 2, 2, 0, 2},
		{"error on page 3", 3, false, CursorInBody("next", "after"), 0, 2, sdk.KindBadRecord, 3},
		{"cursor that does not move", 0, true, CursorInBody("next", "after"), 0, 2, sdk.KindTransient, 2},
		{"next func error", 0, false, func(*Request, *Response) (*Request, error) {
			return nil, sdk.ConfigError(errors.New("no way on"))
		}, 0, 1, sdk.KindConfig, 1},
		{"nil next", 0, false, nil, 0, 1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log requestLog
			srv := serve(t, numbered(&log, tt.failAt, tt.sameCursor))
			c := newClient(t, srv.URL, Options{MaxRetries: -1})
			// Every case ends within a few pages; one that does not (a
			// cursor that does not move, undetected) fails here instead of
			// running until the test times out.
			const maxYields = 10
			pages, errs := 0, 0
			var last error
			for resp, err := range c.Pages(context.Background(), &Request{Path: "/items"}, tt.next) {
				if pages+errs == maxYields {
					t.Errorf("Pages went on past %d pages and errors", maxYields)
					break
				}
				if err != nil {
					errs++
					last = err
					continue // Pages must end by itself after an error
				}
				if resp == nil {
					t.Fatal("a nil response without an error")
				}
				pages++
				if pages == tt.breakAt {
					break
				}
			}
			if pages != tt.wantPages || len(log.all()) != tt.wantSent {
				t.Errorf("%d pages from %d requests, want %d from %d", pages, len(log.all()), tt.wantPages, tt.wantSent)
			}
			if tt.wantKind == 0 {
				if errs != 0 {
					t.Errorf("error %v", last)
				}
				return
			}
			if errs != 1 {
				t.Errorf("%d errors yielded, want 1", errs)
			}
			wantKind(t, last, tt.wantKind)
		})
	}
}

func TestFindLink(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		rel    string
		want   string
	}{
		{"shopify next after previous", []string{`<https://s/o.json?page_info=p1>; rel="previous", <https://s/o.json?page_info=p3>; rel="next"`}, "next", "https://s/o.json?page_info=p3"},
		{"shopify previous", []string{`<https://s/o.json?page_info=p1>; rel="previous", <https://s/o.json?page_info=p3>; rel="next"`}, "previous", "https://s/o.json?page_info=p1"},
		{"unquoted, other case", []string{`</items?page=2>; REL=Next`}, "next", "/items?page=2"},
		{"several relations", []string{`</last>; rel="last next"`}, "next", "/last"},
		{"quoted comma and parameter without value", []string{`</a>; title="a, b"; rel="prev", </b>; crossorigin; rel="next"`}, "next", "/b"},
		{"several header values", []string{`</a>; rel="prev"`, `</b>; rel="next"`}, "next", "/b"},
		{"rel inside another parameter does not count", []string{`</a>; title="rel=next"`}, "next", ""},
		{"none", []string{`</a>; rel="prev"`}, "next", ""},
		{"malformed", []string{`<unclosed; rel="next"`}, "next", ""},
		{"no header", nil, "next", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := findLink(tt.values, tt.rel)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("findLink = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}
