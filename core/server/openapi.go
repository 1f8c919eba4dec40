package server

import (
	_ "embed"
	"net/http"
)

// openapiDoc is the OpenAPI 3 description of the listener's endpoints. A
// copy is checked in as docs/openapi.json; a test fails if the two differ
// or if a route is missing from it.
//
//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the OpenAPI document.
func OpenAPI() []byte { return openapiDoc }

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapiDoc)
}
