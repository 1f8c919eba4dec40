package benchmark

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// sandboxProcess is a cxhub-sandbox process serving one empty vendor
// sandbox on a free loopback port.
type sandboxProcess struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
}

// startSandbox starts bin (cxhub-sandbox) serving vendor's sandbox with
// no seeded records, and returns once it listens, with its URL.
func startSandbox(ctx context.Context, bin, vendor string) (*sandboxProcess, error) {
	cmd := exec.Command(bin, "-empty", "-print-urls", vendor+"=127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &sandboxProcess{cmd: cmd, stderr: &stderr}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		url, found := strings.CutPrefix(l, vendor+"=")
		if !ok || !found || !strings.HasPrefix(url, "http://127.0.0.1:") {
			p.stop()
			return nil, fmt.Errorf("%s printed %q, want %s=http://127.0.0.1:<port>: %s", bin, l, vendor, strings.TrimSpace(stderr.String()))
		}
		p.url = url
		return p, nil
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s did not print its URL within 30s", bin)
	}
}

// stop ends the sandbox process (SIGTERM: it closes its servers and
// exits) and reaps it.
func (p *sandboxProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// getJSON reads the JSON answer of a sandbox admin endpoint into v.
func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("read %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("read %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("read %s: %s: %s", url, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("read %s: %w", url, err)
	}
	return nil
}
