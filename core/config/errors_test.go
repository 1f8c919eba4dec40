package config

import (
	"strings"
	"testing"
)

// validHead is a valid start of a file for tests that break only pipelines.
const validHead = `version: 1
connections:
  crm: {connector: hubspot}
  files: {connector: file}
  helpdesk: {connector: zendesk}
pipelines:
`

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "unknown connection in from, with did-you-mean",
			yaml: validHead + "  - name: p\n    from: {connection: crn, stream: contacts}\n    to: {connection: helpdesk, stream: users}\n",
			want: []string{`FILE:8:24: pipelines[0].from.connection: unknown connection "crn" (did you mean "crm"? known: crm, files, helpdesk)`},
		},
		{
			name: "unknown connection in to",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: contacts}\n    to: {connection: crm, stream: x}\n" +
				"  - name: q\n    from: {connection: crm, stream: contacts}\n    to:   {connection: zendsk, stream: users}\n",
			want: []string{`FILE:12:24: pipelines[1].to.connection: unknown connection "zendsk" (known: crm, files, helpdesk)`},
		},
		{
			name: "duplicate connection names",
			yaml: "version: 1\nconnections:\n  crm: {connector: hubspot}\n  crm: {connector: salesforce}\n",
			want: []string{`FILE:4:3: connections.crm: duplicate connection name "crm" (first defined at line 3)`},
		},
		{
			name: "duplicate pipeline names",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n" +
				"  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n",
			want: []string{`FILE:10:11: pipelines[1].name: duplicate pipeline name "p" (first defined at line 7)`},
		},
		{
			name: "duplicate key",
			yaml: "version: 1\nversion: 1\n",
			want: []string{`FILE:2:1: version: duplicate key "version" (first defined at line 1)`},
		},
		{
			name: "unknown key with did-you-mean",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    shedule: 5m\n",
			want: []string{`FILE:10:5: pipelines[0].shedule: unknown key (did you mean "schedule"? expected one of: name, from, to, map, where, schedule, jitter, on_error, batch_size, retry, monitor)`},
		},
		{
			name: "unknown key without a close match",
			yaml: "version: 1\nextras: {}\nconnection: {}\n",
			want: []string{
				`FILE:2:1: extras: unknown key (expected one of: version, state, plugins, log, server, monitor, connections, pipelines, syncs, customers)`,
				`FILE:3:1: connection: unknown key (did you mean "connections"? expected one of: version, state, plugins, log, server, monitor, connections, pipelines, syncs, customers)`,
			},
		},
		{
			name: "a pipeline that reads its own output",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: crm, stream: a}\n",
			want: []string{`FILE:9:9: pipelines[0].to: the pipeline would read its own output: from and to are both crm.a`},
		},
		{
			name: "wrong type",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    batch_size: lots\n",
			want: []string{`FILE:10:17: pipelines[0].batch_size: expected an integer from 1 to 10000, got "lots"`},
		},
		{
			name: "out of range and wrong kinds",
			yaml: validHead + "  - name: p\n    from: [crm, a]\n    to: {connection: files, stream: b}\n    batch_size: 0\n    where: {a: b}\n",
			want: []string{
				`FILE:8:11: pipelines[0].from: expected a mapping with keys connection, stream, profiles, got a list`,
				`FILE:10:17: pipelines[0].batch_size: expected an integer from 1 to 10000, got 0`,
				`FILE:11:12: pipelines[0].where: expected a filter expression, got a mapping`,
			},
		},
		{
			name: "missing required keys",
			yaml: "version: 1\nconnections:\n  crm:\n    config: {}\npipelines:\n  - from: {connection: crm}\n    to: {stream: b}\n",
			want: []string{
				`FILE:4:5: connections.crm.connector: missing required key`,
				`FILE:6:5: pipelines[0].name: missing required key`,
				`FILE:6:11: pipelines[0].from.stream: missing required key`,
				`FILE:7:9: pipelines[0].to.connection: missing required key`,
			},
		},
		{
			name: "missing version",
			yaml: "connections: {}\n",
			want: []string{`FILE:1:1: version: missing required key`},
		},
		{
			name: "bad version",
			yaml: "version: 2\n",
			want: []string{`FILE:1:10: version: expected 1 (the only version of the file format), got 2`},
		},
		{
			name: "version as a string",
			yaml: "version: \"1\"\n",
			want: []string{`FILE:1:10: version: expected 1, got "1"`},
		},
		{
			name: "bad durations",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    schedule: 5 minutes\n" +
				"    retry: {initial_interval: 10, max_interval: 100ms}\n  - name: q\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    schedule: 500ms\n",
			want: []string{
				`FILE:10:15: pipelines[0].schedule: expected a duration like "5m" or a cron expression like "*/15 * * * *" or "@hourly", got "5 minutes" (did you mean "5m"?)`,
				`FILE:11:31: pipelines[0].retry.initial_interval: expected a duration of at least 1ms, like "500ms", "30s", "5m" or "1h30m", got 10 (a duration needs a unit: "10s" or "10m"?)`,
				`FILE:11:49: pipelines[0].retry.max_interval: must be at least initial_interval (500ms), got 100ms`,
				`FILE:15:15: pipelines[1].schedule: expected a schedule of at least 1s, got "500ms"`,
			},
		},
		{
			name: "bad on_error",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    on_error: dead-letter\n",
			want: []string{`FILE:10:15: pipelines[0].on_error: expected dead_letter or stop, got "dead-letter" (did you mean "dead_letter"?)`},
		},
		{
			name: "bad log level and state path",
			yaml: "version: 1\nlog: {level: warning}\nstate: {path: \"\"}\nplugins: {dir: [a]}\n",
			want: []string{
				`FILE:2:14: log.level: expected trace, debug, info, warn or error, got "warning" (did you mean "warn"?)`,
				`FILE:3:15: state.path: expected a file path, got an empty string`,
				`FILE:4:16: plugins.dir: expected a directory path, got a list`,
			},
		},
		{
			name: "a state path that is a directory",
			yaml: "version: 1\nstate: {path: /}\n",
			want: []string{`FILE:2:9: state.path: / is a directory: expected the path of the SQLite state file, such as /cxhub.db`},
		},
		{
			name: "bad names",
			yaml: "version: 1\nconnections:\n  CRM: {connector: hubspot}\npipelines:\n  - name: My Pipeline\n    from: {connection: CRM, stream: a}\n    to: {connection: CRM, stream: b}\n",
			want: []string{
				`FILE:3:3: connections.CRM: invalid connection name "CRM" (expected lower-case letters, digits, "_" and "-", starting with a letter or digit)`,
				`FILE:5:11: pipelines[0].name: invalid pipeline name "My Pipeline" (expected lower-case letters, digits, "_" and "-", starting with a letter or digit)`,
			},
		},
		{
			name: "connection config is not a mapping",
			yaml: "version: 1\nconnections:\n  crm: {connector: hubspot, config: ${HOME}}\n  files: {connector: file, config: [a]}\n",
			want: []string{
				`FILE:3:37: connections.crm.config: expected a mapping of the connector's settings, got a string`,
				`FILE:4:36: connections.files.config: expected a mapping of the connector's settings, got a list`,
			},
		},
		{
			name: "bad map entries",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    map:\n" +
				"      name: \"{{properties.firstname\"\n      list: [a]\n      const: {value: 1, extra: 2}\n      nothing: {}\n      empty: \"\"\n      ok: properties.email\n",
			want: []string{
				`FILE:11:13: pipelines[0].map.name: *unclosed*`,
				`FILE:12:13: pipelines[0].map.list: expected a source path, a template, a constant scalar or {value: ...}, got a list`,
				`FILE:13:25: pipelines[0].map.const.extra: unknown key (expected one of: value)`,
				`FILE:14:16: pipelines[0].map.nothing.value: missing required key`,
				`FILE:15:14: pipelines[0].map.empty: empty expression (write {value: ""} for an empty string constant)`,
			},
		},
		{
			name: "where indented under map",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    map:\n      email: properties.email\n      where: properties.email != \"\"\n",
			want: []string{`FILE:12:14: pipelines[0].map.where: path "properties.email != \"\"": "!=" is an operator, not part of a path: a condition belongs in the pipeline's where:, not in map: at offset 17 (this "where" is indented under map:, so it is read as a destination field; if it is the pipeline's where:, indent it like map:)`},
		},
		{
			name: "an arithmetic expression where a path belongs",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    map:\n" +
				"      full_name: first_name + last_name\n      city: \"City, State\"\n      nps: Score - NPS\n      sum: amount+tax\n",
			want: []string{
				`FILE:11:18: pipelines[0].map.full_name: path "first_name + last_name": "+" is not an operator of the map language: a path reads one field (to join fields, write a template: "{{first_name}} {{last_name}}"; a key that really contains " + " is written " \+ ") at offset 11`,
			},
		},
		{
			name: "the built-in profile store's connector named in a connection",
			yaml: "version: 1\nconnections:\n  crm: {connector: hubspot}\n  idx: {connector: cxhub-profiles}\n",
			want: []string{`FILE:4:20: connections.idx.connector: "cxhub-profiles" is the built-in profile store, not a connector a connection can use: expected an installed connector (see cxhub plugins list); to feed the profile store, write to: {profiles: true} in the pipeline`},
		},
		{
			name: "swapped letters get a did-you-mean",
			yaml: validHead + "  - name: p\n    form: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n",
			want: []string{
				`FILE:7:5: pipelines[0].from: missing required key`,
				`FILE:8:5: pipelines[0].form: unknown key (did you mean "from"? expected one of: name, from, to, map, where, schedule, jitter, on_error, batch_size, retry, monitor)`,
			},
		},
		{
			name: "a bad map field named like a pipeline key the pipeline has",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    map:\n      name: first + last\n",
			want: []string{`FILE:11:13: pipelines[0].map.name: path "first + last": "+" is not an operator of the map language: a path reads one field (to join fields, write a template: "{{first}} {{last}}"; a key that really contains " + " is written " \+ ") at offset 6`},
		},
		{
			name: "where indented under a sync's to_b",
			yaml: "version: 1\nconnections:\n  crm: {connector: hubspot}\n  files: {connector: file}\nsyncs:\n  - name: s\n    a: {connection: crm, stream: a}\n    b: {connection: files, stream: b}\n    match: email\n" +
				"    to_b:\n      email: email\n      where_b: email != \"\"\n    to_a: {email: email}\n",
			want: []string{`FILE:12:16: syncs[0].to_b.where_b: path "email != \"\"": "!=" is an operator, not part of a path: a condition belongs in the pipeline's where:, not in map: at offset 6 (this "where_b" is indented under to_b:, so it is read as a destination field; if it is the sync's where_b:, indent it like to_b:)`},
		},
		{
			name: "durations without a unit, with a unit Go has not, and cron with seconds",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    schedule: 5\n    monitor: {staleness: 1d}\n" +
				"    retry: {max_elapsed: 10 mins}\n  - name: q\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: c}\n    schedule: \"0 */5 * * * *\"\n    jitter: 2secs\n",
			want: []string{
				`FILE:10:15: pipelines[0].schedule: expected a duration like "5m" or a cron expression like "*/15 * * * *" or "@hourly", got 5 (a duration needs a unit: "5s" or "5m"?)`,
				`FILE:11:26: pipelines[0].monitor.staleness: expected a duration of at least 1s, like "30s", "5m" or "1h30m", got "1d" (there is no "d" unit: write "24h")`,
				`FILE:12:26: pipelines[0].retry.max_elapsed: expected a duration of at least 1ms, like "500ms", "30s", "5m" or "1h30m", got "10 mins" (did you mean "10m"?)`,
				`FILE:16:15: pipelines[1].schedule: expected a duration like "5m" or a cron expression like "*/15 * * * *" or "@hourly", got "0 */5 * * * *" (as cron: expected exactly 5 fields, found 6: [0 */5 * * * *]; there is no seconds field: minute, hour, day of month, month, day of week)`,
				`FILE:17:13: pipelines[1].jitter: expected a duration of at least 0s, like "500ms", "30s", "5m" or "1h30m", got "2secs" (did you mean "2s"?)`,
			},
		},
		{
			name: "@every shorter than a second",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    schedule: \"@every 10ms\"\n",
			want: []string{`FILE:10:15: pipelines[0].schedule: expected a schedule of at least 1s, got "@every 10ms" (cron would run it every second)`},
		},
		{
			name: "map fields that conflict",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    map:\n      a: x\n      a.b: y\n",
			want: []string{`FILE:12:12: pipelines[0].map.a.b: *"a"*`},
		},
		{
			name: "where syntax error points into the expression",
			yaml: validHead + "  - name: p\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    where: properties.email ==\n" +
				"  - name: q\n    from: {connection: crm, stream: a}\n    to: {connection: files, stream: b}\n    where: \"properties.x == 'a' &&\"\n",
			want: []string{
				`FILE:10:31: pipelines[0].where: *`,
				`FILE:14:35: pipelines[1].where: *`,
			},
		},
		{
			name: "YAML syntax error",
			yaml: "version: 1\nconnections:\n  crm: {connector: [hubspot}\n",
			want: []string{`FILE:3: invalid YAML: did not find expected ',' or ']' (in the mapping or list that starts on this line)`},
		},
		{
			name: "YAML indentation error",
			yaml: "version: 1\nconnections:\n  crm:\n    connector: x\n   config: {}\n",
			want: []string{`FILE:5:4: invalid YAML: this line starts at column 4, where no open block does (the keys around it start at column 5 (as on line 4) or column 3 (as on line 3)): check the indentation here`},
		},
		{
			name: "an alias of an anchor that is not defined",
			yaml: "version: 1\nconnections:\n  crm: {connector: hubspot}\npipelines:\n  - name: p\n    from: {connection: crm, stream: a}\n    to: *nowhere\n",
			want: []string{`FILE:7:9: invalid YAML: unknown anchor 'nowhere' referenced (expected an anchor &nowhere defined earlier in the file)`},
		},
		{
			name: "tab indentation",
			yaml: "version: 1\nconnections:\n\tcrm: {}\n",
			want: []string{`FILE:3:1: invalid YAML: a tab in the indentation: YAML indents with spaces only`},
		},
		{
			name: "empty file",
			yaml: "# nothing yet\n",
			want: []string{`FILE: the file is empty (expected a mapping with keys version, state, plugins, log, server, monitor, connections, pipelines, syncs, customers)`},
		},
		{
			name: "not a mapping",
			yaml: "- version: 1\n",
			want: []string{`FILE:1:1: expected a mapping with keys version, state, plugins, log, server, monitor, connections, pipelines, syncs, customers, got a list`},
		},
		{
			name: "two documents",
			yaml: "version: 1\n---\nversion: 1\n---\n",
			want: []string{`FILE:2: a second YAML document (after ---) is not allowed: a config file holds one document`},
		},
		{
			name: "connections and pipelines of the wrong kind",
			yaml: "version: 1\nconnections: [a]\npipelines: {a: b}\n",
			want: []string{
				`FILE:2:14: connections: expected a mapping of connection names to connections, got a list`,
				`FILE:3:12: pipelines: expected a list of pipelines, got a mapping`,
			},
		},
		{
			name: "JSON cannot hold infinity",
			yaml: "version: 1\nconnections:\n  crm: {connector: x, config: {rate: .inf}}\n",
			want: []string{`FILE:3:38: connections.crm.config.rate: infinity and NaN cannot be represented in JSON`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameLines(t, loadErrors(t, tt.yaml), tt.want)
		})
	}
}

// TestLoadReportsEveryError checks that one pass reports every problem of
// a file, in line order, whatever order the checks run in.
func TestLoadReportsEveryError(t *testing.T) {
	got := loadErrors(t, `pipelines:
  - name: a
    from: {connection: nope, stream: s}
    to: {connection: crm, stream: s}
    batch_size: -1
version: 3
connections:
  crm:
    connector: hubspot
    config: {token: ${UNSET_TOKEN_FOR_TEST}}
    extra: 1
log: {level: loud}
`)
	want := []string{
		`FILE:3:24: pipelines[0].from.connection: unknown connection "nope" (known: crm)`,
		`FILE:5:17: pipelines[0].batch_size: expected an integer from 1 to 10000, got -1`,
		`FILE:6:10: version: expected 1 (the only version of the file format), got 3`,
		`FILE:10:21: connections.crm.config.token: environment variable UNSET_TOKEN_FOR_TEST is not set`,
		`FILE:11:5: connections.crm.extra: unknown key (expected one of: connector, config, check_interval)`,
		`FILE:12:14: log.level: expected trace, debug, info, warn or error, got "loud"`,
	}
	sameLines(t, got, want)
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Column: 7, Key: "k.x", Msg: "bad"}, "a.yaml:3:7: k.x: bad"},
		{Error{File: "a.yaml", Line: 3, Key: "k", Msg: "bad"}, "a.yaml:3: k: bad"},
		{Error{File: "a.yaml", Line: 3, Msg: "bad"}, "a.yaml:3: bad"},
		{Error{File: "a.yaml", Key: "log.level", Msg: "bad"}, "a.yaml: log.level: bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	errs := Errors{&tests[0].err, &tests[1].err}
	if got, want := errs.Error(), "a.yaml:3:7: k.x: bad\na.yaml:3: k: bad"; got != want {
		t.Errorf("Errors.Error() = %q, want %q", got, want)
	}
	if strings.Contains(Errors{}.Error(), "\n") {
		t.Error("empty Errors has a newline")
	}
}
