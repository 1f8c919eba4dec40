package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// seeder makes realistic objects, the same for the same seed.
type seeder struct {
	seed uint64
	rng  *rand.Rand
	// made counts the objects made per type, so that objects added later
	// are new people and companies, not copies of the first ones.
	made map[string]int
}

func newSeeder(seed uint64) *seeder {
	return &seeder{seed: seed, rng: rand.New(rand.NewPCG(seed, 0x4b5b)), made: map[string]int{}}
}

var (
	jobTitles  = []string{"Head of Support", "Operations Manager", "CTO", "Buyer", "Office Manager", "Founder", "Account Executive", "Engineer", "Customer Success Lead", "Analyst"}
	stages     = []string{"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist"}
	leadStatus = []string{"NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"}
	industries = []string{"COMPUTER_SOFTWARE", "RETAIL", "LOGISTICS_AND_SUPPLY_CHAIN", "FOOD_BEVERAGES", "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE", "AIRLINES_AVIATION", "CONSUMER_GOODS"}
	coNames    = []string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Cyberdyne",
		"Tyrell", "Wonka", "Oceanic", "Massive", "Pied Piper", "Aperture", "Black Mesa", "Monarch", "Nakatomi", "Gekko"}
	coSuffixes = []string{"Labs", "Systems", "Logistics", "Foods", "Energy", "Holdings", "Partners", "Retail", "Media",
		"Health", "Robotics", "Analytics", "Freight", "Studios", "Bank"}
	places = []struct{ city, country string }{{"London", "United Kingdom"}, {"Paris", "France"}, {"Berlin", "Germany"},
		{"New York", "United States"}, {"Toronto", "Canada"}, {"Madrid", "Spain"}, {"Amsterdam", "Netherlands"}, {"Sydney", "Australia"}}
	noteBodies = []string{
		"Called %s about the renewal; they asked for a quote by Friday.",
		"%s reported a late delivery; refund approved.",
		"Onboarding call with %s: walked through the reporting dashboard.",
		"%s wants to add five seats next quarter.",
		"Left a voicemail for %s about the open invoice.",
		"%s praised the support team in the quarterly review.",
		"Met %s at the trade show; interested in the premium plan.",
	}
)

// span is how far back seeded dates go.
const span = 730 * 24 * time.Hour

// dates returns a creation and a last-modified date in the two years
// before now; prev, when it is after the creation date, is reused now and
// then, so that some objects share a last-modified date as after an import.
func (g *seeder) dates(now, prev time.Time) (created, updated time.Time) {
	created = now.Add(-time.Duration(g.rng.Int64N(int64(span)))).Truncate(time.Millisecond)
	if !prev.IsZero() && prev.After(created) && g.rng.IntN(10) == 0 {
		return created, prev
	}
	updated = created.Add(time.Duration(g.rng.Int64N(int64(now.Sub(created)) + 1))).Truncate(time.Millisecond)
	return created, updated
}

// people returns the next n shared people, for n new contacts.
func (g *seeder) people(n int) []kit.Person {
	i := g.made["contacts"]
	g.made["contacts"] += n
	return kit.People(g.seed, i+n)[i:]
}

// contact returns the properties of a contact for person p.
func (g *seeder) contact(p kit.Person) map[string]string {
	return map[string]string{
		"email": p.Email, "firstname": p.FirstName, "lastname": p.LastName, "phone": p.Phone,
		"company": p.Company, "website": "https://" + p.Domain, "city": p.City, "country": p.Country,
		"jobtitle": jobTitles[g.rng.IntN(len(jobTitles))], "lifecyclestage": stages[g.rng.IntN(len(stages))],
		"hs_lead_status": leadStatus[g.rng.IntN(len(leadStatus))],
	}
}

// company returns the properties of the next seeded company: first the
// companies the shared people work for, then made-up ones.
func (g *seeder) company() map[string]string {
	i := g.made["companies"]
	g.made["companies"]++
	names, domains := kit.Companies()
	var name, domain string
	if i < len(names) {
		name, domain = names[i], domains[i]
	} else {
		j := i - len(names)
		name = coNames[j%len(coNames)] + " " + coSuffixes[(j/len(coNames))%len(coSuffixes)]
		if round := j / (len(coNames) * len(coSuffixes)); round > 0 {
			name += " " + strconv.Itoa(round+1)
		}
		domain = strings.ToLower(strings.ReplaceAll(name, " ", "-")) + ".example"
	}
	place := places[g.rng.IntN(len(places))]
	return map[string]string{
		"name": name, "domain": domain, "website": "https://" + domain, "city": place.city, "country": place.country,
		"industry": industries[g.rng.IntN(len(industries))], "numberofemployees": strconv.Itoa(5 + g.rng.IntN(5000)),
		"phone": fmt.Sprintf("+1 555 %04d", g.rng.IntN(10000)), "description": "",
	}
}

// note returns the properties of the next seeded note about a contact
// whose first name is first, written at at.
func (g *seeder) note(first string, at time.Time) map[string]string {
	g.made["notes"]++
	body := fmt.Sprintf(noteBodies[g.rng.IntN(len(noteBodies))], first)
	return map[string]string{"hs_note_body": body, "hs_timestamp": formatTime(at)}
}

// seed fills the store with o's counts of objects.
func (s *store) seed(g *seeder, o Options) {
	now := s.now().UTC().Truncate(time.Millisecond)
	var prev time.Time
	for range o.Companies {
		created, updated := g.dates(now, prev)
		s.insert("companies", g.company(), created, updated)
		prev = updated
	}
	prev = time.Time{}
	for _, p := range g.people(o.Contacts) {
		created, updated := g.dates(now, prev)
		s.insert("contacts", g.contact(p), created, updated)
		prev = updated
	}
	contacts := s.all("contacts")
	for range o.Notes {
		c := contacts[g.rng.IntN(len(contacts))]
		at := c.created.Add(time.Duration(g.rng.Int64N(int64(now.Sub(c.created)) + 1))).Truncate(time.Millisecond)
		updated := at.Add(time.Duration(g.rng.Int64N(int64(now.Sub(at)) + 1))).Truncate(time.Millisecond)
		n := s.insert("notes", g.note(c.props["firstname"], at), at, updated)
		n.contacts = []int64{c.id}
	}
}

// add makes n new objects of typ, created and modified now (one stamp for
// all of them), and returns them. Notes are associated with random contacts.
func (s *store) add(g *seeder, typ string, n int) ([]*crmObject, error) {
	if typ == "notes" && n > 0 && len(s.order["contacts"]) == 0 {
		return nil, fmt.Errorf("add %d notes: there is no contact to associate them with", n)
	}
	at := s.stamp()
	out := make([]*crmObject, 0, n)
	var people []kit.Person
	if typ == "contacts" {
		people = g.people(n)
	}
	for i := range n {
		var o *crmObject
		switch typ {
		case "contacts":
			o = s.insert(typ, g.contact(people[i]), at, at)
		case "companies":
			o = s.insert(typ, g.company(), at, at)
		case "notes":
			ids := s.order["contacts"]
			c := s.objs["contacts"][ids[g.rng.IntN(len(ids))]]
			o = s.insert(typ, g.note(c.props["firstname"], at), at, at)
			o.contacts = []int64{c.id}
		default:
			return nil, fmt.Errorf("add: unknown object type %q", typ)
		}
		out = append(out, o)
	}
	return out, nil
}
