// Package relay carries shops' receipts of stamps between provinces: a
// shop of province A that takes in a stamp of province B is recorded at A,
// and A reports the receipt to B (CustodyService.ReportReceipts), so that
// the same stamp at a shop of B, or of a third province, is a suspected
// copy. Reports are signed by the sending province's issuer key, which the
// national trust list names: no token needs to be shared between
// provinces. docs/trust-list.md §9 specifies the exchange.
package relay

import (
	"crypto"
	"crypto/ed25519"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
)

// signingContext separates a report's signature from every other thing an
// issuer key signs (stamps, which sign their payload under another
// context).
const signingContext = "estamp-receipts-v1\x00"

// MaxReceipts is the most receipts one report carries.
const MaxReceipts = 1000

// Sign encodes report and signs it with the sending issuer's key.
func Sign(report *estampv1.ReceiptReport, keyID stampcode.KeyID, signer crypto.Signer) (*estampv1.ReportReceiptsRequest, error) {
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(report)
	if err != nil {
		return nil, err
	}
	sig, err := signer.Sign(nil, append([]byte(signingContext), data...), crypto.Hash(0))
	if err != nil {
		return nil, fmt.Errorf("relay: sign: %w", err)
	}
	return &estampv1.ReportReceiptsRequest{Report: data, KeyId: keyID.String(), Signature: sig}, nil
}

// Open checks a signed report against the trust list and returns it: the
// key must be one the list gives the sending issuer, in good standing at
// now; the signature must hold over the bytes as sent; and the report must
// be addressed to ownID. Every refusal is InvalidArgument or
// FailedPrecondition naming why, for the sending province's log.
func Open(req *estampv1.ReportReceiptsRequest, list *trust.List, ownID string, now time.Time) (*estampv1.ReceiptReport, error) {
	if list == nil {
		return nil, ocop.Precondition("máy chủ này không giữ danh sách tin cậy quốc gia nào còn hạn", "this server holds no valid national trust list")
	}
	id, err := stampcode.ParseKeyID(req.GetKeyId())
	if err != nil {
		return nil, ocop.Invalid("key_id", "cần 8 chữ số hex", "want 8 hex digits")
	}
	var report estampv1.ReceiptReport
	if err := proto.Unmarshal(req.GetReport(), &report); err != nil {
		return nil, ocop.Invalid("report", "không đọc được", "cannot be read")
	}
	from, ok := issuerByID(list, report.GetFromIssuerId())
	if !ok {
		return nil, ocop.Invalid("report.from_issuer_id", "%q không có trong danh sách tin cậy", "%q is not on the trust list", report.GetFromIssuerId())
	}
	key, ok := from.Key(id)
	if !ok {
		return nil, ocop.Invalid("key_id", "khóa %s không phải của đơn vị %s", "key %s is not a key of issuer %s", id.String(), from.ID)
	}
	if !ed25519.Verify(key.Public, append([]byte(signingContext), req.GetReport()...), req.GetSignature()) {
		return nil, ocop.Invalid("signature", "chữ ký sai", "bad signature")
	}
	switch {
	case key.Status == trust.Compromised:
		return nil, ocop.Precondition("khóa %s của đơn vị %s đã bị lộ", "key %s of issuer %s is compromised", id.String(), from.ID)
	case !key.NotAfter.IsZero() && now.After(key.NotAfter):
		return nil, ocop.Precondition("khóa %s của đơn vị %s hết hiệu lực từ %s", "key %s of issuer %s is no longer trusted since %s", id.String(), from.ID, key.NotAfter.UTC().Format(time.RFC3339))
	case report.GetToIssuerId() != ownID:
		return nil, ocop.Invalid("report.to_issuer_id", "báo cáo gửi cho %q, đây là %q", "the report is for %q; this is %q", report.GetToIssuerId(), ownID)
	case len(report.GetReceipts()) == 0:
		return nil, ocop.Invalid("report.receipts", "bắt buộc", "required")
	case len(report.GetReceipts()) > MaxReceipts:
		return nil, ocop.Invalid("report.receipts", "%d mục, tối đa %d", "%d receipts, at most %d", len(report.GetReceipts()), MaxReceipts)
	}
	for i, r := range report.GetReceipts() {
		field := fmt.Sprintf("report.receipts[%d]", i)
		switch {
		case r.GetReceiptId() == 0:
			return nil, ocop.Invalid(field+".receipt_id", "bắt buộc", "required")
		case r.GetCode() == "" || len(r.GetCode()) > 1024:
			return nil, ocop.Invalid(field+".code", "cần mã đã quét, tối đa 1024 byte", "want the scanned code, at most 1024 bytes")
		case ocop.CheckID(field+".retailer_id", r.GetRetailerId()) != nil:
			return nil, ocop.CheckID(field+".retailer_id", r.GetRetailerId())
		case r.GetReceiveTime() == nil || r.GetReceiveTime().CheckValid() != nil:
			return nil, ocop.Invalid(field+".receive_time", "bắt buộc", "required")
		}
		for _, f := range []struct{ name, value string }{{"retailer_name", r.GetRetailerName()}, {"commune", r.GetCommune()}, {"province", r.GetProvince()}} {
			if _, err := ocop.Text(field+"."+f.name, f.value, false, ocop.MaxTextLength); err != nil {
				return nil, err
			}
		}
	}
	return &report, nil
}

func issuerByID(list *trust.List, id string) (trust.Issuer, bool) {
	for _, is := range list.Issuers {
		if is.ID == id {
			return is, true
		}
	}
	return trust.Issuer{}, false
}

// OwnID is the id of the trust list's entry for this service, as own
// recognises it; ok is false when the list does not name this service.
func OwnID(list *trust.List, own func(trust.Issuer) bool) (string, bool) {
	if list == nil {
		return "", false
	}
	for _, is := range list.Issuers {
		if own(is) {
			return is.ID, true
		}
	}
	return "", false
}
