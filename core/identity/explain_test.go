package identity_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
)

// refusal returns the refusal of a value in a customer's explanation.
func refusal(t *testing.T, ix *identity.Index, query, value string) (identity.Refusal, bool) {
	t.Helper()
	ex, err := ix.Explain(ctx, customerOf(t, ix, query))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ex.Refused {
		if r.Value == value {
			return r, true
		}
	}
	t.Logf("refused: %+v", ex.Refused)
	return identity.Refusal{}, false
}

// TestExplainRefusesNeverMatch: a shared mailbox two records carry is
// listed as refused, with the never_match pattern, on each customer.
func TestExplainRefusesNeverMatch(t *testing.T) {
	recs, _ := fixture()
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	ingest(t, ix, recs...)
	for _, q := range []string{"helpdesk/users/9004", "crm/contacts/504"} {
		r, ok := refusal(t, ix, q, "support@acme.com")
		if !ok || r.Type != "email" || r.Why != "never_match support@*" || r.Records != 2 {
			t.Errorf("%s: refusal of support@acme.com: %+v %v", q, r, ok)
		}
	}
	// A value no other record carries is no refusal.
	if r, ok := refusal(t, ix, "survey/responses/r2", "eve@nowhere.org"); ok {
		t.Errorf("a value of one record refused: %+v", r)
	}
}

// TestExplainRefusesNotInMatch: with phone left out of customers.match,
// a phone several records carry is refused, saying so.
func TestExplainRefusesNotInMatch(t *testing.T) {
	recs, _ := fixture()
	r := rules()
	r.Match = []string{identity.MatchEmail, identity.MatchExternalID, identity.MatchLinks}
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), r)
	ingest(t, ix, recs...)
	ref, ok := refusal(t, ix, "crm/contacts/501", "+15550100001")
	if !ok || ref.Type != "phone" || !strings.Contains(ref.Why, "not in customers.match") || ref.Records != 3 {
		t.Errorf("refusal of Ann's phone: %+v %v", ref, ok)
	}
	ref, ok = refusal(t, ix, "crm/contacts/601", "+15550109999")
	if !ok || !strings.Contains(ref.Why, "not in customers.match") || ref.Records != 12 {
		t.Errorf("refusal of the switchboard: %+v %v", ref, ok)
	}
}
