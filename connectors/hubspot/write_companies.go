package hubspot

import (
	"context"

	"github.com/cxhub/cxhub/sdk"
)

// writeCompanies updates the company a record was written to before (its
// TargetID, from the core's links); otherwise it creates the company, or,
// when the config sets a key property, upserts it by that property (its
// value in the data, or else the record's key). A TargetID that HubSpot no
// longer knows fails the record as a bad record.
func (w *writer) writeCompanies(ctx context.Context, recs []sdk.Record, results []sdk.Result) error {
	var updates, upserts, creates []pending
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
		key := w.keyValue(rec, props)
		switch {
		case rec.TargetID != "" && isID(rec.TargetID):
			updates = append(updates, pending{at: i, rec: rec, key: rec.TargetID,
				input: map[string]any{"id": rec.TargetID, "properties": props}})
		case key != "":
			upserts = append(upserts, upsertInput(i, rec, w.key, key, props))
		default:
			creates = append(creates, pending{at: i, rec: rec, input: map[string]any{"properties": props}})
		}
	}
	for _, step := range []struct {
		op     batchOp
		inputs []pending
	}{{opUpdate, updates}, {opUpsert(w.key), upserts}} {
		outcomes, err := w.write(ctx, step.op, step.inputs)
		if err != nil {
			return err
		}
		settle(results, outcomes)
	}
	created, _, err := w.createOnce(ctx, creates)
	if err != nil {
		return err
	}
	settle(results, created)
	return nil
}

// keyValue returns the value of the key property a record is upserted by
// (the data's own, or else the record's key) and sets it in props; "" when
// the config sets no key property.
func (w *writer) keyValue(rec sdk.Record, props map[string]string) string {
	if w.key == "" {
		return ""
	}
	v := props[w.key]
	if v == "" {
		v = rec.Key
	}
	props[w.key] = v
	return v
}
