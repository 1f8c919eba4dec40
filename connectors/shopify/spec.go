package shopify

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.1.0"

// The streams.
const (
	StreamCustomers    = "customers"
	StreamOrders       = "orders"
	StreamFulfillments = "fulfillments"
)

// configSchema is the JSON Schema of a connection's config.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "shopify connector",
  "type": "object",
  "additionalProperties": false,
  "required": ["access_token"],
  "anyOf": [{"required": ["shop"]}, {"required": ["base_url"]}],
  "properties": {
    "shop": {
      "type": "string",
      "pattern": "^[A-Za-z0-9][A-Za-z0-9-]*(\\.myshopify\\.com)?$",
      "description": "The shop: acme or acme.myshopify.com. Give this or base_url."
    },
    "base_url": {
      "type": "string",
      "pattern": "^https?://",
      "description": "The shop's URL instead of a shop name (a sandbox's http://127.0.0.1:8113); /admin/api/{api_version} is added. Plain http is accepted for loopback hosts only."
    },
    "api_version": {
      "type": "string",
      "pattern": "^([0-9]{4}-[0-9]{2}|unstable)$",
      "default": "2025-01",
      "description": "The Admin API version, YYYY-MM."
    },
    "access_token": {
      "type": "string",
      "minLength": 1,
      "secret": true,
      "description": "The Admin API access token of a custom app (shpat_...), sent as X-Shopify-Access-Token."
    },
    "webhook_secret": {
      "type": "string",
      "secret": true,
      "description": "The app's client secret, which signs webhook deliveries; needed to receive webhooks."
    },
    "page_size": {
      "type": "integer",
      "minimum": 1,
      "maximum": 250,
      "default": 250,
      "description": "Items per page of the lists (limit)."
    },
    "bucket_size": {
      "type": "integer",
      "minimum": 1,
      "default": 40,
      "description": "The size of the shop's leaky bucket of requests: 40, or 400 on Shopify Plus. The X-Shopify-Shop-Api-Call-Limit header corrects it."
    },
    "leak_rate": {
      "type": "number",
      "exclusiveMinimum": 0,
      "default": 2,
      "description": "Requests the bucket drains per second: 2, or 20 on Shopify Plus."
    },
    "late_after": {
      "type": "string",
      "default": "168h",
      "description": "A shipment not delivered this long (a Go duration) after it was shipped is late: its fulfillments record says late: true."
    }
  }
}`

// Spec describes the connector and its three streams.
func (c *Connector) Spec() sdk.Spec {
	incremental := sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Webhook: true}
	return sdk.Spec{
		Name:         "shopify",
		Version:      Version,
		Kind:         sdk.SupplyChain,
		Description:  "Shopify Admin REST: customers, orders and their fulfillments, read incrementally by updated_at; customers found and created or updated, fulfillment tracking updated.",
		ConfigSchema: configSchema,
		Streams: []sdk.StreamSpec{
			{
				Name:         StreamCustomers,
				Description:  "Customers, by updated_at. Written by finding the customer (its link, else its email) and updating it, or creating it.",
				Canonical:    sdk.CanonicalCustomer,
				PrimaryKey:   []string{"id"},
				CursorField:  "updated_at",
				Capabilities: incremental,
				CanonicalFields: map[string]string{
					"email": "email", "phone": "phone", "first_name": "first_name", "last_name": "last_name",
					"city": "default_address.city", "country": "default_address.country_code", "updated_at": "updated_at",
				},
			},
			{
				Name:            StreamOrders,
				Description:     "Orders of every status, by updated_at, with their line items, customer and fulfillments.",
				Canonical:       sdk.CanonicalInteraction,
				InteractionKind: "order",
				PrimaryKey:      []string{"id"},
				CursorField:     "updated_at",
				Capabilities:    sdk.Capabilities{Read: true, IncrementalRead: true, Webhook: true},
				CanonicalFields: map[string]string{
					"occurred_at": "created_at", "amount": "total_price", "currency": "currency",
					"status": "financial_status", "fulfillment_status": "fulfillment_status", "subject": "name",
					"customer_id": "customer.id", "email": "email", "line_items": "line_items", "updated_at": "updated_at",
				},
			},
			{
				Name: StreamFulfillments,
				Description: "Shipments of the orders changed since the last read, those changed since only, each with its order " +
					"(id, name, email, customer) under order, delivery_status (shipped, in_transit, delivered, failed, cancelled) and late. " +
					"Written: tracking updates of existing fulfillments.",
				Canonical:       sdk.CanonicalInteraction,
				InteractionKind: "fulfilment",
				PrimaryKey:      []string{"id"},
				CursorField:     "updated_at",
				Capabilities:    incremental,
				CanonicalFields: map[string]string{
					"occurred_at": "created_at", "status": "delivery_status", "carrier": "tracking_company",
					"tracking_number": "tracking_number", "tracking_url": "tracking_url", "email": "order.email",
					"customer_id": "order.customer.id", "order_id": "order_id", "updated_at": "updated_at",
				},
			},
		},
	}
}
