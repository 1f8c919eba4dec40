package sandbox

import (
	"strings"
	"testing"
	"time"
)

// submitJob posts one create_or_update_many of users and returns the job's
// id, or "" and the status when it was refused.
func (e *env) submitJob(users ...map[string]any) (string, int) {
	e.t.Helper()
	r := e.do("POST", "/api/v2/users/create_or_update_many.json", map[string]any{"users": users}, nil)
	if r.status != 200 {
		return "", r.status
	}
	return r.json(e.t)["job_status"].(map[string]any)["id"].(string), r.status
}

func (e *env) jobStatus(id string) map[string]any {
	e.t.Helper()
	return e.do("GET", "/api/v2/job_statuses/"+id+".json", nil, nil).json(e.t)["job_status"].(map[string]any)
}

// TestJobsRunWhenDueNotWhenSubmitted: a later job that takes less time
// runs first, and its effects are the earlier ones.
func TestJobsRunWhenDueNotWhenSubmitted(t *testing.T) {
	e := startSandbox(t, Options{Seed: 11, Users: 2, Tickets: -1, JobPolls: -1,
		JobDurations: []time.Duration{150 * time.Millisecond, 0}})
	slow, _ := e.submitJob(map[string]any{"email": "same@example.org", "name": "First"})
	fast, _ := e.submitJob(map[string]any{"email": "same@example.org", "name": "Second"})
	if st := e.jobStatus(fast)["status"]; st != "completed" {
		t.Fatalf("the job without a duration is %v, want completed", st)
	}
	if st := e.jobStatus(slow)["status"]; st == "completed" {
		t.Fatalf("the slow job completed at once")
	}
	if u := e.sb.UsersByEmail("same@example.org"); len(u) != 1 || u[0].Name != "Second" {
		t.Fatalf("before the slow job ran: %+v", u)
	}
	time.Sleep(200 * time.Millisecond)
	if st := e.jobStatus(slow)["status"]; st != "completed" {
		t.Fatalf("the slow job is %v after its duration, want completed", st)
	}
	if u := e.sb.UsersByEmail("same@example.org"); len(u) != 1 || u[0].Name != "First" {
		t.Errorf("after both ran: %+v, want the slow job's (later) effect", u)
	}
	recs := e.sb.JobRecords()
	if len(recs) != 2 || recs[0].ID != slow || !recs[0].Ran.After(recs[1].Ran) {
		t.Errorf("job records %+v", recs)
	}
}

func TestJobLimit(t *testing.T) {
	e := startSandbox(t, Options{Seed: 12, Users: 2, Tickets: -1, JobDurations: []time.Duration{time.Hour}})
	for i := range MaxActiveJobs {
		if _, status := e.submitJob(map[string]any{"email": "a@example.org", "name": "A"}); status != 200 {
			t.Fatalf("job %d: %d", i+1, status)
		}
	}
	r := e.do("POST", "/api/v2/users/create_or_update_many.json", map[string]any{"users": []any{map[string]any{"email": "a@example.org"}}}, nil)
	if r.status != 429 || r.header.Get("Retry-After") == "" || !strings.Contains(string(r.body), "TooManyJobs") {
		t.Errorf("job %d: %d %s (Retry-After %q), want 429 TooManyJobs", MaxActiveJobs+1, r.status, r.body, r.header.Get("Retry-After"))
	}
}
