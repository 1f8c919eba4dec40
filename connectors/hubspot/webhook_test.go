package hubspot

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/cxhub/cxhub/sdk/webhook"
	"github.com/tidwall/gjson"
)

const hookURL = "https://hooks.example.com"

// delivery builds a webhook request signed by the sandbox, as HubSpot
// sends it to https://hooks.example.com<path>.
func delivery(e *env, path string, events any, at time.Time) sdk.WebhookRequest {
	body, err := json.Marshal(events)
	if err != nil {
		e.t.Fatal(err)
	}
	return sdk.WebhookRequest{Config: e.config(map[string]any{"client_secret": sandbox.DefaultWebhookSecret, "webhook_url": hookURL}),
		Method: "POST", URL: path, Body: body, Header: e.sb.DeliveryHeaders("POST", hookURL+path, body, at)}
}

func TestWebhookReturnsTheChangedObjects(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	contacts, companies := e.ids(streamContacts), e.ids(streamCompanies)
	if _, err := e.sb.Update(streamContacts, contacts[2], map[string]string{"firstname": "Hooked"}); err != nil {
		t.Fatal(err)
	}
	ev, err := e.sb.Events(streamContacts, contacts[2], contacts[5])
	if err != nil {
		t.Fatal(err)
	}
	events := []map[string]any{
		{"eventId": 1, "occurredAt": 1000, "subscriptionType": "contact.propertyChange", "objectId": ev[0].ObjectID, "propertyName": "firstname", "propertyValue": "Hooked"},
		{"eventId": 2, "occurredAt": 1000, "subscriptionType": "contact.creation", "objectId": ev[1].ObjectID},
		{"eventId": 3, "occurredAt": 1000, "subscriptionType": "contact.propertyChange", "objectId": ev[0].ObjectID},
		{"eventId": 4, "occurredAt": 1000, "subscriptionType": "object.propertyChange", "objectTypeId": "0-2", "objectId": mustInt(companies[1])},
		{"eventId": 5, "occurredAt": 1000, "subscriptionType": "company.creation", "objectId": 5999999}, // gone since
		{"eventId": 6, "occurredAt": 1000, "subscriptionType": "contact.propertyChange", "objectId": mustInt(contacts[9])},
		{"eventId": 7, "occurredAt": 2000, "subscriptionType": "contact.deletion", "objectId": mustInt(contacts[9])},
		{"eventId": 8, "occurredAt": 1000, "subscriptionType": "deal.creation", "objectId": 77},
	}
	resp, err := e.conn.HandleWebhook(t.Context(), delivery(e, "/hooks/hubspot?portal=1", events, time.Now()))
	if err != nil {
		t.Fatalf("webhook: %v", err)
	}
	var got []string
	for _, r := range resp.Records {
		got = append(got, r.Stream+"/"+r.Key+"/"+r.Op.String())
		if r.Op == sdk.Upsert && gjson.GetBytes(r.Data, "id").String() != r.Key {
			t.Errorf("record %s: data %s", r.Key, r.Data)
		}
	}
	want := []string{"contacts/" + contacts[2] + "/upsert", "contacts/" + contacts[5] + "/upsert",
		"contacts/" + contacts[9] + "/delete", "companies/" + companies[1] + "/upsert"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("records %v, want %v", got, want)
	}
	if gjson.GetBytes(resp.Records[0].Data, "properties.firstname").String() != "Hooked" ||
		gjson.GetBytes(resp.Records[0].Data, "properties.lastmodifieddate").String() == "" {
		t.Errorf("the changed contact is not read whole: %s", resp.Records[0].Data)
	}
	if resp.StatusCode != 0 && resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func mustInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

func TestWebhookRefusesForgeries(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	events := []map[string]any{{"eventId": 1, "subscriptionType": "contact.creation", "objectId": 1001}}
	tests := []struct {
		name   string
		change func(r *sdk.WebhookRequest)
		kind   sdk.ErrorKind
		says   string
	}{
		{"tampered body", func(r *sdk.WebhookRequest) { r.Body = []byte(strings.Replace(string(r.Body), "1001", "1002", 1)) }, sdk.KindAuth, "does not match"},
		{"other path", func(r *sdk.WebhookRequest) { r.URL = "/hooks/other" }, sdk.KindAuth, "does not match"},
		{"wrong secret", func(r *sdk.WebhookRequest) {
			r.Config = e.config(map[string]any{"client_secret": "nope", "webhook_url": hookURL})
		}, sdk.KindAuth, "does not match"},
		{"stale", func(r *sdk.WebhookRequest) { *r = delivery(e, "/hooks", events, time.Now().Add(-6*time.Minute)) }, sdk.KindAuth, "timestamp"},
		{"from the future", func(r *sdk.WebhookRequest) { *r = delivery(e, "/hooks", events, time.Now().Add(6*time.Minute)) }, sdk.KindAuth, "timestamp"},
		{"no signature", func(r *sdk.WebhookRequest) { r.Header.Del("X-HubSpot-Signature-v3") }, sdk.KindAuth, "X-HubSpot-Signature-v3"},
		{"no timestamp", func(r *sdk.WebhookRequest) { r.Header.Del("X-HubSpot-Request-Timestamp") }, sdk.KindAuth, "X-HubSpot-Request-Timestamp"},
		{"no secret configured", func(r *sdk.WebhookRequest) { r.Config = e.config(map[string]any{"webhook_url": hookURL}) }, sdk.KindConfig, "client_secret"},
		{"no webhook_url", func(r *sdk.WebhookRequest) { r.Config = e.config(map[string]any{"client_secret": "x"}) }, sdk.KindConfig, "webhook_url"},
		{"not events", func(r *sdk.WebhookRequest) { *r = delivery(e, "/hooks", map[string]int{"a": 1}, time.Now()) }, sdk.KindBadRecord, "array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := delivery(e, "/hooks", events, time.Now())
			req.Header = req.Header.Clone()
			tt.change(&req)
			_, err := e.conn.HandleWebhook(t.Context(), req)
			if sdk.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("%v (kind %v), want kind %v saying %q", err, sdk.KindOf(err), tt.kind, tt.says)
			}
		})
	}
}

func TestSignedURI(t *testing.T) {
	tests := []struct{ public, received, want string }{
		{"https://hooks.example.com", "/hooks/hubspot?a=1", "https://hooks.example.com/hooks/hubspot?a=1"},
		{"https://hooks.example.com/", "/x", "https://hooks.example.com/x"},
		{"https://public.example.com/cxhub/hubspot", "/hubspot", "https://public.example.com/cxhub/hubspot"},
		{"https://public.example.com/in?app=7", "/in", "https://public.example.com/in?app=7"},
		{"https://h.example.com", "/p?email=a%40b.com&x=%3A%2f%20", "https://h.example.com/p?email=a@b.com&x=:/%20"},
	}
	for _, tt := range tests {
		got, err := signedURI(tt.public, tt.received)
		if err != nil || got != tt.want {
			t.Errorf("signedURI(%q, %q) = %q, %v; want %q", tt.public, tt.received, got, err, tt.want)
		}
	}
}

// TestWebhookOverHTTP receives a delivery the sandbox sends over the
// loopback, signed for the URL it called.
func TestWebhookOverHTTP(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	var got []sdk.Record
	var hookErr error
	recv := httpServer(t, func(w http.ResponseWriter, r *http.Request, body []byte, base string) {
		resp, err := e.conn.HandleWebhook(r.Context(), sdk.WebhookRequest{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header, Body: body,
			Config: e.config(map[string]any{"client_secret": sandbox.DefaultWebhookSecret, "webhook_url": base})})
		got, hookErr = resp.Records, err
		if err != nil {
			w.WriteHeader(401)
		}
	})
	id := e.ids(streamCompanies)[3]
	events, err := e.sb.Events(streamCompanies, id)
	if err != nil {
		t.Fatal(err)
	}
	status, err := e.sb.Deliver(t.Context(), recv+"/webhooks/hubspot?src=test", events)
	if err != nil || status != 200 || hookErr != nil || len(got) != 1 || got[0].Key != id || got[0].Stream != streamCompanies {
		t.Fatalf("delivery: status %d, %v; handler: %v, records %v", status, err, hookErr, got)
	}
}

// hookEvent is a HubSpot event about a contact, as HubSpot sends it.
func hookEvent(eventID int64, contact, kind string, attempt int) map[string]any {
	return map[string]any{"eventId": eventID, "subscriptionId": 7, "portalId": sandbox.DefaultPortalID, "appId": 4242,
		"occurredAt": 1000 + eventID, "subscriptionType": "contact." + kind, "attemptNumber": attempt, "objectId": mustInt(contact)}
}

// signedDelivery builds a delivery of events signed at at for webhook_url
// public, as HubSpot sends it.
func signedDelivery(e *env, public string, events any, at time.Time) sdk.WebhookRequest {
	body, err := json.Marshal(events)
	if err != nil {
		e.t.Fatal(err)
	}
	return sdk.WebhookRequest{Config: e.config(map[string]any{"client_secret": sandbox.DefaultWebhookSecret, "webhook_url": public}),
		Method: "POST", URL: "/hooks", Body: body, Header: e.sb.DeliveryHeaders("POST", public, body, at)}
}

// TestWebhookDropsReplays sends deliveries in turn to one connector, on a
// clock the test sets: a request sent again, and events HubSpot retries,
// give no records and no error until the guards forget them.
func TestWebhookDropsReplays(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	t0 := time.Now().UTC()
	clock := sdktest.NewClock(t0)
	conn := NewWithOptions(Options{Counter: e.counter, Now: clock.Now})
	c := e.ids(streamContacts)
	const public = "https://hooks.example.com/hubspot"
	first := []map[string]any{hookEvent(11, c[0], "creation", 0), hookEvent(12, c[1], "propertyChange", 0)}
	var last sdk.WebhookRequest // the request of the step before
	steps := []struct {
		name    string
		after   time.Duration // clock at t0 + after
		request func(at time.Time) sdk.WebhookRequest
		want    []string // the contacts returned
		fetches bool     // whether HubSpot is read
	}{
		{"first delivery", 0, func(at time.Time) sdk.WebhookRequest { return signedDelivery(e, public, first, at) },
			[]string{c[0], c[1]}, true},
		{"the same request again", time.Second, func(time.Time) sdk.WebhookRequest { return last },
			nil, false},
		{"HubSpot's retry of the same events, signed anew", 2 * time.Second, func(at time.Time) sdk.WebhookRequest {
			return signedDelivery(e, public, []map[string]any{hookEvent(11, c[0], "creation", 1), hookEvent(12, c[1], "propertyChange", 1)}, at)
		}, nil, true},
		{"an answered event and a new one", 3 * time.Second, func(at time.Time) sdk.WebhookRequest {
			return signedDelivery(e, public, []map[string]any{hookEvent(11, c[0], "creation", 2), hookEvent(13, c[0], "propertyChange", 0),
				hookEvent(12, c[1], "propertyChange", 2)}, at)
		}, []string{c[0]}, true},
		{"an event without an id is always new", 4 * time.Second, func(at time.Time) sdk.WebhookRequest {
			return signedDelivery(e, public, []map[string]any{hookEvent(0, c[2], "propertyChange", 0)}, at)
		}, []string{c[2]}, true},
		{"and again", 5 * time.Second, func(at time.Time) sdk.WebhookRequest {
			return signedDelivery(e, public, []map[string]any{hookEvent(0, c[2], "propertyChange", 1)}, at)
		}, []string{c[2]}, true},
		{"the same events for another connection", 6 * time.Second, func(at time.Time) sdk.WebhookRequest {
			return signedDelivery(e, "https://hooks.example.com/other", first, at)
		}, []string{c[0], c[1]}, true},
		{"the retry once the guards have forgotten", 11 * time.Minute, func(at time.Time) sdk.WebhookRequest {
			return signedDelivery(e, public, []map[string]any{hookEvent(11, c[0], "creation", 3), hookEvent(12, c[1], "propertyChange", 3)}, at)
		}, []string{c[0], c[1]}, true},
	}
	for _, st := range steps {
		clock.Set(t0.Add(st.after))
		req := st.request(clock.Now())
		before := e.counter.Total()
		resp, err := conn.HandleWebhook(t.Context(), req)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var got []string
		for _, r := range resp.Records {
			got = append(got, r.Key)
		}
		if !slices.Equal(got, st.want) || resp.StatusCode != 0 {
			t.Errorf("%s: records %v, status %d; want %v, status 0", st.name, got, resp.StatusCode, st.want)
		}
		if fetched := e.counter.Total() > before; fetched != st.fetches {
			t.Errorf("%s: read HubSpot: %v, want %v", st.name, fetched, st.fetches)
		}
		last = req
	}
	// Past the window, only the last delivery is remembered: one request
	// and its two events.
	if n, m := conn.hooks.requests.Len(), conn.hooks.events.Len(); n != 1 || m != 2 {
		t.Errorf("the guards hold %d requests and %d events after the window, want 1 and 2", n, m)
	}
}

// TestWebhookRemembersOnlyAnsweredEvents fails a delivery's read: its
// events are not taken as answered, so HubSpot's retry gives the records;
// the failed request itself, sent again, is still a replay.
func TestWebhookRemembersOnlyAnsweredEvents(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	c := e.ids(streamContacts)
	const public = "https://hooks.example.com/hubspot"
	e.sb.Kit().FailNext(503, 100)
	failed := signedDelivery(e, public, []map[string]any{hookEvent(21, c[3], "propertyChange", 0)}, time.Now())
	if _, err := e.conn.HandleWebhook(t.Context(), failed); sdk.KindOf(err) != sdk.KindTransient {
		t.Fatalf("delivery during an outage: %v, want a transient error", err)
	}
	e.sb.Kit().FailNext(0, 0)
	if resp, err := e.conn.HandleWebhook(t.Context(), failed); err != nil || len(resp.Records) != 0 {
		t.Errorf("the failed request sent again: %d records, %v; want none and no error", len(resp.Records), err)
	}
	retry := signedDelivery(e, public, []map[string]any{hookEvent(21, c[3], "propertyChange", 1)}, time.Now().Add(time.Millisecond))
	resp, err := e.conn.HandleWebhook(t.Context(), retry)
	if err != nil || len(resp.Records) != 1 || resp.Records[0].Key != c[3] {
		t.Fatalf("HubSpot's retry after the outage: %+v, %v; want contact %s", resp.Records, err, c[3])
	}
}

// TestReplayWindowCoversTheTolerance guards the reasoning behind the
// guards' zero values: a delivery accepted at one end of its timestamp's
// window must still be remembered at the other end.
func TestReplayWindowCoversTheTolerance(t *testing.T) {
	if webhook.DefaultReplayTTL < 2*webhookMaxAge {
		t.Errorf("replays are remembered for %v, less than twice the %v tolerance", webhook.DefaultReplayTTL, webhookMaxAge)
	}
}

// A merge leaves one object of two: the webhook gives the one kept, read
// whole, and a delete of the one merged into it, which HubSpot no longer
// has (no read shows it again, so nothing else would remove it from a
// destination).
func TestWebhookMergeDeletesTheMergedObject(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	contacts, companies := e.ids(streamContacts), e.ids(streamCompanies)
	contactMerge, err := e.sb.Merge(streamContacts, contacts[3], contacts[4])
	if err != nil {
		t.Fatal(err)
	}
	companyMerge, err := e.sb.Merge(streamCompanies, companies[7], companies[2])
	if err != nil {
		t.Fatal(err)
	}
	generic := companyMerge // as a generic (object.*) subscription sends it
	generic.SubscriptionType, generic.EventID = "object.merge", companyMerge.EventID+1000
	body := []any{contactMerge, map[string]any{"eventId": generic.EventID, "occurredAt": generic.OccurredAt,
		"subscriptionType": "object.merge", "objectTypeId": "0-2", "objectId": generic.ObjectID,
		"primaryObjectId": generic.PrimaryObjectID, "mergedObjectIds": generic.MergedObjectIDs, "newObjectId": generic.NewObjectID}}
	resp, err := e.conn.HandleWebhook(t.Context(), delivery(e, "/hooks", body, time.Now()))
	if err != nil {
		t.Fatalf("webhook: %v", err)
	}
	var got []string
	for _, r := range resp.Records {
		got = append(got, r.Stream+"/"+r.Key+"/"+r.Op.String())
	}
	want := []string{"contacts/" + contacts[3] + "/upsert", "contacts/" + contacts[4] + "/delete",
		"companies/" + companies[7] + "/upsert", "companies/" + companies[2] + "/delete"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("records %v, want %v", got, want)
	}
}

// A public app has one target URL for every portal that installed it, so
// a connection receives the events of other portals too: they name
// objects of another account, and must change nothing of this one (a
// deletion there is not a deletion here, though the id may be the same).
func TestWebhookIgnoresOtherPortals(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	contacts := e.ids(streamContacts)
	events := []map[string]any{
		{"eventId": 1, "portalId": sandbox.DefaultPortalID, "occurredAt": 1000, "subscriptionType": "contact.propertyChange", "objectId": mustInt(contacts[1])},
		{"eventId": 2, "portalId": sandbox.DefaultPortalID + 1, "occurredAt": 1000, "subscriptionType": "contact.deletion", "objectId": mustInt(contacts[2])},
		{"eventId": 3, "portalId": sandbox.DefaultPortalID + 1, "occurredAt": 1000, "subscriptionType": "contact.propertyChange", "objectId": mustInt(contacts[3])},
	}
	resp, err := e.conn.HandleWebhook(t.Context(), delivery(e, "/hooks", events, time.Now()))
	if err != nil {
		t.Fatalf("webhook: %v", err)
	}
	var got []string
	for _, r := range resp.Records {
		got = append(got, r.Stream+"/"+r.Key+"/"+r.Op.String())
	}
	if want := []string{"contacts/" + contacts[1] + "/upsert"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("records %v, want %v: the events of another portal were taken for this one's", got, want)
	}
}
