package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// shopZone is the shop's time zone: Shopify writes times in it, with their
// offset ("2026-05-01T10:00:00-04:00").
var shopZone = time.FixedZone("EDT", -4*60*60)

// TimeFormat is how Shopify writes times.
const TimeFormat = "2006-01-02T15:04:05-07:00"

func formatTime(t time.Time) string { return t.In(shopZone).Format(TimeFormat) }

func formatOptionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

// Customer is a Shopify customer as the sandbox holds it.
type Customer struct {
	ID            int64
	Email         string
	FirstName     string
	LastName      string
	Phone         string // as stored: seeded ones come in mixed formats
	Tags          []string
	Note          string
	VerifiedEmail bool
	City, Country string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// PersonIndex is the customer's index in kit.People, or -1.
	PersonIndex int
}

// LineItem is one line of an order.
type LineItem struct {
	ID       int64
	SKU      string
	Title    string
	Quantity int
	Price    int64 // cents
}

// Fulfillment is a shipment of an order.
type Fulfillment struct {
	ID              int64
	OrderID         int64
	Status          string // pending, open, success, cancelled, error, failure
	ShipmentStatus  string // "" (none yet), label_printed, confirmed, in_transit, out_for_delivery, attempted_delivery, delivered, failure
	TrackingCompany string
	TrackingNumber  string
	TrackingURL     string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Order is a Shopify order as the sandbox holds it.
type Order struct {
	ID                int64
	Number            int
	Email             string
	CustomerID        int64
	Currency          string
	LineItems         []LineItem
	FinancialStatus   string // pending, authorized, paid, partially_refunded, refunded, voided
	FulfillmentStatus string // "" (null), partial, fulfilled
	Fulfillments      []*Fulfillment
	Tags              []string
	Note              string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	ClosedAt          time.Time
	CancelledAt       time.Time
}

// Total is the order's total, in cents.
func (o *Order) Total() int64 {
	var t int64
	for _, li := range o.LineItems {
		t += li.Price * int64(li.Quantity)
	}
	return t
}

func (c Customer) clone() Customer { c.Tags = slices.Clone(c.Tags); return c }

// clone copies an order deeply.
func (o *Order) clone() Order {
	c := *o
	c.LineItems = slices.Clone(o.LineItems)
	c.Tags = slices.Clone(o.Tags)
	c.Fulfillments = make([]*Fulfillment, len(o.Fulfillments))
	for i, f := range o.Fulfillments {
		cp := *f
		c.Fulfillments[i] = &cp
	}
	return c
}

func money(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// customerJSON is a customer in Shopify's shape.
func (c Customer) render() map[string]any {
	addr := map[string]any{
		"id": c.ID + 1000000, "customer_id": c.ID, "first_name": c.FirstName, "last_name": c.LastName,
		"company": nil, "address1": "1 Main Street", "address2": nil, "city": c.City, "province": nil,
		"country": countryName(c.Country), "zip": "10001", "phone": nullString(c.Phone),
		"name": strings.TrimSpace(c.FirstName + " " + c.LastName), "province_code": nil,
		"country_code": c.Country, "country_name": countryName(c.Country), "default": true,
	}
	var addresses []any
	var defaultAddress any
	if c.City != "" {
		addresses, defaultAddress = []any{addr}, addr
	} else {
		addresses = []any{}
	}
	return map[string]any{
		"id": c.ID, "email": nullString(c.Email), "created_at": formatTime(c.CreatedAt), "updated_at": formatTime(c.UpdatedAt),
		"first_name": nullString(c.FirstName), "last_name": nullString(c.LastName), "orders_count": 0,
		"state": "enabled", "total_spent": "0.00", "last_order_id": nil, "note": nullString(c.Note),
		"verified_email": c.VerifiedEmail, "multipass_identifier": nil, "tax_exempt": false,
		"tags": strings.Join(c.Tags, ", "), "last_order_name": nil, "currency": "USD",
		"phone": nullString(c.Phone), "addresses": addresses, "tax_exemptions": []any{},
		"email_marketing_consent": map[string]any{"state": "not_subscribed", "opt_in_level": "single_opt_in", "consent_updated_at": nil},
		"sms_marketing_consent":   nil,
		"admin_graphql_api_id":    fmt.Sprintf("gid://shopify/Customer/%d", c.ID),
		"default_address":         defaultAddress,
	}
}

// customerSummary is the customer object nested in an order.
func (c Customer) summary() map[string]any {
	m := c.render()
	delete(m, "addresses")
	return m
}

// render gives the fulfillment in Shopify's shape; name is the order's
// name, index the fulfillment's place in it (from 1).
func (f *Fulfillment) render(o *Order, index int) map[string]any {
	items := make([]any, len(o.LineItems))
	for i, li := range o.LineItems {
		items[i] = li.render("fulfilled")
	}
	var numbers, urls []string
	if f.TrackingNumber != "" {
		numbers = []string{f.TrackingNumber}
	}
	if f.TrackingURL != "" {
		urls = []string{f.TrackingURL}
	}
	return map[string]any{
		"id": f.ID, "order_id": f.OrderID, "status": f.Status, "created_at": formatTime(f.CreatedAt),
		"updated_at": formatTime(f.UpdatedAt), "service": "manual", "shipment_status": nullString(f.ShipmentStatus),
		"location_id": 905684977, "origin_address": nil, "tracking_company": nullString(f.TrackingCompany),
		"tracking_number": nullString(f.TrackingNumber), "tracking_numbers": orEmpty(numbers),
		"tracking_url": nullString(f.TrackingURL), "tracking_urls": orEmpty(urls), "receipt": map[string]any{},
		"name": fmt.Sprintf("#%d.%d", o.Number, index), "line_items": items,
		"admin_graphql_api_id": fmt.Sprintf("gid://shopify/Fulfillment/%d", f.ID),
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (li LineItem) render(fulfillment string) map[string]any {
	return map[string]any{
		"id": li.ID, "variant_id": li.ID + 7000, "product_id": li.ID + 9000, "title": li.Title, "name": li.Title,
		"sku": li.SKU, "quantity": li.Quantity, "price": money(li.Price), "fulfillable_quantity": 0,
		"fulfillment_status": nullString(fulfillment), "requires_shipping": true, "taxable": true,
		"gift_card": false, "vendor": "Sandbox Goods", "total_discount": "0.00",
		"admin_graphql_api_id": fmt.Sprintf("gid://shopify/LineItem/%d", li.ID),
	}
}

// render gives the order in Shopify's shape, with its customer.
func (o *Order) render(c *Customer) map[string]any {
	fulfillments := make([]any, len(o.Fulfillments))
	for i, f := range o.Fulfillments {
		fulfillments[i] = f.render(o, i+1)
	}
	items := make([]any, len(o.LineItems))
	for i, li := range o.LineItems {
		items[i] = li.render(o.FulfillmentStatus)
	}
	total := o.Total()
	tax := total * 8 / 108
	m := map[string]any{
		"id": o.ID, "admin_graphql_api_id": fmt.Sprintf("gid://shopify/Order/%d", o.ID),
		"name": fmt.Sprintf("#%d", o.Number), "number": o.Number - 1000, "order_number": o.Number,
		"email": nullString(o.Email), "contact_email": nullString(o.Email), "phone": nil,
		"created_at": formatTime(o.CreatedAt), "updated_at": formatTime(o.UpdatedAt), "processed_at": formatTime(o.CreatedAt),
		"closed_at": formatOptionalTime(o.ClosedAt), "cancelled_at": formatOptionalTime(o.CancelledAt), "cancel_reason": nil,
		"currency": o.Currency, "presentment_currency": o.Currency, "total_price": money(total),
		"subtotal_price": money(total - tax), "total_tax": money(tax), "total_discounts": "0.00",
		"total_line_items_price": money(total), "taxes_included": true,
		"financial_status": o.FinancialStatus, "fulfillment_status": nullString(o.FulfillmentStatus),
		"confirmed": true, "test": false, "tags": strings.Join(o.Tags, ", "), "note": nullString(o.Note),
		"source_name": "web", "line_items": items, "fulfillments": fulfillments, "refunds": []any{},
		"customer": nil,
	}
	if c != nil {
		m["customer"] = c.summary()
		m["shipping_address"] = map[string]any{
			"first_name": c.FirstName, "last_name": c.LastName, "address1": "1 Main Street", "city": c.City,
			"zip": "10001", "country_code": c.Country, "country": countryName(c.Country), "phone": nullString(c.Phone),
			"name": strings.TrimSpace(c.FirstName + " " + c.LastName),
		}
	}
	return m
}

func countryName(code string) string {
	switch code {
	case "GB":
		return "United Kingdom"
	case "FR":
		return "France"
	case "DE":
		return "Germany"
	case "US":
		return "United States"
	case "CA":
		return "Canada"
	case "ES":
		return "Spain"
	case "NL":
		return "Netherlands"
	case "AU":
		return "Australia"
	}
	return code
}
