// Package admin implements the OCOP office's own service: API tokens,
// issuer key rotation, retirement and compromise, and the audit log.
//
// Every operation here changes who may do what, so each is recorded in the
// audit log in the transaction that makes it.
package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/account"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
)

// Store is what the admin service keeps in the database.
type Store interface {
	CreateToken(ctx context.Context, t *storagev1.TokenRecord, ch audit.Change, e audit.Entry) error
	Tokens(ctx context.Context, after string, limit int) ([]*storagev1.TokenRecord, bool, error)
	RevokeToken(ctx context.Context, id string, ch audit.Change, e audit.Entry) (*storagev1.TokenRecord, error)
	SetKeyStates(ctx context.Context, changes []store.KeyChange, ch audit.Change, e audit.Entry) error
	AuditEntries(ctx context.Context, after uint64, limit int) ([]store.AuditEntry, bool, error)
	VerifyAudit(context.Context) (store.AuditCheck, error)
	WriteTo(ctx context.Context, w io.Writer, size func(int64) error) (int64, error)
	CreateAccount(ctx context.Context, a *storagev1.AccountRecord, ch audit.Change, e audit.Entry) error
	Accounts(ctx context.Context, after string, limit int) ([]*storagev1.AccountRecord, bool, error)
	UpdateAccount(ctx context.Context, username string, ch audit.Change, change func(*storagev1.AccountRecord) (audit.Entry, bool, error)) (*storagev1.AccountRecord, error)
}

// Ring is the live set of issuer keys.
type Ring interface {
	Active() *keys.Key
	Key(stampcode.KeyID) (*keys.Key, bool)
	Add(*keys.Key)
	State(stampcode.KeyID) keys.State
	SetState(stampcode.KeyID, keys.State)
}

// KeyLister describes keys as clients see them.
type KeyLister interface {
	ListIssuerKeys(context.Context, *estampv1.ListIssuerKeysRequest) (*estampv1.ListIssuerKeysResponse, error)
}

// KeyFiles is where new keys are written and how.
type KeyFiles struct {
	Dir string
	// Passphrase encrypts new keys when not empty.
	Passphrase []byte
	// Rand is the entropy of new keys, token secrets and one-time
	// passwords.
	Rand io.Reader
}

// Service implements estampv1.AdminServiceServer.
type Service struct {
	estampv1.UnimplementedAdminServiceServer
	store  Store
	ring   Ring
	lister KeyLister
	files  KeyFiles
	// passwords are the Argon2id costs of the one-time passwords the
	// office hands out.
	passwords account.Params
	now       func() time.Time
	// keyMu serialises key changes, so that two rotations cannot both
	// retire the same key and leave two active.
	keyMu sync.Mutex
}

// New returns the service.
func New(st Store, ring Ring, lister KeyLister, files KeyFiles, passwords account.Params, now func() time.Time) *Service {
	return &Service{store: st, ring: ring, lister: lister, files: files, passwords: passwords, now: now}
}

func (s *Service) change(ctx context.Context) audit.Change {
	return audit.Change{Actor: auth.Actor(ctx), Time: s.now()}
}

// MaxDescription bounds a token's description.
const MaxDescription = 200

// CreateToken implements estampv1.AdminServiceServer.
func (s *Service) CreateToken(ctx context.Context, req *estampv1.CreateTokenRequest) (*estampv1.CreateTokenResponse, error) {
	rec, err := tokenRecord(req)
	if err != nil {
		return nil, err
	}
	token, id, hash, err := auth.NewToken(s.files.Rand)
	if err != nil {
		return nil, err
	}
	rec.Id, rec.SecretSha256 = id, hash
	if err := s.store.CreateToken(ctx, rec, s.change(ctx), TokenCreated(rec)); err != nil {
		return nil, err
	}
	return &estampv1.CreateTokenResponse{Token: TokenProto(rec), Secret: token}, nil
}

// TokenCreated is the audit entry of a new token: its role, whom it acts
// for and its description. It is the service's, and the server's for the
// first admin token it writes at start.
func TokenCreated(t *storagev1.TokenRecord) audit.Entry {
	role := auth.RoleName(estampv1.Role(t.Role))
	return audit.Entry{Action: audit.TokenCreate, Target: t.Id, Detail: strings.Join(strings.Fields(role+" "+t.ProducerId+t.RetailerId+" "+t.Description), " ")}
}

// tokenRecord checks that a request names exactly the subject its role
// needs.
func tokenRecord(req *estampv1.CreateTokenRequest) (*storagev1.TokenRecord, error) {
	desc, err := ocop.Text("description", req.GetDescription(), false, MaxDescription)
	if err != nil {
		return nil, err
	}
	producer, retailer, err := subject("token", req.GetRole(), req.GetProducerId(), req.GetRetailerId())
	if err != nil {
		return nil, err
	}
	return &storagev1.TokenRecord{Role: int32(req.GetRole()), Description: desc, ProducerId: producer, RetailerId: retailer}, nil
}

// subject checks that a token or an account (what) of a role names
// exactly the producer or retailer the role acts for, and returns them.
func subject(what string, role estampv1.Role, producer, retailer string) (string, string, error) {
	// The errors say what in both languages: %[1]s in English, %[2]s in
	// Vietnamese.
	whatVI := map[string]string{"token": "token", "account": "tài khoản"}[what]
	switch role {
	case estampv1.Role_ROLE_ADMIN:
		if producer != "" || retailer != "" {
			return "", "", ocop.Invalid("role", "%[2]s quản trị dùng cho cả văn phòng: không ghi producer_id hay retailer_id", "an admin %[1]s acts for the whole office: give neither producer_id nor retailer_id", what, whatVI)
		}
		return "", "", nil
	case estampv1.Role_ROLE_PRODUCER:
		if err := ocop.CheckID("producer_id", producer); err != nil {
			return "", "", err
		}
		if retailer != "" {
			return "", "", ocop.Invalid("retailer_id", "%[2]s của chủ thể không thể thay mặt cửa hàng", "a producer %[1]s cannot act for a retailer", what, whatVI)
		}
		return producer, "", nil
	case estampv1.Role_ROLE_RETAILER:
		if err := ocop.CheckID("retailer_id", retailer); err != nil {
			return "", "", err
		}
		if producer != "" {
			return "", "", ocop.Invalid("producer_id", "%[2]s của cửa hàng không thể thay mặt chủ thể", "a retailer %[1]s cannot act for a producer", what, whatVI)
		}
		return "", retailer, nil
	}
	return "", "", ocop.Invalid("role", "bắt buộc: ROLE_ADMIN, ROLE_PRODUCER hoặc ROLE_RETAILER", "required: ROLE_ADMIN, ROLE_PRODUCER or ROLE_RETAILER")
}

// TokenProto describes a stored token without its hash.
func TokenProto(t *storagev1.TokenRecord) *estampv1.Token {
	p := &estampv1.Token{
		Id: t.Id, Role: estampv1.Role(t.Role), ProducerId: t.ProducerId, RetailerId: t.RetailerId,
		Description: t.Description, CreateTime: timestamppb.New(record.Time(t.CreateUnixNano)), CreatedBy: t.CreatedBy,
	}
	if t.RevokeUnixNano != 0 {
		p.RevokeTime = timestamppb.New(record.Time(t.RevokeUnixNano))
	}
	return p
}

// ListTokens implements estampv1.AdminServiceServer.
func (s *Service) ListTokens(ctx context.Context, req *estampv1.ListTokensRequest) (*estampv1.ListTokensResponse, error) {
	list, next, err := paging.ByID(ctx, req, s.store.Tokens)
	if err != nil {
		return nil, err
	}
	resp := &estampv1.ListTokensResponse{NextPageToken: next}
	for _, t := range list {
		resp.Tokens = append(resp.Tokens, TokenProto(t))
	}
	return resp, nil
}

// RevokeToken implements estampv1.AdminServiceServer.
func (s *Service) RevokeToken(ctx context.Context, req *estampv1.RevokeTokenRequest) (*estampv1.RevokeTokenResponse, error) {
	if req.GetId() == "" {
		return nil, ocop.Invalid("id", "bắt buộc: mã token, như ListTokens trả về", "required: the token id from ListTokens")
	}
	t, err := s.store.RevokeToken(ctx, req.GetId(), s.change(ctx), audit.Entry{Action: audit.TokenRevoke, Target: req.GetId()})
	if err != nil {
		return nil, err
	}
	return &estampv1.RevokeTokenResponse{Token: TokenProto(t)}, nil
}

// RotateKey implements estampv1.AdminServiceServer.
func (s *Service) RotateKey(ctx context.Context, _ *estampv1.RotateKeyRequest) (*estampv1.RotateKeyResponse, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	ch := s.change(ctx)
	k, err := keys.Generate(s.files.Dir, ch.Time, s.files.Rand, s.files.Passphrase)
	if err != nil {
		return nil, err
	}
	active := keys.State{Status: estampv1.KeyStatus_KEY_STATUS_ACTIVE, Since: ch.Time}
	changes := []store.KeyChange{{KeyID: k.ID.String(), State: stateRecord(active)}}
	old := s.ring.Active()
	retired := keys.State{Status: estampv1.KeyStatus_KEY_STATUS_RETIRED, Since: ch.Time}
	detail := "no key was active"
	if old != nil {
		changes = append(changes, store.KeyChange{KeyID: old.ID.String(), State: stateRecord(retired)})
		detail = "retired " + old.ID.String()
	}
	if err := s.store.SetKeyStates(ctx, changes, ch, audit.Entry{Action: audit.KeyRotate, Target: k.ID.String(), Detail: detail}); err != nil {
		// Unrecorded, the new file would become the active key at the
		// next start: remove it.
		if rmErr := os.Remove(keys.Path(s.files.Dir, k.ID)); rmErr != nil {
			err = errors.Join(err, rmErr)
		}
		return nil, err
	}
	// New key first: signing never stops during a rotation.
	s.ring.SetState(k.ID, active)
	s.ring.Add(k)
	if old != nil {
		s.ring.SetState(old.ID, retired)
	}
	ik, err := s.describe(ctx, k.ID)
	return &estampv1.RotateKeyResponse{Key: ik}, err
}

// RetireKey implements estampv1.AdminServiceServer.
func (s *Service) RetireKey(ctx context.Context, req *estampv1.RetireKeyRequest) (*estampv1.RetireKeyResponse, error) {
	id, err := s.keyID(req.GetKeyId())
	if err != nil {
		return nil, err
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	switch s.ring.State(id).Status {
	case estampv1.KeyStatus_KEY_STATUS_COMPROMISED:
		return nil, ocop.Precondition("khóa %s đã bị lộ và sẽ luôn bị coi là lộ", "key %s is compromised; it stays so", id)
	case estampv1.KeyStatus_KEY_STATUS_ACTIVE:
		if err := s.setState(ctx, id, keys.State{Status: estampv1.KeyStatus_KEY_STATUS_RETIRED}, audit.KeyRetire, ""); err != nil {
			return nil, err
		}
	}
	ik, err := s.describe(ctx, id)
	return &estampv1.RetireKeyResponse{Key: ik}, err
}

// MarkKeyCompromised implements estampv1.AdminServiceServer.
func (s *Service) MarkKeyCompromised(ctx context.Context, req *estampv1.MarkKeyCompromisedRequest) (*estampv1.MarkKeyCompromisedResponse, error) {
	id, err := s.keyID(req.GetKeyId())
	if err != nil {
		return nil, err
	}
	reason, err := ocop.Text("reason", req.GetReason(), true, ocop.MaxReasonLength)
	if err != nil {
		return nil, err
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.ring.State(id).Status != estampv1.KeyStatus_KEY_STATUS_COMPROMISED {
		st := keys.State{Status: estampv1.KeyStatus_KEY_STATUS_COMPROMISED, Reason: reason}
		if err := s.setState(ctx, id, st, audit.KeyCompromise, reason); err != nil {
			return nil, err
		}
	}
	ik, err := s.describe(ctx, id)
	return &estampv1.MarkKeyCompromisedResponse{Key: ik}, err
}

func (s *Service) keyID(hex string) (stampcode.KeyID, error) {
	id, err := stampcode.ParseKeyID(hex)
	if err != nil {
		return id, ocop.Invalid("key_id", "8 chữ số hex, như `estamp keys list` hiển thị", "8 hex digits, as `estamp keys list` shows")
	}
	if _, ok := s.ring.Key(id); !ok {
		return id, &ocop.NotFoundError{What: "key", ID: hex}
	}
	return id, nil
}

func (s *Service) setState(ctx context.Context, id stampcode.KeyID, st keys.State, action audit.Action, detail string) error {
	ch := s.change(ctx)
	st.Since = ch.Time
	e := audit.Entry{Action: action, Target: id.String(), Detail: detail}
	if err := s.store.SetKeyStates(ctx, []store.KeyChange{{KeyID: id.String(), State: stateRecord(st)}}, ch, e); err != nil {
		return err
	}
	s.ring.SetState(id, st)
	return nil
}

func stateRecord(st keys.State) *storagev1.KeyState {
	return &storagev1.KeyState{Status: int32(st.Status), Reason: st.Reason, SinceUnixNano: st.Since.UnixNano()}
}

// StateOf reads a stored key state.
func StateOf(r *storagev1.KeyState) keys.State {
	return keys.State{Status: estampv1.KeyStatus(r.Status), Reason: r.Reason, Since: record.Time(r.SinceUnixNano)}
}

func (s *Service) describe(ctx context.Context, id stampcode.KeyID) (*estampv1.IssuerKey, error) {
	list, err := s.lister.ListIssuerKeys(ctx, &estampv1.ListIssuerKeysRequest{})
	if err != nil {
		return nil, err
	}
	for _, k := range list.Keys {
		if k.KeyId == id.String() {
			return k, nil
		}
	}
	return nil, fmt.Errorf("admin: key %s missing from the ring", id)
}

// ListAuditEntries implements estampv1.AdminServiceServer.
func (s *Service) ListAuditEntries(ctx context.Context, req *estampv1.ListAuditEntriesRequest) (*estampv1.ListAuditEntriesResponse, error) {
	limit, after, err := paging.Numbered(req)
	if err != nil {
		return nil, err
	}
	// from_sequence filters like any field of a list request: on every
	// page, whatever the token says.
	if from := req.GetFromSequence(); from > 0 {
		after = max(after, from-1)
	}
	list, more, err := s.store.AuditEntries(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	resp := &estampv1.ListAuditEntriesResponse{NextPageToken: paging.Next(list, more, func(last store.AuditEntry) string { return paging.NumberToken(last.Sequence) })}
	for _, e := range list {
		p := &estampv1.AuditEntry{Sequence: e.Sequence, Hash: e.Hash}
		if r := e.Record; r != nil {
			p.ChangeTime, p.Actor, p.Action, p.Target, p.Detail, p.PreviousHash = timestamppb.New(record.Time(r.TimeUnixNano)), r.Actor, r.Action, r.Target, r.Detail, r.PreviousHash
		} else {
			p.Action = "(damaged: does not match its hash)"
		}
		resp.Entries = append(resp.Entries, p)
	}
	return resp, nil
}

// VerifyAuditLog implements estampv1.AdminServiceServer.
func (s *Service) VerifyAuditLog(ctx context.Context, _ *estampv1.VerifyAuditLogRequest) (*estampv1.VerifyAuditLogResponse, error) {
	c, err := s.store.VerifyAudit(ctx)
	if err != nil {
		return nil, err
	}
	resp := &estampv1.VerifyAuditLogResponse{Intact: c.FirstBroken == 0 && len(c.Mismatches) == 0, Checked: c.Checked, FirstBrokenSequence: c.FirstBroken, Problem: c.Problem}
	for _, m := range c.Mismatches {
		resp.Mismatches = append(resp.Mismatches, &estampv1.AuditMismatch{Kind: m.Kind, Id: m.ID, Sequence: m.Sequence, Problem: m.Problem})
	}
	return resp, nil
}

// backupChunk is the payload of each BackupResponse: big enough to keep
// the per-message overhead small, far under the message size limit.
const backupChunk = 1 << 20

// Backup implements estampv1.AdminServiceServer.
func (s *Service) Backup(_ *estampv1.BackupRequest, stream estampv1.AdminService_BackupServer) error {
	w := &chunkWriter{send: stream.Send, buf: make([]byte, 0, backupChunk)}
	if _, err := s.store.WriteTo(stream.Context(), w, func(size int64) error { w.total = size; return nil }); err != nil {
		return err
	}
	return w.flush()
}

// chunkWriter turns the snapshot into messages of backupChunk bytes.
type chunkWriter struct {
	send  func(*estampv1.BackupResponse) error
	buf   []byte
	total int64
	sent  bool
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), cap(w.buf)-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == cap(w.buf) {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 && w.sent {
		return nil
	}
	msg := &estampv1.BackupResponse{Data: w.buf}
	if !w.sent {
		msg.TotalSize = w.total
	}
	if err := w.send(msg); err != nil {
		return err
	}
	w.sent = true
	w.buf = make([]byte, 0, backupChunk)
	return nil
}
