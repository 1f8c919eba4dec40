package sandbox

import (
	"strings"
	"time"
)

// SurveyMonkey writes dates with seconds and an offset: 2026-01-20T10:15:00+00:00.
const timeLayout = "2006-01-02T15:04:05-07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// Choice is one choice of a closed question.
type Choice struct {
	ID       string
	Text     string
	Position int
}

// Question is one question of a survey, as /surveys/{id}/details shows it.
type Question struct {
	ID      string
	Heading string
	Family  string // single_choice, matrix, open_ended...
	Subtype string // vertical, rating, single, essay...
	Choices []Choice
}

// Survey is a seeded survey: its kind says which score question it has
// ("nps", "csat", or "" for none).
type Survey struct {
	ID          string
	Title       string
	Kind        string
	CollectorID string
	PageID      string
	Questions   []Question
	Created     time.Time
	Modified    time.Time
}

// Answer is one answer of a response: a choice, or free text.
type Answer struct {
	QuestionID string
	ChoiceID   string
	Text       string
}

// Response is one survey response.
type Response struct {
	ID              string
	SurveyID        string
	CollectorID     string
	Status          string // completed, partial
	Created         time.Time
	Modified        time.Time
	Email           string // the respondent's, in metadata.contact.email (email collectors)
	FirstName       string
	LastName        string
	PersonIndex     int // in the shared People, -1 if none
	CustomVariables map[string]string
	Answers         []Answer
}

// Contact is a contact of a contact list.
type Contact struct {
	ID           string
	Email        string
	FirstName    string
	LastName     string
	CustomFields map[string]string
}

// ContactList is a named list of contacts.
type ContactList struct {
	ID       string
	Name     string
	Contacts []Contact
}

// normEmail is how the sandbox compares emails, as SurveyMonkey does for
// duplicates in a list: trimmed and in lower case.
func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// choice returns the question's choice with id.
func (q Question) choice(id string) (Choice, bool) {
	for _, c := range q.Choices {
		if c.ID == id {
			return c, true
		}
	}
	return Choice{}, false
}
