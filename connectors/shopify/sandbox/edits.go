package sandbox

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Customers returns a copy of every customer, by id.
func (s *Sandbox) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Customer, 0, len(s.customers))
	for _, c := range s.customers {
		out = append(out, c.clone())
	}
	slices.SortFunc(out, func(a, b Customer) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Customer returns a copy of the customer with this id.
func (s *Sandbox) Customer(id int64) (Customer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customers[id]
	if !ok {
		return Customer{}, false
	}
	return c.clone(), true
}

// CustomersByEmail returns the customers whose email is email, whatever
// its case and surrounding spaces.
func (s *Sandbox) CustomersByEmail(email string) []Customer {
	var out []Customer
	for _, c := range s.Customers() {
		if normalEmail(c.Email) == normalEmail(email) {
			out = append(out, c)
		}
	}
	return out
}

// Orders returns a copy of every order, by id.
func (s *Sandbox) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, o.clone())
	}
	slices.SortFunc(out, func(a, b Order) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Order returns a copy of the order with this id.
func (s *Sandbox) Order(id int64) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return Order{}, false
	}
	return o.clone(), true
}

// Fulfillments returns a copy of every fulfillment, by id.
func (s *Sandbox) Fulfillments() []Fulfillment {
	var out []Fulfillment
	for _, o := range s.Orders() {
		for _, f := range o.Fulfillments {
			out = append(out, *f)
		}
	}
	slices.SortFunc(out, func(a, b Fulfillment) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Fulfillment returns a copy of the fulfillment with this id.
func (s *Sandbox) Fulfillment(id int64) (Fulfillment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orders[s.fulfillments[id]]; o != nil {
		for _, f := range o.Fulfillments {
			if f.ID == id {
				return *f, true
			}
		}
	}
	return Fulfillment{}, false
}

// TouchCustomers changes the customers with these ids (their note) and
// stamps them now, as an admin's edit would.
func (s *Sandbox) TouchCustomers(ids ...int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.customers[id] == nil {
			return fmt.Errorf("touch customers: no customer %d", id)
		}
	}
	now := s.nowLocked()
	for _, id := range ids {
		c := s.customers[id]
		c.Note, c.UpdatedAt = "Edited at "+formatTime(now), now
	}
	return nil
}

// TouchOrders changes the orders with these ids (a tag) and stamps them now.
func (s *Sandbox) TouchOrders(ids ...int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.orders[id] == nil {
			return fmt.Errorf("touch orders: no order %d", id)
		}
	}
	now := s.nowLocked()
	for _, id := range ids {
		o := s.orders[id]
		if !slices.Contains(o.Tags, "touched") {
			o.Tags = append(o.Tags, "touched")
		}
		o.UpdatedAt = now
	}
	return nil
}

// SetShipmentStatus sets a fulfillment's shipment status ("in_transit",
// "delivered", "failure"...), as a carrier's event does, and stamps it and
// its order now.
func (s *Sandbox) SetShipmentStatus(id int64, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[s.fulfillments[id]]
	if o == nil {
		return fmt.Errorf("set shipment status: no fulfillment %d", id)
	}
	now := s.nowLocked()
	for _, f := range o.Fulfillments {
		if f.ID == id {
			f.ShipmentStatus, f.UpdatedAt, o.UpdatedAt = status, now, now
		}
	}
	return nil
}

// AddCustomers makes n new customers, dated now, and returns them.
func (s *Sandbox) AddCustomers(n int) []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	out := make([]Customer, 0, n)
	for range n {
		id := s.nextCustomerID
		s.nextCustomerID++
		c := &Customer{ID: id, Email: fmt.Sprintf("new.shopper.%d@example.org", id-firstCustomerID),
			FirstName: "New", LastName: fmt.Sprintf("Shopper %d", id-firstCustomerID), VerifiedEmail: true,
			City: "London", Country: "GB", CreatedAt: now, UpdatedAt: now, PersonIndex: -1}
		s.customers[id] = c
		out = append(out, c.clone())
	}
	return out
}

// AddOrders makes n new orders of existing customers in turn, dated now,
// each shipped with shipment status ship ("" leaves them unshipped), and
// returns them.
func (s *Sandbox) AddOrders(n int, ship string) ([]Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.customers) == 0 && n > 0 {
		return nil, fmt.Errorf("add orders: the sandbox has no customer to place them")
	}
	ids := make([]int64, 0, len(s.customers))
	for id := range s.customers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rng := rand.New(rand.NewPCG(s.opts.Seed, uint64(s.nextOrderID)))
	now := s.nowLocked()
	out := make([]Order, 0, n)
	for range n {
		o := s.newOrder(rng, s.customers[ids[s.nextOrderNumber%len(ids)]], now)
		if ship != "" {
			s.ship(rng, o, now, ship)
			for _, f := range o.Fulfillments {
				f.UpdatedAt = now
			}
			o.UpdatedAt = now
		}
		s.orders[o.ID] = o
		out = append(out, o.clone())
	}
	return out, nil
}

// ShipOrder adds a fulfillment of the whole order, shipped now with
// shipment status status, and returns it.
func (s *Sandbox) ShipOrder(orderID int64, status string) (Fulfillment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[orderID]
	if o == nil {
		return Fulfillment{}, fmt.Errorf("ship order: no order %d", orderID)
	}
	now := s.nowLocked()
	s.ship(rand.New(rand.NewPCG(s.opts.Seed, uint64(orderID))), o, now, status)
	f := o.Fulfillments[len(o.Fulfillments)-1]
	f.UpdatedAt, o.UpdatedAt = now, now
	return *f, nil
}

// BackdateShipment moves a fulfillment's shipping date back by d (a
// shipment that is now late), without changing its updated_at.
func (s *Sandbox) BackdateShipment(id int64, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[s.fulfillments[id]]
	if o == nil {
		return fmt.Errorf("backdate shipment: no fulfillment %d", id)
	}
	for _, f := range o.Fulfillments {
		if f.ID == id {
			f.CreatedAt = f.CreatedAt.Add(-d)
		}
	}
	return nil
}
