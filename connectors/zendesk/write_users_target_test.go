package zendesk

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
)

// linked is a users record with a TargetID, as the core gives a two-way
// sync's changed fields of a linked user.
func linked(key, target, data string) sdk.Record {
	r := record("contacts", key, data)
	r.TargetID = target
	return r
}

// TestLinkedUserIsUpdatedByID is the two-way duplicate: a user made in
// Zendesk, linked to a HubSpot contact, gets back only the changed fields
// and send_always (external_id), with no email. It must update that user,
// not create another.
func TestLinkedUserIsUpdatedByID(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 21, Users: 1, Tickets: -1, JobPolls: 1})
	first, err := e.write(e.config(), StreamUsers, []sdk.Record{
		record("people", "p1", `{"email":"zed.only@example.org","phone":"+14155550199","name":"Zed Only"}`)})
	if err != nil || first[0].Err != nil || !first[0].Created {
		t.Fatalf("creating the user: %+v, %v", first, err)
	}
	before := len(e.sb.Users())
	results, err := e.write(e.config(), StreamUsers, []sdk.Record{
		linked("1001", first[0].ID, `{"external_id":"hubspot-1001","name":"Zed Only","notes":"from hubspot"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Err != nil || r.ID != first[0].ID || r.Created {
		t.Errorf("linked record: %+v, want user %s updated", r, first[0].ID)
	}
	if n := len(e.sb.Users()); n != before {
		t.Errorf("%d users after updating a linked one, want %d (a duplicate was created)", n, before)
	}
	var id int64
	fmt.Sscan(first[0].ID, &id)
	u, _ := e.sb.User(id)
	if u.ExternalID != "hubspot-1001" || u.Notes != "from hubspot" || u.Email != "zed.only@example.org" || u.Phone != "+14155550199" {
		t.Errorf("user after the update: %+v, want external_id and notes set, email and phone kept", u)
	}
}

// TestLinkedUsersInBulkJobs updates linked users by id in update_many jobs
// of up to 100, beside upserts in the same batch, and maps each result to
// its record by the user's id.
func TestLinkedUsersInBulkJobs(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 22, Users: 1, Tickets: -1, JobPolls: 1})
	var seed []sdk.Record
	for i := range 150 {
		seed = append(seed, record("people", fmt.Sprint(i), fmt.Sprintf(`{"email":"linked.%d@example.org","name":"Linked %d"}`, i, i)))
	}
	made, err := e.write(e.config(), StreamUsers, seed)
	if err != nil {
		t.Fatal(err)
	}
	jobsBefore := len(e.sb.JobRecords())
	before := len(e.sb.Users())
	// Newest first, so that results in id order would not line up with the records.
	var recs []sdk.Record
	for i := 149; i >= 0; i-- {
		recs = append(recs, linked(fmt.Sprint(i), made[i].ID, fmt.Sprintf(`{"notes":"note %d"}`, i)))
	}
	recs = append(recs, record("people", "new", `{"email":"fresh@example.org","name":"Fresh"}`))
	recs = append(recs, linked("bad", made[0].ID, `{"role":"wizard"}`))
	results, err := e.write(e.config(), StreamUsers, recs)
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range results[:150] {
		i := 149 - k
		if r.Err != nil || r.ID != made[i].ID || r.Created {
			t.Fatalf("record %d: %+v, want user %s updated", k, r, made[i].ID)
		}
		var id int64
		fmt.Sscan(r.ID, &id)
		if u, _ := e.sb.User(id); u.Notes != fmt.Sprintf("note %d", i) {
			t.Fatalf("user %d notes %q, want %q", id, u.Notes, fmt.Sprintf("note %d", i))
		}
	}
	if r := results[150]; r.Err != nil || !r.Created {
		t.Errorf("the new user: %+v, want created", r)
	}
	if r := results[151]; sdk.KindOf(r.Err) != sdk.KindBadRecord || !strings.Contains(r.Err.Error(), "not a valid role") {
		t.Errorf("the invalid update: %v, want a bad record with zendesk's words", r.Err)
	}
	if n := len(e.sb.Users()); n != before+1 {
		t.Errorf("%d users, want %d (one new)", n, before+1)
	}
	if jobs := len(e.sb.JobRecords()) - jobsBefore; jobs != 3 {
		t.Errorf("%d jobs for 151 updates and 1 upsert, want 3", jobs)
	}
}

// TestLinkedUserGoneFromZendesk: a TargetID Zendesk no longer has falls
// back to create-or-update by the record's email or external_id, and is a
// bad record saying so when the record carries neither.
func TestLinkedUserGoneFromZendesk(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 23, Users: 1, Tickets: -1, JobPolls: 1})
	const gone = "1999999999999"
	before := len(e.sb.Users())
	results, err := e.write(e.config(), StreamUsers, []sdk.Record{
		linked("a", gone, `{"email":"back@example.org","name":"Back Again"}`),
		linked("b", gone, `{"notes":"only a change"}`),
		linked("c", "not-an-id", `{"notes":"x"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Err != nil || !r.Created || r.ID == gone {
		t.Errorf("gone target with an email: %+v, want a new user created", r)
	}
	if us := e.sb.UsersByEmail("back@example.org"); len(us) != 1 || fmt.Sprint(us[0].ID) != results[0].ID {
		t.Errorf("users with the email: %+v, want one, id %s", us, results[0].ID)
	}
	if r := results[1]; sdk.KindOf(r.Err) != sdk.KindBadRecord || !strings.Contains(r.Err.Error(), "no longer in zendesk") {
		t.Errorf("gone target without email or external_id: %v, want a bad record saying the user is gone", r.Err)
	}
	if r := results[2]; sdk.KindOf(r.Err) != sdk.KindBadRecord || !strings.Contains(r.Err.Error(), "TargetID") {
		t.Errorf("a TargetID that is not a zendesk id: %v, want a bad record", r.Err)
	}
	if n := len(e.sb.Users()); n != before+1 {
		t.Errorf("%d users, want %d", n, before+1)
	}
}

// TestUpdateJobResultsPlacedByID: update_many results carry the user's id,
// no index; they are placed by it, whatever their order, and two updates of
// one user take its results in order.
func TestUpdateJobResultsPlacedByID(t *testing.T) {
	chunk := userChunk{update: true, inputs: []userInput{
		{index: 0, target: 11, who: "id 11"}, {index: 1, target: 12, who: "id 12"},
		{index: 2, target: 11, who: "id 11"}, {index: 3, target: 13, who: "id 13"},
	}}
	results := jsonResult(`[
		{"id":12,"action":"update","status":"Updated","success":true},
		{"id":11,"action":"update","status":"Updated","success":true},
		{"id":11,"action":"update","status":"Failed","success":false,"error":"UserUpdateError","details":"Role: x is not a valid role"}]`)
	out := jobResults("J1", results, chunk)
	if out[0].Err != nil || out[0].ID != "11" || out[1].Err != nil || out[1].ID != "12" {
		t.Errorf("results 0 and 1: %+v %+v, want users 11 and 12 updated", out[0], out[1])
	}
	if sdk.KindOf(out[2].Err) != sdk.KindBadRecord || !strings.Contains(out[2].Err.Error(), "not a valid role") {
		t.Errorf("the second update of 11: %v, want zendesk's refusal", out[2].Err)
	}
	if sdk.KindOf(out[3].Err) != sdk.KindTransient {
		t.Errorf("user 13 without a result: %v, want transient", out[3].Err)
	}
}

func TestWithID(t *testing.T) {
	for body, want := range map[string]string{
		`{"notes":"x"}`:  `{"id":7,"notes":"x"}`,
		` { } `:          `{"id":7}`,
		`{ "a":1,"b":2}`: `{"id":7,"a":1,"b":2}`,
	} {
		got := string(withID([]byte(body), 7))
		if jsonResult(got).Raw != got || !jsonResult(got).IsObject() || got != want {
			t.Errorf("withID(%s) = %s, want %s", body, got, want)
		}
	}
}
