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
