package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// TimeFormat is how Zendesk writes times: UTC, to the second.
const TimeFormat = "2006-01-02T15:04:05Z"

// User is a Zendesk user as the sandbox holds it.
type User struct {
	ID         int64
	Name       string
	Email      string // as stored; seeded users vary case and spaces
	Phone      string
	ExternalID string
	Role       string // "end-user", "agent" or "admin"
	TimeZone   string
	Locale     string
	Tags       []string
	Notes      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// PersonIndex is the user's index in kit.People, or -1 for a user made
	// through the API or by an edit.
	PersonIndex int
}

// Ticket is a Zendesk ticket as the sandbox holds it.
type Ticket struct {
	ID          int64
	ExternalID  string
	Subject     string
	Description string // the first comment's body
	Status      string // new, open, pending, hold, solved, closed
	Priority    string // "" (none), low, normal, high, urgent
	Type        string // "" (none), question, incident, problem, task
	RequesterID int64
	SubmitterID int64
	AssigneeID  int64 // 0: unassigned
	Tags        []string
	Channel     string // via.channel: web, email, api
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Comment is a ticket comment as the sandbox holds it.
type Comment struct {
	ID        int64
	TicketID  int64
	AuthorID  int64
	Body      string
	Public    bool
	CreatedAt time.Time
	// AuditID is the id of the audit that added the comment.
	AuditID int64
}

// Statuses are the ticket statuses Zendesk accepts, in lifecycle order.
var statuses = []string{"new", "open", "pending", "hold", "solved", "closed"}

func validStatus(s string) bool { return slices.Contains(statuses, s) }

func validPriority(p string) bool {
	return p == "" || slices.Contains([]string{"low", "normal", "high", "urgent"}, p)
}

// clone copies the slices of a user, so callers cannot change the sandbox's.
func (u User) clone() User { u.Tags = slices.Clone(u.Tags); return u }

func (t Ticket) clone() Ticket { t.Tags = slices.Clone(t.Tags); return t }

// userJSON is a user in Zendesk's JSON shape.
type userJSON struct {
	ID                 int64          `json:"id"`
	URL                string         `json:"url"`
	Name               string         `json:"name"`
	Email              *string        `json:"email"`
	CreatedAt          string         `json:"created_at"`
	UpdatedAt          string         `json:"updated_at"`
	TimeZone           string         `json:"time_zone"`
	IANATimeZone       string         `json:"iana_time_zone"`
	Phone              *string        `json:"phone"`
	SharedPhoneNumber  *bool          `json:"shared_phone_number"`
	Photo              any            `json:"photo"`
	LocaleID           int            `json:"locale_id"`
	Locale             string         `json:"locale"`
	OrganizationID     *int64         `json:"organization_id"`
	Role               string         `json:"role"`
	Verified           bool           `json:"verified"`
	ExternalID         *string        `json:"external_id"`
	Tags               []string       `json:"tags"`
	Alias              *string        `json:"alias"`
	Active             bool           `json:"active"`
	Shared             bool           `json:"shared"`
	SharedAgent        bool           `json:"shared_agent"`
	LastLoginAt        *string        `json:"last_login_at"`
	Details            string         `json:"details"`
	Notes              string         `json:"notes"`
	Moderator          bool           `json:"moderator"`
	TicketRestriction  *string        `json:"ticket_restriction"`
	OnlyPrivateComment bool           `json:"only_private_comments"`
	RestrictedAgent    bool           `json:"restricted_agent"`
	Suspended          bool           `json:"suspended"`
	UserFields         map[string]any `json:"user_fields"`
}

// ticketJSON is a ticket in Zendesk's JSON shape.
type ticketJSON struct {
	URL                string         `json:"url"`
	ID                 int64          `json:"id"`
	ExternalID         *string        `json:"external_id"`
	Via                map[string]any `json:"via"`
	CreatedAt          string         `json:"created_at"`
	UpdatedAt          string         `json:"updated_at"`
	GeneratedTimestamp int64          `json:"generated_timestamp"`
	Type               *string        `json:"type"`
	Subject            string         `json:"subject"`
	RawSubject         string         `json:"raw_subject"`
	Description        string         `json:"description"`
	Priority           *string        `json:"priority"`
	Status             string         `json:"status"`
	Recipient          *string        `json:"recipient"`
	RequesterID        int64          `json:"requester_id"`
	SubmitterID        int64          `json:"submitter_id"`
	AssigneeID         *int64         `json:"assignee_id"`
	OrganizationID     *int64         `json:"organization_id"`
	GroupID            *int64         `json:"group_id"`
	CollaboratorIDs    []int64        `json:"collaborator_ids"`
	FollowerIDs        []int64        `json:"follower_ids"`
	HasIncidents       bool           `json:"has_incidents"`
	IsPublic           bool           `json:"is_public"`
	DueAt              *string        `json:"due_at"`
	Tags               []string       `json:"tags"`
	CustomFields       []any          `json:"custom_fields"`
	SatisfactionRating any            `json:"satisfaction_rating"`
	AllowChannelback   bool           `json:"allow_channelback"`
	AllowAttachments   bool           `json:"allow_attachments"`
}

// commentJSON is a comment in Zendesk's JSON shape.
type commentJSON struct {
	ID          int64          `json:"id"`
	Type        string         `json:"type"`
	AuthorID    int64          `json:"author_id"`
	Body        string         `json:"body"`
	HTMLBody    string         `json:"html_body"`
	PlainBody   string         `json:"plain_body"`
	Public      bool           `json:"public"`
	Attachments []any          `json:"attachments"`
	AuditID     int64          `json:"audit_id"`
	Via         map[string]any `json:"via"`
	CreatedAt   string         `json:"created_at"`
	Metadata    map[string]any `json:"metadata"`
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func formatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// render gives the user's JSON shape; base is the API's base URL
// ("http://127.0.0.1:1234/api/v2").
func (u User) render(base string) userJSON {
	tags := u.Tags
	if tags == nil {
		tags = []string{}
	}
	restriction := "requested"
	return userJSON{
		ID: u.ID, URL: fmt.Sprintf("%s/users/%d.json", base, u.ID), Name: u.Name,
		Email: nullString(u.Email), CreatedAt: formatTime(u.CreatedAt), UpdatedAt: formatTime(u.UpdatedAt),
		TimeZone: u.TimeZone, IANATimeZone: ianaZone(u.TimeZone), Phone: nullString(u.Phone),
		LocaleID: 1, Locale: u.Locale, Role: u.Role, Verified: true, ExternalID: nullString(u.ExternalID),
		Tags: tags, Active: true, Notes: u.Notes, TicketRestriction: &restriction,
		RestrictedAgent: u.Role == "end-user", UserFields: map[string]any{},
	}
}

func (t Ticket) render(base string) ticketJSON {
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	return ticketJSON{
		URL: fmt.Sprintf("%s/tickets/%d.json", base, t.ID), ID: t.ID, ExternalID: nullString(t.ExternalID),
		Via:       map[string]any{"channel": t.Channel, "source": map[string]any{"from": map[string]any{}, "to": map[string]any{}, "rel": nil}},
		CreatedAt: formatTime(t.CreatedAt), UpdatedAt: formatTime(t.UpdatedAt), GeneratedTimestamp: t.UpdatedAt.Unix(),
		Type: nullString(t.Type), Subject: t.Subject, RawSubject: t.Subject, Description: t.Description,
		Priority: nullString(t.Priority), Status: t.Status, RequesterID: t.RequesterID, SubmitterID: t.SubmitterID,
		AssigneeID: nullID(t.AssigneeID), CollaboratorIDs: []int64{}, FollowerIDs: []int64{}, IsPublic: true,
		Tags: tags, CustomFields: []any{}, AllowAttachments: true,
	}
}

func (c Comment) render() commentJSON {
	html := "<div class=\"zd-comment\" dir=\"auto\"><p>" + strings.ReplaceAll(c.Body, "\n", "<br>") + "</p></div>"
	return commentJSON{
		ID: c.ID, Type: "Comment", AuthorID: c.AuthorID, Body: c.Body, HTMLBody: html, PlainBody: c.Body,
		Public: c.Public, Attachments: []any{}, AuditID: c.AuditID, Via: map[string]any{"channel": "web"},
		CreatedAt: formatTime(c.CreatedAt), Metadata: map[string]any{"system": map[string]any{}, "custom": map[string]any{}},
	}
}

// ianaZone gives the IANA name of the Rails time zone names seeded users carry.
func ianaZone(z string) string {
	switch z {
	case "London":
		return "Europe/London"
	case "Paris":
		return "Europe/Paris"
	case "Berlin":
		return "Europe/Berlin"
	case "Eastern Time (US & Canada)":
		return "America/New_York"
	case "Madrid":
		return "Europe/Madrid"
	case "Amsterdam":
		return "Europe/Amsterdam"
	case "Sydney":
		return "Australia/Sydney"
	}
	return "Etc/UTC"
}
