package identity_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
)

func TestProfileTimelineExplain(t *testing.T) {
	recs, _ := fixture()
	r := rules()
	r.Profile.Fields = map[string][]string{"name": {"helpdesk", "crm"}}
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), r)
	ingest(t, ix, recs...)
	id, err := ix.Find(ctx, "+1 555-010-0001")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"5550100001", "(555) 010 0001", " ann.lee@EXAMPLE.com", identity.FormatID(id), "helpdesk/users/9001"} {
		if got, err := ix.Find(ctx, q); err != nil || got != id {
			t.Errorf("find %q: %d %v, want %d", q, got, err, id)
		}
	}
	p, err := ix.Profile(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Fields["name"]; got.Value != "Ann Lee" || got.Source.Connection != "helpdesk" {
		t.Errorf("name by source priority: %+v", got)
	}
	if !slices.Equal(p.Emails, []string{"ann.lee@example.com", "ann.l@personal.org"}) || !slices.Equal(p.Phones, []string{"+15550100001"}) {
		t.Errorf("emails %v phones %v", p.Emails, p.Phones)
	}
	if !slices.Equal(p.ExternalIDs["crm.contacts"], []string{"501"}) || !slices.Equal(p.ExternalIDs["helpdesk.users"], []string{"9001"}) ||
		!slices.Equal(p.ExternalIDs["shop.customers"], []string{"s1"}) {
		t.Errorf("external ids: %v", p.ExternalIDs)
	}
	var kinds []string
	for _, it := range p.Timeline {
		kinds = append(kinds, it.Kind+"@"+it.System)
	}
	want := []string{"note@crm", "order@shop", "survey_response@survey", "ticket@helpdesk", "comment@helpdesk"}
	if !slices.Equal(kinds, want) {
		t.Errorf("timeline %v, want %v", kinds, want)
	}
	if sr := p.Timeline[2]; sr.Score != "3" || sr.Summary != "slow delivery" || sr.Source.Key != "r1" {
		t.Errorf("survey entry: %+v", sr)
	}
	if o := p.Timeline[1]; o.Amount != "42.50" || o.Status != "paid" {
		t.Errorf("order entry: %+v", o)
	}
	if v := p.Value("ids.helpdesk.users"); v != "9001" {
		t.Errorf("$customer.ids.helpdesk.users = %q", v)
	}

	ex, err := ix.Explain(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Records) != 8 {
		t.Errorf("explain lists %d records", len(ex.Records))
	}
	var joins []string
	for _, j := range ex.Joins {
		joins = append(joins, j.Type+":"+j.Value+" by "+strings.Join(j.Rules, "+"))
	}
	for _, w := range []string{"email:ann.lee@example.com by email+customer_email", "phone:+15550100001 by phone",
		"ref:crm/contacts/501 by self+external_id external_id+customer_id", "ref:shop/customers/s1 by self+customer_id"} {
		if !slices.Contains(joins, w) {
			t.Errorf("explain joins lack %q: %v", w, joins)
		}
	}

	// The switchboard phone is refused, and says why.
	staff, err := ix.Find(ctx, "staff0@bigcorp.com")
	if err != nil {
		t.Fatal(err)
	}
	ex, err = ix.Explain(ctx, staff)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Refused) != 1 || ex.Refused[0].Value != "+15550109999" || !strings.Contains(ex.Refused[0].Why, "max_shared") || ex.Refused[0].Records != 12 {
		t.Errorf("refused: %+v", ex.Refused)
	}
	if _, err := ix.Find(ctx, "+1 555 010 9999"); err == nil || !strings.Contains(err.Error(), "12 customers") {
		t.Errorf("find a shared phone: %v", err)
	}
	s, err := ix.Search(ctx, "diaz", 10)
	if err != nil || len(s) != 2 || s[0].Name != "Bob Diaz" {
		t.Errorf("search: %+v %v", s, err)
	}
}

func TestNormalize(t *testing.T) {
	r := identity.DefaultRules()
	for in, want := range map[string]string{" Ann.Lee@Example.COM ": "ann.lee@example.com", "a+b@gmail.com": "a+b@gmail.com",
		"not an email": "", "@x.org": "", "a@": ""} {
		if got := r.NormalizeEmail(in); got != want {
			t.Errorf("email %q: %q, want %q", in, got, want)
		}
	}
	r.PlusTags, r.GmailDots = true, true
	if got := r.NormalizeEmail("A.N.N+news@googlemail.com"); got != "ann@gmail.com" {
		t.Errorf("provider rules: %q", got)
	}
	for in, want := range map[string]string{"+1 555-010-0001": "+15550100001", "(555) 010 0001": "+15550100001", "5550100001": "+15550100001",
		"+44 20 7946 0000": "+442079460000", "12": "", "n/a": ""} {
		if got := r.NormalizePhone(in); got != want {
			t.Errorf("phone %q: %q, want %q", in, got, want)
		}
	}
	r.DefaultRegion = "GB"
	if got := r.NormalizePhone("020 7946 0000"); got != "+442079460000" {
		t.Errorf("GB default region: %q", got)
	}
}

// TestLocalOnlyPhoneJoinsNothing: a number written without its area code
// ("555-0100") is no E.164 number and no identifier. It used to become
// "+15550100" and join two people of different towns who share the last
// seven digits of their numbers.
func TestLocalOnlyPhoneJoinsNothing(t *testing.T) {
	r := identity.DefaultRules()
	for _, in := range []string{"555-0100", "+1 555 0100", "555 0100"} {
		if got := r.NormalizePhone(in); got != "" {
			t.Errorf("phone %q: %q, want none (no area code)", in, got)
		}
	}
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), r)
	ingest(t, ix, contact("701", "ann@a.example", "555-0100", "Ann", "Lee"), contact("702", "bob@b.example", "555-0100", "Bob", "Diaz"))
	a, err := ix.Find(ctx, "crm/contacts/701")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ix.Find(ctx, "crm/contacts/702")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two people whose numbers lack an area code are one customer %d", a)
	}
}
