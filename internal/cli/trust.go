package cli

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/safefile"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
)

// adminTrustList is the national operator's tool for the trust list
// (docs/trust-list.md). It works offline: the anchor's private key belongs
// on a machine that runs no server, so neither command dials.
func (a *app) adminTrustList(_ context.Context, verb string, args []string) error {
	fs := a.flags("admin trust-list " + verb)
	switch verb {
	case "sign":
		var issuersFile, keyFile, expires, out string
		var version uint64
		var force bool
		fs.StringVar(&issuersFile, "issuers", "", "JSON file of the issuer entries (docs/trust-list.md §6)")
		fs.StringVar(&keyFile, "anchor-key", "", "the trust anchor's Ed25519 private key (PEM, PKCS #8)")
		fs.Uint64Var(&version, "version", 0, "the list's version: greater than every list signed before")
		fs.StringVar(&expires, "expires", "", "last day the list is valid: YYYY-MM-DD, Vietnam time")
		fs.StringVar(&out, "out", "", "file to write the signed list to")
		fs.BoolVar(&force, "force", false, "replace --out if it exists")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if err := needArgs(pos, 0, "admin trust-list sign --issuers FILE --anchor-key FILE --version N --expires YYYY-MM-DD --out FILE"); err != nil {
			return err
		}
		for _, f := range []struct{ name, value string }{{"issuers", issuersFile}, {"anchor-key", keyFile}, {"expires", expires}, {"out", out}} {
			if f.value == "" {
				return usage(sayTrustSignNeeds, f.name)
			}
		}
		if version == 0 {
			return usage(sayTrustSignNeeds, "version")
		}
		return a.signTrustList(issuersFile, keyFile, version, expires, out, force)
	case "show":
		var anchorFile string
		fs.StringVar(&anchorFile, "anchor", "", "the trust anchor's public key (PEM PUBLIC KEY) to verify the list with")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if err := needArgs(pos, 1, "admin trust-list show FILE --anchor FILE"); err != nil {
			return err
		}
		if anchorFile == "" {
			return usage(sayTrustShowNeedsAnchor)
		}
		return a.showTrustList(pos[0], anchorFile)
	}
	return wantWord("admin trust-list", verb, "sign", "show")
}

func (a *app) signTrustList(issuersFile, keyFile string, version uint64, expires, out string, force bool) error {
	data, err := os.ReadFile(issuersFile)
	if err != nil {
		return fmt.Errorf("--issuers: %w", err)
	}
	issuers, err := trust.ReadIssuers(data)
	if err != nil {
		return wrapped(err, sayTrustFile, "--issuers", issuersFile)
	}
	key, err := keys.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("--anchor-key: %w", err)
	}
	day, err := ocop.ParseDate("expires", expires)
	if err != nil {
		return usage(sayTrustBadExpires, expires)
	}
	// The last day the list is valid, as people say it: it expires at
	// the next midnight in Vietnam.
	list := &trust.List{
		Version: version,
		Issued:  a.now().UTC().Truncate(time.Second),
		Expires: ocop.DayStart(ocop.Day(day) + 1),
		Issuers: issuers,
	}
	if !list.Expires.After(list.Issued) {
		return usage(sayTrustBadExpires, expires)
	}
	signed, err := trust.Sign(list, key.Signer)
	if err != nil {
		return wrapped(err, sayTrustFile, "--issuers", issuersFile)
	}
	// Checked after signing, which reads only local files: nothing is lost
	// when --out is refused.
	file, err := safefile.Create(out, 0o644, force)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer file.Abort()
	if _, err := file.Write(append(signed, '\n')); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := a.commit(file); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprint(a.out, a.say(sayTrustSigned, version, len(issuers), countKeys(list), ocop.ShowTime(list.Expires, a.lang), key.ID, out))
	return nil
}

func (a *app) showTrustList(file, anchorFile string) error {
	pem, err := os.ReadFile(anchorFile)
	if err != nil {
		return fmt.Errorf("--anchor: %w", err)
	}
	anchor, err := trust.ReadAnchor(pem)
	if err != nil {
		return wrapped(err, sayTrustFile, "--anchor", anchorFile)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	list, err := trust.Parse(data, []ed25519.PublicKey{anchor}, a.now())
	if err != nil {
		return wrapped(err, sayTrustRefused, file)
	}
	if a.json {
		_, err := fmt.Fprintf(a.out, "%s\n", trust.Payload(list))
		return err
	}
	fmt.Fprint(a.out, a.say(sayTrustHead, list.Version, stampcode.KeyIDOf(anchor), ocop.ShowTime(list.Issued, a.lang), ocop.ShowTime(list.Expires, a.lang), len(list.Issuers), countKeys(list)))
	if err := a.table(headTrustIssuers, func(w *tabwriter.Writer) {
		for _, is := range list.Issuers {
			fmt.Fprintf(w, "%s\t%s\t%s\n", is.ID, is.Name, strings.Join(is.BaseURLs, " "))
		}
	}); err != nil {
		return err
	}
	fmt.Fprintln(a.out)
	if err := a.table(headTrustKeys, func(w *tabwriter.Writer) {
		for _, is := range list.Issuers {
			for _, k := range is.Keys {
				until := "—"
				if !k.NotAfter.IsZero() {
					until = ocop.ShowTime(k.NotAfter, a.lang)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", is.ID, k.ID, a.trustStatus(k.Status), until)
			}
		}
	}); err != nil {
		return err
	}
	fmt.Fprintln(a.out)
	return a.table(headTrustSources, func(w *tabwriter.Writer) {
		for _, is := range list.Issuers {
			fmt.Fprintf(w, "%s\t%s\t%s\n", is.ID, is.KeysURL, is.RevocationsURL)
		}
	})
}

func countKeys(l *trust.List) int {
	n := 0
	for _, is := range l.Issuers {
		n += len(is.Keys)
	}
	return n
}

func (a *app) trustStatus(s trust.Status) string {
	if w, ok := trustStatuses[string(s)]; ok {
		return w.in(a.lang)
	}
	return string(s)
}
