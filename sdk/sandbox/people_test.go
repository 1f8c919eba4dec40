package sandbox

import (
	"net/mail"
	"reflect"
	"strings"
	"testing"
)

func TestPeopleAreDeterministicAndDistinct(t *testing.T) {
	a, b := People(7, 500), People(7, 500)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("People(7, 500) differs between two calls")
	}
	if reflect.DeepEqual(a, People(8, 500)) {
		t.Error("another seed gave the same people")
	}
	emails := map[string]bool{}
	for _, p := range a {
		if _, err := mail.ParseAddress(p.Email); err != nil || p.Email != strings.ToLower(p.Email) {
			t.Errorf("person %d: email %q is not a lower-case address (%v)", p.Index, p.Email, err)
		}
		if emails[p.Email] {
			t.Errorf("email %q given twice", p.Email)
		}
		emails[p.Email] = true
		if p.FirstName == "" || p.LastName == "" || p.Company == "" || !strings.HasPrefix(p.Phone, "+") {
			t.Errorf("person %d is incomplete: %+v", p.Index, p)
		}
	}
	if got := People(7, 10); !reflect.DeepEqual(got, a[:10]) {
		t.Error("the first 10 of 500 people differ from People(seed, 10): sandboxes of different sizes would not share people")
	}
}

func TestEmailVariantNormalisesBack(t *testing.T) {
	const email = "ada.lovelace.3@contoso.example"
	seen := map[string]bool{}
	for v := range 4 {
		got := EmailVariant(email, v)
		if strings.ToLower(strings.TrimSpace(got)) != email {
			t.Errorf("variant %d = %q does not normalise back to %q", v, got, email)
		}
		seen[got] = true
	}
	if len(seen) != 4 {
		t.Errorf("4 variants gave %d distinct spellings", len(seen))
	}
}
