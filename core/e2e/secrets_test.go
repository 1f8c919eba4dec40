package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hubspot "github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	zendesk "github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// A secret value (a field the connector's schema marks "secret": true)
// never appears in what cxhub prints, logs or stores, even when a
// connector's own error quotes it.
func TestSecretValuesNeverShow(t *testing.T) {
	const secret = "tok-8c1f6e2b9d"
	w := newWorkspace(t, `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  src:
    connector: inline
    config:
      api_key: ${CXHUB_E2E_KEY}
      records: [{id: 1, email: a@example.com}]
  dst:
    connector: inline
    config:
      api_key: ${CXHUB_E2E_KEY}
      file: no-such-dir-${CXHUB_E2E_KEY}/customers.jsonl
pipelines:
  - name: leak
    from: {connection: src, stream: customers}
    to: {connection: dst, stream: customers}
`)
	t.Setenv("CXHUB_E2E_KEY", secret)
	var outputs []string
	record := func(r result) {
		outputs = append(outputs, r.stdout, r.stderr)
	}
	sync := w.cxhub("sync", "--log-level", "debug")
	record(sync)
	if sync.code == 0 {
		t.Fatalf("sync into a missing directory succeeded:\n%s", sync)
	}
	if !strings.Contains(sync.stderr, "no-such-dir-[redacted]") {
		t.Errorf("the failure is not reported with the secret redacted:\n%s", sync)
	}
	record(w.cxhub("check", "dst"))
	record(w.cxhub("check", "dst", "-o", "json"))
	record(w.cxhub("runs"))
	record(w.cxhub("runs", "-o", "json"))
	record(w.cxhub("validate", "-o", "json"))
	record(w.cxhub("sync", "-o", "json"))
	for _, out := range outputs {
		if strings.Contains(out, secret) {
			t.Fatalf("a secret value shows:\n%s", out)
		}
	}
	if runs := w.cxhub("runs", "-o", "json"); !strings.Contains(runs.stdout, "[redacted]") {
		t.Errorf("the stored run error does not carry the redaction:\n%s", runs)
	}
}

// secretsConfig has a secret in every field the HubSpot and Zendesk
// connectors mark secret, each from the environment: a good HubSpot token,
// a stale one HubSpot refuses (401), a client secret, a Zendesk token and
// webhook secret. One connection's base_url carries the token in its path,
// a misconfiguration HubSpot's 404 message echoes. %[1]s is HubSpot's URL,
// %[2]s Zendesk's.
const secretsConfig = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  inbox:
    connector: file
    config: {dir: in, streams: {customers: {key: id}, complaints: {key: id}}}
  outbox:
    connector: file
    config: {dir: out, streams: {contacts: {key: id}}}
  crm:
    connector: hubspot
    config: {base_url: "%[1]s", token: "${CXHUB_E2E_HS_TOKEN}", client_secret: "${CXHUB_E2E_HS_CLIENT_SECRET}"}
  crm-stale:
    connector: hubspot
    config: {base_url: "%[1]s", token: "${CXHUB_E2E_HS_STALE_TOKEN}"}
  crm-echo:
    connector: hubspot
    config: {base_url: "%[1]s/${CXHUB_E2E_HS_TOKEN}", token: "${CXHUB_E2E_HS_TOKEN}"}
  helpdesk:
    connector: zendesk
    config: {base_url: "%[2]s", email: ops@example.com, token: "${CXHUB_E2E_ZD_TOKEN}",
             webhook_secret: "${CXHUB_E2E_ZD_HOOK_SECRET}", requests_per_minute: 100000}
pipelines:
  - name: customers-to-crm
    from: {connection: inbox, stream: customers}
    to:   {connection: crm,   stream: contacts}
    map: {email: email, firstname: first}
  - name: crm-to-file
    from: {connection: crm,    stream: contacts}
    to:   {connection: outbox, stream: contacts}
    map: {id: id, email: properties.email}
  - name: complaints-to-tickets
    from: {connection: inbox,    stream: complaints}
    to:   {connection: helpdesk, stream: tickets}
    map: {external_id: id, subject: subject, comment.body: body, requester.email: email, priority: severity}
  - name: customers-to-stale-crm
    from: {connection: inbox,     stream: customers}
    to:   {connection: crm-stale, stream: contacts}
    map: {email: email}
  - name: customers-to-echo-crm
    from: {connection: inbox,    stream: customers}
    to:   {connection: crm-echo, stream: contacts}
    map: {email: email}
`

// TestSecretsNeverShowAnywhere runs everything an operator runs against
// HubSpot and Zendesk under faults, with a refused token (401), dead
// letters, a vendor message echoing a secret and debug logs, then looks
// for every secret value (and the Basic credentials Zendesk receives) in
// all that every command printed, in the state file's bytes and in every
// file of the workspace.
func TestSecretsNeverShowAnywhere(t *testing.T) {
	secrets := map[string]string{
		"CXHUB_E2E_HS_TOKEN":         "hs-tok-5f2a9c81e7",
		"CXHUB_E2E_HS_STALE_TOKEN":   "hs-stale-77b3e0d4c2",
		"CXHUB_E2E_HS_CLIENT_SECRET": "hs-client-91af3c0b5d",
		"CXHUB_E2E_ZD_TOKEN":         "zd-tok-c4e8a17b2d",
		"CXHUB_E2E_ZD_HOOK_SECRET":   "zd-hook-3e6f0a9d18",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	hs, err := hubspot.New(hubspot.Options{Seed: 3, Contacts: 40, Companies: -1, Notes: -1,
		Tokens: []string{secrets["CXHUB_E2E_HS_TOKEN"]}, RateLimit: 500, RateInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	zd, err := zendesk.New(zendesk.Options{Seed: 3, Empty: true, NoRateLimits: true, FaultRetryAfter: -1,
		Token: secrets["CXHUB_E2E_ZD_TOKEN"], Email: "ops@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	_, hsURL := startMetered(t, hs.Handler(), 0)
	_, zdURL := startMetered(t, zd.Handler(), 0)
	for _, k := range []*kit.Kit{hs.Kit(), zd.Kit()} {
		if err := k.SetFaults(kit.Faults{ErrorRate: 0.1, RateLimitStorm: 2}); err != nil {
			t.Fatal(err)
		}
	}
	w := newWorkspace(t, fmt.Sprintf(secretsConfig, hsURL, zdURL))
	w.write("in/customers.jsonl", `{"id":"s1","email":"ann.secret@example.org","first":"Ann"}
{"id":"s2","email":"not-an-email","first":"Bob"}
{"id":"s3","email":"cy.secret@example.org","first":"Cy"}
`)
	w.write("in/complaints.jsonl", `{"id":"Q-1","email":"ann.secret@example.org","subject":"Lost","body":"Where?","severity":"high"}
{"id":"Q-2","email":"bob.secret@example.org","subject":"Refund","body":"When?","severity":"medium"}
`)

	var outputs []string
	record := func(r result) result {
		outputs = append(outputs, fmt.Sprintf("%s\n%s", r.stdout, r.stderr))
		return r
	}
	record(w.mustCxhub("validate"))
	record(w.mustCxhub("validate", "-o", "json"))
	record(w.mustCxhub("plugins", "list"))
	record(w.mustCxhub("plugins", "list", "-o", "json"))
	for _, conn := range []string{"crm", "crm-stale", "crm-echo", "helpdesk"} {
		record(w.cxhub("check", conn, "--log-level", "debug"))
		record(w.cxhub("check", conn, "-o", "json"))
	}
	record(w.cxhub("discover", "crm", "-o", "json"))
	sync := record(w.cxhub("sync", "--log-level", "debug"))
	if sync.code == 0 || !strings.Contains(sync.stderr, "level=DEBUG") {
		t.Errorf("the sync with a stale token succeeded, or logged nothing at debug level:\n%s", sync)
	}
	record(w.cxhub("sync", "-o", "json", "--log-level", "debug"))

	runs := runRecords(t, w)
	record(w.mustCxhub("runs"))
	record(w.mustCxhub("runs", "-o", "json"))
	dls := deadLetters(t, w, "pending")
	record(w.mustCxhub("dlq", "list"))
	record(w.mustCxhub("dlq", "list", "-o", "json"))
	for _, d := range dls {
		record(w.mustCxhub("dlq", "show", fmt.Sprint(d.ID)))
		record(w.mustCxhub("dlq", "show", fmt.Sprint(d.ID), "-o", "json"))
	}
	record(w.cxhub("dlq", "replay", "--pipeline", "customers-to-crm", "--log-level", "debug"))
	record(w.cxhub("dlq", "replay", "--pipeline", "complaints-to-tickets", "-o", "json"))
	record(w.mustCxhub("state", "show"))
	record(w.mustCxhub("state", "show", "-o", "json"))

	// A config the schemas refuse, with a secret in the refused values.
	w.writeConfig(strings.Replace(fmt.Sprintf(secretsConfig, hsURL, zdURL),
		`requests_per_minute: 100000`, `requests_per_minute: "${CXHUB_E2E_ZD_TOKEN}"`, 1))
	for _, args := range [][]string{{"validate"}, {"validate", "-o", "json"}, {"sync", "complaints-to-tickets"}} {
		if r := record(w.cxhub(args...)); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "requests_per_minute") {
			t.Errorf("cxhub %v: want the config refused, naming requests_per_minute:\n%s", args, r)
		}
	}

	// What the runs must have gone through, or the test proves little.
	byPipeline := map[string]runRecord{}
	for _, r := range runs {
		byPipeline[r.Pipeline] = r // oldest last: the first sync's run wins
	}
	if r := byPipeline["customers-to-stale-crm"]; r.Status != "failed" || !strings.Contains(strings.ToLower(r.Error), "auth") {
		t.Errorf("the pipeline with a stale token: %+v, want failed on HubSpot's refusal of the credentials", r)
	}
	if r := byPipeline["customers-to-echo-crm"]; r.Status != "failed" || !strings.Contains(r.Error, "[redacted]") {
		t.Errorf("the pipeline whose base_url holds the token: %+v, want failed with the token redacted from HubSpot's message", r)
	}
	if len(dls) != 2 {
		t.Errorf("%d dead letters, want HubSpot's refused email and Zendesk's refused priority: %+v", len(dls), dls)
	}
	if st := hs.Kit().Stats(); st.ByStatus[503]+st.ByStatus[429] == 0 || st.ByStatus[401] == 0 || st.ByStatus[404] == 0 {
		t.Errorf("HubSpot answered %v: want faults, 401s and 404s", st.ByStatus)
	}

	needles := map[string]string{}
	for k, v := range secrets {
		needles[k] = v
	}
	needles["Zendesk Basic credentials"] = base64.StdEncoding.EncodeToString([]byte("ops@example.com/token:" + secrets["CXHUB_E2E_ZD_TOKEN"]))
	for i, out := range outputs {
		for name, v := range needles {
			if strings.Contains(out, v) {
				t.Errorf("command output %d shows %s:\n%s", i, name, out)
			}
		}
	}
	files := 0
	err = filepath.WalkDir(w.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for name, v := range needles {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s holds %s", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fileSize(w.path("state/cxhub.db")) == 0 || files < 4 {
		t.Errorf("looked into %d files, without the state file: the test proves little", files)
	}
	t.Logf("%d command outputs and %d files hold no secret", len(outputs), files)
}
