package surveymonkey

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
)

var allSurveys = []string{sandbox.NPSSurveyID, sandbox.CSATSurveyID, sandbox.PlainSurveyID}

// TestReadEveryResponseOnce: a first read over small pages returns every
// response of every survey exactly once, though many share a second, with
// a checkpoint after each page.
func TestReadEveryResponseOnce(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 5}, nil)
	col := e.read(e.config(map[string]any{"per_page": 5}), nil)
	if got, want := sortedKeys(col.Records), e.allIDs(allSurveys...); !slices.Equal(got, want) {
		t.Fatalf("read %d records, want the %d responses each once", len(got), len(want))
	}
	if len(col.Checkpoints) < len(col.Records)/5 {
		t.Errorf("%d checkpoints for %d records in pages of 5: want one per page", len(col.Checkpoints), len(col.Records))
	}
	if n := e.counter.Count("GET", "/v3/surveys/"+sandbox.NPSSurveyID+"/details"); n != 1 {
		t.Errorf("survey details fetched %d times in one read, want once (cached)", n)
	}
}

// TestReadFromEveryCheckpoint simulates a crash after each checkpoint of a
// first read: a read from it returns exactly the responses after it.
func TestReadFromEveryCheckpoint(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 6, NPSResponses: 40, CSATResponses: 20, PlainResponses: 10}, nil)
	cfg := e.config(map[string]any{"per_page": 4})
	first := e.read(cfg, nil)
	all := sortedKeys(first.Records)
	for i, cp := range first.Checkpoints {
		rest := e.read(cfg, cp.State)
		got := append(sortedKeys(first.Records[:cp.After]), sortedKeys(rest.Records)...)
		slices.Sort(got)
		if !slices.Equal(got, all) {
			t.Fatalf("checkpoint %d (after %d records): before it and after it make %d records, want the %d responses each once",
				i, cp.After, len(got), len(all))
		}
	}
}

// TestIncrementalAtTies: after a full read, responses edited and added in
// one second (some in the second of the checkpoint itself) are read
// exactly once by the next read, over pages smaller than the tie, and a
// read after that returns nothing.
func TestIncrementalAtTies(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := newEnv(t, sandbox.Options{Seed: 7, Now: clock}, nil)
	cfg := e.config(map[string]any{"per_page": 3, "survey_ids": []string{sandbox.NPSSurveyID}})
	// Three responses in the last second, so that the checkpoint lies in a tie.
	if _, err := e.sb.AddAt(now, sandbox.NPSSurveyID, 3); err != nil {
		t.Fatal(err)
	}
	first := e.read(cfg, nil)
	if len(first.Records) != len(e.sb.Responses(sandbox.NPSSurveyID)) {
		t.Fatalf("first read: %d records, want %d", len(first.Records), len(e.sb.Responses(sandbox.NPSSurveyID)))
	}
	// Same second as the checkpoint: 4 more responses and 2 old ones edited.
	added, err := e.sb.AddAt(now, sandbox.NPSSurveyID, 4)
	if err != nil {
		t.Fatal(err)
	}
	old := e.sb.Responses(sandbox.NPSSurveyID)[:2]
	if _, err := e.sb.TouchAt(now, sandbox.NPSSurveyID, old[0].ID, old[1].ID); err != nil {
		t.Fatal(err)
	}
	// And 5 in the next second.
	later, err := e.sb.AddAt(now.Add(time.Second), sandbox.NPSSurveyID, 5)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, x := range append(append(added, old...), later...) {
		want = append(want, x.ID)
	}
	slices.Sort(want)
	second := e.read(cfg, first.Last(streamResponses))
	if got := sortedKeys(second.Records); !slices.Equal(got, want) {
		t.Errorf("incremental read: %v, want exactly %v", got, want)
	}
	edited := byKey(second.Records)[old[0].ID]
	if !strings.Contains(edited.Get("answers.#.answer").String(), "(edited)") && len(old[0].Answers) > 1 {
		t.Errorf("edited response %s: %s, want its edited comment", old[0].ID, edited.Raw)
	}
	if third := e.read(cfg, second.Last(streamResponses)); len(third.Records) != 0 {
		t.Errorf("a read with nothing changed returned %v", sortedKeys(third.Records))
	}
}

// editDuringPaging edits a survey's oldest response just before the
// second bulk request is sent, as a respondent might while a read pages:
// the edited response moves to the end of the order and every later one
// shifts back by one.
type editDuringPaging struct {
	sb    *sandbox.Sandbox
	bulk  atomic.Int32
	clock func() time.Time
}

func (x *editDuringPaging) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/responses/bulk") && x.bulk.Add(1) == 2 {
		oldest := x.sb.Responses(sandbox.NPSSurveyID)[0]
		if _, err := x.sb.TouchAt(x.clock(), sandbox.NPSSurveyID, oldest.ID); err != nil {
			return nil, err
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestEditWhilePagingLosesNothing: a response edited between two pages
// shifts the page numbers; the read still returns every response (the
// edited one included), none skipped. Following links.next alone would
// skip the response that shifted onto the page already read.
func TestEditWhilePagingLosesNothing(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tr := &editDuringPaging{clock: clock}
	e := newEnv(t, sandbox.Options{Seed: 8, Now: clock, NPSResponses: 30}, tr)
	tr.sb = e.sb
	col := e.read(e.config(map[string]any{"per_page": 5, "survey_ids": []string{sandbox.NPSSurveyID}}), nil)
	got := slices.Compact(sortedKeys(col.Records))
	if want := e.allIDs(sandbox.NPSSurveyID); !isSuperset(got, want) {
		t.Errorf("read %d responses of %d: missing %v", len(got), len(want), missing(got, want))
	}
}

func isSuperset(got, want []string) bool { return len(missing(got, want)) == 0 }

func missing(got, want []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			out = append(out, w)
		}
	}
	return out
}

// TestAReadWithNothingNewCostsOneRequestPerSurvey: SurveyMonkey allows a
// draft app 500 requests a day, so a read that finds nothing new sends
// one bulk request per survey and no /details (fetched only for a page
// with a response to emit). Before, every read fetched every survey's
// details first: twice the requests, and the daily quota spent twice as
// fast by a frequent schedule.
func TestAReadWithNothingNewCostsOneRequestPerSurvey(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 8, NPSResponses: 12, CSATResponses: 9, PlainResponses: 5}, nil)
	cfg := e.config(map[string]any{"survey_ids": allSurveys})
	first := e.read(cfg, nil)
	if len(first.Records) != 26 {
		t.Fatalf("first read: %d records, want 26", len(first.Records))
	}
	before := e.counter.Total()
	again := e.read(cfg, first.Last(streamResponses))
	if len(again.Records) != 0 {
		t.Errorf("read with nothing new: %d records", len(again.Records))
	}
	if n := e.counter.Total() - before; n != len(allSurveys) {
		t.Errorf("read with nothing new sent %d requests, want %d (one bulk request per survey)", n, len(allSurveys))
	}
	// A new response: its survey's details are fetched, for its texts.
	if _, err := e.sb.Add(sandbox.CSATSurveyID, 1); err != nil {
		t.Fatal(err)
	}
	before = e.counter.Total()
	third := e.read(cfg, again.Last(streamResponses))
	if len(third.Records) != 1 || !strings.Contains(string(third.Records[0].Data), `"survey_title":"Support satisfaction"`) {
		t.Fatalf("read after one new response: %d records, want it with its survey's title", len(third.Records))
	}
	if n := e.counter.Total() - before; n != len(allSurveys)+1 {
		t.Errorf("read of one new response sent %d requests, want %d (its survey's details besides)", n, len(allSurveys)+1)
	}
}
