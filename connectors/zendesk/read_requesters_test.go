package zendesk

import (
	"strconv"
	"testing"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
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
