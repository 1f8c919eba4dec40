package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	surveymonkey "github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	zendesk "github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
	"github.com/tidwall/gjson"
)

// surveyJourneysConfig is configs/survey-journeys.yaml itself, with its
// paths moved into the workspace: the journeys tested are the shipped ones.
func surveyJourneysConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "configs", "survey-journeys.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.ReplaceAll(string(b), "../bin/plugins", "{{plugins}}")
	return strings.ReplaceAll(yaml, "../bin/demo/", "./")
}

// startSurveyVendors serves a small SurveyMonkey and Zendesk on loopback
// ports and passes their URLs to cxhub.
func startSurveyVendors(t *testing.T) (*surveymonkey.Sandbox, *zendesk.Sandbox) {
	t.Helper()
	sm, err := surveymonkey.New(surveymonkey.Options{Seed: 7, NPSResponses: 40, CSATResponses: 15, PlainResponses: 10})
	if err != nil {
		t.Fatal(err)
	}
	zd, err := zendesk.New(zendesk.Options{Seed: 7, Users: 20, Tickets: 12, JobPolls: -1})
	if err != nil {
		t.Fatal(err)
	}
	for name, start := range map[string]func(string) (*kit.Server, error){
		"CXHUB_SANDBOX_SURVEYMONKEY_URL": sm.Start, "CXHUB_SANDBOX_ZENDESK_URL": zd.Start} {
		srv, err := start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		t.Setenv(name, srv.URL)
	}
	return sm, zd
}

// npsScore is the NPS score a sandbox response chose.
func npsScore(t *testing.T, sm *surveymonkey.Sandbox, x surveymonkey.Response) int {
	t.Helper()
	sv, _ := sm.Survey(x.SurveyID)
	for _, c := range sv.Questions[0].Choices {
		if c.ID == x.Answers[0].ChoiceID {
			n, err := strconv.Atoi(c.Text)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("response %s chose no choice of %s", x.ID, sv.ID)
	return 0
}

// surveyLines returns a JSON Lines file's lines.
func surveyLines(t *testing.T, path string) []gjson.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []gjson.Result
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, gjson.Parse(sc.Text()))
	}
	return out
}

// solveTicket sets a ticket's status to solved through Zendesk's API, as
// an agent would.
func solveTicket(t *testing.T, id int64) {
	t.Helper()
	url := fmt.Sprintf("%s/api/v2/tickets/%d.json", os.Getenv("CXHUB_SANDBOX_ZENDESK_URL"), id)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, url,
		strings.NewReader(`{"ticket":{"status":"solved","comment":{"body":"Called back, sorted.","public":false}}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer sandbox-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("solve ticket %d: %s", id, resp.Status)
	}
}

// TestSurveyJourneys runs configs/survey-journeys.yaml through the real
// binary and plugins against the SurveyMonkey and Zendesk sandboxes: every
// response lands in the file once, with its texts; every detractor (NPS 0
// to 6) and no one else gets one ticket, requested by the respondent's
// email, and a new detractor gets one on the next sync; once tickets are
// solved, their requesters, and no one else, join the contact list once
// each, however often the journey runs.
func TestSurveyJourneys(t *testing.T) {
	sm, zd := startSurveyVendors(t)
	w := newWorkspace(t, surveyJourneysConfig(t))
	w.mustCxhub("validate")

	// Responses into a file.
	var all []surveymonkey.Response
	for _, s := range sm.Surveys() {
		all = append(all, sm.Responses(s.ID)...)
	}
	res, run := syncJSON(t, w, "survey-responses-to-file")
	if run.code != 0 || res.Counts.Read != int64(len(all)) || res.Counts.Written != int64(len(all)) {
		t.Fatalf("responses to file: %+v, want %d read and written\n%s", res, len(all), run)
	}
	lines := surveyLines(t, w.path("out/survey-responses.jsonl"))
	ids := map[string]int{}
	for _, l := range lines {
		ids[l.Get("id").String()]++
		if l.Get("answers.0.question").String() == "" || l.Get("email").String() == "" {
			t.Errorf("line without question texts or email: %s", l.Raw)
		}
	}
	for _, x := range all {
		if ids[x.ID] != 1 {
			t.Errorf("response %s is %d lines of the file, want 1", x.ID, ids[x.ID])
		}
	}

	// Detractors open tickets.
	detractors := map[string]surveymonkey.Response{}
	for _, x := range sm.Responses(surveymonkey.NPSSurveyID) {
		if npsScore(t, sm, x) <= 6 {
			detractors[x.ID] = x
		}
	}
	if len(detractors) == 0 || len(detractors) == len(sm.Responses(surveymonkey.NPSSurveyID)) {
		t.Fatalf("%d detractors: the seed does not exercise the filter", len(detractors))
	}
	res, run = syncJSON(t, w, "detractors-to-tickets")
	if run.code != 0 || res.Counts.Written != int64(len(detractors)) || res.Counts.Filtered != int64(len(all)-len(detractors)) {
		t.Fatalf("detractors to tickets: %+v, want %d written and the other %d filtered\n%s", res, len(detractors), len(all)-len(detractors), run)
	}
	checkTicket := func(x surveymonkey.Response) zendesk.Ticket {
		t.Helper()
		got := zd.TicketsByExternalID("surveymonkey-" + x.ID)
		if len(got) != 1 {
			t.Fatalf("detractor %s has %d tickets, want 1", x.ID, len(got))
		}
		u, _ := zd.User(got[0].RequesterID)
		if normalEmail(u.Email) != normalEmail(x.Email) || got[0].Priority != "high" ||
			!strings.Contains(got[0].Subject, "NPS "+strconv.Itoa(npsScore(t, sm, x))) {
			t.Errorf("ticket of detractor %s: %+v requested by %s, want a high-priority NPS ticket requested by %s", x.ID, got[0], u.Email, x.Email)
		}
		return got[0]
	}
	for _, x := range detractors {
		checkTicket(x)
	}
	tickets := len(zd.Tickets())

	// A new detractor and a new promoter: only the detractor opens a ticket.
	dora, err := sm.AddResponse(surveymonkey.NPSSurveyID, "dora.ng@northwind.example", "Dora", "Ng", 2, "Three weeks for a refund.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.AddResponse(surveymonkey.NPSSurveyID, "eve@northwind.example", "Eve", "Li", 10, "Great."); err != nil {
		t.Fatal(err)
	}
	res, run = syncJSON(t, w, "detractors-to-tickets")
	if run.code != 0 || res.Counts.Read != 2 || res.Counts.Written != 1 || res.Counts.Created != 1 {
		t.Fatalf("second sync: %+v, want the 2 new responses read and Dora's ticket created\n%s", res, run)
	}
	doraTicket := checkTicket(dora)
	if n := len(zd.Tickets()); n != tickets+1 {
		t.Errorf("%d tickets after the second sync, want %d", n, tickets+1)
	}

	// Agents solve Dora's ticket and another detractor's; the export shows
	// changes after a minute.
	var other int64
	for _, x := range detractors {
		other = zd.TicketsByExternalID("surveymonkey-" + x.ID)[0].ID
		break
	}
	solveTicket(t, doraTicket.ID)
	solveTicket(t, other)
	zd.Advance(2 * time.Minute)
	wantEmails := map[string]bool{}
	for _, tk := range zd.Tickets() {
		if tk.Status == "solved" {
			u, _ := zd.User(tk.RequesterID)
			wantEmails[normalEmail(u.Email)] = true
		}
	}
	if !wantEmails["dora.ng@northwind.example"] || len(wantEmails) < 2 {
		t.Fatalf("solved tickets' requesters %v: want Dora's and another", wantEmails)
	}
	for range 2 { // a second run, from the start, adds no one twice
		res, run = syncJSON(t, w, "solved-tickets-to-survey-audience")
		if run.code != 0 || res.Counts.DeadLettered != 0 {
			t.Fatalf("solved tickets to the audience: %+v\n%s", res, run)
		}
		contacts := sm.Contacts(surveymonkey.ContactListID)
		var got []string
		for _, c := range contacts {
			got = append(got, normalEmail(c.Email))
		}
		slices.Sort(got)
		var want []string
		for e := range wantEmails {
			want = append(want, e)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("contact list %v, want the solved tickets' requesters %v, each once", got, want)
		}
		w.mustCxhub("state", "reset", "solved-tickets-to-survey-audience")
	}
	if res.Counts.Created != 0 || res.Counts.Written == 0 {
		t.Errorf("the journey again from the start: %+v, want every contact found existing, none created", res.Counts)
	}
}

// TestSurveyDailyQuotaEndsRunCleanly: when SurveyMonkey's daily quota runs
// out mid-read, the sync succeeds with what it read, says when the quota
// resets, and the next sync (after the reset) reads the rest: the file
// holds every response once.
func TestSurveyDailyQuotaEndsRunCleanly(t *testing.T) {
	sm, _ := startSurveyVendors(t)
	w := newWorkspace(t, strings.Replace(surveyJourneysConfig(t), "token: ${SURVEYMONKEY_TOKEN:-sandbox-token}",
		"token: ${SURVEYMONKEY_TOKEN:-sandbox-token}\n      per_page: 10", 1))
	sm.SetDayRemaining(4) // the survey list, a survey's details, two pages
	res, run := syncJSON(t, w, "survey-responses-to-file")
	if run.code != 0 || res.Status != "succeeded" || res.Counts.Restarts != 0 {
		t.Fatalf("sync with the quota running out: %+v, want a clean success without restarts\n%s", res, run)
	}
	if !strings.Contains(run.stderr, "daily quota exhausted, resets at ") {
		t.Errorf("stderr does not say the daily quota is exhausted and when it resets:\n%s", run.stderr)
	}
	var total int
	for _, s := range sm.Surveys() {
		total += len(sm.Responses(s.ID))
	}
	if res.Counts.Read == 0 || res.Counts.Read >= int64(total) {
		t.Fatalf("read %d of %d: the quota did not cut the run short", res.Counts.Read, total)
	}
	if n := sm.Kit().Stats().Total; n != 4 {
		t.Errorf("%d requests, want the 4 the quota allowed: nothing is sent once it is spent", n)
	}
	sm.ResetDay()
	res, run = syncJSON(t, w, "survey-responses-to-file")
	if run.code != 0 || res.Status != "succeeded" {
		t.Fatalf("sync after the reset: %+v\n%s", res, run)
	}
	ids := map[string]int{}
	for _, l := range surveyLines(t, w.path("out/survey-responses.jsonl")) {
		ids[l.Get("id").String()]++
	}
	for _, s := range sm.Surveys() {
		for _, x := range sm.Responses(s.ID) {
			if ids[x.ID] != 1 {
				t.Errorf("response %s is %d lines, want 1", x.ID, ids[x.ID])
			}
		}
	}
}
