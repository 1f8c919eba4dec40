package shopify

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// settle is how far before the server's clock a read's checkpoint stays:
// Shopify stamps updated_at to the second, so a change made in the second
// the read began is stamped after the checkpoint, and read next time.
const settle = time.Second

// Read reads each requested stream from its checkpoint: customers and
// orders from their lists, fulfillments from the orders' list. Each read
// asks for everything updated since the checkpoint (updated_at_min, and
// status=any for orders), follows the Link header's rel="next" to the
// end, and ends with one checkpoint: the server's time when the read began
// (less a second), with the keys read at exactly that time. Shopify does
// not sort these lists by updated_at, so there is no checkpoint in the
// middle of a read: a read that fails starts again from the last one.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return err
	}
	cl, err := c.client(cfg, false)
	if err != nil {
		return err
	}
	for _, st := range req.Streams {
		prev, err := decodeState(st.State)
		if err != nil {
			return sdk.ConfigError(fmt.Errorf("read %s: %w", st.Stream, err))
		}
		var next state
		switch st.Stream {
		case StreamCustomers:
			next, err = c.readList(ctx, cl, cfg, "customers", "", prev, out, func(items []gjson.Result, _ time.Time, b *boundary) []sdk.Record {
				return objectRecords(st.Stream, items, prev, b)
			})
		case StreamOrders:
			next, err = c.readList(ctx, cl, cfg, "orders", "", prev, out, func(items []gjson.Result, _ time.Time, b *boundary) []sdk.Record {
				return objectRecords(st.Stream, items, prev, b)
			})
		case StreamFulfillments:
			next, err = c.readList(ctx, cl, cfg, "orders", fulfillmentOrderFields, prev, out, func(items []gjson.Result, now time.Time, b *boundary) []sdk.Record {
				return fulfillmentRecords(items, prev, now, cfg.lateAfter, b)
			})
		default:
			err = sdk.ConfigError(fmt.Errorf("read: no stream %q (shopify has customers, orders and fulfillments)", st.Stream))
		}
		if err != nil {
			return err
		}
		if err := out.Checkpoint(st.Stream, next.encode()); err != nil {
			return err
		}
	}
	return nil
}

// pageRecords turns one page's items into records; now is the server's
// time; b collects the keys at the next checkpoint's time.
type pageRecords func(items []gjson.Result, now time.Time, b *boundary) []sdk.Record

// readList pages through list ("customers", "orders") from prev, asking
// for fields only if it is not empty, and emits what toRecords makes of
// each page. It returns the checkpoint to write
// once every page is emitted.
func (c *Connector) readList(ctx context.Context, cl *httpx.Client, cfg config, list, fields string, prev state, out sdk.Emitter, toRecords pageRecords) (state, error) {
	q := url.Values{"limit": {strconv.Itoa(cfg.PageSize)}}
	if !prev.Since.IsZero() {
		q.Set("updated_at_min", prev.Since.UTC().Format(time.RFC3339))
	}
	if list == "orders" {
		q.Set("status", "any") // the default is open orders only
	}
	if fields != "" {
		q.Set("fields", fields) // kept on later pages: the Link URL carries it
	}
	var b *boundary
	var now time.Time
	first := &httpx.Request{Path: "/" + list + ".json", Query: q}
	for resp, err := range cl.Pages(ctx, first, httpx.LinkHeader("next")) {
		if err != nil {
			return state{}, fmt.Errorf("read shopify %s: %w", list, err)
		}
		if b == nil {
			now = serverTime(resp.Header, c.opts.Now())
			at := now.Add(-settle).Truncate(time.Second)
			if at.Before(prev.Since) {
				at = prev.Since // a clock that went back: never move the checkpoint back
			}
			b = &boundary{at: at}
		}
		items := resp.Get(list)
		if !items.IsArray() {
			return state{}, sdk.Transient(fmt.Errorf("read shopify %s: the answer has no %q array", list, list))
		}
		if recs := toRecords(items.Array(), now, b); len(recs) > 0 {
			if err := out.Emit(recs...); err != nil {
				return state{}, err
			}
		}
	}
	if b == nil {
		return prev, nil
	}
	return b.state(), nil
}

// serverTime is the time a response's Date header says, or the local
// clock's when it has none.
func serverTime(h http.Header, local time.Time) time.Time {
	if t, err := http.ParseTime(h.Get("Date")); err == nil {
		return t
	}
	return local
}

// objectRecords turns customers or orders into records of stream, leaving
// out those the previous read already returned at its boundary.
func objectRecords(stream string, items []gjson.Result, prev state, b *boundary) []sdk.Record {
	out := make([]sdk.Record, 0, len(items))
	for _, it := range items {
		key := it.Get("id").String()
		updated, _ := time.Parse(time.RFC3339, it.Get("updated_at").String())
		b.note(key, updated)
		if prev.seenAt(key, updated) {
			continue
		}
		r := sdk.Record{Stream: stream, Key: key, Data: []byte(it.Raw), UpdatedAt: updated}
		if key == "" {
			r.Problem = "shopify " + stream + " item without an id"
		}
		out = append(out, r)
	}
	return out
}
