package sdk

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cxhub/cxhub/sdk/internal/hostlink"
)

// init hands the host side of the protocol to package sdk/host; see
// internal/hostlink for why it is implemented here and published there.
func init() {
	hostlink.Launch = func(ctx context.Context, o hostlink.Options) (hostlink.Conn, error) {
		c, err := launch(ctx, o)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	hostlink.LaunchInProcess = func(ctx context.Context, connector any, logger *slog.Logger) (hostlink.Conn, error) {
		c, ok := connector.(Connector)
		if !ok {
			return nil, errors.New("launch in process: not a connector")
		}
		cl, err := launchInProcess(ctx, c, logger)
		if err != nil {
			return nil, err
		}
		return cl, nil
	}
}
