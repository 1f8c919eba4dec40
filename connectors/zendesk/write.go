package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// OpenWriter returns a writer of users (upserted in bulk) or tickets
// (created with an Idempotency-Key, or updated when linked).
func (c *Connector) OpenWriter(_ context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	cl, err := c.client(cfg, false)
	if err != nil {
		return nil, err
	}
	switch req.Stream {
	case StreamUsers:
		return &usersWriter{cl: cl, opts: c.opts, slots: c.jobSlots(httpx.AccountKey(cfg.apiURL, cfg.Email, cfg.Token))}, nil
	case StreamTickets:
		return &ticketsWriter{cl: cl, account: cfg.apiURL, stream: req.Stream}, nil
	case StreamTicketComments:
		return nil, sdk.ConfigError(errors.New("stream ticket_comments cannot be written: write tickets, with a comment, instead"))
	}
	return nil, sdk.ConfigError(fmt.Errorf("no stream %q to write (zendesk writes users and tickets)", req.Stream))
}

// object is a record's data as a JSON object, its values kept raw.
type object map[string]json.RawMessage

// decodeObject reads a record's data; wrapper names the key ("user",
// "ticket") under which the object may also come, as Zendesk's API takes
// it. Fields that only Zendesk sets (id, url, created_at, updated_at) are
// dropped, so that records read from another Zendesk can be written as they
// are.
func decodeObject(r sdk.Record, wrapper string) (object, error) {
	var o object
	if err := json.Unmarshal(r.Data, &o); err != nil || o == nil {
		return nil, badRecord(r, "data is not a JSON object")
	}
	if inner, ok := o[wrapper]; ok && len(o) == 1 {
		o = nil
		if err := json.Unmarshal(inner, &o); err != nil || o == nil {
			return nil, badRecord(r, "%s is not a JSON object", wrapper)
		}
	}
	for _, k := range []string{"id", "url", "created_at", "updated_at"} {
		delete(o, k)
	}
	return o, nil
}

// str reads a string field: absent or null gives "", false; a number is
// taken as its digits; anything else is an error naming the field.
func (o object) str(field string) (string, bool, error) {
	raw, ok := o[field]
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err == nil {
		return n.String(), true, nil
	}
	return "", false, fmt.Errorf("%s is not a string", field)
}

func (o object) setString(field, v string) {
	b, _ := json.Marshal(v) // a string: cannot fail
	o[field] = b
}

// badRecord is a BadRecord error about record r.
func badRecord(r sdk.Record, format string, args ...any) error {
	return sdk.BadRecord(fmt.Errorf("%s record %s: %s", r.Stream, recordName(r), fmt.Sprintf(format, args...)))
}

func recordName(r sdk.Record) string {
	if r.Key == "" {
		return "(no key)"
	}
	return r.Key
}

// recordResult sorts a write's failure: a bad record fails alone; any
// other (refused credentials, an outage past the retries, a cancelled
// context) fails the batch.
func recordResult(err error) (sdk.Result, error) {
	if sdk.KindOf(err) == sdk.KindBadRecord {
		return sdk.Failed(err), nil
	}
	return sdk.Result{}, err
}

// vendorError is a BadRecord for a refused write with Zendesk's own words.
func vendorError(r sdk.Record, what string, err error) error {
	var he *httpx.Error
	if errors.As(err, &he) && len(he.Body) > 0 {
		if msg := vendorMessage(he.Body); msg != "" {
			return sdk.BadRecord(fmt.Errorf("%s record %s: zendesk refused to %s (%d): %s", r.Stream, recordName(r), what, he.Status, msg))
		}
	}
	return sdk.BadRecord(fmt.Errorf("%s record %s: %s: %w", r.Stream, recordName(r), what, err))
}

func trimmedEqual(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }
