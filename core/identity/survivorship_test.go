package identity_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/cxhub/cxhub/core/mapping"
	"github.com/cxhub/cxhub/sdk"
)

// TestProfileEmailsFromEveryRecord: a customer made of interactions only
// has their emails and phones, and a field of two addresses gives both.
func TestProfileEmailsFromEveryRecord(t *testing.T) {
	cat := catalog()
	cat["phone"] = sdk.Spec{Name: "calls", Streams: []sdk.StreamSpec{
		{Name: "calls", Canonical: sdk.CanonicalInteraction, InteractionKind: "call", CanonicalFields: map[string]string{
			"customer_phone": "caller", "customer_email": "email", "occurred_at": "at"}},
	}}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ix, err := identity.Open(ctx, st, rules(), cat)
	if err != nil {
		t.Fatal(err)
	}
	ingest(t, ix,
		rec{"survey", "responses", "r2", `{"id":"r2","respondent":{"email":"Eve@Nowhere.org"},"answers":{"nps":9}}`},
		rec{"phone", "calls", "k1", `{"caller":"(555) 010 0042","email":"eve@nowhere.org"}`},
		rec{"shop", "customers", "s9", `{"id":"s9","email":"A1@z.org, a2@z.org","phone":"555 010 0077; +44 20 7946 0000"}`})
	p, err := ix.Profile(ctx, customerOf(t, ix, "survey/responses/r2"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Emails, []string{"eve@nowhere.org"}) || !slices.Equal(p.Phones, []string{"+15550100042"}) {
		t.Errorf("interactions only: emails %v phones %v", p.Emails, p.Phones)
	}
	s9 := customerOf(t, ix, "shop/customers/s9")
	if got := customerOf(t, ix, "a2@z.org"); got != s9 {
		t.Errorf("a2@z.org finds %d, want %d", got, s9)
	}
	p, err = ix.Profile(ctx, s9)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Emails, []string{"a1@z.org", "a2@z.org"}) || !slices.Equal(p.Phones, []string{"+15550100077", "+442079460000"}) {
		t.Errorf("two in a field: emails %v phones %v", p.Emails, p.Phones)
	}
}

// annotated is a crm contact with a name and a modification time.
func annotated(id, email, phone, name, modified string) rec {
	first, last, _ := strings.Cut(name, " ")
	return rec{"crm", "contacts", id, `{"id":"` + id + `","properties":{"email":"` + email + `","phone":"` + phone +
		`","firstname":"` + first + `","lastname":"` + last + `","lastmodifieddate":"` + modified + `"}}`}
}

// TestSurvivorshipMostRecent: a most_recent field takes the newer record's
// value, whichever was indexed first; a priority field keeps its source's.
func TestSurvivorshipMostRecent(t *testing.T) {
	r := rules()
	r.Profile = identity.ProfileRules{Default: "priority", Sources: []string{"crm", "helpdesk"},
		Fields: map[string][]string{"name": {"most_recent"}}}
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), r)
	ingest(t, ix, annotated("801", "old@a.org", "+1 555 010 0801", "Old Name", "2026-01-01T00:00:00Z"),
		user(8002, "new@b.org", "5550100801", "New Name", "")) // updated 2026-02-01
	id := customerOf(t, ix, "crm/contacts/801")
	check := func(name, nameFrom string) {
		t.Helper()
		p, err := ix.Profile(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if f := p.Fields["name"]; f.Value != name || f.Source.Connection != nameFrom {
			t.Errorf("name (most_recent): %+v, want %q from %s", f, name, nameFrom)
		}
		if f := p.Fields["email"]; f.Value != "old@a.org" || f.Source.Connection != "crm" {
			t.Errorf("email (priority crm): %+v", f)
		}
	}
	check("New Name", "helpdesk")
	// The crm contact changes after the helpdesk user: its name wins.
	ingest(t, ix, annotated("801", "old@a.org", "+1 555 010 0801", "Newest Name", "2026-03-01T00:00:00Z"))
	check("Newest Name", "crm")
}

// TestStageCustomerEmailSurvives: $customer.email is the profile's
// surviving email (normalised), not the first one seen; $customer.name the
// profile's name.
func TestStageCustomerEmailSurvives(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fields  map[string][]string
		want    string
		wantNum string
		emails  []string // the profile's, survivor first when a rule names email
	}{
		{"most recent", nil, `{"subject":"Hi","who":{"email":"y@b.org","name":"Y B"}}`, "y@b.org", []string{"x@a.org", "y@b.org"}},
		{"email most recent", map[string][]string{"email": {"most_recent"}}, `{"subject":"Hi","who":{"email":"y@b.org","name":"Y B"}}`, "y@b.org",
			[]string{"y@b.org", "x@a.org"}},
		{"crm first", map[string][]string{"email": {"crm"}, "name": {"crm"}}, `{"subject":"Hi","who":{"email":"x@a.org","name":"X A"}}`, "x@a.org",
			[]string{"x@a.org", "y@b.org"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rules()
			r.Profile.Fields = tc.fields
			ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), r)
			ingest(t, ix, contact("701", " X@A.org ", "+44 20 7946 0000", "X", "A"), // updated 2026-01-01
				user(7002, "Y@B.org", "+442079460000", "Y B", "")) // updated 2026-02-01
			cfg := &config.Config{Pipelines: []*config.Pipeline{{Name: "p", Map: []mapping.Field{
				{Name: "who.email", Expr: "$customer.email"}, {Name: "who.name", Expr: "$customer.name"}}}}}
			st := identity.NewStage(ix, cfg, nil)
			t.Cleanup(func() { _ = ix.Close(ctx) }) // the indexer stops before the store closes
			b := &engine.Batch{
				Pipeline: "p",
				From:     engine.Endpoint{Connection: "helpdesk", Stream: "tickets"},
				To:       engine.Endpoint{Connection: "crm", Stream: "notes"},
				In:       []sdk.Record{{Stream: "tickets", Key: "t70", Op: sdk.Upsert, Data: []byte(`{"id":70,"requester_id":7002,"subject":"Hi"}`)}},
				Out:      []sdk.Record{{Key: "t70", Data: []byte(`{"subject":"Hi"}`)}},
				OutFrom:  []int{0},
			}
			if err := st.Process(ctx, b); err != nil {
				t.Fatal(err)
			}
			if got := string(b.Out[0].Data); got != tc.want {
				t.Errorf("mapped: %s, want %s", got, tc.want)
			}
			p, err := ix.Profile(ctx, customerOf(t, ix, "crm/contacts/701"))
			if err != nil {
				t.Fatal(err)
			}
			if v := p.Value("email"); v != tc.wantNum || !strings.EqualFold(strings.TrimSpace(p.Fields["email"].Value), v) {
				t.Errorf("profile email %q, field %+v", v, p.Fields["email"])
			}
			if !slices.Equal(p.Emails, tc.emails) {
				t.Errorf("emails %v, want %v", p.Emails, tc.emails)
			}
		})
	}
}

// TestOlderVersionChangesNothing: a version of a record older than the one
// indexed (a webhook delivered late, a replayed dead letter) changes
// neither its fields nor its identifiers — indexed after the newer one,
// or beside it in one batch.
func TestOlderVersionChangesNothing(t *testing.T) {
	newer := annotated("901", "new@a.org", "", "New Name", "2026-03-01T00:00:00Z")
	older := annotated("901", "old@a.org", "", "Old Name", "2026-02-01T00:00:00Z")
	check := func(t *testing.T, ix *identity.Index) {
		t.Helper()
		// A helpdesk user with the older email stays a customer of its own.
		ingest(t, ix, user(9901, "old@a.org", "", "Someone Else", ""))
		id := customerOf(t, ix, "crm/contacts/901")
		if got := customerOf(t, ix, "new@a.org"); got != id {
			t.Errorf("new@a.org finds %s, want %s", identity.FormatID(got), identity.FormatID(id))
		}
		if got := customerOf(t, ix, "helpdesk/users/9901"); got == id {
			t.Errorf("the older version's email joined helpdesk/users/9901 to the contact")
		}
		p, err := ix.Profile(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Emails, []string{"new@a.org"}) || p.Fields["name"].Value != "New Name" {
			t.Errorf("profile: emails %v, name %q; want the newer version's", p.Emails, p.Fields["name"].Value)
		}
	}
	t.Run("later", func(t *testing.T) {
		ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
		ingest(t, ix, newer, older)
		check(t, ix)
	})
	t.Run("one batch", func(t *testing.T) {
		ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
		if _, err := ix.Ingest(ctx, "crm", "contacts", []sdk.Record{
			{Stream: "contacts", Key: "901", Op: sdk.Upsert, Data: []byte(newer.data)},
			{Stream: "contacts", Key: "901", Op: sdk.Upsert, Data: []byte(older.data)},
		}, nil); err != nil {
			t.Fatal(err)
		}
		check(t, ix)
	})
}

// TestSearchShowsTheSurvivingEmail: a search result shows the email and
// phone the profile's fields kept, not the first record's.
func TestSearchShowsTheSurvivingEmail(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	ingest(t, ix, annotated("801", "first@a.org", "+1 555 010 0801", "Ann Lee", "2026-01-01T00:00:00Z"),
		user(8002, "later@b.org", "5550100801", "Ann Lee", "")) // updated 2026-02-01: its email survives
	id := customerOf(t, ix, "crm/contacts/801")
	p, err := ix.Profile(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Fields["email"].Value != "later@b.org" {
		t.Fatalf("surviving email %q, want later@b.org (the fixture changed?)", p.Fields["email"].Value)
	}
	got, err := ix.Search(ctx, "Ann", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Email != "later@b.org" || got[0].Phone != "+15550100801" {
		t.Errorf("search: %+v, want one customer showing later@b.org and +15550100801", got)
	}
}
