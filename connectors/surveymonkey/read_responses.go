package surveymonkey

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// readResponses reads each survey's responses modified since its cursor,
// in order of date_modified, and checkpoints every survey's cursor after
// each page.
func readResponses(ctx context.Context, client *httpx.Client, d *details, cfg config, raw []byte, out sdk.Emitter) error {
	state, err := decodeState(raw)
	if err != nil {
		return sdk.ConfigError(fmt.Errorf("read responses: %w", err))
	}
	ids, err := surveyIDs(ctx, client, cfg)
	if err != nil {
		return err
	}
	for _, id := range ids {
		cur := state.Surveys[id]
		if cur == nil {
			cur = &cursor{}
			state.Surveys[id] = cur
		}
		r := &surveyReader{cfg: cfg, id: id, cur: cur,
			details: func() (*survey, error) { return readDetails(ctx, d, cfg, id) }}
		for resp, err := range client.Pages(ctx, r.first(), r.next) {
			if err != nil {
				if httpx.StatusOf(err) == http.StatusNotFound && slices.Contains(cfg.SurveyIDs, id) {
					return unknownSurvey(cfg, id, err)
				}
				return fmt.Errorf("read responses of survey %s: %w", id, err)
			}
			recs, err := r.page(resp)
			if err != nil {
				return err
			}
			if err := out.Emit(recs...); err != nil {
				return err
			}
			if err := out.Checkpoint(streamResponses, state.encode()); err != nil {
				return err
			}
		}
	}
	return nil
}

// surveyReader pages through one survey's responses from its cursor.
//
// SurveyMonkey pages the bulk endpoint by page number, so a response
// modified while a read pages moves to the end of the order and the ones
// after it shift back by one: following links.next alone could then skip
// the first response of the next page for good. So a page that moved the
// cursor to a later second is followed by a new query from that second
// (keyset paging); links.next is followed only while the cursor stays in
// the second the query started at (more responses share it than a page
// holds). Each query starts one second before the cursor, whether
// start_modified_at is inclusive or not, and responses the cursor covers
// (before its second, or at it and in its ids) are skipped: no gap and no
// repeat, ties included.
//
// The survey's details (question texts, score question) are fetched for
// the first page that has a response to emit, not before: a read that
// finds nothing new costs one request per survey, which matters against
// SurveyMonkey's daily quota.
type surveyReader struct {
	cfg     config
	id      string
	cur     *cursor
	queryAt string // the cursor's At when the current query was sent
	// details fetches the survey's details (cached by the read).
	details func() (*survey, error)
}

// first is the query from the cursor (or from start_modified_at).
func (r *surveyReader) first() *httpx.Request {
	q := url.Values{"per_page": {strconv.Itoa(r.cfg.PerPage)}, "sort_by": {"date_modified"}, "sort_order": {"ASC"}}
	from := r.cfg.start
	if r.cur.At != "" {
		from = r.cur.at().Add(-time.Second)
	}
	if !from.IsZero() {
		q.Set("start_modified_at", from.UTC().Format("2006-01-02T15:04:05"))
	}
	r.queryAt = r.cur.At
	return &httpx.Request{Path: "/surveys/" + url.PathEscape(r.id) + "/responses/bulk", Query: q}
}

// next is a new query when the page moved the cursor to a later second,
// else the page's links.next; nil after the last page.
func (r *surveyReader) next(prev *httpx.Request, resp *httpx.Response) (*httpx.Request, error) {
	if resp.Get("links.next").String() == "" {
		return nil, nil
	}
	if r.cur.At != r.queryAt {
		return r.first(), nil
	}
	return httpx.NextURL("links.next")(prev, resp)
}

// page returns the records of a page's responses the cursor does not cover,
// and moves the cursor past them.
func (r *surveyReader) page(resp *httpx.Response) ([]sdk.Record, error) {
	var recs []sdk.Record
	var s *survey
	for _, item := range resp.Get("data").Array() {
		if t, err := parseSurveyTime(item.Get("date_modified").String()); err == nil {
			if key := item.Get("id").String(); key != "" && r.cur.covers(key, t) {
				continue // read before: no need of the details
			}
		}
		if s == nil {
			var err error
			if s, err = r.details(); err != nil {
				return nil, err
			}
		}
		rec := buildRecord(streamResponses, item, s)
		if rec.Problem != "" {
			recs = append(recs, rec)
			continue
		}
		r.cur.advance(rec.Key, rec.UpdatedAt)
		recs = append(recs, rec)
	}
	return recs, nil
}
