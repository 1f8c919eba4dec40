package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/hub"
)

// TestUIRoutesAreNotAPI: the dashboard's routes are marked UI, so that
// openapi.json need not list them, and no API route is.
func TestUIRoutesAreNotAPI(t *testing.T) {
	s := New(hub.New(hub.Options{ConfigPath: "does-not-matter.yaml"}), Options{})
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	ui := 0
	for _, rt := range s.routeTable() {
		inDoc := doc.Paths[rt.path][strings.ToLower(rt.method)] != nil
		switch {
		case rt.isUI():
			ui++
			if inDoc {
				t.Errorf("UI route %s %s is in openapi.json", rt.method, rt.path)
			}
		case strings.HasPrefix(rt.path, "/api/") && !inDoc:
			t.Errorf("API route %s %s is marked neither UI nor documented", rt.method, rt.path)
		}
	}
	if ui != 3 {
		t.Errorf("%d UI routes, want 3 (GET /, GET and POST /ui/)", ui)
	}
}
