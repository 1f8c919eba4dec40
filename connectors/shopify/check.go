package shopify

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// Check calls GET shop.json with the config's token. A refused token is an
// AuthError naming the shop (never the token); an unreachable host is
// Transient; a missing or wrong setting a ConfigError, and so is an
// api_version Shopify no longer serves (it answers with another one, as
// X-Shopify-API-Version says).
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (sdk.CheckResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	cl, err := c.client(cfg, true)
	if err != nil {
		return sdk.CheckResponse{}, err
	}
	resp, err := cl.Get(ctx, "/shop.json", nil)
	if err != nil {
		if s := httpx.StatusOf(err); s == http.StatusUnauthorized || s == http.StatusForbidden {
			return sdk.CheckResponse{}, sdk.AuthError(fmt.Errorf("shopify %s refused the access token (%d): check access_token", cfg.shopName(), s))
		}
		return sdk.CheckResponse{}, fmt.Errorf("check shopify %s: %w", cfg.shopName(), err)
	}
	// Shopify answers a request for a retired version with its oldest
	// supported one instead, without an error: only this header tells.
	if served := resp.Header.Get(apiVersionHeader); served != "" && served != cfg.APIVersion {
		return sdk.CheckResponse{}, sdk.ConfigError(fmt.Errorf("api_version %s: shopify %s no longer serves it and answered with API %s instead, "+
			"whose fields may differ: set api_version to %s or later", cfg.APIVersion, cfg.shopName(), served, served))
	}
	return sdk.CheckResponse{Message: fmt.Sprintf("shopify %s (%s), API %s",
		resp.Get("shop.myshopify_domain").String(), resp.Get("shop.name").String(), cfg.APIVersion)}, nil
}
