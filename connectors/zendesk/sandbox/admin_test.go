package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

func TestAdminEndpoints(t *testing.T) {
	clock := newFakeClock()
	e := startSandbox(t, Options{Seed: 12, Users: 6, Tickets: 4, Now: clock.Now})
	admin := func(method, path string, body any) response {
		t.Helper()
		return e.doAs(method, "/_sandbox/zendesk/"+path, body, nil, "", "") // admin needs no credentials
	}
	if r := admin("POST", "clock", map[string]string{"advance": "2m"}); r.status != 200 || r.json(t)["now"] != formatTime(clock.Now().Add(2*time.Minute)) {
		t.Errorf("advance the clock: %d %s", r.status, r.body)
	}
	r := admin("POST", "touch", map[string]any{"object": "tickets", "count": 2})
	touched := r.json(t)["touched"].([]any)
	id := int64(touched[0].(float64))
	if tk, _ := e.sb.Ticket(id); len(touched) != 2 || !tk.UpdatedAt.Equal(e.sb.Now().Truncate(time.Second)) {
		t.Errorf("touch 2 tickets: %s; ticket %d updated %v", r.body, id, tk.UpdatedAt)
	}
	if r := admin("POST", "touch", map[string]any{"object": "users", "ids": []int64{1}}); r.status != 400 {
		t.Errorf("touch an unknown user: %d", r.status)
	}
	if r := admin("POST", "touch", map[string]any{"object": "orgs", "count": 1}); r.status != 400 {
		t.Errorf("touch an unknown object: %d", r.status)
	}
	r = admin("POST", "add", map[string]any{"object": "users", "count": 3})
	if added := r.json(t)["added"].([]any); len(added) != 3 || len(e.sb.Users()) != 6+len(agents)+3 {
		t.Errorf("add 3 users: %s", r.body)
	}
	r = admin("POST", "comment", map[string]any{"ticket_id": id, "body": "From the admin"})
	if r.status != 200 || e.sb.Comments(id)[len(e.sb.Comments(id))-1].Body != "From the admin" {
		t.Errorf("comment: %d %s", r.status, r.body)
	}
	r = admin("GET", "summary", nil)
	if s := r.json(t); s["tickets"].(float64) != 4 || s["users"].(float64) != float64(6+len(agents)+3) {
		t.Errorf("summary %s", r.body)
	}
	r = admin("POST", "webhook", map[string]any{"ticket_id": id})
	var delivery struct {
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	}
	if err := json.Unmarshal(r.body, &delivery); err != nil {
		t.Fatalf("webhook: %v: %s", err, r.body)
	}
	ts := delivery.Headers[SignatureTimestampHeader]
	mac := hmac.New(sha256.New, []byte(DefaultWebhookSecret))
	mac.Write([]byte(ts + delivery.Body))
	if delivery.Headers[SignatureHeader] != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		t.Errorf("signature %q is not base64(HMAC-SHA256(secret, timestamp + body))", delivery.Headers[SignatureHeader])
	}
	var event map[string]any
	if err := json.Unmarshal([]byte(delivery.Body), &event); err != nil ||
		event["type"] != "zen:event-type:ticket.status_changed" || event["detail"].(map[string]any)["id"] != strconv.FormatInt(id, 10) ||
		event["subject"] != "zen:ticket:"+strconv.FormatInt(id, 10) {
		t.Errorf("event %s (%v)", delivery.Body, err)
	}
	if r := admin("POST", "fail-jobs", map[string]int{"count": 1}); r.status != 204 || e.sb.failJobs != 1 {
		t.Errorf("fail-jobs: %d", r.status)
	}
	if r := admin("POST", "reset", map[string]int{"users": 2, "tickets": 1}); r.status != 204 || len(e.sb.Tickets()) != 1 {
		t.Errorf("reset: %d, %d tickets", r.status, len(e.sb.Tickets()))
	}
	if r := admin("POST", "clock", map[string]string{"advance": "-1m"}); r.status != 400 {
		t.Errorf("moving the clock back: %d, want 400", r.status)
	}
	if e.sb.Kit().Stats().Total != 0 {
		t.Errorf("admin requests were counted: %+v", e.sb.Kit().Stats())
	}
}
