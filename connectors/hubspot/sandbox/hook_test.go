package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

func TestWebhookDelivery(t *testing.T) {
	s, _ := testSandbox(t, Options{WebhookSecret: "shh"})
	// The v3 signature, computed by hand for a fixed input.
	got := s.Sign("POST", "https://hooks.example.com/hubspot?x=1", []byte(`[{"eventId":1}]`), time.UnixMilli(1700000000000))
	if got != "hQSNFzy30vkyCHLQouvytns6lIV/lfhTilKrcQiIaiI=" { // python3's hmac over the same bytes
		t.Errorf("signature %s", got)
	}
	var seen http.Header
	var body []byte
	recv, err := kit.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header
		body, _ = readAll(r)
		w.WriteHeader(204)
	}), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	id := s.Objects("contacts")[0].ID
	events, err := s.Events("contacts", id)
	if err != nil || len(events) != 1 || events[0].SubscriptionType != "contact.propertyChange" || strconv.FormatInt(events[0].ObjectID, 10) != id {
		t.Fatalf("events %+v, %v", events, err)
	}
	status, err := s.Deliver(t.Context(), recv.URL+"/hooks?a=b", events)
	if err != nil || status != 204 {
		t.Fatalf("deliver: %d %v", status, err)
	}
	ts, _ := strconv.ParseInt(seen.Get("X-HubSpot-Request-Timestamp"), 10, 64)
	if want := s.Sign("POST", recv.URL+"/hooks?a=b", body, time.UnixMilli(ts)); seen.Get("X-HubSpot-Signature-v3") != want {
		t.Errorf("delivered signature %q, want %q", seen.Get("X-HubSpot-Signature-v3"), want)
	}
	if _, err := s.Deliver(t.Context(), "http://192.0.2.1/hooks", events); err == nil {
		t.Error("delivered to a non-loopback address")
	}
}

func TestMergeMovesNotesAndRemovesTheMerged(t *testing.T) {
	sb, err := New(Options{Seed: 3, Contacts: 20, Companies: 5, Notes: 60})
	if err != nil {
		t.Fatal(err)
	}
	var merged, primary, note string
	for _, n := range sb.Objects("notes") {
		if len(n.Contacts) > 0 {
			merged, note = n.Contacts[0], n.ID
			break
		}
	}
	for _, c := range sb.Objects("contacts") {
		if c.ID != merged {
			primary = c.ID
			break
		}
	}
	ev, err := sb.Merge("contacts", primary, merged)
	if err != nil {
		t.Fatal(err)
	}
	if ev.SubscriptionType != "contact.merge" || strconv.FormatInt(ev.ObjectID, 10) != primary ||
		len(ev.MergedObjectIDs) != 1 || strconv.FormatInt(ev.MergedObjectIDs[0], 10) != merged {
		t.Errorf("event %+v, want contact.merge of %s into %s", ev, merged, primary)
	}
	if _, ok := sb.Object("contacts", merged); ok {
		t.Errorf("contact %s is still there after its merge", merged)
	}
	for _, n := range sb.Objects("notes") {
		if slices.Contains(n.Contacts, merged) {
			t.Errorf("note %s still names the merged contact %s", n.ID, merged)
		}
	}
	if n, _ := sb.Object("notes", note); !slices.Contains(n.Contacts, primary) {
		t.Errorf("note %s names %v, want the primary %s it moved to", note, n.Contacts, primary)
	}
}
