package surveymonkey

import (
	"slices"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// TestPacedByTheMinuteHeaders: with a limit of 5 requests per (shortened)
// minute, a read of 20 pages learns the limit from the
// X-Ratelimit-App-Global-Minute headers and is never refused.
func TestPacedByTheMinuteHeaders(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 15, MinuteLimit: 5, MinuteWindow: time.Second,
		NPSResponses: 60, CSATResponses: -1, PlainResponses: -1}, nil)
	col := e.read(e.config(map[string]any{"per_page": 5, "survey_ids": []string{sandbox.NPSSurveyID}}), nil)
	if got, want := sortedKeys(col.Records), e.allIDs(sandbox.NPSSurveyID); !slices.Equal(got, want) {
		t.Fatalf("read %d responses, want %d", len(got), len(want))
	}
	if st := e.sb.Kit().Stats(); st.ByStatus[429] != 0 || st.Total < 12 {
		t.Errorf("%d requests, %d refused: want 12 or more and none refused", st.Total, st.ByStatus[429])
	}
}

// TestRateLimitStorm: SurveyMonkey's 429s (a storm of 3) are waited out
// and the read completes with every response once.
func TestRateLimitStorm(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 15, NPSResponses: 30, CSATResponses: -1, PlainResponses: -1}, nil)
	if err := e.sb.Kit().SetFaults(kit.Faults{RateLimitStorm: 3}); err != nil {
		t.Fatal(err)
	}
	col := e.read(e.config(map[string]any{"per_page": 10, "survey_ids": []string{sandbox.NPSSurveyID}}), nil)
	if got, want := sortedKeys(col.Records), e.allIDs(sandbox.NPSSurveyID); !slices.Equal(got, want) {
		t.Fatalf("read %d responses, want %d", len(got), len(want))
	}
	if n := e.sb.Kit().Stats().ByStatus[429]; n != 3 {
		t.Errorf("%d 429s answered, want the storm of 3", n)
	}
}
