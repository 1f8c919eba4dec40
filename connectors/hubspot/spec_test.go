package hubspot

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// A company is not a person: the companies stream is not customer data,
// so the customer index never joins a company's number or name to its
// contacts. Contacts stay the customers, and no field is mapped as
// consent (the properties read carry no consent flag).
func TestCompaniesAreNotCustomers(t *testing.T) {
	spec := New().Spec()
	companies, ok := spec.Stream(streamCompanies)
	if !ok {
		t.Fatal("no companies stream")
	}
	if companies.Canonical == sdk.CanonicalCustomer || companies.Canonical == sdk.CanonicalInteraction {
		t.Errorf("companies are canonical %q, want neither customer nor interaction", companies.Canonical)
	}
	if len(companies.CanonicalFields) != 0 {
		t.Errorf("companies map canonical fields %v, want none", companies.CanonicalFields)
	}
	contacts, _ := spec.Stream(streamContacts)
	if contacts.Canonical != sdk.CanonicalCustomer || contacts.CanonicalFields["email"] != "properties.email" ||
		contacts.CanonicalFields["phone"] != "properties.phone" {
		t.Errorf("contacts: %q %v, want customer data with email and phone", contacts.Canonical, contacts.CanonicalFields)
	}
	for _, st := range spec.Streams {
		for f, p := range st.CanonicalFields {
			if strings.HasPrefix(f, "consent") || strings.HasSuffix(f, "opt_in") || strings.HasSuffix(f, "opt_out") {
				t.Errorf("stream %s maps consent field %s to %s, which HubSpot's default properties do not carry", st.Name, f, p)
			}
		}
	}
}
