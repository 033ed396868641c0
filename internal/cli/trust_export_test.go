package cli

import (
	"context"
	"io"
	"time"
)

// RunAt runs like Run with the clock stopped at now, so that a test can
// sign a trust list and then read it after its expiry.
func RunAt(now time.Time) func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
		a := newApp(getenv, stdout, stderr)
		a.now = func() time.Time { return now }
		return a.run(ctx, args)
	}
}
