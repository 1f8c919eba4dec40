package sandbox

import (
	"encoding/json"
	"fmt"
	"testing"
)

// jobOf polls a job until it is completed and returns its results.
func (e *env) jobOf(submitted response) []any {
	e.t.Helper()
	if submitted.status != 200 {
		e.t.Fatalf("submitting the job: %d %s", submitted.status, submitted.body)
	}
	id := submitted.json(e.t)["job_status"].(map[string]any)["id"].(string)
	for range 10 {
		js := e.do("GET", "/api/v2/job_statuses/"+id+".json", nil, nil).json(e.t)["job_status"].(map[string]any)
		if js["status"] == "completed" {
			res, _ := js["results"].([]any)
			return res
		}
	}
	e.t.Fatalf("job %s not completed after 10 polls", id)
	return nil
}

func TestUpdateManyUsersByID(t *testing.T) {
	e := startSandbox(t, Options{Seed: 31, Users: 3, Tickets: -1})
	users := e.sb.Users()
	a, b := users[3], users[4]
	before := len(users)
	// The batch form: a change per user, by id; a missing id fails alone and creates nothing.
	res := e.jobOf(e.do("PUT", "/api/v2/users/update_many.json", map[string]any{"users": []any{
		map[string]any{"id": a.ID, "notes": "note a", "external_id": "ext-a"},
		map[string]any{"id": 1999999999999, "name": "Nobody", "email": "nobody@example.org"},
		map[string]any{"id": b.ID, "role": "wizard"},
	}}, nil))
	want := []string{
		fmt.Sprintf(`{"action":"update","id":%d,"status":"Updated","success":true}`, a.ID),
		`{"action":"update","details":"User 1999999999999 not found","error":"RecordNotFound","id":1999999999999,"status":"Failed","success":false}`,
		fmt.Sprintf(`{"action":"update","details":"Role: wizard is not a valid role","error":"UserUpdateError","id":%d,"status":"Failed","success":false}`, b.ID),
	}
	if len(res) != len(want) {
		t.Fatalf("results %v, want %d", res, len(want))
	}
	for i, w := range want {
		if got := mustJSON(t, res[i]); got != w {
			t.Errorf("result %d: %s, want %s", i, got, w)
		}
	}
	if u, _ := e.sb.User(a.ID); u.Notes != "note a" || u.ExternalID != "ext-a" || u.Email != a.Email {
		t.Errorf("user a after update: %+v", u)
	}
	// The bulk form: one change for the users of ?ids=.
	res = e.jobOf(e.do("PUT", fmt.Sprintf("/api/v2/users/update_many.json?ids=%d,%d", a.ID, b.ID),
		map[string]any{"user": map[string]any{"tags": []string{"vip"}}}, nil))
	if len(res) != 2 {
		t.Fatalf("bulk results %v, want 2", res)
	}
	for _, id := range []int64{a.ID, b.ID} {
		if u, _ := e.sb.User(id); len(u.Tags) != 1 || u.Tags[0] != "vip" {
			t.Errorf("user %d tags %v, want [vip]", id, u.Tags)
		}
	}
	// One user by id; an external_id another user has is refused.
	if r := e.do("PUT", fmt.Sprintf("/api/v2/users/%d.json", b.ID), map[string]any{"user": map[string]any{"phone": "+441"}}, nil); r.status != 200 {
		t.Errorf("PUT one user: %d %s", r.status, r.body)
	}
	if r := e.do("PUT", fmt.Sprintf("/api/v2/users/%d.json", b.ID), map[string]any{"user": map[string]any{"external_id": "ext-a"}}, nil); r.status != 422 {
		t.Errorf("PUT a taken external_id: %d %s, want 422", r.status, r.body)
	}
	if r := e.do("PUT", "/api/v2/users/1999999999999.json", map[string]any{"user": map[string]any{"name": "X"}}, nil); r.status != 404 {
		t.Errorf("PUT a missing user: %d, want 404", r.status)
	}
	if r := e.do("PUT", "/api/v2/users/update_many.json", map[string]any{"user": map[string]any{"name": "X"}}, nil); r.status != 400 {
		t.Errorf("update_many with user and no ids: %d, want 400", r.status)
	}
	if n := len(e.sb.Users()); n != before {
		t.Errorf("%d users after updates, want %d", n, before)
	}
}

// mustJSON is v encoded, map keys sorted.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
