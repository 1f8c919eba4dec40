package postgres

import "testing"

// TestStartupParametersAPoolerAccepts: the index's connections carry no
// startup parameter PgBouncer refuses with its default settings; it sent
// search_path as one ("unsupported startup parameter: search_path").
func TestStartupParametersAPoolerAccepts(t *testing.T) {
	cfg, err := poolConfig("postgres://cxhub@db.internal:6432/cxhub?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range cfg.ConnConfig.RuntimeParams {
		if k != "application_name" {
			t.Errorf("startup parameter %s=%s: PgBouncer refuses it unless told to ignore it", k, v)
		}
	}
	if cfg.AfterConnect == nil {
		t.Error("no AfterConnect: nothing sets the index's search_path")
	}
}
