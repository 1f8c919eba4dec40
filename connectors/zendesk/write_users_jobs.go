package zendesk

import (
	"context"
	"sync"

	"github.com/cxhub/cxhub/sdk"
)

// maxJobsInFlight is how many bulk jobs of one account the connector has
// submitted and not yet seen finish, across all its writers. Zendesk lets
// an account have 30 jobs queued or running (more are refused with a 429);
// the connector keeps to a third of that, leaving room for the account's
// other integrations and agents' bulk actions.
const maxJobsInFlight = 10

// jobSlots bounds an account's jobs in flight: a job takes a slot before it
// is submitted and gives it back once it has finished.
type jobSlots chan struct{}

// jobSlots returns the slots of an account, made on first use and shared by
// every writer of that account.
func (c *Connector) jobSlots(account string) jobSlots {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.slots[account]
	if !ok {
		s = make(jobSlots, maxJobsInFlight)
		c.slots[account] = s
	}
	return s
}

// userJob is one chunk of a batch on its way through a bulk job.
type userJob struct {
	keys     map[string]bool // of its users (userInput.keys)
	done     chan struct{}   // closed once the job has finished (or was never submitted)
	outcomes []sdk.Result
	err      error
}

func newUserJob(chunk userChunk) *userJob {
	j := &userJob{keys: map[string]bool{}, done: make(chan struct{})}
	for _, in := range chunk.inputs {
		for _, k := range in.keys {
			j.keys[k] = true
		}
	}
	return j
}

// touches reports whether the job carries one of other's users.
func (j *userJob) touches(other *userJob) bool {
	for k := range other.keys {
		if j.keys[k] {
			return true
		}
	}
	return false
}

// runJobs writes each chunk in a bulk job and returns the chunks'
// outcomes, in order. It submits the next chunk's job while earlier ones
// are still polled, holding a slot of the account's per job, but a chunk
// touching a user (same id, email or external_id) of an earlier chunk whose
// job has not finished waits for that job first: Zendesk runs an account's
// jobs side by side, so two jobs on one user could otherwise apply in the
// wrong order. Once a job fails (or cannot be submitted) no further job is
// submitted; runJobs still waits for the jobs already submitted, so that
// none applies after the batch has been answered, then returns the first
// failure in chunk order.
func (w *usersWriter) runJobs(ctx context.Context, chunks []userChunk) ([][]sdk.Result, error) {
	jobs := make([]*userJob, len(chunks))
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed bool
	)
	fail := func(j *userJob, err error) {
		mu.Lock()
		defer mu.Unlock()
		j.err, failed = err, true
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed
	}
	for c, chunk := range chunks {
		j := newUserJob(chunk)
		jobs[c] = j
		if stopped() {
			close(j.done)
			break
		}
		if err := w.admit(ctx, jobs[:c], j); err != nil {
			fail(j, err)
			close(j.done)
			break
		}
		if stopped() { // an earlier job failed while this one waited
			<-w.slots
			close(j.done)
			break
		}
		status, err := w.submit(ctx, chunk)
		if err != nil {
			<-w.slots
			fail(j, err)
			close(j.done)
			break
		}
		wg.Go(func() {
			defer close(j.done)
			defer func() { <-w.slots }()
			outcomes, err := w.await(ctx, status, chunk)
			if err != nil {
				fail(j, err)
				return
			}
			j.outcomes = outcomes
		})
	}
	wg.Wait()
	out := make([][]sdk.Result, len(chunks))
	for c, j := range jobs {
		if j == nil {
			break
		}
		if j.err != nil {
			return nil, j.err
		}
		out[c] = j.outcomes
	}
	return out, nil
}

// admit waits until job j may be submitted: every earlier job touching
// one of its users has finished, and the account has a free slot, which it
// takes. It fails only when ctx ends.
func (w *usersWriter) admit(ctx context.Context, earlier []*userJob, j *userJob) error {
	for _, prev := range earlier {
		if !prev.touches(j) {
			continue
		}
		select {
		case <-prev.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case w.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
