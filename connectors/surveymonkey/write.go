package surveymonkey

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// bulkSize is how many contacts go in one bulk request.
const bulkSize = 500

// OpenWriter opens a writer of the contacts stream into contact_list_id.
func (c *Connector) OpenWriter(_ context.Context, req sdk.OpenWriterRequest) (sdk.Writer, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	if req.Stream != streamContacts {
		return nil, sdk.ConfigError(fmt.Errorf("write: surveymonkey writes the contacts stream, not %q", req.Stream))
	}
	if strings.TrimSpace(cfg.ContactListID) == "" {
		return nil, sdk.ConfigError(errors.New("contact_list_id is required to write contacts: the id of the contact list to add them to"))
	}
	client, err := c.client(cfg, cfg.retries())
	if err != nil {
		return nil, err
	}
	return &contactWriter{client: client, list: strings.TrimSpace(cfg.ContactListID)}, nil
}

// contactWriter adds contacts to a contact list.
type contactWriter struct {
	client *httpx.Client
	list   string
}

// contactInput is a contact as the bulk endpoint takes it.
type contactInput struct {
	Email        string            `json:"email"`
	FirstName    string            `json:"first_name,omitempty"`
	LastName     string            `json:"last_name,omitempty"`
	CustomFields map[string]string `json:"custom_fields,omitempty"`
}

// normEmail is how emails are matched: trimmed, in lower case.
func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// Write adds the batch's contacts, one bulk request per 500 distinct
// emails. A contact whose email the list already holds is not added again
// and is reported written (not created) with the existing contact's id, so
// writes are idempotent per email; one SurveyMonkey finds invalid fails
// alone as a bad record with SurveyMonkey's reason.
func (w *contactWriter) Write(ctx context.Context, req sdk.WriteRequest) (sdk.WriteResponse, error) {
	results := make([]sdk.Result, len(req.Records))
	var inputs []contactInput
	slot := map[string][]int{} // normalised email → indexes of the records carrying it
	for i, r := range req.Records {
		in, err := parseContact(r)
		if err != nil {
			results[i] = sdk.Failed(err)
			continue
		}
		key := normEmail(in.Email)
		if _, dup := slot[key]; !dup {
			inputs = append(inputs, in)
		}
		slot[key] = append(slot[key], i)
	}
	for start := 0; start < len(inputs); start += bulkSize {
		chunk := inputs[start:min(start+bulkSize, len(inputs))]
		got, err := w.send(ctx, chunk)
		if err != nil {
			return sdk.WriteResponse{}, err
		}
		for _, in := range chunk {
			key := normEmail(in.Email)
			res, ok := got[key]
			if !ok {
				res = sdk.Failed(sdk.Transient(fmt.Errorf("contact %s: not in SurveyMonkey's answer", in.Email)))
			}
			for _, i := range slot[key] {
				results[i] = res
			}
		}
	}
	return sdk.WriteResponse{Results: results}, nil
}

// parseContact reads a record into a bulk input.
func parseContact(r sdk.Record) (contactInput, error) {
	if r.Op == sdk.Delete {
		return contactInput{}, sdk.RecordErrorf(r, "surveymonkey contacts cannot be deleted through cxhub")
	}
	if !gjson.ValidBytes(r.Data) || !gjson.ParseBytes(r.Data).IsObject() {
		return contactInput{}, sdk.RecordErrorf(r, "data is not a JSON object")
	}
	d := gjson.ParseBytes(r.Data)
	in := contactInput{Email: strings.TrimSpace(d.Get("email").String()), FirstName: d.Get("first_name").String(),
		LastName: d.Get("last_name").String()}
	if in.Email == "" {
		return contactInput{}, sdk.RecordErrorf(r, "email is required (map a field to email)")
	}
	if cf := d.Get("custom_fields"); cf.Exists() {
		if !cf.IsObject() {
			return contactInput{}, sdk.RecordErrorf(r, "custom_fields must be an object of strings")
		}
		in.CustomFields = map[string]string{}
		cf.ForEach(func(k, v gjson.Result) bool {
			in.CustomFields[k.String()] = v.String()
			return true
		})
	}
	return in, nil
}

// send posts one bulk request and returns a result per normalised email.
func (w *contactWriter) send(ctx context.Context, chunk []contactInput) (map[string]sdk.Result, error) {
	resp, err := w.client.Do(ctx, &httpx.Request{
		Method:     http.MethodPost,
		Path:       "/contact_lists/" + url.PathEscape(w.list) + "/contacts/bulk",
		Body:       map[string]any{"contacts": chunk},
		Idempotent: true, // an email the list holds is reported existing, never added twice
	})
	if err != nil {
		if sdk.KindOf(err) == sdk.KindBadRecord {
			// The whole request was refused (a list that does not exist):
			// no record of it is at fault.
			return nil, sdk.ConfigError(fmt.Errorf("add contacts to contact list %s: %w", w.list, err))
		}
		return nil, fmt.Errorf("add contacts to contact list %s: %w", w.list, err)
	}
	got := map[string]sdk.Result{}
	for _, c := range resp.Get("succeeded").Array() {
		got[normEmail(c.Get("email").String())] = sdk.Written(c.Get("id").String(), true)
	}
	for _, c := range resp.Get("existing").Array() {
		got[normEmail(c.Get("email").String())] = sdk.Written(c.Get("id").String(), false)
	}
	for _, c := range resp.Get("invalids").Array() {
		reason := ""
		for _, p := range []string{"reason", "message", "error", "errors.0.message"} {
			if reason = c.Get(p).String(); reason != "" {
				break
			}
		}
		if reason == "" {
			reason = "refused as invalid"
		}
		email := c.Get("email").String()
		got[normEmail(email)] = sdk.Failed(sdk.BadRecord(fmt.Errorf("surveymonkey refused contact %s: %s", email, reason)))
	}
	return got, nil
}

// Close releases the writer's connections.
func (w *contactWriter) Close(context.Context) error {
	w.client.CloseIdleConnections()
	return nil
}
