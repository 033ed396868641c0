package admin

import (
	"context"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/account"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/record"
)

// MaxDisplayName bounds an account's display name.
const MaxDisplayName = 200

// CreateAccount implements estampv1.AdminServiceServer.
func (s *Service) CreateAccount(ctx context.Context, req *estampv1.CreateAccountRequest) (*estampv1.CreateAccountResponse, error) {
	if err := account.CheckUsername("username", req.GetUsername()); err != nil {
		return nil, err
	}
	name, err := ocop.Text("display_name", req.GetDisplayName(), true, MaxDisplayName)
	if err != nil {
		return nil, err
	}
	producer, retailer, err := subject("account", req.GetRole(), req.GetProducerId(), req.GetRetailerId())
	if err != nil {
		return nil, err
	}
	password, hash, err := s.oneTimePassword()
	if err != nil {
		return nil, err
	}
	a := &storagev1.AccountRecord{
		Username: req.GetUsername(), DisplayName: name, Role: int32(req.GetRole()), ProducerId: producer, RetailerId: retailer,
		Password: hash, MustChangePassword: true,
	}
	role := auth.RoleName(req.GetRole())
	e := audit.Entry{Action: audit.AccountCreate, Target: a.Username, Detail: strings.Join(strings.Fields(role+" "+producer+retailer+" "+name), " ")}
	if err := s.store.CreateAccount(ctx, a, s.change(ctx), e); err != nil {
		return nil, err
	}
	return &estampv1.CreateAccountResponse{Account: AccountProto(a), Password: password}, nil
}

func (s *Service) oneTimePassword() (string, *storagev1.PasswordHash, error) {
	password, err := account.NewOneTimePassword(s.files.Rand)
	if err != nil {
		return "", nil, err
	}
	hash, err := account.Hash(password, s.passwords, s.files.Rand)
	if err != nil {
		return "", nil, err
	}
	return password, hash, nil
}

// AccountProto describes a stored account without its password hash.
func AccountProto(a *storagev1.AccountRecord) *estampv1.Account {
	p := &estampv1.Account{
		Username: a.Username, DisplayName: a.DisplayName, Role: estampv1.Role(a.Role), ProducerId: a.ProducerId, RetailerId: a.RetailerId,
		MustChangePassword: a.MustChangePassword, CreateTime: timestamppb.New(record.Time(a.CreateUnixNano)), CreatedBy: a.CreatedBy,
	}
	if a.DisableUnixNano != 0 {
		p.DisableTime = timestamppb.New(record.Time(a.DisableUnixNano))
	}
	return p
}

// ListAccounts implements estampv1.AdminServiceServer.
func (s *Service) ListAccounts(ctx context.Context, req *estampv1.ListAccountsRequest) (*estampv1.ListAccountsResponse, error) {
	list, next, err := paging.ByKey(ctx, req, s.store.Accounts, (*storagev1.AccountRecord).GetUsername)
	if err != nil {
		return nil, err
	}
	resp := &estampv1.ListAccountsResponse{NextPageToken: next}
	for _, a := range list {
		resp.Accounts = append(resp.Accounts, AccountProto(a))
	}
	return resp, nil
}

// ResetAccountPassword implements estampv1.AdminServiceServer.
func (s *Service) ResetAccountPassword(ctx context.Context, req *estampv1.ResetAccountPasswordRequest) (*estampv1.ResetAccountPasswordResponse, error) {
	if req.GetUsername() == "" {
		return nil, ocop.Invalid("username", "bắt buộc", "required")
	}
	password, hash, err := s.oneTimePassword()
	if err != nil {
		return nil, err
	}
	ch := s.change(ctx)
	a, err := s.store.UpdateAccount(ctx, req.GetUsername(), ch, func(a *storagev1.AccountRecord) (audit.Entry, bool, error) {
		if a.DisableUnixNano != 0 {
			return audit.Entry{}, false, ocop.Precondition("tài khoản %s đã bị khóa: hãy tạo tài khoản mới", "account %s is disabled: create a new account instead", a.Username)
		}
		a.Password, a.MustChangePassword, a.PasswordChangeUnixNano = hash, true, ch.Time.UnixNano()
		return audit.Entry{Action: audit.AccountPasswordReset, Target: a.Username}, true, nil
	})
	if err != nil {
		return nil, err
	}
	return &estampv1.ResetAccountPasswordResponse{Account: AccountProto(a), Password: password}, nil
}

// DisableAccount implements estampv1.AdminServiceServer. Disabling an
// account again changes nothing and writes no entry.
func (s *Service) DisableAccount(ctx context.Context, req *estampv1.DisableAccountRequest) (*estampv1.DisableAccountResponse, error) {
	if req.GetUsername() == "" {
		return nil, ocop.Invalid("username", "bắt buộc", "required")
	}
	ch := s.change(ctx)
	a, err := s.store.UpdateAccount(ctx, req.GetUsername(), ch, func(a *storagev1.AccountRecord) (audit.Entry, bool, error) {
		if a.DisableUnixNano != 0 {
			return audit.Entry{}, false, nil
		}
		a.DisableUnixNano = ch.Time.UnixNano()
		return audit.Entry{Action: audit.AccountDisable, Target: a.Username}, true, nil
	})
	if err != nil {
		return nil, err
	}
	return &estampv1.DisableAccountResponse{Account: AccountProto(a)}, nil
}
