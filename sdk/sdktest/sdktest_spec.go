package sdktest

import (
	"testing"
)

// checkSpec is the spec subtest: the spec as it came through the protocol.
func (r *run) checkSpec(t *testing.T) {
	for _, p := range specProblems(r.spec) {
		t.Error("spec: " + p)
	}
	if r.spec.ConfigSchema == "" {
		t.Logf("the spec has no config schema: the core accepts any config")
		return
	}
	configs := []struct {
		name string
		cfg  []byte
	}{
		{"Suite.Config", r.config()},
		{"Suite.BadCredentials", r.s.BadCredentials},
		{"Suite.Unreachable", r.s.Unreachable},
	}
	for _, c := range configs {
		if c.cfg == nil {
			continue
		}
		if err := validateConfig(r.spec, c.cfg); err != nil {
			t.Errorf("%s does not validate against the connector's config schema, so the core would refuse it "+
				"before the connector sees it (fix the config, or the schema): %v", c.name, err)
		}
	}
}
