package shopify

import "github.com/cxhub/cxhub/sdk"

// Version is the connector's own version.
const Version = "0.3.0" // 0.3.0: api_version 2026-10 by default, quarterly versions only, Check fails on a version Shopify no longer serves; tracking_info wins over tracking_number…; 0.2.0: delete webhooks

// The streams.
const (
	StreamCustomers    = "customers"
	StreamOrders       = "orders"
	StreamFulfillments = "fulfillments"
)

// Spec describes the connector and its three streams.
func (c *Connector) Spec() sdk.Spec {
	incremental := sdk.Capabilities{Read: true, IncrementalRead: true, Write: true, Webhook: true}
	return sdk.Spec{
		Name:         "shopify",
		Version:      Version,
		Kind:         sdk.SupplyChain,
		Description:  "Shopify Admin REST: customers, orders and their fulfillments, read incrementally by updated_at; customers found and created or updated, fulfillment tracking updated.",
		ConfigSchema: sdk.ConfigSchemaOf[config](),
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
					// Marketing consent, per channel: subscribed, not_subscribed,
					// pending, unsubscribed, redacted or invalid (null when
					// never set). The customer index puts consent* fields in
					// the profile's consent, with this record as their source.
					"consent_email": "email_marketing_consent.state", "consent_sms": "sms_marketing_consent.state",
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
