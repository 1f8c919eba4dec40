package benchmark

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// TargetWritesPerEdit is what a two-way sync in its steady state writes
// per real edit (issue 20): one write, to the other side, and nothing back.
const TargetWritesPerEdit = 1.00

// TwoWay is the two-way steady-state scenario's figures, one sample per
// round after the initial sync.
type TwoWay struct {
	Contacts, Edits int // contacts synced; real edits per round (half on each side)
	InitialSeconds  float64
	Writes          Figure // objects written per round, as the sandboxes saw them
	WritesPerEdit   Figure
	RoundSeconds    Figure // both pipelines of a round
	TooMany         Figure // requests the sandboxes answered 429 in a round
}

// twoWayYAML syncs HubSpot contacts and Zendesk users both ways, as the
// two-way e2e test does: %[1]s the plugins, %[2]s and %[3]s the sandboxes.
const twoWayYAML = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: %[1]q}
connections:
  crm:
    connector: hubspot
    config: {base_url: %[2]q, token: %[4]q, search_lag: "0"}
  desk:
    connector: zendesk
    config: {base_url: %[3]q, email: %[5]q, token: %[6]q, requests_per_minute: 100000}
syncs:
  - name: people
    a: {connection: crm, stream: contacts}
    b: {connection: desk, stream: users}
    match: email
    to_b:
      email: properties.email
      phone: properties.phone
      name: "{{properties.firstname}} {{properties.lastname}}"
      external_id: "hubspot-{{id}}"
    to_a:
      email: email
      phone: phone
      firstname: name
    owners: {name: a}
    send_always: [external_id]
    where_b: 'role == "end-user"'
`

// The Zendesk sandbox's default credentials.
const (
	zendeskEmail = "ops@example.com"
	zendeskToken = "sandbox-token"
)

// twoWaySandboxes are the two sandbox processes of the scenario.
type twoWaySandboxes struct{ hs, zd *sandboxProcess }

// runTwoWay syncs contacts HubSpot contacts to an empty Zendesk, then runs
// rounds (a → b, Zendesk's clock past its export's one-minute exclusion,
// b → a), each after edits real users would make: the phone of edits/2
// contacts in HubSpot and of edits/2 other users in Zendesk, through its
// API. A round's writes are counted by the sandboxes — the objects whose
// modified time moved — and must equal the runs' written counts; each
// edit must have reached the other side.
func runTwoWay(ctx context.Context, o Options, dir string, contacts, rounds, edits int) (*TwoWay, error) {
	hs, err := startSandbox(ctx, o.Sandbox, "hubspot")
	if err != nil {
		return nil, err
	}
	defer hs.stop()
	zd, err := startSandbox(ctx, o.Sandbox, "zendesk")
	if err != nil {
		return nil, err
	}
	defer zd.stop()
	sb := twoWaySandboxes{hs: hs, zd: zd}
	var added struct {
		IDs []string `json:"ids"`
	}
	if err := postJSON(ctx, hs.url+"/_sandbox/hubspot/add", "", map[string]any{"object": "contacts", "count": contacts}, &added); err != nil {
		return nil, err
	}
	if len(added.IDs) != contacts || contacts < rounds*edits {
		return nil, fmt.Errorf("hubspot sandbox added %d contacts, want %d (at least %d edits)", len(added.IDs), contacts, rounds*edits)
	}
	cfg := filepath.Join(dir, "twoway.yaml")
	yaml := fmt.Sprintf(twoWayYAML, o.PluginDir, hs.url, zd.url, hubspotToken, zendeskEmail, zendeskToken)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		return nil, fmt.Errorf("write two-way config: %w", err)
	}

	out := &TwoWay{Contacts: contacts, Edits: edits}
	first, err := sb.round(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("initial sync: %w", err)
	}
	if first.ab.Records != int64(contacts) || first.ab.Written != int64(contacts) || first.ba.Written != 0 {
		return nil, fmt.Errorf("initial sync: a → b read %d and wrote %d, b → a wrote %d; want %d, %d and 0",
			first.ab.Records, first.ab.Written, first.ba.Written, contacts, contacts)
	}
	out.InitialSeconds = first.seconds()
	o.progress("two-way initial sync: %d contacts in %.1fs", contacts, out.InitialSeconds)

	for r := range rounds {
		ids := added.IDs[r*edits : (r+1)*edits]
		inA, inB := ids[:edits/2], ids[edits/2:]
		phone := func(id string) string { return fmt.Sprintf("+1 555 %02d%s", r, id) }
		for _, id := range inA {
			if err := postJSON(ctx, hs.url+"/_sandbox/hubspot/update", "", map[string]any{"object": "contacts", "id": id,
				"properties": map[string]string{"phone": phone(id)}}, nil); err != nil {
				return nil, err
			}
		}
		for _, id := range inB {
			if err := postJSON(ctx, zd.url+"/api/v2/users/create_or_update.json", zendeskEmail+"/token:"+zendeskToken,
				map[string]any{"user": map[string]any{"external_id": "hubspot-" + id, "phone": phone(id)}}, nil); err != nil {
				return nil, err
			}
		}
		// Past the export's exclusion: a → b's peek sees Zendesk's edits,
		// and its writes are stamped later than them.
		if err := postJSON(ctx, zd.url+"/_sandbox/zendesk/clock", "", map[string]string{"advance": "2m"}, nil); err != nil {
			return nil, err
		}
		hsBefore, zdBefore, err := sb.snapshot(ctx)
		if err != nil {
			return nil, err
		}
		if err := sb.resetStats(ctx); err != nil {
			return nil, err
		}
		run, err := sb.round(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", r+1, err)
		}
		tooMany, err := sb.tooMany(ctx)
		if err != nil {
			return nil, err
		}
		hsAfter, zdAfter, err := sb.snapshot(ctx)
		if err != nil {
			return nil, err
		}
		toA, toB := hsAfter.changedSince(hsBefore), zdAfter.changedSince(zdBefore)
		for _, id := range inA {
			if got := zdAfter.byExt["hubspot-"+id].Phone; got != phone(id) {
				return nil, fmt.Errorf("round %d: hubspot contact %s's new phone %q did not reach zendesk (%q)", r+1, id, phone(id), got)
			}
		}
		for _, id := range inB {
			if got := hsAfter.byID[id].Phone; got != phone(id) {
				return nil, fmt.Errorf("round %d: zendesk user hubspot-%s's new phone %q did not reach hubspot (%q)", r+1, id, phone(id), got)
			}
		}
		if written := run.ab.Written + run.ba.Written; written != int64(toA+toB) {
			return nil, fmt.Errorf("round %d: the runs wrote %d (a → b %d, b → a %d), the sandboxes saw %d objects written (hubspot %d, zendesk %d)",
				r+1, written, run.ab.Written, run.ba.Written, toA+toB, toA, toB)
		}
		out.Writes.Add(float64(toA + toB))
		out.WritesPerEdit.Add(float64(toA+toB) / float64(edits))
		out.RoundSeconds.Add(run.seconds())
		out.TooMany.Add(float64(tooMany))
		o.progress("two-way round %d: %d edits, %d writes (hubspot %d, zendesk %d) in %.1fs (a → b %.1fs, b → a %.1fs), %d answered 429",
			r+1, edits, toA+toB, toA, toB, run.seconds(), run.ab.Elapsed.Seconds(), run.ba.Elapsed.Seconds(), tooMany)
	}
	return out, nil
}

// twoWayRun is one round's two runs.
type twoWayRun struct{ ab, ba PipelineRun }

func (r twoWayRun) seconds() float64 { return (r.ab.Elapsed + r.ba.Elapsed).Seconds() }

// round runs a → b, moves Zendesk's clock past its export's one-minute
// exclusion, and runs b → a.
func (sb twoWaySandboxes) round(ctx context.Context, cfg string) (twoWayRun, error) {
	var out twoWayRun
	var err error
	if out.ab, err = syncInProcess(ctx, cfg, "people-a-to-b"); err != nil {
		return out, err
	}
	if err := postJSON(ctx, sb.zd.url+"/_sandbox/zendesk/clock", "", map[string]string{"advance": "2m"}, nil); err != nil {
		return out, err
	}
	out.ba, err = syncInProcess(ctx, cfg, "people-b-to-a")
	return out, err
}

// resetStats zeroes both sandboxes' request counters.
func (sb twoWaySandboxes) resetStats(ctx context.Context) error {
	for _, p := range []*sandboxProcess{sb.hs, sb.zd} {
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, p.url+"/_sandbox/stats", nil)
		if err != nil {
			return err
		}
		if err := doJSON(req, "", nil); err != nil {
			return err
		}
	}
	return nil
}

// tooMany is how many requests both sandboxes answered 429 since their
// counters were reset.
func (sb twoWaySandboxes) tooMany(ctx context.Context) (int, error) {
	n := 0
	for _, p := range []*sandboxProcess{sb.hs, sb.zd} {
		var stats struct {
			ByStatus map[int]int `json:"by_status"`
		}
		if err := getJSON(ctx, p.url+"/_sandbox/stats", &stats); err != nil {
			return 0, err
		}
		n += stats.ByStatus[http.StatusTooManyRequests]
	}
	return n, nil
}

// objectState is what the scenario looks at of one object.
type objectState struct{ Phone, Modified string }

// snapshot is every object of one sandbox, by id (HubSpot) or external id
// (Zendesk).
type snapshot struct{ byID, byExt map[string]objectState }

// changedSince counts the objects written since before: new, or with a
// later modified time.
func (s snapshot) changedSince(before snapshot) int {
	n := 0
	for _, m := range []struct{ now, then map[string]objectState }{{s.byID, before.byID}, {s.byExt, before.byExt}} {
		for k, o := range m.now {
			if prev, ok := m.then[k]; !ok || prev.Modified != o.Modified {
				n++
			}
		}
	}
	return n
}

// snapshot reads every HubSpot contact (admin endpoint) and every Zendesk
// user (its API, by pages).
func (sb twoWaySandboxes) snapshot(ctx context.Context) (hs, zd snapshot, err error) {
	var contacts struct {
		Results []struct {
			ID         string
			Properties map[string]string
			UpdatedAt  time.Time
		} `json:"results"`
	}
	if err := getJSON(ctx, sb.hs.url+"/_sandbox/hubspot/objects/contacts", &contacts); err != nil {
		return hs, zd, err
	}
	hs = snapshot{byID: map[string]objectState{}}
	for _, c := range contacts.Results {
		hs.byID[c.ID] = objectState{Phone: c.Properties["phone"], Modified: c.UpdatedAt.Format(time.RFC3339Nano)}
	}
	zd = snapshot{byExt: map[string]objectState{}}
	next := sb.zd.url + "/api/v2/users.json?page%5Bsize%5D=100"
	for next != "" {
		var page struct {
			Users []struct {
				ID         int64   `json:"id"`
				ExternalID *string `json:"external_id"`
				Phone      *string `json:"phone"`
				UpdatedAt  string  `json:"updated_at"`
			} `json:"users"`
			Links struct {
				Next *string `json:"next"`
			} `json:"links"`
		}
		if err := getAuthJSON(ctx, next, zendeskEmail+"/token:"+zendeskToken, &page); err != nil {
			return hs, zd, err
		}
		for _, u := range page.Users {
			key := "id-" + strconv.FormatInt(u.ID, 10)
			if u.ExternalID != nil {
				key = *u.ExternalID
			}
			var phone string
			if u.Phone != nil {
				phone = *u.Phone
			}
			zd.byExt[key] = objectState{Phone: phone, Modified: u.UpdatedAt}
		}
		next = ""
		if page.Links.Next != nil {
			next = *page.Links.Next
		}
	}
	return hs, zd, nil
}

// postJSON posts body as JSON to u (with basic auth "user:password" if
// given) and reads a JSON answer into out (nil: discarded).
func postJSON(ctx context.Context, u, auth string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("post %s: %w", u, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("post %s: %w", u, err)
	}
	req.Header.Set("Content-Type", "application/json")
	return doJSON(req, auth, out)
}

// getAuthJSON is getJSON with basic auth.
func getAuthJSON(ctx context.Context, u, auth string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("read %s: %w", u, err)
	}
	return doJSON(req, auth, out)
}

func doJSON(req *http.Request, auth string, out any) error {
	if auth != "" {
		i := strings.LastIndexByte(auth, ':') // the user is "email/token"
		user, pass := auth[:max(i, 0)], auth[i+1:]
		req.SetBasicAuth(user, pass)
	}
	where := req.Method + " " + redactQuery(req.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s: %s", where, resp.Status, msg)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	} else {
		err = json.NewDecoder(resp.Body).Decode(out)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// redactQuery is u without its query, for error messages.
func redactQuery(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	return c.String()
}

// twoWayTargets adds the scenario's verdict.
func (r *Report) twoWayTargets(check func(bool, string, ...any)) {
	w := r.TwoWay
	if w == nil || w.WritesPerEdit.Runs() == 0 {
		return
	}
	check(w.WritesPerEdit.Min() == TargetWritesPerEdit && w.WritesPerEdit.Max() == TargetWritesPerEdit,
		"two-way steady state: %.2f–%.2f writes per real edit over %d rounds of %d edits (target = %.2f)",
		w.WritesPerEdit.Min(), w.WritesPerEdit.Max(), w.WritesPerEdit.Runs(), w.Edits, TargetWritesPerEdit)
}

// printTwoWay writes the scenario's table.
func (r *Report) printTwoWay(out io.Writer) {
	w := r.TwoWay
	if w == nil {
		return
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "TWO-WAY STEADY STATE  HubSpot ↔ Zendesk sandboxes, a syncs: pair, %d contacts (initial sync %.1f s)\n", w.Contacts, w.InitialSeconds)
	fmt.Fprintf(out, "  rounds of %d real edits (%d on each side): writes %s, writes per real edit %s, round s %s, answered 429 %s\n",
		w.Edits, w.Edits/2, w.Writes.Format("%.0f"), w.WritesPerEdit.Format("%.2f"), w.RoundSeconds.Format("%.1f"), w.TooMany.Format("%.0f"))
}

// twoWay runs the scenario if o asks for it (nil if not).
func (o Options) twoWay(ctx context.Context, dir string) (*TwoWay, error) {
	if o.TwoWayContacts <= 0 {
		return nil, nil
	}
	runDir := filepath.Join(dir, "twoway")
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return nil, err
	}
	w, err := runTwoWay(ctx, o, runDir, o.TwoWayContacts, max(o.TwoWayRounds, 1), max(o.TwoWayEdits, 2))
	if err != nil {
		return nil, fmt.Errorf("two-way steady state: %w", err)
	}
	return w, nil
}

// RunTwoWay measures only the two-way steady state (cxhub-bench
// -only-twoway): a report with that row.
func RunTwoWay(ctx context.Context, o Options) (*Report, error) {
	rep := &Report{Options: o, Started: time.Now()}
	dir, err := os.MkdirTemp("", "cxhub-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if rep.TwoWay, err = o.twoWay(ctx, dir); err != nil {
		return nil, err
	}
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
}

// PrintTwoWay writes the two-way row and its verdict alone.
func (r *Report) PrintTwoWay(out io.Writer) {
	r.printTwoWay(out)
	fmt.Fprintln(out)
	r.twoWayTargets(func(ok bool, format string, args ...any) {
		verdict := "MET   "
		if !ok {
			verdict = "MISSED"
		}
		fmt.Fprintln(out, verdict+" "+fmt.Sprintf(format, args...))
	})
}
