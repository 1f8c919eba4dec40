package connectordocs_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/connectors/file"
	"github.com/cxhub/cxhub/connectors/generator"
	"github.com/cxhub/cxhub/connectors/hubspot"
	"github.com/cxhub/cxhub/connectors/null"
	"github.com/cxhub/cxhub/connectors/shopify"
	"github.com/cxhub/cxhub/connectors/surveymonkey"
	"github.com/cxhub/cxhub/connectors/zendesk"
	"github.com/cxhub/cxhub/core/connectordocs"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/specdoc"
)

var update = flag.Bool("update", false, "rewrite the reference pages from the specs")

// TestReferencePages fails when a connector's page is stale: run make docs.
func TestReferencePages(t *testing.T) {
	for _, c := range []interface{ Spec() sdk.Spec }{
		file.New(), generator.New(), hubspot.New(), null.New(), shopify.New(), surveymonkey.New(), zendesk.New(),
	} {
		spec := c.Spec()
		t.Run(spec.Name, func(t *testing.T) {
			path := filepath.Join("..", "..", connectordocs.Dir, spec.Name+".md")
			if err := specdoc.Compare(path, specdoc.Markdown(spec), *update); err != nil {
				t.Error(err)
			}
		})
	}
}
