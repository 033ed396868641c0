package cli

import (
	"flag"
	"fmt"
	"slices"
	"strings"
)

// helpEntry is what `estamp CMD --help` says of a command besides its
// flags: what it does, its positional arguments, and one example.
type helpEntry struct{ what, args, example string }

// commandHelp has an entry for every command of commands
// (TestEveryCommandHasHelp).
var commandHelp = map[string]helpEntry{
	"producers list": {"List the registered producers (chủ thể).", "", "estamp producers list"},
	"producers show": {"Show one producer: kind, tax code, address, phone.", "ID", "estamp producers show HTX-COI-NGA-SON"},
	"producers add": {"Register a producer (cooperative, enterprise, household business or cooperative group).", "",
		`estamp producers add --id HTX-MAY-TRE --name "Hợp tác xã Mây tre" --kind cooperative --province "Thanh Hóa" --commune "Xã Nga Sơn"`},
	"products list":   {"List certified products, all or one producer's (a producer's token must name itself).", "", "estamp products list --producer HKD-CHE-LAM-PHU-QUANG"},
	"products show":   {"Show one product with its OCOP certificate and its status.", "ID", "estamp products show CHE-LAM-PHU-QUANG"},
	"products add":    {"Register a certified product: grade 3-5 stars, decision number and date (YYYY-MM-DD).", "", `estamp products add --id CHE-LAM --producer HKD-CHE-LAM-PHU-QUANG --name "Chè lam" --group food --stars 4 --decision 3012/QĐ-UBND --decision-date 2025-03-10`},
	"products renew":  {"Renew a product's certificate with a new decision (YYYY-MM-DD dates).", "ID", "estamp products renew CHE-LAM-PHU-QUANG --stars 4 --decision 88/QĐ-UBND --decision-date 2028-03-01"},
	"products revoke": {"Revoke a product's certificate: its stamps then show the revocation to buyers.", "ID", `estamp products revoke CHE-LAM-PHU-QUANG --reason "Không đạt khi tái đánh giá"`},
	"issue":           {"Issue a batch of stamps for a lot of a certified product.", "", "estamp issue --product CHE-LAM-PHU-QUANG --lot L2026-11 --quantity 100 --out codes.txt"},
	"batches list":    {"List a product's batches.", "", "estamp batches list --product CHE-LAM-PHU-QUANG"},
	"batches show":    {"Show a batch, and with --codes its codes.", "ID", "estamp batches show 1"},
	"batches revoke":  {"Recall a whole batch, or single serials of it with --serial.", "ID", `estamp batches revoke 1 --reason "Nhãn in hỏng"`},
	"verify":          {"Check a stamp's code: genuine or not, and what it says of the product.", "CODE", `estamp verify "HTTPS://TEM.EXAMPLE/V/AGEW..."`},
	"retailers list":  {"List the registered shops.", "", "estamp retailers list"},
	"retailers show":  {"Show one shop.", "ID", "estamp retailers show CH-OCOP-HAC-THANH"},
	"retailers add":   {"Register a shop (retailer).", "", `estamp retailers add --id CH-OCOP --name "Cửa hàng OCOP" --province "Thanh Hóa" --commune "Phường Hạc Thành"`},
	"intake":          {"Take in a delivery: codes one per line, as a handheld scanner types them; prints a verdict per code.", "[FILE|-]", "estamp intake --retailer CH-OCOP-HAC-THANH codes.txt"},
	"revoke":          {"Revoke a whole batch or single stamps by serial.", "", `estamp revoke --serial 1234 --reason "Tem bị mất"`},
	"history":         {"Show a stamp's scans and the shops that received it.", "SERIAL", "estamp history 1234"},
	"sync":            {"Cache the issuer's keys and revocations for verify --offline.", "", "estamp sync"},
	"keys list":       {"List the issuer's public keys and their states.", "", "estamp keys list"},
	"labels":          {"Render a batch's labels to print: PDF, PNG or SVG, for the printer's dpi; revoked stamps are left out.", "", "estamp labels --batch 1 --out tem.pdf --printer-dpi 203"},
	"labels layouts":  {"List the built-in label layouts.", "", "estamp labels layouts"},
	"admin tokens create": {"Create an API token for a machine; its secret is printed once.", "",
		`estamp admin tokens create --role producer --producer HKD-CHE-LAM-PHU-QUANG --description "Máy in nhãn"`},
	"admin tokens list":      {"List API tokens, without their secrets.", "", "estamp admin tokens list"},
	"admin tokens revoke":    {"Revoke an API token at once.", "ID", "estamp admin tokens revoke 0123456789abcdef"},
	"admin accounts create":  {"Create a person's console account; its one-time password is printed once.", "", `estamp admin accounts create --username chelam --name "Chè lam Phủ Quảng" --role producer --producer HKD-CHE-LAM-PHU-QUANG`},
	"admin accounts list":    {"List console accounts.", "", "estamp admin accounts list"},
	"admin accounts reset":   {"Give an account a new one-time password and sign it out everywhere.", "USERNAME", "estamp admin accounts reset chelam"},
	"admin accounts disable": {"Stop an account from signing in, and sign it out everywhere.", "USERNAME", "estamp admin accounts disable chelam"},
	"admin keys rotate":      {"Create a new signing key; the old one keeps verifying its stamps.", "", "estamp admin keys rotate"},
	"admin keys retire":      {"Stop a key from signing; its stamps stay genuine.", "KEY", "estamp admin keys retire 0a0b0c0d"},
	"admin keys compromised": {"Mark a key compromised: every stamp it signed verifies as not genuine.", "KEY", `estamp admin keys compromised 0a0b0c0d --reason "Khóa bị lộ"`},
	"admin audit list":       {"List the audit log, oldest first.", "", "estamp admin audit list --after 100"},
	"admin audit verify":     {"Check the audit log's hash chain and the records it covers.", "", "estamp admin audit verify"},
	"admin backup":           {"Write a consistent snapshot of the database while the server serves.", "", "estamp admin backup --out estamp-backup.db"},
}

// isHelpFlag is a word that asks for help.
func isHelpFlag(w string) bool { return w == "-h" || w == "--help" || w == "-help" }

// groupHelp answers `estamp GROUP --help` (e.g. producers, admin tokens):
// the group's commands, one line each. ok is false when words name no
// group, or name a command, whose own help answers.
func (a *app) groupHelp(words []string) (ok bool) {
	prefix := strings.Join(words, " ")
	if prefix == "" || slices.Contains(commands, prefix) {
		return false
	}
	var in []string
	for _, c := range commands {
		if strings.HasPrefix(c, prefix+" ") {
			in = append(in, c)
		}
	}
	if len(in) == 0 {
		return false
	}
	fmt.Fprintf(a.out, "estamp %s: its commands (estamp COMMAND --help for one):\n\n", prefix)
	for _, c := range in {
		e := commandHelp[c]
		fmt.Fprintf(a.out, "  estamp %-26s %s\n", strings.TrimSpace(c+" "+e.args), e.what)
	}
	return true
}

// commandHelpFor writes `estamp CMD --help`: what the command does, its
// arguments, its flags with their formats, and an example.
func (a *app) commandHelpFor(fs *flag.FlagSet) {
	name := fs.Name()
	e := commandHelp[name]
	fmt.Fprintf(a.out, "estamp %s — %s\n\nUsage: estamp %s [flags]\n\nFlags:\n", name, e.what, strings.TrimSpace(name+" "+e.args))
	fs.SetOutput(a.out)
	fs.PrintDefaults()
	fmt.Fprintf(a.out, "\nExample:\n  %s\n", e.example)
}
