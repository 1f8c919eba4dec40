package httpx

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cxhub/cxhub/sdk"
)

// Auth adds credentials to a request. The Client calls Apply once per
// attempt, on a request that goes to the BaseURL's scheme and host only.
//
// An error from Apply ends the call without sending anything. An error
// without a kind is reported as an [sdk.ConfigError].
type Auth interface {
	Apply(*http.Request) error
}

// AuthFunc is a function used as an Auth, for schemes the helpers below do
// not cover (a token refreshed on expiry, a signed request).
type AuthFunc func(*http.Request) error

// Apply calls f.
func (f AuthFunc) Apply(r *http.Request) error { return f(r) }

// Bearer sends "Authorization: Bearer token" (HubSpot, SurveyMonkey,
// Salesforce). An empty token is a configuration error.
func Bearer(token string) Auth {
	return AuthFunc(func(r *http.Request) error {
		if token == "" {
			return sdk.ConfigError(errors.New("bearer auth: the token is empty"))
		}
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
}

// Basic sends HTTP Basic credentials. For a Zendesk API token the user is
// "email/token" and the password the token: Basic("ops@x.com/token", tok).
// An empty user is a configuration error.
func Basic(user, password string) Auth {
	return AuthFunc(func(r *http.Request) error {
		if user == "" {
			return sdk.ConfigError(errors.New("basic auth: the user is empty"))
		}
		r.SetBasicAuth(user, password)
		return nil
	})
}

// Header sends a credential in a header of its own, as Shopify's
// X-Shopify-Access-Token. An empty name or value is a configuration error.
func Header(name, value string) Auth {
	return AuthFunc(func(r *http.Request) error {
		if name == "" || value == "" {
			return sdk.ConfigError(fmt.Errorf("header auth %q: the name or the value is empty", name))
		}
		r.Header.Set(name, value)
		return nil
	})
}
