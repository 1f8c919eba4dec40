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
			name: "round trips of one field with owners that differ",
			yaml: syncHead + `    to_b: {email: email, name: "{{first}} {{last}}"}
    to_a: {email: email, first: name, last: name}
    owners: {first: a, last: b}
`,
			want: []string{`FILE:11:32: syncs[0].to_b.name: field "name" makes round trips with first, last, whose owners differ (first: a, last: b): ` +
				`one owner decides them all, or each round undoes the other; give them the same owner (owners: {name: a})`},
		},
		{
			name: "latest is no owner for a round trip that is not the identity",
			yaml: syncHead + `    to_b: {email: properties.email, name: "{{firstname}}"}
    to_a: {email: email, firstname: name}
    owners: {name: latest}
`,
			want: []string{`FILE:11:43: syncs[0].to_b.name: field "name" is mapped both ways but the round trip is not the identity: ` +
				`to_b writes name from "{{firstname}}" and to_a writes firstname back from name, ` +
				`so each round would change it again (and never settle); map the same field both ways, or give it an owner: owners: {name: a} (or b, or on_create)`},
		},
		{
			name: "a wildcard reads a field back",
			yaml: syncHead + `    to_b: {email: email, name: "{{first}} {{last}}"}
    to_a: {email: email, first: "nam*"}
`,
			want: []string{`FILE:11:32: syncs[0].to_b.name: field "name" is mapped both ways but the round trip is not the identity: ` +
				`to_b writes name from "{{first}} {{last}}" and to_a writes first back from name (as "nam*"), ` +
				`so each round would change it again (and never settle); map the same field both ways, or give it an owner: owners: {name: a} (or b, or on_create)`},
		},
		{
			name: "an empty map on either side",
			yaml: syncHead + `    to_b: {email: email, title: "Dr {{title}}"}
    to_a: {}
`,
			want: []string{`FILE:12:11: syncs[0].to_a: expected at least one field: a sync maps its fields explicitly ` +
				`(an empty map would copy every field of one side to the other as it is, with no check of what comes back)`},
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

// A field read back into a field that to_b never reads flows one way: no
// round trip, no owner needed. Round trips of one field that share an
// owner are accepted, all ruled by it.
func TestSyncRoundTripsOnlyWhereEachReadsTheOther(t *testing.T) {
	c := mustLoad(t, syncHead+`    to_b: {email: email, name: "{{first}} {{last}}", nick: "{{first}}"}
    to_a: {email: email, display_name: name, first: nick, last: nick}
    owners: {nick: a}
`)
	ab, ba := c.Pipelines[0].Sync.Fields, c.Pipelines[1].Sync.Fields
	if got, want := ab["name"], (SyncField{Key: "b:name", Rule: SyncCarry}); got != want {
		t.Errorf("a→b name: %+v, want %+v (one way: display_name is not read back)", got, want)
	}
	if got, want := ba["display_name"], (SyncField{Key: "a:display_name", Rule: SyncCarry}); got != want {
		t.Errorf("b→a display_name: %+v, want %+v", got, want)
	}
	if got, want := ab["nick"], (SyncField{Key: "b:nick", Rule: SyncCarry}); got != want {
		t.Errorf("a→b nick: %+v, want %+v", got, want)
	}
	if got, want := ba["first"], (SyncField{Key: "a:first", Rule: SyncNever}); got != want {
		t.Errorf("b→a first: %+v, want %+v (a round trip with nick, owned by a)", got, want)
	}
	// last reads nick back, but nick is made of first only: one way.
	if got, want := ba["last"], (SyncField{Key: "a:last", Rule: SyncCarry}); got != want {
		t.Errorf("b→a last: %+v, want %+v", got, want)
	}
}
