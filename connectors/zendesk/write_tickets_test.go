package zendesk

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

const ticketData = `{"subject":"Parcel lost","comment":{"body":"Where is my parcel?"},"requester":{"email":"  Parcel.Person@Example.org ","name":"Parcel Person"},"external_id":"ORD-1","priority":"high"}`

func TestCreateTicketRetriedAfterDroppedAnswerMakesOne(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 11, Users: 3, Tickets: -1})
	// The first create is made, but its answer is lost; the retry carries
	// the same Idempotency-Key and gets the first ticket back.
	if err := e.sb.Kit().SetFaults(kit.Faults{DropAfterRate: 1}); err != nil {
		t.Fatal(err)
	}
	go func() { // lift the fault once the first attempt went through
		for deadline := time.Now().Add(10 * time.Second); e.sb.Kit().Count("POST", "/api/v2/tickets.json") == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		_ = e.sb.Kit().SetFaults(kit.Faults{})
	}()
	results, err := e.write(e.config(), StreamTickets, []sdk.Record{record("orders", "o-1", ticketData)})
	if err != nil || results[0].Err != nil {
		t.Fatalf("create: %+v, %v", results, err)
	}
	tickets := e.sb.TicketsByExternalID("ORD-1")
	if len(tickets) != 1 || fmt.Sprint(tickets[0].ID) != results[0].ID {
		t.Fatalf("%d tickets with ORD-1 (%+v) after a dropped answer and a retry, want 1 with id %s", len(tickets), tickets, results[0].ID)
	}
	if n := e.sb.Kit().Count("POST", "/api/v2/tickets.json"); n < 2 {
		t.Errorf("%d create requests: the answer was not dropped, the test proves nothing", n)
	}
	if !results[0].Created {
		t.Errorf("result %+v: the retry's replay (x-idempotency-lookup: hit) of this create's own first attempt is still a create", results[0])
	}
	if u, _ := e.sb.User(tickets[0].RequesterID); u.Email != "parcel.person@example.org" || tickets[0].Priority != "high" {
		t.Errorf("requester %+v, priority %q", u, tickets[0].Priority)
	}
	// The same record written again (no link yet): the same ticket.
	again, err := e.write(e.config(), StreamTickets, []sdk.Record{record("orders", "o-1", ticketData)})
	if err != nil || again[0].ID != results[0].ID || again[0].Created || len(e.sb.TicketsByExternalID("ORD-1")) != 1 {
		t.Errorf("second write: %+v, %v; want id %s, not created, and still one ticket", again, err, results[0].ID)
	}
}

func TestUpdateLinkedTicket(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 12, Users: 3, Tickets: -1})
	results, err := e.write(e.config(), StreamTickets, []sdk.Record{record("orders", "o-2", ticketData)})
	if err != nil || results[0].Err != nil {
		t.Fatalf("create: %+v, %v", results, err)
	}
	id := results[0].ID
	update := record("orders", "o-2", `{"status":"solved","comment":"Found it, sorry!","requester":{"email":"someone.else@example.org"}}`)
	update.TargetID = id
	for range 2 { // a replayed update does not comment twice
		res, err := e.write(e.config(), StreamTickets, []sdk.Record{update})
		if err != nil || res[0].Err != nil || res[0].ID != id || res[0].Created {
			t.Fatalf("update: %+v, %v", res, err)
		}
	}
	var tk sandbox.Ticket
	fmt.Sscan(id, &tk.ID)
	tk, _ = e.sb.Ticket(tk.ID)
	cs := e.sb.Comments(tk.ID)
	if tk.Status != "solved" || len(cs) != 2 || cs[1].Body != "Found it, sorry!" {
		t.Errorf("after two updates: status %q, comments %+v; want solved and one added comment", tk.Status, cs)
	}
	if u, _ := e.sb.User(tk.RequesterID); u.Email != "parcel.person@example.org" {
		t.Errorf("the update changed the requester to %q", u.Email)
	}
	gone := record("orders", "o-3", `{"status":"open"}`)
	gone.TargetID = "999999"
	res, err := e.write(e.config(), StreamTickets, []sdk.Record{gone})
	if err != nil || sdk.KindOf(res[0].Err) != sdk.KindBadRecord || !strings.Contains(res[0].Err.Error(), "ticket 999999 no longer exists") {
		t.Errorf("update of a missing ticket: %+v, %v", res, err)
	}
}

func TestChangedRecordUnderSameKeyFindsTicketByExternalID(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 13, Users: 3, Tickets: -1})
	first, err := e.write(e.config(), StreamTickets, []sdk.Record{record("orders", "o-4", ticketData)})
	if err != nil || first[0].Err != nil {
		t.Fatalf("create: %+v, %v", first, err)
	}
	// The link was lost and the record changed: Zendesk refuses the key
	// with another body, and the ticket is found by external_id.
	changed := record("orders", "o-4", strings.Replace(ticketData, `"priority":"high"`, `"priority":"urgent"`, 1))
	res, err := e.write(e.config(), StreamTickets, []sdk.Record{changed})
	if err != nil || res[0].Err != nil || res[0].ID != first[0].ID {
		t.Fatalf("changed record: %+v, %v; want an update of %s", res, err, first[0].ID)
	}
	if ts := e.sb.TicketsByExternalID("ORD-1"); len(ts) != 1 || ts[0].Priority != "urgent" {
		t.Errorf("tickets %+v, want one, urgent", ts)
	}
	noExt := record("orders", "o-4", `{"comment":"different body, no external id"}`)
	res, err = e.write(e.config(), StreamTickets, []sdk.Record{noExt})
	if err != nil || sdk.KindOf(res[0].Err) != sdk.KindBadRecord || !strings.Contains(res[0].Err.Error(), "external_id") {
		t.Errorf("changed record without external_id: %+v, %v", res, err)
	}
}

func TestTicketBadRecords(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 14, Users: 3, Tickets: -1})
	tests := []struct {
		data string
		want string
	}{
		{`{"subject":"no comment"}`, "comment.body is required"},
		{`not json`, "not a JSON object"},
		{`{"comment":5}`, "comment is neither"},
		{`{"comment":"x","status":"finished"}`, "Status"}, // Zendesk's 422, in its words
		{`{"comment":"x","requester":"ann@example.org"}`, "requester is not an object"},
		{`{"comment":"x","requester_email":"bad email"}`, "not properly formatted"},
		{`{"comment":"x","subject":{"a":1}}`, "subject is not a string"},
	}
	var records []sdk.Record
	for i, tt := range tests {
		records = append(records, record("orders", fmt.Sprint("bad-", i), tt.data))
	}
	records = append(records, record("orders", "good", `{"body":"Shortcut body","requester_email":"short@example.org","requester_name":"Short"}`))
	results, err := e.write(e.config(), StreamTickets, records)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if sdk.KindOf(results[i].Err) != sdk.KindBadRecord || !strings.Contains(results[i].Err.Error(), tt.want) {
			t.Errorf("%s: %v, want a bad record with %q", tt.data, results[i].Err, tt.want)
		}
	}
	if last := results[len(results)-1]; last.Err != nil || !last.Created {
		t.Errorf("the good record after the bad ones: %+v", last)
	}
	del := record("orders", "d", `{}`)
	del.Op = sdk.Delete
	if res, _ := e.write(e.config(), StreamTickets, []sdk.Record{del}); sdk.KindOf(res[0].Err) != sdk.KindBadRecord {
		t.Errorf("delete: %+v", res)
	}
}

func TestTicketWriteAuthFailureFailsTheBatch(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 15, Users: 3, Tickets: -1})
	_, err := e.write(e.config("token", "wrong"), StreamTickets, []sdk.Record{record("orders", "x", ticketData)})
	if sdk.KindOf(err) != sdk.KindAuth || strings.Contains(err.Error(), "wrong") {
		t.Errorf("write with a bad token: %v (kind %s), want an auth error without the token", err, sdk.KindOf(err))
	}
}

func TestIdempotencyKey(t *testing.T) {
	const acme, other = "https://acme.zendesk.com/api/v2", "https://other.zendesk.com/api/v2"
	base := IdempotencyKey(acme, "tickets", "orders", "1")
	if again := IdempotencyKey(acme, "tickets", "orders", "1"); again != base {
		t.Errorf("the same create gave %q then %q", base, again)
	}
	if len(base) != 36 || strings.Count(base, "-") != 4 {
		t.Errorf("key %q is not shaped like a UUID", base)
	}
	differs := []struct {
		name string
		key  string
	}{
		{"another account", IdempotencyKey(other, "tickets", "orders", "1")},
		{"another stream written", IdempotencyKey(acme, "tickets_archive", "orders", "1")},
		{"another source stream", IdempotencyKey(acme, "tickets", "returns", "1")},
		{"another source key", IdempotencyKey(acme, "tickets", "orders", "2")},
		{"the same text split elsewhere", IdempotencyKey(acme, "tickets", "orders1", "")},
	}
	seen := map[string]string{base: "the base"}
	for _, d := range differs {
		if prev, ok := seen[d.key]; ok {
			t.Errorf("%s gives the key of %s: %q", d.name, prev, d.key)
		}
		seen[d.key] = d.name
	}
}

// TestTicketCreateKeyNamesAccountAndStream checks the key a create sends:
// the one IdempotencyKey gives for the account written to, the stream
// written and the source record.
func TestTicketCreateKeyNamesAccountAndStream(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 19, Users: 3, Tickets: -1})
	var mu sync.Mutex
	var keys []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/api/v2/tickets.json" {
			mu.Lock()
			keys = append(keys, r.Header.Get("Idempotency-Key"))
			mu.Unlock()
		}
		e.sb.Handler().ServeHTTP(w, r)
	}))
	defer proxy.Close()
	rec := record("orders", "ORD-7", ticketData)
	res, err := e.write(e.config("base_url", proxy.URL), StreamTickets, []sdk.Record{rec})
	if err != nil || res[0].Err != nil {
		t.Fatalf("create: %+v, %v", res, err)
	}
	want := IdempotencyKey(proxy.URL+"/api/v2", StreamTickets, "orders", "ORD-7")
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 1 || keys[0] != want {
		t.Errorf("Idempotency-Key sent %q, want %q", keys, want)
	}
}

func TestDescriptionIsTheFirstCommentOnCreateOnly(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 18, Users: 3, Tickets: -1})
	rec := record("tickets", "z-1", `{"subject":"Copied","description":"First words","status":"open","external_id":"Z1"}`)
	res, err := e.write(e.config(), StreamTickets, []sdk.Record{rec})
	if err != nil || res[0].Err != nil {
		t.Fatalf("create from a description: %+v, %v", res, err)
	}
	var id int64
	fmt.Sscan(res[0].ID, &id)
	if cs := e.sb.Comments(id); len(cs) != 1 || cs[0].Body != "First words" {
		t.Fatalf("comments %+v, want the description as the first", cs)
	}
	if _, err := e.sb.AddComment(id, 0, "A reply since", true); err != nil {
		t.Fatal(err)
	}
	rec.TargetID = res[0].ID
	rec.Data = []byte(`{"subject":"Copied","description":"First words","status":"pending"}`)
	if res, err := e.write(e.config(), StreamTickets, []sdk.Record{rec}); err != nil || res[0].Err != nil {
		t.Fatalf("update: %+v, %v", res, err)
	}
	if cs := e.sb.Comments(id); len(cs) != 2 {
		t.Errorf("the update added the description as a comment: %+v", cs)
	}
}

// TestCreateTicketFailedBatchRetriedCountsCreated: a create whose answer
// was lost past every retry fails the batch; when the same writer writes
// the batch again, the replay is this writer's own create, and counts as
// created.
func TestCreateTicketFailedBatchRetriedCountsCreated(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 15, Users: 3, Tickets: -1})
	ctx := t.Context()
	w, err := e.conn.OpenWriter(ctx, sdk.OpenWriterRequest{Config: e.config(), Stream: StreamTickets})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	if err := e.sb.Kit().SetFaults(kit.Faults{DropAfterRate: 1}); err != nil {
		t.Fatal(err)
	}
	batch := sdk.WriteRequest{Records: []sdk.Record{record("orders", "o-9", ticketData)}}
	if _, err := w.Write(ctx, batch); err == nil {
		t.Fatal("a write whose every answer was dropped succeeded")
	}
	if err := e.sb.Kit().SetFaults(kit.Faults{}); err != nil {
		t.Fatal(err)
	}
	resp, err := w.Write(ctx, batch)
	if err != nil || resp.Results[0].Err != nil {
		t.Fatalf("write again: %+v, %v", resp, err)
	}
	if ts := e.sb.TicketsByExternalID("ORD-1"); len(ts) != 1 || !resp.Results[0].Created {
		t.Errorf("%d tickets, result %+v: want one ticket, counted as created", len(ts), resp.Results[0])
	}
}
