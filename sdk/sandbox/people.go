package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Person is a seeded customer. Every vendor sandbox seeds its customers
// from the same People, so the same person appears in several systems, as
// in a real company, and the customer 360 has real links to make.
type Person struct {
	// Index is the person's position in People: the same index is the same
	// person in every sandbox.
	Index     int
	FirstName string
	LastName  string
	// Email is lower case and trimmed; sandboxes that want to test
	// normalisation vary it with EmailVariant.
	Email   string
	Phone   string // E.164
	Company string
	Domain  string
	City    string
	Country string
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Dennis", "Margaret",
		"Ken", "Frances", "Linus", "Radia", "Tim", "Hedy", "John", "Sophie", "Niklaus", "Anita", "Claude",
		"Shafi", "Donald", "Jean", "Bjarne", "Ida", "Guido", "Mary", "Rob", "Evelyn", "Leslie", "Joan"}
	lastNames = []string{"Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Ritchie", "Hamilton",
		"Thompson", "Allen", "Torvalds", "Perlman", "Berners-Lee", "Lamarr", "McCarthy", "Wilson", "Wirth",
		"Borg", "Shannon", "Goldwasser", "Knuth", "Sammet", "Stroustrup", "Rhodes", "van Rossum", "Keller",
		"Pike", "Berezin", "Lamport", "Clarke"}
	companies = []struct{ name, domain string }{
		{"Northwind Traders", "northwind.example"}, {"Contoso Ltd", "contoso.example"},
		{"Fabrikam Inc", "fabrikam.example"}, {"Tailspin Toys", "tailspin.example"},
		{"Wide World Importers", "wideworld.example"}, {"Adventure Works", "adventure-works.example"},
		{"Litware Inc", "litware.example"}, {"Proseware", "proseware.example"},
		{"Fourth Coffee", "fourthcoffee.example"}, {"Woodgrove Bank", "woodgrove.example"},
		{"Alpine Ski House", "alpineskihouse.example"}, {"Blue Yonder Airlines", "blueyonder.example"},
	}
	cities = []struct{ city, country, prefix string }{
		{"London", "GB", "+44 20 7946"}, {"Paris", "FR", "+33 1 7010"}, {"Berlin", "DE", "+49 30 9012"},
		{"New York", "US", "+1 212 555"}, {"Toronto", "CA", "+1 416 555"}, {"Madrid", "ES", "+34 91 123"},
		{"Amsterdam", "NL", "+31 20 794"}, {"Sydney", "AU", "+61 2 9876"},
	}
)

// People returns n people, the same for the same seed.
func People(seed uint64, n int) []Person {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]Person, n)
	for i := range out {
		first := firstNames[rng.IntN(len(firstNames))]
		last := lastNames[rng.IntN(len(lastNames))]
		co := companies[i%len(companies)]
		if rng.IntN(4) == 0 { // most people use a personal address
			co = companies[rng.IntN(len(companies))]
		}
		place := cities[rng.IntN(len(cities))]
		local := strings.ToLower(strings.ReplaceAll(first+"."+last, " ", ""))
		out[i] = Person{
			Index:     i,
			FirstName: first,
			LastName:  last,
			Email:     fmt.Sprintf("%s.%d@%s", local, i, co.domain),
			Phone:     strings.ReplaceAll(fmt.Sprintf("%s%04d", place.prefix, i%10000), " ", ""),
			Company:   co.name,
			Domain:    co.domain,
			City:      place.city,
			Country:   place.country,
		}
	}
	return out
}

// Companies returns the seeded companies' names and domains, in order.
func Companies() (names, domains []string) {
	for _, c := range companies {
		names = append(names, c.name)
		domains = append(domains, c.domain)
	}
	return names, domains
}

// EmailVariant returns p's email as another system might hold it: for
// variant 0 unchanged, 1 upper-cased first letters, 2 with surrounding
// spaces, 3 all upper case. The customer 360 must see through all of them.
func EmailVariant(email string, variant int) string {
	switch variant % 4 {
	case 1:
		at := strings.IndexByte(email, '@')
		if at > 0 {
			return strings.ToUpper(email[:1]) + email[1:at] + "@" + strings.ToUpper(email[at+1:at+2]) + email[at+2:]
		}
	case 2:
		return "  " + email + " "
	case 3:
		return strings.ToUpper(email)
	}
	return email
}
