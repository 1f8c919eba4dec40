package sandbox

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
)

// customerInput is the customer object of a create or an update; absent
// fields are nil.
type customerInput struct {
	Email         *string `json:"email"`
	FirstName     *string `json:"first_name"`
	LastName      *string `json:"last_name"`
	Phone         *string `json:"phone"`
	Tags          *string `json:"tags"`
	Note          *string `json:"note"`
	VerifiedEmail *bool   `json:"verified_email"`
	Addresses     []struct {
		City        string `json:"city"`
		CountryCode string `json:"country_code"`
	} `json:"addresses"`
}

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// normalPhone returns a phone in E.164, as Shopify stores what it is
// given: spaces, dashes, dots and parentheses dropped, 00 read as +. A
// number without its country code is invalid.
func normalPhone(p string) (string, bool) {
	p = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()", r) {
			return -1
		}
		return r
	}, strings.TrimSpace(p))
	if strings.HasPrefix(p, "00") {
		p = "+" + p[2:]
	}
	if len(p) < 9 || len(p) > 16 || p[0] != '+' || strings.Trim(p[1:], "0123456789") != "" {
		return "", false
	}
	return p, true
}

func normalEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// decodeCustomer reads {"customer": {...}}; it answers 400 or 422 and
// returns false when it cannot.
func decodeCustomer(w http.ResponseWriter, r *http.Request) (customerInput, bool) {
	var body struct {
		Customer *customerInput `json:"customer"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErrors(w, http.StatusBadRequest, "could not parse the request body as JSON")
		return customerInput{}, false
	}
	if body.Customer == nil {
		writeErrors(w, http.StatusBadRequest, map[string]string{"customer": "Required parameter missing or invalid"})
		return customerInput{}, false
	}
	return *body.Customer, true
}

// validate checks in against the other customers (all but self) and
// returns Shopify's field errors, nil if none. The caller holds s.mu.
func (s *Sandbox) validate(in *customerInput, self int64) map[string][]string {
	errs := map[string][]string{}
	if in.Email != nil {
		e := normalEmail(*in.Email)
		switch {
		case e == "":
		case !emailPattern.MatchString(e):
			errs["email"] = append(errs["email"], "is invalid")
		default:
			for id, c := range s.customers {
				if id != self && normalEmail(c.Email) == e {
					errs["email"] = append(errs["email"], "has already been taken")
					break
				}
			}
			*in.Email = e
		}
	}
	if in.Phone != nil && strings.TrimSpace(*in.Phone) != "" {
		p, ok := normalPhone(*in.Phone)
		if !ok {
			errs["phone"] = append(errs["phone"], "is invalid")
		} else {
			for id, c := range s.customers {
				if q, _ := normalPhone(c.Phone); id != self && q == p {
					errs["phone"] = append(errs["phone"], "has already been taken")
					break
				}
			}
			*in.Phone = p
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// apply sets the given fields of in on c.
func (in customerInput) apply(c *Customer) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.Email, in.Email)
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	set(&c.Phone, in.Phone)
	set(&c.Note, in.Note)
	if in.Tags != nil {
		c.Tags = nil
		for _, t := range strings.Split(*in.Tags, ",") {
			if t = strings.TrimSpace(t); t != "" {
				c.Tags = append(c.Tags, t)
			}
		}
	}
	if in.VerifiedEmail != nil {
		c.VerifiedEmail = *in.VerifiedEmail
	}
	if len(in.Addresses) > 0 {
		c.City, c.Country = in.Addresses[0].City, in.Addresses[0].CountryCode
	}
}

func (s *Sandbox) serveCreateCustomer(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeCustomer(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if errs := s.validate(&in, 0); errs != nil {
		writeErrors(w, http.StatusUnprocessableEntity, errs)
		return
	}
	now := s.nowLocked()
	c := &Customer{ID: s.nextCustomerID, CreatedAt: now, UpdatedAt: now, PersonIndex: -1}
	in.apply(c)
	if c.Email == "" && c.Phone == "" && c.FirstName == "" && c.LastName == "" {
		writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"customer": {"Customer must have a name, phone number or email address"}})
		return
	}
	s.nextCustomerID++
	s.customers[c.ID] = c
	writeJSON(w, http.StatusCreated, map[string]any{"customer": c.render()})
}

func (s *Sandbox) serveUpdateCustomer(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	in, ok := decodeCustomer(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customers[id]
	if c == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	if errs := s.validate(&in, id); errs != nil {
		writeErrors(w, http.StatusUnprocessableEntity, errs)
		return
	}
	before := c.clone()
	in.apply(c)
	if !sameCustomer(before, *c) {
		c.UpdatedAt = s.nowLocked()
	}
	writeJSON(w, http.StatusOK, map[string]any{"customer": c.render()})
}

func sameCustomer(a, b Customer) bool {
	ja, _ := json.Marshal(a.render())
	jb, _ := json.Marshal(b.render())
	return string(ja) == string(jb)
}

// serveUpdateTracking answers POST fulfillments/{id}/update_tracking.json
// {"fulfillment":{"tracking_info":{"number","company","url"},"notify_customer":false}}:
// the fulfillment's tracking changes, and it and its order are stamped now
// when anything changed.
func (s *Sandbox) serveUpdateTracking(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	var body struct {
		Fulfillment *struct {
			TrackingInfo *struct {
				Number  *string `json:"number"`
				Company *string `json:"company"`
				URL     *string `json:"url"`
			} `json:"tracking_info"`
			NotifyCustomer bool `json:"notify_customer"`
		} `json:"fulfillment"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErrors(w, http.StatusBadRequest, "could not parse the request body as JSON")
		return
	}
	if body.Fulfillment == nil || body.Fulfillment.TrackingInfo == nil {
		writeErrors(w, http.StatusBadRequest, map[string]string{"fulfillment": "Required parameter missing or invalid"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[s.fulfillments[id]]
	if !ok || o == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	ti := body.Fulfillment.TrackingInfo
	for i, f := range o.Fulfillments {
		if f.ID != id {
			continue
		}
		if f.Status == "cancelled" {
			writeErrors(w, http.StatusUnprocessableEntity, map[string][]string{"base": {"Cannot update tracking of a cancelled fulfillment"}})
			return
		}
		before := *f
		for dst, v := range map[*string]*string{&f.TrackingNumber: ti.Number, &f.TrackingCompany: ti.Company, &f.TrackingURL: ti.URL} {
			if v != nil {
				*dst = strings.TrimSpace(*v)
			}
		}
		if *f != before {
			f.UpdatedAt = s.nowLocked()
			o.UpdatedAt = f.UpdatedAt
		}
		writeJSON(w, http.StatusOK, map[string]any{"fulfillment": f.render(o, i+1)})
		return
	}
	writeErrors(w, http.StatusNotFound, "Not Found")
}
