package cli

import (
	"context"
	"io"

	"github.com/ocopvn/estamp/internal/safefile"
)

// RunWithCommit runs like Run, but output files are put in place by
// commit: tests make that fail after the batch is issued.
func RunWithCommit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, commit func(*safefile.File) error) error {
	a := newApp(getenv, stdout, stderr)
	a.commit = commit
	return a.run(ctx, args)
}

// Commands is the CLI's command table.
var Commands = commands

// RunWithPageSize runs like Run, but reads lists in pages of size, so
// that tests page with a few items.
func RunWithPageSize(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, size int32) error {
	a := newApp(getenv, stdout, stderr)
	a.pageSize = size
	return a.run(ctx, args)
}
