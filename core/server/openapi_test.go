package server

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/sdk"
	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPIDescribesEveryRoute: the served document is valid OpenAPI 3,
// names every API route of the listener with its method (and no route the
// listener lacks), and is the same as the copy in docs/.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI 3: %v", err)
	}
	s := New(hub.New(hub.Options{ConfigPath: "unused.yaml"}), Options{})
	var routes []string
	for _, rt := range s.routeTable() {
		if rt.isUI() {
			continue
		}
		routes = append(routes, rt.method+" "+rt.path)
		item := doc.Paths.Find(rt.path)
		if item == nil || item.GetOperation(rt.method) == nil {
			t.Errorf("route %s %s is not in openapi.json", rt.method, rt.path)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !slices.Contains(routes, method+" "+path) {
				t.Errorf("openapi.json describes %s %s, which the server does not serve", method, path)
			}
		}
	}
	_, here, _, _ := runtime.Caller(0)
	docs, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "docs", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(docs, OpenAPI()) {
		t.Errorf("docs/openapi.json differs from core/server/openapi.json: copy it (cp core/server/openapi.json docs/)")
	}
	if !strings.Contains(string(OpenAPI()), `"bearer"`) {
		t.Error("the document does not describe the bearer auth")
	}
}

// TestOpenAPIDeadLetterKindsAreTheSDKs: the kind filter's enum is every
// error kind there is, so a new kind cannot be left out of the document.
func TestOpenAPIDeadLetterKindsAreTheSDKs(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Find("/api/v1/dead-letters").GetOperation("GET")
	p := op.Parameters.GetByInAndName("query", "kind")
	if p == nil || p.Schema == nil || p.Schema.Value == nil {
		t.Fatal("GET /api/v1/dead-letters has no kind parameter with a schema")
	}
	var enum []string
	for _, v := range p.Schema.Value.Enum {
		enum = append(enum, v.(string))
	}
	if !slices.Equal(enum, sdk.ErrorKinds()) {
		t.Errorf("kind enum %v, want the SDK's kinds %v", enum, sdk.ErrorKinds())
	}
}
