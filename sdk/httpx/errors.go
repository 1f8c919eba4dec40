package httpx

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// Error is a failed call. Client.Do returns one wrapped in an sdk kind
// (sdk.KindOf tells which); reach it with errors.As.
type Error struct {
	// Method and URL say what was called. URL has no query string and no
	// user info: both may carry secrets.
	Method, URL string
	// Status is the HTTP status, or 0 when no response came.
	Status int
	// Message is the vendor's error message, found at Options.MessagePaths.
	Message string
	// Body is the first 4 KiB of the response body.
	Body []byte
	// Header is the response's header, nil when no response came.
	Header http.Header
	// Err is the cause: a transport error, or what Options.Classify said.
	Err error
}

// Error reads "POST /crm/v3/objects/contacts: 400 Bad Request: <vendor
// message>: <cause>", with the path only: never the query string, never a
// header.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(urlPath(e.URL))
	if e.Status != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.Status))
		if text := http.StatusText(e.Status); text != "" {
			b.WriteByte(' ')
			b.WriteString(text)
		}
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// urlPath is the path of a URL given as text.
func urlPath(raw string) string {
	if u, err := url.Parse(raw); err == nil && (u.Scheme != "" || u.Host != "") {
		return or(u.EscapedPath(), "/")
	}
	return displayPath(raw)
}

// withKind wraps err in an sdk error of kind.
func withKind(kind sdk.ErrorKind, err error, after time.Duration) error {
	if kind != sdk.KindRateLimited {
		after = 0
	}
	if kind == sdk.KindUnknown {
		kind = sdk.KindTransient
	}
	return &sdk.Error{Kind: kind, RetryAfter: after, Err: err}
}

// statusKind is the default mapping of a status to a kind; KindUnknown for a
// success.
func statusKind(status int, success bool) sdk.ErrorKind {
	switch {
	case success:
		return sdk.KindUnknown
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return sdk.KindAuth
	case status == http.StatusTooManyRequests:
		return sdk.KindRateLimited
	case status == http.StatusRequestTimeout || status >= 500:
		return sdk.KindTransient
	case status >= 300 && status < 400:
		return sdk.KindConfig // a redirect off the base url's host, or a stale base url
	}
	return sdk.KindBadRecord
}

// expects reports whether status is a success for p.
func (p *prepared) expects(status int) bool {
	if len(p.req.Expect) == 0 {
		return status >= 200 && status < 300
	}
	for _, s := range p.req.Expect {
		if s == status {
			return true
		}
	}
	return false
}

// check decides whether resp is a success and, if not, returns its error
// and how long the vendor asked to wait (zero if it did not say).
func (c *Client) check(p *prepared, resp *Response, now time.Time) (time.Duration, error) {
	success := p.expects(resp.Status)
	if success && isJSON(resp.Header.Get("Content-Type")) && len(bytes.TrimSpace(resp.Body)) > 0 && !gjson.ValidBytes(resp.Body) {
		return 0, sdk.Transient(c.failure(p, resp, errInvalidJSON))
	}
	var custom error
	if c.classify != nil {
		custom = c.classify(resp)
	}
	if custom == nil && success {
		return 0, nil
	}
	kind := statusKind(resp.Status, success)
	if custom != nil {
		if k := sdk.KindOf(custom); k != sdk.KindUnknown {
			kind = k
		} else if success {
			kind = sdk.KindBadRecord
		}
	}
	after, told := ParseRetryAfter(resp.Header, now)
	if kind == sdk.KindRateLimited {
		if a := sdk.RetryAfterOf(custom); a > 0 {
			after, told = a, true
		}
		if !told {
			after = c.limits.vendorWait(p.req.Bucket, resp.Header, now)
		}
	}
	return after, withKind(kind, c.failure(p, resp, custom), after)
}

// errInvalidJSON is the cause of a success whose JSON body does not parse:
// most likely cut short.
const errInvalidJSON = errorString("response body is not valid JSON (cut short?)")

// errorString is an error that is a constant.
type errorString string

func (e errorString) Error() string { return string(e) }

// failure builds the *Error for a response.
func (c *Client) failure(p *prepared, resp *Response, cause error) *Error {
	e := &Error{
		Method:  p.method,
		URL:     redact(p.url),
		Status:  resp.Status,
		Message: c.message(resp),
		Body:    resp.Body[:min(len(resp.Body), errorBodyLimit)],
		Header:  resp.Header,
		Err:     cause,
	}
	if e.Message == "" && resp.Status >= 300 && resp.Status < 400 {
		if loc, err := resp.URL.Parse(resp.Header.Get("Location")); err == nil && resp.Header.Get("Location") != "" {
			e.Message = "redirected to " + redact(loc)
		}
	}
	return e
}

// maxMessage bounds a vendor message quoted in an error.
const maxMessage = 300

// message finds the vendor's error message in resp's body: at the first
// MessagePaths path that holds a value in a JSON body, or the first line of
// a plain-text one.
func (c *Client) message(resp *Response) string {
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 {
		return ""
	}
	if gjson.ValidBytes(body) {
		for _, path := range c.messagePaths {
			if s := resultText(gjson.GetBytes(body, path)); s != "" {
				return clip(s)
			}
		}
		return ""
	}
	if body[0] == '<' || !utf8.Valid(body) { // an HTML error page, or binary
		return ""
	}
	line, _, _ := bytes.Cut(body, []byte("\n"))
	return clip(string(bytes.TrimSpace(line)))
}

// resultText is a gjson value as message text: a string's contents, or the
// JSON text of anything else.
func resultText(r gjson.Result) string {
	switch r.Type {
	case gjson.Null:
		return ""
	case gjson.String:
		return strings.TrimSpace(r.Str)
	}
	return strings.TrimSpace(r.Raw)
}

// clip makes s fit for a message: valid UTF-8 on one line, at most
// maxMessage bytes.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// isJSON reports whether a Content-Type is JSON.
func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}
