package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// First ids of seeded and created objects: large, like Shopify's.
const (
	firstCustomerID    int64 = 6940000000001
	firstOrderID       int64 = 5620000000001
	firstFulfillmentID int64 = 4650000000001
	firstLineItemID    int64 = 13900000000001
	firstOrderNumber         = 1001
)

// hubspotPeople is how many kit.People the HubSpot sandbox seeds as
// contacts: Shopify customers past them are shoppers only Shopify knows.
const hubspotPeople = 5000

// products are what the sandbox's shop sells.
var products = []struct {
	sku, title string
	cents      int64
}{
	{"TEE-BLK-M", "Organic Tee, Black, M", 2500}, {"TEE-WHT-L", "Organic Tee, White, L", 2500},
	{"HOOD-GRY-M", "Hoodie, Grey, M", 6400}, {"CAP-NVY", "Cap, Navy", 1900},
	{"MUG-12OZ", "Enamel Mug", 1450}, {"BAG-TOTE", "Canvas Tote", 2200},
	{"SOCK-3PK", "Socks, 3 pack", 1599}, {"BTL-750", "Steel Bottle 750ml", 2999},
}

var carriers = []struct{ company, url string }{
	{"UPS", "https://www.ups.com/track?tracknum=%s"}, {"DHL Express", "https://www.dhl.com/track?id=%s"},
	{"USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels=%s"}, {"Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/%s"},
}

var currencyOf = map[string]string{"GB": "GBP", "FR": "EUR", "DE": "EUR", "ES": "EUR", "NL": "EUR", "US": "USD", "CA": "CAD", "AU": "AUD"}

// PhoneVariant writes an E.164 phone as a shop's customers type it: as is,
// with the 00 international prefix, in groups of three, or with dashes.
// The customer 360 must see through all of them.
func PhoneVariant(e164 string, variant int) string {
	digits := strings.TrimPrefix(e164, "+")
	group := func(sep string) string {
		var parts []string
		for len(digits) > 4 {
			parts = append(parts, digits[:3])
			digits = digits[3:]
		}
		return "+" + strings.Join(append(parts, digits), sep)
	}
	switch variant % 4 {
	case 1:
		return "00" + digits
	case 2:
		return group(" ")
	case 3:
		return group("-")
	}
	return e164
}

// personOf is the kit.People index of customer j: two in three are people
// the HubSpot sandbox has as contacts, the rest shoppers past them.
func personOf(j int) int {
	if j%3 == 2 {
		return hubspotPeople + j
	}
	return j
}

// seed fills the store with customers and orders dated before now. The
// caller holds s.mu.
func (s *Sandbox) seed(customers, orders int, now time.Time) {
	rng := rand.New(rand.NewPCG(s.opts.Seed, 0x5b0f1f))
	now = now.Truncate(time.Second)
	s.customers = map[int64]*Customer{}
	s.orders = map[int64]*Order{}
	s.fulfillments = map[int64]int64{}
	s.nextCustomerID, s.nextOrderID = firstCustomerID, firstOrderID
	s.nextFulfillmentID, s.nextLineItemID, s.nextOrderNumber = firstFulfillmentID, firstLineItemID, firstOrderNumber
	people := kit.People(s.opts.Seed, hubspotPeople+customers)
	twoYears := now.AddDate(-2, 0, 0)
	ids := make([]int64, 0, customers)
	for j := range customers {
		p := people[personOf(j)]
		created := randomTime(rng, twoYears, now.Add(-48*time.Hour))
		c := &Customer{
			ID: s.nextCustomerID, Email: p.Email, FirstName: p.FirstName, LastName: p.LastName,
			Phone: PhoneVariant(p.Phone, j), Tags: []string{"seeded"}, VerifiedEmail: true,
			City: p.City, Country: p.Country, CreatedAt: created,
			UpdatedAt: randomTime(rng, created, now.Add(-time.Hour)), PersonIndex: p.Index,
		}
		if j%7 == 0 {
			c.Phone = "" // not every shopper leaves a phone
		}
		s.nextCustomerID++
		s.customers[c.ID] = c
		ids = append(ids, c.ID)
	}
	yearAgo := now.AddDate(-1, 0, 0)
	for i := range orders {
		c := s.customers[ids[rng.IntN(len(ids))]]
		created := randomTime(rng, yearAgo, now.Add(-2*time.Hour))
		o := s.newOrder(rng, c, created)
		closeIt := false
		switch {
		case i%97 == 5: // a few late shipments: in transit for more than a week
			created = now.Add(-LateAfter - time.Duration(1+rng.IntN(72))*time.Hour).Truncate(time.Second)
			o.CreatedAt = created
			s.ship(rng, o, created.Add(6*time.Hour), "in_transit")
		case i%131 == 7: // a few failed deliveries
			s.ship(rng, o, created.Add(6*time.Hour), "failure")
		case now.Sub(created) < 3*24*time.Hour: // recent: in transit or not shipped yet
			if rng.IntN(2) == 0 {
				s.ship(rng, o, created.Add(time.Hour), "in_transit")
			}
		case rng.IntN(40) == 0:
			o.FinancialStatus, o.CancelledAt, o.ClosedAt = "voided", created.Add(time.Hour), created.Add(time.Hour)
		default:
			s.ship(rng, o, created.Add(time.Duration(2+rng.IntN(40))*time.Hour), "delivered")
			closeIt = rng.IntN(3) > 0
		}
		// Nothing is stamped in the future: a delivery that would come
		// later is still in transit.
		settled := now.Add(-time.Hour)
		for _, f := range o.Fulfillments {
			if f.UpdatedAt.After(settled) {
				f.ShipmentStatus, f.UpdatedAt = "in_transit", f.CreatedAt
			}
			o.UpdatedAt = f.UpdatedAt
		}
		o.UpdatedAt = randomTime(rng, o.UpdatedAt, settled)
		if o.UpdatedAt.Before(created) {
			o.UpdatedAt = created
		}
		if closeIt {
			o.ClosedAt = o.UpdatedAt
		}
		s.orders[o.ID] = o
	}
}

// newOrder makes an order of c's, unshipped. The caller holds s.mu.
func (s *Sandbox) newOrder(rng *rand.Rand, c *Customer, at time.Time) *Order {
	o := &Order{ID: s.nextOrderID, Number: s.nextOrderNumber, Email: c.Email, CustomerID: c.ID,
		Currency: or(currencyOf[c.Country], "USD"), FinancialStatus: "paid", CreatedAt: at, UpdatedAt: at}
	if rng.IntN(25) == 0 {
		o.FinancialStatus = "pending"
	}
	s.nextOrderID++
	s.nextOrderNumber++
	for range 1 + rng.IntN(3) {
		p := products[rng.IntN(len(products))]
		o.LineItems = append(o.LineItems, LineItem{ID: s.nextLineItemID, SKU: p.sku, Title: p.title, Quantity: 1 + rng.IntN(2), Price: p.cents})
		s.nextLineItemID++
	}
	return o
}

// ship adds a fulfillment of the whole order, shipped at at, whose
// shipment is now in state status; delivered ones arrive days later. The
// caller holds s.mu.
func (s *Sandbox) ship(rng *rand.Rand, o *Order, at time.Time, status string) {
	carrier := carriers[rng.IntN(len(carriers))]
	number := fmt.Sprintf("1Z%03X%010d", o.Number%4096, s.nextFulfillmentID%10000000000)
	f := &Fulfillment{ID: s.nextFulfillmentID, OrderID: o.ID, Status: "success", ShipmentStatus: status,
		TrackingCompany: carrier.company, TrackingNumber: number, TrackingURL: fmt.Sprintf(carrier.url, number),
		CreatedAt: at, UpdatedAt: at}
	if status == "delivered" || status == "failure" {
		f.UpdatedAt = at.Add(time.Duration(24+rng.IntN(96)) * time.Hour)
	}
	s.nextFulfillmentID++
	o.Fulfillments = append(o.Fulfillments, f)
	s.fulfillments[f.ID] = o.ID
	o.FulfillmentStatus = "fulfilled"
	if f.UpdatedAt.After(o.UpdatedAt) {
		o.UpdatedAt = f.UpdatedAt
	}
}

// randomTime is a time in [from, to], to the second.
func randomTime(rng *rand.Rand, from, to time.Time) time.Time {
	span := int64(to.Sub(from) / time.Second)
	if span <= 0 {
		return from.Truncate(time.Second)
	}
	return from.Add(time.Duration(rng.Int64N(span+1)) * time.Second).Truncate(time.Second)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
