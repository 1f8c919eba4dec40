package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// The seeded surveys' ids.
const (
	NPSSurveyID   = "400000001"
	CSATSurveyID  = "400000002"
	PlainSurveyID = "400000003"
	// ContactListID is the seeded contact list, the next survey's audience.
	ContactListID = "500000001"
)

// Question ids of the seeded surveys' score questions.
const (
	NPSQuestionID  = "610000001"
	CSATQuestionID = "620000001"
)

// seedPeople is how much of the shared population answers surveys: the
// first people are the HubSpot sandbox's contacts, and every other one of
// them a Zendesk sandbox user too.
const seedPeople = 600

func numbered(n int, prefix string) []Choice {
	out := make([]Choice, n)
	for i := range out {
		out[i] = Choice{ID: fmt.Sprintf("%s%02d", prefix, i), Text: strconv.Itoa(i), Position: i + 1}
	}
	return out
}

// seedSurveys returns the three surveys: an NPS survey (a 0-10 matrix
// rating and a comment), a CSAT survey (a five-point satisfaction choice
// and a comment) and a plain one (a choice and a comment).
func seedSurveys(now time.Time) []*Survey {
	created := now.AddDate(0, -6, 0).Truncate(time.Second)
	nps := &Survey{ID: NPSSurveyID, Title: "How likely are you to recommend us?", Kind: "nps", CollectorID: "710000001", PageID: "810000001",
		Questions: []Question{
			{ID: NPSQuestionID, Heading: "How likely is it that you would recommend Northwind to a friend or colleague?",
				Family: "matrix", Subtype: "rating", Choices: numbered(11, "61100")},
			{ID: "610000002", Heading: "What is the main reason for your score?", Family: "open_ended", Subtype: "essay"},
		}}
	csatChoices := []Choice{{"62100001", "Very dissatisfied", 1}, {"62100002", "Dissatisfied", 2}, {"62100003", "Neutral", 3},
		{"62100004", "Satisfied", 4}, {"62100005", "Very satisfied", 5}}
	csat := &Survey{ID: CSATSurveyID, Title: "Support satisfaction", Kind: "csat", CollectorID: "710000002", PageID: "810000002",
		Questions: []Question{
			{ID: CSATQuestionID, Heading: "How satisfied are you with the support you received?", Family: "single_choice",
				Subtype: "vertical", Choices: csatChoices},
			{ID: "620000002", Heading: "Anything else you would like to tell us?", Family: "open_ended", Subtype: "essay"},
		}}
	plain := &Survey{ID: PlainSurveyID, Title: "Product feedback", CollectorID: "710000003", PageID: "810000003",
		Questions: []Question{
			{ID: "630000001", Heading: "Which feature do you use most?", Family: "single_choice", Subtype: "vertical",
				Choices: []Choice{{"63100001", "Reports", 1}, {"63100002", "Dashboards", 2}, {"63100003", "Alerts", 3}}},
			{ID: "630000002", Heading: "What should we build next?", Family: "open_ended", Subtype: "essay"},
		}}
	for _, s := range []*Survey{nps, csat, plain} {
		s.Created, s.Modified = created, created
	}
	return []*Survey{nps, csat, plain}
}

var comments = []string{"Great service, thank you.", "The delivery took far too long.", "Support solved it on the first call.",
	"Billing is confusing.", "Love the new dashboard.", "Nobody answered my emails.", "Fine overall.", "The app keeps crashing."}

// seeder makes responses, deterministic for a seed.
type seeder struct {
	rng    *rand.Rand
	people []kit.Person
	nextID int
}

func newSeeder(seed uint64) *seeder {
	return &seeder{rng: rand.New(rand.NewPCG(seed, 0x5e77e7)), people: kit.People(seed, seedPeople), nextID: 1100000001}
}

// response makes a completed response of survey s by the n-th respondent,
// modified at t.
func (g *seeder) response(s *Survey, n int, t time.Time) *Response {
	p := g.people[(n*7+int(s.ID[len(s.ID)-1]-'0')*3)%len(g.people)]
	r := &Response{ID: strconv.Itoa(g.nextID), SurveyID: s.ID, CollectorID: s.CollectorID, Status: "completed",
		Created: t.Add(-time.Duration(1+g.rng.IntN(600)) * time.Second), Modified: t,
		Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, PersonIndex: p.Index,
		CustomVariables: map[string]string{}}
	g.nextID++
	for _, q := range s.Questions {
		if len(q.Choices) > 0 {
			c := q.Choices[g.pick(s.Kind, len(q.Choices))]
			r.Answers = append(r.Answers, Answer{QuestionID: q.ID, ChoiceID: c.ID})
		} else if g.rng.IntN(3) > 0 {
			r.Answers = append(r.Answers, Answer{QuestionID: q.ID, Text: comments[g.rng.IntN(len(comments))]})
		}
	}
	return r
}

// pick draws a choice index, skewed towards the top of a score scale with
// a real share of detractors.
func (g *seeder) pick(kind string, n int) int {
	if kind == "" {
		return g.rng.IntN(n)
	}
	if g.rng.IntN(3) == 0 {
		return g.rng.IntN(n / 2) // a low score
	}
	return n/2 + g.rng.IntN(n-n/2)
}

// seedResponses makes n responses of s over the month before now, several
// sharing each second.
func (g *seeder) seedResponses(s *Survey, n int, now time.Time) []*Response {
	out := make([]*Response, 0, n)
	t := now.AddDate(0, -1, 0).Truncate(time.Second)
	for i := range n {
		if i == 0 || g.rng.IntN(3) == 0 { // a third of the responses share their second with the one before
			t = t.Add(time.Duration(1+g.rng.IntN(3600)) * time.Second)
		}
		out = append(out, g.response(s, i, t))
	}
	return out
}
