package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestBatchUpsert(t *testing.T) {
	s, c := testSandbox(t, Options{})
	existing := s.Objects("contacts")[0]
	body := map[string]any{"inputs": []map[string]any{
		{"idProperty": "email", "id": "New.Person@Example.com", "objectWriteTraceId": "0", "properties": map[string]any{"firstname": "New", "numberish": nil}},
		{"idProperty": "email", "id": "not-an-email", "objectWriteTraceId": "1", "properties": map[string]any{"firstname": "Bad"}},
		{"idProperty": "email", "id": existing.Properties["email"], "objectWriteTraceId": "2", "properties": map[string]any{"firstname": "Changed"}},
	}}
	// numberish is not a property: that input fails, the others are written.
	r := c.must(207, "POST", "/crm/v3/objects/contacts/batch/upsert", body)
	if r.get("numErrors").Int() != 2 || len(r.get("results").Array()) != 1 {
		t.Fatalf("answer %s: want 2 errors and 1 result", r.body)
	}
	body["inputs"].([]map[string]any)[0]["properties"] = map[string]any{"firstname": "New", "phone": 12345}
	r = c.must(207, "POST", "/crm/v3/objects/contacts/batch/upsert", body)
	if r.get("numErrors").Int() != 1 {
		t.Fatalf("answer %s: want 1 error", r.body)
	}
	e := r.get("errors.0")
	if e.Get("context.ids.0").String() != "not-an-email" || e.Get("context.objectWriteTraceId.0").String() != "1" ||
		!strings.Contains(e.Get("message").String(), "Email address not-an-email is invalid") || e.Get("category").String() != "VALIDATION_ERROR" {
		t.Errorf("error %s: want the input named by id and trace id, with HubSpot's message", e.Raw)
	}
	res := r.get("results").Array()
	if len(res) != 2 || res[0].Get("objectWriteTraceId").String() != "2" || res[0].Get("new").Bool() ||
		res[1].Get("objectWriteTraceId").String() != "0" || !res[1].Get("new").Bool() {
		t.Errorf("results %s: want the update (new false) then the create (new true), in reverse input order", r.get("results").Raw)
	}
	if got := s.Find("contacts", "email", "new.person@example.com"); len(got) != 1 || got[0].Properties["phone"] != "12345" ||
		got[0].Properties["email"] != "new.person@example.com" {
		t.Errorf("created contact %+v: want one, email lower-cased, number stored as text", got)
	}
	if o, _ := s.Object("contacts", existing.ID); o.Properties["firstname"] != "Changed" || !o.UpdatedAt.After(existing.UpdatedAt) {
		t.Errorf("updated contact %+v", o)
	}
	before, _ := s.Object("contacts", existing.ID)
	c.must(207, "POST", "/crm/v3/objects/contacts/batch/upsert", body)
	if after, _ := s.Object("contacts", existing.ID); !after.UpdatedAt.Equal(before.UpdatedAt) || s.Count("contacts") != 31 {
		t.Errorf("an identical upsert moved lastmodifieddate (%v → %v) or added a contact (%d)", before.UpdatedAt, after.UpdatedAt, s.Count("contacts"))
	}
	dup := map[string]any{"inputs": []map[string]any{
		{"idProperty": "email", "id": "a@b.example", "properties": map[string]any{}},
		{"idProperty": "email", "id": "A@B.example", "properties": map[string]any{}},
	}}
	c.must(400, "POST", "/crm/v3/objects/contacts/batch/upsert", dup)
	many := map[string]any{"inputs": make([]map[string]any, 101)}
	for i := range 101 {
		many["inputs"].([]map[string]any)[i] = map[string]any{"idProperty": "email", "id": fmt.Sprintf("p%d@x.example", i)}
	}
	c.must(400, "POST", "/crm/v3/objects/contacts/batch/upsert", many)
}

func TestBatchCreateAndUpdate(t *testing.T) {
	s, c := testSandbox(t, Options{})
	companies := s.Count("companies")
	inputs := []map[string]any{
		{"properties": map[string]any{"name": "Good Co", "domain": "good.example", "cxhub_key": "k1"}},
		{"properties": map[string]any{"name": "Bad Co", "numberofemployees": "many"}},
	}
	// Without trace ids, one bad input fails the batch and nothing is created.
	c.must(400, "POST", "/crm/v3/objects/companies/batch/create", map[string]any{"inputs": inputs})
	if s.Count("companies") != companies {
		t.Fatalf("a failed batch created companies")
	}
	inputs[0]["objectWriteTraceId"], inputs[1]["objectWriteTraceId"] = "a", "b"
	r := c.must(207, "POST", "/crm/v3/objects/companies/batch/create", map[string]any{"inputs": inputs})
	if r.get("errors.0.context.objectWriteTraceId.0").String() != "b" || r.get("results.0.objectWriteTraceId").String() != "a" {
		t.Fatalf("answer %s: want input b failed and a created", r.body)
	}
	created := r.get("results.0.id").String()
	// A duplicate of the unique cxhub_key is refused.
	r = c.must(207, "POST", "/crm/v3/objects/companies/batch/create", map[string]any{"inputs": []map[string]any{
		{"objectWriteTraceId": "x", "properties": map[string]any{"name": "Again", "cxhub_key": "k1"}}}})
	if r.get("errors.0.category").String() != "CONFLICT" {
		t.Errorf("duplicate key: %s", r.body)
	}
	r = c.must(207, "POST", "/crm/v3/objects/companies/batch/update", map[string]any{"inputs": []map[string]any{
		{"id": created, "properties": map[string]any{"name": "Better Co"}},
		{"id": "404404", "properties": map[string]any{"name": "Ghost"}},
		{"id": "404405", "properties": map[string]any{"name": "Ghost"}},
	}})
	if e := r.get("errors.0"); e.Get("category").String() != "OBJECT_NOT_FOUND" || e.Get("context.ids.#").Int() != 2 {
		t.Errorf("missing ids: %s; want one OBJECT_NOT_FOUND naming both", e.Raw)
	}
	if o, _ := s.Object("companies", created); o.Properties["name"] != "Better Co" {
		t.Errorf("company after update: %v", o.Properties)
	}
	// One id twice in a batch is refused, and neither input is written.
	r = c.must(400, "POST", "/crm/v3/objects/companies/batch/update", map[string]any{"inputs": []map[string]any{
		{"id": created, "properties": map[string]any{"name": "First"}},
		{"id": created, "properties": map[string]any{"name": "Second"}},
	}})
	if !strings.Contains(r.get("message").String(), "Duplicate IDs found in batch input: ["+created+"]") {
		t.Errorf("duplicate ids in an update: %s", r.body)
	}
	if o, _ := s.Object("companies", created); o.Properties["name"] != "Better Co" {
		t.Errorf("company after a refused update: %v", o.Properties)
	}
	contact := s.Objects("contacts")[0].ID
	r = c.must(201, "POST", "/crm/v3/objects/notes/batch/create", map[string]any{"inputs": []map[string]any{{
		"properties": map[string]any{"hs_note_body": "hello", "hs_timestamp": "2026-01-02T03:04:05Z"},
		"associations": []map[string]any{{"to": map[string]any{"id": contact},
			"types": []map[string]any{{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}}}},
	}}})
	note, _ := s.Object("notes", r.get("results.0.id").String())
	if !slices.Equal(note.Contacts, []string{contact}) || note.Properties["hs_timestamp"] != "2026-01-02T03:04:05.000Z" {
		t.Errorf("note %+v: want associated with %s, timestamp normalised", note, contact)
	}
	r = c.must(400, "POST", "/crm/v3/objects/notes/batch/create", map[string]any{"inputs": []map[string]any{{
		"properties": map[string]any{"hs_note_body": "no time"}}}})
	if !strings.Contains(r.get("message").String(), "hs_timestamp") {
		t.Errorf("note without hs_timestamp: %s", r.body)
	}
}

func TestAssociationsV4(t *testing.T) {
	s, c := testSandbox(t, Options{})
	if lonely, err := s.Replace("notes", 0); err != nil || len(lonely) != 0 || s.Count("notes") != 0 {
		t.Fatalf("replace notes with none: %v, %v, %d left", lonely, err, s.Count("notes"))
	}
	r := c.must(201, "POST", "/crm/v3/objects/notes", map[string]any{"properties": map[string]any{"hs_note_body": "x", "hs_timestamp": "1767225600000"}})
	note := r.get("id").String()
	contact := s.Objects("contacts")[2].ID
	read := map[string]any{"inputs": []map[string]any{{"id": note}}}
	if r := c.must(207, "POST", "/crm/v4/associations/notes/contacts/batch/read", read); r.get("errors.0.context.fromObjectId.0").String() != note {
		t.Errorf("read of a note without contacts: %s", r.body)
	}
	create := map[string]any{"inputs": []map[string]any{{"from": map[string]any{"id": note}, "to": map[string]any{"id": contact},
		"types": []map[string]any{{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}}}}}
	c.must(201, "POST", "/crm/v4/associations/notes/contacts/batch/create", create)
	c.must(201, "POST", "/crm/v4/associations/notes/contacts/batch/create", create) // twice: still one
	r = c.must(200, "POST", "/crm/v4/associations/notes/contacts/batch/read", read)
	if r.get("results.0.to.#").Int() != 1 || r.get("results.0.to.0.toObjectId").String() != contact ||
		r.get("results.0.to.0.associationTypes.0.typeId").Int() != 202 {
		t.Errorf("associations read back: %s", r.body)
	}
	create["inputs"].([]map[string]any)[0]["to"] = map[string]any{"id": "1"}
	if r := c.must(207, "POST", "/crm/v4/associations/notes/contacts/batch/create", create); r.get("errors.0.category").String() != "OBJECT_NOT_FOUND" {
		t.Errorf("association to a missing contact: %s", r.body)
	}
}
