package hubspot

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/cxhub/cxhub/sdk"
)

// writeContacts upserts contacts by email, 100 per request. A record with
// a TargetID (the contact an earlier write made) updates that contact by
// id, so that a changed email changes it rather than making a new
// contact; if that contact is gone, the record is upserted by email. Of
// two records of one email, the later in the batch is written last.
func (w *writer) writeContacts(ctx context.Context, recs []sdk.Record, results []sdk.Result) error {
	var updates, upserts []pending
	emails := map[int]string{}
	for i, rec := range recs {
		if rec.Op == sdk.Delete {
			results[i] = w.refuseDelete(rec)
			continue
		}
		props, err := recordProperties(w.obj, rec)
		if err != nil {
			results[i] = sdk.Failed(err)
			continue
		}
		email := normalEmail(props["email"])
		if email != "" {
			props["email"] = email
			emails[i] = email
		}
		switch {
		case rec.TargetID != "" && isID(rec.TargetID):
			updates = append(updates, pending{at: i, rec: rec, key: rec.TargetID,
				input: map[string]any{"id": rec.TargetID, "properties": props}})
		case email == "":
			results[i] = sdk.Failed(badRecord(w.obj.name, rec, errors.New(
				"no email: the contacts stream upserts by email, so a record needs one (data.email or data.properties.email)")))
		default:
			upserts = append(upserts, upsertInput(i, rec, "email", email, props))
		}
	}
	outcomes, err := w.write(ctx, opUpdate, updates)
	if err != nil {
		return err
	}
	for _, p := range updates {
		if o := outcomes[p.at]; o.notFound && emails[p.at] != "" {
			delete(outcomes, p.at)
			upserts = append(upserts, upsertInput(p.at, p.rec, "email", emails[p.at], p.input["properties"].(map[string]string)))
		}
	}
	// Back in record order, so that of two records of one email the later
	// is written last and wins.
	slices.SortFunc(upserts, func(a, b pending) int { return cmp.Compare(a.at, b.at) })
	more, err := w.write(ctx, opUpsert("email"), upserts)
	if err != nil {
		return err
	}
	settle(results, outcomes)
	settle(results, more)
	return nil
}

// upsertInput is the input of an upsert of rec by idProperty = id.
func upsertInput(at int, rec sdk.Record, idProperty, id string, props map[string]string) pending {
	return pending{at: at, rec: rec, key: id,
		input: map[string]any{"idProperty": idProperty, "id": id, "properties": props}}
}
