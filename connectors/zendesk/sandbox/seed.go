package sandbox

import (
	"math/rand/v2"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// First ids of seeded and created objects: large, like Zendesk's.
const (
	firstAgentID   int64 = 361000000001
	firstUserID    int64 = 1900000000001
	firstTicketID  int64 = 35436
	firstCommentID int64 = 40000000001
)

// hubspotPeople is how many kit.People the HubSpot sandbox seeds as
// contacts: odd users are people past them, so only even users are shared.
const hubspotPeople = 5000

// agents are the seeded staff; the first is the account's admin, whose
// email is the sandbox's login.
var agents = []struct{ name, email string }{
	{"Ops Admin", ""}, // email filled from Options.Email
	{"Priya Raman", "priya.raman@support.example"},
	{"Tom Okafor", "tom.okafor@support.example"},
	{"Lena Vogel", "lena.vogel@support.example"},
	{"Marco Silva", "marco.silva@support.example"},
}

var ticketTopics = []struct{ subject, body string }{
	{"Printer on floor 3 is jammed", "The printer keeps jamming on every second page. Could someone take a look?"},
	{"Cannot log in to the portal", "I reset my password twice and still get 'invalid credentials'."},
	{"Invoice shows the wrong amount", "My last invoice charged me for 12 seats but we only have 10."},
	{"Order has not arrived", "My order was due last Tuesday and the tracking link has not changed since."},
	{"Request for a refund", "The item arrived damaged. I would like a refund rather than a replacement."},
	{"How do I export my data?", "Is there a way to export all our records to CSV?"},
	{"App crashes on start", "Since the last update the mobile app closes as soon as I open it."},
	{"Change billing address", "We moved offices; please update the billing address on our account."},
	{"Feature request: dark mode", "Our team works late and would love a dark theme."},
	{"Two-factor codes not received", "The SMS with the code never arrives on my phone."},
	{"Wrong size delivered", "I ordered a medium and received a large."},
	{"Cancel my subscription", "Please cancel our subscription at the end of this billing period."},
}

var replies = []string{
	"Thanks for reaching out! We are looking into it and will get back to you shortly.",
	"Could you send us a screenshot of the error, please?",
	"Here is the screenshot you asked for.",
	"We have fixed the issue on our side. Could you try again?",
	"It works now, thank you!",
	"Internal: escalated to the second line.",
	"Any update on this?",
}

var zoneOfCity = map[string]string{
	"London": "London", "Paris": "Paris", "Berlin": "Berlin", "New York": "Eastern Time (US & Canada)",
	"Toronto": "Eastern Time (US & Canada)", "Madrid": "Madrid", "Amsterdam": "Amsterdam", "Sydney": "Sydney",
}

// seed fills the store with agents, opts.Users end users and opts.Tickets
// tickets with 1–4 comments each, dated in the year before now. The caller
// holds s.mu.
func (s *Sandbox) seed(users, tickets int, now time.Time) {
	rng := rand.New(rand.NewPCG(s.opts.Seed, 0x2e4d35c))
	now = now.Truncate(time.Second)
	yearAgo := now.AddDate(-1, 0, 0)
	for i, a := range agents {
		email := a.email
		role := "agent"
		if i == 0 {
			email, role = s.opts.Email, "admin"
		}
		s.putUser(&User{ID: firstAgentID + int64(i), Name: a.name, Email: email, Role: role,
			TimeZone: "London", Locale: "en-US", CreatedAt: yearAgo, UpdatedAt: yearAgo, PersonIndex: -1})
	}
	people := kit.People(s.opts.Seed, hubspotPeople+users)
	endUsers := make([]int64, 0, users)
	for j := range users {
		p := people[hubspotPeople+j]
		email := p.Email
		if j%2 == 0 {
			p = people[j]
			email = kit.EmailVariant(p.Email, j/2)
		}
		created := randomTime(rng, yearAgo, now.Add(-2*time.Minute))
		updated := randomTime(rng, created, now.Add(-2*time.Minute))
		u := &User{ID: firstUserID + int64(j), Name: p.FirstName + " " + p.LastName, Email: email,
			Phone: p.Phone, Role: "end-user", TimeZone: zoneOfCity[p.City], Locale: "en-US",
			Tags: []string{"customer"}, CreatedAt: created, UpdatedAt: updated, PersonIndex: p.Index}
		s.putUser(u)
		endUsers = append(endUsers, u.ID)
	}
	s.nextUserID = firstUserID + int64(users)
	s.nextTicketID, s.nextCommentID = firstTicketID, firstCommentID
	for range tickets {
		if len(endUsers) == 0 {
			break
		}
		s.seedTicket(rng, endUsers[rng.IntN(len(endUsers))], yearAgo, now)
	}
}

// seedTicket adds one ticket with its comments; the last comment's time is
// the ticket's updated_at.
func (s *Sandbox) seedTicket(rng *rand.Rand, requester int64, from, now time.Time) {
	topic := ticketTopics[rng.IntN(len(ticketTopics))]
	created := randomTime(rng, from, now.Add(-3*time.Minute))
	agent := firstAgentID + 1 + int64(rng.IntN(len(agents)-1))
	t := &Ticket{
		ID: s.nextTicketID, Subject: topic.subject, Description: topic.body,
		Status:      statuses[rng.IntN(len(statuses))],
		Priority:    []string{"", "low", "normal", "normal", "high", "urgent"}[rng.IntN(6)],
		Type:        []string{"", "question", "incident", "problem", "task"}[rng.IntN(5)],
		RequesterID: requester, SubmitterID: requester, Tags: []string{"seeded"},
		Channel: []string{"web", "email", "api"}[rng.IntN(3)], CreatedAt: created,
	}
	if t.Status != "new" {
		t.AssigneeID = agent
	}
	s.nextTicketID++
	at := created
	first := &Comment{ID: s.nextCommentID, TicketID: t.ID, AuthorID: requester, Body: topic.body, Public: true, CreatedAt: at}
	s.comments[t.ID] = append(s.comments[t.ID], first)
	s.nextCommentID++
	status := t.Status
	t.Status = "new" // as created; the last comment's update set the status it has
	s.recordAuditLocked(t.ID, requester, at, viaName(t.Channel), creationEvents(t, first)...)
	t.Status = status
	for k := rng.IntN(4); k > 0; k-- {
		at = randomTime(rng, at, now.Add(-2*time.Minute))
		author, public := requester, true
		if rng.IntN(2) == 0 {
			author = agent
			public = rng.IntN(5) != 0
		}
		c := &Comment{ID: s.nextCommentID, TicketID: t.ID, AuthorID: author, Body: replies[rng.IntN(len(replies))], Public: public, CreatedAt: at}
		s.comments[t.ID] = append(s.comments[t.ID], c)
		s.nextCommentID++
		s.recordAuditLocked(t.ID, author, at, "Web form", auditEvent{kind: eventComment, comment: c})
	}
	t.UpdatedAt = at
	s.tickets[t.ID] = t
}

// randomTime is a time in [from, to], to the second.
func randomTime(rng *rand.Rand, from, to time.Time) time.Time {
	span := int64(to.Sub(from) / time.Second)
	if span <= 0 {
		return from.Truncate(time.Second)
	}
	return from.Add(time.Duration(rng.Int64N(span+1)) * time.Second).Truncate(time.Second)
}

// putUser adds a user and indexes it. The caller holds s.mu.
func (s *Sandbox) putUser(u *User) {
	s.users[u.ID] = u
	s.indexUser(u)
}

// indexUser records u's email and external id for lookups; on a collision
// the lowest id wins, as in userByEmailLocked's contract.
func (s *Sandbox) indexUser(u *User) {
	if e := normalEmail(u.Email); e != "" {
		if id, ok := s.byEmail[e]; !ok || u.ID < id {
			s.byEmail[e] = u.ID
		}
	}
	if x := u.ExternalID; x != "" {
		if id, ok := s.byExternal[x]; !ok || u.ID < id {
			s.byExternal[x] = u.ID
		}
	}
}

// unindexUser forgets u's email and external id before they change.
func (s *Sandbox) unindexUser(u *User) {
	if e := normalEmail(u.Email); s.byEmail[e] == u.ID {
		delete(s.byEmail, e)
	}
	if s.byExternal[u.ExternalID] == u.ID {
		delete(s.byExternal, u.ExternalID)
	}
}
