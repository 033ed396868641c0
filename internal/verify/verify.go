// Package verify implements VerificationService: it checks a scanned code
// offline (format and signature) and online (issuance records), records the
// scan, and answers with what a consumer or retailer needs to decide.
package verify

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
)

// MaxCodeLength bounds the scanned text; real codes are under 200.
const MaxCodeLength = 4096

// Store is what verification reads.
type Store interface {
	Stamp(batchID, serial uint64) (*store.StampRecord, error)
}

// ScanRecorder records one scan durably.
type ScanRecorder interface {
	Record(ctx context.Context, serial uint64, at time.Time) (*store.StampState, error)
}

// KeyRing holds the issuer's public keys.
type KeyRing interface {
	Key(stampcode.KeyID) (*keys.Key, bool)
	State(stampcode.KeyID) keys.State
	All() []*keys.Key
}

// DefaultManyScans is the scan count above which a genuine stamp gets the
// MANY_SCANS warning: one item is rarely scanned more often.
const DefaultManyScans = 5

// Service implements estampv1.VerificationServiceServer.
type Service struct {
	estampv1.UnimplementedVerificationServiceServer
	store     Store
	scans     ScanRecorder
	keys      KeyRing
	prefixes  []string
	now       func() time.Time
	log       *slog.Logger
	manyScans uint64
}

// SetManyScans sets the MANY_SCANS threshold.
func (s *Service) SetManyScans(n uint64) { s.manyScans = n }

// New returns the service. Codes given as URLs must start with the prefix of
// one of baseURLs (the current one and any earlier ones).
func New(st Store, scans ScanRecorder, ring KeyRing, baseURLs []string, now func() time.Time, log *slog.Logger) (*Service, error) {
	s := &Service{store: st, scans: scans, keys: ring, now: now, log: log, manyScans: DefaultManyScans}
	for _, u := range baseURLs {
		p, err := stampcode.URLPrefix(u)
		if err != nil {
			return nil, err
		}
		s.prefixes = append(s.prefixes, p)
	}
	return s, nil
}

// Checked is the offline part of verifying a code: its form, its URL and
// its signature.
type Checked struct {
	Claims stampcode.Claims
	// Prefix is the upper-cased URL before the token; "" for a bare token.
	Prefix string
	// Foreign means the URL is not ours: the code is good only if it is the
	// URL its batch was issued under.
	Foreign bool
	// Verdict is UNSPECIFIED when the code passed; otherwise why not.
	Verdict estampv1.Verdict
	// Readable means Claims were read (the verdict may still be bad).
	Readable bool
	// NewerFormat means a MALFORMED code is of a later format version.
	NewerFormat bool
	// CompromiseReason says why the signing key of a KEY_COMPROMISED code
	// was marked compromised.
	CompromiseReason string
}

// Check verifies a code without the database. The caller has trimmed it
// and checked it is not empty.
func (s *Service) Check(code string) Checked {
	tok, err := stampcode.Parse(code)
	if err != nil {
		return Checked{Verdict: estampv1.Verdict_VERDICT_MALFORMED, NewerFormat: errors.Is(err, stampcode.ErrUnsupportedVersion)}
	}
	c := Checked{Claims: tok.Claims, Prefix: tok.Prefix, Readable: true}
	c.Foreign = tok.Prefix != "" && !s.ourPrefix(tok.Prefix)
	k, ok := s.keys.Key(tok.Claims.KeyID)
	switch {
	case !ok:
		c.Verdict = estampv1.Verdict_VERDICT_UNKNOWN_KEY
	case !signedBy(tok, k):
		c.Verdict = estampv1.Verdict_VERDICT_BAD_SIGNATURE
	default:
		if st := s.keys.State(tok.Claims.KeyID); st.Status == estampv1.KeyStatus_KEY_STATUS_COMPROMISED {
			c.Verdict, c.CompromiseReason = estampv1.Verdict_VERDICT_KEY_COMPROMISED, st.Reason
		}
	}
	return c
}

// Verify implements estampv1.VerificationServiceServer.
func (s *Service) Verify(ctx context.Context, req *estampv1.VerifyRequest) (*estampv1.VerifyResponse, error) {
	code := strings.TrimSpace(req.GetCode())
	switch {
	case code == "":
		return nil, ocop.Invalid("code", "required: the scanned text of the QR code")
	case len(code) > MaxCodeLength:
		return nil, ocop.Invalid("code", "%d bytes, at most %d", len(code), MaxCodeLength)
	}
	chk := s.Check(code)
	if chk.NewerFormat {
		return verdict(estampv1.Verdict_VERDICT_MALFORMED, "Mã tem dùng định dạng mới hơn phiên bản máy chủ này.", "The stamp uses a newer format than this server reads."), nil
	}
	// The host part of a URL is not signed. A code under a URL that is not
	// ours is accepted only if it is the URL its batch was issued under (the
	// service has moved since); anything else may be a look-alike site.
	fail := func(r *estampv1.VerifyResponse) (*estampv1.VerifyResponse, error) {
		if chk.Foreign {
			return lookAlike(), nil
		}
		return withIDs(r, chk.Claims), nil
	}
	switch chk.Verdict {
	case estampv1.Verdict_VERDICT_MALFORMED:
		return verdict(estampv1.Verdict_VERDICT_MALFORMED, "Đây không phải mã tem điện tử OCOP.", "This is not an OCOP e-stamp code."), nil
	case estampv1.Verdict_VERDICT_UNKNOWN_KEY:
		return fail(verdict(estampv1.Verdict_VERDICT_UNKNOWN_KEY, "Mã tem được ký bằng khóa không do đơn vị này cấp.", "The stamp is signed by a key this issuer does not know."))
	case estampv1.Verdict_VERDICT_BAD_SIGNATURE:
		return fail(verdict(estampv1.Verdict_VERDICT_BAD_SIGNATURE, "Chữ ký không hợp lệ: mã tem đã bị sửa đổi hoặc làm giả.", "Invalid signature: the code was altered or forged."))
	case estampv1.Verdict_VERDICT_KEY_COMPROMISED:
		return fail(verdict(estampv1.Verdict_VERDICT_KEY_COMPROMISED,
			"Khóa ký của tem này đã bị lộ, nên chữ ký không chứng minh được tem là thật. Lý do: "+chk.CompromiseReason,
			"The key that signed this stamp was compromised, so its signature proves nothing. Reason: "+chk.CompromiseReason))
	}
	c := chk.Claims
	rec, err := s.store.Stamp(uint64(c.BatchID), c.Serial)
	if errors.As(err, new(*ocop.NotFoundError)) {
		return fail(notIssued())
	}
	if err != nil {
		return nil, err
	}
	if chk.Foreign && rec.Batch.BaseUrl != chk.Prefix {
		return lookAlike(), nil
	}
	if rec.Product.Number != c.ProductNumber {
		s.log.Warn("signed stamp disagrees with its batch", "serial", c.Serial, "batch", c.BatchID, "claimed_product", c.ProductNumber, "stored_product", rec.Product.Number)
		return withIDs(notIssued(), c), nil
	}
	now := s.now()
	state, err := s.scans.Record(ctx, c.Serial, now)
	if err != nil {
		return nil, err
	}
	resp := s.details(rec, state, now)
	resp.Serial, resp.KeyId = c.Serial, c.KeyID.String()
	return resp, nil
}

func (s *Service) ourPrefix(p string) bool {
	for _, ours := range s.prefixes {
		if p == ours {
			return true
		}
	}
	return false
}

func lookAlike() *estampv1.VerifyResponse {
	return verdict(estampv1.Verdict_VERDICT_MALFORMED, "Địa chỉ trong mã không thuộc hệ thống tem OCOP này.", "The address in the code does not belong to this OCOP stamp service.")
}

func notIssued() *estampv1.VerifyResponse {
	return verdict(estampv1.Verdict_VERDICT_NOT_ISSUED, "Chữ ký hợp lệ nhưng không có tem nào như vậy được phát hành.", "The signature is valid but no such stamp was issued.")
}

func verdict(v estampv1.Verdict, vi, en string) *estampv1.VerifyResponse {
	return &estampv1.VerifyResponse{Verdict: v, Message: vi, MessageEn: en}
}

func withIDs(r *estampv1.VerifyResponse, c stampcode.Claims) *estampv1.VerifyResponse {
	r.Serial, r.KeyId = c.Serial, c.KeyID.String()
	return r
}

// Assess is the verdict of an issued stamp: the stamp's own revocation
// first, then its product's certificate. The reason is the revocation's.
func Assess(rec *store.StampRecord, now time.Time) (estampv1.Verdict, string) {
	switch {
	case rec.State.GetRevocation() != nil:
		return estampv1.Verdict_VERDICT_REVOKED, rec.State.Revocation.Reason
	case rec.Batch.Revoked:
		return estampv1.Verdict_VERDICT_REVOKED, rec.Batch.RevocationReason
	}
	switch ocop.CertificateStatus(rec.Product.GetCertificate(), now) {
	case estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED:
		return estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, rec.Product.Certificate.RevocationReason
	case estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED:
		return estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED, ""
	}
	return estampv1.Verdict_VERDICT_GENUINE, ""
}

// warnings are the signs that a stamp was copied.
func (s *Service) warnings(st *store.StampState) []estampv1.VerifyWarning {
	var w []estampv1.VerifyWarning
	if st.GetScanCount() > s.manyScans {
		w = append(w, estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS)
	}
	if len(st.GetReceipts()) > 1 {
		w = append(w, estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS)
	}
	return w
}

// details builds the answer for an issued stamp.
func (s *Service) details(rec *store.StampRecord, st *store.StampState, now time.Time) *estampv1.VerifyResponse {
	p := ocop.WithStatus(rec.Product, now)
	v, reason := Assess(rec, now)
	var r *estampv1.VerifyResponse
	warnings := s.warnings(st)
	switch {
	case v == estampv1.Verdict_VERDICT_REVOKED:
		r = verdict(v, "Tem này đã bị thu hồi: "+reason, "This stamp has been revoked: "+reason)
	case v == estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED:
		r = verdict(v, "Tem thật, nhưng giấy chứng nhận OCOP của sản phẩm đã bị thu hồi.", "Genuine stamp, but the product's OCOP certificate has been revoked.")
	case v == estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED:
		r = verdict(v, "Tem thật, nhưng giấy chứng nhận OCOP của sản phẩm đã hết hạn.", "Genuine stamp, but the product's OCOP certificate has expired.")
	case len(warnings) > 0:
		r = verdict(v, "Tem có chữ ký hợp lệ nhưng có dấu hiệu bị sao chép: tem đã được quét nhiều lần hoặc đã được nhiều cửa hàng nhận.", "The stamp is validly signed but shows signs of copying: it was scanned many times or received by several shops.")
	case st.GetScanCount() <= 1:
		r = verdict(v, "Tem chính hãng. Đây là lần quét đầu tiên.", "Genuine stamp. This is its first scan.")
	default:
		r = verdict(v, "Tem chính hãng. Tem đã được quét trước đó; nếu bạn vừa mua hàng, hãy kiểm tra lịch sử quét.", "Genuine stamp. It has been scanned before; if you just bought this, check the scan history.")
	}
	r.Warnings = warnings
	a := rec.Producer.GetAddress()
	r.Product = p
	r.Producer = rec.Producer
	r.Origin = &estampv1.Origin{Commune: a.GetCommune(), Province: a.GetProvince(), LegacyDistrict: a.GetLegacyDistrict()}
	r.Batch = rec.Batch
	// The idempotency key and who revoked are the producer's business.
	r.Batch.RequestId, r.Batch.RevokedBy = "", ""
	r.Scans = &estampv1.ScanHistory{
		ScanCount:     st.GetScanCount(),
		FirstScanTime: timestamppb.New(store.Time(st.GetFirstScanUnixNano())),
		LastScanTime:  timestamppb.New(store.Time(st.GetLastScanUnixNano())),
	}
	r.StampRevocationReason = st.GetRevocation().GetReason()
	return r
}

// ListIssuerKeys implements estampv1.VerificationServiceServer.
func (s *Service) ListIssuerKeys(context.Context, *estampv1.ListIssuerKeysRequest) (*estampv1.ListIssuerKeysResponse, error) {
	resp := &estampv1.ListIssuerKeysResponse{}
	all := s.keys.All()
	for i, k := range all {
		der, err := x509.MarshalPKIXPublicKey(k.Public)
		if err != nil {
			return nil, err
		}
		ik := &estampv1.IssuerKey{
			KeyId:        k.ID.String(),
			Algorithm:    "Ed25519",
			PublicKey:    append([]byte(nil), k.Public...),
			PublicKeyPem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
			NotBefore:    timestamppb.New(k.Created),
		}
		st := s.keys.State(k.ID)
		ik.Status, ik.Active = st.Status, st.Status == estampv1.KeyStatus_KEY_STATUS_ACTIVE
		switch {
		case !st.Since.IsZero() && !ik.Active:
			ik.NotAfter = timestamppb.New(st.Since)
		case i > 0 && !ik.Active:
			// A key without a recorded retirement stopped signing when
			// the next one was created.
			ik.NotAfter = timestamppb.New(all[i-1].Created)
		}
		if st.Status == estampv1.KeyStatus_KEY_STATUS_COMPROMISED {
			ik.CompromiseReason = st.Reason
		}
		resp.Keys = append(resp.Keys, ik)
	}
	// Active first, as documented, even when keys share a creation second.
	sort.SliceStable(resp.Keys, func(i, j int) bool { return resp.Keys[i].Active && !resp.Keys[j].Active })
	return resp, nil
}

// signedBy checks a token's signature, by re-signing when the private key
// is in memory: the costliest step of a verification, at less than half
// the price (see stampcode.Token.VerifyBySigning).
func signedBy(tok *stampcode.Token, k *keys.Key) bool {
	if priv, ok := k.Signer.(ed25519.PrivateKey); ok {
		return tok.VerifyBySigning(priv)
	}
	return tok.Verify(k.Public)
}
