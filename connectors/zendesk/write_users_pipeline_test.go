package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/host"
)

// bulkUsers is n user records with distinct emails.
func bulkUsers(n int) []sdk.Record {
	records := make([]sdk.Record, n)
	for i := range records {
		records[i] = record("contacts", fmt.Sprint(i), fmt.Sprintf(`{"email":"pipe.%d@example.org","name":"Pipe %d"}`, i, i))
	}
	return records
}

// TestUpsertUsersKeepsTheOrderOfEffectsAcrossJobs: the same user in two
// jobs of a batch, the first job slower than the second (Zendesk runs jobs
// side by side): the later record's change must be the one that stays, so
// the second job waits for the first before it is submitted.
func TestUpsertUsersKeepsTheOrderOfEffectsAcrossJobs(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 30, Users: 1, Tickets: -1, JobPolls: -1,
		JobDurations: []time.Duration{300 * time.Millisecond, 0}})
	records := bulkUsers(200)
	records[5].Data = []byte(`{"email":"same.user@example.org","name":"First"}`)
	records[150].Data = []byte(`{"email":" SAME.user@example.org ","name":"Second"}`)
	records[7].Data = []byte(`{"external_id":"crm-7","email":"old.address@example.org","name":"Ext First"}`)
	records[170].Data = []byte(`{"external_id":"crm-7","email":"new.address@example.org","name":"Ext Second"}`)
	results, err := e.write(e.config(), StreamUsers, records)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i, r.Err)
		}
	}
	if us := e.sb.UsersByEmail("same.user@example.org"); len(us) != 1 || us[0].Name != "Second" {
		t.Errorf("the user written by records 5 then 150: %+v, want one user named Second (the later record)", us)
	}
	if us := e.sb.UsersByEmail("new.address@example.org"); len(us) != 1 || us[0].Name != "Ext Second" || us[0].ExternalID != "crm-7" {
		t.Errorf("the user written by records 7 then 170 (same external_id): %+v, want Ext Second at the new address", us)
	}
	if results[5].ID != results[150].ID || !results[5].Created || results[150].Created {
		t.Errorf("records 5 and 150: %+v and %+v, want one user, created by the first", results[5], results[150])
	}
}

// TestUpsertUsersSubmitsWhileEarlierJobsRun: a slow first job does not hold
// back the jobs after it; the next job is submitted as soon as a slot is
// free, while the slow one is still polled, and no more jobs than
// maxJobsInFlight are ever queued or running.
func TestUpsertUsersSubmitsWhileEarlierJobsRun(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 31, Users: 1, Tickets: -1, JobPolls: -1,
		JobDurations: append([]time.Duration{2 * time.Second}, repeat(10*time.Millisecond, 24)...)})
	records := bulkUsers(2500)
	results, err := e.write(e.config(), StreamUsers, records)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Err != nil || r.ID == "" || !r.Created {
			t.Fatalf("record %d: %+v, want created", i, r)
		}
	}
	jobs := e.sb.JobRecords()
	if len(jobs) != 25 {
		t.Fatalf("%d jobs for 2,500 users, want 25", len(jobs))
	}
	if !jobs[maxJobsInFlight].Submitted.Before(jobs[0].Ran) {
		t.Errorf("job %d was submitted at %v, after the slow first job ran at %v: submissions waited for it",
			maxJobsInFlight+1, jobs[maxJobsInFlight].Submitted.Format(time.StampMicro), jobs[0].Ran.Format(time.StampMicro))
	}
	for i, j := range jobs {
		active := 0
		for _, k := range jobs {
			if !k.Submitted.After(j.Submitted) && (k.Ran.IsZero() || k.Ran.After(j.Submitted)) {
				active++
			}
		}
		if active > maxJobsInFlight {
			t.Fatalf("when job %d was submitted, %d jobs were queued or running, want at most %d", i+1, active, maxJobsInFlight)
		}
	}
	if n := e.sb.Kit().Stats().ByStatus[429]; n != 0 {
		t.Errorf("%d refusals (429): the job limit was met", n)
	}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestUpsertUsersFailedJobStillMapsNothing: a job that fails as a whole
// fails the batch, and jobs submitted beside it are still awaited (none is
// left running behind the batch's back).
func TestUpsertUsersFailedJobWaitsForTheOthers(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 32, Users: 1, Tickets: -1, JobPolls: -1,
		JobDurations: []time.Duration{0, 200 * time.Millisecond}})
	e.sb.FailNextJobs(1)
	_, err := e.write(e.config(), StreamUsers, bulkUsers(300))
	if sdk.KindOf(err) != sdk.KindTransient || !strings.Contains(fmt.Sprint(err), "failed") {
		t.Fatalf("a failed job: %v, want the batch to fail (transient)", err)
	}
	for _, j := range e.sb.JobRecords() {
		if j.Ran.IsZero() {
			t.Errorf("job %s submitted beside the failed one was not awaited", j.ID)
		}
	}
}

// TestUpsertUsersJobSlotsAreTheAccounts: two writers of one account share
// its maxJobsInFlight slots.
func TestUpsertUsersJobSlotsAreTheAccounts(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 33, Users: 1, Tickets: -1, JobPolls: -1,
		JobDurations: []time.Duration{50 * time.Millisecond}})
	errs := make(chan error, 2)
	for w := range 2 {
		records := bulkUsers(1500)
		for i := range records {
			records[i].Data = []byte(fmt.Sprintf(`{"email":"w%d.%d@example.org","name":"W %d"}`, w, i, i))
		}
		go func() {
			_, err := e.write(e.config(), StreamUsers, records)
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	jobs := e.sb.JobRecords()
	if len(jobs) != 30 {
		t.Fatalf("%d jobs, want 30", len(jobs))
	}
	for i, j := range jobs {
		active := 0
		for _, k := range jobs {
			if !k.Submitted.After(j.Submitted) && (k.Ran.IsZero() || k.Ran.After(j.Submitted)) {
				active++
			}
		}
		if active > maxJobsInFlight {
			t.Fatalf("when job %d was submitted, %d of the account's jobs were queued or running, want at most %d", i+1, active, maxJobsInFlight)
		}
	}
}

// TestUpsertUsersWaitsOutZendesksJobLimit: with the account's 30 job slots
// nearly all taken by another client, a job Zendesk refuses (429
// TooManyJobs, Retry-After) is submitted again once one has finished.
func TestUpsertUsersWaitsOutZendesksJobLimit(t *testing.T) {
	const others = sandbox.MaxActiveJobs - 2
	e := newEnv(t, sandbox.Options{Seed: 34, Users: 1, Tickets: -1, JobPolls: -1,
		JobDurations: append(repeat(1500*time.Millisecond, others), 0)})
	for i := range others { // another client's jobs, still running
		body := strings.NewReader(fmt.Sprintf(`{"users":[{"email":"other.%d@example.org","name":"Other"}]}`, i))
		req, err := http.NewRequest("POST", e.srv.URL+"/api/v2/users/create_or_update_many.json", body)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(sandbox.DefaultEmail+"/token", sandbox.DefaultToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("another client's job %d: %d", i, resp.StatusCode)
		}
	}
	results, err := e.write(e.config(), StreamUsers, bulkUsers(500))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Err != nil || !r.Created {
			t.Fatalf("record %d: %+v, want created", i, r)
		}
	}
	if n := e.sb.Kit().Stats().ByStatus[429]; n == 0 {
		t.Errorf("no job was refused: the test did not reach Zendesk's job limit")
	}
}

// A users job that runs for a while is announced to the core as a wait
// (sdk.Waiting) at every poll, so the core's watchdog does not take a long
// job for a hung connector.
func TestUpsertUsersAnnouncesJobWaits(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 37, Users: 1, Tickets: -1, JobPolls: -1,
		JobDurations: []time.Duration{time.Second}})
	var mu sync.Mutex
	var reasons []string
	ctx := host.OnWaiting(context.Background(), func(reason string, until time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if until.After(time.Now()) {
			reasons = append(reasons, reason)
		}
	})
	results, err := e.writeCtx(ctx, e.config(), StreamUsers, bulkUsers(10))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i, r.Err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reasons) == 0 {
		t.Fatal("a job that ran for a second announced no wait")
	}
	if !strings.Contains(reasons[0], "zendesk users job") {
		t.Errorf("the wait's reason is %q, want it to name the users job", reasons[0])
	}
}
