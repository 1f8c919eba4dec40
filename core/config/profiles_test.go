package config

import (
	"slices"
	"testing"
)

const profilesBase = `version: 1
connections:
  crm: {connector: hubspot}
`

func TestProfilesDestination(t *testing.T) {
	clearOverrides(t)
	c, err := Load(writeConfig(t, profilesBase+`customers:
  max_shared: 5
pipelines:
  - name: backfill
    from: {connection: crm, stream: contacts}
    to: {profiles: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Pipelines[0]
	if p.To != (Endpoint{ProfilesConnection, ProfilesStream}) {
		t.Errorf("to = %+v", p.To)
	}
	conn := c.Connections[ProfilesConnection]
	if conn == nil || !conn.Builtin || conn.Connector != ProfilesConnector {
		t.Errorf("built-in connection: %+v", conn)
	}
	if c.Customers == nil || c.Customers.Line != 5 {
		t.Errorf("customers section node: %+v", c.Customers)
	}
}

func TestProfilesDestinationErrors(t *testing.T) {
	got := loadErrors(t, profilesBase+`pipelines:
  - name: a
    from: {profiles: true}
    to: {connection: crm, stream: contacts}
  - name: b
    from: {connection: crm, stream: contacts}
    to: {profiles: false}
  - name: c
    from: {connection: crm, stream: contacts}
    to: {profiles: true, stream: x}
  - name: d
    from: {connection: crm, stream: contacts}
    to: {connection: "@profiles", stream: records}
`)
	for _, want := range []string{
		"FILE:6:12: pipelines[0].from.profiles: the profile store can only be a pipeline's destination (to), not its source",
		"FILE:10:20: pipelines[1].to.profiles: expected true (or leave the key out and name a connection and stream), got false",
		"FILE:13:26: pipelines[2].to.stream: not allowed beside profiles: true (the profile store is the destination)",
		"FILE:16:22: pipelines[3].to.connection: the profile store is written `to: {profiles: true}`",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("errors lack %q:\n%v", want, got)
		}
	}
}
