package shopify

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
)

// Check calls GET shop.json with the config's token. A refused token is an
// AuthError naming the shop (never the token); an unreachable host is
// Transient; a missing or wrong setting a ConfigError.
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
		var he *httpx.Error
		if errors.As(err, &he) && (he.Status == http.StatusUnauthorized || he.Status == http.StatusForbidden) {
			return sdk.CheckResponse{}, sdk.AuthError(fmt.Errorf("shopify %s refused the access token (%d): check access_token", cfg.shopName(), he.Status))
		}
		return sdk.CheckResponse{}, fmt.Errorf("check shopify %s: %w", cfg.shopName(), err)
	}
	return sdk.CheckResponse{Message: fmt.Sprintf("shopify %s (%s), API %s",
		resp.Get("shop.myshopify_domain").String(), resp.Get("shop.name").String(), cfg.APIVersion)}, nil
}
