package e2e

import (
	"strings"
	"testing"

	hubspot "github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	zendesk "github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// vendorConfig syncs HubSpot contacts into Zendesk users, as the demo does.
const vendorConfig = `
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
pipelines:
  - name: contacts-to-users
    from: {connection: crm, stream: contacts}
    to:   {connection: helpdesk, stream: users}
    map:
      email: properties.email
      name: "{{properties.firstname}} {{properties.lastname}}"
      external_id: "hubspot-{{id}}"
    where: 'properties.email != ""'
`

// startVendors serves a small HubSpot and Zendesk on loopback ports.
func startVendors(t *testing.T, contacts, users int) (*hubspot.Sandbox, *zendesk.Sandbox, map[string]string) {
	t.Helper()
	hs, err := hubspot.New(hubspot.Options{Seed: 7, Contacts: contacts, Companies: -1, Notes: -1})
	if err != nil {
		t.Fatal(err)
	}
	zd, err := zendesk.New(zendesk.Options{Seed: 7, Users: users, Tickets: -1, JobPolls: -1})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for name, start := range map[string]func(string) (*kit.Server, error){"HUBSPOT_URL": hs.Start, "ZENDESK_URL": zd.Start} {
		srv, err := start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		env[name] = srv.URL
	}
	return hs, zd, env
}

func normalEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// TestCRMContactsBecomeHelpdeskUsers runs the CRM → help desk pipeline
// through the real binary and plugins against both sandboxes, with the
// CRM answering a storm of 429s and some 5xx: the sync completes, every
// contact becomes exactly one user (matched by email whatever its case in
// the help desk), and a second sync after edits in the CRM updates those
// users in place.
func TestCRMContactsBecomeHelpdeskUsers(t *testing.T) {
	hs, zd, env := startVendors(t, 400, 300)
	for k, v := range env {
		t.Setenv(k, v)
	}
	if err := hs.Kit().SetFaults(kit.Faults{RateLimitStorm: 4, ErrorRate: 0.1}); err != nil {
		t.Fatal(err)
	}
	if err := zd.Kit().SetFaults(kit.Faults{ErrorRate: 0.05}); err != nil {
		t.Fatal(err)
	}
	w := newWorkspace(t, vendorConfig)

	res, run := syncJSON(t, w)
	if run.code != 0 || res.Status != "succeeded" {
		t.Fatalf("first sync: %+v\n%s", res, run)
	}
	contacts := hs.Objects("contacts")
	if n := int64(len(contacts)); res.Counts.Read != n || res.Counts.Written != n || res.Counts.DeadLettered != 0 {
		t.Errorf("first sync counts %+v, want %d read and written, none dead", res.Counts, len(contacts))
	}
	if got := hs.Kit().Stats().ByStatus[429]; got < 4 {
		t.Errorf("the CRM answered %d 429s, want the storm of 4: the test did not exercise rate limiting", got)
	}
	matched := 0
	for _, c := range contacts {
		users := zd.UsersByEmail(c.Properties["email"])
		if len(users) != 1 {
			t.Errorf("contact %s (%s) is %d help desk users, want 1", c.ID, c.Properties["email"], len(users))
			continue
		}
		if users[0].ExternalID != "hubspot-"+c.ID {
			t.Errorf("user for contact %s has external id %q, want hubspot-%s", c.ID, users[0].ExternalID, c.ID)
		}
		if normalEmail(users[0].Email) != users[0].Email {
			matched++ // a seeded user, spelled differently, was updated rather than duplicated
		}
	}
	if matched == 0 {
		t.Error("no contact matched a help desk user whose email differs in case or spaces: the seed did not exercise matching")
	}
	before := len(zd.Users())

	// Edit three contacts in the CRM: the next sync carries only them.
	for _, c := range contacts[:3] {
		if _, err := hs.Update("contacts", c.ID, map[string]string{"firstname": "Renamed"}); err != nil {
			t.Fatal(err)
		}
	}
	res, run = syncJSON(t, w)
	if run.code != 0 || res.Counts.Read != 3 || res.Counts.Written != 3 || res.Counts.Created != 0 {
		t.Fatalf("second sync: %+v, want 3 read, 3 written, none created\n%s", res, run)
	}
	if after := len(zd.Users()); after != before {
		t.Errorf("help desk users went from %d to %d: an update created users", before, after)
	}
	for _, c := range contacts[:3] {
		u := zd.UsersByEmail(c.Properties["email"])
		if len(u) != 1 || !strings.HasPrefix(u[0].Name, "Renamed ") {
			t.Errorf("user for contact %s: %+v, want one user named Renamed …", c.ID, u)
		}
	}
}

// ticketsConfig turns complaints from a JSON Lines file into help desk
// tickets, as the demo does.
const ticketsConfig = `
version: 1
state:   {path: ./cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  inbox:
    connector: file
    config: {dir: ./in, streams: {complaints: {key: id}}}
  helpdesk:
    connector: zendesk
    config: {base_url: "${ZENDESK_URL}", email: ops@example.com, token: sandbox-token}
pipelines:
  - name: complaints-to-tickets
    from: {connection: inbox,    stream: complaints}
    to:   {connection: helpdesk, stream: tickets}
    map:
      external_id: id
      subject: subject
      comment.body: body
      requester.email: email
      priority: severity
`

// TestComplaintsBecomeTickets: each complaint becomes one ticket; the one
// Zendesk refuses (an invalid priority) is dead-lettered with Zendesk's
// message while the rest are written; a complaint that changes updates
// its ticket; and reading everything again (state reset) makes no second
// ticket.
func TestComplaintsBecomeTickets(t *testing.T) {
	_, zd, env := startVendors(t, 10, 10)
	t.Setenv("ZENDESK_URL", env["ZENDESK_URL"])
	w := newWorkspace(t, ticketsConfig)
	w.write("in/complaints.jsonl", `{"id":"Q-1","email":"ann@example.org","subject":"Parcel lost","body":"Where is it?","severity":"high"}
{"id":"Q-2","email":"bob@example.org","subject":"Refund","body":"Still waiting.","severity":"medium"}
{"id":"Q-3","email":"cy@example.org","subject":"Wrong size","body":"Got XL.","severity":"low"}
`)
	res, run := syncJSON(t, w)
	if run.code != 0 || res.Counts.Written != 2 || res.Counts.DeadLettered != 1 {
		t.Fatalf("first sync: %+v, want 2 written and 1 dead-lettered\n%s", res, run)
	}
	dls := deadLetters(t, w, "pending")
	if len(dls) != 1 || dls[0].Key != "Q-2" || !strings.Contains(dls[0].Error, `"medium" is not a valid priority`) {
		t.Errorf("dead letters %+v, want Q-2 with Zendesk's message about the priority", dls)
	}
	for _, id := range []string{"Q-1", "Q-3"} {
		if got := zd.TicketsByExternalID(id); len(got) != 1 {
			t.Errorf("complaint %s is %d tickets, want 1", id, len(got))
		}
	}
	if got := zd.TicketsByExternalID("Q-2"); len(got) != 0 {
		t.Errorf("the refused complaint made %d tickets", len(got))
	}

	// Q-1 changes (a new line for the same key): its ticket is updated.
	w.appendTo("in/complaints.jsonl", `{"id":"Q-1","email":"ann@example.org","subject":"Parcel lost","body":"Found it, thanks.","severity":"low"}`+"\n")
	res, run = syncJSON(t, w)
	if run.code != 0 || res.Counts.Written != 1 || res.Counts.Created != 0 {
		t.Fatalf("second sync: %+v, want 1 update\n%s", res, run)
	}
	if got := zd.TicketsByExternalID("Q-1"); len(got) != 1 || got[0].Priority != "low" {
		t.Errorf("Q-1 after its change: %+v, want one ticket, priority low", got)
	}

	// Everything again from the start: links and idempotency keys keep
	// one ticket per complaint.
	w.mustCxhub("state", "reset", "complaints-to-tickets")
	if res, run = syncJSON(t, w); run.code != 0 {
		t.Fatalf("sync after reset: %+v\n%s", res, run)
	}
	total := 0
	for _, id := range []string{"Q-1", "Q-3"} {
		got := zd.TicketsByExternalID(id)
		total += len(got)
		if len(got) != 1 {
			t.Errorf("after a reset, complaint %s is %d tickets, want 1", id, len(got))
		}
	}
	if total != 2 {
		t.Errorf("%d tickets for 2 good complaints", total)
	}
}

// hubspotWriteConfig writes customers from a file into HubSpot contacts.
const hubspotWriteConfig = `
version: 1
state:   {path: ./cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  inbox:
    connector: file
    config: {dir: ./in, streams: {customers: {key: id}}}
  crm:
    connector: hubspot
    config: {base_url: "${HUBSPOT_URL}", token: sandbox-token}
pipelines:
  - name: customers-to-contacts
    from: {connection: inbox, stream: customers}
    to:   {connection: crm,   stream: contacts}
    map:
      email: email
      firstname: first
`

// TestHubSpotRefusalsBecomeDeadLetters: a contact HubSpot refuses in its
// 207 answer (an invalid email) is dead-lettered with HubSpot's message,
// the others of the same batch are written, and a second sync writes
// nothing twice.
func TestHubSpotRefusalsBecomeDeadLetters(t *testing.T) {
	hs, _, env := startVendors(t, 5, 5)
	t.Setenv("HUBSPOT_URL", env["HUBSPOT_URL"])
	w := newWorkspace(t, hubspotWriteConfig)
	w.write("in/customers.jsonl", `{"id":"c1","email":"ann.e2e@example.org","first":"Ann"}
{"id":"c2","email":"not-an-email","first":"Bob"}
{"id":"c3","email":"cy.e2e@example.org","first":"Cy"}
`)
	before := hs.Count("contacts")
	res, run := syncJSON(t, w)
	if run.code != 0 || res.Counts.Written != 2 || res.Counts.DeadLettered != 1 {
		t.Fatalf("sync: %+v, want 2 written and 1 dead-lettered\n%s", res, run)
	}
	dls := deadLetters(t, w, "pending")
	if len(dls) != 1 || dls[0].Key != "c2" || dls[0].ErrorKind != "bad_record" ||
		!strings.Contains(dls[0].Error, "Email address not-an-email is invalid") {
		t.Errorf("dead letters %+v, want c2 as a bad record with HubSpot's message", dls)
	}
	if got := hs.Count("contacts") - before; got != 2 {
		t.Errorf("%d contacts made, want 2", got)
	}
	for _, email := range []string{"ann.e2e@example.org", "cy.e2e@example.org"} {
		if got := hs.Find("contacts", "email", email); len(got) != 1 {
			t.Errorf("%s is %d contacts, want 1", email, len(got))
		}
	}
	w.mustCxhub("state", "reset", "customers-to-contacts")
	if res, run = syncJSON(t, w); run.code != 0 || res.Counts.Created != 0 {
		t.Fatalf("sync after reset: %+v, want nothing created\n%s", res, run)
	}
	if got := hs.Count("contacts") - before; got != 2 {
		t.Errorf("after a reset, %d contacts made, want still 2", got)
	}
}
