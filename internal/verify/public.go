package verify

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// answer holds the messages of one answer's public part, allocated as
// one: every scan builds them, and a dozen small allocations a call were
// a measurable part of a verification's own work (BenchmarkCallCPU).
// They live as long as the answer, which is all that refers to them.
type answer struct {
	product                      estampv1.PublicProduct
	certificate                  estampv1.PublicCertificate
	producer                     estampv1.PublicProducer
	address                      estampv1.PublicAddress
	origin                       estampv1.Origin
	batch                        estampv1.PublicBatch
	scans                        estampv1.ScanHistory
	issued, revoked, first, last timestamppb.Timestamp
	stampRevoked                 timestamppb.Timestamp
}

// public fills in what a buyer is shown of an issued stamp's records; st
// is the stamp's state after this scan. It is the one place the answer
// reads the registry's records, and it is an allow-list: each public field
// is named and copied on its own, so that a field added to Producer,
// Product, Certificate or Batch stays private until it is chosen here and
// in verification.proto (TestPublicAnswerIsTheAllowList). Copying the
// records and blanking fields had made every new field public.
func public(r *estampv1.VerifyResponse, rec *record.Stamp, st *record.StampState, now time.Time) {
	p, c, b := rec.Product, rec.Product.GetCertificate(), rec.Batch
	a := new(answer)

	cert := &a.certificate
	cert.DecisionNumber = c.GetDecisionNumber()
	cert.DecisionDate = c.GetDecisionDate()
	cert.Authority = c.GetAuthority()
	cert.ValidUntil = c.GetValidUntil()
	cert.Status = ocop.CertificateStatus(c, now)
	cert.RevocationReason = c.GetRevocationReason()

	prod := &a.product
	prod.Name = p.GetName()
	prod.Group = p.GetGroup()
	// The grade the label claims: the product may have been regraded
	// since, which the certificate's status tells.
	prod.StarGrade = b.GetStarGrade()
	prod.Certificate = cert
	// What the producer tells buyers, and its photo: the office checked
	// both for the stamp page.
	prod.Description = p.GetDescription()
	prod.PhotoUrl = p.GetPhotoUrl()
	prod.PhotoWidth = p.GetPhotoWidth()
	prod.PhotoHeight = p.GetPhotoHeight()
	// The product's barcode number: a buyer compares it with the barcode
	// on the package.
	prod.Gtin = p.GetGtin()
	r.Product = prod

	addr := rec.Producer.GetAddress()
	a.address.Province = addr.GetProvince()
	a.address.Commune = addr.GetCommune()
	a.address.Street = addr.GetStreet()
	a.address.LegacyDistrict = addr.GetLegacyDistrict()
	a.producer.Name = rec.Producer.GetName()
	a.producer.Kind = rec.Producer.GetKind()
	a.producer.Address = &a.address
	a.producer.Phone = rec.Producer.GetPhone()
	r.Producer = &a.producer

	a.origin.Commune = addr.GetCommune()
	a.origin.Province = addr.GetProvince()
	a.origin.LegacyDistrict = addr.GetLegacyDistrict()
	r.Origin = &a.origin

	// A batch printed ahead has its lot and dates in the activation that
	// covers the stamp.
	lot := &a.batch
	lot.Lot, lot.ProductionDate, lot.ExpiryDate = b.GetLot(), b.GetProductionDate(), b.GetExpiryDate()
	if act := rec.Activation; act != nil {
		lot.Lot, lot.ProductionDate, lot.ExpiryDate = act.GetLot(), act.GetProductionDate(), act.GetExpiryDate()
	}
	lot.IssueTime = copyTime(&a.issued, b.GetIssueTime())
	lot.Revoked = b.GetRevoked()
	lot.RevocationReason = b.GetRevocationReason()
	lot.RevokeTime = copyTime(&a.revoked, b.GetRevokeTime())
	r.Batch = lot

	a.scans.ScanCount = st.GetScanCount()
	if st.GetScanCount() > 0 {
		a.scans.FirstScanTime = unixNano(&a.first, st.GetFirstScanUnixNano())
		a.scans.LastScanTime = unixNano(&a.last, st.GetLastScanUnixNano())
	}
	r.Scans = &a.scans
	r.StampRevocationReason = st.GetRevocation().GetReason()
	if t := st.GetRevocation().GetTimeUnixNano(); t != 0 {
		r.StampRevokeTime = unixNano(&a.stampRevoked, t)
	}
}

// copyTime copies a stored time into dst, so that the answer shares
// nothing with the record; nil stays nil.
func copyTime(dst, ts *timestamppb.Timestamp) *timestamppb.Timestamp {
	if ts == nil {
		return nil
	}
	dst.Seconds, dst.Nanos = ts.GetSeconds(), ts.GetNanos()
	return dst
}

// unixNano sets dst to a stored time in Unix nanoseconds, as
// timestamppb.New(record.Time(n)) would.
func unixNano(dst *timestamppb.Timestamp, n int64) *timestamppb.Timestamp {
	t := record.Time(n)
	dst.Seconds, dst.Nanos = t.Unix(), int32(t.Nanosecond())
	return dst
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
