package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/cxhub/cxhub/sdk"
)

// Do sends req and returns the response, retrying what is worth retrying.
//
// A response is a success when its status is in req.Expect (any 2xx by
// default), its body is valid JSON if its Content-Type says JSON, and
// Options.Classify (if set) returns nil for it. Every error but the
// context's is an *Error wrapped in an sdk kind:
//
//   - 401, 403: sdk.AuthError;
//   - 429: sdk.RateLimited, with the wait the vendor asked for (Retry-After
//     in seconds or as a date, or else what the rate-limit headers say);
//   - a spent quota (RateLimits.Quota, quota.go): sdk.RateLimited wrapping
//     a *QuotaExhausted, with the wait until its reset, never retried, and
//     returned before sending anything once the quota's headers said so;
//   - 408, 5xx, a refused or reset connection, a timeout, a body cut short
//     or a success whose JSON body does not parse: sdk.Transient;
//   - a 3xx (a redirect off the BaseURL's host is never followed), a path
//     off the BaseURL's host, a body over Options.MaxBodyBytes:
//     sdk.ConfigError;
//   - any other status: sdk.BadRecord.
//
// A Classify error that has a kind replaces the default one; one without a
// kind keeps it (a success refused by Classify becomes a bad record).
//
// Transient and rate-limited failures are retried up to Options.MaxRetries
// times, if the request may be sent twice (see Request.Idempotent) or was
// refused with a 429, which means the vendor did nothing: after the
// wait the vendor asked for, or else after a jittered exponential backoff. A
// wait longer than Options.MaxWait is not slept: the error is returned at
// once, carrying the wait for the core to schedule. An attempt that gets no
// answer within Options.Timeout ("the vendor did not answer within 30s") is
// retried once at most, whatever MaxRetries says, so a vendor that takes the
// connection and never answers costs two timeouts, not MaxRetries+1. After
// the last retry the last error is returned.
//
// When ctx ends, Do returns ctx.Err() itself, without a kind, at once, even
// in the middle of a wait.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	if req == nil {
		return nil, sdk.ConfigError(&Error{Err: errors.New("nil request")})
	}
	p, err := c.prepare(req)
	if err != nil {
		return nil, err
	}
	var nextBackoff func() time.Duration
	unanswered := 0
	for attempt := 0; ; attempt++ {
		resp, after, err := c.attempt(ctx, p)
		if err == nil {
			c.logAttempt(ctx, p, resp, attempt, 0, nil)
			resp.Attempts = attempt + 1
			return resp, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		// A 429 is a refusal: the vendor did nothing, so even a request
		// that must not be sent twice may be sent again.
		refused := resp != nil && resp.Status == http.StatusTooManyRequests
		_, spent := IsQuotaExhausted(err) // waiting for a quota's reset is the caller's choice
		if errors.Is(err, errNoAnswer) {
			unanswered++
		} else {
			unanswered = 0 // counted in a row: an answer in between shows the vendor is there
		}
		retry := sdk.KindOf(err).Retryable() && (p.retryable || refused) && attempt < c.maxRetries && after <= c.maxWait && !spent &&
			!errors.Is(err, errNothingListens) && unanswered <= maxUnansweredRetries
		wait := after
		if retry && wait == 0 {
			if nextBackoff == nil {
				nextBackoff = c.newBackoff()
			}
			wait = nextBackoff()
		}
		if !retry {
			wait = 0
		}
		c.logAttempt(ctx, p, resp, attempt, wait, err)
		if !retry {
			return nil, err
		}
		c.counter.retry()
		sdk.Waiting(ctx, retryReason(p, resp, attempt, c.maxRetries, after > 0, wait), c.clock.Now().Add(wait))
		if err := sleep(ctx, c.clock, wait); err != nil {
			return nil, err
		}
	}
}

// retryReason says why Do waits before retry attempt+1, for sdk.Waiting:
// never a header, a body or a query string.
func retryReason(p *prepared, resp *Response, attempt, retries int, vendorNamed bool, wait time.Duration) string {
	what := "no response"
	if resp != nil {
		what = fmt.Sprintf("status %d", resp.Status)
	}
	if vendorNamed {
		return fmt.Sprintf("rate limited: %s to %s %s, the vendor asked to wait %s (retry %d of %d)",
			what, p.method, p.path, wait.Round(time.Millisecond), attempt+1, retries)
	}
	return fmt.Sprintf("backing off %s before retrying %s %s after %s (retry %d of %d)",
		wait.Round(time.Millisecond), p.method, p.path, what, attempt+1, retries)
}

// attempt sends p once, when its bucket allows, and reads the whole
// response. It returns the wait the vendor asked for, if it failed.
func (c *Client) attempt(ctx context.Context, p *prepared) (*Response, time.Duration, error) {
	if q, wait := c.quota.exhausted(c.clock.Now()); q != nil {
		return nil, wait, sdk.RateLimited(p.fail(q), wait)
	}
	s, wait, err := c.limits.acquire(ctx, p.req.Bucket, c.maxWait)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, 0, ctxErr
		}
		return nil, wait, sdk.RateLimited(p.fail(err), wait)
	}
	defer s.release()

	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hreq, err := c.newHTTPRequest(actx, p)
	if err != nil {
		return nil, 0, sdk.ConfigError(p.fail(err))
	}
	if c.auth != nil {
		if err := c.auth.Apply(hreq); err != nil {
			return nil, 0, withKind(or(sdk.KindOf(err), sdk.KindConfig), p.fail(fmt.Errorf("apply credentials: %w", err)), sdk.RetryAfterOf(err))
		}
	}
	hresp, err := c.http.Do(hreq)
	if err != nil {
		c.counter.record(p.method, p.path, 0)
		return nil, 0, c.transportError(ctx, p, err)
	}
	body, readErr := readBody(hresp.Body, c.maxBody)
	hresp.Body.Close()
	c.limits.observe(p.req.Bucket, s, hresp.Header)
	c.quota.observe(hresp.Header, c.clock.Now())
	s.release()
	c.counter.record(p.method, p.path, hresp.StatusCode)

	resp := &Response{
		Status:  hresp.StatusCode,
		Header:  hresp.Header,
		Body:    body,
		Request: p.req,
		URL:     hresp.Request.URL,
	}
	if readErr != nil {
		return resp, 0, c.readError(ctx, p, resp, readErr)
	}
	now := c.clock.Now()
	after, err := c.check(p, resp, now)
	if resp.Status == http.StatusTooManyRequests {
		if q, wait := c.quota.exhausted(now); q != nil {
			return resp, wait, sdk.RateLimited(c.failure(p, resp, q), wait)
		}
	}
	if after > 0 && sdk.KindOf(err) == sdk.KindRateLimited {
		c.limits.block(p.req.Bucket, now.Add(after))
	}
	return resp, after, err
}

// fail is an *Error about p without a response.
func (p *prepared) fail(cause error) *Error {
	return &Error{Method: p.method, URL: redact(p.url), Err: cause}
}

// transportError gives a failure to get a response its kind.
func (c *Client) transportError(ctx context.Context, p *prepared, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &certErr):
		return sdk.ConfigError(p.fail(fmt.Errorf("verify the server's certificate: %w", unwrapURLError(err))))
	case timedOut(err):
		// Not wrapping context.DeadlineExceeded: that would read as the
		// caller's deadline, not this attempt's.
		return sdk.Transient(p.fail(fmt.Errorf("%w within %s: is the vendor down, or the base URL not its API?", errNoAnswer, c.timeout)))
	case refusedOnLoopback(err, p.url):
		return sdk.Transient(p.fail(fmt.Errorf("%w: %w: nothing listens there; if it is a sandbox, start it (the built-in ones: make sandboxes)",
			unwrapURLError(err), errNothingListens)))
	}
	return sdk.Transient(p.fail(fmt.Errorf("send request: %w", unwrapURLError(err))))
}

// errNoAnswer marks an attempt that got no response (not even its status
// line) within Options.Timeout: the vendor, or whatever listens at the base
// URL, took the request and said nothing. Such an attempt is retried
// maxUnansweredRetries times at most, whatever Options.MaxRetries says: a
// vendor that did not answer twice in a row is down or is not the vendor
// (a wrong port), and each more attempt would cost a whole Timeout.
var errNoAnswer = errors.New("the vendor did not answer")

// maxUnansweredRetries is how many times Do retries an attempt that got no
// answer (see errNoAnswer).
const maxUnansweredRetries = 1

// readError gives a failure to read a whole body its kind.
func (c *Client) readError(ctx context.Context, p *prepared, resp *Response, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var tooLarge *bodyTooLargeError
	switch {
	case errors.As(err, &tooLarge):
		return sdk.ConfigError(c.failure(p, resp, err))
	case timedOut(err):
		return sdk.Transient(c.failure(p, resp, fmt.Errorf("no complete body within %s", c.timeout)))
	}
	return sdk.Transient(c.failure(p, resp, fmt.Errorf("read response body: %w", err)))
}

// timedOut reports whether err is an attempt's timeout.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// bodyTooLargeError says a body went over Options.MaxBodyBytes.
type bodyTooLargeError struct{ limit int64 }

func (e *bodyTooLargeError) Error() string {
	return fmt.Sprintf("response body is larger than %d bytes: ask for smaller pages", e.limit)
}

// readBody reads a whole body, up to limit bytes.
func readBody(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(body)) > limit {
		return body[:limit], &bodyTooLargeError{limit}
	}
	return body, err
}

// The shape of the retry backoff (documented at Options.MinBackoff): the
// middle of each wait's range is backoffMultiplier times the one before,
// from MinBackoff up to MaxBackoff, and a wait is drawn at random within
// backoffJitter of that middle, either way.
const (
	backoffMultiplier = 2
	backoffJitter     = 0.5
)

// newBackoff returns the source of the backoff waits of one call, in turn;
// none is longer than MaxBackoff.
func (c *Client) newBackoff() func() time.Duration {
	bo := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(c.minBackoff),
		backoff.WithMultiplier(backoffMultiplier),
		backoff.WithRandomizationFactor(backoffJitter),
		backoff.WithMaxInterval(c.maxBackoff),
		backoff.WithMaxElapsedTime(0),
	)
	return func() time.Duration { return min(bo.NextBackOff(), c.maxBackoff) }
}

// logAttempt writes the debug line of one attempt: never a header, a body
// or a query string.
func (c *Client) logAttempt(ctx context.Context, p *prepared, resp *Response, attempt int, wait time.Duration, err error) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	status := 0
	if resp != nil {
		status = resp.Status
	}
	attrs := []slog.Attr{
		slog.String("method", p.method),
		slog.String("path", p.path),
		slog.Int("status", status),
		slog.Int("attempt", attempt+1),
	}
	if err != nil {
		attrs = append(attrs, slog.String("kind", sdk.KindOf(err).String()))
	}
	if wait > 0 {
		attrs = append(attrs, slog.Duration("wait", wait))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "http request", attrs...)
}
