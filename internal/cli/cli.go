// Package cli implements the estamp command: subcommands over gRPC, with
// readable Vietnamese tables by default and JSON for scripts.
package cli

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/safefile"
	"github.com/ocopvn/estamp/internal/verdict"
)

// DefaultServer is used when neither --server nor ESTAMP_SERVER is set.
const DefaultServer = "localhost:50051"

// ErrUsage is a mistake in the command line.
var ErrUsage = errors.New("usage")

// VerdictError is a verification whose verdict is not GENUINE: the command
// worked, but scripts need to tell.
type VerdictError struct{ Verdict estampv1.Verdict }

func (e *VerdictError) Error() string { return "verdict " + e.Verdict.String() }

// ExitCode is 0 on success, 3 for a non-genuine verdict or a broken audit
// log, 2 for usage errors and 1 for anything else.
func ExitCode(err error) int {
	var v *VerdictError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &v), errors.Is(err, ErrNotAllGenuine), errors.Is(err, ErrAuditBroken):
		return 3
	case errors.Is(err, ErrUsage), errors.Is(err, flag.ErrHelp):
		return 2
	}
	return 1
}

// Describe turns an error into one line for a person.
func Describe(err error) string {
	var v *VerdictError
	if errors.As(err, &v) {
		return verdict.Tell(v.Verdict, nil).Label.VI + " (" + strings.TrimPrefix(v.Verdict.String(), "VERDICT_") + ")"
	}
	if s, ok := status.FromError(err); ok {
		return fmt.Sprintf("%s: %s", s.Code(), s.Message())
	}
	return err.Error()
}

const usage = `estamp: command-line client of the OCOP e-stamp server (estampd)

Usage: estamp [--server ADDR] [--token TOKEN] [--tls | --tls-ca FILE] [--json] COMMAND ...

  producers list | show ID
  producers add --id ID --name TEXT --kind cooperative|enterprise|household|group --province TEXT --commune TEXT
                [--street TEXT] [--legacy-district TEXT] [--tax-code CODE] [--phone PHONE] [--allow-duplicate-name]
  products  list [--producer ID] | show ID | renew ID ... [--force] | revoke ID --reason TEXT
  products  add --id ID --producer ID --name TEXT --group food|beverage|herbal|handicraft|ornamental|tourism
                --stars 3-5 --decision NO --decision-date YYYY-MM-DD [--valid-until YYYY-MM-DD]
                [--authority provincial|central|district]
  issue     --product ID --lot LOT --quantity N [--production-date D] [--expiry-date D] [--request-id R] [--out FILE [--force]]
  batches   list --product ID | show ID [--codes] | revoke ID --reason ... [--serial N]...
  verify    CODE [--offline]
  retailers list | show ID | add --id ... --name ... --province ... --commune ...
  intake    --retailer ID [FILE|-]        codes one per line, as a scanner types them
  revoke    --batch ID --reason TEXT | --serial S [--serial S...] --reason TEXT [--by WHO]
  history   SERIAL
  sync                                    cache keys and revocations for verify --offline
  keys      list
  labels    --batch ID --out FILE [--force] [--layout NAME|list] [--format pdf|png|svg] [--size PX | --dpi N --mm MM] [--remote]
  labels    layouts
  admin     tokens create --role admin|producer|retailer [--producer ID | --retailer ID] [--description TEXT]
  admin     tokens list | tokens revoke ID
  admin     accounts create --username NAME --name TEXT --role admin|producer|retailer [--producer ID | --retailer ID]
  admin     accounts list | accounts reset USERNAME | accounts disable USERNAME    people's console accounts
  admin     keys rotate | keys retire KEY | keys compromised KEY --reason TEXT
  admin     audit list [--after N] [--limit N] | audit verify
  admin     backup --out FILE [--force]       consistent snapshot of the database while serving

--server defaults to $ESTAMP_SERVER, else localhost:50051; --token to $ESTAMP_TOKEN
(producer, retailer and admin commands need one; verify, keys and sync do not);
--tls-ca to $ESTAMP_TLS_CA. Dates are YYYY-MM-DD. A file named by --out is written whole or
not at all, and an existing one is replaced only with --force.
Exit status: 0 ok, 1 error, 2 usage, 3 a verified code or a delivery is not all genuine,
or the audit log is broken.
`

// env reads environment variables; os.Getenv in production.
type env func(string) string

// app is one invocation.
type app struct {
	// Clients are the server's services, once dial has connected.
	client.Clients
	// lastFlags is the flag set of the command being run, the latest
	// flags made: its --help is answered with its name's help.
	lastFlags *flag.FlagSet
	out       io.Writer
	json      bool
	server    string
	now       func() time.Time
	stdin     io.Reader
	token     string
	tlsCA     string
	useTLS    bool
	envRead   bool
	getenv    env
	stderr    io.Writer
	timeout   time.Duration
	// tokenSet is --token given; otherwise dial takes ESTAMP_TOKEN.
	tokenSet bool
	// commit puts a finished output file in place: (*safefile.File).Commit,
	// or in tests a failure after the work is done.
	commit func(*safefile.File) error
	// pageSize is the page size of every list read (everyPage): the most
	// the server gives, or in tests a small one, so that they page.
	pageSize int32
}

// Run executes one command line.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return newApp(getenv, stdout, stderr).run(ctx, args)
}

func newApp(getenv func(string) string, stdout, stderr io.Writer) *app {
	return &app{out: stdout, stderr: stderr, getenv: getenv, now: time.Now, timeout: 5 * time.Minute, stdin: os.Stdin, commit: (*safefile.File).Commit, pageSize: paging.MaxSize}
}

func (a *app) run(ctx context.Context, args []string) error {
	fs := a.flags("estamp")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			// --help and -h answer like `estamp help`, with the flags
			// every command takes.
			fmt.Fprint(a.out, usage)
			fmt.Fprintln(a.out, "\nFlags of every command:")
			fs.SetOutput(a.out)
			fs.PrintDefaults()
			return nil
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(a.stderr, usage)
		return ErrUsage
	}
	if rest[0] == "help" {
		fmt.Fprint(a.out, usage)
		return nil
	}
	if n := len(rest); n > 1 && isHelpFlag(rest[n-1]) && a.groupHelp(rest[:n-1]) {
		return nil
	}
	if err := checkCommand(rest); err != nil {
		if !slices.ContainsFunc(commands, func(c string) bool { return strings.Fields(c)[0] == rest[0] }) {
			fmt.Fprint(a.stderr, usage)
		}
		return err
	}
	cmd, rest := rest[0], rest[1:]
	handlers := map[string]func(context.Context, []string) error{
		"producers": a.producers,
		"products":  a.products,
		"issue":     a.issue,
		"batches":   a.batches,
		"verify":    a.verify,
		"keys":      a.keys,
		"labels":    a.labelsCmd,
		"retailers": a.retailers,
		"intake":    a.intake,
		"revoke":    a.revoke,
		"history":   a.history,
		"sync":      a.sync,
		"admin":     a.admin,
	}
	h, ok := handlers[cmd]
	if !ok {
		return fmt.Errorf("estamp: command %q is listed in commands but has no handler", cmd)
	}
	defer func() {
		if a.Conn != nil {
			a.Conn.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	err := h(ctx, rest)
	if errors.Is(err, flag.ErrHelp) && a.lastFlags != nil {
		a.commandHelpFor(a.lastFlags)
		return nil
	}
	return err
}

// commands is every command the CLI has, by the words that name it. Run
// refuses a command line that does not start with one of them, so a new
// command or subcommand is reachable only once it is listed here — and
// then TestHelpNeverShowsTheToken runs its --help and a usage error.
var commands = []string{
	"producers list", "producers show", "producers add",
	"products list", "products show", "products add", "products renew", "products revoke",
	"issue",
	"batches list", "batches show", "batches revoke",
	"verify",
	"retailers list", "retailers show", "retailers add",
	"intake", "revoke", "history", "sync",
	"keys list",
	"labels", "labels layouts",
	"admin tokens create", "admin tokens list", "admin tokens revoke",
	"admin accounts create", "admin accounts list", "admin accounts reset", "admin accounts disable",
	"admin keys rotate", "admin keys retire", "admin keys compromised",
	"admin audit list", "admin audit verify",
	"admin backup",
}

// checkCommand accepts args that start with a command of commands; the
// words after it are that command's flags and arguments.
func checkCommand(args []string) error {
	// longest is how many words of args some command has; next are the
	// words that may follow them.
	longest := 0
	var next []string
	for _, c := range commands {
		words := strings.Fields(c)
		n := 0
		for n < len(words) && n < len(args) && words[n] == args[n] {
			n++
		}
		if n == len(words) {
			return nil
		}
		if n > longest {
			longest, next = n, nil
		}
		if n == longest && !slices.Contains(next, words[n]) {
			next = append(next, words[n])
		}
	}
	if longest == 0 {
		return fmt.Errorf("%w: unknown command %q", ErrUsage, args[0])
	}
	want := strings.Join(next[:len(next)-1], ", ")
	if len(next) > 1 {
		want += " or "
	}
	want += next[len(next)-1]
	if longest < len(args) {
		return fmt.Errorf("%w: %s %q: want %s", ErrUsage, strings.Join(args[:longest], " "), args[longest], want)
	}
	return fmt.Errorf("%w: %s: want %s", ErrUsage, strings.Join(args, " "), want)
}

// flags returns a flag set holding the global flags, so they may appear
// before or after a subcommand.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	// A mistake prints its one line to stderr; --help is answered on
	// stdout, with the command's own words (commandHelpFor).
	fs.Usage = func() {}
	a.lastFlags = fs
	if !a.envRead {
		a.envRead = true
		a.server = a.getenv("ESTAMP_SERVER")
		if a.server == "" {
			a.server = DefaultServer
		}
		a.tlsCA = a.getenv("ESTAMP_TLS_CA")
	}
	// Neither the server address nor the CA file is secret: their values
	// may show as defaults in the help. The token is not registered with
	// a default (see tokenFlag).
	fs.StringVar(&a.server, "server", a.server, "estampd gRPC address (env ESTAMP_SERVER)")
	fs.Var(tokenFlag{a}, "token", "`TOKEN` for the API (default: $ESTAMP_TOKEN)")
	fs.StringVar(&a.tlsCA, "tls-ca", a.tlsCA, "connect with TLS, trusting this CA certificate file (env ESTAMP_TLS_CA)")
	fs.BoolVar(&a.useTLS, "tls", a.useTLS, "connect with TLS, trusting the system's CAs")
	fs.BoolVar(&a.json, "json", a.json, "print JSON instead of tables")
	return fs
}

// tokenFlag is --token. The flag package prints a flag's default, which
// is String() at registration, in every --help and usage error; so String
// is always empty, ESTAMP_TOKEN is read only when the token is needed
// (dial), and a --token given before the subcommand does not show in the
// subcommand's help either.
type tokenFlag struct{ a *app }

func (t tokenFlag) String() string { return "" }

func (t tokenFlag) Set(v string) error {
	t.a.token, t.a.tokenSet = v, true
	return nil
}

// parse parses flags and positional arguments in any order.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			// %w twice: errors.Is(err, flag.ErrHelp) tells --help apart.
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (a *app) dial() error {
	if a.Conn != nil {
		return nil
	}
	var tlsConfig *tls.Config
	if a.useTLS || a.tlsCA != "" {
		var err error
		if tlsConfig, err = client.TLSConfig(a.tlsCA); err != nil {
			return fmt.Errorf("--tls-ca: %w", err)
		}
	}
	token := a.token
	if !a.tokenSet {
		token = strings.TrimSpace(a.getenv("ESTAMP_TOKEN"))
	}
	if token != "" {
		if _, err := auth.ParseToken(token); err != nil {
			return fmt.Errorf("%w: --token / ESTAMP_TOKEN is not an estamp token", ErrUsage)
		}
	}
	c, err := client.Dial(a.server, token, tlsConfig)
	if err != nil {
		return fmt.Errorf("--server %q: %w", a.server, err)
	}
	a.Clients = c
	return nil
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "cli-" + hex.EncodeToString(b[:])
}

// connect parses a subcommand's flags and exactly n positional arguments,
// then dials the server.
func (a *app) connect(fs *flag.FlagSet, args []string, n int, usage string) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if err := needArgs(pos, n, usage); err != nil {
		return nil, err
	}
	return pos, a.dial()
}

// connectNumber is connect for a command whose one argument is a number,
// such as a batch id or a serial; what names it in the error when it is
// not. A bad number is a usage error found before dialling.
func (a *app) connectNumber(fs *flag.FlagSet, args []string, usage, what string) (uint64, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return 0, err
	}
	if err := needArgs(pos, 1, usage); err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(pos[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %q is not a number", ErrUsage, what, pos[0])
	}
	return n, a.dial()
}

func needArgs(pos []string, n int, what string) error {
	if len(pos) != n {
		return fmt.Errorf("%w: want %s", ErrUsage, what)
	}
	return nil
}

// actor names who runs the command, for revocations.
func (a *app) actor() string {
	if u := a.getenv("USER"); u != "" {
		return u
	}
	return "estamp-cli"
}
