package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// maxUsersPerJob is the most users one create_or_update_many takes.
const maxUsersPerJob = 100

// usersWriter upserts users with create_or_update_many, which matches each
// on external_id, else email: writing a record again updates the same user.
type usersWriter struct {
	cl    *httpx.Client
	opts  Options
	slots jobSlots // the account's, shared with every writer of it
}

// userInput is one user to upsert and how to name it in messages.
type userInput struct {
	index int // in the batch
	body  json.RawMessage
	who   string
	keys  []string // what Zendesk may match it on: "email:<lower-case>", "external_id:<id>"
}

// Write upserts the batch's users, up to 100 per job, and maps each job's
// results back to the records (by index, else by position; see
// jobResults). Jobs are pipelined (write_users_jobs.go): the next job is
// submitted while earlier ones are polled, up to maxJobsInFlight of the
// account's at once, but never while an earlier job of the batch touching
// one of its users is unfinished. A user Zendesk refuses fails alone, with
// Zendesk's error and details; a user the job gives no result for fails
// alone (Transient); a job that fails as a whole fails the batch
// (Transient: upserts are safe to retry), once every job submitted beside
// it has finished.
func (w *usersWriter) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	results := make([]sdk.Result, len(req.Records))
	var inputs []userInput
	for i, r := range req.Records {
		in, err := userFromRecord(r)
		if err != nil {
			results[i] = sdk.Failed(err)
			continue
		}
		in.index = i
		inputs = append(inputs, in)
	}
	var chunks [][]userInput
	for start := 0; start < len(inputs); start += maxUsersPerJob {
		chunks = append(chunks, inputs[start:min(start+maxUsersPerJob, len(inputs))])
	}
	outcomes, err := w.runJobs(ctx, chunks)
	if err != nil {
		return sdk.WriteResponse{}, err
	}
	for c, chunk := range chunks {
		for k, in := range chunk {
			results[in.index] = outcomes[c][k]
		}
	}
	return sdk.WriteResponse{Results: results}, nil
}

// Close releases nothing: the client is the connector's.
func (w *usersWriter) Close(context.Context) error { return nil }

// userFromRecord makes the user object to upsert from a record's data: a
// flat object of Zendesk user fields ({"email":..,"name":..,"external_id":..,
// "phone":..}) or {"user":{...}}. It needs an email or an external_id to
// match on; the email is trimmed.
func userFromRecord(r sdk.Record) (userInput, error) {
	if r.Op == sdk.Delete {
		return userInput{}, sdk.RecordErrorf(r, "deleting zendesk users is not supported")
	}
	o, err := decodeObject(r, "user")
	if err != nil {
		return userInput{}, err
	}
	email, hasEmail, err := o.GetString("email")
	if err != nil {
		return userInput{}, sdk.RecordError(r, err)
	}
	ext, hasExt, err := o.GetString("external_id")
	if err != nil {
		return userInput{}, sdk.RecordError(r, err)
	}
	email, ext = strings.TrimSpace(email), strings.TrimSpace(ext)
	if hasEmail {
		if email == "" {
			delete(o, "email")
		} else {
			o.SetString("email", email)
		}
	}
	if hasExt {
		if ext == "" {
			delete(o, "external_id")
		} else {
			o.SetString("external_id", ext)
		}
	}
	if email == "" && ext == "" {
		return userInput{}, sdk.RecordErrorf(r, "email or external_id is required: zendesk matches users on them")
	}
	if _, _, err := o.GetString("name"); err != nil {
		return userInput{}, sdk.RecordError(r, err)
	}
	body, err := json.Marshal(o)
	if err != nil {
		return userInput{}, sdk.RecordErrorf(r, "encode: %v", err)
	}
	who := email
	var keys []string
	if email != "" {
		keys = append(keys, "email:"+strings.ToLower(email))
	}
	if ext != "" {
		who = "external_id " + ext
		keys = append(keys, "external_id:"+ext)
	}
	return userInput{body: body, who: who, keys: keys}, nil
}

// submit starts one create_or_update_many job and returns its job_status.
func (w *usersWriter) submit(ctx context.Context, inputs []userInput) (gjson.Result, error) {
	users := make([]json.RawMessage, len(inputs))
	for i, in := range inputs {
		users[i] = in.body
	}
	resp, err := w.cl.Do(ctx, &httpx.Request{Method: "POST", Path: "/users/create_or_update_many.json",
		Body: map[string]any{"users": users}, Idempotent: true})
	if err != nil {
		return gjson.Result{}, fmt.Errorf("upsert %d zendesk users: %w", len(inputs), err)
	}
	if resp.Get("job_status.id").String() == "" {
		return gjson.Result{}, sdk.Transient(fmt.Errorf("upsert %d zendesk users: the answer has no job_status.id", len(inputs)))
	}
	return resp.Get("job_status"), nil
}

// await waits for a submitted job and returns one result per input, in
// order. Its error is the job's: failed, killed, or not finished in time.
func (w *usersWriter) await(ctx context.Context, job gjson.Result, inputs []userInput) ([]sdk.Result, error) {
	id := job.Get("id").String()
	job, err := w.awaitJob(ctx, id, job)
	if err != nil {
		return nil, err
	}
	return jobResults(id, job.Get("results"), inputs), nil
}

// awaitJob polls a job's status until it is completed, failed or killed,
// waiting longer between polls, at most Options.JobTimeout in all.
func (w *usersWriter) awaitJob(ctx context.Context, id string, job gjson.Result) (gjson.Result, error) {
	wait := w.opts.JobPollInterval
	deadline := time.Now().Add(w.opts.JobTimeout)
	for {
		switch status := job.Get("status").String(); status {
		case "completed":
			return job, nil
		case "failed", "killed":
			return gjson.Result{}, sdk.Transient(fmt.Errorf("zendesk users job %s %s: %s", id, status, job.Get("message").String()))
		}
		if time.Now().Add(wait).After(deadline) {
			return gjson.Result{}, sdk.Transient(fmt.Errorf("zendesk users job %s still %s after %s", id, job.Get("status").String(), w.opts.JobTimeout))
		}
		// A long job is a wait, not a hang: say so to the core's watchdog.
		sdk.Waiting(ctx, fmt.Sprintf("zendesk users job %s is %s", id, job.Get("status").String()), time.Now().Add(wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return gjson.Result{}, ctx.Err()
		case <-t.C:
		}
		wait = min(wait*3/2, maxJobPollInterval)
		resp, err := w.cl.Get(ctx, "/job_statuses/"+id+".json", nil)
		if err != nil {
			return gjson.Result{}, fmt.Errorf("poll zendesk users job %s: %w", id, err)
		}
		job = resp.Get("job_status")
	}
}

// jobResults maps a completed job's results to its inputs, one result per
// input. A result carrying an "index" is the input's at that index; one
// without is the input's at its own position, but only when the job gave
// exactly one result per input (otherwise positions say nothing). A result
// with an error (with or without status "Failed", or success false) fails
// its input as a bad record with Zendesk's words. An input that gets no
// result, or two, fails alone as Transient, naming the job: upserts are safe
// to retry.
func jobResults(id string, results gjson.Result, inputs []userInput) []sdk.Result {
	list := results.Array()
	byInput := make([][]gjson.Result, len(inputs))
	for k, res := range list {
		pos := -1
		if ix := res.Get("index"); ix.Exists() {
			if ix.Type == gjson.Number && ix.Num == float64(int(ix.Num)) {
				pos = int(ix.Num)
			}
		} else if len(list) == len(inputs) {
			pos = k
		}
		if pos >= 0 && pos < len(inputs) {
			byInput[pos] = append(byInput[pos], res)
		}
	}
	out := make([]sdk.Result, len(inputs))
	for k, in := range inputs {
		switch got := byInput[k]; len(got) {
		case 0:
			out[k] = sdk.Failed(sdk.Transient(fmt.Errorf("zendesk users job %s gave %d results for %d users, "+
				"none for user %s (record %d of the batch): to retry", id, len(list), len(inputs), in.who, in.index)))
		case 1:
			out[k] = jobResult(id, got[0], in)
		default:
			out[k] = sdk.Failed(sdk.Transient(fmt.Errorf("zendesk users job %s gave %d results for user %s (record %d of the batch): to retry",
				id, len(got), in.who, in.index)))
		}
	}
	return out
}

// jobResult is the outcome of one input from its job result.
func jobResult(id string, res gjson.Result, in userInput) sdk.Result {
	status := res.Get("status").String()
	e := res.Get("error")
	hasError := e.Exists() && e.Type != gjson.Null && e.String() != ""
	if hasError || strings.EqualFold(status, "Failed") || res.Get("success").Type == gjson.False {
		msg := vendorMessage([]byte(res.Raw))
		if msg == "" {
			msg = fmt.Sprintf("status %q, no error given", status)
		}
		return sdk.Failed(sdk.BadRecord(fmt.Errorf("zendesk refused user %s: %s", in.who, msg)))
	}
	switch {
	case strings.EqualFold(status, "Created"), strings.EqualFold(status, "Updated"):
		uid := res.Get("id").String()
		if uid == "" {
			return sdk.Failed(sdk.Transient(fmt.Errorf("zendesk users job %s: the result for user %s has no id: to retry", id, in.who)))
		}
		return sdk.Written(uid, strings.EqualFold(status, "Created"))
	}
	return sdk.Failed(sdk.BadRecord(fmt.Errorf("zendesk users job %s: user %s has status %q", id, in.who, status)))
}
