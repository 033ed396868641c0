package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"text/tabwriter"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/auth"
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
		return fmt.Errorf("%w: admin tokens|accounts|keys|audit ...", ErrUsage)
	}
	sub := map[string]func(context.Context, string, []string) error{
		"tokens":   a.adminTokens,
		"accounts": a.adminAccounts,
		"keys":     a.adminKeys,
		"audit":    a.adminAudit,
	}
	h, ok := sub[args[0]]
	if !ok {
		return fmt.Errorf("%w: admin %q: want tokens, accounts, keys, audit or backup", ErrUsage, args[0])
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
		if _, err := a.connect(fs, args, 0, "flags only"); err != nil {
			return err
		}
		r, ok := roles[role]
		if !ok {
			return fmt.Errorf("%w: --role %q: want admin, producer or retailer", ErrUsage, role)
		}
		req.Role = r
		resp, err := a.Admin.CreateToken(ctx, req)
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp)
		}
		fmt.Fprintf(a.out, "Đã tạo token %s (%s %s%s).\nToken chỉ hiện MỘT LẦN; hãy lưu vào nơi an toàn:\n\n%s\n\nDùng: export ESTAMP_TOKEN=<token>  hoặc  estamp --token <token> ...\n",
			resp.Token.Id, auth.RoleName(resp.Token.Role), resp.Token.ProducerId, resp.Token.RetailerId, resp.Secret)
		return nil
	case "list":
		if _, err := a.connect(fs, args, 0, "no arguments"); err != nil {
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
		return a.table("TOKEN\tVAI TRÒ\tCHO\tTẠO LÚC\tTẠO BỞI\tTHU HỒI\tGHI CHÚ", func(w *tabwriter.Writer) {
			for _, t := range all {
				revoked := "—"
				if t.RevokeTime != nil {
					revoked = date(t.RevokeTime)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Id, auth.RoleName(t.Role), t.ProducerId+t.RetailerId, date(t.CreateTime), t.CreatedBy, revoked, t.Description)
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
		fmt.Fprintf(a.out, "Đã thu hồi token %s.\n", resp.Token.Id)
		return nil
	}
	return fmt.Errorf("%w: admin tokens %q: want create, list or revoke", ErrUsage, verb)
}

// adminAccounts manages people's console accounts. A one-time password
// is printed once, for the office to hand over; the first sign-in on the
// console replaces it.
func (a *app) adminAccounts(ctx context.Context, verb string, args []string) error {
	fs := a.flags("admin accounts " + verb)
	once := func(acc *estampv1.Account, password string) {
		fmt.Fprintf(a.out, "Mật khẩu dùng một lần của %s (%s) — chỉ hiện MỘT LẦN; hãy trao tận tay:\n\n%s\n\nĐăng nhập tại <địa chỉ máy chủ>/console/ ; lần đăng nhập đầu tiên sẽ phải đổi mật khẩu.\n",
			acc.Username, acc.DisplayName, password)
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
		if _, err := a.connect(fs, args, 0, "flags only"); err != nil {
			return err
		}
		r, ok := roles[role]
		if !ok {
			return fmt.Errorf("%w: --role %q: want admin, producer or retailer", ErrUsage, role)
		}
		req.Role = r
		resp, err := a.Admin.CreateAccount(ctx, req)
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp)
		}
		fmt.Fprintf(a.out, "Đã tạo tài khoản %s (%s %s%s).\n", resp.Account.Username, auth.RoleName(resp.Account.Role), resp.Account.ProducerId, resp.Account.RetailerId)
		once(resp.Account, resp.Password)
		return nil
	case "list":
		if _, err := a.connect(fs, args, 0, "no arguments"); err != nil {
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
		return a.table("TÀI KHOẢN\tTÊN\tVAI TRÒ\tCHO\tTẠO LÚC\tTÌNH TRẠNG", func(w *tabwriter.Writer) {
			for _, acc := range all {
				state := "đang dùng"
				switch {
				case acc.DisableTime != nil:
					state = "đã khóa " + date(acc.DisableTime)
				case acc.MustChangePassword:
					state = "chờ đổi mật khẩu"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", acc.Username, acc.DisplayName, auth.RoleName(acc.Role), acc.ProducerId+acc.RetailerId, date(acc.CreateTime), state)
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
		fmt.Fprintf(a.out, "Đã cấp lại mật khẩu; các phiên đăng nhập của %s đã kết thúc.\n", resp.Account.Username)
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
		fmt.Fprintf(a.out, "Đã khóa tài khoản %s: không đăng nhập được nữa, mọi phiên đã kết thúc.\n", resp.Account.Username)
		return nil
	}
	return fmt.Errorf("%w: admin accounts %q: want create, list, reset or disable", ErrUsage, verb)
}

func (a *app) adminKeys(ctx context.Context, verb string, args []string) error {
	fs := a.flags("admin keys " + verb)
	var key *estampv1.IssuerKey
	switch verb {
	case "rotate":
		if _, err := a.connect(fs, args, 0, "no arguments"); err != nil {
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
		return fmt.Errorf("%w: admin keys %q: want rotate, retire or compromised", ErrUsage, verb)
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
		if _, err := a.connect(fs, args, 0, "no arguments"); err != nil {
			return err
		}
		if limit < 0 {
			return fmt.Errorf("%w: --limit %d is negative", ErrUsage, limit)
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
		if _, err := a.connect(fs, args, 0, "no arguments"); err != nil {
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
				fmt.Fprintf(a.out, "NHẬT KÝ KIỂM TOÁN BỊ HỎNG tại mục %d: %s (%d mục trước đó khớp).\n", resp.FirstBrokenSequence, resp.Problem, resp.Checked)
			case resp.Intact:
				fmt.Fprintf(a.out, "Nhật ký kiểm toán nguyên vẹn: %d mục, chuỗi băm khớp, mọi bản ghi khớp với nhật ký.\n", resp.Checked)
			default:
				fmt.Fprintf(a.out, "Chuỗi băm khớp (%d mục), nhưng có bản ghi KHÔNG KHỚP với nhật ký kiểm toán (bị sửa ngoài hệ thống):\n", resp.Checked)
			}
			for _, m := range resp.Mismatches {
				fmt.Fprintf(a.out, "  %s %s: %s\n", m.Kind, m.Id, m.Problem)
			}
		}
		switch {
		case resp.FirstBrokenSequence != 0:
			return fmt.Errorf("%w at entry %d: %s", ErrAuditBroken, resp.FirstBrokenSequence, resp.Problem)
		case len(resp.Mismatches) > 0:
			return fmt.Errorf("%w: %d records differ from it", ErrAuditBroken, len(resp.Mismatches))
		}
		return nil
	}
	return fmt.Errorf("%w: admin audit %q: want list or verify", ErrUsage, verb)
}

// auditTable shows audit entries, or with --json the list as one
// ListAuditEntriesResponse.
func (a *app) auditTable(all []*estampv1.AuditEntry) error {
	if a.json {
		return a.printJSON(&estampv1.ListAuditEntriesResponse{Entries: all})
	}
	return a.table("SỐ\tTHỜI GIAN\tAI\tVIỆC\tĐỐI TƯỢNG\tCHI TIẾT", func(w *tabwriter.Writer) {
		for _, e := range all {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Sequence, date(e.ChangeTime), e.Actor, e.Action, e.Target, e.Detail)
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
		return fmt.Errorf("%w: --out FILE is required", ErrUsage)
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
	fmt.Fprintf(a.out, "Đã sao lưu cơ sở dữ liệu (%d byte) vào %s. Khóa ký (thư mục keys/) cần sao lưu riêng.\n", written, out)
	return nil
}
