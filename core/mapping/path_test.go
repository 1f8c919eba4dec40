package mapping

import "testing"

func TestCheckPathAccepts(t *testing.T) {
	for _, p := range []string{
		"a",
		"properties.email",
		"emails.0",
		"tags.#",
		"friends.#.first",
		`friends.#(last=="Mur)phy").first`,
		`friends.#(last%"M*")#.first`,
		`friends.#(nets.#(=="fb"))#.first`,
		"{a,b.c,d:e}",
		"[a,b]",
		"a|@reverse|0",
		`@dig:{"k":1}`,
		`a\.b`,
		`a\\`,
		"first name",
		"!true",
		"e-mail",
		"x-request-id",
		"first name",
		`a\+b`,
		`a\,b`,
		"a+b",
		"City, State",
		"Score - NPS",
		"first name - last name",
		`a \+ b`,
		"friends.#(age>45)#.first",
		`friends.#(name=="a + b")`,
		`@dig:"a + b"`,
		"a.*",
		"{first,last}",
	} {
		if err := checkPath(p); err != nil {
			t.Errorf("checkPath(%q) = %v, want nil", p, err)
		}
	}
}
