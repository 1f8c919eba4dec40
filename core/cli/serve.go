package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cxhub/cxhub/core/server"
	"github.com/spf13/cobra"
)

func newServeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run cxhub as a service: schedules, webhooks, the HTTP API and metrics, until stopped",
		Long: "Run every pipeline on its schedule (intervals or cron expressions), take vendor webhooks at\n" +
			"POST /webhooks/<connection> into the durable inbox and on to the destinations, and serve the HTTP API\n" +
			"(/api/v1, described at /openapi.json), /healthz, /readyz and /metrics on server.listen (default\n" +
			"127.0.0.1:8080). SIGHUP reloads the config: a file that does not validate is refused and the running\n" +
			"config stays. SIGINT or SIGTERM stops: requests end, running batches commit, plugins stop, within 10s,\n" +
			"and serve exits 0 (a clean stop for a service manager).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), server.Options{})
		},
	}
}

// serve runs a server over the hub until ctx ends, reloading on SIGHUP.
func (a *app) serve(ctx context.Context, opts server.Options) error {
	srv := server.New(a.h(), opts)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = srv.Reload(ctx) // the server logs a refusal; the old config runs on
			}
		}
	}()
	if err := srv.Run(ctx); err != nil {
		return a.reportConfigError(fmt.Errorf("serve: %w", err))
	}
	return nil
}
