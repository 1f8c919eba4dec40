package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	hubspot "github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	zendesk "github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/core/state"
)

// twoWayConfig syncs HubSpot contacts (side a) and Zendesk users (side b)
// both ways: email and phone as the identity, the name split owned by
// HubSpot. %[1]s and %[2]s are the sandboxes' URLs.
const twoWayConfig = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  crm:
    connector: hubspot
    config: {base_url: "%[1]s", token: sandbox-token, search_lag: "0"}
  desk:
    connector: zendesk
    config: {base_url: "%[2]s", email: ops@example.com, token: sandbox-token, requests_per_minute: 100000}
syncs:
  - name: people
    a: {connection: crm, stream: contacts}
    b: {connection: desk, stream: users}
    match: email
    to_b:
      email: properties.email
      phone: properties.phone
      name: "{{properties.firstname}} {{properties.lastname}}"
      external_id: "hubspot-{{id}}"
    to_a:
      email: email
      phone: phone
      firstname: name
    owners: {name: %[3]s}
    send_always: [external_id]
    where_b: 'role == "end-user"'
`

// twoWayRound runs one round of the sync, a → b then b → a, with the
// Zendesk clock moved past its export's one-minute exclusion in between,
// and returns the two runs' counts.
func twoWayRound(t *testing.T, w *workspace, zd *zendesk.Sandbox) (ab, ba runRecord) {
	t.Helper()
	w.mustCxhub("sync", "people-a-to-b")
	zd.Advance(2 * time.Minute)
	w.mustCxhub("sync", "people-b-to-a")
	runs := runRecords(t, w)
	if len(runs) < 2 || runs[1].Pipeline != "people-a-to-b" || runs[0].Pipeline != "people-b-to-a" {
		t.Fatalf("runs: %v", sprintLines(runs, 4))
	}
	return runs[1], runs[0]
}

// zendeskEdit changes a user as an agent would, through the API.
func zendeskEdit(t *testing.T, url string, user map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"user": user})
	req, err := http.NewRequest(http.MethodPost, url+"/api/v2/users/create_or_update.json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(zendesk.DefaultEmail+"/token", zendesk.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("zendesk edit: %s", resp.Status)
	}
}

// zendeskUserOf returns the Zendesk user synced from a HubSpot contact.
func zendeskUserOf(t *testing.T, zd *zendesk.Sandbox, contactID string) zendesk.User {
	t.Helper()
	var found []zendesk.User
	for _, u := range zd.Users() {
		if u.ExternalID == "hubspot-"+contactID {
			found = append(found, u)
		}
	}
	if len(found) != 1 {
		t.Fatalf("contact %s is %d zendesk users", contactID, len(found))
	}
	return found[0]
}

func hubspotContact(t *testing.T, hs *hubspot.Sandbox, id string) hubspot.Object {
	t.Helper()
	for _, o := range hs.Objects("contacts") {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no contact %s", id)
	return hubspot.Object{}
}

// TestTwoWaySyncSettlesCarriesEditsOnceAndMerges: HubSpot ↔ Zendesk through
// the real binary and plugins. After the first round a second makes no
// write either way; an edit in HubSpot reaches Zendesk in one round and
// nothing is written back; edits of different fields on both sides merge;
// the same field edited on both sides follows its rule and is listed by
// `cxhub conflicts list`; the name split owned by HubSpot never comes back
// doubled.
func TestTwoWaySyncSettlesCarriesEditsOnceAndMerges(t *testing.T) {
	const contacts = 200
	hs, _, hsURL := startHubSpot(t, testSeed(t), contacts)
	zd, _, zdURL := startZendesk(t, testSeed(t))
	w := newWorkspace(t, fmt.Sprintf(twoWayConfig, hsURL, zdURL, "a"))
	w.mustCxhub("validate")

	ab, ba := twoWayRound(t, w, zd)
	if ab.Counts.Created != contacts || ab.Counts.DeadLettered != 0 {
		t.Fatalf("first round a→b: %+v; want %d users created", ab.Counts, contacts)
	}
	if ba.Counts.Echo != contacts || ba.Counts.Written != 0 || ba.Counts.DeadLettered != 0 {
		t.Errorf("first round b→a: %+v; want the %d users read back as echoes, none written", ba.Counts, contacts)
	}

	for r := 2; r <= 3; r++ {
		ab, ba = twoWayRound(t, w, zd)
		if ab.Counts.Written != 0 || ba.Counts.Written != 0 {
			t.Errorf("round %d: %d writes to zendesk (%+v), %d to hubspot (%+v); want none", r, ab.Counts.Written, ab.Counts, ba.Counts.Written, ba.Counts)
		}
	}

	// An edit in HubSpot: one write to Zendesk, none back.
	objs := hs.Objects("contacts")
	edited, other := objs[3], objs[7]
	if _, err := hs.Update("contacts", edited.ID, map[string]string{"phone": "+44 20 7946 0001"}); err != nil {
		t.Fatal(err)
	}
	ab, ba = twoWayRound(t, w, zd)
	if ab.Counts.Written != 1 || ba.Counts.Written != 0 || ba.Counts.Echo != 1 {
		t.Errorf("edit in hubspot: a→b %+v, b→a %+v; want 1 write to zendesk, its echo and no write back", ab.Counts, ba.Counts)
	}
	if u := zendeskUserOf(t, zd, edited.ID); u.Phone != "+44 20 7946 0001" {
		t.Errorf("zendesk user of %s has phone %q", edited.ID, u.Phone)
	}

	// Different fields edited on both sides merge: phone in HubSpot, email
	// in Zendesk.
	if _, err := hs.Update("contacts", other.ID, map[string]string{"phone": "+44 20 7946 0002"}); err != nil {
		t.Fatal(err)
	}
	zendeskEdit(t, zdURL, map[string]any{"external_id": "hubspot-" + other.ID, "email": "moved-" + other.ID + "@example.net"})
	ab, ba = twoWayRound(t, w, zd)
	if ab.Counts.Written != 1 || ba.Counts.Written != 1 {
		t.Errorf("merge: a→b %+v, b→a %+v; want one write each way", ab.Counts, ba.Counts)
	}
	c, u := hubspotContact(t, hs, other.ID), zendeskUserOf(t, zd, other.ID)
	if c.Properties["phone"] != "+44 20 7946 0002" || u.Phone != "+44 20 7946 0002" ||
		normalEmail(c.Properties["email"]) != "moved-"+other.ID+"@example.net" || u.Email != "moved-"+other.ID+"@example.net" {
		t.Errorf("after the merge hubspot has %s/%s, zendesk %s/%s", c.Properties["phone"], c.Properties["email"], u.Phone, u.Email)
	}
	ab, ba = twoWayRound(t, w, zd)
	if ab.Counts.Written != 0 || ba.Counts.Written != 0 {
		t.Errorf("after the merge: a→b %+v, b→a %+v; want no writes", ab.Counts, ba.Counts)
	}

	// The same field edited on both sides: phone's rule is the latest
	// change, Zendesk's (its clock is ahead). It is kept on both sides and
	// recorded as a conflict with both values.
	if _, err := hs.Update("contacts", edited.ID, map[string]string{"phone": "+44 20 7946 0003"}); err != nil {
		t.Fatal(err)
	}
	zendeskEdit(t, zdURL, map[string]any{"external_id": "hubspot-" + edited.ID, "phone": "+44 20 7946 0004"})
	zd.Advance(2 * time.Minute) // past the export's exclusion, for the peek of a → b
	ab, ba = twoWayRound(t, w, zd)
	if ab.Counts.Written != 0 || ba.Counts.Written != 1 {
		t.Errorf("conflict: a→b %+v, b→a %+v; want only the write of zendesk's phone to hubspot", ab.Counts, ba.Counts)
	}
	if c, u := hubspotContact(t, hs, edited.ID), zendeskUserOf(t, zd, edited.ID); c.Properties["phone"] != "+44 20 7946 0004" || u.Phone != "+44 20 7946 0004" {
		t.Errorf("after the conflict hubspot has phone %q, zendesk %q; want zendesk's on both", c.Properties["phone"], u.Phone)
	}
	var conflicts []state.Conflict
	if r := w.mustCxhub("conflicts", "list", "-o", "json"); json.Unmarshal([]byte(r.stdout), &conflicts) != nil || len(conflicts) != 1 {
		t.Fatalf("conflicts list: %s", r)
	}
	if c := conflicts[0]; c.Sync != "people" || c.Field != "phone" || c.Key != edited.ID || c.ValueA != `"+44 20 7946 0003"` ||
		c.ValueB != `"+44 20 7946 0004"` || c.Rule != "latest" || c.Winner != "b" {
		t.Errorf("conflict %+v", c)
	}
	if r := w.mustCxhub("conflicts", "list"); !strings.Contains(r.stdout, "+44 20 7946 0003") || !strings.Contains(r.stdout, "latest") {
		t.Errorf("conflicts list:\n%s", r.stdout)
	}
	ab, ba = twoWayRound(t, w, zd)
	if ab.Counts.Written != 0 || ba.Counts.Written != 0 {
		t.Errorf("after the conflict: a→b %+v, b→a %+v; want no writes", ab.Counts, ba.Counts)
	}

	// The name split, owned by HubSpot: a name edited in Zendesk is not
	// carried back, and no first name ever holds the last name.
	zendeskEdit(t, zdURL, map[string]any{"external_id": "hubspot-" + edited.ID, "name": "Somebody Else"})
	_, ba = twoWayRound(t, w, zd)
	if ba.Counts.Written != 0 {
		t.Errorf("a name edited in zendesk was written to hubspot: %+v", ba.Counts)
	}
	for _, o := range hs.Objects("contacts") {
		if first, last := o.Properties["firstname"], o.Properties["lastname"]; last != "" && strings.Contains(first, last) {
			t.Errorf("contact %s: first name %q holds the last name %q", o.ID, first, last)
		}
	}
}

// TestTwoWayNameSplitIsRefusedAtValidate: the name split both ways without
// an owner never settles: validate refuses it and says why.
func TestTwoWayNameSplitIsRefusedAtValidate(t *testing.T) {
	w := newWorkspace(t, fmt.Sprintf(twoWayConfig, "http://127.0.0.1:1", "http://127.0.0.1:1", "latest"))
	r := w.cxhub("validate")
	if r.code == 0 {
		t.Fatalf("validate accepted the name split:\n%s", r)
	}
	for _, want := range []string{"cxhub.yaml:", "syncs[0].to_b.name", "round trip is not the identity", "owners: {name: a}"} {
		if !strings.Contains(r.stderr+r.stdout, want) {
			t.Errorf("validate's message lacks %q:\n%s", want, r)
		}
	}
}

// TestTwoWayManualConflictWaitsForAPerson: with phone's owner manual, a
// phone edited on both sides is parked — neither value moves, later edits
// neither — until `cxhub conflicts resolve --take a` writes HubSpot's value
// to Zendesk; then the sync settles.
func TestTwoWayManualConflictWaitsForAPerson(t *testing.T) {
	hs, _, hsURL := startHubSpot(t, testSeed(t), 20)
	zd, _, zdURL := startZendesk(t, testSeed(t))
	w := newWorkspace(t, fmt.Sprintf(twoWayConfig, hsURL, zdURL, "a, phone: manual"))
	twoWayRound(t, w, zd)
	contact := hs.Objects("contacts")[5]
	if _, err := hs.Update("contacts", contact.ID, map[string]string{"phone": "+1 555 0101"}); err != nil {
		t.Fatal(err)
	}
	zendeskEdit(t, zdURL, map[string]any{"external_id": "hubspot-" + contact.ID, "phone": "+1 555 0202"})
	zd.Advance(2 * time.Minute)
	ab, ba := twoWayRound(t, w, zd)
	if ab.Counts.Written != 0 || ba.Counts.Written != 0 {
		t.Errorf("parked: a→b %+v, b→a %+v; want no writes", ab.Counts, ba.Counts)
	}
	var conflicts []state.Conflict
	if r := w.mustCxhub("conflicts", "list", "-o", "json"); json.Unmarshal([]byte(r.stdout), &conflicts) != nil || len(conflicts) != 1 || conflicts[0].Winner != "" {
		t.Fatalf("conflicts list: %s", r)
	}
	list := w.mustCxhub("conflicts", "list")
	if !strings.Contains(list.stdout, "parked") {
		t.Errorf("conflicts list does not say parked:\n%s", list.stdout)
	}
	t.Logf("cxhub conflicts list:\n%s", list.stdout)
	id := fmt.Sprint(conflicts[0].ID)
	if r := w.cxhub("conflicts", "resolve", id, "--take", "c"); r.code == 0 {
		t.Errorf("resolve --take c succeeded:\n%s", r)
	}
	w.mustCxhub("conflicts", "resolve", id, "--take", "a")
	if u := zendeskUserOf(t, zd, contact.ID); u.Phone != "+1 555 0101" {
		t.Errorf("after taking hubspot's phone zendesk has %q", u.Phone)
	}
	if r := w.cxhub("conflicts", "resolve", id, "--take", "b"); r.code == 0 || !strings.Contains(r.stderr, "settled already") {
		t.Errorf("a second resolve:\n%s", r)
	}
	zd.Advance(2 * time.Minute)
	ab, ba = twoWayRound(t, w, zd)
	if ab.Counts.Written != 0 || ba.Counts.Written != 0 {
		t.Errorf("after the choice: a→b %+v, b→a %+v; want no writes", ab.Counts, ba.Counts)
	}
	if c := hubspotContact(t, hs, contact.ID); c.Properties["phone"] != "+1 555 0101" {
		t.Errorf("hubspot phone %q", c.Properties["phone"])
	}
}
