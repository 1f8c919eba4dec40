package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// job is an asynchronous bulk request. Its work is done when it is
// created; polls see it queued, then working, for Options.JobPolls polls.
type job struct {
	id       string
	total    int
	pending  int // polls left before it reports its outcome
	polls    int
	failed   bool
	results  []map[string]any
	created  time.Time
	finished time.Time
}

func (s *Sandbox) newJobLocked(total int, now time.Time) *job {
	s.nextJob++
	j := &job{id: fmt.Sprintf("V3-%x%08x", s.opts.Seed&0xffff, s.nextJob), total: total,
		pending: s.opts.JobPolls, created: now}
	if j.pending == 0 {
		j.finished = now
	}
	s.jobs[j.id] = j
	return j
}

// render gives the job status's JSON shape, as of its last poll.
func (j *job) render(base string) map[string]any {
	out := map[string]any{"id": j.id, "url": fmt.Sprintf("%s/job_statuses/%s.json", base, j.id), "total": j.total,
		"progress": nil, "status": "queued", "message": nil, "results": nil}
	switch {
	case j.pending > 0 && j.polls > 0:
		out["status"] = "working"
		out["progress"] = j.total / 2
	case j.pending > 0:
	case j.failed:
		out["status"] = "failed"
		out["message"] = "Failed: the job could not be processed, please retry"
	default:
		out["status"] = "completed"
		out["progress"] = j.total
		out["message"] = "Completed at " + formatTime(j.finished)
		out["results"] = j.results
	}
	return out
}

func (s *Sandbox) serveJobStatus(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(r.PathValue("id"), ".json")
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		writeError(w, http.StatusNotFound, "RecordNotFound", "Not found")
		return
	}
	out := j.render(baseURL(r))
	if j.pending > 0 {
		j.polls++
		j.pending--
		if j.pending == 0 {
			j.finished = s.nowLocked()
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"job_status": out})
}

// FailNextJobs makes the next n bulk jobs fail as a whole, changing nothing.
func (s *Sandbox) FailNextJobs(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failJobs = max(n, 0)
}
