package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Surveys returns copies of the surveys.
func (s *Sandbox) Surveys() []Survey {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Survey, 0, len(s.surveys))
	for _, sv := range s.surveys {
		out = append(out, *sv)
	}
	return out
}

// Survey returns a copy of the survey with id.
func (s *Sandbox) Survey(id string) (Survey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv := s.survey(id); sv != nil {
		return *sv, true
	}
	return Survey{}, false
}

// Responses returns copies of a survey's responses, in creation order.
func (s *Sandbox) Responses(surveyID string) []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Response, 0, len(s.responses[surveyID]))
	for _, x := range s.responses[surveyID] {
		out = append(out, copyResponse(x))
	}
	return out
}

func copyResponse(x *Response) Response {
	c := *x
	c.Answers = slices.Clone(x.Answers)
	c.CustomVariables = map[string]string{}
	for k, v := range x.CustomVariables {
		c.CustomVariables[k] = v
	}
	return c
}

// Touch marks the responses with ids as modified now (the respondent
// edited them): the first answer with free text gets " (edited)". It
// returns the new date_modified.
func (s *Sandbox) Touch(surveyID string, ids ...string) (time.Time, error) {
	return s.TouchAt(s.opts.Now().Truncate(time.Second), surveyID, ids...)
}

// TouchAt is Touch with the modification stamped at t, so that tests can
// make several responses share a second.
func (s *Sandbox) TouchAt(t time.Time, surveyID string, ids ...string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		x := s.findLocked(surveyID, id)
		if x == nil {
			return time.Time{}, fmt.Errorf("surveymonkey sandbox: survey %s has no response %s", surveyID, id)
		}
		x.Modified = t
		for i := range x.Answers {
			if x.Answers[i].Text != "" {
				x.Answers[i].Text = strings.TrimSuffix(x.Answers[i].Text, " (edited)") + " (edited)"
				break
			}
		}
	}
	return t, nil
}

func (s *Sandbox) findLocked(surveyID, id string) *Response {
	for _, x := range s.responses[surveyID] {
		if x.ID == id {
			return x
		}
	}
	return nil
}

// Add records n new completed responses of a survey, modified now.
func (s *Sandbox) Add(surveyID string, n int) ([]Response, error) {
	return s.AddAt(s.opts.Now().Truncate(time.Second), surveyID, n)
}

// AddAt records n new responses modified at t (all sharing that second).
func (s *Sandbox) AddAt(t time.Time, surveyID string, n int) ([]Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.survey(surveyID)
	if sv == nil {
		return nil, fmt.Errorf("surveymonkey sandbox: no survey %s", surveyID)
	}
	out := make([]Response, 0, n)
	for range n {
		x := s.gen.response(sv, len(s.responses[surveyID]), t)
		s.responses[surveyID] = append(s.responses[surveyID], x)
		out = append(out, copyResponse(x))
	}
	return out, nil
}

// AddResponse records a response with a chosen respondent and score
// (the index of the chosen choice of the survey's first question), for
// tests that need a detractor of their own.
func (s *Sandbox) AddResponse(surveyID, email, first, last string, choice int, comment string) (Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.survey(surveyID)
	if sv == nil || len(sv.Questions) == 0 || choice < 0 || choice >= len(sv.Questions[0].Choices) {
		return Response{}, fmt.Errorf("surveymonkey sandbox: no survey %s with a choice %d in its first question", surveyID, choice)
	}
	t := s.opts.Now().Truncate(time.Second)
	x := s.gen.response(sv, 0, t)
	x.Email, x.FirstName, x.LastName, x.PersonIndex = email, first, last, -1
	x.Answers = []Answer{{QuestionID: sv.Questions[0].ID, ChoiceID: sv.Questions[0].Choices[choice].ID}}
	if comment != "" && len(sv.Questions) > 1 {
		x.Answers = append(x.Answers, Answer{QuestionID: sv.Questions[1].ID, Text: comment})
	}
	s.responses[surveyID] = append(s.responses[surveyID], x)
	return copyResponse(x), nil
}

// Contacts returns copies of a contact list's contacts.
func (s *Sandbox) Contacts(listID string) []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.list(listID)
	if l == nil {
		return nil
	}
	return slices.Clone(l.Contacts)
}

// ContactsByEmail returns the contacts of a list with email, in any case.
func (s *Sandbox) ContactsByEmail(listID, email string) []Contact {
	var out []Contact
	for _, c := range s.Contacts(listID) {
		if normEmail(c.Email) == normEmail(email) {
			out = append(out, c)
		}
	}
	return out
}

// ReplaceResponses replaces a survey's responses with n new ones, spread
// over the past hour with ties, and returns their ids.
func (s *Sandbox) ReplaceResponses(surveyID string, n int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.survey(surveyID)
	if sv == nil {
		return nil, fmt.Errorf("surveymonkey sandbox: no survey %s", surveyID)
	}
	now := s.opts.Now().Truncate(time.Second)
	var ids []string
	s.responses[surveyID] = nil
	for i := range n {
		x := s.gen.response(sv, i, now.Add(-time.Duration(n-i/2)*time.Second)) // pairs share a second
		s.responses[surveyID] = append(s.responses[surveyID], x)
		ids = append(ids, x.ID)
	}
	return ids, nil
}
