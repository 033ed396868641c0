package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"text/tabwriter"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/safefile"
)

// ErrAuditBroken means `admin audit verify` found a broken chain.
var ErrAuditBroken = errors.New("audit log is broken")

func (a *app) admin(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "backup" {
		return a.backup(ctx, args[1:])
	}
	if len(args) < 2 {
		return usage(sayWantSub, "admin", "tokens | accounts | keys | audit | backup | trust-list")
	}
	sub := map[string]func(context.Context, string, []string) error{
		"tokens":   a.adminTokens,
		"accounts": a.adminAccounts,
		"keys":     a.adminKeys,
		"audit":    a.adminAudit,
		// The national operator's, offline (trust.go).
		"trust-list": a.adminTrustList,
	}
	h, ok := sub[args[0]]
	if !ok {
		return wantWord("admin", args[0], "tokens", "accounts", "keys", "audit", "backup", "trust-list")
	}
	return h(ctx, args[1], args[2:])
}

var roles = map[string]estampv1.Role{
	"admin":    estampv1.Role_ROLE_ADMIN,
	"producer": estampv1.Role_ROLE_PRODUCER,
	"retailer": estampv1.Role_ROLE_RETAILER,
}

func (a *app) adminTokens(ctx context.Context, verb string, args []string) error {
	fs := a.flags("admin tokens " + verb)
	switch verb {
	case "create":
		var role string
		req := &estampv1.CreateTokenRequest{}
		fs.StringVar(&role, "role", "", "admin, producer or retailer")
		fs.StringVar(&req.ProducerId, "producer", "", "producer the token acts for (role producer)")
		fs.StringVar(&req.RetailerId, "retailer", "", "retailer the token acts for (role retailer)")
		fs.StringVar(&req.Description, "description", "", "whom the token is for")
		if _, err := a.connect(fs, args, 0, "admin tokens create --role ROLE [--producer ID | --retailer ID]"); err != nil {
			return err
		}
		r, ok := roles[role]
		if !ok {
			return usage(sayWantOneOf, "role", role, "admin, producer, retailer")
		}
		req.Role = r
		resp, err := a.Admin.CreateToken(ctx, req)
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp)
		}
		fmt.Fprint(a.out, a.say(sayTokenCreated, resp.Token.Id, a.role(resp.Token.Role), resp.Token.ProducerId+resp.Token.RetailerId, resp.Secret))
		return nil
	case "list":
		if _, err := a.connect(fs, args, 0, "admin tokens list"); err != nil {
			return err
		}
		all, err := everyPage(a.pageSize, 0, func(size int32, token string) ([]*estampv1.Token, string, error) {
			resp, err := a.Admin.ListTokens(ctx, &estampv1.ListTokensRequest{PageSize: size, PageToken: token})
			return resp.GetTokens(), resp.GetNextPageToken(), err
		})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(&estampv1.ListTokensResponse{Tokens: all})
		}
		return a.table(headTokens, func(w *tabwriter.Writer) {
			for _, t := range all {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Id, a.role(t.Role), t.ProducerId+t.RetailerId, a.when(t.CreateTime), t.CreatedBy, a.when(t.RevokeTime), t.Description)
			}
		})
	case "revoke":
		pos, err := a.connect(fs, args, 1, "admin tokens revoke ID")
		if err != nil {
			return err
		}
		resp, err := a.Admin.RevokeToken(ctx, &estampv1.RevokeTokenRequest{Id: pos[0]})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp)
		}
		fmt.Fprint(a.out, a.say(sayTokenRevoked, resp.Token.Id))
		return nil
	}
	return wantWord("admin tokens", verb, "create", "list", "revoke")
}

// adminAccounts manages people's console accounts. A one-time password
// is printed once, for the office to hand over; the first sign-in on the
// console replaces it.
func (a *app) adminAccounts(ctx context.Context, verb string, args []string) error {
	fs := a.flags("admin accounts " + verb)
	once := func(acc *estampv1.Account, password string) {
		fmt.Fprint(a.out, a.say(sayOneTimePassword, acc.Username, acc.DisplayName, password))
	}
	switch verb {
	case "create":
		var role string
		req := &estampv1.CreateAccountRequest{}
		fs.StringVar(&req.Username, "username", "", "sign-in name: 3-64 lower-case letters, digits, '.', '_' or '-'")
		fs.StringVar(&req.DisplayName, "name", "", "the person's full name")
		fs.StringVar(&role, "role", "", "admin, producer or retailer")
		fs.StringVar(&req.ProducerId, "producer", "", "producer the account acts for (role producer)")
		fs.StringVar(&req.RetailerId, "retailer", "", "retailer the account acts for (role retailer)")
		if _, err := a.connect(fs, args, 0, "admin accounts create --username NAME --name TEXT --role ROLE"); err != nil {
			return err
		}
		r, ok := roles[role]
		if !ok {
			return usage(sayWantOneOf, "role", role, "admin, producer, retailer")
		}
		req.Role = r
		resp, err := a.Admin.CreateAccount(ctx, req)
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp)
		}
		fmt.Fprint(a.out, a.say(sayAccountCreated, resp.Account.Username, a.role(resp.Account.Role), resp.Account.ProducerId+resp.Account.RetailerId))
		once(resp.Account, resp.Password)
		return nil
	case "list":
		if _, err := a.connect(fs, args, 0, "admin accounts list"); err != nil {
			return err
		}
		all, err := everyPage(a.pageSize, 0, func(size int32, token string) ([]*estampv1.Account, string, error) {
			resp, err := a.Admin.ListAccounts(ctx, &estampv1.ListAccountsRequest{PageSize: size, PageToken: token})
			return resp.GetAccounts(), resp.GetNextPageToken(), err
		})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(&estampv1.ListAccountsResponse{Accounts: all})
		}
		return a.table(headAccounts, func(w *tabwriter.Writer) {
			for _, acc := range all {
				state := a.say(sayAccountInUse)
				switch {
				case acc.DisableTime != nil:
					state = a.say(sayAccountDisabled, a.when(acc.DisableTime))
				case acc.MustChangePassword:
					state = a.say(sayAccountMustChange)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", acc.Username, acc.DisplayName, a.role(acc.Role), acc.ProducerId+acc.RetailerId, a.when(acc.CreateTime), state)
			}
		})
	case "reset":
		pos, err := a.connect(fs, args, 1, "admin accounts reset USERNAME")
		if err != nil {
			return err
		}
		resp, err := a.Admin.ResetAccountPassword(ctx, &estampv1.ResetAccountPasswordRequest{Username: pos[0]})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp)
		}
		fmt.Fprint(a.out, a.say(sayAccountReset, resp.Account.Username))
		once(resp.Account, resp.Password)
		return nil
	case "disable":
		pos, err := a.connect(fs, args, 1, "admin accounts disable USERNAME")
		if err != nil {
			return err
		}
		resp, err := a.Admin.DisableAccount(ctx, &estampv1.DisableAccountRequest{Username: pos[0]})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp)
		}
		fmt.Fprint(a.out, a.say(sayAccountDisable, resp.Account.Username))
		return nil
	}
	return wantWord("admin accounts", verb, "create", "list", "reset", "disable")
}

func (a *app) adminKeys(ctx context.Context, verb string, args []string) error {
	fs := a.flags("admin keys " + verb)
	var key *estampv1.IssuerKey
	switch verb {
	case "rotate":
		if _, err := a.connect(fs, args, 0, "admin keys rotate"); err != nil {
			return err
		}
		resp, err := a.Admin.RotateKey(ctx, &estampv1.RotateKeyRequest{})
		if err != nil {
			return err
		}
		key = resp.Key
	case "retire":
		pos, err := a.connect(fs, args, 1, "admin keys retire KEY")
		if err != nil {
			return err
		}
		resp, err := a.Admin.RetireKey(ctx, &estampv1.RetireKeyRequest{KeyId: pos[0]})
		if err != nil {
			return err
		}
		key = resp.Key
	case "compromised":
		var reason string
		fs.StringVar(&reason, "reason", "", "why the key is no longer trusted (shown to whoever scans)")
		pos, err := a.connect(fs, args, 1, "admin keys compromised KEY --reason TEXT")
		if err != nil {
			return err
		}
		resp, err := a.Admin.MarkKeyCompromised(ctx, &estampv1.MarkKeyCompromisedRequest{KeyId: pos[0], Reason: reason})
		if err != nil {
			return err
		}
		key = resp.Key
	default:
		return wantWord("admin keys", verb, "rotate", "retire", "compromised")
	}
	if a.json {
		return a.printJSON(key)
	}
	return a.keyTable([]*estampv1.IssuerKey{key})
}

func (a *app) adminAudit(ctx context.Context, verb string, args []string) error {
	fs := a.flags("admin audit " + verb)
	switch verb {
	case "list":
		var after uint64
		var limit int
		fs.Uint64Var(&after, "after", 0, "entries after this sequence number")
		fs.IntVar(&limit, "limit", 0, "at most this many entries (default all)")
		if _, err := a.connect(fs, args, 0, "admin audit list [--after N] [--limit N]"); err != nil {
			return err
		}
		if limit < 0 {
			return usage(sayNegativeLimit, limit)
		}
		if after == math.MaxUint64 {
			// Nothing comes after the largest sequence number, and
			// from_sequence after+1 would wrap to the whole log.
			return a.auditTable(nil)
		}
		all, err := everyPage(a.pageSize, limit, func(size int32, token string) ([]*estampv1.AuditEntry, string, error) {
			resp, err := a.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{FromSequence: after + 1, PageSize: size, PageToken: token})
			return resp.GetEntries(), resp.GetNextPageToken(), err
		})
		if err != nil {
			return err
		}
		return a.auditTable(all)
	case "verify":
		if _, err := a.connect(fs, args, 0, "admin audit verify"); err != nil {
			return err
		}
		resp, err := a.Admin.VerifyAuditLog(ctx, &estampv1.VerifyAuditLogRequest{})
		if err != nil {
			return err
		}
		if a.json {
			if err := a.printJSON(resp); err != nil {
				return err
			}
		} else {
			switch {
			case resp.FirstBrokenSequence != 0:
				fmt.Fprint(a.out, a.say(sayAuditBroken, resp.FirstBrokenSequence, resp.Problem, resp.Checked))
			case resp.Intact:
				fmt.Fprint(a.out, a.say(sayAuditIntact, resp.Checked))
			default:
				fmt.Fprint(a.out, a.say(sayAuditMismatch, resp.Checked))
			}
			for _, m := range resp.Mismatches {
				fmt.Fprintf(a.out, "  %s %s: %s\n", m.Kind, m.Id, m.Problem)
			}
		}
		switch {
		case resp.FirstBrokenSequence != 0:
			return standsFor(ErrAuditBroken, sayAuditBrokenError, resp.FirstBrokenSequence, resp.Problem)
		case len(resp.Mismatches) > 0:
			return standsFor(ErrAuditBroken, sayAuditMismatchError, len(resp.Mismatches))
		}
		return nil
	}
	return wantWord("admin audit", verb, "list", "verify")
}

// auditTable shows audit entries, or with --json the list as one
// ListAuditEntriesResponse.
func (a *app) auditTable(all []*estampv1.AuditEntry) error {
	if a.json {
		return a.printJSON(&estampv1.ListAuditEntriesResponse{Entries: all})
	}
	return a.table(headAudit, func(w *tabwriter.Writer) {
		for _, e := range all {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Sequence, a.when(e.ChangeTime), e.Actor, a.action(e.Action), e.Target, e.Detail)
		}
	})
}

// backup writes a snapshot of the server's database to --out: first to a
// temporary file beside it, synced, then put in place, so that FILE is
// always a whole backup (the previous one, or this one).
func (a *app) backup(ctx context.Context, args []string) error {
	fs := a.flags("admin backup")
	var out string
	var force bool
	fs.StringVar(&out, "out", "", "file to write the database snapshot to")
	fs.BoolVar(&force, "force", false, "replace --out if it exists")
	if _, err := a.connect(fs, args, 0, "admin backup --out FILE"); err != nil {
		return err
	}
	if out == "" {
		return usage(sayWantArgs, "admin backup --out FILE")
	}
	// Checked before the server starts streaming. Mode 0600: the database
	// holds the audit log and token hashes, and estampd keeps it 0600 too.
	file, err := safefile.Create(out, 0o600, force)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer file.Abort()
	written, err := client.Backup(ctx, a.Admin, file)
	if err != nil {
		return err
	}
	if err := a.commit(file); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprint(a.out, a.say(sayBackedUp, written, out))
	return nil
}
