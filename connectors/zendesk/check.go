package zendesk

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/tidwall/gjson"
)

// Check calls GET /users/me.json with the config's credentials. Refused
// credentials, and credentials Zendesk takes for an anonymous or end user,
// are an AuthError naming the account and the email (never the token); an
// unreachable host is Transient; a missing or wrong setting a ConfigError.
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	cl, err := c.client(cfg, true)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	resp, err := cl.Get(ctx, "/users/me.json", nil)
	if err != nil {
		if s := httpx.StatusOf(err); s == http.StatusUnauthorized || s == http.StatusForbidden {
			return sdk.CheckResponse{}, sdk.AuthError(fmt.Errorf(
				"zendesk %s refused the API token of %s (%d): check email and token", cfg.account(), cfg.Email, s))
		}
		return sdk.CheckResponse{}, fmt.Errorf("check zendesk %s as %s: %w", cfg.account(), cfg.Email, err)
	}
	me := resp.Get("user")
	role := me.Get("role").String()
	if !me.Get("id").Exists() || me.Get("id").Type == gjson.Null || role == "end-user" {
		return sdk.CheckResponse{}, sdk.AuthError(fmt.Errorf(
			"zendesk %s did not take %s's API token as an agent's (role %q): check email and token", cfg.account(), cfg.Email, role))
	}
	return sdk.CheckResponse{Message: fmt.Sprintf("zendesk %s as %s (%s)", cfg.account(), me.Get("email").String(), role)}, nil
}
