package zendesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// ticketEventsPath is Zendesk's time-based incremental ticket event export.
const ticketEventsPath = "/incremental/ticket_events.json"

// readComments reads ticket_comments from the ticket events export
// (include=comment_events), one request per page of up to page_size
// events, from the state raw (see decodeCommentsState; an old per-ticket
// checkpoint is upgraded). Each event's comments are emitted in the
// export's order, then the page is checkpointed. A comment redacted or made
// private is fetched again and emitted as it is now. An export that does
// not advance fails the read (Transient).
func readComments(ctx context.Context, cl *httpx.Client, cfg config, stream string, raw []byte, out sdk.Emitter) error {
	state, err := decodeCommentsState(ctx, raw, cfg.StartTime)
	if err != nil {
		return sdk.ConfigError(fmt.Errorf("read %s: %w", stream, err))
	}
	for {
		query := url.Values{"start_time": {strconv.FormatInt(state.StartTime, 10)},
			"include": {"comment_events"}, "per_page": {strconv.Itoa(cfg.PageSize)}}
		resp, err := cl.Do(ctx, &httpx.Request{Path: ticketEventsPath, Query: query, Bucket: bucketIncremental})
		if err != nil {
			return fmt.Errorf("read zendesk ticket events export: %w", err)
		}
		events := resp.Get("ticket_events")
		if !events.IsArray() {
			return sdk.Transient(errors.New(`read zendesk ticket events export: the answer has no "ticket_events" array`))
		}
		done := resp.Get("end_of_stream").Bool()
		next, fresh := state.advance(events.Array())
		if !done && len(fresh) == 0 {
			return sdk.Transient(fmt.Errorf("read %s: the zendesk ticket events export is not advancing: "+
				"from start_time %d it answered no event not already read, without end_of_stream", stream, state.StartTime))
		}
		recs, err := commentRecords(ctx, cl, stream, fresh)
		if err != nil {
			return err
		}
		if len(recs) > 0 {
			if err := out.Emit(recs...); err != nil {
				return err
			}
		}
		if err := out.Checkpoint(stream, next.encode()); err != nil {
			return err
		}
		if done {
			return nil
		}
		state = next
	}
}

// commentRecords turns a page's events into comment records, in order: each
// Comment (or VoiceComment) child event is a record of the comment, with
// the ticket's id added as ticket_id; a CommentRedactionEvent or
// CommentPrivacyChange is a record of the comment fetched again (it no
// longer reads as the export's older comment event did).
func commentRecords(ctx context.Context, cl *httpx.Client, stream string, events []gjson.Result) ([]sdk.Record, error) {
	type slot struct {
		rec               *sdk.Record // a comment of the export
		ticket, commentID int64       // or a comment to fetch again
	}
	var slots []slot
	refetch := map[int64]bool{}
	for _, ev := range events {
		ticket := ev.Get("ticket_id").Int()
		for _, ch := range ev.Get("child_events").Array() {
			switch kind := ch.Get("event_type").String(); kind {
			case "Comment", "VoiceComment":
				rec, err := exportedComment(stream, ticket, ev, ch)
				if err != nil {
					return nil, err
				}
				slots = append(slots, slot{rec: rec})
			case "CommentRedactionEvent", "CommentPrivacyChange":
				id := ch.Get("comment_id").Int()
				if id == 0 || ticket == 0 {
					continue
				}
				slots = append(slots, slot{ticket: ticket, commentID: id})
				refetch[ticket] = true
			}
		}
	}
	now := map[int64]sdk.Record{} // comments fetched again, by id
	for ticket := range refetch {
		recs, err := ticketComments(ctx, cl, stream, ticket)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			id, _ := strconv.ParseInt(r.Key, 10, 64)
			now[id] = r
		}
	}
	out := make([]sdk.Record, 0, len(slots))
	for _, s := range slots {
		switch r, ok := now[s.commentID]; {
		case s.rec != nil:
			out = append(out, *s.rec)
		case ok: // a comment gone with its ticket has no record
			out = append(out, r)
		}
	}
	return out, nil
}

// exportedComment is the record of a Comment child event: the comment as
// the Comments API shows it (without the event's event_type and
// via_reference_id), with ticket_id added.
func exportedComment(stream string, ticket int64, ev, ch gjson.Result) (*sdk.Record, error) {
	if !ch.Get("body").Exists() && !ch.Get("html_body").Exists() {
		return nil, sdk.Transient(fmt.Errorf("read zendesk ticket events export: comment event %s of ticket %d has no comment "+
			"(the export did not honour include=comment_events)", ch.Get("id").String(), ticket))
	}
	data := []byte(ch.Raw)
	for _, f := range []string{"event_type", "via_reference_id"} {
		if d, err := sjson.DeleteBytes(data, f); err == nil {
			data = d
		}
	}
	at := ch.Get("created_at").String()
	if at == "" {
		at = ev.Get("created_at").String()
	}
	r := &sdk.Record{Stream: stream, Key: ch.Get("id").String(),
		Data: sdk.WithField(data, "ticket_id", strconv.AppendInt(nil, ticket, 10)), UpdatedAt: parseTime(at)}
	if r.Key == "" || ticket == 0 {
		r.Problem = "zendesk comment event without an id or a ticket_id"
	}
	return r, nil
}

// ticketComments returns the comments of one ticket as records, each with
// the ticket's id added as ticket_id; a ticket gone has none.
func ticketComments(ctx context.Context, cl *httpx.Client, stream string, id int64) ([]sdk.Record, error) {
	var recs []sdk.Record
	first := &httpx.Request{Path: "/tickets/" + strconv.FormatInt(id, 10) + "/comments.json"}
	for resp, err := range cl.Pages(ctx, first, httpx.NextURL("next_page")) {
		if err != nil {
			if httpx.StatusOf(err) == http.StatusNotFound {
				return nil, nil // deleted since the export
			}
			return nil, fmt.Errorf("read comments of zendesk ticket %d: %w", id, err)
		}
		for _, c := range resp.Get("comments").Array() {
			recs = append(recs, sdk.Record{Stream: stream, Key: c.Get("id").String(),
				Data: sdk.WithField([]byte(c.Raw), "ticket_id", strconv.AppendInt(nil, id, 10)), UpdatedAt: parseTime(c.Get("created_at").String())})
		}
	}
	return recs, nil
}
