package httpx

import (
	"net/http"
	"net/url"

	"github.com/tidwall/gjson"
)

// Response is a vendor's answer, its body read whole.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header is the response's header.
	Header http.Header
	// Body is the whole body, already read and closed.
	Body []byte
	// Request is the request that was sent.
	Request *Request
	// URL is the URL that answered (after any redirect within the base
	// url's host): relative links in the body resolve against it.
	URL *url.URL
	// Attempts is how many times Do sent the request for this answer: more
	// than one means earlier attempts failed, and may have been carried
	// out all the same (an answer lost on the way back).
	Attempts int
}

// Get reads one value of the JSON body at a gjson path.
func (r *Response) Get(path string) gjson.Result { return gjson.GetBytes(r.Body, path) }

// JSON returns the whole JSON body as a gjson result.
func (r *Response) JSON() gjson.Result { return gjson.ParseBytes(r.Body) }

// Strings returns the values of a JSON array as strings (numbers and objects
// as their JSON text), skipping nulls; a single value gives a one-element
// slice; a missing value or null gives nil.
func Strings(r gjson.Result) []string {
	if !r.Exists() || r.Type == gjson.Null {
		return nil
	}
	if !r.IsArray() {
		return []string{r.String()}
	}
	var out []string
	r.ForEach(func(_, v gjson.Result) bool {
		if v.Type != gjson.Null {
			out = append(out, v.String())
		}
		return true
	})
	return out
}

// Empty returns a test that is true when the value at path is missing,
// null, false, "", 0, [] or {}: the end of a page-numbered list
// (PageNumber("page", Empty("data"))), or the end of a stream.
func Empty(path string) func(*Response) bool {
	return func(r *Response) bool {
		v := r.Get(path)
		switch v.Type {
		case gjson.Null, gjson.False: // also a missing value
			return true
		case gjson.String:
			return v.Str == ""
		case gjson.Number:
			return v.Num == 0
		case gjson.JSON:
			empty := true
			v.ForEach(func(_, _ gjson.Result) bool { empty = false; return false })
			return empty
		}
		return false
	}
}
