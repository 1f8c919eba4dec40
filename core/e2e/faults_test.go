package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	zendesk "github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// spike is the latency a latency fault adds to a request.
const spike = 300 * time.Millisecond

// faultRow is one line of the fault matrix: what the vendor sandbox does
// to requests during a sync.
type faultRow struct {
	name   string
	faults kit.Faults
}

// faultRows are the fault matrix. The default run has one row that
// injects every kind of fault at once; CXHUB_STRESS=1 adds each kind
// alone, and all of them together, at higher rates. Every kind a row
// names hits at least once (see meter.injectFaults), then at random.
func faultRows() []faultRow {
	rows := []faultRow{
		{"every kind at once", kit.Faults{ErrorRate: 0.04, RateLimitStorm: 3, Latency: kit.Duration(spike), LatencyRate: 0.03,
			DropRate: 0.02, DropAfterRate: 0.02, TruncateRate: 0.03}},
	}
	if !stressMode() {
		return rows
	}
	return append(rows,
		faultRow{"502 at 15%", kit.Faults{ErrorRate: 0.15, ErrorStatus: 502}},
		faultRow{"429 storm of 12", kit.Faults{RateLimitStorm: 12}},
		faultRow{"429 at 10%", kit.Faults{RateLimitRate: 0.1}},
		faultRow{"latency spikes at 20%", kit.Faults{Latency: kit.Duration(spike), LatencyRate: 0.2}},
		faultRow{"resets before the change at 10%", kit.Faults{DropRate: 0.1}},
		faultRow{"resets after the change at 10%", kit.Faults{DropAfterRate: 0.1}},
		faultRow{"truncated bodies at 15%", kit.Faults{TruncateRate: 0.15}},
		faultRow{"every kind at once, often", kit.Faults{ErrorRate: 0.08, RateLimitStorm: 10, RateLimitRate: 0.04,
			Latency: kit.Duration(spike), LatencyRate: 0.08, DropRate: 0.05, DropAfterRate: 0.05, TruncateRate: 0.08}},
	)
}

// faultBudget bounds each fault test: a row that would start after it is
// skipped, saying so.
func faultBudget() time.Duration { return bySize(2*time.Minute, 5*time.Minute) }

// skipPast skips the test if the time budget ending at end is spent.
func skipPast(t *testing.T, end time.Time) {
	t.Helper()
	if time.Now().After(end) {
		t.Skipf("the fault test's time budget (%v) is spent: this row was not run", faultBudget())
	}
}

// forceEvery is how often the meter forces one kind of a row's faults.
const forceEvery = 3

// wantInjected fails the test unless the sandbox really injected every
// kind of fault the row asks for, as its kit and the meter counted them.
func wantInjected(t *testing.T, row faultRow, k *kit.Kit, m *meter) {
	t.Helper()
	st, ms := k.Stats(), m.stats()
	f := row.faults
	status := f.ErrorStatus
	if status == 0 {
		status = 503
	}
	checks := []struct {
		asked bool
		got   int
		least int
		what  string
	}{
		{f.ErrorRate > 0, st.ByStatus[status], 1, fmt.Sprintf("%d answers", status)},
		{f.RateLimitStorm > 0, st.ByStatus[429], f.RateLimitStorm, "429 answers (storm)"},
		{f.RateLimitRate > 0, st.ByStatus[429], f.RateLimitStorm + 1, "429 answers (at random)"},
		{f.Latency > 0, ms.Slow, 1, "answers slower than " + spike.String()},
		{f.DropRate > 0 || f.DropAfterRate > 0, ms.Reset, count(f.DropRate > 0) + count(f.DropAfterRate > 0),
			"connections closed without an answer"},
		{f.TruncateRate > 0, ms.Truncated, 1, "answers cut mid-body"},
	}
	for _, c := range checks {
		if c.asked && c.got < c.least {
			t.Errorf("the sandbox gave %d %s, want at least %d: the faults were not injected (stats %+v, meter %+v)",
				c.got, c.what, c.least, st, ms)
		}
	}
	t.Logf("%d requests; by status %v; meter %+v", st.Total, st.ByStatus, ms)
}

// count is 1 for true, 0 for false.
func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

// wantSucceeded checks that a sync under faults succeeded with exactly
// dead dead letters.
func wantSucceeded(t *testing.T, res syncResult, run result, dead int) {
	t.Helper()
	t.Logf("sync counts %+v", res.Counts)
	if run.code != 0 || res.Status != "succeeded" || res.Counts.DeadLettered != int64(dead) {
		t.Fatalf("sync under faults: %+v, want succeeded with %d dead letter(s)\n%s", res, dead, run)
	}
}

// wantDeadLetters checks that the pending dead letters are exactly the
// refused records, each with the vendor's own message.
func wantDeadLetters(t *testing.T, w *workspace, refused map[string]string) {
	t.Helper()
	dls := deadLetters(t, w, "pending")
	seen := map[string]bool{}
	for _, d := range dls {
		msg, ok := refused[d.Key]
		switch {
		case !ok:
			t.Errorf("dead letter for %s, which the vendor accepts: %s (%s)", d.Key, d.Error, d.ErrorKind)
		case seen[d.Key]:
			t.Errorf("%s is dead-lettered twice", d.Key)
		case d.ErrorKind != "bad_record" || !strings.Contains(d.Error, msg):
			t.Errorf("dead letter for %s: %s (%s), want a bad record with the vendor's message %q", d.Key, d.Error, d.ErrorKind, msg)
		}
		seen[d.Key] = true
	}
	for key := range refused {
		if !seen[key] {
			t.Errorf("%s was refused by the vendor but is not a dead letter", key)
		}
	}
}

// retryFast is the pipelines' retry setting under faults: the sandbox
// answers at once, so short waits keep the test short.
const retryFast = `retry: {initial_interval: 50ms, max_interval: 1s, max_elapsed: 2m}`

// TestFaultsHubSpotSourceToFile: the HubSpot source reads contacts
// through every kind of fault; the file ends up equal to HubSpot.
func TestFaultsHubSpotSourceToFile(t *testing.T) {
	end := deadline(t, faultBudget())
	for _, row := range faultRows() {
		t.Run(row.name, func(t *testing.T) {
			skipPast(t, end)
			seed := testSeed(t)
			hs, m, url := startHubSpot(t, seed, bySize(3_000, 8_000))
			w := newWorkspace(t, fmt.Sprintf(hubSpotToFile, url)+"    "+retryFast+"\n")
			if err := m.injectFaults(hs.Kit(), row.faults, forceEvery); err != nil {
				t.Fatal(err)
			}
			res, run := syncJSON(t, w)
			wantSucceeded(t, res, run, 0)
			wantInjected(t, row, hs.Kit(), m)
			wantFileMatchesContacts(t, w, hs.Objects("contacts"))
		})
	}
}

// TestFaultsFileToHubSpot: customers are written into HubSpot contacts
// through every kind of fault. The ones HubSpot refuses (invalid emails)
// are dead letters with HubSpot's message; every other one is exactly one
// contact with its content.
func TestFaultsFileToHubSpot(t *testing.T) {
	end := deadline(t, faultBudget())
	for _, row := range faultRows() {
		t.Run(row.name, func(t *testing.T) {
			skipPast(t, end)
			seed := testSeed(t)
			hs, m, url := startHubSpot(t, seed, 0)
			w := newWorkspace(t, fmt.Sprintf(customersToHubSpot, url, 25)+"    "+retryFast+"\n")
			src := newCustomers(bySize(1_000, 4_000), 0)
			good := &customers{}
			refused := map[string]string{}
			for i := range src.lines {
				if i%97 == 5 {
					src.lines[i].Email = fmt.Sprintf("not-an-email-%d", i)
					refused[src.lines[i].ID] = fmt.Sprintf("Email address not-an-email-%d is invalid", i)
					continue
				}
				good.lines = append(good.lines, src.lines[i])
			}
			src.write(t, w, "customers")
			if err := m.injectFaults(hs.Kit(), row.faults, forceEvery); err != nil {
				t.Fatal(err)
			}
			res, run := syncJSON(t, w)
			wantSucceeded(t, res, run, len(refused))
			wantInjected(t, row, hs.Kit(), m)
			wantContactsExactly(t, hs, good)
			wantDeadLetters(t, w, refused)
		})
	}
}

// startZendesk serves an empty Zendesk behind a meter, without rate
// limits of its own (the faults bring the 429s); an injected 429 asks
// for no wait.
func startZendesk(t *testing.T, seed uint64) (*zendesk.Sandbox, *meter, string) {
	t.Helper()
	zd, err := zendesk.New(zendesk.Options{Seed: seed, Empty: true, NoRateLimits: true, FaultRetryAfter: -1, JobPolls: -1})
	if err != nil {
		t.Fatal(err)
	}
	m, url := startMetered(t, zd.Handler(), spike)
	return zd, m, url
}

// fileToZendesk is the config of a file → Zendesk pipeline "helpdesk":
// the sandbox's URL, the stream, the map and the batch size.
const fileToZendesk = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  inbox:
    connector: file
    config: {dir: in, streams: {%[2]s: {key: id}}}
  helpdesk:
    connector: zendesk
    config: {base_url: "%[1]s", email: ops@example.com, token: sandbox-token, requests_per_minute: 100000}
pipelines:
  - name: helpdesk
    from: {connection: inbox,    stream: %[2]s}
    to:   {connection: helpdesk, stream: %[2]s}
    map: %[3]s
    batch_size: %[4]d
    ` + retryFast + `
`

// TestFaultsFileToZendeskTickets: complaints become tickets through every
// kind of fault. The ones Zendesk refuses (an invalid priority) are dead
// letters with Zendesk's message; every other one is exactly one ticket.
func TestFaultsFileToZendeskTickets(t *testing.T) {
	end := deadline(t, faultBudget())
	for _, row := range faultRows() {
		t.Run(row.name, func(t *testing.T) {
			skipPast(t, end)
			seed := testSeed(t)
			zd, m, url := startZendesk(t, seed)
			w := newWorkspace(t, fmt.Sprintf(fileToZendesk, url, "tickets",
				"{external_id: id, subject: subject, comment.body: body, requester.email: email, priority: severity}", 20))
			n := bySize(80, 300)
			var lines strings.Builder
			refused := map[string]string{}
			for i := range n {
				severity := []string{"low", "normal", "high", "urgent"}[i%4]
				if i%23 == 7 {
					severity = "medium"
					refused[fmt.Sprintf("T-%d", i)] = `"medium" is not a valid priority`
				}
				fmt.Fprintf(&lines, `{"id":"T-%d","email":"person%d@example.org","subject":"Complaint %d","body":"It broke (%d).","severity":%q}`+"\n",
					i, i%40, i, i, severity)
			}
			w.write("in/tickets.jsonl", lines.String())
			before := len(zd.Tickets())
			if err := m.injectFaults(zd.Kit(), row.faults, forceEvery); err != nil {
				t.Fatal(err)
			}
			res, run := syncJSON(t, w)
			wantSucceeded(t, res, run, len(refused))
			wantInjected(t, row, zd.Kit(), m)
			wantDeadLetters(t, w, refused)
			if got, want := len(zd.Tickets())-before, n-len(refused); got != want {
				t.Errorf("Zendesk holds %d new tickets, want %d", got, want)
			}
			for i := range n {
				id := fmt.Sprintf("T-%d", i)
				got := zd.TicketsByExternalID(id)
				want := 1
				if _, ok := refused[id]; ok {
					want = 0
				}
				if len(got) != want || (want == 1 && got[0].Subject != fmt.Sprintf("Complaint %d", i)) {
					t.Fatalf("complaint %s is %d tickets (%+v), want %d", id, len(got), got, want)
				}
			}
		})
	}
}

// TestFaultsFileToZendeskUsers: people become Zendesk users (batch jobs)
// through every kind of fault. The ones Zendesk refuses (a malformed
// email) are dead letters with Zendesk's message; every other one is
// exactly one user with its name.
func TestFaultsFileToZendeskUsers(t *testing.T) {
	end := deadline(t, faultBudget())
	for _, row := range faultRows() {
		t.Run(row.name, func(t *testing.T) {
			skipPast(t, end)
			seed := testSeed(t)
			zd, m, url := startZendesk(t, seed)
			w := newWorkspace(t, fmt.Sprintf(fileToZendesk, url, "users", "{external_id: id, email: email, name: name}", 10))
			n := bySize(200, 800)
			var lines strings.Builder
			refused := map[string]string{}
			emails := map[string]string{}
			for i := range n {
				id, email := fmt.Sprintf("U-%d", i), fmt.Sprintf("user%d@example.org", i)
				if i%29 == 3 {
					email = fmt.Sprintf("user %d at example.org", i)
					refused[id] = fmt.Sprintf("Email: %s is not properly formatted", email)
				} else {
					emails[id] = email
				}
				fmt.Fprintf(&lines, `{"id":%q,"email":%q,"name":"Person %d"}`+"\n", id, email, i)
			}
			w.write("in/users.jsonl", lines.String())
			before := len(zd.Users()) // the account's staff
			if err := m.injectFaults(zd.Kit(), row.faults, forceEvery); err != nil {
				t.Fatal(err)
			}
			res, run := syncJSON(t, w)
			wantSucceeded(t, res, run, len(refused))
			wantInjected(t, row, zd.Kit(), m)
			wantDeadLetters(t, w, refused)
			if got := len(zd.Users()) - before; got != len(emails) {
				t.Errorf("Zendesk holds %d new users, want %d", got, len(emails))
			}
			for id, email := range emails {
				got := zd.UsersByEmail(email)
				if len(got) != 1 || got[0].ExternalID != id || got[0].Name != "Person "+strings.TrimPrefix(id, "U-") {
					t.Fatalf("%s (%s) is %+v, want one user named after it", id, email, got)
				}
			}
		})
	}
}

// wantFileMatchesContacts fails the test unless out/contacts.jsonl holds
// exactly the given HubSpot contacts, once each, with their content.
func wantFileMatchesContacts(t *testing.T, w *workspace, contacts []hubspotObject) {
	t.Helper()
	out := jsonLines(t, w.read("out/contacts.jsonl"), "id")
	if len(out) != len(contacts) {
		t.Errorf("the file holds %d contacts, HubSpot %d", len(out), len(contacts))
	}
	for _, c := range contacts {
		got, ok := out[c.ID]
		if !ok {
			t.Fatalf("contact %s is not in the file", c.ID)
		}
		if got["email"] != c.Properties["email"] || got["first"] != c.Properties["firstname"] || got["last"] != c.Properties["lastname"] {
			t.Fatalf("contact %s in the file is %v, HubSpot holds %v", c.ID, got, c.Properties)
		}
	}
}
