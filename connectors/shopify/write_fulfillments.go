package shopify

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// trackingWriter updates the tracking of existing fulfillments
// (POST fulfillments/{id}/update_tracking.json). Setting the same tracking
// twice changes nothing, so a write is safe to repeat.
type trackingWriter struct {
	cl *httpx.Client
}

// write sends one record's tracking to its fulfillment: TargetID, else the
// record's id. The record holds tracking_info {number, company, url} (which
// then is the whole tracking), or else tracking_number, tracking_company
// and tracking_url, and optionally notify_customer (false by default).
func (w *trackingWriter) write(ctx context.Context, r sdk.Record) (sdk.Result, error) {
	if r.Op == sdk.Delete {
		return sdk.Result{}, sdk.RecordErrorf(r, "deleting shopify fulfillments is not supported")
	}
	o, err := sdk.DecodeObject(r, "fulfillment")
	if err != nil {
		return sdk.Result{}, err
	}
	id := r.TargetID
	if id == "" {
		if id, _, err = o.GetString("id"); err != nil {
			return sdk.Result{}, sdk.RecordError(r, err)
		}
	}
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
		return sdk.Result{}, sdk.RecordErrorf(r, "id %q: want the shopify id of the fulfillment to update", id)
	}
	// tracking_info, when given, is the tracking; else the flat fields. A
	// record read from Shopify carries tracking_number and the like: a
	// pipeline that sets tracking_info on it means the new tracking, not a
	// mix of the two.
	info := map[string]string{}
	if ti, ok := o["tracking_info"]; ok {
		inner, err := sdk.DecodeObject(sdk.Record{Stream: r.Stream, Key: r.Key, Data: ti}, "")
		if err != nil {
			return sdk.Result{}, sdk.RecordErrorf(r, "tracking_info is not an object")
		}
		if err := takeTracking(info, inner, "number", "company", "url"); err != nil {
			return sdk.Result{}, sdk.RecordError(r, fmt.Errorf("tracking_info: %w", err))
		}
	} else {
		err := takeTracking(info, o, "number", "company", "url")
		if err == nil {
			err = takeTracking(info, o, "tracking_number", "tracking_company", "tracking_url")
		}
		if err != nil {
			return sdk.Result{}, sdk.RecordError(r, err)
		}
	}
	if len(info) == 0 {
		return sdk.Result{}, sdk.RecordErrorf(r, "no tracking to write: give tracking_info {number, company, url} or tracking_number")
	}
	notify := string(o["notify_customer"]) == "true"
	body := map[string]any{"fulfillment": map[string]any{"tracking_info": info, "notify_customer": notify}}
	_, err = w.cl.Do(ctx, &httpx.Request{Method: http.MethodPost, Path: "/fulfillments/" + url.PathEscape(id) + "/update_tracking.json",
		Body: body, Idempotent: true})
	switch {
	case httpx.StatusOf(err) == http.StatusNotFound:
		return sdk.Result{}, sdk.RecordErrorf(r, "fulfillment %s does not exist in shopify", id)
	case err != nil:
		return sdk.Result{}, vendorError(r, fmt.Sprintf("update the tracking of fulfillment %s", id), err)
	}
	return sdk.Written(id, false), nil
}

// takeTracking sets info's number, company and url from o's fields of
// those names (in that order), over what info holds.
func takeTracking(info map[string]string, o sdk.Object, number, company, url string) error {
	for field, name := range map[string]string{number: "number", company: "company", url: "url"} {
		v, ok, err := o.GetString(field)
		if err != nil {
			return err
		}
		if ok {
			info[name] = v
		}
	}
	return nil
}
