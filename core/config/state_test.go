package config

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestStateDrivers(t *testing.T) {
	t.Run("sqlite by default", func(t *testing.T) {
		c := mustLoad(t, "version: 1\n")
		if c.State.Driver != "sqlite" || c.State.DSN != "" || filepath.Base(c.State.Path) != "cxhub.db" || c.StatePath != c.State.Path {
			t.Errorf("State = %+v, StatePath %q", c.State, c.StatePath)
		}
	})
	t.Run("postgres from the file", func(t *testing.T) {
		t.Setenv("CXHUB_PG_DSN", "postgres://cxhub:pg-pass-1@db.internal:5432/cxhub?sslmode=require")
		c := mustLoad(t, "version: 1\nstate: {driver: postgres, dsn: \"${CXHUB_PG_DSN}\"}\n")
		want := State{Driver: "postgres", DSN: "postgres://cxhub:pg-pass-1@db.internal:5432/cxhub?sslmode=require"}
		if c.State != want || c.StatePath != "" {
			t.Errorf("State = %+v, StatePath %q; want %+v", c.State, c.StatePath, want)
		}
	})
	t.Run("postgres from the environment", func(t *testing.T) {
		clearOverrides(t)
		t.Setenv("CXHUB_STATE_DRIVER", "postgres")
		t.Setenv("CXHUB_STATE_DSN", "host=/run/postgresql dbname=cxhub")
		c, err := Load(writeConfig(t, "version: 1\n"))
		if err != nil {
			t.Fatal(err)
		}
		if c.State != (State{Driver: "postgres", DSN: "host=/run/postgresql dbname=cxhub"}) {
			t.Errorf("State = %+v", c.State)
		}
	})
	t.Run("the environment's dsn wins over the file's", func(t *testing.T) {
		clearOverrides(t)
		t.Setenv("CXHUB_STATE_DSN", "host=other dbname=env")
		c, err := Load(writeConfig(t, "version: 1\nstate: {driver: postgres, dsn: host=file}\n"))
		if err != nil {
			t.Fatal(err)
		}
		if c.State.DSN != "host=other dbname=env" {
			t.Errorf("DSN = %q", c.State.DSN)
		}
	})
}

func TestStateErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		want       []string
	}{
		{name: "postgres without dsn", yaml: "version: 1\nstate:\n  driver: postgres\n",
			want: []string{"FILE:3:3: state.dsn: missing required key: the postgres driver needs a connection string, such as dsn: ${CXHUB_PG_DSN} (or set CXHUB_STATE_DSN)"}},
		{name: "postgres with a path", yaml: "version: 1\nstate:\n  driver: postgres\n  dsn: host=db\n  path: ./cxhub.db\n",
			want: []string{"FILE:5:3: state.path: not used by the postgres driver, whose database is state.dsn"}},
		{name: "postgres, path from the environment", yaml: "version: 1\nstate: {driver: postgres, dsn: host=db}\n",
			env:  map[string]string{"CXHUB_STATE_PATH": "/var/lib/cxhub.db"},
			want: []string{"FILE: state.path: not used by the postgres driver, whose database is state.dsn (from environment variable CXHUB_STATE_PATH)"}},
		{name: "sqlite with a dsn", yaml: "version: 1\nstate:\n  path: x.db\n  dsn: host=db\n",
			want: []string{"FILE:4:3: state.dsn: only the postgres driver takes a dsn: the sqlite driver's state is the file state.path"}},
		{name: "empty dsn", yaml: "version: 1\nstate:\n  driver: postgres\n  dsn: \"\"\n",
			want: []string{"FILE:4:8: state.dsn: expected a PostgreSQL connection string, got an empty string"}},
		{name: "unknown driver", yaml: "version: 1\nstate: {driver: postgresql}\n",
			want: []string{`FILE:2:17: state.driver: expected sqlite or postgres, got "postgresql" (did you mean "postgres"?)`}},
		{name: "unknown key", yaml: "version: 1\nstate: {driver: postgres, dns: host=db}\n",
			want: []string{`FILE:2:27: state.dns: unknown key (did you mean "dsn"? expected one of: path, driver, dsn)`,
				"FILE:2:8: state.dsn: missing required key: the postgres driver needs a connection string, such as dsn: ${CXHUB_PG_DSN} (or set CXHUB_STATE_DSN)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearOverrides(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			path := writeConfig(t, tc.yaml)
			_, err := Load(path)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Load = %v, want Errors", err)
			}
			got := strings.Split(strings.ReplaceAll(err.Error(), path, "FILE"), "\n")
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestStateDSNIsSecret: the DSN's password is among the config's secrets,
// and an error about a DSN that does not parse quotes none of it.
func TestStateDSNIsSecret(t *testing.T) {
	t.Setenv("CXHUB_PG_DSN", "postgres://cxhub:Pw%2Fpart-of-dsn@db:5432/cxhub")
	c := mustLoad(t, "version: 1\nstate: {driver: postgres, dsn: \"${CXHUB_PG_DSN}\"}\n")
	got := c.Secrets(installed())
	for _, want := range []string{"Pw/part-of-dsn", "Pw%2Fpart-of-dsn"} {
		if !slices.Contains(got, want) {
			t.Errorf("Secrets = %q, missing %q", got, want)
		}
	}

	clearOverrides(t)
	t.Setenv("CXHUB_PG_DSN", "postgres://cxhub:Pw%zzsecret@db:notaport/cxhub")
	path := writeConfig(t, "version: 1\nstate: {driver: postgres, dsn: \"${CXHUB_PG_DSN}\"}\n")
	_, err := Load(path)
	if err == nil {
		t.Fatal("a DSN that does not parse was accepted")
	}
	msg := strings.ReplaceAll(err.Error(), path, "FILE")
	if !strings.HasPrefix(msg, "FILE:2:27: state.dsn: the dsn does not parse") {
		t.Errorf("error = %q", msg)
	}
	if strings.Contains(msg, "zzsecret") || strings.Contains(msg, "cxhub:") {
		t.Errorf("error quotes the DSN: %q", msg)
	}
}
