package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// maxUsersPerJob is the most users one create_or_update_many or
// update_many takes.
const maxUsersPerJob = 100

// usersWriter writes users in bulk jobs: a record with a TargetID updates
// that user by id (update_many); any other is upserted with
// create_or_update_many, which matches it on external_id, else email, so
// that writing a record again updates the same user.
type usersWriter struct {
	cl    *httpx.Client
	opts  Options
	slots jobSlots // the account's, shared with every writer of it
}

// userInput is one user to write and how to name it in messages.
type userInput struct {
	index  int             // in the batch
	body   json.RawMessage // the user object, without an id
	target int64           // the record's TargetID, the user to update; 0: none
	upsert bool            // it has an email or external_id to upsert by
	who    string
	keys   []string // the users it may touch: "id:<id>", "email:<lower-case>", "external_id:<id>"
}

// userChunk is the inputs of one bulk job: updates by id (update_many) or
// upserts (create_or_update_many).
type userChunk struct {
	update bool
	inputs []userInput
}

// Write writes the batch's users, up to 100 per job, and maps each job's
// results back to the records (see jobResults). Records with a TargetID
// update that user by id, in update_many jobs, and never create one: a
// partial record (a two-way sync's changed fields) needs no email. A
// linked user gone from Zendesk (deleted: not found, or inactive) is
// upserted by the record's email or external_id instead, in a further job;
// without either it is a bad record saying so. The others are upserted.
// Jobs are pipelined (write_users_jobs.go): the next job is submitted while
// earlier ones are polled, up to maxJobsInFlight of the account's at once,
// but never while an earlier job of the batch touching one of its users is
// unfinished. A user Zendesk refuses fails alone, with Zendesk's error and
// details; a user the job gives no result for fails alone (Transient); a
// job that fails as a whole fails the batch (Transient: the writes are
// safe to retry), once every job submitted beside it has finished.
func (w *usersWriter) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	results := make([]sdk.Result, len(req.Records))
	var updates, upserts []userInput
	for i, r := range req.Records {
		in, err := userFromRecord(r)
		if err != nil {
			results[i] = sdk.Failed(err)
			continue
		}
		in.index = i
		if in.target != 0 {
			updates = append(updates, in)
		} else {
			upserts = append(upserts, in)
		}
	}
	chunks := append(chunked(updates, true), chunked(upserts, false)...)
	if err := w.writeChunks(ctx, chunks, results); err != nil {
		return sdk.WriteResponse{}, err
	}
	var again []userInput
	for _, in := range updates {
		if sdk.KindOf(results[in.index].Err) != sdk.KindBadRecord {
			continue
		}
		gone, err := w.userGone(ctx, in.target)
		if err != nil {
			return sdk.WriteResponse{}, err
		}
		switch {
		case !gone:
		case in.upsert:
			again = append(again, in)
		default:
			results[in.index] = sdk.Failed(sdk.RecordErrorf(req.Records[in.index],
				"the zendesk user it was written to before, id %d (its TargetID), is no longer in zendesk (deleted or merged), "+
					"and the record has no email or external_id to create it again by", in.target))
		}
	}
	if err := w.writeChunks(ctx, chunked(again, false), results); err != nil {
		return sdk.WriteResponse{}, err
	}
	return sdk.WriteResponse{Results: results}, nil
}

// chunked splits inputs into jobs of up to maxUsersPerJob.
func chunked(inputs []userInput, update bool) []userChunk {
	var chunks []userChunk
	for start := 0; start < len(inputs); start += maxUsersPerJob {
		chunks = append(chunks, userChunk{update: update, inputs: inputs[start:min(start+maxUsersPerJob, len(inputs))]})
	}
	return chunks
}

// writeChunks runs the chunks' jobs and puts each input's outcome in
// results, at its index.
func (w *usersWriter) writeChunks(ctx context.Context, chunks []userChunk, results []sdk.Result) error {
	outcomes, err := w.runJobs(ctx, chunks)
	if err != nil {
		return err
	}
	for c, chunk := range chunks {
		for k, in := range chunk.inputs {
			results[in.index] = outcomes[c][k]
		}
	}
	return nil
}

// userGone reports whether Zendesk no longer has user id: it is not found,
// or deleted (inactive). It is asked only after an update of id failed.
func (w *usersWriter) userGone(ctx context.Context, id int64) (bool, error) {
	resp, err := w.cl.Get(ctx, fmt.Sprintf("/users/%d.json", id), nil)
	if httpx.StatusOf(err) == http.StatusNotFound {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up zendesk user %d after its update failed: %w", id, err)
	}
	return resp.Get("user.active").Type == gjson.False, nil
}

// Close releases nothing: the client is the connector's.
func (w *usersWriter) Close(context.Context) error { return nil }

// userFromRecord makes the user object to write from a record's data: a
// flat object of Zendesk user fields ({"email":..,"name":..,"external_id":..,
// "phone":..}) or {"user":{...}}. A record with a TargetID is an update of
// that user by id and needs no more; any other needs an email or an
// external_id to match on. The email is trimmed.
func userFromRecord(r sdk.Record) (userInput, error) {
	if r.Op == sdk.Delete {
		return userInput{}, sdk.RecordErrorf(r, "deleting zendesk users is not supported")
	}
	var target int64
	if r.TargetID != "" {
		id, err := strconv.ParseInt(r.TargetID, 10, 64)
		if err != nil || id <= 0 {
			return userInput{}, sdk.RecordErrorf(r, "its TargetID %q is not a zendesk user id", r.TargetID)
		}
		target = id
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
	if email == "" && ext == "" && target == 0 {
		return userInput{}, sdk.RecordErrorf(r, "email or external_id is required: zendesk matches users on them")
	}
	if _, _, err := o.GetString("name"); err != nil {
		return userInput{}, sdk.RecordError(r, err)
	}
	body, err := json.Marshal(o)
	if err != nil {
		return userInput{}, sdk.RecordErrorf(r, "encode: %v", err)
	}
	in := userInput{body: body, target: target, upsert: email != "" || ext != "", who: email}
	if email != "" {
		in.keys = append(in.keys, "email:"+strings.ToLower(email))
	}
	if ext != "" {
		in.who = "external_id " + ext
		in.keys = append(in.keys, "external_id:"+ext)
	}
	if target != 0 {
		in.who = fmt.Sprintf("id %d", target)
		in.keys = append(in.keys, fmt.Sprintf("id:%d", target))
	}
	return in, nil
}

// submit starts one bulk job and returns its job_status: update_many of
// {"users":[{"id":..,...}]} for updates by id, else create_or_update_many.
func (w *usersWriter) submit(ctx context.Context, chunk userChunk) (gjson.Result, error) {
	users := make([]json.RawMessage, len(chunk.inputs))
	req := &httpx.Request{Method: "POST", Path: "/users/create_or_update_many.json", Idempotent: true}
	what := "upsert"
	for i, in := range chunk.inputs {
		users[i] = in.body
		if chunk.update {
			users[i] = withID(in.body, in.target)
		}
	}
	if chunk.update {
		req.Method, req.Path, what = "PUT", "/users/update_many.json", "update"
	}
	req.Body = map[string]any{"users": users}
	resp, err := w.cl.Do(ctx, req)
	if err != nil {
		return gjson.Result{}, fmt.Errorf("%s %d zendesk users: %w", what, len(users), err)
	}
	if resp.Get("job_status.id").String() == "" {
		return gjson.Result{}, sdk.Transient(fmt.Errorf("%s %d zendesk users: the answer has no job_status.id", what, len(users)))
	}
	return resp.Get("job_status"), nil
}

// withID is a user object (body, a JSON object) with "id" set first.
func withID(body json.RawMessage, id int64) json.RawMessage {
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(body)), "{"))
	sep := ","
	if strings.HasPrefix(rest, "}") {
		sep = ""
	}
	return json.RawMessage(fmt.Sprintf(`{"id":%d%s%s`, id, sep, rest))
}

// await waits for a submitted job and returns one result per input, in
// order. Its error is the job's: failed, killed, or not finished in time.
func (w *usersWriter) await(ctx context.Context, job gjson.Result, chunk userChunk) ([]sdk.Result, error) {
	id := job.Get("id").String()
	job, err := w.awaitJob(ctx, id, job)
	if err != nil {
		return nil, err
	}
	return jobResults(id, job.Get("results"), chunk), nil
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
// input. A result carrying an "index" is the input's at that index. One
// without is, in an update job, the input whose TargetID is the result's
// "id" (of several with that id, the first not yet given one: Zendesk
// works in order); otherwise the input's at its own position, but only
// when the job gave exactly one result per input (otherwise positions say
// nothing). A result with an error (with or without status "Failed", or
// success false) fails its input as a bad record with Zendesk's words. An
// input that gets no result, or two, fails alone as Transient, naming the
// job: the writes are safe to retry.
func jobResults(id string, results gjson.Result, chunk userChunk) []sdk.Result {
	inputs := chunk.inputs
	list := results.Array()
	byInput := make([][]gjson.Result, len(inputs))
	byTarget := map[int64][]int{} // update inputs not yet given a result, by TargetID
	if chunk.update {
		for k, in := range inputs {
			byTarget[in.target] = append(byTarget[in.target], k)
		}
	}
	for k, res := range list {
		pos := -1
		if ix := res.Get("index"); ix.Exists() {
			if ix.Type == gjson.Number && ix.Num == float64(int(ix.Num)) {
				pos = int(ix.Num)
			}
		} else if ks := byTarget[res.Get("id").Int()]; chunk.update && len(ks) > 0 {
			pos, byTarget[res.Get("id").Int()] = ks[0], ks[1:]
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
