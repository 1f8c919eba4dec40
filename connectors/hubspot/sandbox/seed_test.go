package sandbox

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

func TestSeedIsDeterministicAndSharesPeople(t *testing.T) {
	o := Options{Seed: 7, Contacts: 50, Companies: 20, Notes: 40, Now: func() time.Time { return fixedNow }}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(o)
	if !slices.EqualFunc(a.Objects("contacts"), b.Objects("contacts"), func(x, y Object) bool {
		return x.ID == y.ID && x.Properties["email"] == y.Properties["email"] && x.UpdatedAt.Equal(y.UpdatedAt)
	}) {
		t.Error("two sandboxes with the same options hold different contacts")
	}
	people := kit.People(7, 50)
	for i, c := range a.Objects("contacts") {
		if c.Properties["email"] != people[i].Email || c.Properties["firstname"] != people[i].FirstName {
			t.Fatalf("contact %d is %v, want shared person %+v", i, c.Properties, people[i])
		}
		if c.UpdatedAt.Before(c.CreatedAt) || !c.UpdatedAt.Before(fixedNow.Add(time.Millisecond)) {
			t.Errorf("contact %s: created %v, modified %v, now %v", c.ID, c.CreatedAt, c.UpdatedAt, fixedNow)
		}
		if c.Properties["lastmodifieddate"] != c.UpdatedAt.Format(isoMillis) {
			t.Errorf("contact %s: lastmodifieddate %q, updated %v", c.ID, c.Properties["lastmodifieddate"], c.UpdatedAt)
		}
	}
	if n := a.Count("companies"); n != 20 {
		t.Errorf("%d companies, want 20", n)
	}
	for _, n := range a.Objects("notes") {
		if len(n.Contacts) != 1 || n.Properties["hs_note_body"] == "" {
			t.Errorf("note %s: contacts %v, body %q; want one contact and a body", n.ID, n.Contacts, n.Properties["hs_note_body"])
		}
	}
	def, err := New(Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	if def.Count("contacts") != DefaultContacts || def.Count("companies") != DefaultCompanies || def.Count("notes") != DefaultNotes {
		t.Errorf("defaults seeded %d contacts, %d companies, %d notes", def.Count("contacts"), def.Count("companies"), def.Count("notes"))
	}
	emails := map[string]bool{}
	for _, c := range def.Objects("contacts") {
		if emails[c.Properties["email"]] {
			t.Fatalf("email %s seeded twice", c.Properties["email"])
		}
		emails[c.Properties["email"]] = true
	}
}

func TestTouchAndAdmin(t *testing.T) {
	s, c := testSandbox(t, Options{})
	old := s.Objects("contacts")
	at, err := s.Touch("contacts", old[0].ID, old[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{old[0].ID, old[1].ID} {
		o, _ := s.Object("contacts", id)
		if !o.UpdatedAt.Equal(at) || o.Properties["hs_lead_status"] == old[0].Properties["hs_lead_status"] && id == old[0].ID {
			t.Errorf("touched %s: %v, want modified at %v and hs_lead_status changed", id, o, at)
		}
	}
	at2, _ := s.Touch("contacts", old[2].ID)
	if !at2.After(at) {
		t.Errorf("second touch at %v, not after the first %v", at2, at)
	}
	if _, err := s.Touch("contacts", "999"); err == nil {
		t.Error("touch of a missing id succeeded")
	}
	r := c.must(200, "POST", AdminPath+"touch", map[string]any{"object": "companies", "count": 3})
	if r.get("ids.#").Int() != 3 {
		t.Errorf("admin touch: %s", r.body)
	}
	r = c.must(200, "POST", AdminPath+"add", map[string]any{"object": "contacts", "count": 2})
	if r.get("ids.#").Int() != 2 || s.Count("contacts") != 32 {
		t.Errorf("admin add: %s, %d contacts", r.body, s.Count("contacts"))
	}
	email := old[5].Properties["email"]
	r = c.must(200, "GET", AdminPath+"objects/contacts?property=email&value="+url.QueryEscape(strings.ToUpper(email)), nil)
	if r.get("total").Int() != 1 || r.get("results.0.ID").String() != old[5].ID {
		t.Errorf("admin objects: %s", r.body)
	}
	c.must(400, "POST", AdminPath+"touch", map[string]any{"object": "tickets", "count": 1})
	c.must(400, "POST", AdminPath+"update", map[string]any{"object": "contacts", "id": old[0].ID, "properties": map[string]string{"email": "nope"}})
	if got := s.Kit().Stats().Total; got != 0 {
		t.Errorf("admin requests were counted: %d", got)
	}
}
