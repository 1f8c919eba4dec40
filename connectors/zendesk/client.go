package zendesk

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// bucketIncremental is the rate-limit bucket of the incremental exports.
const bucketIncremental = "incremental"

// client returns the HTTP client of cfg's account and credentials, made on
// first use and kept, so that every call paces against the same limits.
// quick gives a client that retries once only, for Check.
func (c *Connector) client(cfg config, quick bool) (*httpx.Client, error) {
	key := httpx.AccountKey(cfg.apiURL, cfg.Email, cfg.Token, strconv.Itoa(cfg.IncrementalRequestsPerMinute),
		strconv.Itoa(cfg.RequestsPerMinute), cfg.window.String(), strconv.FormatBool(quick))
	return c.clients.Get(key, func() (*httpx.Client, error) { return c.newClient(cfg, quick) })
}

// newClient makes the HTTP client of cfg's account and credentials.
func (c *Connector) newClient(cfg config, quick bool) (*httpx.Client, error) {
	opts := httpx.Options{
		BaseURL:    cfg.apiURL,
		Auth:       httpx.Basic(cfg.Email+"/token", cfg.Token),
		MinBackoff: c.opts.MinBackoff,
		Counter:    c.opts.Counter,
		RateLimits: httpx.RateLimits{Static: map[string]httpx.Limit{
			"":                {Requests: cfg.RequestsPerMinute, Interval: cfg.window},
			bucketIncremental: {Requests: cfg.IncrementalRequestsPerMinute, Interval: cfg.window},
		}},
		MessagePaths: []string{"description", "error.message", "error.title", "error", "message"},
	}
	if quick {
		opts.MaxRetries = 1
	}
	// The quick client (Check) and the others share the account's budget.
	cl, err := c.accounts.Client(httpx.AccountKey(cfg.apiURL, cfg.Email, cfg.Token), opts)
	if err != nil {
		return nil, fmt.Errorf("zendesk client for %s: %w", cfg.account(), err)
	}
	return cl, nil
}

// vendorMessage is Zendesk's error body in one line: the error code, the
// description and the details of each field
// ("RecordInvalid: Record validation errors: email: Email: x is not properly formatted").
func vendorMessage(body []byte) string {
	r := gjson.ParseBytes(body)
	if !r.IsObject() {
		return strings.TrimSpace(string(body))
	}
	var parts []string
	for _, p := range []string{"error", "description"} {
		if v := r.Get(p); v.Type == gjson.String && v.Str != "" {
			parts = append(parts, v.Str)
		} else if v.IsObject() { // {"error": {"title": .., "message": ..}}
			for _, q := range []string{"title", "message"} {
				if s := v.Get(q).String(); s != "" {
					parts = append(parts, s)
				}
			}
		}
	}
	details := r.Get("details")
	if details.IsObject() {
		details.ForEach(func(field, list gjson.Result) bool {
			list.ForEach(func(_, d gjson.Result) bool {
				if s := d.Get("description").String(); s != "" {
					parts = append(parts, field.String()+": "+s)
				}
				return true
			})
			return true
		})
	} else if s := details.String(); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, ": ")
}
