package identity_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/sdk"
)

func customerOf(t *testing.T, ix *identity.Index, ref string) int64 {
	t.Helper()
	c, err := ix.Find(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEmailChangeRelinks(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	ingest(t, ix, contact("502", "bob@acme.com", "", "Bob", "Diaz"), user(9002, "bob@acme.com", "", "Bob Diaz", ""),
		rec{"helpdesk", "tickets", "t9", `{"id":9,"requester_id":9002,"subject":"Hi"}`})
	bob := customerOf(t, ix, "crm/contacts/502")

	// Bob's crm contact moves to a new address: it leaves the helpdesk
	// user (who keeps the ticket and, being two records, the id).
	ingest(t, ix, contact("502", "robert@bob.org", "", "Bob", "Diaz"))
	samePartition(t, partition(t, ix), [][]string{{"crm/contacts/502"}, {"helpdesk/users/9002", "helpdesk/tickets/t9"}})
	if got := customerOf(t, ix, "helpdesk/users/9002"); got != bob {
		t.Errorf("the larger part got %s, want the old id %s", identity.FormatID(got), identity.FormatID(bob))
	}
	if _, err := ix.Find(ctx, "bob@acme.com"); err != nil {
		t.Errorf("old email: %v", err)
	}

	// The helpdesk user follows: one customer again, under the old id.
	ingest(t, ix, user(9002, "Robert@Bob.org", "", "Bob Diaz", ""))
	samePartition(t, partition(t, ix), [][]string{{"crm/contacts/502", "helpdesk/users/9002", "helpdesk/tickets/t9"}})
	if got := customerOf(t, ix, "robert@bob.org"); got != bob {
		t.Errorf("rejoined customer is %s, want %s", identity.FormatID(got), identity.FormatID(bob))
	}
}

func TestMergeKeepsSurvivorID(t *testing.T) {
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	ingest(t, ix, contact("701", "x@a.org", "", "X", "A"))
	ingest(t, ix, user(7002, "y@b.org", "+44 20 7946 0000", "X A", ""))
	older, newer := customerOf(t, ix, "x@a.org"), customerOf(t, ix, "y@b.org")
	if older == newer || older > newer {
		t.Fatalf("two customers expected, oldest first: %d %d", older, newer)
	}
	// A shop customer with the first's email and the second's phone joins them.
	ingest(t, ix, rec{"shop", "customers", "s7", `{"id":"s7","email":"X@A.org","phone":"+442079460000"}`})
	if got := customerOf(t, ix, "y@b.org"); got != older {
		t.Errorf("merged customer is %s, want the survivor %s", identity.FormatID(got), identity.FormatID(older))
	}
	p, err := ix.Profile(ctx, newer)
	if err != nil || p.ID != identity.FormatID(older) {
		t.Errorf("the merged id shows %q (%v), want the survivor %s", p.ID, err, identity.FormatID(older))
	}
	if p.Records != 3 || !slices.Equal(p.Emails, []string{"x@a.org", "y@b.org"}) || !slices.Equal(p.Phones, []string{"+442079460000"}) {
		t.Errorf("profile: %+v", p)
	}
}

func TestDeleteHonoured(t *testing.T) {
	recs, _ := fixture()
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	ingest(t, ix, recs[:8]...) // Ann's records
	_, err := ix.Ingest(ctx, "shop", "customers", []sdk.Record{{Stream: "customers", Key: "s1", Op: sdk.Delete}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The order only knew Ann through the shop customer: it stands alone.
	samePartition(t, partition(t, ix), [][]string{
		{"crm/contacts/501", "helpdesk/users/9001", "survey/responses/r1", "helpdesk/tickets/t1", "helpdesk/ticket_comments/c1", "crm/notes/n1"},
		{"shop/orders/o1"}})
	if _, err := ix.SourceRecord(ctx, identity.Ref{Connection: "shop", Stream: "customers", Key: "s1"}); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("deleted record: %v", err)
	}
}

func TestRuleChangeRederives(t *testing.T) {
	recs, truth := fixture()
	dir := t.TempDir()
	path := filepath.Join(dir, "c.db")
	ix := openIndex(t, path, rules())
	ingest(t, ix, recs...)
	samePartition(t, partition(t, ix), truth)
	ann := customerOf(t, ix, "crm/contacts/501")

	// Shared mailboxes allowed, phones no longer matched, a higher limit
	// for shared values: clusters change, nothing is lost.
	r2 := rules()
	r2.NeverMatch = nil
	r2.Match = []string{identity.MatchEmail, identity.MatchExternalID, identity.MatchLinks}
	r2.MaxShared = 20
	ix = openIndex(t, path, r2)
	got := partition(t, ix)
	want := [][]string{
		{"crm/contacts/501", "helpdesk/users/9001", "survey/responses/r1", "helpdesk/tickets/t1", "helpdesk/ticket_comments/c1", "crm/notes/n1"},
		{"shop/customers/s1", "shop/orders/o1"},
		{"crm/contacts/502", "helpdesk/users/9002"},
		{"crm/contacts/503", "helpdesk/users/9003", "helpdesk/tickets/t2"},
		{"helpdesk/users/9004", "crm/contacts/504"},
		{"helpdesk/users/9005", "crm/contacts/505"},
		{"survey/responses/r2"},
	}
	for _, tr := range truth[7:] {
		want = append(want, tr)
	}
	samePartition(t, got, want)
	if n := len(slices.Concat(got...)); n != len(recs) {
		t.Errorf("%d records attached after the rule change, want %d", n, len(recs))
	}
	if c := customerOf(t, ix, "crm/contacts/501"); c != ann {
		t.Errorf("Ann's larger part is %s, want her old id %s", identity.FormatID(c), identity.FormatID(ann))
	}
	// The same as indexing from scratch under the new rules.
	fresh := openIndex(t, filepath.Join(dir, "fresh.db"), r2)
	ingest(t, fresh, recs...)
	samePartition(t, partition(t, fresh), got)

	// And back: the original truth again.
	ix = openIndex(t, path, rules())
	samePartition(t, partition(t, ix), truth)
}

func TestSharedValueCrossingTheLimitSplits(t *testing.T) {
	r := rules()
	r.MaxShared = 2
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), r)
	ingest(t, ix, contact("801", "a@x.org", "+1 555 010 7777", "A", "A"), contact("802", "b@x.org", "+1 555 010 7777", "B", "B"))
	samePartition(t, partition(t, ix), [][]string{{"crm/contacts/801", "crm/contacts/802"}})
	ingest(t, ix, contact("803", "c@x.org", "+1 555 010 7777", "C", "C"))
	samePartition(t, partition(t, ix), [][]string{{"crm/contacts/801"}, {"crm/contacts/802"}, {"crm/contacts/803"}})
	if err := ix.Remove(ctx, identity.Ref{Connection: "crm", Stream: "contacts", Key: "803"}); err != nil {
		t.Fatal(err)
	}
	samePartition(t, partition(t, ix), [][]string{{"crm/contacts/801", "crm/contacts/802"}})
}

// TestRefNotMatchedDoesNotJoin: with links not matched, a ticket naming
// its requester stays apart from the requester's user record — indexed
// before or after it, and after a rule change — though the user's own ref
// (which always joins) is the value the ticket names.
func TestRefNotMatchedDoesNotJoin(t *testing.T) {
	r := rules()
	r.Match = []string{identity.MatchEmail, identity.MatchPhone}
	ticket := rec{"helpdesk", "tickets", "t5", `{"id":5,"requester_id":9005,"subject":"Hi"}`}
	apart := [][]string{{"helpdesk/users/9005"}, {"helpdesk/tickets/t5"}}
	for _, order := range [][]rec{{ticket, user(9005, "eve@x.org", "", "Eve", "")}, {user(9005, "eve@x.org", "", "Eve", ""), ticket}} {
		ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), r)
		ingest(t, ix, order...)
		samePartition(t, partition(t, ix), apart)
	}
	path := filepath.Join(t.TempDir(), "c.db")
	ix := openIndex(t, path, rules())
	ingest(t, ix, ticket, user(9005, "eve@x.org", "", "Eve", ""))
	samePartition(t, partition(t, ix), [][]string{{"helpdesk/users/9005", "helpdesk/tickets/t5"}})
	ix = openIndex(t, path, r)
	samePartition(t, partition(t, ix), apart)
}
