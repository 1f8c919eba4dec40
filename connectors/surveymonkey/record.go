package surveymonkey

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// responseRecord is a response record's data: the response as SurveyMonkey
// answers it, made readable.
type responseRecord struct {
	ID             string          `json:"id"`
	SurveyID       string          `json:"survey_id"`
	SurveyTitle    string          `json:"survey_title"`
	CollectorID    string          `json:"collector_id,omitempty"`
	ResponseStatus string          `json:"response_status"`
	DateCreated    string          `json:"date_created"`
	DateModified   string          `json:"date_modified"`
	Email          string          `json:"email,omitempty"`
	FirstName      string          `json:"first_name,omitempty"`
	LastName       string          `json:"last_name,omitempty"`
	Score          *int            `json:"score,omitempty"`
	ScoreKind      string          `json:"score_kind,omitempty"`
	ScoreQuestion  string          `json:"score_question,omitempty"`
	NPSCategory    string          `json:"nps_category,omitempty"`
	Comment        string          `json:"comment,omitempty"`
	Answers        []answerRecord  `json:"answers"`
	CustomVars     json.RawMessage `json:"custom_variables,omitempty"`
	AnalyzeURL     string          `json:"analyze_url,omitempty"`
}

// answerRecord is one answer with its question's text.
type answerRecord struct {
	QuestionID string `json:"question_id"`
	Question   string `json:"question"`
	Family     string `json:"family,omitempty"`
	ChoiceID   string `json:"choice_id,omitempty"`
	Answer     string `json:"answer"`
}

// surveyTimeLayout is how SurveyMonkey writes dates: 2026-01-20T10:15:00+00:00.
const surveyTimeLayout = "2006-01-02T15:04:05-07:00"

// parseSurveyTime reads a SurveyMonkey date (RFC 3339 with an offset, as
// SurveyMonkey writes it, or without one, taken as UTC).
func parseSurveyTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, surveyTimeLayout, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is not one SurveyMonkey writes", s)
}

// respondent finds the respondent's email and names where SurveyMonkey
// puts them: the contact in metadata (email invitation collectors), the
// response's own fields, or custom variables named email, first_name,
// last_name (web links that pass them).
func respondent(r gjson.Result) (email, first, last string) {
	pick := func(paths ...string) string {
		for _, p := range paths {
			if v := strings.TrimSpace(r.Get(p).String()); v != "" {
				return v
			}
		}
		return ""
	}
	email = pick("metadata.contact.email.value", "email_address", "custom_variables.email", "custom_variables.Email", "custom_variables.EMAIL")
	first = pick("metadata.contact.first_name.value", "first_name", "custom_variables.first_name")
	last = pick("metadata.contact.last_name.value", "last_name", "custom_variables.last_name")
	return email, first, last
}

// buildRecord turns a response into a record of stream with the survey's
// texts and score. A response that cannot be read is a problem record.
func buildRecord(stream string, r gjson.Result, s *survey) sdk.Record {
	rec := sdk.Record{Stream: stream, Key: r.Get("id").String()}
	modified := r.Get("date_modified").String()
	at, err := parseSurveyTime(modified)
	switch {
	case rec.Key == "":
		rec.Problem = fmt.Sprintf("a response of survey %s without an id", s.ID)
	case err != nil:
		rec.Problem = fmt.Sprintf("response %s of survey %s: date_modified: %v", rec.Key, s.ID, err)
	}
	if rec.Problem != "" {
		rec.Data = []byte(r.Raw)
		return rec
	}
	rec.UpdatedAt = at
	out := responseRecord{ID: rec.Key, SurveyID: s.ID, SurveyTitle: s.Title, CollectorID: r.Get("collector_id").String(),
		ResponseStatus: r.Get("response_status").String(), DateCreated: r.Get("date_created").String(), DateModified: modified,
		Answers: []answerRecord{}, AnalyzeURL: r.Get("analyze_url").String()}
	out.Email, out.FirstName, out.LastName = respondent(r)
	if cv := r.Get("custom_variables"); cv.IsObject() {
		out.CustomVars = json.RawMessage(cv.Raw)
	}
	for _, page := range r.Get("pages").Array() {
		for _, qa := range page.Get("questions").Array() {
			qid := qa.Get("id").String()
			q := s.Questions[qid]
			if q == nil {
				q = &question{ID: qid, Heading: qa.Get("heading").String(), Choices: map[string]choice{}}
			}
			for _, a := range qa.Get("answers").Array() {
				ar := answerRecord{QuestionID: qid, Question: q.Heading, Family: q.Family, ChoiceID: a.Get("choice_id").String()}
				switch {
				case ar.ChoiceID != "":
					ar.Answer = q.Choices[ar.ChoiceID].Text
					if ar.Answer == "" {
						ar.Answer = a.Get("simple_text").String()
					}
					if q == s.Score && out.Score == nil {
						if n, ok := scoreOf(q, ar.ChoiceID); ok {
							out.Score, out.ScoreKind, out.ScoreQuestion = &n, q.ScoreKind, q.ID
							if q.ScoreKind == kindNPS {
								out.NPSCategory = npsCategory(n)
							}
						}
					}
				default:
					ar.Answer = a.Get("text").String()
					if out.Comment == "" && ar.Answer != "" {
						out.Comment = ar.Answer
					}
				}
				out.Answers = append(out.Answers, ar)
			}
		}
	}
	data, err := json.Marshal(out)
	if err != nil { // strings and raw JSON from a parsed body: cannot happen
		rec.Problem = fmt.Sprintf("encode response %s: %v", rec.Key, err)
		data = []byte(r.Raw)
	}
	rec.Data = data
	return rec
}
