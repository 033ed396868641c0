package verify

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// public fills in what a buyer is shown of an issued stamp's records; st
// is the stamp's state after this scan. It is the one place the answer
// reads the registry's records, and it is an allow-list: each public field
// is named and copied on its own, so that a field added to Producer,
// Product, Certificate or Batch stays private until it is chosen here and
// in verification.proto (TestPublicAnswerIsTheAllowList). Copying the
// records and blanking fields had made every new field public.
func public(r *estampv1.VerifyResponse, rec *record.Stamp, st *record.StampState, now time.Time) {
	p, c, b := rec.Product, rec.Product.GetCertificate(), rec.Batch
	r.Product = &estampv1.PublicProduct{
		Name:  p.GetName(),
		Group: p.GetGroup(),
		// The grade the label claims: the product may have been
		// regraded since, which the certificate's status tells.
		StarGrade: b.GetStarGrade(),
		Certificate: &estampv1.PublicCertificate{
			DecisionNumber:   c.GetDecisionNumber(),
			DecisionDate:     c.GetDecisionDate(),
			Authority:        c.GetAuthority(),
			ValidUntil:       c.GetValidUntil(),
			Status:           ocop.CertificateStatus(c, now),
			RevocationReason: c.GetRevocationReason(),
		},
		// What the producer tells buyers, and its photo: the office
		// checked both for the stamp page.
		Description: p.GetDescription(),
		PhotoUrl:    p.GetPhotoUrl(),
		PhotoWidth:  p.GetPhotoWidth(),
		PhotoHeight: p.GetPhotoHeight(),
		// The product's barcode number: a buyer compares it with the
		// barcode on the package.
		Gtin: p.GetGtin(),
	}
	a := rec.Producer.GetAddress()
	r.Producer = &estampv1.PublicProducer{
		Name: rec.Producer.GetName(),
		Kind: rec.Producer.GetKind(),
		Address: &estampv1.PublicAddress{
			Province:       a.GetProvince(),
			Commune:        a.GetCommune(),
			Street:         a.GetStreet(),
			LegacyDistrict: a.GetLegacyDistrict(),
		},
		Phone: rec.Producer.GetPhone(),
	}
	r.Origin = &estampv1.Origin{Commune: a.GetCommune(), Province: a.GetProvince(), LegacyDistrict: a.GetLegacyDistrict()}
	// A batch printed ahead has its lot and dates in the activation that
	// covers the stamp.
	lot := struct{ Lot, ProductionDate, ExpiryDate string }{b.GetLot(), b.GetProductionDate(), b.GetExpiryDate()}
	if a := rec.Activation; a != nil {
		lot.Lot, lot.ProductionDate, lot.ExpiryDate = a.GetLot(), a.GetProductionDate(), a.GetExpiryDate()
	}
	r.Batch = &estampv1.PublicBatch{
		Lot:              lot.Lot,
		ProductionDate:   lot.ProductionDate,
		ExpiryDate:       lot.ExpiryDate,
		IssueTime:        timestamp(b.GetIssueTime()),
		Revoked:          b.GetRevoked(),
		RevocationReason: b.GetRevocationReason(),
		RevokeTime:       timestamp(b.GetRevokeTime()),
	}
	r.Scans = &estampv1.ScanHistory{ScanCount: st.GetScanCount()}
	if st.GetScanCount() > 0 {
		r.Scans.FirstScanTime = timestamppb.New(record.Time(st.GetFirstScanUnixNano()))
		r.Scans.LastScanTime = timestamppb.New(record.Time(st.GetLastScanUnixNano()))
	}
	r.StampRevocationReason = st.GetRevocation().GetReason()
	if t := st.GetRevocation().GetTimeUnixNano(); t != 0 {
		r.StampRevokeTime = timestamppb.New(record.Time(t))
	}
}

// receipt is what a buyer sees of a shop's intake of a stamp: the shop's
// name and place, and when it first received the stamp; not its id, tax
// code or street, nor how often it scanned the stamp.
func receipt(shop *estampv1.Retailer, rc *record.Receipt) *estampv1.PublicReceipt {
	return &estampv1.PublicReceipt{
		RetailerName: shop.GetName(),
		Commune:      shop.GetAddress().GetCommune(),
		Province:     shop.GetAddress().GetProvince(),
		ReceiveTime:  timestamppb.New(record.Time(rc.GetFirstUnixNano())),
	}
}

// sale is what a buyer sees of a shop's sale of a stamp: as of a receipt,
// the shop's name and place, and when it sold the stamp; shop is nil
// when the registry no longer has it.
func sale(shop *estampv1.Retailer, sl *record.Sale) *estampv1.PublicSale {
	return &estampv1.PublicSale{
		RetailerName: shop.GetName(),
		Commune:      shop.GetAddress().GetCommune(),
		Province:     shop.GetAddress().GetProvince(),
		SaleTime:     timestamppb.New(record.Time(sl.GetTimeUnixNano())),
	}
}

// timestamp copies a stored time, so that the answer shares nothing with
// the record; nil stays nil.
func timestamp(ts *timestamppb.Timestamp) *timestamppb.Timestamp {
	if ts == nil {
		return nil
	}
	return timestamppb.New(ts.AsTime())
}
