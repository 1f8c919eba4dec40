package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// checkCheck is the check subtest.
func (r *run) checkCheck(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		resp, err := r.plugin.Check(r.callCtx(t), sdk.CheckRequest{Config: r.config()})
		if err != nil {
			t.Fatalf("Check with Suite.Config: want success, got %s", describeErr(err))
		}
		t.Logf("Check: %s", resp.Message)
	})
	t.Run("missing", r.checkMissingFields)
	t.Run("bad_credentials", func(t *testing.T) {
		if r.s.BadCredentials == nil {
			t.Skip("Suite.BadCredentials is not set")
		}
		_, err := r.plugin.Check(r.callCtx(t), sdk.CheckRequest{Config: r.s.BadCredentials})
		if sdk.KindOf(err) != sdk.KindAuth {
			t.Errorf("Check with Suite.BadCredentials: want an error of kind auth (sdk.AuthError), got %s", describeErr(err))
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		if r.s.Unreachable == nil {
			t.Skip("Suite.Unreachable is not set")
		}
		ctx := r.callCtx(t)
		_, err := r.plugin.Check(ctx, sdk.CheckRequest{Config: r.s.Unreachable})
		switch {
		case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
			t.Errorf("Check with Suite.Unreachable did not return within %v: it must give up promptly with a transient error", r.s.Timeout)
		case sdk.KindOf(err) != sdk.KindTransient && sdk.KindOf(err) != sdk.KindRateLimited:
			t.Errorf("Check with Suite.Unreachable: want an error of kind transient (sdk.Transient), got %s", describeErr(err))
		}
	})
	t.Run("faults", r.checkFaults)
}

// checkMissingFields checks that Check refuses Config without each
// top-level required field it holds, with a config error naming it.
func (r *run) checkMissingFields(t *testing.T) {
	cfg := r.config()
	var held []string
	for _, f := range gjson.Get(r.spec.ConfigSchema, "required").Array() {
		if gjson.GetBytes(cfg, gjson.Escape(f.String())).Exists() {
			held = append(held, f.String())
		}
	}
	if len(held) == 0 {
		t.Skip("the config schema requires no top-level field that the config holds")
	}
	for _, field := range held {
		t.Run(field, func(t *testing.T) {
			without, err := withoutField(cfg, field)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.plugin.Check(r.callCtx(t), sdk.CheckRequest{Config: without})
			if sdk.KindOf(err) != sdk.KindConfig {
				t.Fatalf("Check with the config without required field %q: want an error of kind config (sdk.ConfigError), got %s",
					field, describeErr(err))
			}
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(field)) {
				t.Errorf("Check with the config without required field %q: the error must name the field, got %q", field, err.Error())
			}
		})
	}
}

// withoutField returns cfg, a JSON object, without one top-level field.
func withoutField(cfg sdk.Config, field string) (sdk.Config, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(cfg, &obj); err != nil {
		return nil, fmt.Errorf("remove %q from the config: it is not a JSON object: %w", field, err)
	}
	delete(obj, field)
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("remove %q from the config: %w", field, err)
	}
	return out, nil
}
