package surveymonkey

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	"github.com/cxhub/cxhub/sdk"
)

func contactRecord(key, data string) sdk.Record {
	return sdk.Record{Stream: streamContacts, Key: key, Data: []byte(data)}
}

// TestContactsIdempotentPerEmail: writing contacts adds each email once;
// writing them again (another case, spaces) adds nothing and answers the
// same ids; the same email twice in one batch is one contact; an invalid
// email fails alone with SurveyMonkey's reason; one without email fails
// without a request.
func TestContactsIdempotentPerEmail(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 12}, nil)
	w, err := e.conn.OpenWriter(t.Context(), sdk.OpenWriterRequest{Config: e.config(nil), Stream: streamContacts})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(t.Context())
	batch := []sdk.Record{
		contactRecord("a", `{"email":"ann@example.org","first_name":"Ann","last_name":"Lee"}`),
		contactRecord("bad", `{"email":"not-an-email","first_name":"Bad"}`),
		contactRecord("b", `{"email":"bob@example.org","first_name":"Bob"}`),
		contactRecord("a2", `{"email":" ANN@example.org","first_name":"Ann"}`),
		contactRecord("none", `{"first_name":"Nobody"}`),
	}
	first, err := w.Write(t.Context(), sdk.WriteRequest{Records: batch})
	if err != nil {
		t.Fatal(err)
	}
	r := first.Results
	if len(r) != 5 || r[0].Err != nil || !r[0].Created || r[2].Err != nil || r[3].ID != r[0].ID {
		t.Fatalf("results %+v: want ann created, bob created, ann's second spelling the same id", r)
	}
	if sdk.KindOf(r[1].Err) != sdk.KindBadRecord || !strings.Contains(r[1].Err.Error(), "Invalid email address") {
		t.Errorf("invalid email: %v, want a bad record with SurveyMonkey's reason", r[1].Err)
	}
	if sdk.KindOf(r[4].Err) != sdk.KindBadRecord || !strings.Contains(r[4].Err.Error(), "email is required") {
		t.Errorf("no email: %v, want a bad record", r[4].Err)
	}
	again, err := w.Write(t.Context(), sdk.WriteRequest{Records: []sdk.Record{
		contactRecord("a", `{"email":"Ann@Example.org","first_name":"Ann"}`), contactRecord("b", `{"email":"bob@example.org"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{r[0].ID, r[2].ID} {
		if got := again.Results[i]; got.Err != nil || got.Created || got.ID != want {
			t.Errorf("rewrite %d: %+v, want written, not created, id %s", i, got, want)
		}
	}
	for _, email := range []string{"ann@example.org", "bob@example.org"} {
		if n := len(e.sb.ContactsByEmail(sandbox.ContactListID, email)); n != 1 {
			t.Errorf("%s is %d contacts in the list, want 1", email, n)
		}
	}
	if n := len(e.sb.Contacts(sandbox.ContactListID)); n != 2 {
		t.Errorf("the list holds %d contacts, want 2", n)
	}
}

func TestWriterNeedsAContactList(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 12}, nil)
	_, err := e.conn.OpenWriter(t.Context(), sdk.OpenWriterRequest{Config: e.config(map[string]any{"contact_list_id": ""}), Stream: streamContacts})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "contact_list_id") {
		t.Errorf("open writer without a list: %v, want a config error naming contact_list_id", err)
	}
}
