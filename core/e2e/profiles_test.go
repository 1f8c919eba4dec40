package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// journeyConfig stitches customers across HubSpot and Zendesk and uses
// them in a journey: every help desk ticket becomes a note on the right
// CRM contact, found through the requester's customer profile.
const journeyConfig = `
version: 1
state:   {path: ./cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  crm:
    connector: hubspot
    config: {base_url: "${HUBSPOT_URL}", token: sandbox-token}
  helpdesk:
    connector: zendesk
    config: {base_url: "${ZENDESK_URL}", email: ops@example.com, token: sandbox-token}
customers:
  phone: {default_region: US}
pipelines:
  - name: crm-contacts-to-profiles
    from: {connection: crm, stream: contacts}
    to:   {profiles: true}
  - name: helpdesk-users-to-profiles
    from: {connection: helpdesk, stream: users}
    to:   {profiles: true}
  - name: tickets-to-crm-notes
    from: {connection: helpdesk, stream: tickets}
    to:   {connection: crm, stream: notes}
    map:
      hs_note_body: "Ticket {{id}}: {{subject}}"
      hs_timestamp: created_at
      contact_id: $customer.ids.crm.contacts
`

// TestJourneyUsesCustomerProfile backfills the customer index from both
// sandboxes (pipelines to the profile store), then runs a journey whose
// map reads the customer's HubSpot id for a Zendesk ticket: each ticket
// whose requester is a person the CRM knows becomes a note on exactly that
// contact (the one whose email is the requester's, whatever its case or
// spacing); the others are dead-lettered for want of a contact. The CLI
// then shows the stitched customer, with the ticket on its timeline.
func TestJourneyUsesCustomerProfile(t *testing.T) {
	hs, zd, env := startVendors(t, 20, 60)
	for k, v := range env {
		t.Setenv(k, v)
	}
	if _, err := zd.AddTickets(30); err != nil {
		t.Fatal(err)
	}
	zd.Advance(2 * time.Minute) // past the incremental export's one-minute exclusion
	w := newWorkspace(t, journeyConfig)
	for _, p := range []string{"crm-contacts-to-profiles", "helpdesk-users-to-profiles"} {
		res, run := syncJSON(t, w, p)
		if run.code != 0 || res.Status != "succeeded" || res.Counts.Read == 0 || res.Counts.DeadLettered != 0 {
			t.Fatalf("backfill %s: %+v\n%s", p, res, run)
		}
	}

	contactsByEmail := map[string]string{}
	for _, c := range hs.Objects("contacts") {
		if e := normalEmail(c.Properties["email"]); e != "" {
			contactsByEmail[e] = c.ID
		}
	}
	want := map[string]string{} // note body prefix -> contact id
	unmatched := 0
	for _, tk := range zd.Tickets() {
		u, ok := zd.User(tk.RequesterID)
		id, known := contactsByEmail[normalEmail(u.Email)]
		if !ok || !known || u.Role != "end-user" {
			unmatched++
			continue
		}
		want["Ticket "+strconv.FormatInt(tk.ID, 10)+":"] = id
	}
	if len(want) == 0 || unmatched == 0 {
		t.Fatalf("the sandboxes' seed gives %d tickets of CRM contacts and %d others: the test needs both", len(want), unmatched)
	}

	notesBefore := hs.Count("notes")
	res, run := syncJSON(t, w, "tickets-to-crm-notes")
	if run.code != 0 && run.code != 1 {
		t.Fatalf("journey: %s", run)
	}
	if res.Counts.Written != int64(len(want)) {
		t.Errorf("journey wrote %d notes, want %d (one per ticket of a CRM contact): %+v", res.Counts.Written, len(want), res.Counts)
	}
	got := map[string][]string{}
	for _, n := range hs.Objects("notes") {
		body := n.Properties["hs_note_body"]
		if !strings.HasPrefix(body, "Ticket ") {
			continue
		}
		prefix := body[:strings.Index(body, ":")+1]
		got[prefix] = n.Contacts
	}
	if len(got) != hs.Count("notes")-notesBefore {
		t.Errorf("%d journey notes, %d new notes", len(got), hs.Count("notes")-notesBefore)
	}
	for prefix, contact := range want {
		if c := got[prefix]; len(c) != 1 || c[0] != contact {
			t.Errorf("%s note is on contacts %v, want [%s]", prefix, c, contact)
		}
	}
	for _, dl := range deadLetters(t, w, "pending") {
		if !strings.Contains(dl.Error, "contact") {
			t.Errorf("dead letter %s: %s, want one for a missing contact", dl.Key, dl.Error)
		}
	}

	// The CLI shows one requester stitched across both systems, the
	// ticket on the timeline.
	var prefix string
	for p := range want {
		prefix = p
		break
	}
	ticketID := strings.TrimSuffix(strings.TrimPrefix(prefix, "Ticket "), ":")
	show := w.mustCxhub("customers", "show", "helpdesk/tickets/"+ticketID, "-o", "json")
	var profile struct {
		ID          string              `json:"id"`
		ExternalIDs map[string][]string `json:"external_ids"`
		Timeline    []struct {
			System string               `json:"system"`
			Kind   string               `json:"kind"`
			Source struct{ Key string } `json:"source"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(show.stdout), &profile); err != nil {
		t.Fatalf("customers show -o json: %v\n%s", err, show.stdout)
	}
	if ids := profile.ExternalIDs["crm.contacts"]; len(ids) != 1 || ids[0] != want[prefix] || len(profile.ExternalIDs["helpdesk.users"]) == 0 {
		t.Errorf("profile %s external ids %v, want crm contact %s and a helpdesk user", profile.ID, profile.ExternalIDs, want[prefix])
	}
	found := false
	for _, it := range profile.Timeline {
		found = found || it.System == "helpdesk" && it.Kind == "ticket" && it.Source.Key == ticketID
	}
	if !found {
		t.Errorf("timeline of %s lacks ticket %s: %+v", profile.ID, ticketID, profile.Timeline)
	}
	explain := w.mustCxhub("customers", "explain", profile.ID)
	if !strings.Contains(explain.stdout, "email ") || !strings.Contains(explain.stdout, "helpdesk/tickets/"+ticketID) {
		t.Errorf("explain:\n%s", explain.stdout)
	}
	table := w.mustCxhub("customers", "show", profile.ID)
	if !strings.Contains(table.stdout, "Timeline (") || !strings.Contains(table.stdout, "ticket") {
		t.Errorf("show table:\n%s", table.stdout)
	}
	search := w.mustCxhub("customers", "search", "@", "-o", "json")
	var found2 []map[string]any
	if err := json.Unmarshal([]byte(search.stdout), &found2); err != nil || len(found2) == 0 {
		t.Errorf("search: %v %s", err, search.stdout)
	}
}
