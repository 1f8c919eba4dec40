package hubspot

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
)

// maxTestSearches is how many searches ignoreIDFilter lets through before
// it fails the rest, so that a read that would search for ever ends.
const maxTestSearches = 200

// ignoreIDFilter plays an API that ignores the hs_object_id filters of a
// search: it removes them from every search with at least groups filter
// groups (1: every search; 2: only the "(date > ts) OR (date = ts AND
// id > floor)" query).
type ignoreIDFilter struct {
	next     http.RoundTripper
	groups   int
	searches atomic.Int32
}

func (f *ignoreIDFilter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/search") {
		return f.next.RoundTrip(r)
	}
	if f.searches.Add(1) > maxTestSearches {
		return nil, errors.New("test transport: too many searches, the read does not stop")
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, err
	}
	if groups, _ := body["filterGroups"].([]any); len(groups) >= f.groups {
		for _, g := range groups {
			group := g.(map[string]any)
			var kept []any
			for _, fl := range group["filters"].([]any) {
				if fl.(map[string]any)["propertyName"] != "hs_object_id" {
					kept = append(kept, fl)
				}
			}
			group["filters"] = kept
		}
	}
	if b, err = json.Marshal(body); err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	return f.next.RoundTrip(r)
}

// TestASearchThatStopsAdvancingFailsTheRead: when the API ignores the id
// filter that pages through objects sharing a date, a page brings nothing
// new; the read fails at once with a transient error naming the stream
// and the position, rather than asking for the same page until the test
// (or the search quota) runs out.
func TestASearchThatStopsAdvancingFailsTheRead(t *testing.T) {
	for _, tt := range []struct {
		name   string
		groups int
	}{
		{"every id filter ignored (paging by id within a date)", 1},
		{"the id filter of date-and-id queries ignored", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{Contacts: 200})
			state := e.read(streamContacts, nil, 20).Last(streamContacts)
			_, stamp, err := e.sb.TouchOldest(streamContacts, 90) // one date, over four pages
			if err != nil {
				t.Fatal(err)
			}
			f := &ignoreIDFilter{next: http.DefaultTransport, groups: tt.groups}
			e.conn.opts.Transport = f
			col := &sdktestCollector{}
			err = e.conn.Read(t.Context(), readRequest(e, streamContacts, state, 20), col)
			if n := f.searches.Load(); n > 10 {
				t.Errorf("%d searches before the read stopped, want a few", n)
			}
			if err == nil || sdk.KindOf(err) != sdk.KindTransient {
				t.Fatalf("read: %v (%v), want a transient error", err, sdk.KindOf(err))
			}
			for _, want := range []string{"contacts", stamp.UTC().Format(isoMillis), "stopped advancing"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}
