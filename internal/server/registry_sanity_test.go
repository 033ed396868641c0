package server_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// A renewal whose dates are nearly always a typing mistake is refused with
// the reason, and recorded when forced; the server's clock reads
// 2026-11-28.
func TestRenewalDatesMustMakeSense(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	e.issue(t, "NEM-CHUA", 2, "lot") // issued 2026-11-28, valid until 2028-08-19
	ctx := context.Background()
	renew := func(decision, date, until string, force bool) error {
		_, err := e.Registry.UpdateCertification(ctx, &estampv1.UpdateCertificationRequest{ProductId: "NEM-CHUA", Force: force,
			Change: &estampv1.UpdateCertificationRequest_Renewal{Renewal: &estampv1.Renewal{StarGrade: 4,
				Certificate: &estampv1.Certificate{DecisionNumber: decision, DecisionDate: date, ValidUntil: until}}}})
		return err
	}
	for _, tt := range []struct {
		name, decision, date, until string
		mention                     string
	}{
		{"already expired", "9/QĐ-UBND", "2021-01-04", "", "would already be expired: valid until 2024-01-03"},
		{"ends before a batch was issued", "9/QĐ-UBND", "2023-12-01", "2026-11-27", "would already be expired: valid until 2026-11-27"},
		{"shortens what stamps carry", "1/QĐ-UBND", "2025-08-20", "2027-01-01", "the stamps of batch 1, issued under decision 1/QĐ-UBND, say it is valid until 2028-08-19"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, renew(tt.decision, tt.date, tt.until, false), codes.FailedPrecondition, tt.mention)
			got, err := e.Registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: "NEM-CHUA"})
			if err != nil || got.Product.Certificate.DecisionDate != "2025-08-20" {
				t.Fatalf("a refused renewal changed the certificate: %v, %v", got.GetProduct().GetCertificate(), err)
			}
		})
	}
	if err := renew("10/QĐ-UBND", "2026-10-01", "", false); err != nil {
		t.Errorf("a sensible renewal: %v", err)
	}
	if err := renew("9/QĐ-UBND", "2021-01-04", "", true); err != nil {
		t.Errorf("a forced renewal: %v", err)
	}
	if got, _ := e.Registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: "NEM-CHUA"}); got.GetProduct().GetCertificate().GetStatus() != estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED {
		t.Errorf("after the forced renewal: %v", got.GetProduct().GetCertificate())
	}
}

// Two producers of one name are refused, whatever the letter case, unless
// the caller says they are two.
func TestProducerNamesAreDistinct(t *testing.T) {
	e := start(t)
	e.seedRegistry(t) // Hợp tác xã Nem chua Thanh Hóa
	ctx := context.Background()
	add := func(id, name string, allow bool) error {
		_, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{AllowDuplicateName: allow, Producer: &estampv1.Producer{
			Id: id, Name: name, Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
			Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Nga Sơn"}}})
		return err
	}
	// Decomposed "ó" (o + U+0301): the registry stores names in NFC.
	wantCode(t, add("HTX-2", "HỢP TÁC XÃ NEM CHUA THANH HO\u0301A", false), codes.AlreadyExists, "HTX-NEM-CHUA")
	if err := add("HTX-2", "Hợp tác xã Nem chua Thanh Hóa", true); err != nil {
		t.Errorf("allowed duplicate: %v", err)
	}
	if err := add("HTX-3", "Hợp tác xã Nem chua Nga Sơn", false); err != nil {
		t.Errorf("another name: %v", err)
	}
}
