package shopify

import (
	"testing"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// The customers stream maps Shopify's marketing consent, per channel, to
// canonical consent_* fields (which the customer index keeps as the
// profile's consent), and the paths reach what the shop sends.
func TestCustomersMapMarketingConsent(t *testing.T) {
	st, ok := New().Spec().Stream(StreamCustomers)
	if !ok || st.Canonical != sdk.CanonicalCustomer {
		t.Fatalf("customers stream: %+v %v", st, ok)
	}
	want := map[string]string{"consent_email": "email_marketing_consent.state", "consent_sms": "sms_marketing_consent.state"}
	for f, p := range want {
		if got := st.CanonicalFields[f]; got != p {
			t.Errorf("canonical field %s = %q, want %q", f, got, p)
		}
	}

	e := newEnv(t, sandbox.Options{Seed: 3, Customers: 3, Orders: -1})
	col := e.read(e.config(), StreamCustomers, nil)
	if len(col.Records) == 0 {
		t.Fatal("no customers read")
	}
	for _, r := range col.Records {
		if v := gjson.GetBytes(r.Data, st.CanonicalFields["consent_email"]); v.String() != "not_subscribed" {
			t.Errorf("customer %s: consent_email %s, want the sandbox's not_subscribed", r.Key, v.Raw)
		}
		// The sandbox's customers have no SMS consent (null): no value.
		if v := gjson.GetBytes(r.Data, st.CanonicalFields["consent_sms"]); v.Exists() && v.Type != gjson.Null {
			t.Errorf("customer %s: consent_sms %s, want none", r.Key, v.Raw)
		}
	}
}
