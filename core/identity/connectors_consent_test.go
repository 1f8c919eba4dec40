package identity_test

import (
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/connectors/hubspot"
	"github.com/cxhub/cxhub/connectors/shopify"
	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/sqlite"
	"github.com/cxhub/cxhub/sdk"
)

// These tests index records as the shipped connectors declare them: the
// catalog holds the connectors' own specs, by connection, as the hub
// builds it from their plugins.

func openShipped(t *testing.T) *identity.Index {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "ix.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	cat := identity.Catalog{"shop": shopify.New().Spec(), "crm": hubspot.New().Spec()}
	ix, err := identity.Open(ctx, st, identity.DefaultRules(), cat)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// shippedCustomerOf returns the customer holding ref, failing if none does.
func shippedCustomerOf(t *testing.T, ix *identity.Index, ref identity.Ref) (int64, map[identity.Ref]int64) {
	t.Helper()
	p, err := ix.Partition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := p[ref]
	if !ok || c == 0 {
		t.Fatalf("%s is in no customer (partition %v)", ref, p)
	}
	return c, p
}

// A Shopify customer's marketing consent, as Shopify sends it, reaches
// the profile's consent with the record as its source.
func TestShopifyConsentReachesTheProfile(t *testing.T) {
	ix := openShipped(t)
	data := `{"id":207119551,"email":"bob.norman@example.com","first_name":"Bob","last_name":"Norman",` +
		`"phone":"+16136120707","updated_at":"2026-11-02T10:00:00-05:00",` +
		`"email_marketing_consent":{"state":"subscribed","opt_in_level":"confirmed_opt_in","consent_updated_at":"2026-10-01T09:00:00-05:00"},` +
		`"sms_marketing_consent":{"state":"unsubscribed","opt_in_level":"single_opt_in","consent_updated_at":null,"consent_collected_from":"OTHER"}}`
	n, err := ix.Ingest(ctx, "shop", shopify.StreamCustomers,
		[]sdk.Record{{Stream: shopify.StreamCustomers, Key: "207119551", Op: sdk.Upsert, Data: []byte(data)}}, nil)
	if err != nil || n != 1 {
		t.Fatalf("ingest: %d %v", n, err)
	}
	ref := identity.Ref{Connection: "shop", Stream: shopify.StreamCustomers, Key: "207119551"}
	c, _ := shippedCustomerOf(t, ix, ref)
	p, err := ix.Profile(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{"consent_email": "subscribed", "consent_sms": "unsubscribed"} {
		got, ok := p.Consent[f]
		if !ok || got.Value != want || got.Source != ref {
			t.Errorf("consent %s = %+v (present %v), want %q from %s; profile consent %v", f, got, ok, want, ref, p.Consent)
		}
		if _, ok := p.Fields[f]; ok {
			t.Errorf("consent %s is among the profile's fields too", f)
		}
	}
}

// A HubSpot company whose main number a contact also gives is not a
// person: it does not join the contact, and its name is not the
// contact's.
func TestAHubSpotCompanyIsNotAPerson(t *testing.T) {
	ix := openShipped(t)
	contact := `{"id":"1001","properties":{"email":"ada@northwind.example","firstname":"Ada","lastname":"Lovelace",` +
		`"phone":"+1 555-010-0200","company":"Northwind","lastmodifieddate":"2026-11-01T10:00:00.000Z"},` +
		`"createdAt":"2026-01-01T10:00:00.000Z","updatedAt":"2026-11-01T10:00:00.000Z","archived":false}`
	company := `{"id":"2001","properties":{"name":"Northwind Traders","domain":"northwind.example",` +
		`"phone":"(555) 010-0200","city":"Seattle","hs_lastmodifieddate":"2026-12-01T10:00:00.000Z"},` +
		`"createdAt":"2026-01-01T10:00:00.000Z","updatedAt":"2026-12-01T10:00:00.000Z","archived":false}`
	if _, err := ix.Ingest(ctx, "crm", "contacts", []sdk.Record{{Stream: "contacts", Key: "1001", Op: sdk.Upsert, Data: []byte(contact)}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Ingest(ctx, "crm", "companies", []sdk.Record{{Stream: "companies", Key: "2001", Op: sdk.Upsert, Data: []byte(company)}}, nil); err != nil {
		t.Fatal(err)
	}
	ref := identity.Ref{Connection: "crm", Stream: "contacts", Key: "1001"}
	c, part := shippedCustomerOf(t, ix, ref)
	companyRef := identity.Ref{Connection: "crm", Stream: "companies", Key: "2001"}
	if cc, ok := part[companyRef]; ok && cc == c {
		t.Errorf("the company %s joined its contact's customer %d", companyRef, c)
	}
	p, err := ix.Profile(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if p.Records != 1 || p.Fields["name"].Value != "Ada Lovelace" {
		t.Errorf("the contact's profile holds %d records, name %+v; want 1 and Ada Lovelace", p.Records, p.Fields["name"])
	}
}
