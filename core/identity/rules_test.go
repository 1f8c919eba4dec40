package identity_test

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"go.yaml.in/yaml/v3"
)

func parse(t *testing.T, src string) (identity.Rules, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return identity.ParseRules(doc.Content[0].Content[1], "cxhub.yaml")
}

func TestParseRules(t *testing.T) {
	r, err := parse(t, `customers:
  match: [email, external_id]
  email: {plus_tags: true}
  phone: {default_region: gb}
  never_match: ["info@*"]
  max_shared: 3
  external_ids:
    - {connection: helpdesk, stream: users, field: external_id, refers_to: {connection: crm, stream: contacts}}
  profile: {default: priority, sources: [crm], fields: {phone: most_recent}}
`)
	if err != nil {
		t.Fatal(err)
	}
	if !r.PlusTags || r.GmailDots || r.DefaultRegion != "GB" || r.MaxShared != 3 || len(r.NeverMatch) != 1 ||
		len(r.ExternalIDs) != 1 || r.ExternalIDs[0].RefersTo.Stream != "contacts" || r.Profile.Default != "priority" {
		t.Errorf("rules: %+v", r)
	}
	if r.Fingerprint() == identity.DefaultRules().Fingerprint() {
		t.Error("other rules, same fingerprint")
	}

	_, err = parse(t, `customers:
  match: [email, fax]
  phone: {default_region: XX}
  max_shared: 0
  colour: blue
  external_ids:
    - {connection: helpdesk, field: external_id}
`)
	if err == nil {
		t.Fatal("bad rules accepted")
	}
	for _, want := range []string{
		`cxhub.yaml:2:18: customers.match[1]: expected one of email, phone, external_id, links, got "fax"`,
		`cxhub.yaml:3:27: customers.phone.default_region: unknown region "XX"`,
		`cxhub.yaml:4:15: customers.max_shared: expected a whole number of at least 1`,
		`cxhub.yaml:5:3: customers.colour: unknown key`,
		`cxhub.yaml:7:7: customers.external_ids[0].refers_to: missing required key`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
}
