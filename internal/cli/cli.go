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

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/safefile"
)

// DefaultServer is used when neither --server nor ESTAMP_SERVER is set.
const DefaultServer = "localhost:50051"

// ErrUsage is a mistake in the command line.
var ErrUsage = errors.New("usage")

// VerdictError is a verification whose verdict is not GENUINE: the command
// worked, but scripts need to tell.
type VerdictError struct{ Verdict estampv1.Verdict }

func (e *VerdictError) Error() string { return "verdict " + e.Verdict.String() }

// ExitCode is 0 on success, 3 for a non-genuine verdict, an intake or a
// sale not all clean, or a broken audit log, 2 for usage errors and 1 for
// anything else.
func ExitCode(err error) int {
	var v *VerdictError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &v), errors.Is(err, ErrNotAllGenuine), errors.Is(err, ErrNotAllSold), errors.Is(err, ErrAuditBroken):
		return 3
	case errors.Is(err, ErrUsage), errors.Is(err, flag.ErrHelp):
		return 2
	}
	return 1
}

// Describe turns an error of Run into what the person reads: one line in
// the run's language, and a line of advice when there is one.
func Describe(err error) string {
	var s *shownError
	if errors.As(err, &s) {
		return s.text
	}
	return (&app{lang: ocop.VI}).describe(err)
}

// synopsis is every command with its flags, the same in both languages;
// a {word} is a note said in the run's language (usageNotes). usageText
// puts it between the usage's first lines and its last.
const synopsis = `  producers list | show ID
  producers add --id ID --name TEXT --kind cooperative|enterprise|household|group --province TEXT --commune TEXT
                [--street TEXT] [--legacy-district TEXT] [--tax-code CODE] [--phone PHONE] [--gln GLN] [--allow-duplicate-name]
  products  list [--producer ID] | show ID | renew ID ... [--force] | revoke ID --reason TEXT
  products  add --id ID --producer ID --name TEXT --group food|beverage|herbal|handicraft|ornamental|tourism
                --stars 3-5 --decision NO --decision-date YYYY-MM-DD [--valid-until YYYY-MM-DD]
                [--authority provincial|central|district] [--gtin GTIN]
  issue     --product ID --lot LOT --quantity N [--production-date D] [--expiry-date D] [--request-id R] [--out FILE [--force]]
  issue     --product ID --inactive --quantity N [--request-id R] [--out FILE [--force]]    {inactive}
  activate  --from CODE --to CODE --lot LOT [--production-date D] [--expiry-date D]
  activate  --batch ID [--first S --last S] --lot LOT [--production-date D] [--expiry-date D]
  events    export --product ID [--lot LOT] [--since T] [--until T] --out FILE [--force]    {events}
  batches   list --product ID | show ID [--codes] | revoke ID --reason ... [--serial N]...
  verify    CODE [--offline]
  retailers list | show ID | add --id ... --name ... --province ... --commune ... [--gln GLN]
  intake    --retailer ID [FILE|-]        {intake}
  sell      --retailer ID [FILE|- | --code CODE]   {sell}
  revoke    --batch ID --reason TEXT | --serial S [--serial S...] --reason TEXT [--by WHO]
  history   SERIAL
  sync      [--trust-anchor FILE]         {sync}
  keys      list
  labels    --batch ID --out FILE [--force] [--layout NAME|list] [--format pdf|png|svg] [--size PX | --dpi N --mm MM] [--printer-dpi 203|300|600] [--include-revoked] [--remote]
  labels    layouts
  admin     tokens create --role admin|producer|retailer [--producer ID | --retailer ID] [--description TEXT]
  admin     tokens list | tokens revoke ID
  admin     accounts create --username NAME --name TEXT --role admin|producer|retailer [--producer ID | --retailer ID]
  admin     accounts list | accounts reset USERNAME | accounts disable USERNAME    {accounts}
  admin     keys rotate | keys retire KEY | keys compromised KEY --reason TEXT
  admin     audit list [--after N] [--limit N] | audit verify
  admin     backup --out FILE [--force]       {backup}
  admin     trust-list sign --issuers FILE --anchor-key FILE --version N --expires YYYY-MM-DD --out FILE [--force]
  admin     trust-list show FILE --anchor FILE
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
	// hasToken is a token sent with the calls, once dialled.
	hasToken bool
	// commit puts a finished output file in place: (*safefile.File).Commit,
	// or in tests a failure after the work is done.
	commit func(*safefile.File) error
	// pageSize is the page size of every list read (everyPage): the most
	// the server gives, or in tests a small one, so that they page.
	pageSize int32
	// lang is the language of what the person reads: --lang, else the
	// locale of the environment, else Vietnamese.
	lang ocop.Lang
	// command names the command being run, for the advice after a
	// mistake in it ("" until one is known).
	command string
	// denied is the advice for a PermissionDenied the command expects
	// for a reason of its own, set by the command; nil for the general
	// one.
	denied *words
}

// Run executes one command line.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return newApp(getenv, stdout, stderr).run(ctx, args)
}

func newApp(getenv func(string) string, stdout, stderr io.Writer) *app {
	return &app{out: stdout, stderr: stderr, getenv: getenv, now: time.Now, timeout: 5 * time.Minute, stdin: os.Stdin, commit: (*safefile.File).Commit, pageSize: paging.MaxSize, lang: envLang(getenv)}
}

// run runs a command line; its error, if any, is said in the run's
// language (Describe).
func (a *app) run(ctx context.Context, args []string) error {
	// The language is known before any flag is parsed: a mistake in the
	// flags before --lang is said in its language too.
	if err := a.langFromArgs(args); err != nil {
		return a.finish(err)
	}
	return a.finish(a.dispatch(ctx, args))
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	fs := a.flags("estamp")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			// --help and -h answer like `estamp help`, with the flags
			// every command takes.
			fmt.Fprint(a.out, a.usageText())
			fmt.Fprint(a.out, a.say(sayEveryCommandsFlags))
			a.printFlags(fs)
			return nil
		}
		return flagMistake(err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(a.stderr, a.usageText())
		return usage(sayNoCommand)
	}
	if rest[0] == "help" {
		fmt.Fprint(a.out, a.usageText())
		return nil
	}
	if n := len(rest); n > 1 && isHelpFlag(rest[n-1]) && a.groupHelp(rest[:n-1]) {
		return nil
	}
	if err := checkCommand(rest); err != nil {
		if !slices.ContainsFunc(commands, func(c string) bool { return strings.Fields(c)[0] == rest[0] }) {
			fmt.Fprint(a.stderr, a.usageText())
		}
		return err
	}
	a.command = commandOf(rest)
	cmd, rest := rest[0], rest[1:]
	handlers := map[string]func(context.Context, []string) error{
		"producers": a.producers,
		"products":  a.products,
		"issue":     a.issue,
		"activate":  a.activate,
		"events":    a.eventsCmd,
		"batches":   a.batches,
		"verify":    a.verify,
		"keys":      a.keys,
		"labels":    a.labelsCmd,
		"retailers": a.retailers,
		"intake":    a.intake,
		"sell":      a.sell,
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
	"issue", "activate", "events export",
	"batches list", "batches show", "batches revoke",
	"verify",
	"retailers list", "retailers show", "retailers add",
	"intake", "sell", "revoke", "history", "sync",
	"keys list",
	"labels", "labels layouts",
	"admin tokens create", "admin tokens list", "admin tokens revoke",
	"admin accounts create", "admin accounts list", "admin accounts reset", "admin accounts disable",
	"admin keys rotate", "admin keys retire", "admin keys compromised",
	"admin audit list", "admin audit verify",
	"admin backup",
	"admin trust-list sign", "admin trust-list show",
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
		return usage(sayUnknownCommand, args[0])
	}
	if longest < len(args) {
		return wantWord(strings.Join(args[:longest], " "), args[longest], next...)
	}
	return usage(sayWantNextWord, strings.Join(args, " "), oneOf(next, ocop.VI), oneOf(next, ocop.EN))
}

// wantWord is the mistake of got after the words cmd, where one of want
// may follow.
func wantWord(cmd, got string, want ...string) error {
	return usage(sayWantWord, cmd, got, oneOf(want, ocop.VI), oneOf(want, ocop.EN))
}

// oneOf lists words as "a, b or c" in lang.
func oneOf(list []string, lang ocop.Lang) string {
	s := strings.Join(list[:len(list)-1], ", ")
	if len(list) > 1 {
		s += sayOr.in(lang)
	}
	return s + list[len(list)-1]
}

// commandOf is the command of commands that args start with.
func commandOf(args []string) string {
	best := ""
	for _, c := range commands {
		words := strings.Fields(c)
		if len(words) <= len(args) && slices.Equal(words, args[:len(words)]) && len(c) > len(best) {
			best = c
		}
	}
	return best
}

// flags returns a flag set holding the global flags, so they may appear
// before or after a subcommand.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// A mistake is said once, in the run's language, by Describe; --help
	// is answered on stdout, with the command's own words
	// (commandHelpFor).
	fs.SetOutput(io.Discard)
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
	fs.Var(langFlag{a}, "lang", "language of the messages: `vi|en` (default from LC_ALL, LC_MESSAGES, LANG; else Vietnamese)")
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
			return nil, flagMistake(err)
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
			return usage(sayNotAToken)
		}
	}
	a.hasToken = token != ""
	c, err := client.Dial(a.server, token, tlsConfig)
	if err != nil {
		return failed(sayBadServer, a.server, err)
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
func (a *app) connect(fs *flag.FlagSet, args []string, n int, synopsis string) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if err := needArgs(pos, n, synopsis); err != nil {
		return nil, err
	}
	return pos, a.dial()
}

// connectNumber is connect for a command whose one argument is a batch
// id. A bad number is a usage error found before dialling.
func (a *app) connectNumber(fs *flag.FlagSet, args []string, synopsis string) (uint64, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return 0, err
	}
	if err := needArgs(pos, 1, synopsis); err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(pos[0], 10, 64)
	if err != nil {
		return 0, usage(sayNotABatchID, pos[0])
	}
	return n, a.dial()
}

// connectSerial is connect for a command whose one argument is a serial,
// typed as a label shows it ("1 234 567") or in plain digits.
func (a *app) connectSerial(fs *flag.FlagSet, args []string, synopsis string) (uint64, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return 0, err
	}
	// A serial copied from a label without quotes comes as several
	// words: "history 1 234 567".
	if len(pos) > 1 && !slices.ContainsFunc(pos, func(w string) bool { return strings.Trim(w, "0123456789") != "" }) {
		pos = []string{strings.Join(pos, " ")}
	}
	if err := needArgs(pos, 1, synopsis); err != nil {
		return 0, err
	}
	n, err := parseSerial(pos[0])
	if err != nil {
		return 0, err
	}
	return n, a.dial()
}

// parseSerial reads a serial as a person types it; not one is a usage
// error.
func parseSerial(s string) (uint64, error) {
	n, err := ocop.ParseSerial("serial", s)
	if err != nil {
		return 0, usage(sayNotASerial, s)
	}
	return n, nil
}

// needArgs checks that a command has n positional arguments; synopsis is
// how it is written ("producers show ID"), for the error.
func needArgs(pos []string, n int, synopsis string) error {
	if len(pos) != n {
		return usage(sayWantArgs, synopsis)
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
