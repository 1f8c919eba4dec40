package zendesk

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
)

func TestUpsertUsersMapsResultsToInputs(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 8, Users: 4, Tickets: -1, JobPolls: 2})
	existing := e.sb.Users()[5] // an end user, its email maybe spelled with spaces or capitals
	records := []sdk.Record{
		record("contacts", "c1", `{"email":"ann@example.org","name":"Ann"}`),
		record("contacts", "c2", `{"email":"not an email","name":"Bad"}`), // Zendesk refuses it
		record("contacts", "c3", `{"name":"No Key"}`),                     // refused before sending
		record("contacts", "c4", fmt.Sprintf(`{"user":{"email":%q,"phone":"+4420"}}`, "  "+strings.ToUpper(strings.TrimSpace(existing.Email))+" ")),
		record("contacts", "c5", `{"external_id":42,"name":"By External Id"}`),
		record("contacts", "c6", `[1,2]`),
		record("contacts", "c7", `{"email":"nameless@example.org"}`), // a new user needs a name
	}
	results, err := e.write(e.config(), StreamUsers, records)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		ok      bool
		created bool
		msg     string
	}
	wants := []want{{true, true, ""}, {false, false, "not properly formatted"}, {false, false, "email or external_id"},
		{true, false, ""}, {true, true, ""}, {false, false, "not a JSON object"}, {false, false, "Name"}}
	for i, w := range wants {
		r := results[i]
		switch {
		case w.ok && (r.Err != nil || r.ID == "" || r.Created != w.created):
			t.Errorf("record %d: %+v, want written (created %v)", i, r, w.created)
		case !w.ok && (sdk.KindOf(r.Err) != sdk.KindBadRecord || !strings.Contains(r.Err.Error(), w.msg)):
			t.Errorf("record %d: %v, want a bad record mentioning %q", i, r.Err, w.msg)
		}
	}
	if results[3].ID != fmt.Sprint(existing.ID) {
		t.Errorf("the user matched by email got id %s, want %d", results[3].ID, existing.ID)
	}
	if u, _ := e.sb.User(existing.ID); u.Phone != "+4420" {
		t.Errorf("matched user's phone %q, want +4420", u.Phone)
	}
	if us := e.sb.UsersByEmail("ann@example.org"); len(us) != 1 || fmt.Sprint(us[0].ID) != results[0].ID {
		t.Errorf("ann: %+v, want one user with id %s", us, results[0].ID)
	}
	// Again: one user per email, the same ids, none created.
	again, err := e.write(e.config(), StreamUsers, records)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 3, 4} {
		if again[i].ID != results[i].ID || again[i].Created {
			t.Errorf("record %d again: %+v, want id %s, not created", i, again[i], results[i].ID)
		}
	}
	if n := len(e.sb.UsersByEmail("ann@example.org")); n != 1 {
		t.Errorf("%d users with ann's email after two upserts", n)
	}
}

func TestUpsertUsersInJobsOfAHundred(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 9, Users: 1, Tickets: -1})
	var records []sdk.Record
	for i := range 250 {
		records = append(records, record("contacts", fmt.Sprint(i), fmt.Sprintf(`{"email":"bulk.%d@example.org","name":"Bulk %d"}`, i, i)))
	}
	records[137].Data = []byte(`{"email":"bulk@@example.org","name":"Broken"}`)
	results, err := e.write(e.config(), StreamUsers, records)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.sb.Kit().Count("POST", "/api/v2/users/create_or_update_many.json"); n != 3 {
		t.Errorf("%d bulk requests for 250 users, want 3", n)
	}
	for i, r := range results {
		if i == 137 {
			if sdk.KindOf(r.Err) != sdk.KindBadRecord || !strings.Contains(r.Err.Error(), "bulk@@example.org") {
				t.Errorf("record 137: %v, want a bad record naming its email", r.Err)
			}
			continue
		}
		us := e.sb.UsersByEmail(fmt.Sprintf("bulk.%d@example.org", i))
		if r.Err != nil || len(us) != 1 || fmt.Sprint(us[0].ID) != r.ID {
			t.Fatalf("record %d: %+v; sandbox has %+v", i, r, us)
		}
	}
}

func TestUpsertUsersFailedJobFailsTheBatch(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 10, Users: 1, Tickets: -1})
	e.sb.FailNextJobs(1)
	_, err := e.write(e.config(), StreamUsers, []sdk.Record{record("contacts", "1", `{"email":"x@example.org","name":"X"}`)})
	if sdk.KindOf(err) != sdk.KindTransient || !strings.Contains(err.Error(), "failed") {
		t.Fatalf("error %v (kind %s), want a transient batch failure", err, sdk.KindOf(err))
	}
	results, err := e.write(e.config(), StreamUsers, []sdk.Record{record("contacts", "1", `{"email":"x@example.org","name":"X"}`)})
	if err != nil || results[0].Err != nil || !results[0].Created {
		t.Errorf("retry after the failed job: %+v, %v", results, err)
	}
}

func TestJobResultsOutOfOrder(t *testing.T) {
	inputs := []userInput{{who: "a"}, {who: "b"}}
	if _, err := jobResults("j", jsonResult(`[{"index":1,"status":"Created","id":1},{"index":0,"status":"Created","id":2}]`), inputs); sdk.KindOf(err) != sdk.KindTransient {
		t.Errorf("results out of order: %v, want a transient error", err)
	}
	if _, err := jobResults("j", jsonResult(`[{"status":"Created","id":1}]`), inputs); sdk.KindOf(err) != sdk.KindTransient {
		t.Errorf("too few results: %v, want a transient error", err)
	}
}
