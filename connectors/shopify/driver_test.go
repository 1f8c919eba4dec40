package shopify

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// driver is the conformance suite's driver, built on the sandbox's Go
// methods.
type driver struct {
	sb *sandbox.Sandbox
	sdktest.KitFaults
}

var (
	_ sdktest.SourceDriver      = driver{}
	_ sdktest.DestinationDriver = driver{}
	_ sdktest.BadRecorder       = driver{}
	_ sdktest.Faulter           = driver{}
)

// Seed reseeds the sandbox: n customers, or n orders (of 5 customers) and
// their fulfillments, and returns the keys a full read returns.
func (d driver) Seed(_ context.Context, stream string, n int) ([]string, error) {
	switch stream {
	case StreamCustomers:
		if err := d.sb.Reset(n, 0); err != nil {
			return nil, err
		}
		var keys []string
		for _, c := range d.sb.Customers() {
			keys = append(keys, strconv.FormatInt(c.ID, 10))
		}
		return keys, nil
	case StreamOrders, StreamFulfillments:
		if err := d.sb.Reset(5, n); err != nil {
			return nil, err
		}
		var keys []string
		for _, o := range d.sb.Orders() {
			if stream == StreamOrders {
				keys = append(keys, strconv.FormatInt(o.ID, 10))
			}
			for _, f := range o.Fulfillments {
				if stream == StreamFulfillments {
					keys = append(keys, strconv.FormatInt(f.ID, 10))
				}
			}
		}
		return keys, nil
	}
	return nil, fmt.Errorf("no stream %q", stream)
}

// Change edits the records with keys (a note, a tag, a delivery) and adds
// add new ones (orders shipped at once, for fulfillments).
func (d driver) Change(_ context.Context, stream string, keys []string, add int) ([]string, error) {
	ids := make([]int64, len(keys))
	for i, k := range keys {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("key %q is not a shopify id", k)
		}
		ids[i] = id
	}
	out := append([]string{}, keys...)
	switch stream {
	case StreamCustomers:
		if err := d.sb.TouchCustomers(ids...); err != nil {
			return nil, err
		}
		for _, c := range d.sb.AddCustomers(add) {
			out = append(out, strconv.FormatInt(c.ID, 10))
		}
	case StreamOrders, StreamFulfillments:
		ship := ""
		if stream == StreamOrders {
			if err := d.sb.TouchOrders(ids...); err != nil {
				return nil, err
			}
		} else {
			ship = "in_transit"
			for _, id := range ids {
				if err := d.sb.SetShipmentStatus(id, "delivered"); err != nil {
					return nil, err
				}
			}
		}
		added, err := d.sb.AddOrders(add, ship)
		if err != nil {
			return nil, err
		}
		for _, o := range added {
			if stream == StreamOrders {
				out = append(out, strconv.FormatInt(o.ID, 10))
			}
			for _, f := range o.Fulfillments {
				if stream == StreamFulfillments {
					out = append(out, strconv.FormatInt(f.ID, 10))
				}
			}
		}
	default:
		return nil, fmt.Errorf("no stream %q", stream)
	}
	return out, nil
}

// Records makes records to write: customers keyed by email; tracking
// updates of the first n fulfillments (orders are shipped first if there
// are fewer). salt changes the name and the tracking number.
func (d driver) Records(stream string, n int, salt int) []sdk.Record {
	out := make([]sdk.Record, n)
	switch stream {
	case StreamCustomers:
		for i := range out {
			out[i] = record("contacts", fmt.Sprintf("cust-%d", i), fmt.Sprintf(
				`{"email":"conf.customer.%d@example.org","first_name":"Salt%d","last_name":"Number %d","tags":["conformance"]}`, i, salt, i))
		}
	case StreamFulfillments:
		fs := d.sb.Fulfillments()
		if len(fs) < n {
			if _, err := d.sb.AddOrders(n-len(fs), "in_transit"); err != nil {
				return nil
			}
			fs = d.sb.Fulfillments()
		}
		for i := range out {
			out[i] = record("shipments", fmt.Sprintf("ship-%d", i), fmt.Sprintf(
				`{"id":%d,"tracking_info":{"number":"CONF%d-%d","company":"UPS","url":"https://www.ups.com/track?tracknum=CONF%d-%d"}}`,
				fs[i].ID, i, salt, i, salt))
		}
	default:
		return nil
	}
	return out
}

// Count counts, per record, the customers with its email, or whether its
// fulfillment carries its tracking number.
func (d driver) Count(_ context.Context, stream string, records []sdk.Record) ([]int, error) {
	out := make([]int, len(records))
	for i, r := range records {
		switch stream {
		case StreamCustomers:
			out[i] = len(d.sb.CustomersByEmail(gjson.GetBytes(r.Data, "email").String()))
		case StreamFulfillments:
			f, ok := d.sb.Fulfillment(gjson.GetBytes(r.Data, "id").Int())
			if ok && f.TrackingNumber == gjson.GetBytes(r.Data, "tracking_info.number").String() {
				out[i] = 1
			}
		}
	}
	return out, nil
}

// BadRecord is a record Shopify refuses: a customer whose email is not
// one, a tracking update of a fulfillment that does not exist.
func (d driver) BadRecord(stream string) (sdk.Record, bool) {
	switch stream {
	case StreamCustomers:
		return record("contacts", "bad-customer", `{"email":"not-an-email","first_name":"Bad"}`), true
	case StreamFulfillments:
		return record("shipments", "bad-shipment", `{"id":999,"tracking_number":"NOPE"}`), true
	}
	return sdk.Record{}, false
}
