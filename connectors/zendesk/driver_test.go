package zendesk

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// driver is the conformance suite's driver, built on the sandbox's Go
// methods: it seeds and changes records, makes records to write and counts
// what the sandbox holds.
type driver struct {
	sb *sandbox.Sandbox
	sdktest.KitFaults
}

var (
	_ sdktest.SourceDriver      = driver{}
	_ sdktest.DestinationDriver = driver{}
	_ sdktest.BadRecorder       = driver{}
	_ sdktest.Faulter           = driver{}
)

// Seed reseeds the sandbox so that stream holds about n records (users
// also has the agents; ticket_comments has 1 to 4 per ticket) and returns
// every key a full read returns.
func (d driver) Seed(_ context.Context, stream string, n int) ([]string, error) {
	switch stream {
	case StreamUsers:
		if err := d.sb.Reset(n, 0); err != nil {
			return nil, err
		}
		return d.userKeys(), nil
	case StreamTickets:
		if err := d.sb.Reset(5, n); err != nil {
			return nil, err
		}
		return d.ticketKeys(), nil
	case StreamTicketComments:
		if err := d.sb.Reset(5, max(n/2, 1)); err != nil {
			return nil, err
		}
		var keys []string
		for _, t := range d.sb.Tickets() {
			keys = append(keys, d.commentKeys(t.ID)...)
		}
		return keys, nil
	}
	return nil, fmt.Errorf("no stream %q", stream)
}

// Change edits the records with keys and adds add new ones, then moves the
// sandbox's clock past Zendesk's one-minute exclusion. For ticket_comments
// it redacts the first word of the given comments and adds add comments
// (on their tickets): the keys to read are those comments, redacted or
// new, and no other comment of their tickets.
func (d driver) Change(_ context.Context, stream string, keys []string, add int) ([]string, error) {
	defer d.sb.Advance(sandbox.ExclusionWindow + time.Second)
	ids, err := parseIDs(keys)
	if err != nil {
		return nil, err
	}
	switch stream {
	case StreamUsers:
		if err := d.sb.TouchUsers(ids...); err != nil {
			return nil, err
		}
		out := keys
		for _, u := range d.sb.AddUsers(add) {
			out = append(out, strconv.FormatInt(u.ID, 10))
		}
		return out, nil
	case StreamTickets:
		if err := d.sb.TouchTickets(ids...); err != nil {
			return nil, err
		}
		added, err := d.sb.AddTickets(add)
		if err != nil {
			return nil, err
		}
		out := keys
		for _, t := range added {
			out = append(out, strconv.FormatInt(t.ID, 10))
		}
		return out, nil
	case StreamTicketComments:
		owner := map[int64]sandbox.Comment{}
		for _, t := range d.sb.Tickets() {
			for _, c := range d.sb.Comments(t.ID) {
				owner[c.ID] = c
			}
		}
		var out []string
		tickets := []int64{d.sb.Tickets()[0].ID}
		for _, id := range ids {
			c, ok := owner[id]
			if !ok {
				return nil, fmt.Errorf("no comment %d", id)
			}
			if _, err := d.sb.RedactComment(c.TicketID, c.ID, strings.Fields(c.Body)[0]); err != nil {
				return nil, err
			}
			out = append(out, strconv.FormatInt(c.ID, 10))
			tickets = append(tickets, c.TicketID)
		}
		for i := range add {
			c, err := d.sb.AddComment(tickets[i%len(tickets)], 0, fmt.Sprintf("Change %d", i), true)
			if err != nil {
				return nil, err
			}
			out = append(out, strconv.FormatInt(c.ID, 10))
		}
		return out, nil
	}
	return nil, fmt.Errorf("no stream %q", stream)
}

// Records makes records to write: users keyed by email, tickets by
// external_id; salt changes the name, the subject, the priority and the
// comment.
func (d driver) Records(stream string, n int, salt int) []sdk.Record {
	out := make([]sdk.Record, n)
	for i := range out {
		switch stream {
		case StreamUsers:
			out[i] = record("contacts", fmt.Sprintf("cu-%d", i), fmt.Sprintf(
				`{"email":"conf.user.%d@example.org","name":"Conformance User %d v%d","phone":"+1555%04d"}`, i, i, salt, i))
		case StreamTickets:
			out[i] = record("orders", fmt.Sprintf("ct-%d", i), fmt.Sprintf(
				`{"subject":"Conformance ticket %d v%d","comment":{"body":"Body of %d, version %d"},"requester":{"email":"conf.req.%d@example.org","name":"Requester %d"},"external_id":"conf-ticket-%d","priority":%q}`,
				i, salt, i, salt, i, i, i, []string{"low", "normal", "high", "urgent"}[salt%4]))
		}
	}
	return out
}

// Count counts the sandbox's objects per record: users by email, tickets
// by external_id.
func (d driver) Count(_ context.Context, stream string, records []sdk.Record) ([]int, error) {
	out := make([]int, len(records))
	for i, r := range records {
		o, err := decodeObject(r, "")
		if err != nil {
			return nil, err
		}
		switch stream {
		case StreamUsers:
			email, _, _ := o.GetString("email")
			out[i] = len(d.sb.UsersByEmail(email))
		case StreamTickets:
			ext, _, _ := o.GetString("external_id")
			out[i] = len(d.sb.TicketsByExternalID(ext))
		}
	}
	return out, nil
}

// BadRecord is a record Zendesk refuses: a user with an address that is
// not one, a ticket with a status that does not exist.
func (d driver) BadRecord(stream string) (sdk.Record, bool) {
	switch stream {
	case StreamUsers:
		return record("contacts", "bad-user", `{"email":"not-an-address","name":"Bad"}`), true
	case StreamTickets:
		return record("orders", "bad-ticket", `{"comment":"x","status":"finished"}`), true
	}
	return sdk.Record{}, false
}

func (d driver) userKeys() []string {
	var keys []string
	for _, u := range d.sb.Users() {
		keys = append(keys, strconv.FormatInt(u.ID, 10))
	}
	return keys
}

func (d driver) ticketKeys() []string {
	var keys []string
	for _, t := range d.sb.Tickets() {
		keys = append(keys, strconv.FormatInt(t.ID, 10))
	}
	return keys
}

func (d driver) commentKeys(ticket int64) []string {
	var keys []string
	for _, c := range d.sb.Comments(ticket) {
		keys = append(keys, strconv.FormatInt(c.ID, 10))
	}
	return keys
}

func parseIDs(keys []string) ([]int64, error) {
	ids := make([]int64, len(keys))
	for i, k := range keys {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("key %q is not a zendesk id", k)
		}
		ids[i] = id
	}
	return ids, nil
}
