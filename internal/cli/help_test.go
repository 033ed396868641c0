package cli_test

import (
	"context"
	"io"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"

	"github.com/ocopvn/estamp/internal/cli"
)

// A real-looking API token: its id, then 43 base64url characters of secret.
const (
	tokenSecret = "q8Zt0fWm3Xb-Yc9_LkR2vNpHs7JdA5eGuT1iOw4xE6y"
	someToken   = "estamp_0123456789abcdef_" + tokenSecret
)

// --help, -h and a usage error, for the top level and for every command in
// the CLI's own command table, never print the token of ESTAMP_TOKEN or of
// --token, and never call the server.
func TestHelpNeverShowsTheToken(t *testing.T) {
	if len(tokenSecret) != 43 {
		t.Fatalf("the secret part has %d characters, want 43", len(tokenSecret))
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			calls.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { lis.Close() })
	getenv := func(k string) string {
		return map[string]string{"ESTAMP_SERVER": lis.Addr().String(), "ESTAMP_TOKEN": someToken}[k]
	}

	const (
		help     = "help"  // the command's help on stdout, exit 0
		misuse   = "usage" // a usage error: exit status 2
		anything = ""      // only: no token
	)
	type run struct {
		args []string
		want string
	}
	runs := []run{
		{[]string{"--help"}, help},
		{[]string{"-h"}, help},
		{[]string{"--nope"}, misuse},
		{nil, misuse},
		{[]string{"help"}, anything},
		{[]string{"nope"}, misuse},
		// A --token given before the subcommand is not the subcommand's
		// default either.
		{[]string{"--token", someToken, "issue", "--help"}, help},
		{[]string{"--token", someToken, "labels", "layouts", "--nope"}, misuse},
	}
	if len(cli.Commands) < 30 {
		t.Fatalf("only %d commands in the table", len(cli.Commands))
	}
	for _, c := range cli.Commands {
		words := strings.Fields(c)
		runs = append(runs,
			run{append(words[:len(words):len(words)], "--help"), help},
			run{append(words[:len(words):len(words)], "-h"), help},
			run{append(words[:len(words):len(words)], "--nope"), misuse},
		)
	}
	for _, r := range runs {
		t.Run(strings.ReplaceAll(strings.Join(r.args, " "), someToken, "TOKEN"), func(t *testing.T) {
			var out, errOut strings.Builder
			err := cli.Run(context.Background(), r.args, getenv, &out, &errOut)
			shown := out.String() + errOut.String() + cli.Describe(err)
			if strings.Contains(shown, tokenSecret) {
				t.Errorf("the token shows:\n%s", shown)
			}
			switch r.want {
			case help:
				if err != nil || cli.ExitCode(err) != 0 {
					t.Errorf("error %v, want the help and exit 0", err)
				}
				if !strings.Contains(out.String(), "-token TOKEN") || !strings.Contains(out.String(), ": $ESTAMP_TOKEN)") {
					t.Errorf("help on stdout does not explain --token:\n%s", out.String())
				}
			case misuse:
				if cli.ExitCode(err) != 2 {
					t.Errorf("exit %d (%v), want 2", cli.ExitCode(err), err)
				}
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("help and usage errors called the server %d times", n)
	}
}

// The token comes from --token, else from ESTAMP_TOKEN; --token given
// before or after the subcommand wins.
func TestTokenFlagOverridesTheEnvironment(t *testing.T) {
	addr := startServer(t)
	admin, _ := adminTokens.Load(addr)
	for _, tt := range []struct {
		name, env string
		args      []string
		wantErr   string
	}{
		{"environment", admin.(string), []string{"producers", "list"}, ""},
		{"flag before", "", []string{"--token", admin.(string), "producers", "list"}, ""},
		{"flag after", "", []string{"producers", "list", "--token", admin.(string)}, ""},
		{"flag overrides environment", someToken, []string{"producers", "list", "--token", admin.(string)}, ""},
		{"environment token is used", someToken, []string{"producers", "list"}, "Unauthenticated"},
		{"empty flag means no token", admin.(string), []string{"--token", "", "producers", "list"}, "Unauthenticated"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := estampAs(t, addr, tt.env, tt.args...)
			if tt.wantErr == "" && r.err != nil || tt.wantErr != "" && (r.err == nil || !strings.Contains(cli.Describe(r.err), tt.wantErr)) {
				t.Errorf("error %v, want %q", r.err, tt.wantErr)
			}
		})
	}
}

// TestEveryCommandHasHelp: `estamp CMD --help` says what the command
// does, its arguments and an example, and lists its flags, on stdout with
// exit 0, in Vietnamese and in English (LANG=en); `estamp GROUP --help`
// lists the group's commands.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, lang := range []struct {
		env, example string
	}{
		{"", "Ví dụ:"},
		{"en_US.UTF-8", "Example:"},
	} {
		getenv := func(k string) string { return map[string]string{"LANG": lang.env}[k] }
		groups := map[string]bool{}
		firstLines := map[string]string{}
		for _, c := range cli.Commands {
			words := strings.Fields(c)
			for i := 1; i < len(words); i++ {
				groups[strings.Join(words[:i], " ")] = true
			}
			var out, errOut strings.Builder
			err := cli.Run(context.Background(), append(words, "--help"), getenv, &out, &errOut)
			text := out.String()
			if err != nil || !strings.HasPrefix(text, "estamp "+c+" — ") || !strings.Contains(text, "\n"+lang.example+"\n  estamp "+c) || !strings.Contains(text, "-json") {
				t.Errorf("LANG=%s %s --help: %v\n%s%s", lang.env, c, err, text, errOut.String())
			}
			line := strings.SplitN(text, "\n", 2)[0]
			if strings.HasSuffix(line, "— ") {
				t.Errorf("LANG=%s %s --help says nothing of what it does", lang.env, c)
			}
			firstLines[c] = line
		}
		for g := range groups {
			if slices.Contains(cli.Commands, g) {
				continue
			}
			var out, errOut strings.Builder
			err := cli.Run(context.Background(), append(strings.Fields(g), "--help"), getenv, &out, &errOut)
			if err != nil || !strings.Contains(out.String(), "estamp "+g+" ") {
				t.Errorf("%s --help: %v\n%s%s", g, err, out.String(), errOut.String())
			}
		}
		if len(groups) < 6 {
			t.Fatalf("only %d groups", len(groups))
		}
		helpFirstLines[lang.env] = firstLines
	}
	// Each says what it does in its own language: Vietnamese is not the
	// English again.
	for c, vi := range helpFirstLines[""] {
		if vi == helpFirstLines["en_US.UTF-8"][c] || !hasVietnamese(vi) {
			t.Errorf("%s --help in Vietnamese: %q", c, vi)
		}
	}
}

// helpFirstLines are the first lines of every command's help, by LANG.
var helpFirstLines = map[string]map[string]string{}

// hasVietnamese reports whether s has a letter with a Vietnamese mark.
func hasVietnamese(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII && unicode.IsLetter(r) })
}

// Every flag of every command is explained in Vietnamese: in the
// Vietnamese help, no flag's line is its English.
func TestEveryFlagHasVietnameseHelp(t *testing.T) {
	for _, c := range cli.Commands {
		missing := cli.FlagsWithoutVietnamese(strings.Fields(c))
		if len(missing) > 0 {
			t.Errorf("%s: no Vietnamese help for %v", c, missing)
		}
	}
}

// TestUsageListsTheAddFlags: the command list shows every flag that
// producers add and products add take, as their own help lists them.
func TestUsageListsTheAddFlags(t *testing.T) {
	getenv := func(string) string { return "" }
	var usage strings.Builder
	if err := cli.Run(context.Background(), []string{"help"}, getenv, &usage, io.Discard); err != nil {
		t.Fatal(err)
	}
	global := map[string]bool{"server": true, "token": true, "tls": true, "tls-ca": true, "json": true}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	for _, c := range []string{"producers add", "products add"} {
		var help strings.Builder
		if err := cli.Run(context.Background(), append(strings.Fields(c), "--help"), getenv, &help, io.Discard); err != nil {
			t.Fatal(err)
		}
		flags := flagLine.FindAllStringSubmatch(help.String(), -1)
		if len(flags) < 8 {
			t.Fatalf("%s: only %d flags in its help", c, len(flags))
		}
		for _, f := range flags {
			if !global[f[1]] && !strings.Contains(usage.String(), "--"+f[1]+" ") && !strings.Contains(usage.String(), "--"+f[1]+"]") {
				t.Errorf("the command list does not show %s --%s", c, f[1])
			}
		}
	}
}
