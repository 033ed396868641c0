package account

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/ratelimit"
)

// Session lifetimes (OWASP's session management guidance for an
// application handling registry changes): half an hour without a request,
// and a working day at most.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	// seenResolution is how stale a session's last-seen time may get
	// before a request writes it again: a page view writes at most once a
	// minute, not on every request.
	seenResolution = time.Minute
)

// Sign-in limits on failures: per account, 5 then one every 3 minutes,
// so that guessing one account's password takes years; per client
// address, 20 then one every 15 s, so that one address cannot try a
// password on every account.
const (
	accountBurst = 5
	accountRate  = 1.0 / 180
	clientBurst  = 20
	clientRate   = 1.0 / 15
)

// ErrBadCredentials is a refused sign-in. It never says whether the
// account exists, is disabled or the password was wrong.
var ErrBadCredentials = errors.New("account: wrong username or password")

// ErrNoSession is a request whose session is missing, expired or ended.
var ErrNoSession = errors.New("account: not signed in")

// Store keeps accounts and sessions (package store).
type Store interface {
	Account(ctx context.Context, username string) (*storagev1.AccountRecord, error)
	UpdateAccount(ctx context.Context, username string, ch audit.Change, change func(*storagev1.AccountRecord) (audit.Entry, bool, error)) (*storagev1.AccountRecord, error)
	Audit(ctx context.Context, ch audit.Change, e audit.Entry) error
	CreateSession(ctx context.Context, idHash []byte, r *storagev1.SessionRecord, expired func(*storagev1.SessionRecord) bool) error
	Session(ctx context.Context, idHash []byte) (*storagev1.SessionRecord, error)
	TouchSession(ctx context.Context, idHash []byte, seen time.Time) error
	DeleteSession(ctx context.Context, idHash []byte) error
}

// Service signs people in and keeps their sessions.
type Service struct {
	store    Store
	now      func() time.Time
	rand     io.Reader
	params   Params
	log      *slog.Logger
	accounts *ratelimit.Limiter
	clients  *ratelimit.Limiter
}

// NewService returns the service; params are the Argon2id costs of new
// password hashes.
func NewService(st Store, params Params, now func() time.Time, rand io.Reader, log *slog.Logger) *Service {
	return &Service{
		store: st, now: now, rand: rand, params: params, log: log,
		accounts: ratelimit.New(accountRate, accountBurst, now),
		clients:  ratelimit.New(clientRate, clientBurst, now),
	}
}

// Session is a signed-in person: their account and what their pages
// need to prove a form came from them.
type Session struct {
	Account *storagev1.AccountRecord
	// ID is the session id as the browser holds it.
	ID string
	// CSRF is the token every state-changing form of this session
	// carries.
	CSRF string
}

// Principal is what the session may do: the same as a token of its role
// and subject.
func (s *Session) Principal() auth.Principal {
	a := s.Account
	return auth.Principal{Account: a.Username, Role: estampv1.Role(a.Role), ProducerID: a.ProducerId, RetailerID: a.RetailerId}
}

func idHash(id string) []byte {
	sum := sha256.Sum256([]byte(id))
	return sum[:]
}

// csrfFor derives a session's CSRF token from its id: a page knows it
// without the store keeping one, and a token of one session is worthless
// in another.
func csrfFor(id string) string {
	sum := sha256.Sum256([]byte("estamp console csrf\x00" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CheckCSRF compares a form's token with the session's in constant time.
func (s *Session) CheckCSRF(token string) bool {
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// SignIn checks a username and password; client names the caller's
// address for the rate limit. Refusals are audited (without the password)
// and say only ErrBadCredentials, or a *ratelimit.ExceededError when the
// account or the address tried too often.
func (s *Service) SignIn(ctx context.Context, username, password, client string) (*Session, error) {
	if err := s.clients.Check(client); err != nil {
		s.refused(ctx, username, client, "too many failed sign-ins from this address")
		return nil, err
	}
	if err := s.accounts.Check(username); err != nil {
		s.refused(ctx, username, client, "too many failed sign-ins to this account")
		return nil, err
	}
	a, err := s.store.Account(ctx, username)
	if err != nil {
		if !errors.As(err, new(*ocop.NotFoundError)) {
			return nil, err
		}
		// As long as a real check: timing does not tell who exists.
		Matches(password, dummy)
		s.failed(ctx, username, client, "no such account")
		return nil, ErrBadCredentials
	}
	if !Matches(password, a.Password) {
		s.failed(ctx, username, client, "wrong password")
		return nil, ErrBadCredentials
	}
	if a.DisableUnixNano != 0 {
		s.failed(ctx, username, client, "account disabled")
		return nil, ErrBadCredentials
	}
	return s.start(ctx, a)
}

// failed counts a failed sign-in against the account and the address:
// only failures count, so that a shop's staff behind one address, or a
// person signing in and out all day, are never held up.
func (s *Service) failed(ctx context.Context, username, client, why string) {
	s.accounts.Allow(username)
	s.clients.Allow(client)
	s.refused(ctx, username, client, why)
}

// refused audits a refused sign-in. The username is what was typed, cut
// to a sane length: it may be anything.
func (s *Service) refused(ctx context.Context, username, client, why string) {
	if len(username) > 64 {
		username = username[:64]
	}
	s.log.Info("console sign-in refused", "username", username, "client", client, "why", why)
	ch := audit.Change{Actor: "console", Time: s.now()}
	if err := s.store.Audit(ctx, ch, audit.Entry{Action: audit.AccountSignInFail, Target: username, Detail: why}); err != nil {
		s.log.Error("audit of a refused sign-in", "err", err)
	}
}

// start begins a session for a.
func (s *Service) start(ctx context.Context, a *storagev1.AccountRecord) (*Session, error) {
	buf := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, buf); err != nil {
		return nil, fmt.Errorf("account: session id: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(buf)
	now := s.now()
	r := &storagev1.SessionRecord{Username: a.Username, CreateUnixNano: now.UnixNano(), SeenUnixNano: now.UnixNano()}
	if err := s.store.CreateSession(ctx, idHash(id), r, func(old *storagev1.SessionRecord) bool { return s.expired(old, now) }); err != nil {
		return nil, err
	}
	return &Session{Account: a, ID: id, CSRF: csrfFor(id)}, nil
}

func (s *Service) expired(r *storagev1.SessionRecord, now time.Time) bool {
	return now.Sub(time.Unix(0, r.SeenUnixNano)) >= IdleTimeout || now.Sub(time.Unix(0, r.CreateUnixNano)) >= AbsoluteTimeout
}

// Session finds the live session of an id and records the request:
// ErrNoSession when it is unknown, expired, ended, or its account is gone
// or disabled.
func (s *Service) Session(ctx context.Context, id string) (*Session, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrNoSession
	}
	h := idHash(id)
	r, err := s.store.Session(ctx, h)
	if err != nil {
		if errors.As(err, new(*ocop.NotFoundError)) {
			return nil, ErrNoSession
		}
		return nil, err
	}
	now := s.now()
	if s.expired(r, now) {
		if err := s.store.DeleteSession(ctx, h); err != nil {
			return nil, err
		}
		return nil, ErrNoSession
	}
	a, err := s.store.Account(ctx, r.Username)
	if err != nil {
		if errors.As(err, new(*ocop.NotFoundError)) {
			return nil, ErrNoSession
		}
		return nil, err
	}
	if a.DisableUnixNano != 0 {
		return nil, ErrNoSession
	}
	if now.Sub(time.Unix(0, r.SeenUnixNano)) >= seenResolution {
		if err := s.store.TouchSession(ctx, h, now); err != nil {
			return nil, err
		}
	}
	return &Session{Account: a, ID: id, CSRF: csrfFor(id)}, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, id string) error {
	return s.store.DeleteSession(ctx, idHash(id))
}

// ChangePassword replaces the password of a session's account, ends every
// session of the account (other browsers too), and starts a new one for
// this browser.
func (s *Service) ChangePassword(ctx context.Context, sess *Session, current, next string) (*Session, error) {
	username := sess.Account.Username
	if err := CheckPassword("new_password", next, username); err != nil {
		return nil, err
	}
	if next == current {
		return nil, ocop.Invalid("new_password", "phải khác mật khẩu hiện tại", "must differ from the current password")
	}
	if err := s.accounts.Check(username); err != nil {
		return nil, err
	}
	h, err := Hash(next, s.params, s.rand)
	if err != nil {
		return nil, err
	}
	ch := audit.Change{Actor: sess.Principal().String(), Time: s.now()}
	a, err := s.store.UpdateAccount(ctx, username, ch, func(a *storagev1.AccountRecord) (audit.Entry, bool, error) {
		if !Matches(current, a.Password) {
			// A guess at the password of a session left open counts as
			// a failed sign-in.
			s.accounts.Allow(username)
			return audit.Entry{}, false, ocop.Invalid("current_password", "sai mật khẩu", "wrong password")
		}
		a.Password, a.MustChangePassword, a.PasswordChangeUnixNano = h, false, ch.Time.UnixNano()
		return audit.Entry{Action: audit.AccountPasswordChange, Target: username}, true, nil
	})
	if err != nil {
		return nil, err
	}
	return s.start(ctx, a)
}
