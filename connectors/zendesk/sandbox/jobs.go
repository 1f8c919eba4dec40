package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// MaxActiveJobs is how many bulk jobs an account may have queued or
// running at once, as Zendesk's job limit says; one more is refused with a
// 429.
const MaxActiveJobs = 30

// job is an asynchronous bulk request. It runs (its users are upserted)
// once its duration (Options.JobDurations, on the real time) has passed:
// jobs submitted together may run in another order than submitted, as
// Zendesk's workers take them side by side. Polls see it queued, then
// working, until it has run and been polled Options.JobPolls times.
type job struct {
	id        string
	seq       int // submission order since the last reset
	total     int
	users     []json.RawMessage
	update    bool // update_many (by id), else create_or_update_many
	pending   int  // polls left before it reports its outcome
	polls     int
	failed    bool
	ran       bool
	runAt     time.Time // real time
	submitted time.Time // real time
	finished  time.Time // real time it ran
	results   []map[string]any
	created   time.Time
	doneAt    time.Time // the sandbox clock when it ran
}

// JobRecord is what the sandbox remembers of a bulk job, for tests: when it
// was submitted and when it ran, on the real time (zero: not yet), and how
// many users it carried.
type JobRecord struct {
	ID        string
	Users     int
	Submitted time.Time
	Ran       time.Time
}

func (s *Sandbox) newJobLocked(users []json.RawMessage, now time.Time) *job {
	s.nextJob++
	real := time.Now()
	var d time.Duration
	if n := len(s.opts.JobDurations); n > 0 {
		d = s.opts.JobDurations[s.jobSeq%n]
	}
	j := &job{id: fmt.Sprintf("V3-%x%08x", s.opts.Seed&0xffff, s.nextJob), seq: s.jobSeq, total: len(users), users: users,
		pending: s.opts.JobPolls, created: now, submitted: real, runAt: real.Add(d)}
	s.jobSeq++
	s.jobs[j.id] = j
	return j
}

// activeJobsLocked counts the jobs queued or running: not yet run.
func (s *Sandbox) activeJobsLocked() int {
	n := 0
	for _, j := range s.jobs {
		if !j.ran {
			n++
		}
	}
	return n
}

// runDueJobsLocked runs the jobs whose time has come, in the order they
// come due (then of submission). The caller holds s.mu.
func (s *Sandbox) runDueJobsLocked() {
	now := time.Now()
	var due []*job
	for _, j := range s.jobs {
		if !j.ran && !j.runAt.After(now) {
			due = append(due, j)
		}
	}
	slices.SortFunc(due, func(a, b *job) int {
		if c := a.runAt.Compare(b.runAt); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for _, j := range due {
		s.runJobLocked(j)
	}
}

// runJobLocked upserts (or, for update_many, updates) a job's users, in
// order, and keeps their results.
func (s *Sandbox) runJobLocked(j *job) {
	j.ran, j.finished, j.doneAt = true, time.Now(), s.nowLocked()
	if j.failed {
		return
	}
	for i, one := range j.users {
		if j.update {
			j.results = append(j.results, s.updateResult(i, one, j))
			continue
		}
		var in userInput
		if err := json.Unmarshal(one, &in); err != nil {
			j.results = append(j.results, failedResult(i, "UserUpdateError", "the user is not a JSON object of the expected shape"))
			continue
		}
		out := s.upsertUserLocked(in, j.doneAt)
		if out.code != "" {
			j.results = append(j.results, failedResult(i, out.code, out.details))
			continue
		}
		res := map[string]any{"id": out.user.ID, "status": "Updated", "email": nullString(out.user.Email)}
		if out.created {
			res["status"] = "Created"
		}
		if out.user.ExternalID != "" {
			res["external_id"] = out.user.ExternalID
		}
		j.results = append(j.results, res)
	}
	j.users = nil
}

// render gives the job status's JSON shape, as of its last poll.
func (j *job) render(base string) map[string]any {
	out := map[string]any{"id": j.id, "url": fmt.Sprintf("%s/job_statuses/%s.json", base, j.id), "total": j.total,
		"progress": nil, "status": "queued", "message": nil, "results": nil}
	switch {
	case (j.pending > 0 || !j.ran) && j.polls > 0:
		out["status"] = "working"
		out["progress"] = j.total / 2
	case j.pending > 0 || !j.ran:
	case j.failed:
		out["status"] = "failed"
		out["message"] = "Failed: the job could not be processed, please retry"
	default:
		out["status"] = "completed"
		out["progress"] = j.total
		out["message"] = "Completed at " + formatTime(j.doneAt)
		out["results"] = j.results
	}
	return out
}

func (s *Sandbox) serveJobStatus(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(r.PathValue("id"), ".json")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runDueJobsLocked()
	j, ok := s.jobs[id]
	if !ok {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	out := j.render(baseURL(r))
	j.polls++
	if j.pending > 0 {
		j.pending--
	}
	writeJSON(w, http.StatusOK, map[string]any{"job_status": out})
}

// FailNextJobs makes the next n bulk jobs fail as a whole, changing nothing.
func (s *Sandbox) FailNextJobs(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failJobs = max(n, 0)
}

// JobRecords returns the bulk jobs since the last reset, in submission
// order.
func (s *Sandbox) JobRecords() []JobRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runDueJobsLocked()
	jobs := make([]*job, 0, len(s.jobs))
	for _, j := range s.jobs {
		jobs = append(jobs, j)
	}
	slices.SortFunc(jobs, func(a, b *job) int { return a.seq - b.seq })
	out := make([]JobRecord, len(jobs))
	for i, j := range jobs {
		out[i] = JobRecord{ID: j.id, Users: j.total, Submitted: j.submitted, Ran: j.finished}
	}
	return out
}
