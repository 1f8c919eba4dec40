package identity_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/engine"
	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/mapping"
	"github.com/cxhub/cxhub/sdk"
)

// TestStageIndexesAndEnriches: a batch of tickets is indexed as it passes,
// with the core's links, and each mapped record gets its customer's CRM id
// (a number) and email; a customer with no CRM record gets no contact_id.
func TestStageIndexesAndEnriches(t *testing.T) {
	recs, _ := fixture()
	ix := openIndex(t, filepath.Join(t.TempDir(), "c.db"), rules())
	ingest(t, ix, recs[:2]...) // Ann's crm contact and helpdesk user
	ingest(t, ix, user(9010, "zoe@nowhere.org", "", "Zoe", ""))
	cfg := &config.Config{Pipelines: []*config.Pipeline{{Name: "tickets-to-notes", Map: []mapping.Field{
		{Name: "contact_id", Expr: "$customer.ids.crm.contacts"}, {Name: "who.email", Expr: "$customer.email"}, {Name: "subject", Expr: "subject"}}}}}
	var asked []string
	links := func(_ context.Context, from, to engine.Endpoint, keys []string) (map[string]string, error) {
		asked = append(asked, from.Connection+"."+from.Stream+"→"+to.Connection+"."+to.Stream)
		return map[string]string{"t8": "n-77"}, nil
	}
	st := identity.NewStage(ix, cfg, links)
	t.Cleanup(func() { _ = ix.Close(ctx) }) // the background indexer ends before the store closes
	b := &engine.Batch{
		Pipeline: "tickets-to-notes",
		From:     engine.Endpoint{Connection: "helpdesk", Stream: "tickets"},
		To:       engine.Endpoint{Connection: "crm", Stream: "notes"},
		In: []sdk.Record{
			{Stream: "tickets", Key: "t7", Op: sdk.Upsert, Data: []byte(`{"id":7,"requester_id":9001,"subject":"Hi"}`)},
			{Stream: "tickets", Key: "t8", Op: sdk.Upsert, Data: []byte(`{"id":8,"requester_id":9010,"subject":"Yo"}`)},
		},
		Out:     []sdk.Record{{Key: "t7", Data: []byte(`{"subject":"Hi"}`)}, {Key: "t8", Data: []byte(`{"subject":"Yo"}`)}},
		OutFrom: []int{0, 1},
	}
	if err := st.Process(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := string(b.Out[0].Data); got != `{"subject":"Hi","contact_id":501,"who":{"email":"ann.lee@example.com"}}` {
		t.Errorf("Ann's ticket: %s", got)
	}
	if got := string(b.Out[1].Data); got != `{"subject":"Yo","who":{"email":"zoe@nowhere.org"}}` {
		t.Errorf("Zoe's ticket: %s", got)
	}
	if len(asked) != 1 || asked[0] != "helpdesk.tickets→crm.notes" {
		t.Errorf("links asked: %v", asked)
	}
	if p, _ := ix.SourceRecord(ctx, identity.Ref{Connection: "helpdesk", Stream: "tickets", Key: "t8"}); len(p.Links) != 1 || p.Links[0].Ref.Key != "n-77" {
		t.Errorf("the core's link was not kept on the record: %+v", p.Links)
	}
}
