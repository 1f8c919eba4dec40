package zendesk

import (
	"strconv"
	"testing"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// TestTicketsCarryTheirRequester: every ticket read carries its requester's
// id, email and name, side-loaded with include=users, so that a pipeline
// can reach the requester by email.
func TestTicketsCarryTheirRequester(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 2, Users: 30, Tickets: 60})
	tickets := e.read(e.config("page_size", 25), StreamTickets, nil)
	if len(tickets.Records) != 60 {
		t.Fatalf("read %d tickets, want 60", len(tickets.Records))
	}
	for _, r := range tickets.Records {
		id, _ := strconv.ParseInt(r.Key, 10, 64)
		tk, _ := e.sb.Ticket(id)
		u, _ := e.sb.User(tk.RequesterID)
		got := gjson.GetBytes(r.Data, "requester")
		if got.Get("id").Int() != u.ID || got.Get("email").String() != u.Email || u.Email == "" || got.Get("name").String() != u.Name {
			t.Fatalf("ticket %s: requester %s, want user %d (%s)", r.Key, got.Raw, u.ID, u.Email)
		}
		if gjson.GetBytes(r.Data, "subject").String() != tk.Subject {
			t.Fatalf("ticket %s lost its own fields: %s", r.Key, r.Data)
		}
	}
}

func TestWithRequestersLeavesOthersAlone(t *testing.T) {
	got := withRequesters([]gjson.Result{gjson.Parse(`{}`), gjson.Parse(`{"requester_id":9}`), gjson.Parse(`{"requester_id":1,"x":2}`)},
		gjson.Parse(`[{"id":1,"email":"a@x.com","name":"A"}]`))
	for i, want := range []string{`{}`, `{"requester_id":9}`, `{"requester":{"email":"a@x.com","id":1,"name":"A"},"requester_id":1,"x":2}`} {
		if got[i].Raw != want || !gjson.Valid(got[i].Raw) {
			t.Errorf("ticket %d: %s, want %s", i, got[i].Raw, want)
		}
	}
}

// A ticket a webhook delivers is the record a read gives: with its
// requester, so that a pipeline mapping requester.email works for both.
func TestWebhookTicketsCarryTheirRequester(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 2, Users: 30, Tickets: 60})
	tk := e.sb.Tickets()[7]
	u, _ := e.sb.User(tk.RequesterID)
	h, body, err := e.sb.TicketEvent(tk.ID, "zen:event-type:ticket.status_changed")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.conn.HandleWebhook(t.Context(), sdk.WebhookRequest{Config: e.config(), Method: "POST", URL: "/webhooks/zendesk", Header: h, Body: body})
	if err != nil || len(resp.Records) != 1 {
		t.Fatalf("webhook: %+v, %v", resp, err)
	}
	got := gjson.GetBytes(resp.Records[0].Data, "requester")
	if got.Get("id").Int() != u.ID || got.Get("email").String() != u.Email || u.Email == "" || got.Get("name").String() != u.Name {
		t.Errorf("ticket %d from a webhook: requester %s, want user %d (%s) as a read gives it", tk.ID, got.Raw, u.ID, u.Email)
	}
}
