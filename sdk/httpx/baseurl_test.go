package httpx

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

func TestParseBaseURL(t *testing.T) {
	const example = "https://api.example.com"
	tests := []struct {
		raw  string
		want string // the URL returned; "" for an error
		err  string // what the error says, besides the key and the example
	}{
		{raw: "https://api.example.com", want: "https://api.example.com"},
		{raw: "https://API.Example.COM:8443/v3/", want: "https://api.example.com:8443/v3"},
		{raw: "https://api.example.com/a%20b", want: "https://api.example.com/a%20b"},
		{raw: "http://127.0.0.1:8111", want: "http://127.0.0.1:8111"},
		{raw: "http://127.1.2.3:8111/api/v2/", want: "http://127.1.2.3:8111/api/v2"},
		{raw: "http://localhost:9", want: "http://localhost:9"},
		{raw: "http://LocalHost:9", want: "http://localhost:9"},
		{raw: "http://[::1]:9/", want: "http://[::1]:9"},

		{raw: "http://api.example.com", err: "plain http is only allowed for a loopback host"},
		{raw: "http://10.0.0.1:8080", err: "plain http is only allowed for a loopback host"},
		{raw: "http://localhost.example.com", err: "plain http is only allowed for a loopback host"},
		{raw: "http://127.0.0.1.nip.io", err: "plain http is only allowed for a loopback host"},
		{raw: "api.example.com", err: "want an http(s) URL"},
		{raw: "/v3", err: "want an http(s) URL"},
		{raw: "ftp://api.example.com", err: "want an http(s) URL"},
		{raw: "https://", err: "want an http(s) URL"},
		{raw: "https://api.example.com/%zz", err: "want an http(s) URL"},
		{raw: "", err: "want an http(s) URL"},
		{raw: "https://api.example.com?x=1", err: "want no query, fragment or user info"},
		{raw: "https://api.example.com/?", err: "want no query, fragment or user info"},
		{raw: "https://api.example.com#top", err: "want no query, fragment or user info"},
		{raw: "https://me@api.example.com", err: "want no query, fragment or user info"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := ParseBaseURL("base_url", tt.raw, example)
			if tt.err == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				if got := u.String(); got != tt.want {
					t.Errorf("url = %s, want %s", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("url = %s, want an error saying %q", u, tt.err)
			}
			if sdk.KindOf(err) != sdk.KindConfig {
				t.Errorf("kind = %v, want config", sdk.KindOf(err))
			}
			for _, part := range []string{"base_url ", tt.err, example} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not say %q", err, part)
				}
			}
		})
	}
}

// TestParseBaseURLHidesThePassword: a URL with a password is refused
// without repeating it, whatever else is wrong with it.
func TestParseBaseURLHidesThePassword(t *testing.T) {
	for _, raw := range []string{
		"https://me:s3cret@api.example.com",
		"http://me:s3cret@api.example.com",
		"ftp://me:s3cret@api.example.com",
	} {
		_, err := ParseBaseURL("base_url", raw, "https://api.example.com")
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseBaseURL(%s) = %v, want an error without the password", raw, err)
		}
	}
}

func ExampleParseBaseURL() {
	u, err := ParseBaseURL("base_url", "https://Support.Acme.com/api/v2/", "https://acme.zendesk.com")
	fmt.Println(u, err)
	_, err = ParseBaseURL("base_url", "http://support.acme.com", "https://acme.zendesk.com")
	fmt.Println(err)
	// Output:
	// https://support.acme.com/api/v2 <nil>
	// base_url "http://support.acme.com": plain http is only allowed for a loopback host (a local sandbox such as http://127.0.0.1:8080), since the credentials travel in every request; use https, such as https://acme.zendesk.com
}
