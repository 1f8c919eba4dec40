package surveymonkey

import (
	"strconv"
	"testing"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
)

// TestScores: every NPS response carries the chosen number as its score and
// the category it falls in, every CSAT response the chosen position, and
// responses of the plain survey carry no score at all; every answer has its
// question's text and the respondent's email is there.
func TestScores(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 9}, nil)
	recs := byKey(e.read(e.config(nil), nil).Records)
	checked := map[string]int{}
	for _, sid := range allSurveys {
		sv, _ := e.sb.Survey(sid)
		for _, x := range e.sb.Responses(sid) {
			r, ok := recs[x.ID]
			if !ok {
				t.Fatalf("response %s not read", x.ID)
			}
			if r.Get("email").String() != x.Email || x.Email == "" {
				t.Errorf("response %s: email %q, want %q", x.ID, r.Get("email").String(), x.Email)
			}
			for _, a := range r.Get("answers").Array() {
				if a.Get("question").String() == "" || a.Get("answer").String() == "" {
					t.Errorf("response %s: answer without its texts: %s", x.ID, a.Raw)
				}
			}
			var chosen sandbox.Choice
			for _, c := range sv.Questions[0].Choices {
				if c.ID == x.Answers[0].ChoiceID {
					chosen = c
				}
			}
			switch sv.Kind {
			case "nps":
				want, _ := strconv.Atoi(chosen.Text)
				cat := "detractor"
				switch {
				case want >= 9:
					cat = "promoter"
				case want >= 7:
					cat = "passive"
				}
				if r.Get("score").Type == 0 || int(r.Get("score").Int()) != want || r.Get("score_kind").String() != "nps" ||
					r.Get("nps_category").String() != cat || r.Get("score_question").String() != sandbox.NPSQuestionID {
					t.Errorf("NPS response %s chose %q: %s, want score %d, nps, %s", x.ID, chosen.Text, r.Raw, want, cat)
				}
			case "csat":
				if int(r.Get("score").Int()) != chosen.Position || r.Get("score_kind").String() != "csat" || r.Get("nps_category").Exists() {
					t.Errorf("CSAT response %s chose %q: score %s kind %s, want %d, csat, no NPS category", x.ID, chosen.Text,
						r.Get("score").Raw, r.Get("score_kind").String(), chosen.Position)
				}
			default:
				if r.Get("score").Exists() || r.Get("score_kind").Exists() || r.Get("nps_category").Exists() {
					t.Errorf("plain survey's response %s has a score: %s", x.ID, r.Raw)
				}
			}
			checked[sv.Kind]++
		}
	}
	if checked["nps"] == 0 || checked["csat"] == 0 || checked[""] == 0 {
		t.Errorf("checked %v: want responses of every kind of survey", checked)
	}
}

// TestScoreOverride: csat_questions makes a question of the plain survey
// the score question (by position); nps_questions on a question whose
// choices are not numbers gives no score rather than a wrong one.
func TestScoreOverride(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 9, NPSResponses: -1, CSATResponses: -1, PlainResponses: 12}, nil)
	recs := e.read(e.config(map[string]any{"survey_ids": []string{sandbox.PlainSurveyID}, "csat_questions": []string{"630000001"}}), nil).Records
	sv, _ := e.sb.Survey(sandbox.PlainSurveyID)
	for _, x := range e.sb.Responses(sandbox.PlainSurveyID) {
		r := byKey(recs)[x.ID]
		c := sv.Questions[0].Choices
		pos := 0
		for _, ch := range c {
			if ch.ID == x.Answers[0].ChoiceID {
				pos = ch.Position
			}
		}
		if r.Get("score_kind").String() != "csat" || int(r.Get("score").Int()) != pos {
			t.Errorf("response %s with csat_questions: %s, want csat score %d", x.ID, r.Raw, pos)
		}
	}
	recs = e.read(e.config(map[string]any{"survey_ids": []string{sandbox.PlainSurveyID}, "nps_questions": []string{"630000001"}}), nil).Records
	for _, r := range recs {
		if byKey(recs)[r.Key].Get("score").Exists() {
			t.Errorf("response %s: a score from choices that are not 0 to 10", r.Key)
		}
	}
}

func TestNPSCategoryBounds(t *testing.T) {
	for score, want := range map[int]string{0: "detractor", 6: "detractor", 7: "passive", 8: "passive", 9: "promoter", 10: "promoter"} {
		if got := npsCategory(score); got != want {
			t.Errorf("npsCategory(%d) = %s, want %s", score, got, want)
		}
	}
}
