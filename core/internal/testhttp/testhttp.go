// Package testhttp holds what tests of cxhub's web front ends share: a
// request with an optional HTML form, as a browser sends it.
package testhttp

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Form sends method to target through hc, with form as its
// application/x-www-form-urlencoded body (nil: no body), and returns the
// response, its body already read and closed, and that body. A failure to
// send fails the test.
func Form(t testing.TB, hc *http.Client, method, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer to %s %s: %v", method, target, err)
	}
	return resp, string(b)
}
