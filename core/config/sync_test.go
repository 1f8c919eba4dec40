package config

import (
	"strings"
	"testing"
)

// syncHead is a valid start of a file with a sync.
const syncHead = `version: 1
connections:
  crm: {connector: hubspot}
  desk: {connector: zendesk}
syncs:
  - name: people
    a: {connection: crm, stream: contacts}
    b: {connection: desk, stream: users}
    match: email
    schedule: 5m
`

func TestSyncExpandsIntoTwoPipelines(t *testing.T) {
	c := mustLoad(t, syncHead+`    to_b:
      email: properties.email
      phone: properties.phone
      name: "{{properties.firstname}} {{properties.lastname}}"
      external_id: "hubspot-{{id}}"
    to_a:
      email: email
      phone: phone
      firstname: name
      lifecyclestage: {value: customer}
    owners: {name: a, lifecyclestage: on_create}
    send_always: [external_id]
    where_b: 'role == "end-user"'
`)
	if len(c.Syncs) != 1 || len(c.Pipelines) != 2 {
		t.Fatalf("syncs %d, pipelines %d; want 1 and 2", len(c.Syncs), len(c.Pipelines))
	}
	ab, ba := c.Pipelines[0], c.Pipelines[1]
	if ab.Name != "people-a-to-b" || ba.Name != "people-b-to-a" || ab.Schedule != ba.Schedule || ab.Schedule == 0 {
		t.Errorf("pipelines %s (%v), %s (%v)", ab.Name, ab.Schedule, ba.Name, ba.Schedule)
	}
	if ab.From != ba.To || ab.To != ba.From || ab.From.Connection != "crm" {
		t.Errorf("endpoints %+v → %+v and %+v → %+v", ab.From, ab.To, ba.From, ba.To)
	}
	want := map[string]SyncField{
		"email":       {Key: "=email", Rule: SyncCarry, Owner: OwnerLatest},
		"phone":       {Key: "=phone", Rule: SyncCarry, Owner: OwnerLatest},
		"name":        {Key: "b:name", Rule: SyncCarry},
		"external_id": {Key: "b:external_id", Rule: SyncCarry, Always: true},
	}
	for f, w := range want {
		if got := ab.Sync.Fields[f]; got != w {
			t.Errorf("a→b field %s: %+v, want %+v", f, got, w)
		}
	}
	wantBA := map[string]SyncField{
		"email":          {Key: "=email", Rule: SyncCarry, Owner: OwnerLatest},
		"phone":          {Key: "=phone", Rule: SyncCarry, Owner: OwnerLatest},
		"firstname":      {Key: "a:firstname", Rule: SyncNever},
		"lifecyclestage": {Key: "a:lifecyclestage", Rule: SyncOnCreate},
	}
	for f, w := range wantBA {
		if got := ba.Sync.Fields[f]; got != w {
			t.Errorf("b→a field %s: %+v, want %+v", f, got, w)
		}
	}
	if ab.Where != "" || ba.Where != `role == "end-user"` {
		t.Errorf("where: a→b %q, b→a %q", ab.Where, ba.Where)
	}
	if ab.Sync.Sync != "people" || ab.Sync.ToSide != "b" || ba.Sync.ToSide != "a" {
		t.Errorf("roles %+v %+v", ab.Sync, ba.Sync)
	}
}

func TestSyncErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{
			name: "name split both ways without an owner",
			yaml: syncHead + `    to_b:
      email: properties.email
      name: "{{properties.firstname}} {{properties.lastname}}"
    to_a:
      email: email
      firstname: name
`,
			want: []string{`FILE:13:13: syncs[0].to_b.name: field "name" is mapped both ways but the round trip is not the identity: ` +
				`to_b writes name from "{{properties.firstname}} {{properties.lastname}}" and to_a writes firstname back from name, ` +
				`so each round would change it again (and never settle); map the same field both ways, or give it an owner: owners: {name: a} (or b, or on_create)`},
		},
		{
			name: "a template or modifier that reads a field back is a round trip too",
			yaml: syncHead + `    to_b:
      email: properties.email
      name: "{{properties.firstname}} {{properties.lastname}}"
      title: properties.jobtitle
    to_a:
      email: email
      firstname: "{{name}}"
      jobtitle: title|@reverse
`,
			want: []string{
				`FILE:13:13: syncs[0].to_b.name: field "name" is mapped both ways but the round trip is not the identity: ` +
					`to_b writes name from "{{properties.firstname}} {{properties.lastname}}" and to_a writes firstname back from name (as "{{name}}"), ` +
					`so each round would change it again (and never settle); map the same field both ways, or give it an owner: owners: {name: a} (or b, or on_create)`,
				`FILE:14:14: syncs[0].to_b.title: field "title" is mapped both ways but the round trip is not the identity: ` +
					`to_b writes title from "properties.jobtitle" and to_a writes jobtitle back from title (as "title|@reverse"), ` +
					`so each round would change it again (and never settle); map the same field both ways, or give it an owner: owners: {title: a} (or b, or on_create)`,
			},
		},
		{
			name: "a second field that reads a field back needs its own owner",
			yaml: syncHead + `    to_b: {email: properties.email}
    to_a: {email: email, email_copy: "{{email}}"}
`,
			want: []string{`FILE:12:38: syncs[0].to_a.email_copy: field "email" is mapped both ways but the round trip is not the identity: ` +
				`to_b writes email from "properties.email" and to_a writes email_copy back from email (as "{{email}}"), ` +
				`so each round would change it again (and never settle); map the same field both ways, or give it an owner: owners: {email_copy: a} (or b, or on_create)`},
		},
		{
			name: "latest is no owner for a field that does not survive the round trip",
			yaml: syncHead + `    to_b: {email: properties.email, name: properties.firstname}
    to_a: {email: email, lastname: name}
    owners: {name: latest}
`,
			want: []string{`FILE:11:43: syncs[0].to_b.name: field "name" is mapped both ways but the round trip is not the identity: ` +
				`to_b writes name from "properties.firstname" and to_a writes lastname back from name, ` +
				`so each round would change it again (and never settle); map the same field both ways, or give it an owner: owners: {name: a} (or b, or on_create)`},
		},
		{
			name: "match not mapped both ways, unknown owner field, bad owner",
			yaml: syncHead + `    to_b: {email: properties.email, phone: properties.phone}
    to_a: {phone: phone}
    owners: {phon: a, phone: me}
    send_always: [phone, nothing]
`,
			want: []string{
				`FILE:9:12: syncs[0].match: match "email" must be a field of to_b mapped both ways as the identity (like email: properties.email in to_b and email: email in to_a)`,
				`FILE:13:14: syncs[0].owners.phon: unknown field "phon": owners name fields of to_b or to_a`,
				`FILE:13:30: syncs[0].owners.phone: expected a, b, latest, on_create or manual, got "me"`,
				`FILE:14:19: syncs[0].send_always[0]: field "phone" is mapped both ways: sent with every write, it would undo the other side's edits; send_always is for keys mapped one way (like external_id)`,
				`FILE:14:26: syncs[0].send_always[1]: unknown field "nothing": send_always names fields of to_b or to_a`,
			},
		},
		{
			name: "sync pipelines clash with a pipeline",
			yaml: strings.Replace(syncHead, "syncs:\n", "pipelines:\n  - name: people-a-to-b\n    from: {connection: crm, stream: contacts}\n    to: {connection: desk, stream: users}\nsyncs:\n", 1) +
				"    to_b: {email: properties.email}\n    to_a: {email: email}\n",
			want: []string{`FILE:10:11: syncs[0].name: sync "people" makes the pipelines people-a-to-b and people-b-to-a, but pipeline "people-a-to-b" is already defined (line 6)`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := loadErrors(t, tc.yaml)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
