package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	shopify "github.com/cxhub/cxhub/connectors/shopify/sandbox"
	surveymonkey "github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// syncAll runs every pipeline once and returns each one's result by name.
func syncAll(t *testing.T, w *workspace) map[string]syncResult {
	t.Helper()
	r := w.cxhub("sync", "-o", "json")
	var res []syncResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("sync -o json: %v\n%s", err, r)
	}
	out := map[string]syncResult{}
	for _, s := range res {
		if s.Status != "succeeded" {
			t.Errorf("pipeline %s: %+v", s.Pipeline, s)
		}
		out[s.Pipeline] = s
	}
	return out
}

// needsTicket reports whether the journey must open a ticket for f.
func needsTicket(f shopify.Fulfillment, now time.Time) bool {
	return f.ShipmentStatus == "failure" ||
		(f.ShipmentStatus != "delivered" && now.Sub(f.CreatedAt) > shopify.LateAfter)
}

// TestShopifyJourneys runs configs/shopify-journeys.yaml through the real
// binary and plugins against the Shopify, HubSpot, Zendesk and
// SurveyMonkey sandboxes,
// with Shopify answering a storm of 429s and some 5xx: orders and
// shipments land in files once each, shop customers become CRM contacts
// (matched by email), every late or failed shipment opens exactly one
// ticket for its customer, every customer with a delivered order is on the
// follow-up survey's list once; then a shipment fails, a late one is
// delivered and two customers change,
// and the next sync carries exactly those, and reading everything again
// makes no second ticket.
func TestShopifyJourneys(t *testing.T) {
	sp, err := shopify.New(shopify.Options{Seed: 7, Customers: 90, Orders: 300})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sp.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	hs, zd, env := startVendors(t, 200, 100)
	sm, err := surveymonkey.New(surveymonkey.Options{Seed: 7, NPSResponses: -1, CSATResponses: -1, PlainResponses: -1})
	if err != nil {
		t.Fatal(err)
	}
	smSrv, err := sm.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = smSrv.Close() })
	yaml, err := os.ReadFile("../../configs/shopify-journeys.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorkspace(t, string(yaml))
	t.Setenv("CXHUB_SANDBOX_SHOPIFY_URL", srv.URL)
	t.Setenv("CXHUB_SANDBOX_HUBSPOT_URL", env["HUBSPOT_URL"])
	t.Setenv("CXHUB_SANDBOX_ZENDESK_URL", env["ZENDESK_URL"])
	t.Setenv("CXHUB_SANDBOX_SURVEYMONKEY_URL", smSrv.URL)
	t.Setenv("CXHUB_STATE_PATH", w.path("cxhub.db"))
	t.Setenv("CXHUB_PLUGINS_DIR", filepath.Join(binDir, "plugins"))
	t.Setenv("SHOPIFY_ARCHIVE_DIR", w.path("out/shopify"))
	if err := sp.Kit().SetFaults(kit.Faults{RateLimitStorm: 3, ErrorRate: 0.05}); err != nil {
		t.Fatal(err)
	}
	w.mustCxhub("validate")

	res := syncAll(t, w)
	if got := sp.Kit().Stats().ByStatus[429]; got < 3 {
		t.Errorf("shopify answered %d 429s, want the storm of 3", got)
	}
	if err := sp.Kit().SetFaults(kit.Faults{}); err != nil {
		t.Fatal(err)
	}
	orders := jsonLines(t, w.read("out/shopify/orders.jsonl"), "id")
	if len(orders) != len(sp.Orders()) || res["shopify-orders-to-file"].Counts.Written != int64(len(orders)) {
		t.Errorf("%d orders in the file (%+v), the shop has %d", len(orders), res["shopify-orders-to-file"].Counts, len(sp.Orders()))
	}
	shipments := jsonLines(t, w.read("out/shopify/fulfillments.jsonl"), "id")
	if len(shipments) != len(sp.Fulfillments()) {
		t.Errorf("%d fulfillments in the file, the shop has %d", len(shipments), len(sp.Fulfillments()))
	}
	withEmail := 0
	for _, c := range sp.Customers() {
		if c.Email == "" {
			continue
		}
		withEmail++
		if got := hs.Find("contacts", "email", c.Email); len(got) != 1 {
			t.Errorf("shop customer %s is %d CRM contacts, want 1", c.Email, len(got))
		}
	}
	if got := res["shopify-customers-to-crm-contacts"].Counts; got.Written != int64(withEmail) || got.Created == got.Written {
		t.Errorf("customers to contacts: %+v, want %d written, some of them contacts already", got, withEmail)
	}
	now := sp.Now()
	tickets := 0
	for _, f := range sp.Fulfillments() {
		got := zd.TicketsByExternalID("shopify-fulfillment-" + strconv.FormatInt(f.ID, 10))
		want := 0
		if needsTicket(f, now) {
			want = 1
			tickets++
		}
		if len(got) != want {
			t.Errorf("fulfillment %d (%s, shipped %s): %d tickets, want %d", f.ID, f.ShipmentStatus, f.CreatedAt, len(got), want)
			continue
		}
		if want == 1 {
			o, _ := sp.Order(f.OrderID)
			if u, _ := zd.User(got[0].RequesterID); normalEmail(u.Email) != o.Email || got[0].Priority != "high" {
				t.Errorf("ticket for fulfillment %d: requester %q, priority %q; want the order's %s, high", f.ID, u.Email, got[0].Priority, o.Email)
			}
		}
	}
	if tickets < 2 || res["late-shipments-to-helpdesk-tickets"].Counts.Written != int64(tickets) {
		t.Errorf("%d shipments needed a ticket (%+v): the seed must have late and failed ones", tickets, res["late-shipments-to-helpdesk-tickets"].Counts)
	}
	deliveredTo := map[string]bool{}
	for _, f := range sp.Fulfillments() {
		if o, _ := sp.Order(f.OrderID); f.ShipmentStatus == "delivered" && o.Email != "" {
			deliveredTo[o.Email] = true
		}
	}
	for email := range deliveredTo {
		if got := sm.ContactsByEmail(surveymonkey.ContactListID, email); len(got) != 1 {
			t.Errorf("customer %s with a delivered order is %d times on the follow-up list, want once", email, len(got))
		}
	}
	if n := len(sm.Contacts(surveymonkey.ContactListID)); len(deliveredTo) == 0 || n != len(deliveredTo) {
		t.Errorf("the follow-up list has %d contacts, want the %d customers with a delivered order", n, len(deliveredTo))
	}

	// A delivered shipment fails, a late one is delivered, two customers
	// change: the next sync carries exactly those.
	var failed, delivered shopify.Fulfillment
	for _, f := range sp.Fulfillments() {
		switch {
		case f.ShipmentStatus == "delivered" && failed.ID == 0:
			failed = f
		case needsTicket(f, now) && f.ShipmentStatus != "failure" && delivered.ID == 0:
			delivered = f
		}
	}
	if err := sp.SetShipmentStatus(failed.ID, "failure"); err != nil {
		t.Fatal(err)
	}
	if err := sp.SetShipmentStatus(delivered.ID, "delivered"); err != nil {
		t.Fatal(err)
	}
	cs := sp.Customers()
	if err := sp.TouchCustomers(cs[1].ID, cs[2].ID); err != nil {
		t.Fatal(err)
	}
	before := len(zd.Tickets())
	// Shopify stamps changes to the second, so a read keeps its checkpoint
	// a second behind the shop's clock: a change made in that last second
	// is read again by the next sync (a repeat, never a gap). Begin the
	// sync past that second, so that the sync after it has nothing to read.
	edited := sp.Now()
	waitFor(t, "the shop's clock to pass the edits' second", 3*time.Second, func() bool { return sp.Now().Sub(edited) >= time.Second })
	res = syncAll(t, w)
	if got := res["shopify-fulfillments-to-file"].Counts; got.Read != 2 || got.Written != 2 {
		t.Errorf("second sync of shipments: %+v, want the 2 changed", got)
	}
	if got := res["late-shipments-to-helpdesk-tickets"].Counts; got.Read != 2 || got.Written != 1 || got.Filtered != 1 {
		t.Errorf("second sync of tickets: %+v, want 2 read, the failed one written, the delivered one filtered", got)
	}
	if got := res["shopify-customers-to-crm-contacts"].Counts; got.Read != 2 || got.Created != 0 {
		t.Errorf("second sync of customers: %+v, want the 2 changed, none created", got)
	}
	if got := res["delivered-orders-to-survey-followup"].Counts; got.Read != 2 || got.Written != 1 || got.Filtered != 1 {
		t.Errorf("second sync of the follow-up list: %+v, want the delivered one written, the failed one filtered", got)
	}
	if o, _ := sp.Order(delivered.OrderID); len(sm.ContactsByEmail(surveymonkey.ContactListID, o.Email)) != 1 {
		t.Errorf("the customer of the shipment delivered since, %s, is not on the follow-up list once", o.Email)
	}
	if got := res["shopify-orders-to-file"].Counts; got.Read != 2 {
		t.Errorf("second sync of orders: %+v, want the 2 orders whose shipment changed", got)
	}
	if got := zd.TicketsByExternalID("shopify-fulfillment-" + strconv.FormatInt(failed.ID, 10)); len(got) != 1 || len(zd.Tickets()) != before+1 {
		t.Errorf("the failed shipment has %d tickets (%d tickets in all, %d before), want one new", len(got), len(zd.Tickets()), before)
	}

	// Nothing changed: nothing read. Everything again: no second ticket.
	for name, r := range syncAll(t, w) {
		if r.Counts.Read != 0 {
			t.Errorf("third sync, nothing changed: %s read %d", name, r.Counts.Read)
		}
	}
	w.mustCxhub("state", "reset", "late-shipments-to-helpdesk-tickets")
	syncAll(t, w)
	if after := len(zd.Tickets()); after != before+1 {
		t.Errorf("after reading every shipment again: %d tickets, want %d", after, before+1)
	}
}
