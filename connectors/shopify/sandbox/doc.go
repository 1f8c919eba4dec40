// Package sandbox is a Shopify Admin REST API emulator for tests and the
// demo: it serves, on 127.0.0.1, the part of the API
// (/admin/api/{version}/) that the shopify connector uses, with Shopify's
// paths, JSON shapes, headers and status codes, over seeded customers,
// orders and fulfillments.
//
// What it emulates:
//
//   - lists of customers and orders with updated_at_min/max,
//     created_at_min/max, since_id, ids, limit (≤ 250), fields and, for
//     orders, status (open by default, closed, cancelled, any), in id
//     order;
//   - cursor paging by Link header: rel="next" and rel="previous" URLs
//     holding an opaque page_info with limit (and fields, if given); a
//     request with page_info and any other parameter is refused with 400,
//     as Shopify does;
//   - customer search (GET customers/search.json?query=email:...), which
//     can lag behind writes (Options.SearchLag), as Shopify's index does;
//   - customer create (422 "has already been taken" for an email or phone
//     another customer has) and update; single customers, orders and an
//     order's fulfillments; fulfillment tracking updates
//     (POST fulfillments/{id}/update_tracking.json);
//   - X-Shopify-Access-Token authentication;
//   - the leaky bucket: 40 requests draining 2 a second per token
//     (Options.BucketSize, LeakRate for Plus), reported in
//     X-Shopify-Shop-Api-Call-Limit on every answer, and a 429 with a
//     float Retry-After and Shopify's body when it is full;
//   - signed webhook deliveries (X-Shopify-Hmac-Sha256, X-Shopify-Topic,
//     X-Shopify-Webhook-Id) of orders, fulfillments and customers.
//
// Faults (5xx, 429 storms, latency, dropped connections before or after the
// change, truncated bodies) come from the shared kit
// (github.com/cxhub/cxhub/sdk/sandbox). Edits for incremental tests (touch,
// add, shipment status, the clock) are Go methods and admin endpoints under
// /_sandbox/shopify/.
//
// The seeded customers are people from the shared kit.People: two in three
// are the same people as the HubSpot sandbox's contacts (and so, for half of
// those, the Zendesk sandbox's users), with phones written in mixed formats;
// the rest are shoppers only Shopify knows. Orders are theirs, most
// delivered, some in transit, a few late or failed shipments.
//
// It is not a complete Shopify: no products, inventory, fulfillment orders,
// refunds, draft orders or GraphQL, and one shop per sandbox.
package sandbox
