package generator

// The lists records draw their values from. Every entry is made of ASCII
// letters, digits and spaces only, so that a record never needs escaping.
// They are read, never written.

// firstNames and lastNames are lower case; a record capitalises them.
func firstNames() []string {
	return []string{"ada", "alan", "grace", "edsger", "barbara", "donald", "margaret", "john",
		"frances", "ken", "radia", "dennis", "sophie", "tim", "hedy", "linus",
		"katherine", "claude", "anita", "niklaus", "lynn", "bjarne", "joan", "guido"}
}

func lastNames() []string {
	return []string{"lovelace", "turing", "hopper", "dijkstra", "liskov", "knuth", "hamilton", "backus",
		"allen", "thompson", "perlman", "ritchie", "wilson", "lee", "lamarr", "torvalds",
		"johnson", "shannon", "borg", "wirth", "conway", "stroustrup", "clarke", "rossum"}
}

func companies() []string {
	return []string{"Northwind Traders", "Contoso", "Fabrikam", "Tailspin Toys", "Wide World Importers",
		"Adventure Works", "Litware", "Proseware", "Lucerne Publishing", "Woodgrove Bank",
		"Coho Winery", "Alpine Ski House", "Blue Yonder Airlines", "Fourth Coffee", "Margies Travel",
		"Trey Research"}
}

func countries() []string {
	return []string{"US", "GB", "DE", "FR", "ES", "IT", "NL", "SE", "PL", "IE", "CA", "AU", "JP", "BR", "IN", "ZA"}
}

// emailDomains are reserved for examples (RFC 2606): no mail ever leaves.
func emailDomains() []string { return []string{"example.com", "example.org", "example.net"} }

// interactionType is one kind of interaction and the statuses it can have.
type interactionType struct {
	name     string
	statuses []string
	subjects []string
}

func interactionTypes() []interactionType {
	return []interactionType{
		{"ticket", []string{"new", "open", "pending", "solved", "closed"},
			[]string{"Cannot log in", "Refund request", "Invoice is wrong", "Password reset", "Feature question"}},
		{"comment", []string{"public", "internal"},
			[]string{"Reply from support", "Customer follow up", "Note for the team", "Escalation note"}},
		{"survey_response", []string{"completed"},
			[]string{"Satisfaction survey", "Net promoter survey", "Onboarding survey"}},
		{"order", []string{"placed", "paid", "shipped", "delivered", "cancelled"},
			[]string{"Web order", "Phone order", "Repeat order", "Store order"}},
		{"fulfilment", []string{"pending", "in transit", "delivered", "returned"},
			[]string{"Parcel shipment", "Freight shipment", "Click and collect"}},
	}
}

// loremWords make the padding text.
func loremWords() []string {
	return []string{"the", "customer", "asked", "about", "an", "order", "that", "was", "late", "and",
		"support", "replied", "with", "a", "new", "date", "for", "delivery", "of", "parcel",
		"account", "team", "will", "call", "back", "tomorrow", "morning", "to", "confirm", "invoice",
		"number", "12", "2024", "refund", "is", "approved", "pending", "review", "by", "billing",
		"product", "works", "well", "but", "manual", "could", "be", "clearer", "on", "setup",
		"thanks", "again", "quick", "help", "store", "opens", "at", "9", "warehouse", "shipped"}
}

// maxLen is the length of the longest string of list.
func maxLen(list []string) int {
	n := 0
	for _, s := range list {
		n = max(n, len(s))
	}
	return n
}
