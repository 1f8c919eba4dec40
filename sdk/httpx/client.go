package httpx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// DefaultUserAgent is the User-Agent header sent when Options.UserAgent is empty.
const DefaultUserAgent = "cxhub-connector (+https://github.com/cxhub/cxhub)"

// Defaults of Options.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRetries   = 4
	DefaultMinBackoff   = 500 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
	DefaultMaxWait      = 10 * time.Minute
	DefaultMaxBodyBytes = 64 << 20
)

// errorBodyLimit is how much of a body an *Error keeps.
const errorBodyLimit = 4 << 10

// DefaultMessagePaths returns the gjson paths tried, in order, for a vendor's
// error message when Options.MessagePaths is empty. The last two cover
// Shopify's {"errors": ...} and Salesforce's [{"message": ...}].
func DefaultMessagePaths() []string {
	return []string{
		"message", "error.message", "error", "errors.0.message", "errors.0.title",
		"description", "details", "errors", "0.message",
	}
}

// Options configure a Client. Only BaseURL is required.
type Options struct {
	// BaseURL is the API's root ("https://api.hubapi.com",
	// "https://x.zendesk.com/api/v2"); a request's Path is joined to it.
	// Credentials are sent to its scheme and host only.
	BaseURL string
	// Auth adds credentials to every request; nil sends none.
	Auth Auth
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
	// Timeout bounds one attempt, from dialling to the last body byte;
	// zero means DefaultTimeout (30s). An attempt that got no answer in
	// that time is retried once at most (see Client.Do).
	Timeout time.Duration
	// MaxRetries is how many times a retryable failure is retried after the
	// first attempt; zero means DefaultMaxRetries, -1 means never.
	MaxRetries int
	// MinBackoff sets the wait before the first retry of a failure for
	// which the vendor named no wait: it is drawn at random within ±50% of
	// MinBackoff (250ms to 750ms by default). Each later wait's range is
	// twice as far out: the second within ±50% of 2×MinBackoff, the third
	// within ±50% of 4×MinBackoff, and so on. Zero means DefaultMinBackoff.
	MinBackoff time.Duration
	// MaxBackoff caps those waits: no wait is longer, and once the middle
	// of the range reaches MaxBackoff, each wait is between half of
	// MaxBackoff and MaxBackoff. Zero means DefaultMaxBackoff, or
	// MinBackoff if that is larger; a MaxBackoff below MinBackoff is an
	// error.
	MaxBackoff time.Duration
	// MaxWait is the longest wait the client sleeps when the vendor names
	// one (Retry-After, a rate-limit reset) or when its own rate limits need
	// one; zero means DefaultMaxWait. A longer wait is not slept: Do
	// returns an sdk.RateLimited error carrying it, for the core to
	// schedule. Every wait the client sleeps is announced to the core
	// first (sdk.Waiting), so a wait longer than the core's hang timeout
	// is not taken for a hang; MaxWait only keeps a plugin from sleeping
	// through a wait of absurd length (hours) that the core had better
	// schedule itself.
	MaxWait time.Duration
	// RateLimits pace requests before the vendor refuses them.
	RateLimits RateLimits
	// Classify, if set, sees every response first. A non-nil error makes
	// the response a failure: its kind, if it has one, replaces the default
	// mapping's (see Client.Do). Nil falls back to the default mapping.
	Classify func(*Response) error
	// MessagePaths are the gjson paths tried, in order, for the vendor's
	// error message in an error body; empty means DefaultMessagePaths().
	MessagePaths []string
	// Transport sends the requests; nil means a clone of
	// http.DefaultTransport with more idle connections per host.
	Transport http.RoundTripper
	// Counter, if set, counts every attempt (for tests and metrics).
	Counter *Counter
	// Logger, if set, gets one debug line per attempt: method, path (never
	// the query), status, attempt and the wait before the next one. Never
	// headers or bodies.
	Logger *slog.Logger
	// MaxBodyBytes bounds a response body; zero means DefaultMaxBodyBytes.
	// A larger body fails the call with a config error (ask for smaller
	// pages).
	MaxBodyBytes int64

	// clock is the time source; nil means the wall clock. Tests set it.
	clock clock
}

// Client is a JSON-over-HTTP client for one vendor API. Safe for concurrent
// use; make one per connection and keep it for the life of a read or a write
// session, so that its rate limits see every request.
type Client struct {
	base         *url.URL
	auth         Auth
	userAgent    string
	timeout      time.Duration
	maxRetries   int
	minBackoff   time.Duration
	maxBackoff   time.Duration
	maxWait      time.Duration
	maxBody      int64
	classify     func(*Response) error
	messagePaths []string
	http         *http.Client
	counter      *Counter
	logger       *slog.Logger
	clock        clock
	limits       *limiter
	quota        *quota
}

// New checks opts and makes a Client. A missing or malformed BaseURL, or a
// negative or contradictory setting, is an sdk.ConfigError.
func New(opts Options) (*Client, error) {
	base, err := parseBaseURL(opts.BaseURL)
	if err != nil {
		return nil, sdk.ConfigError(fmt.Errorf("new http client: %w", err))
	}
	if err := opts.check(); err != nil {
		return nil, sdk.ConfigError(fmt.Errorf("new http client for %s: %w", base.Host, err))
	}
	c := &Client{
		base:         base,
		auth:         opts.Auth,
		userAgent:    or(opts.UserAgent, DefaultUserAgent),
		timeout:      or(opts.Timeout, DefaultTimeout),
		maxRetries:   or(opts.MaxRetries, DefaultMaxRetries),
		minBackoff:   or(opts.MinBackoff, DefaultMinBackoff),
		maxBackoff:   or(opts.MaxBackoff, DefaultMaxBackoff),
		maxWait:      or(opts.MaxWait, DefaultMaxWait),
		maxBody:      or(opts.MaxBodyBytes, DefaultMaxBodyBytes),
		classify:     opts.Classify,
		messagePaths: opts.MessagePaths,
		counter:      opts.Counter,
		logger:       opts.Logger,
		clock:        opts.clock,
	}
	if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if len(c.messagePaths) == 0 {
		c.messagePaths = DefaultMessagePaths()
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.minBackoff > c.maxBackoff {
		c.maxBackoff = c.minBackoff
	}
	transport := opts.Transport
	if transport == nil {
		transport = defaultTransport()
	}
	c.http = &http.Client{Transport: transport, CheckRedirect: c.checkRedirect}
	c.limits = newLimiter(c.clock, opts.RateLimits)
	c.quota = newQuota(opts.RateLimits.Quota)
	return c, nil
}

// check refuses settings that cannot mean anything.
func (o *Options) check() error {
	switch {
	case o.Timeout < 0:
		return errors.New("timeout is negative")
	case o.MaxRetries < -1:
		return errors.New("max retries is below -1")
	case o.MinBackoff < 0 || o.MaxBackoff < 0:
		return errors.New("a backoff is negative")
	case o.MaxWait < 0:
		return errors.New("max wait is negative")
	case o.MaxBodyBytes < 0:
		return errors.New("max body bytes is negative")
	case o.MinBackoff > 0 && o.MaxBackoff > 0 && o.MinBackoff > o.MaxBackoff:
		return errors.New("min backoff is above max backoff")
	}
	return o.RateLimits.check()
}

// parseBaseURL accepts an absolute http or https URL with a host.
func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("base url is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse base url: %w", unwrapURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("base url %q: scheme must be http or https", redact(u))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("base url %q has no host", redact(u))
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// defaultTransport is http.DefaultTransport with room for the idle
// connections of concurrent calls to one host.
func defaultTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}

// checkRedirect follows redirects within the BaseURL's scheme and host only,
// so that no credential is sent elsewhere; another target's 3xx is returned
// as the response (a config error).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if !sameOrigin(req.URL, c.base) {
		return http.ErrUseLastResponse
	}
	return nil
}

// Get sends a GET of path with query.
func (c *Client) Get(ctx context.Context, path string, query url.Values) (*Response, error) {
	return c.Do(ctx, &Request{Method: http.MethodGet, Path: path, Query: query})
}

// Post sends body as JSON to path. It is not retried (see
// Request.Idempotent); build a Request for a POST that may be.
func (c *Client) Post(ctx context.Context, path string, body any) (*Response, error) {
	return c.Do(ctx, &Request{Method: http.MethodPost, Path: path, Body: body})
}

// Wait blocks until the rate limits of bucket allow one more request and
// counts one, for code that paces something other than this client's HTTP
// calls. It returns ctx's error if ctx ends first, and an sdk.RateLimited
// error at once if the wait would be longer than MaxWait.
func (c *Client) Wait(ctx context.Context, bucket string) error {
	s, wait, err := c.limits.acquire(ctx, bucket, c.maxWait)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return sdk.RateLimited(fmt.Errorf("wait for rate limit bucket %q: %w", bucket, err), wait)
	}
	s.release()
	return nil
}

// CloseIdleConnections closes the connections the client keeps open for
// reuse. The client stays usable.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// or returns v, or def when v is the zero value.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
