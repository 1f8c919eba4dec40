package shopify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/cxhub/cxhub/sdk/webhook"
	"github.com/tidwall/gjson"
)

// Webhook headers Shopify sends.
const (
	hmacHeader      = "X-Shopify-Hmac-Sha256"
	topicHeader     = "X-Shopify-Topic"
	webhookIDHeader = "X-Shopify-Webhook-Id"
)

// HandleWebhook verifies a Shopify webhook delivery and returns the records
// it carries: for orders/create and orders/updated the order (an orders
// record, as a read gives it); for fulfillments/create and
// fulfillments/update the fulfillment with its order's summary fetched
// (a fulfillments record, as a read gives it); for customers/create and
// customers/update the customer; for customers/delete and orders/delete a
// delete of the customer or order (Shopify's reads never show what was
// deleted: its webhook is the only word of it). Other topics give no
// record.
//
// X-Shopify-Hmac-Sha256, base64(HMAC-SHA256(webhook_secret, body)), is
// required: without it, or with another, the delivery is refused with an
// AuthError. Shopify sends a delivery again when it got no 2xx in time: a
// delivery whose X-Shopify-Webhook-Id was handled within the last 5 hours
// gives no records. The id is remembered once the records are returned; a
// delivery whose order could not be fetched returns the error (Transient
// for an outage), so that Shopify sends it again.
func (c *Connector) HandleWebhook(ctx context.Context, req sdk.WebhookRequest) (sdk.WebhookResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	if cfg.WebhookSecret == "" {
		return sdk.WebhookResponse{}, sdk.ConfigError(errNoWebhookSecret)
	}
	sig, err := webhook.HeaderValue(req.Header, hmacHeader)
	if err != nil {
		return sdk.WebhookResponse{}, fmt.Errorf("shopify webhook: %w", err)
	}
	if err := (webhook.Signer{Secret: []byte(cfg.WebhookSecret)}).Verify(sig, req.Body); err != nil {
		return sdk.WebhookResponse{}, fmt.Errorf("shopify webhook: %w", err)
	}
	topic := req.Header.Get(topicHeader)
	body := gjson.ParseBytes(req.Body)
	if !gjson.ValidBytes(req.Body) || !body.IsObject() {
		return sdk.WebhookResponse{}, sdk.BadRecord(fmt.Errorf("shopify webhook %s: the body is not a JSON object", topic))
	}
	records, err := c.topicRecords(ctx, cfg, topic, body)
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	if id := req.Header.Get(webhookIDHeader); id != "" && c.seen.Seen(id, c.opts.Now()) {
		return sdk.WebhookResponse{}, nil
	}
	return sdk.WebhookResponse{Records: records}, nil
}

// topicRecords turns a delivery's body into the records of its topic.
func (c *Connector) topicRecords(ctx context.Context, cfg config, topic string, body gjson.Result) ([]sdk.Record, error) {
	var stream string
	switch topic {
	case "orders/create", "orders/updated":
		stream = StreamOrders
	case "customers/create", "customers/update":
		stream = StreamCustomers
	case "fulfillments/create", "fulfillments/update":
		return c.fulfillmentDelivery(ctx, cfg, topic, body)
	case "customers/delete", "orders/delete":
		return deleteRecord(topic, body)
	default:
		return nil, nil
	}
	recs := objectRecords(stream, []gjson.Result{body}, state{}, &boundary{})
	if recs[0].Key == "" || recs[0].Key == "0" {
		return nil, sdk.BadRecord(fmt.Errorf("shopify webhook %s: the %s has no id", topic, stream))
	}
	return recs, nil
}

// deleteRecord is the delete of the customer or order a customers/delete or
// orders/delete delivery names by its id (the body holds little else).
func deleteRecord(topic string, body gjson.Result) ([]sdk.Record, error) {
	stream := StreamCustomers
	if topic == "orders/delete" {
		stream = StreamOrders
	}
	id := body.Get("id")
	if id.Int() <= 0 {
		return nil, sdk.BadRecord(fmt.Errorf("shopify webhook %s: the body has no id of the deleted %s", topic, stream))
	}
	key := strconv.FormatInt(id.Int(), 10)
	return []sdk.Record{{Stream: stream, Key: key, Op: sdk.Delete, Data: []byte(`{"id":` + key + `}`)}}, nil
}

// fulfillmentDelivery fetches the fulfillment's order, for its customer,
// and returns the fulfillments record.
func (c *Connector) fulfillmentDelivery(ctx context.Context, cfg config, topic string, f gjson.Result) ([]sdk.Record, error) {
	orderID := f.Get("order_id").Int()
	if orderID <= 0 || f.Get("id").Int() <= 0 {
		return nil, sdk.BadRecord(fmt.Errorf("shopify webhook %s: the fulfillment has no id or order_id", topic))
	}
	cl, err := c.client(cfg, false)
	if err != nil {
		return nil, err
	}
	resp, err := cl.Get(ctx, "/orders/"+strconv.FormatInt(orderID, 10)+".json",
		url.Values{"fields": {"id,name,email,updated_at,customer,financial_status,total_price,currency"}})
	if err != nil {
		if httpx.StatusOf(err) == http.StatusNotFound {
			return nil, nil // the order is gone
		}
		return nil, fmt.Errorf("shopify webhook %s: fetch order %d: %w", topic, orderID, err)
	}
	order := resp.Get("order")
	if !order.IsObject() {
		return nil, sdk.Transient(errors.New("shopify webhook " + topic + ": the order's answer has no order object"))
	}
	now := serverTime(resp.Header, c.opts.Now())
	return []sdk.Record{fulfillmentRecord(f, orderSummary(order), now, cfg.lateAfter)}, nil
}
