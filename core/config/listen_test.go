package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServerListenAddress(t *testing.T) {
	for listen, want := range map[string]string{
		"127.0.0.1:99999":   `FILE:2:18: server.listen: expected a host:port like "127.0.0.1:8080", got "127.0.0.1:99999" (the port must be from 0 to 65535)`,
		"'localhost:8080x'": `FILE:2:18: server.listen: expected a host:port like "127.0.0.1:8080", got "localhost:8080x" (the port "8080x" is not a number)`,
		"'localhost:-1'":    `FILE:2:18: server.listen: expected a host:port like "127.0.0.1:8080", got "localhost:-1" (the port "-1" is not a number)`,
		"localhost":         `FILE:2:18: server.listen: expected a host:port like "127.0.0.1:8080", got "localhost"`,
	} {
		sameLines(t, loadErrors(t, "version: 1\nserver: {listen: "+listen+"}\n"), []string{want})
	}
	for _, ok := range []string{"127.0.0.1:65535", "':8080'", "'[::1]:0'", "0.0.0.0:443"} {
		mustLoad(t, "version: 1\nserver: {listen: "+ok+"}\n")
	}
}

func TestServerTLSFiles(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeKeyPair(t, dir, "a")
	otherCert, _ := writeKeyPair(t, dir, "b")
	missing := filepath.Join(dir, "missing.pem")

	c := mustLoad(t, "version: 1\nserver: {cert_file: "+cert+", key_file: "+key+"}\n")
	if c.Server.CertFile != cert || c.Server.KeyFile != key {
		t.Errorf("server = %+v", c.Server)
	}
	tests := []struct {
		certFile, keyFile string
		want              string
	}{
		{missing, key, `FILE:3:14: server.cert_file: expected a PEM file, got "` + missing + `": no such file or directory`},
		{cert, missing, `FILE:4:13: server.key_file: expected a PEM file, got "` + missing + `": no such file or directory`},
		{dir, key, `FILE:3:14: server.cert_file: expected a PEM file, got "` + dir + `", which is not a regular file`},
		{otherCert, key, `FILE:3:14: server.cert_file: expected a PEM certificate matching key_file: tls: private key does not match public key`},
	}
	for _, tt := range tests {
		errs := loadErrors(t, "version: 1\nserver:\n  cert_file: "+tt.certFile+"\n  key_file: "+tt.keyFile+"\n")
		sameLines(t, errs, []string{tt.want})
	}
}

func TestDuplicateReceiverNames(t *testing.T) {
	errs := loadErrors(t, `version: 1
monitor:
  receivers:
    - {name: pager, url: "http://127.0.0.1:9999/a"}
    - {name: pager, url: "http://127.0.0.1:9999/b"}
`)
	sameLines(t, errs, []string{`FILE:5:14: monitor.receivers[1].name: duplicate receiver name "pager" (first at line 4)`})
}

// writeKeyPair writes a self-signed certificate and its key as PEM files
// named prefix-cert.pem and prefix-key.pem in dir and returns their paths.
func writeKeyPair(t *testing.T, dir, prefix string) (cert, key string) {
	t.Helper()
	if strings.ContainsAny(dir, " :#") {
		t.Skipf("temporary directory %q cannot be written unquoted in YAML", dir)
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, prefix+"-cert.pem"), filepath.Join(dir, prefix+"-key.pem")
	for path, block := range map[string]*pem.Block{cert: {Type: "CERTIFICATE", Bytes: der}, key: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cert, key
}
