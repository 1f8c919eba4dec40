package hubspot

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// linkStreams are the streams written by the core's links when the config
// sets no key property (the default): what a record of each looks like,
// and the property its version shows in.
var linkStreams = []struct {
	stream, prop string
	data         func(contact string, i, version int) string
}{
	{streamCompanies, "description", func(_ string, i, v int) string {
		return fmt.Sprintf(`{"name":"Linked %d","domain":"linked-%d.example","description":"version %d"}`, i, i, v)
	}},
	{streamNotes, "hs_note_body", func(contact string, i, v int) string {
		return fmt.Sprintf(`{"hs_note_body":"note %d, version %d","hs_timestamp":"2026-01-02T03:04:05Z","contact_id":%q}`, i, v, contact)
	}},
}

// linkRecords returns n records of a stream at a version, keyed link-0...
func linkRecords(stream string, data func(string, int, int) string, contact string, n, version int) []sdk.Record {
	recs := make([]sdk.Record, n)
	for i := range recs {
		recs[i] = sdk.Record{Stream: stream, Key: fmt.Sprintf("link-%d", i), Data: []byte(data(contact, i, version))}
	}
	return recs
}

// TestWritesCreateThenUpdateByLinks: without a key property, a first
// write creates (batch/create), and a second of the same records with
// TargetID set to the first's ids, as the core sends them, updates
// (batch/update): one object per record, with the second's values.
func TestWritesCreateThenUpdateByLinks(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	contact := e.sb.Objects(streamContacts)[0].ID
	const n = 130 // two requests of each kind
	for _, tt := range linkStreams {
		t.Run(tt.stream, func(t *testing.T) {
			before := e.sb.Count(tt.stream)
			e.sb.Kit().ResetStats()
			path := "/crm/v3/objects/" + tt.stream + "/batch/"
			first := e.write(e.config(nil), tt.stream, linkRecords(tt.stream, tt.data, contact, n, 1), 200)
			ids := map[string]bool{}
			for i, r := range first {
				if r.Err != nil || !r.Created || r.ID == "" {
					t.Fatalf("first write, record %d: %+v, want created", i, r)
				}
				ids[r.ID] = true
			}
			if len(ids) != n || e.sb.Count(tt.stream) != before+n {
				t.Fatalf("first write: %d distinct ids, %d new objects; want %d of each", len(ids), e.sb.Count(tt.stream)-before, n)
			}
			if c, u := e.sb.Kit().Count("POST", path+"create"), e.sb.Kit().Count("POST", path+"upsert"); c != 2 || u != 0 {
				t.Errorf("first write: %d creates and %d upserts requests, want 2 and 0", c, u)
			}

			linked := linkRecords(tt.stream, tt.data, contact, n, 2)
			for i := range linked {
				linked[i].TargetID = first[i].ID
			}
			second := e.write(e.config(nil), tt.stream, linked, 200)
			for i, r := range second {
				if r.Err != nil || r.Created || r.ID != first[i].ID {
					t.Fatalf("second write, record %d: %+v, want %s updated", i, r, first[i].ID)
				}
				o, _ := e.sb.Object(tt.stream, r.ID)
				if !strings.Contains(o.Properties[tt.prop], "version 2") {
					t.Fatalf("object %s: %s = %q, want the second write's (version 2)", r.ID, tt.prop, o.Properties[tt.prop])
				}
			}
			if got := e.sb.Count(tt.stream); got != before+n {
				t.Errorf("after the second write: %d new objects, want %d (one per record)", got-before, n)
			}
			if c, u := e.sb.Kit().Count("POST", path+"create"), e.sb.Kit().Count("POST", path+"update"); c != 2 || u != 2 {
				t.Errorf("after the second write: %d create and %d update requests, want 2 and 2", c, u)
			}
		})
	}
}

// TestOneSessionNeverCreatesTwice: without links, a record whose key was
// already created in the write session — later in the same batch, or in a
// batch the core sends again — updates that object rather than make another.
func TestOneSessionNeverCreatesTwice(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	contacts := e.sb.Objects(streamContacts)
	for _, tt := range linkStreams {
		t.Run(tt.stream, func(t *testing.T) {
			before := e.sb.Count(tt.stream)
			ctx := t.Context()
			w, err := e.conn.OpenWriter(ctx, sdk.OpenWriterRequest{Config: e.config(nil), Stream: tt.stream})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close(context.WithoutCancel(ctx))
			v1 := linkRecords(tt.stream, tt.data, contacts[0].ID, 3, 1)
			v2 := linkRecords(tt.stream, tt.data, contacts[1].ID, 3, 2)
			// Record link-0 twice in one batch; then the whole batch again.
			batch := []sdk.Record{v1[0], v1[1], v2[0], v1[2]}
			var ids [][]string
			for round := range 2 {
				resp, err := w.Write(ctx, sdk.WriteRequest{Records: batch})
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				var got []string
				for i, r := range resp.Results {
					if r.Err != nil {
						t.Fatalf("round %d, record %d: %v", round, i, r.Err)
					}
					got = append(got, r.ID)
				}
				ids = append(ids, got)
			}
			if got := e.sb.Count(tt.stream); got != before+3 {
				t.Errorf("%d objects made for 3 source records", got-before)
			}
			for round, got := range ids {
				if got[0] != got[2] || got[0] != ids[0][0] || got[1] != ids[0][1] || got[3] != ids[0][3] {
					t.Errorf("round %d: ids %v, want the ids of round 0 %v, link-0's twice", round, got, ids[0])
				}
			}
			o, _ := e.sb.Object(tt.stream, ids[0][0])
			if !strings.Contains(o.Properties[tt.prop], "version 2") {
				t.Errorf("link-0: %s = %q, want the later record's", tt.prop, o.Properties[tt.prop])
			}
			if tt.stream == streamNotes && len(o.Contacts) != 2 {
				t.Errorf("link-0's note is associated with %v, want both records' contacts", o.Contacts)
			}
		})
	}
}

// TestRefusedAssociationFailsItsOwnRecord: two records of one note in a
// batch, about different contacts, are associated in one request; when
// HubSpot refuses one association, the record it belongs to fails, not
// the other.
func TestRefusedAssociationFailsItsOwnRecord(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	contact := e.sb.Objects(streamContacts)[0].ID
	const missing = "999999" // a contact HubSpot does not have
	record := func(contact, body string) sdk.Record {
		return sdk.Record{Stream: streamNotes, Key: "one-note",
			Data: fmt.Appendf(nil, `{"hs_note_body":%q,"hs_timestamp":"2026-01-02T03:04:05Z","contact_id":%q}`, body, contact)}
	}
	ctx := t.Context()
	w, err := e.conn.OpenWriter(ctx, sdk.OpenWriterRequest{Config: e.config(nil), Stream: streamNotes})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.WithoutCancel(ctx))
	// The note is made in the session; both records below then update it.
	first, err := w.Write(ctx, sdk.WriteRequest{Records: []sdk.Record{record(contact, "made")}})
	if err != nil || first.Results[0].Err != nil {
		t.Fatalf("create the note: %v, %+v", err, first.Results)
	}
	for _, tt := range []struct {
		name   string
		recs   []sdk.Record
		failed int // the record whose association is refused
	}{
		{"missing contact first", []sdk.Record{record(missing, "a"), record(contact, "b")}, 0},
		{"missing contact last", []sdk.Record{record(contact, "c"), record(missing, "d")}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := w.Write(ctx, sdk.WriteRequest{Records: tt.recs})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range resp.Results {
				if i == tt.failed {
					if sdk.KindOf(r.Err) != sdk.KindBadRecord || !strings.Contains(r.Err.Error(), missing) {
						t.Errorf("record %d: %v, want a bad record naming contact %s", i, r.Err, missing)
					}
				} else if r.Err != nil || r.ID != first.Results[0].ID {
					t.Errorf("record %d: %+v, want note %s written", i, r, first.Results[0].ID)
				}
			}
		})
	}
}

// TestALostCreateAnswerIsNotSentAgain: HubSpot makes the objects of a
// batch/create, then the connection drops before its answer arrives. The
// HTTP client does not send a create again (it would make the objects a
// second time): the write fails, transient, after one request, with the
// objects made. What follows is the core's: it retries the run, and the
// records, never linked, are created again in the new session — the
// duplicates the README warns of, which a key property rules out: an
// upsert is retried at once, and however often it is sent, each record
// leaves one object.
func TestALostCreateAnswerIsNotSentAgain(t *testing.T) {
	for _, st := range linkStreams {
		for _, tt := range []struct {
			mode     string
			key      map[string]any // the config's key property, if any
			verb     string         // the batch request the records go by
			requests int            // how many of them the lost answer leads to
			after    int            // objects per record once the core wrote the records again
		}{
			{"links (the default)", nil, "create", 1, 2},
			{"key property", map[string]any{"company_key_property": "cxhub_key", "note_key_property": "cxhub_key"},
				"upsert", 1 + httpx.DefaultMaxRetries, 1},
		} {
			t.Run(st.stream+", "+tt.mode, func(t *testing.T) {
				e := newEnv(t, sandbox.Options{})
				cfg := e.config(tt.key)
				before := e.sb.Count(st.stream)
				recs := linkRecords(st.stream, st.data, e.sb.Objects(streamContacts)[0].ID, 3, 1)
				ctx := t.Context()
				w, err := e.conn.OpenWriter(ctx, sdk.OpenWriterRequest{Config: cfg, Stream: st.stream})
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close(context.WithoutCancel(ctx))
				e.sb.Kit().ResetStats()
				if err := e.sb.Kit().SetFaults(kit.Faults{DropAfterRate: 1}); err != nil {
					t.Fatal(err)
				}
				_, err = w.Write(ctx, sdk.WriteRequest{Records: recs})
				if err := e.sb.Kit().SetFaults(kit.Faults{}); err != nil {
					t.Fatal(err)
				}
				if err == nil || sdk.KindOf(err) != sdk.KindTransient {
					t.Fatalf("write whose answer was lost: %v (%v), want a transient error", err, sdk.KindOf(err))
				}
				path := "/crm/v3/objects/" + st.stream + "/batch/" + tt.verb
				if got := e.sb.Kit().Count("POST", path); got != tt.requests || e.sb.Kit().Stats().Total != tt.requests {
					t.Errorf("%d requests to %s (%d in all), want %d", got, path, e.sb.Kit().Stats().Total, tt.requests)
				}
				if got := e.sb.Count(st.stream) - before; got != len(recs) {
					t.Errorf("%d objects made, want %d: HubSpot made them before the answer was lost", got, len(recs))
				}
				// The core's retry: the same records, in a new session, without links.
				for i, r := range e.write(cfg, st.stream, recs, 100) {
					if r.Err != nil {
						t.Fatalf("the core's retry, record %d: %v", i, r.Err)
					}
				}
				if got := e.sb.Count(st.stream) - before; got != tt.after*len(recs) {
					t.Errorf("after the core's retry: %d objects for %d records, want %d each", got, len(recs), tt.after)
				}
			})
		}
	}
}
