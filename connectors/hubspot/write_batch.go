package hubspot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// maxBatch is the most inputs HubSpot takes in one batch request.
const maxBatch = 100

// batchOp is one kind of batch request of a stream.
type batchOp struct {
	verb       string // "upsert", "update" or "create": the path's last segment
	idProperty string // for upserts: the unique property the inputs' ids are values of
	// idempotent says whether the request may be sent twice: an upsert or
	// an update may, a create may not (it would make a second object).
	idempotent bool
}

var (
	opUpdate = batchOp{verb: "update", idempotent: true}
	opCreate = batchOp{verb: "create"}
)

func opUpsert(idProperty string) batchOp {
	return batchOp{verb: "upsert", idProperty: idProperty, idempotent: true}
}

// pending is one record's input to a batch request.
type pending struct {
	at    int            // the record's index in the Write
	rec   sdk.Record     // the record
	input map[string]any // the input, without its objectWriteTraceId
	// key is how HubSpot names the input in an error's context.ids: the
	// upsert's id (normalised) or the id updated; "" for a create.
	key string
}

// outcome is what became of one input.
type outcome struct {
	id       string
	created  bool
	err      error
	notFound bool // the object to update does not exist (any more)
}

// write sends the inputs of one kind, in requests of at most 100 inputs
// in which no key repeats (HubSpot refuses a batch naming an object
// twice; a later record then goes in a later request, so it wins), and
// returns the outcome of each input by its record's index. An error means
// that a whole request failed for a reason that is not one input's
// (transient, rate limited, refused credentials).
func (w *writer) write(ctx context.Context, op batchOp, inputs []pending) (map[int]outcome, error) {
	out := map[int]outcome{}
	for _, chunk := range chunks(inputs) {
		got, err := w.send(ctx, op, chunk)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, got)
	}
	return out, nil
}

// chunks cuts inputs into runs of at most maxBatch without a repeated key.
func chunks(inputs []pending) [][]pending {
	var out [][]pending
	var cur []pending
	keys := map[string]bool{}
	for _, p := range inputs {
		if len(cur) == maxBatch || (p.key != "" && keys[p.key]) {
			out = append(out, cur)
			cur, keys = nil, map[string]bool{}
		}
		cur = append(cur, p)
		if p.key != "" {
			keys[p.key] = true
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// send makes one batch request. Each input carries its position as
// objectWriteTraceId, by which HubSpot names it in results and errors;
// where it does not, results are matched by key, and errors by their
// context.ids. A refused request of several inputs is cut in two and each
// half sent again, down to the inputs HubSpot refuses, which fail alone.
func (w *writer) send(ctx context.Context, op batchOp, batch []pending) (map[int]outcome, error) {
	inputs := make([]map[string]any, len(batch))
	byKey := map[string]int{}
	for i, p := range batch {
		in := maps.Clone(p.input)
		in["objectWriteTraceId"] = strconv.Itoa(i)
		inputs[i] = in
		if p.key != "" {
			byKey[p.key] = i
		}
	}
	resp, err := w.client.Do(ctx, &httpx.Request{Method: "POST", Path: "/crm/v3/objects/" + w.obj.name + "/batch/" + op.verb,
		Body: map[string]any{"inputs": inputs}, Idempotent: op.idempotent})
	if err != nil {
		if sdk.KindOf(err) != sdk.KindBadRecord {
			return nil, err
		}
		var he *httpx.Error
		errors.As(err, &he)
		if he != nil && (he.Status == 404 || he.Status == 405) &&
			gjson.GetBytes(he.Body, "category").String() != "OBJECT_NOT_FOUND" {
			// No such endpoint: the base_url is not HubSpot's API, and
			// no record would fare better.
			return nil, sdk.ConfigError(fmt.Errorf("%w (base_url: is it the HubSpot API?)", err))
		}
		if len(batch) > 1 {
			return w.bisect(ctx, op, batch)
		}
		nf := he != nil && he.Status == 404
		return map[int]outcome{batch[0].at: {err: w.refused(batch[0], err.Error(), nf), notFound: nf}}, nil
	}
	out := map[int]outcome{}
	results := resp.Get("results").Array()
	for n, r := range results {
		i := traceIndex(r.Get("objectWriteTraceId"), len(batch))
		if i < 0 {
			var ok bool
			if i, ok = byKey[w.resultKey(op, r)]; !ok {
				i = -1
			}
		}
		if i < 0 && op.verb == "create" && len(results) == len(batch) && !resp.Get("errors.0").Exists() {
			i = n // no trace ids, nothing failed: the answer follows the inputs
		}
		if i >= 0 {
			created := op.verb == "create" || (op.verb == "upsert" && r.Get("new").Bool())
			out[batch[i].at] = outcome{id: r.Get("id").String(), created: created}
		}
	}
	var unnamed []string
	for _, e := range resp.Get("errors").Array() {
		idx := errorInputs(e, byKey, len(batch))
		msg := e.Get("message").String()
		if len(idx) == 0 {
			unnamed = append(unnamed, msg)
			continue
		}
		nf := e.Get("category").String() == "OBJECT_NOT_FOUND"
		for _, i := range idx {
			out[batch[i].at] = outcome{err: w.refused(batch[i], msg, nf), notFound: nf}
		}
	}
	for _, p := range batch {
		if _, ok := out[p.at]; ok {
			continue
		}
		if len(unnamed) > 0 {
			out[p.at] = outcome{err: badRecord(w.obj.name, p.rec, fmt.Errorf("hubspot refused part of a batch "+
				"without naming the inputs; this one was not written: %s", strings.Join(unnamed, "; ")))}
		} else {
			out[p.at] = outcome{err: sdk.Transient(fmt.Errorf("%s record %s: hubspot's answer to the batch %s said nothing of it",
				w.obj.name, p.rec.Key, op.verb))}
		}
	}
	return out, nil
}

// bisect sends each half of a refused batch on its own.
func (w *writer) bisect(ctx context.Context, op batchOp, batch []pending) (map[int]outcome, error) {
	half := len(batch) / 2
	out, err := w.send(ctx, op, batch[:half])
	if err != nil {
		return nil, err
	}
	rest, err := w.send(ctx, op, batch[half:])
	if err != nil {
		return nil, err
	}
	maps.Copy(out, rest)
	return out, nil
}

// refused is the bad-record error of an input HubSpot refused, with its message.
func (w *writer) refused(p pending, msg string, notFound bool) error {
	if notFound && p.rec.TargetID != "" {
		return badRecord(w.obj.name, p.rec, fmt.Errorf("the %s it was written to before, id %s, is no longer in HubSpot "+
			"(deleted or merged); hubspot said: %s", singular(w.obj.name), p.rec.TargetID, msg))
	}
	return badRecord(w.obj.name, p.rec, fmt.Errorf("hubspot refused it: %s", readable(msg)))
}

// invalidPrefix starts HubSpot's message for invalid property values,
// which goes on with a JSON list of the problems.
const invalidPrefix = "Property values were not valid: "

// readable puts the gist of HubSpot's message for invalid property values
// first ("email: Email address x is invalid"), then the message as it came.
func readable(msg string) string {
	list, ok := strings.CutPrefix(msg, invalidPrefix)
	if !ok || !gjson.Valid(list) {
		return msg
	}
	var gist []string
	for _, p := range gjson.Parse(list).Array() {
		if m := p.Get("message").String(); m != "" {
			gist = append(gist, p.Get("name").String()+": "+m)
		}
	}
	if len(gist) == 0 {
		return msg
	}
	return strings.Join(gist, "; ") + " (" + msg + ")"
}

func singular(stream string) string {
	if stream == streamCompanies {
		return "company"
	}
	return strings.TrimSuffix(stream, "s")
}

// traceIndex reads an objectWriteTraceId this writer gave (an index below n), or -1.
func traceIndex(v gjson.Result, n int) int {
	i, err := strconv.Atoi(v.String())
	if !v.Exists() || err != nil || i < 0 || i >= n {
		return -1
	}
	return i
}

// errorInputs returns the indexes of the inputs an error of a batch answer
// names: by the trace ids in its context, or else by the ids.
func errorInputs(e gjson.Result, byKey map[string]int, n int) []int {
	var out []int
	for _, t := range e.Get("context.objectWriteTraceId").Array() {
		if i := traceIndex(t, n); i >= 0 {
			out = append(out, i)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, id := range e.Get("context.ids").Array() {
		for _, k := range []string{id.String(), normalEmail(id.String())} {
			if i, ok := byKey[k]; ok {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// resultKey is the key of the input a result answers: the upserted
// property's value, or the id updated.
func (w *writer) resultKey(op batchOp, r gjson.Result) string {
	switch op.verb {
	case "upsert":
		v := r.Get("properties." + gjson.Escape(op.idProperty)).String()
		if op.idProperty == "email" {
			return normalEmail(v)
		}
		return v
	case "update":
		return r.Get("id").String()
	}
	return ""
}
