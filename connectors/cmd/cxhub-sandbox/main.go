// Command cxhub-sandbox serves the vendor sandboxes (local emulators of the
// vendors' REST APIs, with seeded data) on loopback addresses, for the demo
// and for trying connectors without a vendor account.
//
//	cxhub-sandbox hubspot=127.0.0.1:9101 zendesk=127.0.0.1:9102
//
// runs until interrupted. -empty serves them with no seeded records (for
// load runs that write into them); -print-urls prints one "vendor=URL"
// line per sandbox on standard output once all listen, for a program that
// starts cxhub-sandbox and needs the free ports it got:
//
//	cxhub-sandbox -empty -print-urls hubspot=127.0.0.1:0
//
// With a command after "--", it serves while the
// command runs, passes each sandbox's URL to it in the environment
// (CXHUB_SANDBOX_HUBSPOT_URL...), stops when it ends and exits with its
// status:
//
//	cxhub-sandbox hubspot=127.0.0.1:0 -- cxhub -c configs/demo.yaml sync
//
// "cxhub-sandbox post URL JSON" sends one request to a sandbox's admin
// endpoint (to edit records, set faults) and prints the answer, for
// scripts on machines without curl:
//
//	cxhub-sandbox post $CXHUB_SANDBOX_HUBSPOT_URL/_sandbox/hubspot/touch '{"object":"contacts","count":3}'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	hubspot "github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	shopify "github.com/cxhub/cxhub/connectors/shopify/sandbox"
	surveymonkey "github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	zendesk "github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// vendors are the sandboxes this program serves, by name: one line each.
var vendors = register(
	hubspot.Vendor,
	zendesk.Vendor,
	shopify.Vendor,
	surveymonkey.Vendor,
)

func register(list ...kit.Vendor) map[string]kit.Vendor {
	byName := make(map[string]kit.Vendor, len(list))
	for _, v := range list {
		byName[v.Name] = v
	}
	return byName
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "post" {
		return post(args[1:])
	}
	fs := flag.NewFlagSet("cxhub-sandbox", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "seed of the generated data: the same seed gives the same records")
	empty := fs.Bool("empty", false, "serve the sandboxes with no seeded records")
	printURLs := fs.Bool("print-urls", false, `print one "vendor=URL" line per sandbox on standard output once all listen`)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: cxhub-sandbox [--seed N] [--empty] [--print-urls] vendor=127.0.0.1:port... [-- command args...]\nvendors: %s\n",
			strings.Join(vendorNames(), ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	specs, command := splitCommand(fs.Args())
	if len(specs) == 0 {
		fs.Usage()
		return 2
	}
	var env, urls []string
	var servers []*kit.Server
	defer func() {
		for _, s := range servers {
			if err := s.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "cxhub-sandbox: close:", err)
			}
		}
	}()
	for _, spec := range specs {
		name, addr, ok := strings.Cut(spec, "=")
		v, known := vendors[name]
		if !ok || !known {
			fmt.Fprintf(os.Stderr, "cxhub-sandbox: %q: want vendor=address with vendor one of %s\n", spec, strings.Join(vendorNames(), ", "))
			return 2
		}
		var srv *kit.Server
		var err error
		switch {
		case *empty && v.StartEmpty == nil:
			fmt.Fprintf(os.Stderr, "cxhub-sandbox: the %s sandbox cannot start empty\n", name)
			return 2
		case *empty:
			srv, err = v.StartEmpty(addr)
		default:
			srv, err = v.Start(*seed, addr)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "cxhub-sandbox: start %s: %v\n", name, err)
			return 1
		}
		servers = append(servers, srv)
		fmt.Fprintf(os.Stderr, "%s sandbox on %s (%s)\n", name, srv.URL, v.Credentials)
		env = append(env, "CXHUB_SANDBOX_"+strings.ToUpper(name)+"_URL="+srv.URL)
		urls = append(urls, name+"="+srv.URL)
	}
	if *printURLs {
		fmt.Println(strings.Join(urls, "\n"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(command) == 0 {
		<-ctx.Done()
		return 0
	}
	return runCommand(ctx, command, env)
}

// runCommand runs command with the sandboxes' URLs in its environment and
// returns its exit status.
func runCommand(ctx context.Context, command, env []string) int {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "cxhub-sandbox:", err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		err = <-done
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if code := exit.ExitCode(); code >= 0 {
			return code
		}
		return 1
	default:
		fmt.Fprintln(os.Stderr, "cxhub-sandbox:", err)
		return 1
	}
}

// splitCommand splits args at "--" into sandbox specs and a command.
func splitCommand(args []string) (specs, command []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}

func vendorNames() []string {
	names := make([]string, 0, len(vendors))
	for n := range vendors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// post sends body to url and prints the answer; an answer that is not a
// success exits 1.
func post(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cxhub-sandbox post URL JSON")
		return 2
	}
	resp, err := http.Post(args[0], "application/json", strings.NewReader(args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cxhub-sandbox: post:", err)
		return 1
	}
	defer resp.Body.Close()
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil {
		fmt.Fprintln(os.Stderr, "cxhub-sandbox: post:", err)
		return 1
	}
	fmt.Println()
	if resp.StatusCode >= 300 {
		fmt.Fprintf(os.Stderr, "cxhub-sandbox: post %s: %s\n", args[0], resp.Status)
		return 1
	}
	return 0
}
