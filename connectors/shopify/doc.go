// Package shopify is the cxhub connector for a Shopify shop's Admin REST
// API: it reads customers, orders and fulfillments incrementally, writes
// customers (found by link or email, then updated or created) and
// fulfillment tracking, and turns Shopify webhook deliveries into records.
// It builds to the plugin binary cxhub-connector-shopify (see
// cmd/cxhub-connector-shopify); package sandbox beside it is a Shopify
// emulator for tests and the demo.
//
// It is not a general Shopify client: products, inventory, fulfillment
// orders, refunds and GraphQL are out of its scope.
//
// # Reading
//
// customers and orders come from GET customers.json and orders.json
// (status=any: the default is open orders only) with updated_at_min from
// the checkpoint, following the Link header's rel="next" URL exactly (with
// page_info, Shopify takes no other parameter than limit and fields).
// fulfillments come from the same orders list: the fulfillments of each
// changed order that changed themselves since the checkpoint, each with a
// summary of its order (order: id, name, email, customer), a canonical
// delivery_status (shipped, in_transit, delivered, failed, cancelled) and
// late (not delivered late_after after it was shipped).
//
// A read ends with one checkpoint, {"updated_at_min": T, "keys": [...]}:
// T is the server's time (the Date header) when the read began, less a
// second, and keys are the ids read whose updated_at is exactly T. The
// next read asks for updated_at_min=T (inclusive) and skips those keys, so
// records that share T are neither missed nor read twice. Shopify does not
// sort these lists by updated_at, so no checkpoint is taken mid-read.
//
// # Writing
//
// customers: Shopify has no upsert. A record with a TargetID updates that
// customer (PUT); otherwise the customer is looked up by email (customer
// search) and updated, or created (POST) when search finds none. A create
// whose answer was lost is followed by a search that finds what it made;
// a 422 "has already been taken" is resolved to the customer that holds
// the email. fulfillments: tracking updates of existing fulfillments
// (update_tracking.json), idempotent by nature.
//
// # Pacing
//
// Every request goes through one sdk/httpx client per shop and token,
// paced by Shopify's leaky bucket (bucket_size, leak_rate: 40 and 2 a
// second, or 400 and 20 on Plus), which it keeps level with from the
// X-Shopify-Shop-Api-Call-Limit header of every answer; a 429's float
// Retry-After is honoured.
//
// # Webhooks
//
// HandleWebhook checks X-Shopify-Hmac-Sha256 against webhook_secret, drops
// deliveries whose X-Shopify-Webhook-Id it has handled, and returns the
// records of orders/create, orders/updated, fulfillments/create,
// fulfillments/update, customers/create and customers/update, and deletes
// for customers/delete and orders/delete.
//
// See README.md for the configuration, the error mapping, the sandbox and
// what could not be confirmed against Shopify.
package shopify
