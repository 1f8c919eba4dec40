package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// readOnlyCustomerFields are customer fields only Shopify sets: a record
// read from a shop can be written as it is.
var readOnlyCustomerFields = []string{"id", "created_at", "updated_at", "admin_graphql_api_id", "orders_count",
	"total_spent", "last_order_id", "last_order_name", "state", "currency", "default_address", "multipass_identifier"}

// customersWriter writes customers. Shopify has no upsert and no
// idempotency key, so each record is matched to a customer first: its
// link (TargetID), else its email through customer search; a match is
// updated (PUT), and only a customer search does not find is created.
type customersWriter struct {
	cl *httpx.Client
}

// write writes one customer. A create whose answer was lost (a dropped
// connection) is followed by a search: the customer it made is found and
// reported as created. A create refused with 422 "has already been taken"
// (the search index had not caught up, or another writer was first) is
// resolved to the customer that has the email, found by search and
// updated; while search does not show it yet, the record fails as
// transient, for the core to retry. So writing a record again, after any
// failure, never makes a second customer.
func (w *customersWriter) write(ctx context.Context, r sdk.Record) (sdk.Result, error) {
	if r.Op == sdk.Delete {
		return sdk.Result{}, sdk.RecordErrorf(r, "deleting shopify customers is not supported")
	}
	body, email, err := customerFromRecord(r)
	if err != nil {
		return sdk.Result{}, err
	}
	if r.TargetID != "" {
		res, err := w.update(ctx, r, r.TargetID, body)
		if !errors.Is(err, errCustomerGone) {
			return res, err
		}
		// The linked customer was deleted in Shopify: find or create it again.
	}
	if email == "" {
		return sdk.Result{}, sdk.RecordErrorf(r, "email is required to write a customer without a link: shopify has no upsert, and customers are found by email")
	}
	id, err := w.find(ctx, r, email)
	if err != nil {
		return sdk.Result{}, err
	}
	if id != "" {
		return w.update(ctx, r, id, body)
	}
	resp, err := w.cl.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "/customers.json", Body: map[string]any{"customer": body}})
	switch {
	case err == nil:
		return writtenCustomer(r, resp, true)
	case taken(err, "email"):
		id, ferr := w.find(ctx, r, email)
		if ferr != nil {
			return sdk.Result{}, ferr
		}
		if id == "" {
			return sdk.Result{}, sdk.Transient(fmt.Errorf("customers record %s: shopify says %s has already been taken, but customer search does not show it yet: to retry", sdk.RecordName(r), email))
		}
		return w.update(ctx, r, id, body)
	case sdk.KindOf(err).Retryable() && ctx.Err() == nil:
		// The answer may have been lost after Shopify made the customer.
		if id, ferr := w.find(ctx, r, email); ferr == nil && id != "" {
			return sdk.Written(id, true), nil
		}
	}
	return sdk.Result{}, vendorError(r, "create customer "+email, err)
}

// update sends the record's fields to customer id.
func (w *customersWriter) update(ctx context.Context, r sdk.Record, id string, body sdk.Object) (sdk.Result, error) {
	resp, err := w.cl.Do(ctx, &httpx.Request{Method: http.MethodPut, Path: "/customers/" + url.PathEscape(id) + ".json",
		Body: map[string]any{"customer": body}})
	if httpx.StatusOf(err) == http.StatusNotFound {
		return sdk.Result{}, sdk.RecordErrorf(r, "update customer %s: %w", id, errCustomerGone)
	}
	if err != nil {
		return sdk.Result{}, vendorError(r, "update customer "+id, err)
	}
	return writtenCustomer(r, resp, false)
}

// errCustomerGone is the cause of an update of a customer Shopify no
// longer has.
var errCustomerGone = errors.New("the customer no longer exists in shopify")

// find returns the id of the customer whose email is email (whatever its
// case), "" if customer search shows none.
func (w *customersWriter) find(ctx context.Context, r sdk.Record, email string) (string, error) {
	q := url.Values{"query": {`email:"` + email + `"`}, "fields": {"id,email"}, "limit": {"10"}}
	resp, err := w.cl.Get(ctx, "/customers/search.json", q)
	if err != nil {
		return "", fmt.Errorf("customers record %s: search for %s: %w", sdk.RecordName(r), email, err)
	}
	for _, c := range resp.Get("customers").Array() {
		if strings.EqualFold(strings.TrimSpace(c.Get("email").String()), email) {
			return c.Get("id").String(), nil
		}
	}
	return "", nil
}

// writtenCustomer reads the customer's id from Shopify's answer.
func writtenCustomer(r sdk.Record, resp *httpx.Response, created bool) (sdk.Result, error) {
	id := resp.Get("customer.id").String()
	if id == "" {
		return sdk.Result{}, sdk.Transient(fmt.Errorf("customers record %s: shopify's answer has no customer.id", sdk.RecordName(r)))
	}
	return sdk.Written(id, created), nil
}

// taken reports whether err is Shopify's 422 saying field "has already
// been taken".
func taken(err error, field string) bool {
	for _, m := range fieldErrors(err, field) {
		if strings.Contains(m, "already been taken") {
			return true
		}
	}
	return false
}

// customerFromRecord makes the customer object to send from a record's
// data: Shopify customer fields, flat or under "customer". Fields only
// Shopify sets are dropped; the email is trimmed.
func customerFromRecord(r sdk.Record) (sdk.Object, string, error) {
	o, err := sdk.DecodeObject(r, "customer")
	if err != nil {
		return nil, "", err
	}
	for _, f := range readOnlyCustomerFields {
		delete(o, f)
	}
	email, has, err := o.GetString("email")
	if err != nil {
		return nil, "", sdk.RecordError(r, err)
	}
	email = strings.TrimSpace(email)
	if has {
		if email == "" {
			delete(o, "email")
		} else {
			o.SetString("email", email)
		}
	}
	for _, f := range []string{"first_name", "last_name", "phone", "note"} {
		if _, _, err := o.GetString(f); err != nil {
			return nil, "", sdk.RecordError(r, err)
		}
	}
	if raw, ok := o["tags"]; ok { // Shopify takes tags as one comma-separated string
		var list []string
		if json.Unmarshal(raw, &list) == nil {
			o.SetString("tags", strings.Join(list, ", "))
		}
	}
	if len(o) == 0 {
		return nil, "", sdk.RecordErrorf(r, "no customer fields to write")
	}
	return o, email, nil
}
