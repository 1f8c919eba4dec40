package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// Read reads each requested stream from its checkpoint: users and tickets
// from their cursor-based incremental exports (each page ends with a
// checkpoint: the export's after_cursor), ticket_comments from the
// time-based ticket events export (read_comments.go). An export that stops
// advancing fails the read (Transient).
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return err
	}
	cl, err := c.client(cfg, false)
	if err != nil {
		return err
	}
	for _, st := range req.Streams {
		if st.Stream == StreamTicketComments {
			if err := readComments(ctx, cl, cfg, st.Stream, st.State, out); err != nil {
				return err
			}
			continue
		}
		state, err := decodeState(st.State, cfg.StartTime)
		if err != nil {
			return sdk.ConfigError(fmt.Errorf("read %s: %w", st.Stream, err))
		}
		switch st.Stream {
		case StreamUsers:
			err = readExport(ctx, cl, cfg, st.Stream, "users", state, out, func(items []gjson.Result) error {
				return out.Emit(exportRecords(st.Stream, items, userDeleted)...)
			})
		case StreamTickets:
			err = readExport(ctx, cl, cfg, st.Stream, "tickets", state, out, func(items []gjson.Result) error {
				return out.Emit(exportRecords(st.Stream, items, ticketDeleted)...)
			})
		default:
			err = sdk.ConfigError(fmt.Errorf("read: no stream %q (zendesk has users, tickets and ticket_comments)", st.Stream))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// exportState is a stream's checkpoint: the export's after_cursor, or
// before the first page, the start_time to begin at.
type exportState struct {
	Cursor    string `json:"cursor,omitempty"`
	StartTime int64  `json:"start_time,omitempty"`
}

// decodeState reads a checkpoint; nil means from startTime. A state that is
// not a JSON object is taken for a bare after_cursor.
func decodeState(raw []byte, startTime int64) (exportState, error) {
	if len(raw) == 0 {
		return exportState{StartTime: startTime}, nil
	}
	if raw[0] != '{' {
		return exportState{Cursor: strings.TrimSpace(string(raw))}, nil
	}
	var s exportState
	if err := json.Unmarshal(raw, &s); err != nil {
		return exportState{}, fmt.Errorf("checkpoint %q is not one this connector wrote: %w", raw, err)
	}
	return s, nil
}

func (s exportState) encode() []byte {
	b, _ := json.Marshal(s) // a struct of a string and an int: cannot fail
	return b
}

// query is the export request's query for this state.
func (s exportState) query(pageSize int) url.Values {
	q := url.Values{"per_page": {strconv.Itoa(pageSize)}}
	if s.Cursor != "" {
		q.Set("cursor", s.Cursor)
	} else {
		q.Set("start_time", strconv.FormatInt(s.StartTime, 10))
	}
	return q
}

// readExport pages through the incremental export of kind ("users",
// "tickets") from state until end_of_stream. onPage gets each page's items;
// after it returns, the page's after_cursor is checkpointed for stream.
// Requests are paced in the incremental bucket. An export that does not
// advance (a page before the end of the stream whose after_cursor was
// already asked for in this read, its own request's cursor included) fails
// the read as Transient rather than asking for the same page forever.
func readExport(ctx context.Context, cl *httpx.Client, cfg config, stream, kind string, state exportState,
	out sdk.Emitter, onPage func([]gjson.Result) error) error {
	path := "/incremental/" + kind + "/cursor.json"
	asked := map[string]bool{}
	for {
		if state.Cursor != "" {
			asked[state.Cursor] = true
		}
		query := state.query(cfg.PageSize)
		if kind == "tickets" {
			query.Set("include", "users") // each ticket's requester (read_requesters.go)
		}
		resp, err := cl.Do(ctx, &httpx.Request{Path: path, Query: query, Bucket: bucketIncremental})
		if err != nil {
			return fmt.Errorf("read zendesk %s export: %w", kind, err)
		}
		items := resp.Get(kind)
		if !items.IsArray() {
			return sdk.Transient(fmt.Errorf("read zendesk %s export: the answer has no %q array", kind, kind))
		}
		cursor := resp.Get("after_cursor").String()
		done := resp.Get("end_of_stream").Bool()
		switch {
		case cursor == "" && !done:
			return sdk.Transient(fmt.Errorf("read zendesk %s export: a page without after_cursor before the end of the stream", kind))
		case asked[cursor] && !done:
			return sdk.Transient(fmt.Errorf("read %s: the zendesk %s export is not advancing: "+
				"it answered after_cursor %q, already asked for, without end_of_stream", stream, kind, cursor))
		}
		page := items.Array()
		if kind == "tickets" {
			page = withRequesters(page, resp.Get("users"))
		}
		if err := onPage(page); err != nil {
			return err
		}
		if cursor != "" {
			state = exportState{Cursor: cursor}
		}
		if err := out.Checkpoint(stream, state.encode()); err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// exportRecords turns export items into records of stream; deleted says
// which items are deletions.
func exportRecords(stream string, items []gjson.Result, deleted func(gjson.Result) bool) []sdk.Record {
	out := make([]sdk.Record, 0, len(items))
	for _, it := range items {
		r := sdk.Record{Stream: stream, Key: it.Get("id").String(), Data: []byte(it.Raw),
			UpdatedAt: parseTime(it.Get("updated_at").String())}
		if deleted(it) {
			r.Op = sdk.Delete
		}
		if r.Key == "" {
			r.Problem = "zendesk export item without an id"
		}
		out = append(out, r)
	}
	return out
}

// ticketDeleted: the ticket export lists deleted tickets with status "deleted".
func ticketDeleted(t gjson.Result) bool { return t.Get("status").String() == "deleted" }

// userDeleted: the user export lists deleted users with active false.
func userDeleted(u gjson.Result) bool {
	a := u.Get("active")
	return a.Exists() && a.Type == gjson.False
}

// parseTime reads Zendesk's RFC 3339 times; a bad one gives the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
