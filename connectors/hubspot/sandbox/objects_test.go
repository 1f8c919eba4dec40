package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	_, c := testSandbox(t, Options{})
	for _, token := range []string{"", "wrong"} {
		c.token = token
		r := c.must(401, "GET", "/crm/v3/objects/contacts", nil)
		if r.get("category").String() != "INVALID_AUTHENTICATION" || r.get("status").String() != "error" {
			t.Errorf("token %q: body %s", token, r.body)
		}
	}
}

func TestListPagesThroughEverything(t *testing.T) {
	s, c := testSandbox(t, Options{Contacts: 250})
	var got []string
	path := "/crm/v3/objects/contacts?limit=100&properties=email,phone,nosuch"
	pages := 0
	for {
		r := c.must(200, "GET", path, nil)
		pages++
		for _, res := range r.get("results").Array() {
			got = append(got, res.Get("id").String())
			if res.Get("properties.email").String() == "" || res.Get("properties.nosuch").Exists() {
				t.Fatalf("result %s: want the email, and nothing for a property that does not exist", res.Raw)
			}
			if res.Get("properties.hs_object_id").String() != res.Get("id").String() || !res.Get("archived").Exists() {
				t.Fatalf("result lacks the id property or archived: %s", res.Raw)
			}
		}
		after := r.get("paging.next.after").String()
		if after == "" {
			break
		}
		if !strings.Contains(after, "%3D") {
			t.Errorf("after %q does not look like HubSpot's escaped base64 cursor", after)
		}
		// A client that escapes the escaped cursor again must still work.
		path = "/crm/v3/objects/contacts?limit=100&properties=email&after=" + url.QueryEscape(after)
	}
	var want []string
	for _, o := range s.Objects("contacts") {
		want = append(want, o.ID)
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("listed %d ids in %d pages, want the %d ids in 3 pages", len(got), pages, len(want))
	}
	r := c.must(200, "GET", "/crm/v3/objects/notes?limit=2&associations=contacts&properties=hs_note_body", nil)
	for _, res := range r.get("results").Array() {
		n, _ := s.Object("notes", res.Get("id").String())
		if res.Get("associations.contacts.results.0.id").String() != n.Contacts[0] ||
			res.Get("associations.contacts.results.0.type").String() != "note_to_contact" {
			t.Errorf("note %s associations %s, want contact %v", n.ID, res.Get("associations").Raw, n.Contacts)
		}
	}
	c.must(400, "GET", "/crm/v3/objects/contacts?limit=101", nil)
	c.must(404, "GET", "/crm/v3/objects/tickets", nil)
}

func TestSingleObjectEndpoints(t *testing.T) {
	s, c := testSandbox(t, Options{})
	r := c.must(201, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "Solo@One.example", "firstname": "Solo"}})
	id := r.get("id").String()
	if r.get("properties.email").String() != "solo@one.example" || r.get("properties.lastmodifieddate").String() == "" {
		t.Errorf("create: %s", r.body)
	}
	c.must(409, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "solo@one.example"}})
	c.must(400, "POST", "/crm/v3/objects/contacts", map[string]any{"properties": map[string]any{"email": "nope"}})
	if r := c.must(400, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"lastmodifieddate": "1"}}); !strings.Contains(r.get("message").String(), "READ_ONLY_VALUE") {
		t.Errorf("a write of a read-only property: %s", r.body)
	}
	r = c.must(200, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"firstname": "Duo"}})
	if r.get("properties.firstname").String() != "Duo" {
		t.Errorf("update: %s", r.body)
	}
	r = c.must(200, "GET", "/crm/v3/objects/contacts/solo@one.example?idProperty=email&properties=firstname", nil)
	if r.get("id").String() != id || r.get("properties.firstname").String() != "Duo" {
		t.Errorf("get by email: %s", r.body)
	}
	c.must(404, "GET", "/crm/v3/objects/contacts/123", nil)
	c.must(404, "PATCH", "/crm/v3/objects/contacts/123", map[string]any{"properties": map[string]any{}})
	r = c.must(200, "GET", "/crm/v3/properties/companies/cxhub_key", nil)
	if !r.get("hasUniqueValue").Bool() {
		t.Errorf("cxhub_key: %s", r.body)
	}
	if r := c.must(200, "GET", "/crm/v3/properties/companies/name", nil); r.get("hasUniqueValue").Bool() {
		t.Errorf("name is unique: %s", r.body)
	}
	c.must(404, "GET", "/crm/v3/properties/companies/erp_id", nil)
	if r := c.must(200, "GET", "/account-info/v3/details", nil); r.get("portalId").Int() != DefaultPortalID {
		t.Errorf("account: %s", r.body)
	}
	c.must(404, "GET", "/crm/v3/nothing", nil)

	note := s.Objects("notes")[0]
	if err := s.Delete("contacts", note.Contacts[0]); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Object("notes", note.ID); len(n.Contacts) != 0 {
		t.Errorf("a deleted contact is still associated with note %s", note.ID)
	}
}

// TestDateIsTheSandboxClock: every answer's Date header is the clock that
// stamps edits (Options.Now), so that a reader may compare the two.
func TestDateIsTheSandboxClock(t *testing.T) {
	_, c := testSandbox(t, Options{})
	for _, tt := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/crm/v3/objects/contacts?limit=1", nil},
		{"POST", "/crm/v3/objects/contacts/search", map[string]any{"limit": 1}},
		{"GET", "/account-info/v3/details", nil},
	} {
		r := c.must(200, tt.method, tt.path, tt.body)
		got, err := http.ParseTime(r.header.Get("Date"))
		if err != nil || !got.Equal(fixedNow) {
			t.Errorf("%s %s: Date %q, want the sandbox's clock %s", tt.method, tt.path, r.header.Get("Date"), fixedNow.Format(http.TimeFormat))
		}
	}
}

// TestDeleteArchives: DELETE /crm/v3/objects/{type}/{id} answers 204 and
// archives the object, as HubSpot does: a read, a list and a search no
// longer show it, a list with archived=true does, with archivedAt; a
// merged object is gone, not archived.
func TestDeleteArchives(t *testing.T) {
	s, c := testSandbox(t, Options{Contacts: 5})
	ids := []string{}
	for _, o := range s.Objects("contacts") {
		ids = append(ids, o.ID)
	}
	c.must(204, "DELETE", "/crm/v3/objects/contacts/"+ids[1], nil)
	c.must(404, "DELETE", "/crm/v3/objects/contacts/"+ids[1], nil)
	c.must(404, "GET", "/crm/v3/objects/contacts/"+ids[1], nil)
	if err := s.Delete("contacts", ids[3]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge("contacts", ids[0], ids[4]); err != nil {
		t.Fatal(err)
	}
	live := c.must(200, "GET", "/crm/v3/objects/contacts?limit=100", nil)
	if n := len(live.get("results").Array()); n != 2 {
		t.Errorf("list: %d objects, want 2: %s", n, live.body)
	}
	found := c.must(200, "POST", "/crm/v3/objects/contacts/search", map[string]any{"limit": 100})
	if n := found.get("total").Int(); n != 2 {
		t.Errorf("search: total %d, want 2", n)
	}
	archived := c.must(200, "GET", "/crm/v3/objects/contacts?archived=true&limit=1", nil)
	res := archived.get("results").Array()
	if len(res) != 1 || res[0].Get("id").String() != ids[1] || !res[0].Get("archived").Bool() ||
		res[0].Get("archivedAt").String() == "" || archived.get("paging.next.after").String() == "" {
		t.Fatalf("archived page 1: %s", archived.body)
	}
	archived = c.must(200, "GET", "/crm/v3/objects/contacts?archived=true&limit=1&after="+url.QueryEscape(archived.get("paging.next.after").String()), nil)
	if res := archived.get("results").Array(); len(res) != 1 || res[0].Get("id").String() != ids[3] || archived.get("paging.next").Exists() {
		t.Fatalf("archived page 2 (the merged %s is not archived): %s", ids[4], archived.body)
	}
}
