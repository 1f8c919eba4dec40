package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// NextFunc returns the request for the page after resp, which answered prev,
// or nil at the end. It must not change prev: change a prev.Clone().
type NextFunc func(prev *Request, resp *Response) (*Request, error)

// Pages sends first, then each request next returns, and yields every
// response in turn:
//
//	for resp, err := range client.Pages(ctx, first, httpx.CursorInBody("paging.next.after", "after")) {
//		if err != nil {
//			return err
//		}
//		// use resp
//	}
//
// It stops at the first error, yielded once (Do's errors as they are; a
// NextFunc's error as it is). A next request identical to the one before it
// is a transient error: the vendor's cursor did not move, and following it
// would never end. Breaking out of the loop early is fine. A nil next stops
// after the first page.
func (c *Client) Pages(ctx context.Context, first *Request, next NextFunc) iter.Seq2[*Response, error] {
	return func(yield func(*Response, error) bool) {
		req := first
		for req != nil {
			resp, err := c.Do(ctx, req)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(resp, nil) || next == nil {
				return
			}
			following, err := next(req, resp)
			if err != nil {
				yield(nil, err)
				return
			}
			if following != nil && samePage(req, following) {
				yield(nil, sdk.Transient(fmt.Errorf("next page after %s %s: the vendor gave the same page again", or(req.Method, "GET"), displayPath(req.Path))))
				return
			}
			req = following
		}
	}
}

// samePage reports whether a and b would send the same request.
func samePage(a, b *Request) bool {
	if a.Method != b.Method || a.Path != b.Path || a.Query.Encode() != b.Query.Encode() {
		return false
	}
	ab, _, errA := encodeBody(a.Body)
	bb, _, errB := encodeBody(b.Body)
	return errA == nil && errB == nil && bytes.Equal(ab, bb)
}

// CursorInBody pages with a cursor read from the body at cursorPath and sent
// as the query parameter param (HubSpot lists: CursorInBody("paging.next.after",
// "after")). It stops when the cursor is missing, null or empty.
func CursorInBody(cursorPath, param string) NextFunc {
	return func(prev *Request, resp *Response) (*Request, error) {
		cursor, ok := cursorAt(resp, cursorPath)
		if !ok {
			return nil, nil
		}
		next := prev.Clone()
		if next.Query == nil {
			next.Query = url.Values{}
		}
		next.Query.Set(param, cursor.String())
		return next, nil
	}
}

// CursorInJSONBody pages a POST whose JSON object body carries the cursor:
// the next request is the same with body field set to the value at
// cursorPath, kept as the vendor wrote it (string or number). HubSpot
// search: CursorInJSONBody("paging.next.after", "after"). It stops when the
// cursor is missing, null or empty.
func CursorInJSONBody(cursorPath, field string) NextFunc {
	return func(prev *Request, resp *Response) (*Request, error) {
		cursor, ok := cursorAt(resp, cursorPath)
		if !ok {
			return nil, nil
		}
		body, err := setField(prev.Body, field, json.RawMessage(cursor.Raw))
		if err != nil {
			return nil, sdk.ConfigError(fmt.Errorf("next page of %s: set %q in the request body: %w", displayPath(prev.Path), field, err))
		}
		next := prev.Clone()
		next.Body = body
		return next, nil
	}
}

// cursorAt reads a cursor; false when there is none.
func cursorAt(resp *Response, path string) (gjson.Result, bool) {
	v := resp.Get(path)
	if v.Type == gjson.Null || v.String() == "" {
		return v, false
	}
	return v, true
}

// setField returns body, a JSON object, with field set to value.
func setField(body any, field string, value json.RawMessage) (json.RawMessage, error) {
	raw, _, err := encodeBody(body)
	if err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("body is not a JSON object: %w", err)
		}
	}
	if obj == nil {
		obj = make(map[string]json.RawMessage, 1)
	}
	obj[field] = value
	return json.Marshal(obj)
}

// NextURL pages by following the link at urlPath in the body: Zendesk's
// "links.next" or "after_url", SurveyMonkey's "links.next", Salesforce's
// "nextRecordsUrl". A relative link resolves against the URL of the page
// that gave it; the link's query string replaces the previous request's
// Query. It stops when the link is missing, null or empty.
func NextURL(urlPath string) NextFunc {
	return func(prev *Request, resp *Response) (*Request, error) {
		link, ok := cursorAt(resp, urlPath)
		if !ok {
			return nil, nil
		}
		return follow(prev, resp, link.String())
	}
}

// LinkHeader pages by following the Link header (RFC 8288) whose rel is
// rel, as Shopify's rel="next": the URL is followed exactly, the previous
// request's Query dropped. It stops when there is no such link.
func LinkHeader(rel string) NextFunc {
	return func(prev *Request, resp *Response) (*Request, error) {
		link, ok := findLink(resp.Header.Values("Link"), rel)
		if !ok {
			return nil, nil
		}
		return follow(prev, resp, link)
	}
}

// follow is prev sent to link instead, resolved against resp's URL.
func follow(prev *Request, resp *Response, link string) (*Request, error) {
	ref, err := url.Parse(link)
	if err != nil {
		return nil, sdk.Transient(fmt.Errorf("next page of %s: parse the vendor's link: %w", displayPath(prev.Path), unwrapURLError(err)))
	}
	if resp.URL != nil {
		ref = resp.URL.ResolveReference(ref)
	}
	next := prev.Clone()
	next.Path = ref.String()
	next.Query = nil
	return next, nil
}

// PageNumber pages by numbers: the query parameter param goes 1, 2, 3…
// (a first request without it is page 1) until last says resp was the last
// page. PageNumber("page", httpx.Empty("data")) stops at the first empty
// page.
func PageNumber(param string, last func(*Response) bool) NextFunc {
	return func(prev *Request, resp *Response) (*Request, error) {
		if last == nil {
			return nil, sdk.ConfigError(errors.New("page numbers: no test for the last page"))
		}
		if last(resp) {
			return nil, nil
		}
		page := 1
		if v := prev.Query.Get(param); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, sdk.ConfigError(fmt.Errorf("page numbers: %s=%q is not a number", param, v))
			}
			page = n
		}
		next := prev.Clone()
		if next.Query == nil {
			next.Query = url.Values{}
		}
		next.Query.Set(param, strconv.Itoa(page+1))
		return next, nil
	}
}

// Until wraps next to stop after a page for which stop is true, as
// Zendesk's incremental exports: Until(NextURL("after_url"),
// func(r *Response) bool { return r.Get("end_of_stream").Bool() }).
func Until(next NextFunc, stop func(*Response) bool) NextFunc {
	return func(prev *Request, resp *Response) (*Request, error) {
		if stop != nil && stop(resp) {
			return nil, nil
		}
		return next(prev, resp)
	}
}
