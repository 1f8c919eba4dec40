package shopify

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// OpenWriter returns a writer of customers (found, then updated or
// created) or of fulfillment tracking updates.
func (c *Connector) OpenWriter(_ context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	cl, err := c.client(cfg, false)
	if err != nil {
		return nil, err
	}
	var one func(context.Context, sdk.Record) (sdk.Result, error)
	switch req.Stream {
	case StreamCustomers:
		one = (&customersWriter{cl: cl}).write
	case StreamFulfillments:
		one = (&trackingWriter{cl: cl}).write
	case StreamOrders:
		return nil, sdk.ConfigError(errors.New("stream orders cannot be written: shopify orders come from the shop"))
	default:
		return nil, sdk.ConfigError(fmt.Errorf("no stream %q to write (shopify writes customers and fulfillments)", req.Stream))
	}
	return &writer{one: one}, nil
}

// writer writes a batch one record at a time, in order: Shopify has no
// batch endpoints for these.
type writer struct {
	one func(context.Context, sdk.Record) (sdk.Result, error)
}

// Write writes each record and returns its result. A record Shopify
// refuses fails alone (BadRecord). A transient or rate-limited failure
// (after the client's retries) fails that record, and the records after it
// with the same kind without being sent, so that the core retries them
// later; refused credentials, a config error or a cancelled context fail
// the batch.
func (w *writer) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	results := make([]sdk.Result, len(req.Records))
	var stop error
	for i, r := range req.Records {
		if stop != nil {
			results[i] = sdk.Failed(kinded(sdk.KindOf(stop), fmt.Errorf("not sent: an earlier record of the batch failed: %w", stop), sdk.RetryAfterOf(stop)))
			continue
		}
		res, err := w.one(ctx, r)
		if err != nil {
			if ctx.Err() != nil {
				return sdk.WriteResponse{}, ctx.Err()
			}
			switch sdk.KindOf(err) {
			case sdk.KindBadRecord:
			case sdk.KindTransient, sdk.KindRateLimited, sdk.KindUnknown:
				stop = err
			default:
				return sdk.WriteResponse{}, err
			}
			res = sdk.Failed(err)
		}
		results[i] = res
	}
	return sdk.WriteResponse{Results: results}, nil
}

// Close releases nothing: the client is the connector's.
func (w *writer) Close(context.Context) error { return nil }

// vendorError is err with Shopify's field errors in one line, keeping the
// kind httpx gave it: {"errors":{"email":["is invalid"]}} reads
// "email is invalid".
func vendorError(r sdk.Record, what string, err error) error {
	var he *httpx.Error
	if errors.As(err, &he) && len(he.Body) > 0 {
		if msg := vendorMessage(he.Body); msg != "" {
			return kinded(sdk.KindOf(err), fmt.Errorf("%s record %s: shopify refused to %s (%d): %s", r.Stream, sdk.RecordName(r), what, he.Status, msg), sdk.RetryAfterOf(err))
		}
	}
	return fmt.Errorf("%s record %s: %s: %w", r.Stream, sdk.RecordName(r), what, err)
}

// vendorMessage flattens Shopify's {"errors": "text" | {field: [msgs]}}.
func vendorMessage(body []byte) string {
	e := gjson.GetBytes(body, "errors")
	if !e.IsObject() {
		return e.String()
	}
	var parts []string
	e.ForEach(func(field, msgs gjson.Result) bool {
		for _, m := range httpx.Strings(msgs) {
			parts = append(parts, field.String()+" "+m)
		}
		return true
	})
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// fieldErrors returns Shopify's messages for one field of a 422.
func fieldErrors(err error, field string) []string {
	var he *httpx.Error
	if !errors.As(err, &he) || he.Status != 422 {
		return nil
	}
	return httpx.Strings(gjson.GetBytes(he.Body, "errors."+field))
}

// kinded wraps err in an sdk error of kind (unknown read as transient).
func kinded(kind sdk.ErrorKind, err error, after time.Duration) error {
	if kind == sdk.KindUnknown {
		kind = sdk.KindTransient
	}
	if kind != sdk.KindRateLimited {
		after = 0
	}
	return &sdk.Error{Kind: kind, RetryAfter: after, Err: err}
}
