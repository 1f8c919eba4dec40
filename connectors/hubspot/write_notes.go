package hubspot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// The members of a note record that are not properties: the contact the
// note is about, by HubSpot id or by email.
const (
	memberContactID    = "contact_id"
	memberContactEmail = "contact_email"
)

// noteToContact is HubSpot's association type from a note to a contact.
const noteToContact = 202

// note is a note record on its way.
type note struct {
	rec     sdk.Record
	props   map[string]string
	contact string // the contact's id, once known
	email   string // the contact's email, to look up
}

// writeNotes writes notes and associates each with its contact.
//
// A record with a TargetID (from the core's links) updates that note.
// Otherwise the note is created with its association in one request
// (see createOnce), or, when the config sets a key property, upserted by
// that property (its value in the data, or the record's key). A note
// written by update or upsert is then associated with its contact (an
// association that exists is left as it is). The contact is contact_id,
// or the contact whose email is contact_email (looked up by search: a
// contact created seconds ago may not be found yet, and the record then
// fails, to be replayed).
//
// Records are taken in their order, so that of two records of one note in
// a batch the later is written last and wins.
func (w *writer) writeNotes(ctx context.Context, recs []sdk.Record, results []sdk.Result) error {
	notes := make([]*note, len(recs)) // by record index; nil for a record failed already
	var emails []string
	for i, rec := range recs {
		n, err := w.parseNote(rec)
		if err != nil {
			results[i] = sdk.Failed(err)
			continue
		}
		notes[i] = n
		if n.contact == "" && n.email != "" {
			emails = append(emails, n.email)
		}
	}
	found, err := w.contactsByEmail(ctx, emails)
	if err != nil {
		return err
	}
	var updates, upserts, creates []pending
	for i, n := range notes {
		if n == nil {
			continue
		}
		if n.contact == "" && n.email != "" {
			if n.contact = found[n.email]; n.contact == "" {
				results[i] = sdk.Failed(badRecord(w.obj.name, n.rec, fmt.Errorf("no HubSpot contact has the email %s (contact_email)", n.email)))
				notes[i] = nil
				continue
			}
		}
		key := w.keyValue(n.rec, n.props)
		switch {
		case n.rec.TargetID != "" && isID(n.rec.TargetID):
			updates = append(updates, pending{at: i, rec: n.rec, key: n.rec.TargetID,
				input: map[string]any{"id": n.rec.TargetID, "properties": n.props}})
		case key != "":
			upserts = append(upserts, upsertInput(i, n.rec, w.key, key, n.props))
		default:
			in := map[string]any{"properties": n.props}
			if n.contact != "" {
				in["associations"] = []map[string]any{{"to": map[string]string{"id": n.contact},
					"types": []map[string]any{{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": noteToContact}}}}
			}
			creates = append(creates, pending{at: i, rec: n.rec, input: in})
		}
	}
	written := map[int]outcome{}
	for _, step := range []struct {
		op     batchOp
		inputs []pending
	}{{opUpdate, updates}, {opUpsert(w.key), upserts}} {
		outcomes, err := w.write(ctx, step.op, step.inputs)
		if err != nil {
			return err
		}
		maps.Copy(written, outcomes)
	}
	created, followUps, err := w.createOnce(ctx, creates)
	if err != nil {
		return err
	}
	for _, at := range followUps { // updates of notes made earlier: their contact may differ
		written[at] = created[at]
		delete(created, at)
	}
	if err := w.associate(ctx, notes, written); err != nil {
		return err
	}
	settle(results, written)
	settle(results, created)
	return nil
}

// parseNote reads a note record: its properties, contact, and a
// hs_timestamp (HubSpot requires one: the record's UpdatedAt stands in
// for a missing one).
func (w *writer) parseNote(rec sdk.Record) (*note, error) {
	if rec.Op == sdk.Delete {
		return nil, w.refuseDelete(rec).Err
	}
	props, err := recordProperties(w.obj, rec, memberContactID, memberContactEmail)
	if err != nil {
		return nil, err
	}
	n := &note{rec: rec, props: props, contact: member(rec, memberContactID), email: normalEmail(member(rec, memberContactEmail))}
	if n.contact != "" && !isID(n.contact) {
		return nil, badRecord(w.obj.name, rec, fmt.Errorf("contact_id %q is not a HubSpot id (digits)", n.contact))
	}
	if rec.TargetID != "" {
		return n, nil // an update: HubSpot keeps what is not given
	}
	if props["hs_timestamp"] == "" {
		if rec.UpdatedAt.IsZero() {
			return nil, badRecord(w.obj.name, rec, errors.New("no hs_timestamp: when the note was taken (ISO 8601 or epoch milliseconds)"))
		}
		props["hs_timestamp"] = rec.UpdatedAt.UTC().Format(isoMillis)
	}
	if n.contact == "" && n.email == "" {
		return nil, badRecord(w.obj.name, rec, errors.New("no contact: a note needs contact_id or contact_email"))
	}
	return n, nil
}

// contactsByEmail finds the ids of the contacts with these emails, 100 per search.
func (w *writer) contactsByEmail(ctx context.Context, emails []string) (map[string]string, error) {
	found := map[string]string{}
	for start := 0; start < len(emails); start += maxBatch {
		chunk := emails[start:min(start+maxBatch, len(emails))]
		body := map[string]any{
			"filterGroups": []map[string]any{{"filters": []map[string]any{{"propertyName": "email", "operator": "IN", "values": chunk}}}},
			"properties":   []string{"email"},
			"limit":        maxBatch,
		}
		resp, err := w.client.Do(ctx, &httpx.Request{Method: "POST", Path: "/crm/v3/objects/contacts/search", Body: body,
			Idempotent: true, Bucket: searchBucket})
		if err != nil {
			return nil, fmt.Errorf("look up contacts by email: %w", err)
		}
		for _, r := range resp.Get("results").Array() {
			found[normalEmail(r.Get("properties.email").String())] = r.Get("id").String()
		}
	}
	return found, nil
}

// associate links each written note with its contact, 100 per request. A
// note whose association HubSpot refuses fails as a bad record (it was
// written, and a replay writes it again and retries the association).
//
// The associations are sent in record order. One note may be linked with
// several contacts (two records of it in the batch): an error is matched
// to its record by the note's id and, when HubSpot gives it, the contact's.
func (w *writer) associate(ctx context.Context, notes []*note, written map[int]outcome) error {
	var links []int
	for at, n := range notes {
		if o, ok := written[at]; ok && o.err == nil && n != nil && n.contact != "" {
			links = append(links, at)
		}
	}
	for start := 0; start < len(links); start += maxBatch {
		chunk := links[start:min(start+maxBatch, len(links))]
		inputs := make([]map[string]any, len(chunk))
		byNote := map[string][]int{}
		for i, at := range chunk {
			inputs[i] = map[string]any{"from": map[string]string{"id": written[at].id}, "to": map[string]string{"id": notes[at].contact},
				"types": []map[string]any{{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": noteToContact}}}
			byNote[written[at].id] = append(byNote[written[at].id], at)
		}
		resp, err := w.client.Do(ctx, &httpx.Request{Method: "POST", Path: "/crm/v4/associations/notes/contacts/batch/create",
			Body: map[string]any{"inputs": inputs}, Idempotent: true})
		if err != nil && sdk.KindOf(err) != sdk.KindBadRecord {
			return fmt.Errorf("associate notes with contacts: %w", err)
		}
		fail := func(at int, msg string) {
			o := written[at]
			o.err = badRecord(w.obj.name, notes[at].rec, fmt.Errorf("written as note %s, but hubspot refused to associate it with contact %s: %s",
				o.id, notes[at].contact, msg))
			written[at] = o
		}
		if err != nil { // the whole request refused
			for _, at := range chunk {
				fail(at, err.Error())
			}
			continue
		}
		for _, e := range resp.Get("errors").Array() {
			to := e.Get("context.toObjectId").Array()
			for _, id := range e.Get("context.fromObjectId").Array() {
				for _, at := range byNote[id.String()] {
					if len(to) == 0 || slices.ContainsFunc(to, func(c gjson.Result) bool { return c.String() == notes[at].contact }) {
						fail(at, e.Get("message").String())
					}
				}
			}
		}
	}
	return nil
}
