package surveymonkey

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// checkRetries keeps Check prompt on an unreachable host.
const checkRetries = 1

// Check reads the token's user and one page of surveys: it proves the host
// answers, the token is accepted and may read surveys, and that every
// survey of survey_ids exists (two requests, whatever their number, for
// up to 1000 surveys). A refused token is
// an AuthError, an unreachable host Transient, a missing setting a
// ConfigError.
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	client, err := c.client(cfg, checkRetries)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	defer client.CloseIdleConnections()
	me, err := client.Get(ctx, "/users/me", nil)
	if err != nil {
		return sdk.CheckResponse{}, checkError(cfg, "read the token's user", err)
	}
	if len(cfg.SurveyIDs) > 0 {
		// Each configured survey must exist: a typo would otherwise pass
		// Check and fail the first read half-way. The survey list answers
		// for up to 1000 surveys in one request (the monitor checks every
		// few minutes, against a daily quota); only an id it lacks is
		// asked for alone.
		listed, err := listSurveys(ctx, client)
		if err != nil {
			return sdk.CheckResponse{}, checkError(cfg, "list surveys", err)
		}
		for _, id := range cfg.SurveyIDs {
			if slices.Contains(listed, id) {
				continue
			}
			if _, err := client.Get(ctx, "/surveys/"+url.PathEscape(id), nil); err != nil {
				if httpx.StatusOf(err) == http.StatusNotFound {
					return sdk.CheckResponse{}, unknownSurvey(cfg, id, err)
				}
				return sdk.CheckResponse{}, checkError(cfg, "read survey "+id, err)
			}
		}
		return sdk.CheckResponse{Message: fmt.Sprintf("surveymonkey at %s as %s, %d surveys (survey_ids)", cfg.BaseURL,
			me.Get("username").String(), len(cfg.SurveyIDs))}, nil
	}
	surveys, err := client.Get(ctx, "/surveys", url.Values{"per_page": {"1"}})
	if err != nil {
		return sdk.CheckResponse{}, checkError(cfg, "list surveys", err)
	}
	return sdk.CheckResponse{Message: fmt.Sprintf("surveymonkey at %s as %s, %d surveys", cfg.BaseURL,
		me.Get("username").String(), surveys.Get("total").Int())}, nil
}

// unknownSurvey is the config error of a survey in survey_ids that
// SurveyMonkey answers 404 for.
func unknownSurvey(cfg config, id string, err error) error {
	return sdk.ConfigError(fmt.Errorf("survey_ids: surveymonkey at %s has no survey %s that the token can see (404): "+
		"correct the id (GET /surveys lists them) or remove it: %w", cfg.BaseURL, id, err))
}

// checkError says who refused what, keeping the kind, never the token.
func checkError(cfg config, what string, err error) error {
	switch sdk.KindOf(err) {
	case sdk.KindAuth:
		return sdk.AuthError(fmt.Errorf("surveymonkey at %s refused the token (token: check the app's access token and its scopes) to %s: %w",
			cfg.BaseURL, what, err))
	case sdk.KindBadRecord:
		return sdk.ConfigError(fmt.Errorf("surveymonkey at %s: %s: %w (base_url: is it the SurveyMonkey API?)", cfg.BaseURL, what, err))
	}
	return fmt.Errorf("surveymonkey at %s: %s: %w", cfg.BaseURL, what, err)
}
