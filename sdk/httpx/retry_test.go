package httpx

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// failFirst answers the first n requests with fail, the rest with 200 {"ok":true}.
func failFirst(n int32, fail http.HandlerFunc) (http.HandlerFunc, *atomic.Int32) {
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			fail(w, r)
			return
		}
		writeJSON(w, http.StatusOK, `{"ok":true}`)
	}, &calls
}

func TestRetryThenSuccess(t *testing.T) {
	h, calls := failFirst(2, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusServiceUnavailable, `{"message":"busy"}`)
	})
	srv := serve(t, h)
	clock := newFakeClock()
	var counter Counter
	c := newClient(t, srv.URL, Options{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, Counter: &counter, clock: clock})

	resp, err := c.Get(context.Background(), "/x", nil)
	if err != nil || !resp.Get("ok").Bool() {
		t.Fatalf("got %v, %v; want the third answer", resp, err)
	}
	if calls.Load() != 3 || counter.Total() != 3 || counter.Retries() != 2 {
		t.Errorf("server saw %d, counter %d requests and %d retries; want 3, 3, 2", calls.Load(), counter.Total(), counter.Retries())
	}
	waits := clock.Waits()
	if len(waits) != 2 {
		t.Fatalf("waits %v, want 2 jittered exponential waits", waits)
	}
	for i, w := range waits {
		if lo, hi := backoffRange(100*time.Millisecond, time.Second, i); w < lo || w > hi {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, w, lo, hi)
		}
	}
}

// backoffRange is the range the wait before retry i (from 0) is drawn from,
// as Options.MinBackoff documents it: within backoffJitter of a middle that
// is minB times backoffMultiplier to the i, the middle and the wait both
// capped at maxB.
func backoffRange(minB, maxB time.Duration, i int) (lo, hi time.Duration) {
	mid := min(float64(minB)*math.Pow(backoffMultiplier, float64(i)), float64(maxB))
	return time.Duration(mid * (1 - backoffJitter)), min(time.Duration(mid*(1+backoffJitter)), maxB)
}

func TestBackoffRangeIsTheDocumentedOne(t *testing.T) {
	// The figures of the Options doc, so that the constants cannot drift
	// from it unnoticed.
	tests := []struct {
		minB, maxB time.Duration
		i          int
		lo, hi     time.Duration
	}{
		{DefaultMinBackoff, DefaultMaxBackoff, 0, 250 * time.Millisecond, 750 * time.Millisecond},
		{100 * time.Millisecond, time.Second, 1, 100 * time.Millisecond, 300 * time.Millisecond},
		{100 * time.Millisecond, time.Second, 2, 200 * time.Millisecond, 600 * time.Millisecond},
		{100 * time.Millisecond, time.Second, 5, 500 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		if lo, hi := backoffRange(tt.minB, tt.maxB, tt.i); lo != tt.lo || hi != tt.hi {
			t.Errorf("range of wait %d from %s to %s = [%s, %s], want [%s, %s]", tt.i, tt.minB, tt.maxB, lo, hi, tt.lo, tt.hi)
		}
	}
}

func TestBackoffWaitsStayInTheirRanges(t *testing.T) {
	const samples, retries = 1000, 8
	tests := []struct {
		name       string
		minB, maxB time.Duration
	}{
		{"defaults", 0, 0},
		{"short", 100 * time.Millisecond, time.Second},
		{"capped at once", 200 * time.Millisecond, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, "http://127.0.0.1", Options{MinBackoff: tt.minB, MaxBackoff: tt.maxB})
			lowest := make([]time.Duration, retries)
			highest := make([]time.Duration, retries)
			for range samples {
				next := c.newBackoff()
				for i := range retries {
					w := next()
					lo, hi := backoffRange(c.minBackoff, c.maxBackoff, i)
					if w < lo || w > hi {
						t.Fatalf("wait %d = %s, want within [%s, %s]", i, w, lo, hi)
					}
					if lowest[i] == 0 || w < lowest[i] {
						lowest[i] = w
					}
					highest[i] = max(highest[i], w)
				}
			}
			// The waits are jittered over the whole range: over a thousand
			// draws, some fall in its bottom tenth and some in its top one.
			for i := range retries {
				lo, hi := backoffRange(c.minBackoff, c.maxBackoff, i)
				tenth := (hi - lo) / 10
				if lowest[i] > lo+tenth || highest[i] < hi-tenth {
					t.Errorf("waits %d spread over [%s, %s], want over [%s, %s]", i, lowest[i], highest[i], lo, hi)
				}
			}
		})
	}
}

func TestBackoffIsCapped(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	clock := newFakeClock()
	c := newClient(t, srv.URL, Options{MaxRetries: 8, MinBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond, clock: clock})
	_, err := c.Get(context.Background(), "/x", nil)
	wantKind(t, err, sdk.KindTransient)
	waits := clock.Waits()
	if len(waits) != 8 {
		t.Fatalf("%d waits, want 8", len(waits))
	}
	for i, w := range waits {
		if lo, hi := backoffRange(100*time.Millisecond, 300*time.Millisecond, i); w < lo || w > hi {
			t.Errorf("wait %d = %s, want within [%s, %s] (never above MaxBackoff)", i, w, lo, hi)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	clock := newFakeClock()
	tests := []struct {
		name    string
		status  int
		headers http.Header
		want    time.Duration
	}{
		{"integer seconds", http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"float seconds", http.StatusTooManyRequests, http.Header{"Retry-After": {"2.0"}}, 2 * time.Second},
		{"fractional seconds", http.StatusTooManyRequests, http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond},
		{"http date", http.StatusTooManyRequests, http.Header{"Retry-After": {clock.Now().Add(30 * time.Second).Format(http.TimeFormat)}}, 30 * time.Second},
		{"reset header", http.StatusTooManyRequests, http.Header{"Ratelimit-Reset": {"4"}, "Ratelimit-Remaining": {"0"}}, 4 * time.Second},
		{"503 with retry-after", http.StatusServiceUnavailable, http.Header{"Retry-After": {"3"}}, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, calls := failFirst(1, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.headers {
					w.Header()[k] = v
				}
				writeJSON(w, tt.status, `{"message":"slow down"}`)
			})
			srv := serve(t, h)
			clock := newFakeClock()
			c := newClient(t, srv.URL, Options{
				clock:      clock,
				RateLimits: RateLimits{Headers: RateHeaders{Remaining: "ratelimit-remaining", Reset: "ratelimit-reset"}},
			})
			if _, err := c.Get(context.Background(), "/x", nil); err != nil {
				t.Fatal(err)
			}
			if waits := clock.Waits(); len(waits) != 1 || waits[0] != tt.want || calls.Load() != 2 {
				t.Errorf("waits %v over %d requests, want [%s] over 2", waits, calls.Load(), tt.want)
			}
		})
	}
}

func TestRateLimitedAfterRetries(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		writeJSON(w, http.StatusTooManyRequests, `{"message":"You have reached your ten_secondly_rolling limit."}`)
	})
	clock := newFakeClock()
	c := newClient(t, srv.URL, Options{MaxRetries: 2, clock: clock})
	_, err := c.Get(context.Background(), "/x", nil)
	wantKind(t, err, sdk.KindRateLimited)
	if sdk.RetryAfterOf(err) != 2*time.Second || !strings.Contains(err.Error(), "ten_secondly_rolling") {
		t.Errorf("error %q asks to wait %s, want 2s and the vendor's message", err, sdk.RetryAfterOf(err))
	}
	if got := clock.Waits(); len(got) != 2 {
		t.Errorf("waits %v, want two", got)
	}
}

func TestRetryAfterAboveMaxWaitIsReturned(t *testing.T) {
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "600")
		writeJSON(w, http.StatusTooManyRequests, `{}`)
	})
	clock := newFakeClock()
	c := newClient(t, srv.URL, Options{MaxWait: time.Minute, clock: clock})
	_, err := c.Get(context.Background(), "/x", nil)
	wantKind(t, err, sdk.KindRateLimited)
	if sdk.RetryAfterOf(err) != 10*time.Minute || calls.Load() != 1 || len(clock.Waits()) != 0 {
		t.Errorf("after %s, %d requests, waits %v; want 10m, 1 request, no wait", sdk.RetryAfterOf(err), calls.Load(), clock.Waits())
	}
}

func TestOnlyRepeatableRequestsAreRetried(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want int32
	}{
		{"GET", Request{}, 2},
		{"PUT", Request{Method: http.MethodPut}, 2},
		{"DELETE", Request{Method: http.MethodDelete}, 2},
		{"HEAD", Request{Method: http.MethodHead}, 2},
		{"POST", Request{Method: http.MethodPost, Body: []byte(`{}`)}, 1},
		{"PATCH", Request{Method: http.MethodPatch, Body: []byte(`{}`)}, 1},
		{"POST idempotent", Request{Method: http.MethodPost, Idempotent: true}, 2},
		{"PATCH idempotent", Request{Method: http.MethodPatch, Idempotent: true}, 2},
		{"POST with idempotency key", Request{Method: http.MethodPost, Header: http.Header{"Idempotency-Key": {"k1"}}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(http.StatusBadGateway)
			})
			c := newClient(t, srv.URL, Options{MaxRetries: 1, clock: newFakeClock()})
			req := tt.req
			req.Path = "/x"
			_, err := c.Do(context.Background(), &req)
			wantKind(t, err, sdk.KindTransient)
			if calls.Load() != tt.want {
				t.Errorf("%d requests, want %d", calls.Load(), tt.want)
			}
		})
	}
	t.Run("POST refused with 429", func(t *testing.T) {
		var calls atomic.Int32
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		})
		_, err := newClient(t, srv.URL, Options{clock: newFakeClock()}).Post(context.Background(), "/x", map[string]int{"a": 1})
		if err != nil || calls.Load() != 2 {
			t.Errorf("%d requests, %v; want 2 requests (a 429 did nothing, so it is retried) and success", calls.Load(), err)
		}
	})
	t.Run("Client.Post", func(t *testing.T) {
		var calls atomic.Int32
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.WriteHeader(http.StatusBadGateway)
		})
		_, err := newClient(t, srv.URL, Options{clock: newFakeClock()}).Post(context.Background(), "/x", map[string]int{"a": 1})
		wantKind(t, err, sdk.KindTransient)
		if calls.Load() != 1 {
			t.Errorf("%d requests, want 1", calls.Load())
		}
	})
}

func TestBrokenBodiesAreTransient(t *testing.T) {
	tests := []struct {
		name   string
		broken http.HandlerFunc
	}{
		{"body shorter than content-length", func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"results\":[")
			_ = buf.Flush()
		}},
		{"chunked body cut off", func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n")
			_ = buf.Flush()
		}},
		{"invalid json", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, `{"results":[{"id":"1"},`)
		}},
		{"invalid json with a +json type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.api+json; charset=utf-8")
			_, _ = w.Write([]byte(`{"data":`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" then retried", func(t *testing.T) {
			h, calls := failFirst(1, tt.broken)
			srv := serve(t, h)
			resp, err := newClient(t, srv.URL, Options{clock: newFakeClock()}).Get(context.Background(), "/x", nil)
			if err != nil || !resp.Get("ok").Bool() || calls.Load() != 2 {
				t.Errorf("got %v after %d requests, want the second answer", err, calls.Load())
			}
		})
		t.Run(tt.name+" without retries", func(t *testing.T) {
			srv := serve(t, tt.broken)
			_, err := newClient(t, srv.URL, Options{MaxRetries: -1}).Get(context.Background(), "/x", nil)
			wantKind(t, err, sdk.KindTransient)
			asError(t, err)
		})
	}
}

func TestPlainTextSuccessIsNotCheckedAsJSON(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write([]byte("a,b\n1,2\n"))
	})
	resp, err := newClient(t, srv.URL, Options{MaxRetries: -1}).Get(context.Background(), "/export.csv", nil)
	if err != nil || string(resp.Body) != "a,b\n1,2\n" {
		t.Errorf("got %v, %v", resp, err)
	}
}

func TestBodyTooLargeIsConfigError(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"pad":"`+strings.Repeat("x", 200)+`"}`)
	})
	_, err := newClient(t, srv.URL, Options{MaxBodyBytes: 100}).Get(context.Background(), "/x", nil)
	wantKind(t, err, sdk.KindConfig)
}

// A connection refused on loopback (a sandbox or local proxy that is not
// running) is transient but not retried with backoff, and says what to
// start (a refusal elsewhere is retried: see TestRefusedOnLoopbackOnlyThere).
func TestConnectionRefusedOnLoopbackFailsFast(t *testing.T) {
	srv := serve(t, func(http.ResponseWriter, *http.Request) {})
	srv.Close()
	var counter Counter
	c := newClient(t, srv.URL, Options{MaxRetries: 1, Counter: &counter, clock: newFakeClock()})
	_, err := c.Get(context.Background(), "/x", nil)
	wantKind(t, err, sdk.KindTransient)
	if e := asError(t, err); e.Status != 0 || e.Err == nil || !strings.Contains(e.Error(), "make sandboxes") {
		t.Errorf("error %+v, want no status, a cause and the hint", e)
	}
	if st := counter.Statuses(); st[0] != 1 || counter.Retries() != 0 {
		t.Errorf("statuses %v, retries %d; want {0:1}, 0", st, counter.Retries())
	}
}

func TestAttemptTimeoutIsTransient(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	c := newClient(t, srv.URL, Options{Timeout: 50 * time.Millisecond, MaxRetries: -1})
	_, err := c.Get(context.Background(), "/slow", nil)
	wantKind(t, err, sdk.KindTransient)
	if errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "the vendor did not answer within 50ms") {
		t.Errorf("error %q: want a timeout of the attempt, not of the caller's context", err)
	}
}

func TestCancelEndsWaitsAtOnce(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		handler http.HandlerFunc
	}{
		{"retry backoff", Options{}, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }},
		{"retry-after", Options{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
		}},
		{"rate limit", Options{RateLimits: RateLimits{Static: map[string]Limit{"": {Requests: 1, Interval: time.Minute}}}},
			func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, `{}`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, tt.handler)
			clock := newStuckClock()
			opts := tt.opts
			opts.clock = clock
			c := newClient(t, srv.URL, opts)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := c.Get(ctx, "/x", nil)
				if err == nil { // the rate-limit case: the second call waits
					_, err = c.Get(ctx, "/x", nil)
				}
				done <- err
			}()
			select {
			case <-clock.waiting:
			case err := <-done:
				t.Fatalf("returned %v before waiting", err)
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) || sdk.KindOf(err) != sdk.KindUnknown {
					t.Errorf("error %v (kind %s), want context.Canceled without a kind", err, sdk.KindOf(err))
				}
				var kinded *sdk.Error
				if errors.As(err, &kinded) {
					t.Errorf("error %v is wrapped in a kind", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Do did not return after its context was cancelled")
			}
		})
	}
}

func TestCancelDuringRequest(t *testing.T) {
	arrived := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	c := newClient(t, srv.URL, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := c.Get(ctx, "/x", nil)
	if !errors.Is(err, context.Canceled) || sdk.KindOf(err) != sdk.KindUnknown {
		t.Errorf("error %v, want context.Canceled without a kind", err)
	}
}

func TestCounterFigures(t *testing.T) {
	var flaky atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/b":
			writeJSON(w, http.StatusBadRequest, `{}`)
		case r.URL.Path == "/c" && flaky.Add(1) == 1:
			writeJSON(w, http.StatusServiceUnavailable, `{}`)
		default:
			writeJSON(w, http.StatusOK, `{}`)
		}
	})
	var counter Counter
	c := newClient(t, srv.URL, Options{Counter: &counter, clock: newFakeClock()})
	ctx := context.Background()
	_, _ = c.Get(ctx, "/a?x=1", nil)
	_, _ = c.Get(ctx, "/a", nil)
	_, _ = c.Post(ctx, "/b", nil)
	_, _ = c.Get(ctx, "/c", nil)

	if got := counter.Total(); got != 5 {
		t.Errorf("Total = %d, want 5", got)
	}
	for _, tt := range []struct {
		method, path string
		want         int
	}{{"GET", "/a", 2}, {"POST", "/b", 1}, {"GET", "/c", 2}, {"GET", "/b", 0}} {
		if got := counter.Count(tt.method, tt.path); got != tt.want {
			t.Errorf("Count(%s, %s) = %d, want %d", tt.method, tt.path, got, tt.want)
		}
	}
	st := counter.Statuses()
	if len(st) != 3 || st[200] != 3 || st[400] != 1 || st[503] != 1 {
		t.Errorf("Statuses = %v, want 200:3 400:1 503:1", st)
	}
	if got := counter.Retries(); got != 1 {
		t.Errorf("Retries = %d, want 1", got)
	}
}

func TestLogShowsNoSecrets(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, `{"message":"body-secret"}`)
	})
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv.URL, Options{Auth: Bearer("token-secret"), Logger: logger})
	_, _ = c.Do(context.Background(), &Request{Method: http.MethodPut, Path: "/users/7?api_key=query-secret", Body: []byte(`"sent-secret"`)})
	line := buf.String()
	for _, want := range []string{"method=PUT", "path=/users/7", "status=400", "attempt=1", "kind=bad_record"} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q lacks %q", line, want)
		}
	}
	for _, secret := range []string{"token-secret", "query-secret", "body-secret", "sent-secret"} {
		if strings.Contains(line, secret) {
			t.Errorf("log %q shows %q", line, secret)
		}
	}
}
