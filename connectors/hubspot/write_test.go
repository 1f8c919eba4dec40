package hubspot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
)

// contactRecords returns n contact records with emails p0@<domain>...
func contactRecords(n int, domain, first string) []sdk.Record {
	recs := make([]sdk.Record, n)
	for i := range recs {
		recs[i] = sdk.Record{Stream: "customers", Key: fmt.Sprintf("c-%d", i),
			Data: fmt.Appendf(nil, `{"email":"P%d@%s","firstname":%q,"lastname":"Tester"}`, i, domain, first)}
	}
	return recs
}

func TestUpsertTwiceLeavesOneContactPerEmail(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	before := e.sb.Count(streamContacts)
	recs := contactRecords(250, "upsert.example", "Ann")
	first := e.write(e.config(nil), streamContacts, recs, 120)
	second := e.write(e.config(nil), streamContacts, contactRecords(250, "upsert.example", "Anna"), 70)
	for i := range recs {
		email := fmt.Sprintf("p%d@upsert.example", i)
		found := e.sb.Find(streamContacts, "email", email)
		if len(found) != 1 {
			t.Fatalf("%d contacts with email %s after two writes, want 1", len(found), email)
		}
		if first[i].Err != nil || second[i].Err != nil || first[i].ID != found[0].ID || second[i].ID != found[0].ID {
			t.Fatalf("record %d: results %+v then %+v, want both written as %s", i, first[i], second[i], found[0].ID)
		}
		if !first[i].Created || second[i].Created {
			t.Errorf("record %d: created %v then %v, want true then false", i, first[i].Created, second[i].Created)
		}
		if found[0].Properties["firstname"] != "Anna" {
			t.Errorf("contact %s: firstname %q, want the second write's", email, found[0].Properties["firstname"])
		}
	}
	if got := e.sb.Count(streamContacts); got != before+250 {
		t.Errorf("%d contacts, want %d", got, before+250)
	}
}

func TestWriteOf10000ContactsTakes100Requests(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	e.sb.Kit().ResetStats()
	results := e.write(e.config(nil), streamContacts, contactRecords(10000, "bulk.example", "Bulk"), 500)
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i, r.Err)
		}
	}
	if n := e.sb.Kit().Count("POST", "/crm/v3/objects/contacts/batch/upsert"); n != 100 {
		t.Errorf("%d upsert requests for 10,000 contacts, want 100", n)
	}
}

func TestRefusedInputsFailAloneWithHubSpotsMessage(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	recs := contactRecords(6, "partial.example", "Pat")
	recs[1].Data = []byte(`{"email":"not-an-email","firstname":"Bad"}`)
	recs[4].Data = []byte(`{"email":"shoe@partial.example","shoe_size":"44"}`)
	results := e.write(e.config(nil), streamContacts, recs, 100)
	for i, r := range results {
		switch i {
		case 1, 4:
			want := map[int]string{1: "Email address not-an-email is invalid", 4: `Property \"shoe_size\" does not exist`}[i]
			if sdk.KindOf(r.Err) != sdk.KindBadRecord || !strings.Contains(r.Err.Error(), want) || !strings.Contains(r.Err.Error(), recs[i].Key) {
				t.Errorf("record %d: %v, want a bad record naming it with HubSpot's %q", i, r.Err, want)
			}
		default:
			if r.Err != nil || r.ID == "" {
				t.Errorf("record %d: %+v, want written", i, r)
			}
		}
	}
	if got := e.sb.Find(streamContacts, "email", "shoe@partial.example"); len(got) != 0 {
		t.Errorf("the refused contact was written: %v", got)
	}
}

func TestRecordShapes(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	tests := []struct {
		name    string
		data    string
		wantErr string // "" = written
		check   map[string]string
	}{
		{"flat", `{"email":"flat@shapes.example","firstname":"Flat","phone":12345}`, "", map[string]string{"firstname": "Flat", "phone": "12345"}},
		{"nested", `{"id":"99","properties":{"email":"Nested@Shapes.example","lastname":"Nest"},"archived":false}`, "", map[string]string{"lastname": "Nest", "email": "nested@shapes.example"}},
		{"array joined", `{"email":"arr@shapes.example","hs_lead_status":["NEW","OPEN"]}`, "", map[string]string{"hs_lead_status": "NEW;OPEN"}},
		{"read-only dropped", `{"email":"ro@shapes.example","hs_object_id":"1","lastmodifieddate":"x"}`, "", map[string]string{}},
		// The dates HubSpot sets on any object type, as a record read from
		// another stream (a company's, a note's) carries them.
		{"every type's dates dropped", `{"email":"ro2@shapes.example","hs_lastmodifieddate":"x","hs_createdate":"y","createdate":"z"}`, "", map[string]string{}},
		{"object value", `{"email":"obj@shapes.example","address":{"city":"Paris"}}`, "address is an object", nil},
		{"no email", `{"firstname":"Nobody"}`, "no email", nil},
		{"not an object", `["x"]`, "not a JSON object", nil},
		{"properties not an object", `{"properties":"x"}`, `"properties" is not an object`, nil},
	}
	recs := make([]sdk.Record, len(tests))
	for i, tt := range tests {
		recs[i] = sdk.Record{Key: tt.name, Data: []byte(tt.data)}
	}
	recs = append(recs, sdk.Record{Key: "delete", Op: sdk.Delete, Data: []byte(`{"email":"del@shapes.example"}`)})
	results := e.write(e.config(nil), streamContacts, recs, 100)
	for i, tt := range tests {
		r := results[i]
		if tt.wantErr != "" {
			if sdk.KindOf(r.Err) != sdk.KindBadRecord || !strings.Contains(r.Err.Error(), tt.wantErr) {
				t.Errorf("%s: %v, want a bad record saying %q", tt.name, r.Err, tt.wantErr)
			}
			continue
		}
		if r.Err != nil {
			t.Errorf("%s: %v", tt.name, r.Err)
			continue
		}
		o, _ := e.sb.Object(streamContacts, r.ID)
		for k, v := range tt.check {
			if o.Properties[k] != v {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, o.Properties[k], v)
			}
		}
	}
	if r := results[len(results)-1]; sdk.KindOf(r.Err) != sdk.KindBadRecord {
		t.Errorf("a delete: %v, want a bad record", r.Err)
	}
}

func TestContactTargetIDUpdatesThatContact(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	first := e.write(e.config(nil), streamContacts, contactRecords(2, "target.example", "Tom"), 10)
	moved := contactRecords(2, "moved.example", "Tom")           // the emails changed in the source
	moved[0].TargetID, moved[1].TargetID = first[0].ID, "424242" // the second's contact is gone
	results := e.write(e.config(nil), streamContacts, moved, 10)
	if results[0].Err != nil || results[0].ID != first[0].ID || results[0].Created {
		t.Errorf("update by TargetID: %+v, want contact %s updated", results[0], first[0].ID)
	}
	if o, _ := e.sb.Object(streamContacts, first[0].ID); o.Properties["email"] != "p0@moved.example" {
		t.Errorf("contact %s has email %q, want the new one", first[0].ID, o.Properties["email"])
	}
	if results[1].Err != nil || !results[1].Created || len(e.sb.Find(streamContacts, "email", "p1@moved.example")) != 1 {
		t.Errorf("a TargetID HubSpot does not know: %+v, want the record upserted by email", results[1])
	}
}

// TestContactFallbackKeepsRecordOrder: a record whose contact is gone is
// upserted by email; when a later record of the batch has the same email,
// the later one is still written last, so its values win.
func TestContactFallbackKeepsRecordOrder(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	recs := []sdk.Record{
		{Key: "old", TargetID: "424242", Data: []byte(`{"email":"same@order.example","firstname":"Earlier"}`)},
		{Key: "new", Data: []byte(`{"email":"same@order.example","firstname":"Later"}`)},
	}
	results := e.write(e.config(nil), streamContacts, recs, 10)
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i, r.Err)
		}
	}
	found := e.sb.Find(streamContacts, "email", "same@order.example")
	if len(found) != 1 || found[0].Properties["firstname"] != "Later" {
		t.Fatalf("contacts with the email: %+v, want one, with the later record's firstname", found)
	}
	if results[0].ID != found[0].ID || results[1].ID != found[0].ID {
		t.Errorf("results %+v, want both naming contact %s", results, found[0].ID)
	}
}

func TestCompanies(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	recs := []sdk.Record{
		{Key: "org-1", Data: []byte(`{"name":"Acme","domain":"acme.example"}`)},
		{Key: "org-2", Data: []byte(`{"name":"Globex","domain":"globex.example","cxhub_key":"own-key"}`)},
	}
	keyed := e.config(map[string]any{"company_key_property": "cxhub_key"})
	first := e.write(keyed, streamCompanies, recs, 10)
	again := e.write(keyed, streamCompanies, recs, 10)
	for i, key := range []string{"org-1", "own-key"} {
		found := e.sb.Find(streamCompanies, "cxhub_key", key)
		if len(found) != 1 || first[i].ID != found[0].ID || again[i].ID != found[0].ID || !first[i].Created || again[i].Created {
			t.Errorf("company %s: %d found, results %+v then %+v; want one, created then updated", key, len(found), first[i], again[i])
		}
	}
	linked := []sdk.Record{
		{Key: "org-1", TargetID: first[0].ID, Data: []byte(`{"name":"Acme Corp"}`)},
		{Key: "org-3", TargetID: "5999999", Data: []byte(`{"name":"Gone"}`)},
	}
	for _, cfg := range []sdk.Config{keyed, e.config(nil)} {
		results := e.write(cfg, streamCompanies, linked, 10)
		if o, _ := e.sb.Object(streamCompanies, first[0].ID); results[0].Err != nil || o.Properties["name"] != "Acme Corp" {
			t.Errorf("update by TargetID: %+v, name %q", results[0], o.Properties["name"])
		}
		if err := results[1].Err; sdk.KindOf(err) != sdk.KindBadRecord || !strings.Contains(err.Error(), "5999999") ||
			!strings.Contains(err.Error(), "no longer") {
			t.Errorf("a TargetID HubSpot does not know: %v, want a bad record naming it", err)
		}
	}

	// A key property HubSpot does not have is a configuration error, once.
	_, err := e.conn.OpenWriter(t.Context(), sdk.OpenWriterRequest{Config: e.config(map[string]any{"company_key_property": "erp_id"}), Stream: streamCompanies})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "company_key_property") {
		t.Errorf("open writer with a missing key property: %v, want a config error naming company_key_property", err)
	}
	_, err = e.conn.OpenWriter(t.Context(), sdk.OpenWriterRequest{Config: e.config(map[string]any{"company_key_property": "name"}), Stream: streamCompanies})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "unique") {
		t.Errorf("open writer with a key property without unique values: %v, want a config error", err)
	}
}

func TestNotes(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	contacts := e.sb.Objects(streamContacts)
	recs := []sdk.Record{
		{Key: "n-1", Data: fmt.Appendf(nil, `{"hs_note_body":"by id","hs_timestamp":"2026-01-02T03:04:05Z","contact_id":%q}`, contacts[0].ID)},
		{Key: "n-2", Data: fmt.Appendf(nil, `{"hs_note_body":"by email","hs_timestamp":1767225600000,"contact_email":%q}`,
			strings.ToUpper(contacts[1].Properties["email"]))},
		{Key: "n-3", Data: []byte(`{"hs_note_body":"nobody","hs_timestamp":"2026-01-02T03:04:05Z","contact_email":"ghost@nowhere.example"}`)},
		{Key: "n-4", Data: fmt.Appendf(nil, `{"hs_note_body":"no time","contact_id":%q}`, contacts[0].ID)},
		{Key: "n-5", Data: []byte(`{"hs_note_body":"no contact","hs_timestamp":"2026-01-02T03:04:05Z"}`)},
	}
	keyed := e.config(map[string]any{"note_key_property": "cxhub_key"})
	first := e.write(keyed, streamNotes, recs, 10)
	again := e.write(keyed, streamNotes, recs, 10)
	for i, want := range []string{contacts[0].ID, contacts[1].ID} {
		found := e.sb.Find(streamNotes, "cxhub_key", recs[i].Key)
		if len(found) != 1 || first[i].Err != nil || again[i].ID != first[i].ID || found[0].ID != first[i].ID {
			t.Fatalf("note %s: %d found, results %+v then %+v; want one note, the same id twice", recs[i].Key, len(found), first[i], again[i])
		}
		if len(found[0].Contacts) != 1 || found[0].Contacts[0] != want {
			t.Errorf("note %s is associated with %v, want contact %s", recs[i].Key, found[0].Contacts, want)
		}
	}
	for i, want := range map[int]string{2: "ghost@nowhere.example", 3: "hs_timestamp", 4: "contact_id or contact_email"} {
		if err := first[i].Err; sdk.KindOf(err) != sdk.KindBadRecord || !strings.Contains(err.Error(), want) {
			t.Errorf("note %s: %v, want a bad record saying %q", recs[i].Key, err, want)
		}
	}
	// Without a key property (the default): created with the association in one request.
	e.sb.Kit().ResetStats()
	res := e.write(e.config(nil), streamNotes, recs[:1], 10)
	if o, _ := e.sb.Object(streamNotes, res[0].ID); res[0].Err != nil || len(o.Contacts) != 1 || o.Contacts[0] != contacts[0].ID {
		t.Errorf("note created without a key property: %+v, %+v", res[0], o)
	}
	if n := e.sb.Kit().Count("POST", "/crm/v4/associations/notes/contacts/batch/create"); n != 0 {
		t.Errorf("%d association requests for a note created with its association, want none", n)
	}
}
