package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Event is one event of a HubSpot webhook delivery (a delivery is a JSON
// array of them).
type Event struct {
	EventID          int64  `json:"eventId"`
	SubscriptionID   int64  `json:"subscriptionId"`
	PortalID         int    `json:"portalId"`
	AppID            int    `json:"appId"`
	OccurredAt       int64  `json:"occurredAt"`
	SubscriptionType string `json:"subscriptionType"`
	AttemptNumber    int    `json:"attemptNumber"`
	ObjectID         int64  `json:"objectId"`
	PropertyName     string `json:"propertyName,omitempty"`
	PropertyValue    string `json:"propertyValue,omitempty"`
	ChangeSource     string `json:"changeSource"`
	// A merge event's: the object kept, the objects merged into it (gone
	// since), and the object the merge resulted in (the kept one, unless
	// HubSpot made a new object of the merge).
	PrimaryObjectID         int64   `json:"primaryObjectId,omitempty"`
	MergedObjectIDs         []int64 `json:"mergedObjectIds,omitempty"`
	NewObjectID             int64   `json:"newObjectId,omitempty"`
	NumberOfPropertiesMoved *int    `json:"numberOfPropertiesMoved,omitempty"`
}

// hookState numbers the events the sandbox makes.
type hookState struct {
	mu   sync.Mutex
	next int64
}

func (h *hookState) id() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	return h.next
}

// singular names an object type in subscription types ("contact.propertyChange").
var singular = map[string]string{"contacts": "contact", "companies": "company", "notes": "note"}

// Events returns one propertyChange event per object (of the property
// Touch changes, with its current value), as HubSpot would send after a
// Touch.
func (s *Sandbox) Events(object string, ids ...string) ([]Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.typeOf(object)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	out := make([]Event, 0, len(ids))
	for _, id := range ids {
		o, ok := s.st.get(object, id)
		if !ok {
			return nil, fmt.Errorf("events %s: no object with id %q", object, id)
		}
		out = append(out, Event{EventID: s.hook.id(), SubscriptionID: 1000 + int64(len(t.name)), PortalID: s.opts.PortalID,
			AppID: 4242, OccurredAt: o.updated.UnixMilli(), SubscriptionType: singular[object] + ".propertyChange",
			ObjectID: o.id, PropertyName: t.touch, PropertyValue: o.props[t.touch], ChangeSource: "CRM_UI"})
	}
	return out, nil
}

// Merge merges the object merged into primary, as HubSpot's merge does
// (POST /crm/v3/objects/{type}/merge): primary takes the properties it has
// no value for from merged, and the merged contact's notes, and is modified
// now; merged is gone (it is not archived: neither a list, a search nor a
// batch read shows it again).
// It returns the merge event HubSpot sends: objectId and primaryObjectId
// the primary, mergedObjectIds the merged one, newObjectId the primary.
func (s *Sandbox) Merge(object, primary, merged string) (Event, error) {
	s.mu.Lock()
	t, err := s.st.typeOf(object)
	if err != nil {
		s.mu.Unlock()
		return Event{}, fmt.Errorf("merge: %w", err)
	}
	p, ok1 := s.st.get(object, primary)
	m, ok2 := s.st.get(object, merged)
	if !ok1 || !ok2 || p.id == m.id {
		s.mu.Unlock()
		return Event{}, fmt.Errorf("merge %s: want two objects, got ids %q and %q", object, primary, merged)
	}
	moved := map[string]json.RawMessage{}
	for k, v := range m.props {
		if _, has := p.props[k]; !has && v != "" && !slices.Contains(t.unique, k) && !slices.Contains(t.readOnly, k) && k != t.created {
			moved[k] = json.RawMessage(strconv.Quote(v))
		}
	}
	if object == "contacts" { // the merged contact's notes move to the primary
		for _, n := range s.st.objs["notes"] {
			if slices.Contains(n.contacts, m.id) {
				n.contacts = slices.DeleteFunc(n.contacts, func(x int64) bool { return x == m.id || x == p.id })
				n.contacts = append(n.contacts, p.id)
			}
		}
	}
	defer s.mu.Unlock()
	s.st.remove(object, m, false)
	at := s.st.stamp()
	if e := s.update(t, p, moved, at); e != nil {
		return Event{}, fmt.Errorf("merge %s %s into %s: %s", object, merged, primary, e.message)
	}
	s.st.setUpdated(t.name, p, at)
	n := len(moved)
	return Event{EventID: s.hook.id(), SubscriptionID: 2000 + int64(len(t.name)), PortalID: s.opts.PortalID, AppID: 4242,
		OccurredAt: p.updated.UnixMilli(), SubscriptionType: singular[object] + ".merge", ObjectID: p.id,
		ChangeSource: "CRM_UI", PrimaryObjectID: p.id, MergedObjectIDs: []int64{m.id}, NewObjectID: p.id,
		NumberOfPropertiesMoved: &n}, nil
}

// Sign returns the X-HubSpot-Signature-v3 of a delivery: the base64 of
// the HMAC-SHA256, keyed with the webhook secret, of method, the full URI
// called, the body and the timestamp in milliseconds.
func (s *Sandbox) Sign(method, uri string, body []byte, at time.Time) string {
	mac := hmac.New(sha256.New, []byte(s.opts.WebhookSecret))
	mac.Write([]byte(method + uri))
	mac.Write(body)
	mac.Write([]byte(strconv.FormatInt(at.UnixMilli(), 10)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// DeliveryHeaders returns the headers HubSpot sends with a delivery of
// body to uri at time at.
func (s *Sandbox) DeliveryHeaders(method, uri string, body []byte, at time.Time) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/)")
	h.Set("X-HubSpot-Signature-Version", "v3")
	h.Set("X-HubSpot-Request-Timestamp", strconv.FormatInt(at.UnixMilli(), 10))
	h.Set("X-HubSpot-Signature-v3", s.Sign(method, uri, body, at))
	return h
}

// Deliver POSTs events, signed, to target, which must be a loopback URL,
// and returns the status answered.
func (s *Sandbox) Deliver(ctx context.Context, target string, events []Event) (int, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return 0, fmt.Errorf("deliver webhook: %q is not an http URL", target)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return 0, fmt.Errorf("deliver webhook to %s: the sandbox delivers to loopback addresses only", u.Host)
	}
	body, err := json.Marshal(events)
	if err != nil {
		return 0, fmt.Errorf("deliver webhook: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("deliver webhook: %w", err)
	}
	req.Header = s.DeliveryHeaders(http.MethodPost, target, body, s.opts.Now())
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver webhook to %s: %w", target, err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
