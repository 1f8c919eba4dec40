package hubspot

import (
	"context"
	"fmt"
	"net/url"

	"github.com/cxhub/cxhub/sdk"
)

// Check reads the account's details and one contact: it proves that the
// host answers, that the token is accepted, and that it may read contacts.
// It retries once, so that an unreachable host is reported promptly.
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
	account, err := client.Get(ctx, "/account-info/v3/details", nil)
	if err != nil {
		return sdk.CheckResponse{}, checkError(cfg, "read the account's details", err)
	}
	if _, err := client.Get(ctx, "/crm/v3/objects/contacts", url.Values{"limit": {"1"}}); err != nil {
		return sdk.CheckResponse{}, checkError(cfg, "read contacts", err)
	}
	return sdk.CheckResponse{Message: fmt.Sprintf("portal %s at %s, contacts readable",
		account.Get("portalId").String(), cfg.BaseURL)}, nil
}

// checkError says who refused what, keeping the kind: an auth error names
// the account's host, never the token.
func checkError(cfg config, what string, err error) error {
	switch sdk.KindOf(err) {
	case sdk.KindAuth:
		return sdk.AuthError(fmt.Errorf("hubspot at %s refused the token (token: check it is a valid private app token "+
			"with the CRM scopes) to %s: %w", cfg.BaseURL, what, err))
	case sdk.KindBadRecord:
		return sdk.ConfigError(fmt.Errorf("hubspot at %s: %s: %w (base_url: is it the HubSpot API?)", cfg.BaseURL, what, err))
	}
	return fmt.Errorf("hubspot at %s: %s: %w", cfg.BaseURL, what, err)
}
