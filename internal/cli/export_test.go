package cli

import (
	"context"
	"flag"
	"io"

	"github.com/ocopvn/estamp/internal/ocop"
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

// FlagsWithoutVietnamese runs `CMD --help` and returns the flags of CMD
// that have no Vietnamese help.
func FlagsWithoutVietnamese(cmd []string) []string {
	a := newApp(func(string) string { return "" }, io.Discard, io.Discard)
	if err := a.run(context.Background(), append(cmd, "--help")); err != nil || a.lastFlags == nil {
		return []string{"(--help failed)"}
	}
	var missing []string
	a.lastFlags.VisitAll(func(f *flag.Flag) {
		if flagHelpVI(a.lastFlags.Name(), f.Name) == "" {
			missing = append(missing, f.Name)
		}
	})
	return missing
}

// ActionWords is how the audit list says an action, in Vietnamese and in
// English.
func ActionWords(action string) (vi, en string) {
	return (&app{lang: ocop.VI}).action(action), (&app{lang: ocop.EN}).action(action)
}

// RunWithStdin runs like Run, reading standard input from stdin.
func RunWithStdin(stdin io.Reader) func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
		a := newApp(getenv, stdout, stderr)
		a.stdin = stdin
		return a.run(ctx, args)
	}
}
