package postgres

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
)

// closedPort returns a 127.0.0.1 port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// TestPasswordNeverInErrors opens with DSNs that fail in every way a
// password could be echoed — refused by the server, nobody listening, a
// DSN that does not parse — and checks that neither the password nor the
// DSN appear in the error, nor in Location.
func TestPasswordNeverInErrors(t *testing.T) {
	ctx := context.Background()
	const password = "Zq8vX!kp%/@Tr4ü" // no five bytes of it occur in an error by chance
	exec(t, srv.DSN("postgres"), `CREATE ROLE alice LOGIN PASSWORD 'right-one'`)
	t.Cleanup(func() { exec(t, srv.DSN("postgres"), `DROP ROLE alice`) })
	esc := strings.NewReplacer("%", "%25", "/", "%2F", "@", "%40").Replace(password)
	port := closedPort(t)
	cases := map[string]struct{ dsn, want string }{
		"wrong password, URL": {fmt.Sprintf("postgres://alice:%s@127.0.0.1:%d/postgres?sslmode=disable", esc, srv.Port()),
			"password authentication failed"},
		"wrong password, key=value": {fmt.Sprintf("host=127.0.0.1 port=%d user=alice password='%s' dbname=postgres sslmode=disable", srv.Port(), password),
			"password authentication failed"},
		"nobody listening": {fmt.Sprintf("postgres://alice:%s@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", esc, port),
			"connect"},
		"no such socket":  {fmt.Sprintf("host=/nonexistent/cxhub port=5432 user=alice password=%s", esc), "/nonexistent/cxhub"},
		"bad port in URL": {fmt.Sprintf("postgres://alice:%s@127.0.0.1:notaport/postgres", esc), "does not parse"},
		"bad URL escape":  {"postgres://alice:" + password + "@127.0.0.1/postgres", "does not parse"},
		"bad key=value":   {fmt.Sprintf("host=127.0.0.1 password='%s' sslmode=sometimes", password), "does not parse"},
		"unclosed quote":  {fmt.Sprintf("host=127.0.0.1 password='%s", password), "does not parse"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for _, open := range []func(context.Context, string) (*Store, error){Open, OpenReadOnly} {
				s, err := open(ctx, tc.dsn)
				if err == nil {
					s.Close()
					t.Fatal("Open succeeded")
				}
				msg := err.Error()
				t.Log(msg)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("error %q does not say %q", msg, tc.want)
				}
				if strings.Contains(msg, tc.dsn) || strings.Contains(msg, "right-one") {
					t.Errorf("error %q contains the dsn or the right password", msg)
				}
				// Not even a part of the password.
				for _, secret := range []string{password, esc} {
					for i := 0; i+5 <= len(secret); i++ {
						if part := secret[i : i+5]; strings.Contains(msg, part) {
							t.Errorf("error %q contains %q, part of the password %q", msg, part, secret)
							break
						}
					}
				}
			}
		})
	}

	// A store opened with a password does not show it either.
	dsn := srv.NewDatabase(t) + " password=not-checked-on-the-socket"
	s := mustOpen(t, dsn)
	defer s.Close()
	if loc := s.Location(); strings.Contains(loc, "not-checked") || !strings.HasPrefix(loc, "postgres://cxhub_test@") {
		t.Errorf("Location = %q", loc)
	}
}

func TestSecrets(t *testing.T) {
	for _, tc := range []struct {
		dsn     string
		want    []string
		notPart []string // parts of the password, which must not be redacted alone
	}{
		// libpq reads an unquoted value up to white space: & and ' are
		// part of it, and a backslash escapes the next character.
		{"host=h user=u password=info&s3cret dbname=d", []string{"info&s3cret"}, []string{"info"}},
		{`host=h password=pass\ word dbname=d`, []string{"pass word", `pass\ word`}, []string{`pass\`}},
		{"host=h password=it's-mine dbname=d", []string{"it's-mine"}, []string{"it"}},
		{"postgres://u@h/db?password=p%40ss&sslmode=disable", []string{"p@ss", "p%40ss"}, nil},
		{"postgres://u:p%40ss@h/db", []string{"p@ss", "p%40ss"}, nil},
		{"postgresql://u:plain@h:5432/db?sslmode=disable", []string{"plain"}, nil},
		{"postgres://u@h/db?password=inquery", []string{"inquery"}, nil},
		{"host=h user=u password=kv dbname=d", []string{"kv"}, nil},
		{`host=h password='qu\'oted pw' dbname=d`, []string{"qu'oted pw", `qu\'oted pw`}, nil},
		{"postgres://u:bro%ken@h/db", []string{"bro%ken"}, nil}, // does not parse: still found
		{"postgres://u@h/db", nil, nil},
		{"host=h user=u", nil, nil},
	} {
		got := Secrets(tc.dsn)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("Secrets(%q) = %q, missing %q", tc.dsn, got, w)
			}
		}
		for _, p := range tc.notPart {
			if slices.Contains(got, p) {
				t.Errorf("Secrets(%q) = %q: %q is only part of the password", tc.dsn, got, p)
			}
		}
		if tc.want == nil && len(got) > 0 {
			t.Errorf("Secrets(%q) = %q, want none", tc.dsn, got)
		}
	}
}

// TestUnescapedPasswordSaysPercentEncode: a / in a URL's password ends
// its authority early, so pgx's reason is about what follows (an
// "invalid port"): the error says to percent-encode, not only that.
func TestUnescapedPasswordSaysPercentEncode(t *testing.T) {
	for _, dsn := range []string{
		"postgres://cxhub:Qx7/Kw9@db.internal:5432/cxhub",
		"postgres://cxhub:Qx7%zzKw9@db.internal:5432/cxhub",
	} {
		err := CheckDSN(dsn)
		if err == nil || !strings.Contains(err.Error(), "percent-encode") || strings.Contains(err.Error(), "Qx7") || strings.Contains(err.Error(), "Kw9") {
			t.Errorf("CheckDSN(%q) = %v; want an error saying to percent-encode, without the password", dsn, err)
		}
	}
	if err := CheckDSN("postgres://cxhub@db.internal:5432/cxhub?sslmode=sometimes"); err == nil || strings.Contains(err.Error(), "percent-encode") {
		t.Errorf("CheckDSN with a bad sslmode = %v; want its reason, without the percent-encoding hint", err)
	}
}

// TestTLSSettingsErrorNamesThem: a DSN that parses but names a CA file
// that is not there is not called a DSN that "does not parse (expected
// postgres://...)": the error names the TLS settings and the file.
func TestTLSSettingsErrorNamesThem(t *testing.T) {
	err := CheckDSN("host=db.internal user=cxhub sslmode=verify-full sslrootcert=/nonexistent/root.crt")
	if err == nil || strings.Contains(err.Error(), "does not parse") || !strings.Contains(err.Error(), "TLS settings") ||
		!strings.Contains(err.Error(), "/nonexistent/root.crt") {
		t.Errorf("CheckDSN with a missing sslrootcert = %v; want an error about the TLS settings naming the file", err)
	}
}
