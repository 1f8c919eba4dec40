package shopify

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// Canonical delivery statuses of a fulfillments record.
const (
	deliveryShipped   = "shipped"
	deliveryInTransit = "in_transit"
	deliveryDelivered = "delivered"
	deliveryFailed    = "failed"
	deliveryCancelled = "cancelled"
)

// fulfillmentOrderFields are the order fields the fulfillments stream
// reads: the fulfillments and what their records carry of the order.
const fulfillmentOrderFields = "id,name,email,updated_at,customer,financial_status,total_price,currency,fulfillments"

// deliveryStatus maps a fulfillment's status and shipment_status onto the
// canonical shipped / in_transit / delivered / failed / cancelled.
func deliveryStatus(f gjson.Result) string {
	switch f.Get("status").String() {
	case "cancelled":
		return deliveryCancelled
	case "error", "failure":
		return deliveryFailed
	}
	switch f.Get("shipment_status").String() {
	case "delivered":
		return deliveryDelivered
	case "failure":
		return deliveryFailed
	case "in_transit", "out_for_delivery", "attempted_delivery", "confirmed", "ready_for_pickup":
		return deliveryInTransit
	}
	return deliveryShipped
}

// fulfillmentRecords returns the fulfillments of orders changed since prev
// that changed since prev themselves (updated_at at or after prev.Since,
// less those the previous read returned at that time), each with its order
// under "order", its delivery_status, and late: not delivered lateAfter
// after it was shipped, as of now.
func fulfillmentRecords(orders []gjson.Result, prev state, now time.Time, lateAfter time.Duration, b *boundary) []sdk.Record {
	var out []sdk.Record
	for _, o := range orders {
		var order []byte
		for _, f := range o.Get("fulfillments").Array() {
			key := f.Get("id").String()
			updated, _ := time.Parse(time.RFC3339, f.Get("updated_at").String())
			b.note(key, updated)
			if updated.Before(prev.Since) || prev.seenAt(key, updated) {
				continue
			}
			if order == nil {
				order = orderSummary(o)
			}
			out = append(out, fulfillmentRecord(f, order, now, lateAfter))
		}
	}
	return out
}

// orderSummary is what a fulfillments record carries of its order.
func orderSummary(o gjson.Result) []byte {
	c := o.Get("customer")
	summary := map[string]any{
		"id": json.RawMessage(or(o.Get("id").Raw, "null")), "name": o.Get("name").String(),
		"email": o.Get("email").Value(), "updated_at": o.Get("updated_at").String(),
		"financial_status": o.Get("financial_status").Value(), "total_price": o.Get("total_price").Value(),
		"currency": o.Get("currency").Value(), "customer": nil,
	}
	if c.IsObject() {
		summary["customer"] = map[string]any{
			"id": json.RawMessage(or(c.Get("id").Raw, "null")), "email": c.Get("email").Value(),
			"first_name": c.Get("first_name").Value(), "last_name": c.Get("last_name").Value(), "phone": c.Get("phone").Value(),
		}
	}
	b, _ := json.Marshal(summary) // plain values: cannot fail
	return b
}

// fulfillmentRecord is one fulfillment, as Shopify gives it, with order,
// delivery_status and late added.
func fulfillmentRecord(f gjson.Result, order []byte, now time.Time, lateAfter time.Duration) sdk.Record {
	status := deliveryStatus(f)
	shipped, _ := time.Parse(time.RFC3339, f.Get("created_at").String())
	late := (status == deliveryShipped || status == deliveryInTransit) && !shipped.IsZero() && now.Sub(shipped) > lateAfter
	updated, _ := time.Parse(time.RFC3339, f.Get("updated_at").String())
	data := addFields([]byte(f.Raw), field{"order", json.RawMessage(order)}, field{"delivery_status", status}, field{"late", late})
	r := sdk.Record{Stream: StreamFulfillments, Key: f.Get("id").String(), Data: data, UpdatedAt: updated}
	if r.Key == "" {
		r.Problem = "shopify fulfillment without an id"
	}
	return r
}

// field is a name and a value to add to a JSON object.
type field struct {
	name  string
	value any
}

// addFields returns the JSON object obj with fields added at its end, in
// order. obj is not decoded: Shopify's own fields stay as they came.
func addFields(obj []byte, fields ...field) []byte {
	obj = bytes.TrimSuffix(bytes.TrimSpace(obj), []byte("}"))
	var b bytes.Buffer
	b.Write(obj)
	empty := bytes.Equal(bytes.TrimSpace(obj), []byte("{"))
	for _, f := range fields {
		if !empty {
			b.WriteByte(',')
		}
		empty = false
		name, _ := json.Marshal(f.name) // a string: cannot fail
		value, err := json.Marshal(f.value)
		if err != nil {
			value = []byte("null")
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
