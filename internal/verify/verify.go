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
	Record(ctx context.Context, serial uint64, at time.Time) (store.StampState, error)
}

// KeyRing holds the issuer's public keys.
type KeyRing interface {
	PublicKey(stampcode.KeyID) (ed25519.PublicKey, bool)
	All() []*keys.Key
}

// Service implements estampv1.VerificationServiceServer.
type Service struct {
	estampv1.UnimplementedVerificationServiceServer
	store    Store
	scans    ScanRecorder
	keys     KeyRing
	prefixes []string
	now      func() time.Time
	log      *slog.Logger
}

// New returns the service. Codes given as URLs must start with the prefix of
// one of baseURLs (the current one and any earlier ones).
func New(st Store, scans ScanRecorder, ring KeyRing, baseURLs []string, now func() time.Time, log *slog.Logger) (*Service, error) {
	s := &Service{store: st, scans: scans, keys: ring, now: now, log: log}
	for _, u := range baseURLs {
		p, err := stampcode.URLPrefix(u)
		if err != nil {
			return nil, err
		}
		s.prefixes = append(s.prefixes, p)
	}
	return s, nil
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
	tok, err := stampcode.Parse(code)
	if err != nil {
		if errors.Is(err, stampcode.ErrUnsupportedVersion) {
			return verdict(estampv1.Verdict_VERDICT_MALFORMED, "Mã tem dùng định dạng mới hơn phiên bản máy chủ này.", "The stamp uses a newer format than this server reads."), nil
		}
		return verdict(estampv1.Verdict_VERDICT_MALFORMED, "Đây không phải mã tem điện tử OCOP.", "This is not an OCOP e-stamp code."), nil
	}
	// The host part of a URL is not signed. A code under a URL that is not
	// ours is accepted only if it is the URL its batch was issued under (the
	// service has moved since); anything else may be a look-alike site.
	foreign := tok.Prefix != "" && !s.ourPrefix(tok.Prefix)
	unlessForeign := func(r *estampv1.VerifyResponse) (*estampv1.VerifyResponse, error) {
		if foreign {
			return lookAlike(), nil
		}
		return withIDs(r, tok.Claims), nil
	}
	c := tok.Claims
	pub, ok := s.keys.PublicKey(c.KeyID)
	if !ok {
		return unlessForeign(verdict(estampv1.Verdict_VERDICT_UNKNOWN_KEY, "Mã tem được ký bằng khóa không do đơn vị này cấp.", "The stamp is signed by a key this issuer does not know."))
	}
	if !tok.Verify(pub) {
		return unlessForeign(verdict(estampv1.Verdict_VERDICT_BAD_SIGNATURE, "Chữ ký không hợp lệ: mã tem đã bị sửa đổi hoặc làm giả.", "Invalid signature: the code was altered or forged."))
	}
	rec, err := s.store.Stamp(uint64(c.BatchID), c.Serial)
	if errors.As(err, new(*ocop.NotFoundError)) {
		return unlessForeign(notIssued())
	}
	if err != nil {
		return nil, err
	}
	if foreign && rec.Batch.BaseUrl != tok.Prefix {
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

// details builds the verdict of an issued stamp: the stamp's own revocation
// first, then its product's certificate.
func (s *Service) details(rec *store.StampRecord, st store.StampState, now time.Time) *estampv1.VerifyResponse {
	p := ocop.WithStatus(rec.Product, now)
	var r *estampv1.VerifyResponse
	switch {
	case rec.Batch.Revoked || st.Revoked():
		r = verdict(estampv1.Verdict_VERDICT_REVOKED, "Tem này đã bị thu hồi, không còn giá trị xác thực.", "This stamp has been revoked and no longer proves origin.")
	case p.Certificate.Status == estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED:
		r = verdict(estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, "Tem thật, nhưng giấy chứng nhận OCOP của sản phẩm đã bị thu hồi.", "Genuine stamp, but the product's OCOP certificate has been revoked.")
	case p.Certificate.Status == estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED:
		r = verdict(estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED, "Tem thật, nhưng giấy chứng nhận OCOP của sản phẩm đã hết hạn.", "Genuine stamp, but the product's OCOP certificate has expired.")
	case st.ScanCount <= 1:
		r = verdict(estampv1.Verdict_VERDICT_GENUINE, "Tem chính hãng. Đây là lần quét đầu tiên.", "Genuine stamp. This is its first scan.")
	default:
		r = verdict(estampv1.Verdict_VERDICT_GENUINE, "Tem chính hãng. Tem đã được quét trước đó; nếu bạn vừa mua hàng, hãy kiểm tra lịch sử quét.", "Genuine stamp. It has been scanned before; if you just bought this, check the scan history.")
	}
	a := rec.Producer.GetAddress()
	r.Product = p
	r.Producer = rec.Producer
	r.Origin = &estampv1.Origin{Commune: a.GetCommune(), Province: a.GetProvince(), LegacyDistrict: a.GetLegacyDistrict()}
	r.Batch = rec.Batch
	// The idempotency key is the producer's business, not the public's.
	r.Batch.RequestId = ""
	r.Scans = &estampv1.ScanHistory{
		ScanCount:     st.ScanCount,
		FirstScanTime: timestamppb.New(st.FirstScan),
		LastScanTime:  timestamppb.New(st.LastScan),
	}
	r.StampRevocationReason = st.RevocationReason
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
			Active:       i == 0,
		}
		if i > 0 {
			// A key stops signing when the next one is created.
			ik.NotAfter = timestamppb.New(all[i-1].Created)
		}
		resp.Keys = append(resp.Keys, ik)
	}
	return resp, nil
}
