package hubspot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/cxhub/cxhub/sdk/webhook"
	"github.com/tidwall/gjson"
)

// HubSpot's webhook headers, and how old a delivery may be.
const (
	headerSignature = "X-HubSpot-Signature-v3"
	headerTimestamp = "X-HubSpot-Request-Timestamp"
	webhookMaxAge   = 5 * time.Minute
)

// event is one event of a delivery. Retries of an event carry the same
// values but for attemptNumber.
type event struct {
	EventID          int64  `json:"eventId"`
	SubscriptionID   int64  `json:"subscriptionId"`
	PortalID         int64  `json:"portalId"`
	OccurredAt       int64  `json:"occurredAt"`
	SubscriptionType string `json:"subscriptionType"`
	ObjectTypeID     string `json:"objectTypeId"`
	ObjectID         int64  `json:"objectId"`
	PropertyName     string `json:"propertyName"`
	// A merge event's: the object kept, those merged into it (gone since),
	// and the object the merge resulted in (when HubSpot made a new one).
	PrimaryObjectID int64   `json:"primaryObjectId"`
	MergedObjectIDs []int64 `json:"mergedObjectIds"`
	NewObjectID     int64   `json:"newObjectId"`
}

// effect is what an event says of one object: changed, or gone.
type effect struct {
	stream, id string
	gone       bool
}

// effects returns what an event says of each object it names, the object
// changed first: a deletion, that its object is gone; a merge
// (contact.merge, company.merge, object.merge), that the object it
// resulted in (newObjectId, else primaryObjectId, else objectId) changed
// and that every other object it names (mergedObjectIds, and the primary
// when the merge made a new object) is gone, since HubSpot no longer has
// them and no read shows them again; any other event, that its object
// changed. Events of other objects name none.
func effects(e event) []effect {
	stream := eventStream(e)
	if stream == "" {
		return nil
	}
	name := func(id int64) string { return strconv.FormatInt(id, 10) }
	switch e.SubscriptionType[strings.IndexByte(e.SubscriptionType, '.')+1:] {
	case "deletion", "privacyDeletion":
		if e.ObjectID <= 0 {
			return nil
		}
		return []effect{{stream, name(e.ObjectID), true}}
	case "merge":
		kept := e.ObjectID
		for _, id := range []int64{e.PrimaryObjectID, e.NewObjectID} {
			if id > 0 {
				kept = id
			}
		}
		var out []effect
		if kept > 0 {
			out = append(out, effect{stream, name(kept), false})
		}
		named := map[int64]bool{kept: true}
		for _, id := range append([]int64{e.PrimaryObjectID, e.ObjectID}, e.MergedObjectIDs...) {
			if id > 0 && !named[id] {
				named[id] = true
				out = append(out, effect{stream, name(id), true})
			}
		}
		return out
	}
	if e.ObjectID <= 0 {
		return nil
	}
	return []effect{{stream, name(e.ObjectID), false}}
}

// webhookGuards remember what a Connector's webhook deliveries carried, to
// drop replays. The zero value is ready: each guard remembers up to
// webhook.DefaultReplayMax keys for webhook.DefaultReplayTTL (10 minutes,
// twice webhookMaxAge, so that a replay is either refused as too old or
// still remembered), then forgets them.
type webhookGuards struct {
	// requests holds the signed requests handled, by timestamp and signature.
	requests webhook.ReplayGuard
	// events holds the events whose records were returned.
	events webhook.ReplayGuard
}

// HandleWebhook verifies a delivery's v3 signature, base64(HMAC-SHA256 of
// client_secret over method, the full URI HubSpot called, the body and
// the X-HubSpot-Request-Timestamp), refuses one more than five minutes old,
// and returns the contacts and companies its events name: the objects as
// they are now, read with one batch read per stream (the same records a
// read gives), or a delete record for an object whose last event is its
// deletion or its merge into another (see effects). Events of other
// objects are ignored. A failed read fails the
// delivery (HubSpot then delivers it again) rather than return part of it.
//
// Replays give nothing, without an error: a request seen before (the same
// timestamp and signature) is not handled again, even if handling it
// failed the first time (HubSpot signs each retry anew); and an object is
// left out when every event naming it was already answered with records
// (HubSpot retries an event with the same eventId). Both are remembered
// for 10 minutes, per connection. Events of another portal than the
// token's (a public app's other installs) are ignored (see ownPortal).
func (c *Connector) HandleWebhook(ctx context.Context, req sdk.WebhookRequest) (sdk.WebhookResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	if cfg.ClientSecret == "" {
		return sdk.WebhookResponse{}, sdk.ConfigError(errors.New("client_secret: the app's client secret is needed to verify webhook deliveries"))
	}
	if cfg.WebhookURL == "" {
		return sdk.WebhookResponse{}, sdk.ConfigError(errors.New("webhook_url: the public URL HubSpot calls is needed to verify webhook deliveries"))
	}
	delivery, err := c.verify(cfg, req)
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	scope := cfg.replayScope()
	if c.hooks.requests.Seen(scope+" "+delivery, c.now()) {
		return sdk.WebhookResponse{}, nil
	}
	var events []event
	if err := json.Unmarshal(req.Body, &events); err != nil {
		return sdk.WebhookResponse{}, sdk.BadRecord(fmt.Errorf("hubspot webhook: the body is not a JSON array of events: %w", err))
	}
	client, err := c.client(cfg, 0)
	if err != nil {
		return sdk.WebhookResponse{}, err
	}
	defer client.CloseIdleConnections()
	if events, err = c.ownPortal(ctx, client, cfg, events); err != nil {
		return sdk.WebhookResponse{}, fmt.Errorf("hubspot webhook: %w", err)
	}
	changed, deleted := latestEvents(events)
	var records []sdk.Record
	for _, stream := range []string{streamContacts, streamCompanies} {
		recs, err := fetch(ctx, client, objects[stream], cfg.extraProperties(stream), changed[stream])
		if err != nil {
			return sdk.WebhookResponse{}, fmt.Errorf("hubspot webhook: read the changed %s: %w", stream, err)
		}
		records = append(records, recs...)
		for _, id := range deleted[stream] {
			records = append(records, sdk.Record{Stream: stream, Key: id, Op: sdk.Delete, Data: []byte(`{"id":"` + id + `"}`)})
		}
	}
	fresh := c.freshObjects(scope, events)
	return sdk.WebhookResponse{Records: slices.DeleteFunc(records, func(r sdk.Record) bool {
		return !fresh[r.Stream+"/"+r.Key]
	})}, nil
}

// ownPortal returns the events of the connection's own portal (and those
// that name none). A public app has one target URL for every portal that
// installed it, so a connection also receives other portals' events: they
// name objects of another account, whose ids may be this one's too. The
// portal's id is read once per account (GET /account-info/v3/details),
// when a delivery first names a portal.
func (c *Connector) ownPortal(ctx context.Context, client *httpx.Client, cfg config, events []event) ([]event, error) {
	if !slices.ContainsFunc(events, func(e event) bool { return e.PortalID != 0 }) {
		return events, nil
	}
	key := httpx.AccountKey(cfg.BaseURL, cfg.Token)
	portal, ok := c.portals.Load(key)
	if !ok {
		resp, err := client.Get(ctx, "/account-info/v3/details", nil)
		if err != nil {
			return nil, webhook.FetchError(fmt.Errorf("read the portal of the token, to keep only its events: %w", err))
		}
		id := resp.Get("portalId").Int()
		if id == 0 {
			return nil, sdk.Transient(errors.New("read the portal of the token: the account's details have no portalId"))
		}
		portal, _ = c.portals.LoadOrStore(key, id)
	}
	own := portal.(int64)
	return slices.DeleteFunc(events, func(e event) bool { return e.PortalID != 0 && e.PortalID != own }), nil
}

// freshObjects records the events as answered and returns, as
// "stream/id", the objects named by at least one event not answered
// before. An event without an eventId is always new.
func (c *Connector) freshObjects(scope string, events []event) map[string]bool {
	now := c.now()
	fresh := map[string]bool{}
	for _, e := range events {
		named := effects(e)
		if len(named) == 0 {
			continue
		}
		key := fmt.Sprintf("%s %d/%d/%d %s %s %d %d %s", scope, e.PortalID, e.SubscriptionID, e.EventID,
			e.SubscriptionType, e.ObjectTypeID, e.ObjectID, e.OccurredAt, e.PropertyName)
		if e.EventID == 0 || !c.hooks.events.Seen(key, now) {
			for _, f := range named {
				fresh[f.stream+"/"+f.id] = true
			}
		}
	}
	return fresh
}

// replayScope names the connection in the keys of the replay guards, so
// that one connection's deliveries never hide another's: a hash of what
// identifies it, never the secrets themselves.
func (cfg config) replayScope() string {
	h := sha256.New()
	for _, part := range []string{cfg.BaseURL, cfg.Token, cfg.ClientSecret, cfg.WebhookURL} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// verify checks the signature and the age of a delivery, and returns what
// identifies the signed request: its timestamp and signature.
func (c *Connector) verify(cfg config, req sdk.WebhookRequest) (string, error) {
	sig, err := webhook.HeaderValue(req.Header, headerSignature)
	if err != nil {
		return "", err
	}
	stamp, err := webhook.HeaderValue(req.Header, headerTimestamp)
	if err != nil {
		return "", err
	}
	at, err := webhook.ParseUnixMillis(stamp)
	if err != nil {
		return "", sdk.AuthError(fmt.Errorf("hubspot webhook: %s: %w", headerTimestamp, err))
	}
	if err := webhook.CheckTimestamp(at, c.now(), webhookMaxAge); err != nil {
		return "", err
	}
	uri, err := signedURI(cfg.WebhookURL, req.URL)
	if err != nil {
		// What cannot be rebuilt cannot be verified.
		return "", sdk.AuthError(fmt.Errorf("hubspot webhook: %w", err))
	}
	method := req.Method
	if method == "" {
		method = "POST"
	}
	s := webhook.Signer{Secret: []byte(cfg.ClientSecret), Encoding: webhook.Base64}
	if err := s.Verify(sig, []byte(method), []byte(uri), req.Body, []byte(stamp)); err != nil {
		return "", fmt.Errorf("hubspot webhook to %s: %w", uri, err)
	}
	return stamp + " " + sig, nil
}

// uriDecoder undoes the escapes HubSpot decodes in the URI before it signs it.
var uriDecoder = func() *strings.Replacer {
	pairs := []string{"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$", "%27", "'",
		"%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";"}
	for i, n := 0, len(pairs); i < n; i += 2 {
		pairs = append(pairs, strings.ToLower(pairs[i]), pairs[i+1])
	}
	return strings.NewReplacer(pairs...)
}()

// signedURI rebuilds the URI HubSpot signed: the scheme and host of
// webhook_url (what HubSpot called, before any proxy), its path if it has
// one and else the path received, and the query received (else
// webhook_url's).
func signedURI(public, received string) (string, error) {
	base, err := url.Parse(public)
	if err != nil {
		return "", fmt.Errorf("webhook_url %q: %w", public, err)
	}
	got, err := url.Parse(received)
	if err != nil {
		return "", fmt.Errorf("request URI %q: %w", received, err)
	}
	path := base.EscapedPath()
	if path == "" || path == "/" {
		path = got.EscapedPath()
	}
	query := got.RawQuery
	if query == "" {
		query = base.RawQuery
	}
	uri := base.Scheme + "://" + base.Host + path
	if query != "" {
		uri += "?" + query
	}
	return uriDecoder.Replace(uri), nil
}

// latestEvents returns, per stream, the ids of the objects whose latest
// event is a change, and of those whose latest is a deletion (or a merge
// into another object), in the order they first appear.
func latestEvents(events []event) (changed, deleted map[string][]string) {
	type last struct {
		at      int64
		deleted bool
	}
	latest := map[string]map[string]last{}
	order := map[string][]string{}
	for _, e := range events {
		for _, f := range effects(e) {
			stream, id := f.stream, f.id
			if latest[stream] == nil {
				latest[stream] = map[string]last{}
			}
			prev, seen := latest[stream][id]
			if !seen {
				order[stream] = append(order[stream], id)
			}
			if !seen || e.OccurredAt >= prev.at {
				latest[stream][id] = last{at: e.OccurredAt, deleted: f.gone}
			}
		}
	}
	changed, deleted = map[string][]string{}, map[string][]string{}
	for stream, ids := range order {
		for _, id := range ids {
			if latest[stream][id].deleted {
				deleted[stream] = append(deleted[stream], id)
			} else {
				changed[stream] = append(changed[stream], id)
			}
		}
	}
	return changed, deleted
}

// eventStream returns the stream an event is about, or "" for others.
func eventStream(e event) string {
	prefix, _, _ := strings.Cut(e.SubscriptionType, ".")
	switch {
	case prefix == "contact" || (prefix == "object" && e.ObjectTypeID == "0-1"):
		return streamContacts
	case prefix == "company" || (prefix == "object" && e.ObjectTypeID == "0-2"):
		return streamCompanies
	}
	return ""
}

// fetch reads objects by id, 100 per batch read; objects HubSpot no longer
// has are left out.
func fetch(ctx context.Context, client *httpx.Client, obj object, extra, ids []string) ([]sdk.Record, error) {
	var out []sdk.Record
	props := obj.readProperties(extra)
	for start := 0; start < len(ids); start += maxBatch {
		chunk := ids[start:min(start+maxBatch, len(ids))]
		inputs := make([]map[string]string, len(chunk))
		for i, id := range chunk {
			inputs[i] = map[string]string{"id": id}
		}
		resp, err := client.Do(ctx, &httpx.Request{Method: "POST", Path: "/crm/v3/objects/" + obj.name + "/batch/read",
			Body: map[string]any{"inputs": inputs, "properties": props}, Idempotent: true})
		if err != nil {
			return nil, webhook.FetchError(err)
		}
		byID := map[string]gjson.Result{}
		for _, r := range resp.Get("results").Array() {
			byID[r.Get("id").String()] = r
		}
		for _, id := range chunk { // in the events' order
			r, ok := byID[id]
			if !ok {
				continue
			}
			out = append(out, sdk.Record{Stream: obj.name, Key: id, Data: []byte(r.Raw),
				UpdatedAt: time.UnixMilli(modifiedAt(r, obj.modified)).UTC()})
		}
	}
	return slices.Clip(out), nil
}
