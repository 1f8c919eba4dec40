package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	hubspot "github.com/cxhub/cxhub/connectors/hubspot/sandbox"
)

// The crash, kill and shutdown tests move customers from a JSON Lines file
// into HubSpot contacts, which the sandbox upserts by email: exactly one
// contact per email, whatever is sent again.

// customerLine is one line of the customers file. The first name carries
// the line's version of its customer ("F12.v3"), so that a test can tell
// which line a contact was last written from.
type customerLine struct {
	ID, Email, First, Last string
	Version                int
}

// customers is a customers file's content, line by line.
type customers struct {
	lines []customerLine
}

// newCustomers returns n customers, then updates lines that each change
// the first name of an earlier customer (every customer at most once more
// than the one before it), spread over the whole file.
func newCustomers(n, updates int) *customers {
	c := &customers{lines: make([]customerLine, 0, n+updates)}
	for i := range n {
		c.lines = append(c.lines, customerLine{ID: fmt.Sprintf("c%07d", i), Email: fmt.Sprintf("crash%07d@example.org", i),
			First: fmt.Sprintf("F%d.v0", i), Last: fmt.Sprintf("L%d", i)})
	}
	version := make([]int, n)
	for j := range updates {
		i := (j*7919 + 13) % n
		version[i]++
		c.lines = append(c.lines, customerLine{ID: fmt.Sprintf("c%07d", i), Email: fmt.Sprintf("crash%07d@example.org", i),
			First: fmt.Sprintf("F%d.v%d", i, version[i]), Last: fmt.Sprintf("L%d", i), Version: version[i]})
	}
	return c
}

// grow appends n new customers.
func (c *customers) grow(n int) {
	first := 0
	for _, l := range c.lines {
		if l.Version == 0 {
			first++
		}
	}
	for i := first; i < first+n; i++ {
		c.lines = append(c.lines, customerLine{ID: fmt.Sprintf("c%07d", i), Email: fmt.Sprintf("crash%07d@example.org", i),
			First: fmt.Sprintf("F%d.v0", i), Last: fmt.Sprintf("L%d", i)})
	}
}

// write writes the file in/<stream>.jsonl of the workspace.
func (c *customers) write(t *testing.T, w *workspace, stream string) {
	t.Helper()
	f, err := os.Create(w.path("in/" + stream + ".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	for _, l := range c.lines {
		fmt.Fprintf(bw, `{"id":%q,"email":%q,"first":%q,"last":%q,"note":"padding so that a line is about a hundred bytes"}`+"\n",
			l.ID, l.Email, l.First, l.Last)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// final returns the last line of each customer, by email.
func (c *customers) final() map[string]customerLine {
	out := map[string]customerLine{}
	for _, l := range c.lines {
		out[l.Email] = l
	}
	return out
}

// hubspotObject is an object as the HubSpot sandbox holds it.
type hubspotObject = hubspot.Object

// contactVersion is what the sandbox holds for one email: how many
// contacts, and the version and last name of one of them.
type contactVersion struct {
	count   int
	version int
	first   string
	last    string
}

// contactsByEmail returns the sandbox's contacts by email.
func contactsByEmail(hs *hubspot.Sandbox) map[string]contactVersion {
	out := map[string]contactVersion{}
	for _, o := range hs.Objects("contacts") {
		email := normalEmail(o.Properties["email"])
		v := out[email]
		v.count++
		v.first, v.last = o.Properties["firstname"], o.Properties["lastname"]
		v.version = -1
		if _, after, ok := strings.Cut(v.first, ".v"); ok {
			if n, err := strconv.Atoi(after); err == nil {
				v.version = n
			}
		}
		out[email] = v
	}
	return out
}

// wantContactsExactly fails the test unless the sandbox holds exactly one
// contact per customer of the file, with its last line's names, and no
// other contact.
func wantContactsExactly(t *testing.T, hs *hubspot.Sandbox, c *customers) {
	t.Helper()
	want := c.final()
	got := contactsByEmail(hs)
	var problems []string
	for email, l := range want {
		g, ok := got[email]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s (%s) is missing", email, l.ID))
		case g.count != 1:
			problems = append(problems, fmt.Sprintf("%s is %d contacts", email, g.count))
		case g.first != l.First || g.last != l.Last:
			problems = append(problems, fmt.Sprintf("%s holds %s %s, want %s %s", email, g.first, g.last, l.First, l.Last))
		}
	}
	for email := range got {
		if _, ok := want[email]; !ok {
			problems = append(problems, fmt.Sprintf("%s is a contact no line asked for", email))
		}
	}
	if len(problems) > 0 {
		t.Fatalf("%d of %d contacts are wrong:\n%s", len(problems), len(want), sprintLines(problems, 20))
	}
}

// wantCovered fails the test if a line before the checkpoint's (the lines
// the checkpoint says are done) is not in the sandbox at that line's
// version or a later one.
func wantCovered(t *testing.T, hs *hubspot.Sandbox, c *customers, line int) {
	t.Helper()
	got := contactsByEmail(hs)
	for i := 0; i < line && i < len(c.lines); i++ {
		l := c.lines[i]
		g, ok := got[l.Email]
		if !ok || g.version < l.Version {
			t.Fatalf("the checkpoint covers line %d, but line %d (%s, version %d) is not in HubSpot: it holds %+v",
				line, i, l.Email, l.Version, g)
		}
	}
}

// fileCheckpoint is the file source's checkpoint: where the next read
// starts.
type fileCheckpoint struct {
	Offset int64 `json:"offset"`
	Line   int   `json:"line"`
}

// checkpointOf returns a pipeline's persisted file checkpoint, as
// `cxhub state show -o json` reports it (zero if none).
func checkpointOf(t *testing.T, w *workspace, pipeline string) fileCheckpoint {
	t.Helper()
	var cps []struct{ Stream, State string }
	r := w.mustCxhub("state", "show", pipeline, "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &cps); err != nil {
		t.Fatalf("state show: %v\n%s", err, r)
	}
	var cp fileCheckpoint
	if len(cps) == 0 {
		return cp
	}
	if len(cps) > 1 {
		t.Fatalf("pipeline %s has %d checkpoints, want one stream's", pipeline, len(cps))
	}
	if err := json.Unmarshal([]byte(cps[0].State), &cp); err != nil {
		t.Fatalf("checkpoint state %q: %v", cps[0].State, err)
	}
	return cp
}

// startHubSpot serves a HubSpot seeded with the given number of contacts
// (none if 0) and no companies or notes, behind a meter that counts
// answers slower than spike, with rate limits high enough not to
// dominate a large sync.
func startHubSpot(t *testing.T, seed uint64, contacts int) (*hubspot.Sandbox, *meter, string) {
	t.Helper()
	if contacts == 0 {
		contacts = -1
	}
	hs, err := hubspot.New(hubspot.Options{Seed: seed, Contacts: contacts, Companies: -1, Notes: -1,
		RateLimit: 500, RateInterval: time.Second, SearchLimit: 20, DailyLimit: 10_000_000})
	if err != nil {
		t.Fatal(err)
	}
	m, url := startMetered(t, hs.Handler(), spike)
	return hs, m, url
}

// customersToHubSpot is the config of the file → HubSpot pipeline "load";
// %s is the sandbox's URL.
const customersToHubSpot = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  inbox:
    connector: file
    config: {dir: in, streams: {customers: {key: id}}}
  crm:
    connector: hubspot
    config: {base_url: "%s", token: sandbox-token}
pipelines:
  - name: load
    from: {connection: inbox, stream: customers}
    to:   {connection: crm,   stream: contacts}
    map: {email: email, firstname: first, lastname: last}
    batch_size: %d
`

// isContactWrite reports whether r writes contacts in a batch.
func isContactWrite(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/crm/v3/objects/contacts/batch/") &&
		!strings.HasSuffix(r.URL.Path, "/read")
}
