package surveymonkey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// Read reads each requested stream: surveys in full, responses from each
// survey's cursor in the checkpoint. When SurveyMonkey's daily quota is
// spent, Read logs when it resets and returns nil at the last checkpoint:
// the run ends cleanly with what it read, and the next run resumes there.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.Emitter) error {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return err
	}
	client, err := c.client(cfg, cfg.retries())
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	d := newDetails(client, cfg)
	for _, st := range req.Streams {
		switch st.Stream {
		case streamSurveys:
			err = readSurveys(ctx, client, d, cfg, out)
		case streamResponses:
			err = readResponses(ctx, client, d, cfg, st.State, out)
		default:
			err = sdk.ConfigError(fmt.Errorf("read: no stream %q (surveymonkey reads surveys and responses)", st.Stream))
		}
		if q, spent := httpx.IsQuotaExhausted(err); spent {
			sdk.Logger(ctx).Warn(q.Error()+": the read stopped at its last checkpoint; the next run resumes there",
				"stream", st.Stream, "resets_at", q.ResetAt)
			return nil
		}
		if err != nil {
			return readError(err)
		}
	}
	return nil
}

// readError gives a read's failure the kind the core should act on: a
// request SurveyMonkey refuses (which httpx calls a bad record) is a
// configuration problem for a read, such as a survey id it does not know.
func readError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if sdk.KindOf(err) == sdk.KindBadRecord {
		return sdk.ConfigError(err)
	}
	return err
}

// surveyIDs returns the configured surveys, or lists every survey.
func surveyIDs(ctx context.Context, client *httpx.Client, cfg config) ([]string, error) {
	if len(cfg.SurveyIDs) > 0 {
		return cfg.SurveyIDs, nil
	}
	ids, err := listSurveys(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	return ids, nil
}

// listSurveys returns the ids of every survey the token can see (GET
// /surveys, 1000 a page).
func listSurveys(ctx context.Context, client *httpx.Client) ([]string, error) {
	var ids []string
	first := &httpx.Request{Path: "/surveys", Query: url.Values{"per_page": {"1000"}}}
	for resp, err := range client.Pages(ctx, first, httpx.NextURL("links.next")) {
		if err != nil {
			return nil, err
		}
		for _, s := range resp.Get("data").Array() {
			ids = append(ids, s.Get("id").String())
		}
	}
	return ids, nil
}

// readDetails returns the details of a survey a read goes through; a
// survey of survey_ids that SurveyMonkey does not know is a config error
// naming survey_ids.
func readDetails(ctx context.Context, d *details, cfg config, id string) (*survey, error) {
	s, err := d.get(ctx, id)
	if err != nil && httpx.StatusOf(err) == http.StatusNotFound && slices.Contains(cfg.SurveyIDs, id) {
		return nil, unknownSurvey(cfg, id, err)
	}
	return s, err
}

// surveyRecord is a record of the surveys stream.
type surveyRecord struct {
	ID            string           `json:"id"`
	Title         string           `json:"title"`
	ResponseCount int64            `json:"response_count"`
	DateCreated   string           `json:"date_created,omitempty"`
	DateModified  string           `json:"date_modified,omitempty"`
	ScoreKind     string           `json:"score_kind,omitempty"`
	ScoreQuestion string           `json:"score_question,omitempty"`
	Questions     []questionRecord `json:"questions"`
}

type questionRecord struct {
	ID        string `json:"id"`
	Heading   string `json:"heading"`
	Family    string `json:"family"`
	Subtype   string `json:"subtype"`
	ScoreKind string `json:"score_kind,omitempty"`
}

// readSurveys emits every survey read, with its questions, then one
// checkpoint (the stream is read in full each time).
func readSurveys(ctx context.Context, client *httpx.Client, d *details, cfg config, out sdk.Emitter) error {
	ids, err := surveyIDs(ctx, client, cfg)
	if err != nil {
		return err
	}
	for _, id := range ids {
		s, err := readDetails(ctx, d, cfg, id)
		if err != nil {
			return err
		}
		rec := surveyRecord{ID: s.ID, Title: s.Title, ResponseCount: s.ResponseCount, DateCreated: s.DateCreated,
			DateModified: s.DateModified, Questions: []questionRecord{}}
		if s.Score != nil {
			rec.ScoreKind, rec.ScoreQuestion = s.Score.ScoreKind, s.Score.ID
		}
		for _, qid := range s.Order {
			q := s.Questions[qid]
			rec.Questions = append(rec.Questions, questionRecord{ID: q.ID, Heading: q.Heading, Family: q.Family, Subtype: q.Subtype, ScoreKind: q.ScoreKind})
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("encode survey %s: %w", id, err)
		}
		if err := out.Emit(sdk.Record{Stream: streamSurveys, Key: s.ID, Data: data}); err != nil {
			return err
		}
	}
	return out.Checkpoint(streamSurveys, []byte(`{}`))
}
