package surveymonkey

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// question is what a record needs of a survey's question.
type question struct {
	ID      string
	Heading string
	Family  string
	Subtype string
	Choices map[string]choice // by choice id
	// ScoreKind is "nps" or "csat" for the survey's score question, "" for the others.
	ScoreKind string
}

// choice is one choice of a closed question.
type choice struct {
	Text     string
	Position int
}

// survey is a survey's details, as records need them.
type survey struct {
	ID        string
	Title     string
	Questions map[string]*question
	Order     []string // question ids in the survey's order
	// Score is the survey's score question, nil if it has none.
	Score *question
	// raw is the details' summary for the surveys stream.
	ResponseCount int64
	DateCreated   string
	DateModified  string
}

// details fetches surveys' details once per read: the questions' texts and
// which question, if any, holds the score.
type details struct {
	client *httpx.Client
	cfg    config
	byID   map[string]*survey
}

func newDetails(client *httpx.Client, cfg config) *details {
	return &details{client: client, cfg: cfg, byID: map[string]*survey{}}
}

// get returns a survey's details, fetching them the first time.
func (d *details) get(ctx context.Context, id string) (*survey, error) {
	if s := d.byID[id]; s != nil {
		return s, nil
	}
	resp, err := d.client.Get(ctx, "/surveys/"+url.PathEscape(id)+"/details", nil)
	if err != nil {
		return nil, fmt.Errorf("read the details of survey %s: %w", id, err)
	}
	s := parseDetails(resp.JSON(), d.cfg)
	d.byID[id] = s
	return s, nil
}

// parseDetails reads a /surveys/{id}/details body.
func parseDetails(body gjson.Result, cfg config) *survey {
	s := &survey{ID: body.Get("id").String(), Title: body.Get("title").String(), Questions: map[string]*question{},
		ResponseCount: body.Get("response_count").Int(), DateCreated: body.Get("date_created").String(),
		DateModified: body.Get("date_modified").String()}
	for _, page := range body.Get("pages").Array() {
		for _, q := range page.Get("questions").Array() {
			qq := &question{ID: q.Get("id").String(), Heading: q.Get("headings.0.heading").String(),
				Family: q.Get("family").String(), Subtype: q.Get("subtype").String(), Choices: map[string]choice{}}
			for i, c := range q.Get("answers.choices").Array() {
				pos := int(c.Get("position").Int())
				if pos == 0 {
					pos = i + 1
				}
				qq.Choices[c.Get("id").String()] = choice{Text: c.Get("text").String(), Position: pos}
			}
			s.Questions[qq.ID] = qq
			s.Order = append(s.Order, qq.ID)
		}
	}
	s.Score = scoreQuestion(s, cfg)
	return s
}

// scoreQuestion picks the survey's score question: one named by
// nps_questions or csat_questions first, else the first question detected
// as NPS, else the first detected as CSAT.
func scoreQuestion(s *survey, cfg config) *question {
	for _, id := range s.Order {
		q := s.Questions[id]
		switch {
		case slices.Contains(cfg.NPSQuestions, id):
			q.ScoreKind = kindNPS
			return q
		case slices.Contains(cfg.CSATQuestions, id):
			q.ScoreKind = kindCSAT
			return q
		}
	}
	for _, kind := range []string{kindNPS, kindCSAT} {
		for _, id := range s.Order {
			if q := s.Questions[id]; detect(q) == kind {
				q.ScoreKind = kind
				return q
			}
		}
	}
	return nil
}

// detect says what score a question holds by its shape: NPS when its
// choices are exactly the numbers 0 to 10 (or its subtype says nps); CSAT
// when it is a single choice or rating with 3 to 7 choices and its heading
// asks how satisfied.
func detect(q *question) string {
	if q.Subtype == "nps" {
		return kindNPS
	}
	if len(q.Choices) == 11 {
		found := map[string]bool{}
		for _, c := range q.Choices {
			found[strings.TrimSpace(c.Text)] = true
		}
		all := true
		for i := range 11 {
			all = all && found[fmt.Sprint(i)]
		}
		if all {
			return kindNPS
		}
	}
	closed := q.Family == "single_choice" || (q.Family == "matrix" && q.Subtype == "rating")
	if closed && len(q.Choices) >= 3 && len(q.Choices) <= 7 && strings.Contains(strings.ToLower(q.Heading), "satisf") {
		return kindCSAT
	}
	return ""
}
