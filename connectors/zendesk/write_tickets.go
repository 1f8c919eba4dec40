package zendesk

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// ticketsWriter creates tickets with an Idempotency-Key derived from the
// source record, so that a retried create returns the first ticket, and
// updates the linked ticket of a record with a TargetID.
type ticketsWriter struct {
	cl *httpx.Client
	// account is the account's API root (https://acme.zendesk.com/api/v2)
	// and stream the stream written: both go into the Idempotency-Key.
	account string
	stream  string
	// unanswered are the Idempotency-Keys of creates this writer sent
	// without hearing how they ended (the batch failed): a replay of one
	// is this writer's own create.
	unanswered map[string]bool
}

// Write writes the records one by one, in order. A record Zendesk refuses
// fails alone; any other failure (credentials, an outage past the retries)
// fails the batch, which is safe to retry: creates replay by their key, and
// an update's comment is not added twice.
func (w *ticketsWriter) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	results := make([]sdk.Result, len(req.Records))
	for i, r := range req.Records {
		res, err := w.writeOne(ctx, r)
		if err != nil {
			return sdk.WriteResponse{}, err
		}
		results[i] = res
	}
	return sdk.WriteResponse{Results: results}, nil
}

// Close releases nothing: the client is the connector's.
func (w *ticketsWriter) Close(context.Context) error { return nil }

func (w *ticketsWriter) writeOne(ctx context.Context, r sdk.Record) (sdk.Result, error) {
	t, err := ticketFromRecord(r)
	if err != nil {
		return sdk.Failed(err), nil
	}
	if r.TargetID != "" {
		return w.update(ctx, r, r.TargetID, t)
	}
	return w.create(ctx, r, t)
}

// ticketFromRecord makes the ticket object from a record's data: a flat
// object of Zendesk ticket fields or {"ticket":{...}}. For convenience,
// "comment" may be a string (its body), "body" or "description" stand for
// comment.body, and "requester_email"/"requester_name" for the requester
// object. Emails are trimmed. A "description" (Zendesk's name for the first
// comment) stands for comment.body on a create only.
func ticketFromRecord(r sdk.Record) (sdk.Object, error) {
	if r.Op == sdk.Delete {
		return nil, sdk.RecordErrorf(r, "deleting zendesk tickets is not supported")
	}
	t, err := decodeObject(r, "ticket")
	if err != nil {
		return nil, err
	}
	if err := normaliseComment(t); err != nil {
		return nil, sdk.RecordError(r, err)
	}
	if err := normaliseRequester(t); err != nil {
		return nil, sdk.RecordError(r, err)
	}
	for _, f := range []string{"subject", "status", "priority", "type"} {
		if _, _, err := t.GetString(f); err != nil {
			return nil, sdk.RecordError(r, err)
		}
	}
	if ext, ok, err := t.GetString("external_id"); err != nil {
		return nil, sdk.RecordError(r, err)
	} else if ok {
		t.SetString("external_id", ext)
	}
	return t, nil
}

// normaliseComment turns the comment shortcuts into comment {"body": ..}.
// "description" (a ticket's first comment, as Zendesk reports it) is kept
// aside as "description" for create to use; an update ignores it.
func normaliseComment(t sdk.Object) error {
	if s, ok, err := t.GetString("body"); err != nil {
		return err
	} else if _, has := t["comment"]; ok && !has {
		t["comment"], _ = json.Marshal(map[string]string{"body": s})
	}
	delete(t, "body")
	if _, _, err := t.GetString("description"); err != nil {
		return err
	}
	raw, ok := t["comment"]
	if !ok || string(raw) == "null" {
		delete(t, "comment")
		return nil
	}
	if s, isString, _ := t.GetString("comment"); isString && gjson.ParseBytes(raw).Type == gjson.String {
		t["comment"], _ = json.Marshal(map[string]string{"body": s})
		return nil
	}
	c := gjson.ParseBytes(raw)
	if !c.IsObject() {
		return errors.New("comment is neither a string nor an object")
	}
	if b := c.Get("body"); b.Exists() && b.Type != gjson.String {
		return errors.New("comment.body is not a string")
	}
	return nil
}

// normaliseRequester turns requester_email/requester_name into the
// requester object and trims its email.
func normaliseRequester(t sdk.Object) error {
	email, hasEmail, err := t.GetString("requester_email")
	if err != nil {
		return err
	}
	name, _, err := t.GetString("requester_name")
	if err != nil {
		return err
	}
	delete(t, "requester_email")
	delete(t, "requester_name")
	if _, ok := t["requester"]; !ok && hasEmail {
		req := map[string]string{"email": email}
		if name != "" {
			req["name"] = name
		}
		t["requester"], _ = json.Marshal(req)
	}
	raw, ok := t["requester"]
	if !ok {
		return nil
	}
	var req map[string]any
	if err := json.Unmarshal(raw, &req); err != nil || req == nil {
		return errors.New("requester is not an object like {\"email\": .., \"name\": ..}")
	}
	if e, ok := req["email"]; ok {
		s, isString := e.(string)
		if !isString {
			return errors.New("requester.email is not a string")
		}
		req["email"] = strings.TrimSpace(s)
	}
	t["requester"], _ = json.Marshal(req)
	return nil
}

// commentBody is the body of the ticket's comment, or "".
func commentBody(o sdk.Object) string {
	c := gjson.ParseBytes(o["comment"])
	if b := c.Get("body").String(); b != "" {
		return b
	}
	return c.Get("html_body").String()
}

// IdempotencyKey returns the Idempotency-Key of a ticket create: for the
// Zendesk account (its API root, as in https://acme.zendesk.com/api/v2), the
// stream written (tickets) and the source record's stream and key. It is
// deterministic, so that every retry of the create carries the same one,
// and shaped like a UUID. The account and the stream written keep apart
// the keys of pipelines writing elsewhere whose source streams share a name
// and keys; two pipelines writing to the same account's tickets from source
// streams of the same name still share keys (the connector does not know
// the pipeline).
func IdempotencyKey(account, stream, sourceStream, sourceKey string) string {
	h := sha256.New()
	h.Write([]byte("cxhub/zendesk/idempotency-key/v2"))
	for _, part := range []string{account, stream, sourceStream, sourceKey} {
		fmt.Fprintf(h, "\x00%d:%s", len(part), part) // length-prefixed: no two tuples hash alike
	}
	x := fmt.Sprintf("%x", h.Sum(nil)[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// create posts the ticket with the record's Idempotency-Key; the result
// says created unless Zendesk replayed an earlier create. Should Zendesk
// hold another create under that key (the record changed after a write
// whose answer was lost), the ticket is found by its external_id and
// updated instead.
func (w *ticketsWriter) create(ctx context.Context, r sdk.Record, t sdk.Object) (sdk.Result, error) {
	if desc, ok, _ := t.GetString("description"); ok && commentBody(t) == "" {
		t["comment"], _ = json.Marshal(map[string]string{"body": desc})
	}
	delete(t, "description")
	if strings.TrimSpace(commentBody(t)) == "" {
		return sdk.Failed(sdk.RecordErrorf(r, "comment.body is required to create a ticket (it is the ticket's first comment)")), nil
	}
	key := IdempotencyKey(w.account, w.stream, r.Stream, r.Key)
	if r.Key == "" {
		sum := sha256.Sum256(r.Data)
		key = IdempotencyKey(w.account, w.stream, r.Stream, fmt.Sprintf("data:%x", sum))
	}
	if w.unanswered == nil {
		w.unanswered = map[string]bool{}
	}
	sentBefore := w.unanswered[key]
	w.unanswered[key] = true
	resp, err := w.cl.Do(ctx, &httpx.Request{Method: "POST", Path: "/tickets.json", Body: map[string]any{"ticket": t},
		Header: http.Header{"Idempotency-Key": {key}}})
	if err == nil || sdk.KindOf(err) == sdk.KindBadRecord {
		delete(w.unanswered, key) // answered: the create was made or refused
	}
	if err != nil {
		var he *httpx.Error
		if errors.As(err, &he) && he.Status == http.StatusBadRequest && gjson.GetBytes(he.Body, "error").String() == "IdempotentRequestError" {
			return w.updateByExternalID(ctx, r, t)
		}
		if sdk.KindOf(err) == sdk.KindBadRecord {
			return sdk.Failed(vendorError(r, "create the ticket", err)), nil
		}
		return recordResult(fmt.Errorf("create zendesk ticket for %s record %s: %w", r.Stream, sdk.RecordName(r), err))
	}
	id := resp.Get("ticket.id").String()
	if id == "" {
		return recordResult(sdk.Transient(fmt.Errorf("create zendesk ticket for %s record %s: the answer has no ticket.id", r.Stream, sdk.RecordName(r))))
	}
	return sdk.Written(id, createdNow(resp, sentBefore)), nil
}

// createdNow reports whether a create's answer is a ticket this write
// made. A replay (x-idempotency-lookup: hit) is one when it replays this
// write's own earlier attempt: Do retried after an answer was lost, or
// this writer sent the create before in a batch that failed, so nobody
// counted it. A replay of a create answered in an earlier write (the link
// was lost) made nothing now.
func createdNow(resp *httpx.Response, sentBefore bool) bool {
	if !strings.EqualFold(resp.Header.Get("x-idempotency-lookup"), "hit") {
		return true
	}
	return resp.Attempts > 1 || sentBefore
}

// updateByExternalID updates the ticket whose external_id is the record's.
func (w *ticketsWriter) updateByExternalID(ctx context.Context, r sdk.Record, t sdk.Object) (sdk.Result, error) {
	ext, _, _ := t.GetString("external_id")
	if ext == "" {
		return sdk.Failed(sdk.RecordErrorf(r, "zendesk holds another create of this record under its Idempotency-Key "+
			"(the record changed after a write whose answer was lost), and without an external_id the ticket cannot be found: "+
			"map an external_id, or write it again after 2 hours")), nil
	}
	resp, err := w.cl.Get(ctx, "/tickets.json", url.Values{"external_id": {ext}})
	if err != nil {
		return recordResult(fmt.Errorf("find zendesk ticket with external_id %s: %w", ext, err))
	}
	found := resp.Get("tickets.0.id").String()
	if found == "" {
		return sdk.Failed(sdk.RecordErrorf(r, "zendesk holds another create of this record under its Idempotency-Key, "+
			"but no ticket has external_id %s: write it again after 2 hours", ext)), nil
	}
	return w.update(ctx, r, found, t)
}

// update puts the record's fields on ticket id. The requester object and
// the description are left out (a ticket's requester changes by
// requester_id; its description is its first comment), and so is a
// comment equal to the ticket's latest one: a retried update does not
// comment twice.
func (w *ticketsWriter) update(ctx context.Context, r sdk.Record, id string, t sdk.Object) (sdk.Result, error) {
	delete(t, "requester")
	delete(t, "description")
	if body := commentBody(t); body != "" {
		latest, err := w.latestComment(ctx, id)
		if err != nil {
			return w.updateFailure(r, id, err)
		}
		if trimmedEqual(latest, body) {
			delete(t, "comment")
		}
	}
	if len(t) == 0 {
		return sdk.Written(id, false), nil
	}
	resp, err := w.cl.Do(ctx, &httpx.Request{Method: "PUT", Path: "/tickets/" + url.PathEscape(id) + ".json", Body: map[string]any{"ticket": t}})
	if err != nil {
		return w.updateFailure(r, id, err)
	}
	if got := resp.Get("ticket.id").String(); got != "" {
		id = got
	}
	return sdk.Written(id, false), nil
}

// latestComment is the body of the ticket's newest comment.
func (w *ticketsWriter) latestComment(ctx context.Context, id string) (string, error) {
	resp, err := w.cl.Get(ctx, "/tickets/"+url.PathEscape(id)+"/comments.json", url.Values{"sort_order": {"desc"}, "per_page": {"1"}})
	if err != nil {
		return "", err
	}
	c := resp.Get("comments.0")
	if b := c.Get("body").String(); b != "" {
		return b, nil
	}
	return c.Get("plain_body").String(), nil
}

func (w *ticketsWriter) updateFailure(r sdk.Record, id string, err error) (sdk.Result, error) {
	if httpx.StatusOf(err) == http.StatusNotFound {
		return sdk.Failed(sdk.RecordErrorf(r, "ticket %s no longer exists in zendesk", id)), nil
	}
	if sdk.KindOf(err) == sdk.KindBadRecord {
		return sdk.Failed(vendorError(r, "update ticket "+id, err)), nil
	}
	return recordResult(fmt.Errorf("update zendesk ticket %s for %s record %s: %w", id, r.Stream, sdk.RecordName(r), err))
}
