package identity_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/cxhub/cxhub/sdk"
)

// The fixture: four systems as their connectors declare them (the
// canonical fields of hubspot and zendesk as in their specs; a survey tool
// and a shop), and records with a known truth.

var ctx = context.Background()

func catalog() identity.Catalog {
	return identity.Catalog{
		"crm": {Name: "hubspot", Streams: []sdk.StreamSpec{
			{Name: "contacts", Canonical: sdk.CanonicalCustomer, CanonicalFields: map[string]string{
				"email": "properties.email", "first_name": "properties.firstname", "last_name": "properties.lastname",
				"phone": "properties.phone", "company": "properties.company", "updated_at": "properties.lastmodifieddate"}},
			{Name: "notes", Canonical: sdk.CanonicalInteraction, InteractionKind: "note", CanonicalFields: map[string]string{
				"customer_id": "associations.contacts.results.0.id", "body": "properties.hs_note_body", "occurred_at": "properties.hs_timestamp"}},
		}},
		"helpdesk": {Name: "zendesk", Streams: []sdk.StreamSpec{
			{Name: "users", Canonical: sdk.CanonicalCustomer, CanonicalFields: map[string]string{
				"email": "email", "name": "name", "phone": "phone", "external_id": "external_id", "updated_at": "updated_at"}},
			{Name: "tickets", Canonical: sdk.CanonicalInteraction, InteractionKind: "ticket", CanonicalFields: map[string]string{
				"subject": "subject", "status": "status", "occurred_at": "created_at", "customer_id": "requester_id"}},
			{Name: "ticket_comments", Canonical: sdk.CanonicalInteraction, InteractionKind: "comment", CanonicalFields: map[string]string{
				"body": "body", "occurred_at": "created_at", "ticket_id": "ticket_id", "author_id": "author_id"}},
		}},
		"survey": {Name: "survey", Streams: []sdk.StreamSpec{
			{Name: "responses", Canonical: sdk.CanonicalInteraction, InteractionKind: "survey_response", CanonicalFields: map[string]string{
				"customer_email": "respondent.email", "score": "answers.nps", "occurred_at": "submitted_at", "summary": "answers.comment"}},
		}},
		"shop": {Name: "shop", Streams: []sdk.StreamSpec{
			{Name: "customers", Canonical: sdk.CanonicalCustomer, CanonicalFields: map[string]string{
				"email": "email", "phone": "phone", "first_name": "first_name", "last_name": "last_name"}},
			{Name: "orders", Canonical: sdk.CanonicalInteraction, InteractionKind: "order", CanonicalFields: map[string]string{
				"customer_id": "customer.id", "amount": "total_price", "status": "financial_status", "occurred_at": "created_at"}},
		}},
	}
}

// rules are the defaults with the fixture's one cross-system id: a
// helpdesk user's external_id is a crm contact id.
func rules() identity.Rules {
	r := identity.DefaultRules()
	x := identity.ExternalID{Connection: "helpdesk", Stream: "users", Field: "external_id"}
	x.RefersTo.Connection, x.RefersTo.Stream = "crm", "contacts"
	r.ExternalIDs = []identity.ExternalID{x}
	return r
}

type rec struct {
	conn, stream, key, data string
}

func contact(id, email, phone, first, last string) rec {
	return rec{"crm", "contacts", id, fmt.Sprintf(`{"id":%q,"properties":{"email":%q,"phone":%q,"firstname":%q,"lastname":%q,"lastmodifieddate":"2026-01-0%sT00:00:00Z"}}`,
		id, email, phone, first, last, id[len(id)-1:])}
}

func user(id int, email, phone, name, externalID string) rec {
	return rec{"helpdesk", "users", fmt.Sprint(id), fmt.Sprintf(`{"id":%d,"email":%q,"phone":%q,"name":%q,"external_id":%q,"updated_at":"2026-02-01T00:00:00Z"}`,
		id, email, phone, name, externalID)}
}

// fixture is every record, and truth the expected customers (as sets of
// "conn/stream/key").
func fixture() ([]rec, [][]string) {
	recs := []rec{
		// Ann: email case and spacing, three phone formats, a helpdesk user
		// whose external_id is her crm id, a survey response, a shop
		// customer with another email (joined by phone), with an order.
		contact("501", " Ann.Lee@Example.COM ", "+1 555-010-0001", "Ann", "Lee"),
		user(9001, "ann.lee@example.com", "(555) 010 0001", "Ann Lee", "501"),
		{"survey", "responses", "r1", `{"id":"r1","respondent":{"email":"ANN.LEE@example.com"},"answers":{"nps":3,"comment":"slow delivery"},"submitted_at":"2026-03-01T10:00:00Z"}`},
		{"shop", "customers", "s1", `{"id":"s1","email":"ann.l@personal.org","phone":"5550100001","first_name":"Ann","last_name":"Lee"}`},
		{"shop", "orders", "o1", `{"id":"o1","customer":{"id":"s1"},"total_price":"42.50","financial_status":"paid","created_at":"2026-02-15T09:00:00Z"}`},
		{"helpdesk", "tickets", "t1", `{"id":1,"requester_id":9001,"subject":"Where is my order?","status":"open","created_at":"2026-03-02T08:00:00Z"}`},
		{"helpdesk", "ticket_comments", "c1", `{"id":11,"ticket_id":"t1","author_id":1,"body":"Any news?","created_at":"2026-03-03T08:00:00Z"}`},
		{"crm", "notes", "n1", `{"id":"n1","associations":{"contacts":{"results":[{"id":"501"}]}},"properties":{"hs_note_body":"Called Ann","hs_timestamp":"2026-01-20T12:00:00Z"}}`},
		// Bob and Cara: two people at the same company domain.
		contact("502", "bob@acme.com", "", "Bob", "Diaz"),
		user(9002, "BOB@acme.com", "", "Bob Diaz", ""),
		contact("503", "cara@acme.com", "", "Cara", "Diaz"),
		user(9003, "cara@acme.com", "", "Cara Diaz", ""),
		{"helpdesk", "tickets", "t2", `{"id":2,"requester_id":9003,"subject":"Invoice","status":"solved","created_at":"2026-01-05T08:00:00Z"}`},
		// A shared mailbox: never glue.
		user(9004, "support@acme.com", "", "Acme Support", ""),
		contact("504", "Support@Acme.com", "", "Acme", "Support"),
		// Only a cross-system id joins Dan.
		user(9005, "dan@other.org", "", "Dan Roe", "505"),
		contact("505", "daniel@work.org", "", "Daniel", "Roe"),
		// A survey response nobody else knows: a customer of its own.
		{"survey", "responses", "r2", `{"id":"r2","respondent":{"email":"eve@nowhere.org"},"answers":{"nps":9},"submitted_at":"2026-03-05T10:00:00Z"}`},
	}
	truth := [][]string{
		{"crm/contacts/501", "helpdesk/users/9001", "survey/responses/r1", "shop/customers/s1", "shop/orders/o1",
			"helpdesk/tickets/t1", "helpdesk/ticket_comments/c1", "crm/notes/n1"},
		{"crm/contacts/502", "helpdesk/users/9002"},
		{"crm/contacts/503", "helpdesk/users/9003", "helpdesk/tickets/t2"},
		{"helpdesk/users/9004"}, {"crm/contacts/504"},
		{"helpdesk/users/9005", "crm/contacts/505"},
		{"survey/responses/r2"},
	}
	// One identifier shared by many records: an office switchboard on 12
	// contacts, each their own customer.
	for i := range 12 {
		id := fmt.Sprint(601 + i)
		recs = append(recs, contact(id, fmt.Sprintf("staff%d@bigcorp.com", i), "+1 (555) 010-9999", "Staff", id))
		truth = append(truth, []string{"crm/contacts/" + id})
	}
	return recs, truth
}

func openIndex(t *testing.T, path string, r identity.Rules) *identity.Index {
	t.Helper()
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ix, err := identity.Open(ctx, st, r, catalog())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func ingest(t *testing.T, ix *identity.Index, recs ...rec) {
	t.Helper()
	for _, r := range recs {
		n, err := ix.Ingest(ctx, r.conn, r.stream, []sdk.Record{{Stream: r.stream, Key: r.key, Op: sdk.Upsert, Data: []byte(r.data)}}, nil)
		if err != nil || n != 1 {
			t.Fatalf("ingest %s/%s/%s: %d %v", r.conn, r.stream, r.key, n, err)
		}
	}
}

// partition returns the index's customers as sorted sets of refs, sorted,
// and checks that every record is in exactly one live customer.
func partition(t *testing.T, ix *identity.Index) [][]string {
	t.Helper()
	p, err := ix.Partition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	by := map[int64][]string{}
	for ref, c := range p {
		if c == 0 {
			t.Errorf("%s has no customer", ref)
		}
		by[c] = append(by[c], ref.String())
	}
	var out [][]string
	for c, refs := range by {
		pr, err := ix.Profile(ctx, c)
		if err != nil {
			t.Errorf("customer %d of %v: %v", c, refs, err)
		} else if pr.ID != identity.FormatID(c) {
			t.Errorf("customer %d holds records but resolves to %s", c, pr.ID)
		}
		out = append(out, refs)
	}
	return normalise(out)
}

func normalise(p [][]string) [][]string {
	out := make([][]string, len(p))
	for i, s := range p {
		out[i] = slices.Sorted(slices.Values(s))
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func samePartition(t *testing.T, got, want [][]string) {
	t.Helper()
	want = normalise(want)
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("customers:\n got %v\nwant %v", fmtP(got), fmtP(want))
	}
}

func fmtP(p [][]string) string {
	var b strings.Builder
	for _, s := range p {
		b.WriteString("\n  " + strings.Join(s, " "))
	}
	return b.String()
}

func TestFixtureResolvesToTruth(t *testing.T) {
	recs, truth := fixture()
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	ingest(t, ix, recs...)
	samePartition(t, partition(t, ix), truth)

	// The same records in reverse order give the same customers.
	rev := slices.Clone(recs)
	slices.Reverse(rev)
	ix2 := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	ingest(t, ix2, rev...)
	samePartition(t, partition(t, ix2), truth)
}
