package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/state"
)

const contactsConfig = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  in:
    connector: file
    config: {dir: in, streams: {customers: {key: id}}}
  out:
    connector: file
    config: {dir: out, streams: {contacts: {key: %s}}}
pipelines:
  - name: contacts
    from: {connection: in, stream: customers}
    to: {connection: out, stream: contacts}
    map:
      external_id: id
      email: contact.email
      name: "{{first}} {{last}}"
      tier: {value: gold}
    where: 'active == "yes"'
    batch_size: 2
`

// jsonLines parses a JSONL file into objects keyed by field.
func jsonLines(t *testing.T, content, field string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for i, line := range strings.Split(strings.TrimSpace(content), "\n") {
		if strings.TrimSpace(line) == "" { // the file destination blanks replaced lines
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d of output is not JSON: %v: %s", i+1, err, line)
		}
		key := fmt.Sprint(obj[field])
		if _, dup := out[key]; dup {
			t.Fatalf("output holds %s=%s twice", field, key)
		}
		out[key] = obj
	}
	return out
}

type deadLetter struct {
	ID        int64  `json:"id"`
	Key       string `json:"key"`
	Status    string `json:"status"`
	ErrorKind string `json:"error_kind"`
	Error     string `json:"error"`
	Payload   string `json:"payload"`
}

func deadLetters(t *testing.T, w *workspace, status string) []deadLetter {
	t.Helper()
	r := w.mustCxhub("dlq", "list", "--status", status, "-o", "json")
	var dls []deadLetter
	if err := json.Unmarshal([]byte(r.stdout), &dls); err != nil {
		t.Fatalf("dlq list -o json: %v\n%s", err, r)
	}
	return dls
}

type syncResult struct {
	Pipeline string       `json:"pipeline"`
	Status   string       `json:"status"`
	Error    string       `json:"error"`
	Counts   state.Counts `json:"counts"`
}

func syncJSON(t *testing.T, w *workspace, args ...string) (syncResult, result) {
	t.Helper()
	r := w.cxhub(append([]string{"sync", "-o", "json"}, args...)...)
	var res []syncResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res) != 1 {
		t.Fatalf("sync -o json: %v\n%s", err, r)
	}
	return res[0], r
}

func TestFilePipelineEndToEnd(t *testing.T) {
	w := newWorkspace(t, fmt.Sprintf(contactsConfig, "email"))
	w.write("in/customers.jsonl", strings.Join([]string{
		`{"id":"c1","first":"Ann","last":"Lee","active":"yes","contact":{"email":"ann@example.com"}}`,
		`{"id":"c2","first":"Bob","last":"Ng","active":"no","contact":{"email":"bob@example.com"}}`,
		`{"id":"c3","first":"Cy","last":"Oz","active":"yes","contact":{}}`,
		`{"id":"c4","first":"Di","last":"Po","active":"yes","contact":{"email":"di@example.com"}}`,
		`this line is not JSON`,
	}, "\n")+"\n")

	w.mustCxhub("validate")
	res, r := syncJSON(t, w)
	if res.Status != "succeeded" {
		t.Fatalf("first sync did not succeed:\n%s", r)
	}
	c := res.Counts
	if c.Read != 5 || c.Written != 2 || c.Filtered != 1 || c.DeadLettered != 2 {
		t.Errorf("first sync counts %+v, want read 5, written 2, filtered 1, dead-lettered 2", c)
	}
	out := jsonLines(t, w.read("out/contacts.jsonl"), "email")
	if len(out) != 2 || out["ann@example.com"]["name"] != "Ann Lee" || out["di@example.com"]["tier"] != "gold" ||
		out["ann@example.com"]["external_id"] != "c1" {
		t.Errorf("output after first sync: %v", out)
	}

	dls := deadLetters(t, w, "pending")
	if len(dls) != 2 {
		t.Fatalf("%d dead letters, want 2: %+v", len(dls), dls)
	}
	byKey := map[string]deadLetter{}
	for _, d := range dls {
		byKey[d.Key] = d
	}
	if d := byKey["c3"]; d.ErrorKind != "bad_record" || !strings.Contains(d.Error, "email") || !strings.Contains(d.Payload, `"id":"c3"`) {
		t.Errorf("dead letter for c3 (no email): %+v", d)
	}
	var problem deadLetter
	for _, d := range dls {
		if d.Key != "c3" {
			problem = d
		}
	}
	if problem.ErrorKind != "bad_record" || !strings.Contains(problem.Error, "line 5") || problem.Payload != "this line is not JSON" {
		t.Errorf("dead letter for the non-JSON line: %+v", problem)
	}

	var shown deadLetter
	if err := json.Unmarshal([]byte(w.mustCxhub("dlq", "show", fmt.Sprint(byKey["c3"].ID), "-o", "json").stdout), &shown); err != nil ||
		shown != byKey["c3"] {
		t.Errorf("dlq show: %+v (%v), want %+v", shown, err, byKey["c3"])
	}

	// A second sync reads only what was appended.
	w.appendTo("in/customers.jsonl", `{"id":"c5","first":"Ed","last":"Qi","active":"yes","contact":{"email":"ed@example.com"}}`+"\n")
	res, r = syncJSON(t, w)
	if res.Status != "succeeded" || res.Counts.Read != 1 || res.Counts.Written != 1 {
		t.Fatalf("second sync: %+v\n%s", res, r)
	}
	if got := len(jsonLines(t, w.read("out/contacts.jsonl"), "email")); got != 3 {
		t.Errorf("%d contacts after the second sync, want 3", got)
	}

	// The fix: contacts are keyed by the customer id, so one without an
	// email is welcome. Replay writes the dead letter.
	w.writeConfig(fmt.Sprintf(contactsConfig, "external_id"))
	r = w.mustCxhub("dlq", "replay", "--pipeline", "contacts", fmt.Sprint(byKey["c3"].ID))
	out = jsonLines(t, w.read("out/contacts.jsonl"), "external_id")
	if _, ok := out["c3"]; !ok || len(out) != 4 {
		t.Errorf("after replay the output holds %v, want c1, c3, c4, c5\n%s", keys(out), r)
	}
	if dls := deadLetters(t, w, "replayed"); len(dls) != 1 || dls[0].Key != "c3" {
		t.Errorf("replayed dead letters: %+v", dls)
	}
	if dls := deadLetters(t, w, "pending"); len(dls) != 1 || dls[0].Key == "c3" {
		t.Errorf("pending dead letters after replay: %+v (only the non-JSON line should remain)", dls)
	}
	// The non-JSON line cannot be mended by config: replaying it fails
	// again (exit 1), and it stays pending with its reason.
	if r := w.cxhub("dlq", "replay", "--pipeline", "contacts", fmt.Sprint(problem.ID)); r.code != 1 ||
		!strings.Contains(r.stderr, "failed again") {
		t.Errorf("replay of a line the source could not read:\n%s", r)
	}
	if dls := deadLetters(t, w, "pending"); len(dls) != 1 || dls[0].Error != problem.Error {
		t.Errorf("pending after the failed replay: %+v, want the line with its reason %q", dls, problem.Error)
	}
	if r := w.cxhub("dlq", "discard", "999"); r.code == 0 || !strings.Contains(r.stderr, "no dead letter with id 999") {
		t.Errorf("discard of an unknown id:\n%s", r)
	}
	// Discarding the last one empties the queue.
	w.mustCxhub("dlq", "discard", fmt.Sprint(problem.ID))
	if dls := deadLetters(t, w, "pending"); len(dls) != 0 {
		t.Errorf("pending after discard: %+v", dls)
	}

	// History: four runs (two syncs and two replays), newest first.
	var runs []struct {
		Pipeline string
		Status   string
	}
	if err := json.Unmarshal([]byte(w.mustCxhub("runs", "-o", "json").stdout), &runs); err != nil || len(runs) != 4 {
		t.Errorf("runs -o json: %v %+v", err, runs)
	}
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestStateResetReadsEverythingAgainWithoutDuplicates(t *testing.T) {
	w := newWorkspace(t, fmt.Sprintf(contactsConfig, "email"))
	w.write("in/customers.jsonl", `{"id":"c1","first":"Ann","last":"Lee","active":"yes","contact":{"email":"ann@example.com"}}`+"\n")
	w.mustCxhub("sync")
	before := w.read("out/contacts.jsonl")
	r := w.mustCxhub("state", "show", "contacts")
	if !strings.Contains(r.stdout, "customers") {
		t.Errorf("state show lacks the customers checkpoint:\n%s", r)
	}
	w.mustCxhub("state", "reset", "contacts")
	res, r := syncJSON(t, w)
	if res.Counts.Read != 1 || res.Counts.Updated != 1 || res.Counts.Created != 0 {
		t.Errorf("sync after reset: %+v, want the record read again as an update\n%s", res.Counts, r)
	}
	if after := w.read("out/contacts.jsonl"); after != before {
		t.Errorf("output changed after re-delivery:\n%s\nwas\n%s", after, before)
	}
}

// Links make a change of the destination key an update of the same object:
// a customer's new email moves their contact instead of duplicating it.
func TestLinkedRecordKeepsOneObjectWhenItsKeyChanges(t *testing.T) {
	w := newWorkspace(t, `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  in:
    connector: file
    config: {dir: in, streams: {customers: {key: id, cursor: updated_at}}}
  out:
    connector: file
    config: {dir: out, streams: {contacts: {key: email}}}
pipelines:
  - name: contacts
    from: {connection: in, stream: customers}
    to: {connection: out, stream: contacts}
    map: {email: email, shop_id: id}
`)
	w.write("in/customers.csv", "id,email,updated_at\n1,ann@example.com,2026-01-01T00:00:00Z\n2,bob@example.com,2026-01-01T00:00:00Z\n")
	w.mustCxhub("sync")
	w.write("in/customers.csv", "id,email,updated_at\n1,ann.new@example.com,2026-02-01T00:00:00Z\n2,bob@example.com,2026-01-01T00:00:00Z\n")
	res, r := syncJSON(t, w)
	if res.Counts.Read != 1 || res.Counts.Updated != 1 || res.Counts.Created != 0 {
		t.Errorf("second sync counts %+v, want one update\n%s", res.Counts, r)
	}
	out := jsonLines(t, w.read("out/contacts.jsonl"), "shop_id")
	if len(out) != 2 || out["1"]["email"] != "ann.new@example.com" {
		t.Errorf("contacts after the email change: %v, want customer 1 once, with the new email", out)
	}
}
