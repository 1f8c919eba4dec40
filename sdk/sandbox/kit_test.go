package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// start serves a handler answering {"ok":true} (and counting its calls)
// behind a kit whose errors are {"error":"<status>"}.
func start(t *testing.T) (*Kit, *Server, *atomic.Int32) {
	t.Helper()
	calls := new(atomic.Int32)
	kit := NewKit(func(w http.ResponseWriter, _ *http.Request, status int) {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		WriteJSON(w, status, map[string]int{"error": status})
	}, 1)
	srv, err := Start(kit.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "pad": strings.Repeat("x", 100)})
	})), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return kit, srv, calls
}

// get makes one request on a fresh connection and returns the status and body.
func get(t *testing.T, url string) (int, []byte, error) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestKitPassesThroughAndCounts(t *testing.T) {
	kit, srv, calls := start(t)
	for range 3 {
		if code, body, err := get(t, srv.URL+"/v1/things?x=1"); err != nil || code != 200 || !bytes.Contains(body, []byte(`"ok":true`)) {
			t.Fatalf("got %d %s %v, want 200 ok", code, body, err)
		}
	}
	if calls.Load() != 3 || kit.Count("GET", "/v1/things") != 3 || kit.Stats().ByStatus[200] != 3 {
		t.Errorf("calls %d, count %d, stats %+v; want 3 of each", calls.Load(), kit.Count("GET", "/v1/things"), kit.Stats())
	}
}

func TestKitFaults(t *testing.T) {
	tests := []struct {
		name       string
		faults     Faults
		wantStatus int
		wantErr    bool // the client sees a transport error
		wantCalled bool // the handler ran
	}{
		{"error rate", Faults{ErrorRate: 1}, 503, false, false},
		{"error status", Faults{ErrorRate: 1, ErrorStatus: 502}, 502, false, false},
		{"429", Faults{RateLimitRate: 1}, 429, false, false},
		{"drop before", Faults{DropRate: 1}, 0, true, false},
		{"drop after", Faults{DropAfterRate: 1}, 0, true, true},
		{"truncate", Faults{TruncateRate: 1}, 200, true, true},
		{"latency", Faults{Latency: Duration(20 * time.Millisecond)}, 200, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kit, srv, calls := start(t)
			if err := kit.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			code, _, err := get(t, srv.URL+"/x")
			if (err != nil) != tt.wantErr {
				t.Errorf("error %v, want error: %v", err, tt.wantErr)
			}
			if tt.name == "truncate" && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("truncated body read gave %v, want unexpected EOF", err)
			}
			if err == nil && code != tt.wantStatus {
				t.Errorf("status %d, want %d", code, tt.wantStatus)
			}
			if (calls.Load() == 1) != tt.wantCalled {
				t.Errorf("handler ran %d times, want ran: %v", calls.Load(), tt.wantCalled)
			}
		})
	}
}

func TestKitStormAndFailNext(t *testing.T) {
	kit, srv, _ := start(t)
	kit.FailNext(401, 2)
	if err := kit.SetFaults(Faults{RateLimitStorm: 3}); err != nil {
		t.Fatal(err)
	}
	var got []int
	for range 7 {
		code, _, err := get(t, srv.URL+"/x")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, code)
	}
	want := []int{401, 401, 429, 429, 429, 200, 200}
	if !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

func TestAdminEndpoints(t *testing.T) {
	kit, srv, _ := start(t)
	put := func(body string) int {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+AdminPrefix+"faults", strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := put(`{"error_rate":1,"latency":"5ms"}`); code != 200 {
		t.Fatalf("PUT faults: %d", code)
	}
	if f := kit.Faults(); f.ErrorRate != 1 || time.Duration(f.Latency) != 5*time.Millisecond {
		t.Errorf("faults %+v after PUT", f)
	}
	for _, bad := range []string{`{"error_rate":2}`, `{"eror_rate":1}`, `{"error_status":200,"error_rate":1}`} {
		if code := put(bad); code != 400 {
			t.Errorf("PUT %s: %d, want 400", bad, code)
		}
	}
	if code, _, _ := get(t, srv.URL+"/x"); code != 503 {
		t.Errorf("status %d with error_rate 1, want 503", code)
	}
	_, body, err := get(t, srv.URL+AdminPrefix+"stats")
	if err != nil {
		t.Fatal(err)
	}
	var s Stats
	if err := json.Unmarshal(body, &s); err != nil || s.Total != 1 || s.ByStatus[503] != 1 {
		t.Errorf("stats %s (%v): want one request, answered 503; admin calls are not counted", body, err)
	}
	resp, err := http.Post(srv.URL+AdminPrefix+"fail-next", "application/json", strings.NewReader(`{"status":500,"count":1}`))
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("fail-next: %v %v", resp, err)
	}
	resp.Body.Close()
	kit.SetFaults(Faults{})
	if code, _, _ := get(t, srv.URL+"/x"); code != 500 {
		t.Errorf("status %d after fail-next 500, want 500", code)
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	if _, err := Start(http.NotFoundHandler(), "0.0.0.0:0"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Start on 0.0.0.0: %v, want a loopback-only refusal", err)
	}
}

func TestWindowIsSliding(t *testing.T) {
	w := NewWindow(3, time.Second)
	t0 := time.Unix(1000, 0)
	for i, at := range []time.Duration{0, 100 * time.Millisecond, 900 * time.Millisecond} {
		if d := w.Take("k", t0.Add(at)); !d.Allowed || d.Remaining != 2-i {
			t.Fatalf("request %d: %+v, want allowed with %d remaining", i, d, 2-i)
		}
	}
	d := w.Take("k", t0.Add(950*time.Millisecond))
	if d.Allowed || d.Reset != 50*time.Millisecond {
		t.Errorf("4th request within the second: %+v, want refused, reset in 50ms", d)
	}
	if d := w.Take("other", t0); !d.Allowed {
		t.Errorf("another key shares the limit: %+v", d)
	}
	if d := w.Take("k", t0.Add(time.Second)); !d.Allowed || d.Remaining != 0 {
		t.Errorf("after the oldest left the window: %+v, want allowed, 0 remaining", d)
	}
}
