package surveymonkey

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

func TestCheck(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 14}, nil)
	tests := []struct {
		name string
		cfg  sdk.Config
		kind sdk.ErrorKind
		want string
	}{
		{"ok", e.config(nil), sdk.KindUnknown, "3 surveys"},
		{"refused token", e.config(map[string]any{"token": "nope"}), sdk.KindAuth, "refused the token"},
		{"unreachable", e.config(map[string]any{"base_url": sdktest.UnreachableURL(t)}), sdk.KindTransient, ""},
		{"no token", sdk.Config(`{"base_url":"` + e.url + `"}`), sdk.KindConfig, "token"},
		{"bad base_url", sdk.Config(`{"token":"x","base_url":"ftp://x"}`), sdk.KindConfig, "base_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.conn.Check(t.Context(), sdk.CheckRequest{Config: tt.cfg})
			if tt.kind == sdk.KindUnknown {
				if err != nil || !strings.Contains(resp.Message, tt.want) {
					t.Errorf("check: %q, %v; want a message with %q", resp.Message, err, tt.want)
				}
				return
			}
			if sdk.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("check: %v (%v), want %v mentioning %q", err, sdk.KindOf(err), tt.kind, tt.want)
			}
			if strings.Contains(err.Error(), "nope") {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// TestAnUnknownSurveyIDIsAConfigErrorNamingSurveyIDs: a survey in
// survey_ids that SurveyMonkey does not have (a typo) fails Check, and a
// read, with a config error naming survey_ids and the id. Before, Check
// passed and the read failed half-way with a bare 404 on /details.
func TestAnUnknownSurveyIDIsAConfigErrorNamingSurveyIDs(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 14}, nil)
	good := e.config(map[string]any{"survey_ids": []string{sandbox.NPSSurveyID, sandbox.CSATSurveyID}})
	if resp, err := e.conn.Check(t.Context(), sdk.CheckRequest{Config: good}); err != nil || !strings.Contains(resp.Message, "2 surveys") {
		t.Errorf("check of two known surveys: %q, %v; want it to pass naming 2 surveys", resp.Message, err)
	}
	bad := e.config(map[string]any{"survey_ids": []string{sandbox.NPSSurveyID, "40000002"}})
	_, err := e.conn.Check(t.Context(), sdk.CheckRequest{Config: bad})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "survey_ids") || !strings.Contains(err.Error(), "40000002") {
		t.Errorf("check with an unknown survey: %v (%v); want a config error naming survey_ids and 40000002", err, sdk.KindOf(err))
	}
	_, err = sdktest.ReadAll(t.Context(), e.conn, sdk.ReadRequest{Config: bad, Streams: []sdk.StreamState{{Stream: streamResponses}}})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "survey_ids") || !strings.Contains(err.Error(), "40000002") {
		t.Errorf("read with an unknown survey: %v (%v); want a config error naming survey_ids and 40000002", err, sdk.KindOf(err))
	}
}

// TestCheckOfSurveyIDsCostsTwoRequests: the monitor runs Check every
// check_interval (5m: 288 times a day) against SurveyMonkey's daily quota
// (500 requests on some plans); a check of survey_ids costs what a check
// without them does, the user and one page of the survey list, however
// many ids it names, not a request per id.
func TestCheckOfSurveyIDsCostsTwoRequests(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 14}, nil)
	cfg := e.config(map[string]any{"survey_ids": allSurveys})
	before := e.counter.Total()
	if resp, err := e.conn.Check(t.Context(), sdk.CheckRequest{Config: cfg}); err != nil || !strings.Contains(resp.Message, "3 surveys") {
		t.Fatalf("check of three known surveys: %q, %v", resp.Message, err)
	}
	if n := e.counter.Total() - before; n != 2 {
		t.Errorf("check of %d survey_ids sent %d requests, want 2 (the user, the survey list)", len(allSurveys), n)
	}
}
