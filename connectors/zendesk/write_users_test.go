package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// jobStub answers create_or_update_many with a job already completed with
// results, and counts the bulk requests.
type jobStub struct {
	mu      sync.Mutex
	results string
	posts   int
}

func (s *jobStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != "POST" || r.URL.Path != "/api/v2/users/create_or_update_many.json" {
		http.NotFound(w, r)
		return
	}
	s.posts++
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"job_status":{"id":"J7","status":"completed","results":%s}}`, s.results)
}

// TestUpsertUsersJobResults maps a job's results to the records whatever
// shape Zendesk gives them: by index when they carry one, an error
// (with or without a status) failing its record alone, and a record
// without a result failing alone, transient, naming the job.
func TestUpsertUsersJobResults(t *testing.T) {
	type want struct {
		id      string // written under this id; "" = failed
		created bool
		kind    sdk.ErrorKind // of a failure
		msg     []string      // a failure's message says these
	}
	written := func(id string, created bool) want { return want{id: id, created: created} }
	failed := func(kind sdk.ErrorKind, msg ...string) want { return want{kind: kind, msg: msg} }
	missing := failed(sdk.KindTransient, "J7", "none for user")
	tests := []struct {
		name    string
		results string
		want    [3]want
	}{
		{"in order, no index", `[{"id":10,"status":"Updated"},{"id":20,"status":"Created"},{"id":30,"status":"Created"}]`,
			[3]want{written("10", false), written("20", true), written("30", true)}},
		{"null errors on successes", `[{"id":10,"status":"Updated","error":null},{"id":20,"status":"Created","error":""},{"id":30,"status":"Created","success":true}]`,
			[3]want{written("10", false), written("20", true), written("30", true)}},
		{"by index, out of order", `[{"index":2,"id":30,"status":"Created"},{"index":0,"id":10,"status":"Updated"},{"index":1,"id":20,"status":"Created"}]`,
			[3]want{written("10", false), written("20", true), written("30", true)}},
		{"index on the failure only", `[{"id":10,"status":"Updated"},{"index":1,"id":1,"status":"Failed","error":"UserUpdateError","details":"Email: b is not properly formatted"},{"id":30,"status":"Created"}]`,
			[3]want{written("10", false), failed(sdk.KindBadRecord, "b@example.org", "UserUpdateError", "not properly formatted"), written("30", true)}},
		{"an error without a status", `[{"id":10,"status":"Updated"},{"index":1,"error":"EmailNotFound","details":"no such address"},{"id":30,"status":"Created"}]`,
			[3]want{written("10", false), failed(sdk.KindBadRecord, "b@example.org", "EmailNotFound", "no such address"), written("30", true)}},
		{"success false, details by field", `[{"index":0,"success":false,"error":"RecordInvalid","details":{"email":[{"description":"Email is taken"}]}},{"id":20,"status":"Updated"},{"id":30,"status":"Updated"}]`,
			[3]want{failed(sdk.KindBadRecord, "a@example.org", "RecordInvalid", "Email is taken"), written("20", false), written("30", false)}},
		{"an indexed result missing", `[{"index":0,"id":10,"status":"Updated"},{"index":2,"id":30,"status":"Created"}]`,
			[3]want{written("10", false), missing, written("30", true)}},
		{"fewer results and no index: none can be placed", `[{"id":10,"status":"Updated"},{"id":20,"status":"Updated"}]`,
			[3]want{missing, missing, missing}},
		{"fewer results, the indexed ones placed", `[{"index":2,"id":30,"status":"Created"},{"id":10,"status":"Updated"}]`,
			[3]want{missing, missing, written("30", true)}},
		{"two results for one record", `[{"index":0,"id":10,"status":"Updated"},{"index":0,"id":11,"status":"Updated"},{"index":2,"id":30,"status":"Created"}]`,
			[3]want{failed(sdk.KindTransient, "J7", "2 results"), missing, written("30", true)}},
		{"a result without an id", `[{"id":10,"status":"Updated"},{"status":"Created"},{"id":30,"status":"Created"}]`,
			[3]want{written("10", false), failed(sdk.KindTransient, "J7", "no id"), written("30", true)}},
		{"no results at all", `null`, [3]want{missing, missing, missing}},
	}
	records := []sdk.Record{
		record("contacts", "a", `{"email":"a@example.org","name":"A"}`),
		record("contacts", "b", `{"email":"b@example.org","name":"B"}`),
		record("contacts", "c", `{"email":"c@example.org","name":"C"}`),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &jobStub{results: tt.results}
			srv := httptest.NewServer(stub)
			defer srv.Close()
			ctx := context.Background()
			w, err := New().OpenWriter(ctx, sdk.OpenWriterRequest{Config: stubConfig(t, srv.URL), Stream: StreamUsers})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
			if err != nil || len(resp.Results) != len(records) {
				t.Fatalf("write: %+v, %v; want a result per record, the batch not failed", resp, err)
			}
			for i, w := range tt.want {
				r := resp.Results[i]
				if w.id != "" {
					if r.Err != nil || r.ID != w.id || r.Created != w.created {
						t.Errorf("record %d: %+v, want written as %s (created %v)", i, r, w.id, w.created)
					}
					continue
				}
				if r.Err == nil || sdk.KindOf(r.Err) != w.kind {
					t.Errorf("record %d: %+v (kind %s), want a %s failure", i, r, sdk.KindOf(r.Err), w.kind)
					continue
				}
				for _, m := range w.msg {
					if !strings.Contains(r.Err.Error(), m) {
						t.Errorf("record %d: %q does not say %q", i, r.Err, m)
					}
				}
			}
			stub.mu.Lock()
			defer stub.mu.Unlock()
			if stub.posts != 1 {
				t.Errorf("%d bulk requests, want 1", stub.posts)
			}
		})
	}
}
