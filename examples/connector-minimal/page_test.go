package main

import (
	"flag"
	"testing"

	"github.com/cxhub/cxhub/sdk/specdoc"
)

var update = flag.Bool("update", false, "rewrite the reference page from the spec")

// TestReferencePage fails when docs/connectors/inline.md is stale: run make docs.
func TestReferencePage(t *testing.T) {
	if err := specdoc.Compare("../../docs/connectors/inline.md", specdoc.Markdown(inline{}.Spec()), *update); err != nil {
		t.Error(err)
	}
}
