package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// call sends one request to the sandbox's handler and decodes the answer.
func call(t *testing.T, s *Sandbox, method, path, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, "http://sm.test"+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	raw, _ := io.ReadAll(rec.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, raw)
	}
	return rec.Code, rec.Header(), out
}

func newSandbox(t *testing.T, o Options) *Sandbox {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBulkPagesFilterAndTies(t *testing.T) {
	s := newSandbox(t, Options{Seed: 3, NoMinuteLimit: true})
	all := s.Responses(NPSSurveyID)
	if len(all) != DefaultNPSResponses {
		t.Fatalf("%d NPS responses, want %d", len(all), DefaultNPSResponses)
	}
	ties := 0
	for i := 1; i < len(all); i++ {
		if all[i].Modified.Equal(all[i-1].Modified) {
			ties++
		}
	}
	if ties < 10 {
		t.Errorf("only %d responses share their second with another: the seed does not exercise ties", ties)
	}
	mid := all[len(all)/2].Modified
	want := 0
	for _, x := range all {
		if !x.Modified.Before(mid) {
			want++
		}
	}
	path := "/v3/surveys/" + NPSSurveyID + "/responses/bulk?per_page=7&sort_by=date_modified&sort_order=ASC&start_modified_at=" +
		mid.UTC().Format("2006-01-02T15:04:05")
	seen, last := map[string]bool{}, time.Time{}
	for path != "" {
		code, _, body := call(t, s, "GET", path, DefaultToken, "")
		if code != 200 {
			t.Fatalf("GET %s: %d %v", path, code, body)
		}
		for _, d := range body["data"].([]any) {
			m := d.(map[string]any)
			at, _ := time.Parse(timeLayout, m["date_modified"].(string))
			if at.Before(last) || at.Before(mid) {
				t.Errorf("response %s at %v: out of order or before start_modified_at", m["id"], at)
			}
			last = at
			seen[m["id"].(string)] = true
		}
		next, _ := body["links"].(map[string]any)["next"].(string)
		path = strings.TrimPrefix(next, "http://sm.test")
	}
	if len(seen) != want {
		t.Errorf("paged through %d responses, want %d", len(seen), want)
	}
	if code, _, _ := call(t, s, "GET", "/v3/surveys/"+NPSSurveyID+"/responses/bulk?per_page=101", DefaultToken, ""); code != 400 {
		t.Errorf("per_page 101: %d, want 400", code)
	}
}

func TestAuthAndDailyQuota(t *testing.T) {
	s := newSandbox(t, Options{Seed: 3, DayLimit: 3})
	code, _, body := call(t, s, "GET", "/v3/users/me", "wrong", "")
	if code != 401 || body["error"].(map[string]any)["http_status_code"].(float64) != 401 {
		t.Errorf("wrong token: %d %v, want SurveyMonkey's 401", code, body)
	}
	for i := range 3 {
		code, h, _ := call(t, s, "GET", "/v3/users/me", DefaultToken, "")
		if code != 200 || h.Get(DayRemainingHeader) != strconv.Itoa(2-i) {
			t.Errorf("request %d: %d, day remaining %q, want 200 and %d", i, code, h.Get(DayRemainingHeader), 2-i)
		}
	}
	code, h, body := call(t, s, "GET", "/v3/users/me", DefaultToken, "")
	if code != 429 || h.Get(DayRemainingHeader) != "0" || h.Get(DayResetHeader) == "" ||
		body["error"].(map[string]any)["id"] != "1040" {
		t.Errorf("over the day's quota: %d %v %v, want SurveyMonkey's 429 with day remaining 0 and a reset", code, h, body)
	}
	s.ResetDay()
	if code, _, _ := call(t, s, "GET", "/v3/users/me", DefaultToken, ""); code != 200 {
		t.Errorf("after the reset: %d", code)
	}
}

func TestBulkContacts(t *testing.T) {
	s := newSandbox(t, Options{Seed: 3})
	body := `{"contacts":[{"email":"ann@example.org","first_name":"Ann","last_name":"Lee"},{"email":"not-an-email"},{"email":"ANN@example.org "}]}`
	code, _, out := call(t, s, "POST", "/v3/contact_lists/"+ContactListID+"/contacts/bulk", DefaultToken, body)
	if code != 200 {
		t.Fatalf("bulk: %d %v", code, out)
	}
	if n := len(out["succeeded"].([]any)); n != 1 {
		t.Errorf("%d succeeded, want 1", n)
	}
	inv := out["invalids"].([]any)
	if len(inv) != 1 || !strings.Contains(inv[0].(map[string]any)["reason"].(string), "Invalid email") {
		t.Errorf("invalids %v, want not-an-email with a reason", inv)
	}
	if n := len(out["existing"].([]any)); n != 1 {
		t.Errorf("%d existing, want the same email in another case", n)
	}
	if got := s.ContactsByEmail(ContactListID, "ann@example.org"); len(got) != 1 {
		t.Errorf("list holds %d contacts for ann, want 1", len(got))
	}
}

func TestDeliveryIsSigned(t *testing.T) {
	s := newSandbox(t, Options{Seed: 3})
	x := s.Responses(CSATSurveyID)[0]
	body, h, err := s.Delivery(CSATSurveyID, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := Signer(DefaultAPIKey, DefaultAPISecret).Verify(h.Get(SignatureHeader), body); err != nil {
		t.Errorf("delivery does not verify: %v", err)
	}
	if !strings.Contains(string(body), `"object_id":"`+x.ID+`"`) {
		t.Errorf("body %s does not name the response", body)
	}
}

// TestRespondentsAreTheSharedPeople: respondents are people of the shared
// population, among the first ones, whom the HubSpot sandbox seeds as
// contacts, so that a response links to a CRM contact by email.
func TestRespondentsAreTheSharedPeople(t *testing.T) {
	s := newSandbox(t, Options{Seed: 4})
	people := kit.People(4, seedPeople)
	n := 0
	for _, sv := range s.Surveys() {
		for _, x := range s.Responses(sv.ID) {
			if x.PersonIndex < 0 || x.PersonIndex >= len(people) || people[x.PersonIndex].Email != x.Email {
				t.Fatalf("response %s by %s (person %d) is not one of the shared people", x.ID, x.Email, x.PersonIndex)
			}
			n++
		}
	}
	if n != DefaultNPSResponses+DefaultCSATResponses+DefaultPlainResponses {
		t.Errorf("%d responses, want the defaults' sum", n)
	}
}
