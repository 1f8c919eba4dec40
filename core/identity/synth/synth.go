// Package synth generates source records for the customer index's
// benchmarks: customers in three systems (a CRM, a help desk, a shop), of
// whom a share are the same person under differently written emails and
// phones, and interactions of those customers. It is deterministic: record
// i depends only on i and the options. It is for measuring, not testing.
package synth

import (
	"fmt"
	"strconv"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/sdk"
)

// Options shape a data set.
type Options struct {
	// Records is the total count, customers and interactions.
	Records int
	// CustomerShare is the share of records that are customer records
	// (default 0.4); the rest are interactions.
	CustomerShare float64
	// Overlap is the share of customer records that are a person already
	// known in another system (default 0.3).
	Overlap float64
}

// Systems are the connections of the data set.
var Systems = []string{"crm", "helpdesk", "shop"}

// Catalog declares the data set's streams as connectors do.
func Catalog() identity.Catalog {
	cat := identity.Catalog{}
	for _, s := range Systems {
		cat[s] = sdk.Spec{Name: s, Streams: []sdk.StreamSpec{
			{Name: "people", Canonical: sdk.CanonicalCustomer, CanonicalFields: map[string]string{
				"email": "email", "phone": "phone", "name": "name", "updated_at": "updated_at"}},
			{Name: "events", Canonical: sdk.CanonicalInteraction, InteractionKind: "ticket", CanonicalFields: map[string]string{
				"customer_id": "customer_id", "subject": "subject", "status": "status", "amount": "amount", "occurred_at": "created_at"}},
		}}
	}
	return cat
}

// Set is a data set: record i of the whole is Record(i).
type Set struct {
	o         Options
	customers int // customer records
}

// New returns the data set of o.
func New(o Options) *Set {
	if o.CustomerShare == 0 {
		o.CustomerShare = 0.4
	}
	if o.Overlap == 0 {
		o.Overlap = 0.3
	}
	return &Set{o: o, customers: max(1, int(float64(o.Records)*o.CustomerShare))}
}

// Customers is how many customer records the set has.
func (s *Set) Customers() int { return s.customers }

// mix scrambles i (a bijection-free hash is enough here).
func mix(i uint64) uint64 {
	i ^= i >> 33
	i *= 0xff51afd7ed558ccd
	i ^= i >> 33
	i *= 0xc4ceb9fe1a85ec53
	return i ^ i>>33
}

// person returns the person of customer record j: a new one, or (for the
// Overlap share) the person of an earlier record.
func (s *Set) person(j int) int {
	for j > 0 && float64(mix(uint64(j))%1000) < s.o.Overlap*1000 {
		j = int(mix(uint64(j)+7) % uint64(j))
	}
	return j
}

// Record returns record i: its connection, stream and the record.
func (s *Set) Record(i int) (connection, stream string, r sdk.Record) {
	if i < s.customers {
		p := s.person(i)
		sys := Systems[i%len(Systems)]
		email := fmt.Sprintf("person%d@example.com", p)
		phone := fmt.Sprintf("+1 (555) %03d-%04d", 100+p/10000%900, p%10000)
		switch i % 3 {
		case 1:
			email = " Person" + strconv.Itoa(p) + "@Example.COM"
			phone = fmt.Sprintf("555%03d%04d", 100+p/10000%900, p%10000)
		case 2:
			phone = ""
		}
		data := fmt.Sprintf(`{"id":"%s-%d","email":%q,"phone":%q,"name":"Person %d","updated_at":"2026-01-01T00:00:00Z"}`,
			sys, i, email, phone, p)
		return sys, "people", sdk.Record{Stream: "people", Key: fmt.Sprintf("%s-%d", sys, i), Op: sdk.Upsert, Data: []byte(data)}
	}
	c := int(mix(uint64(i)) % uint64(s.customers))
	sys := Systems[c%len(Systems)]
	data := fmt.Sprintf(`{"id":"e%d","customer_id":"%s-%d","subject":"Order %d","status":"open","amount":"%d.00","created_at":"2026-02-%02dT10:00:00Z"}`,
		i, sys, c, i, i%500, 1+i%28)
	return sys, "events", sdk.Record{Stream: "events", Key: "e" + strconv.Itoa(i), Op: sdk.Upsert, Data: []byte(data)}
}
