package store

import (
	"encoding/binary"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/photo"
	"github.com/ocopvn/estamp/internal/record"
)

// The store's callers speak estamp.v1; the database keeps the registry in
// estamp.storage.v1 records, so that the API can change without the file
// changing with it. These are the only conversions between the two, one
// pair a record: what the API has and a record lacks is the record's key
// (the id) or computed when read (a certificate's status). A field added
// to the API fails TestRecordsKeepEveryField until it is stored here.

func producerRecord(p *estampv1.Producer) *storagev1.ProducerRecord {
	return &storagev1.ProducerRecord{
		Name:           p.Name,
		Kind:           int32(p.Kind),
		TaxCode:        p.TaxCode,
		Address:        addressRecord(p.Address),
		Phone:          p.Phone,
		CreateUnixNano: unixNano(p.CreateTime),
		Gln:            p.Gln,
	}
}

func producerOf(key []byte, r *storagev1.ProducerRecord) *estampv1.Producer {
	return &estampv1.Producer{
		Id:         string(key),
		Name:       r.Name,
		Kind:       estampv1.ProducerKind(r.Kind),
		TaxCode:    r.TaxCode,
		Address:    addressOf(r.Address),
		Phone:      r.Phone,
		CreateTime: timestamp(r.CreateUnixNano),
		Gln:        r.Gln,
	}
}

func addressRecord(a *estampv1.Address) *storagev1.AddressRecord {
	if a == nil {
		return nil
	}
	return &storagev1.AddressRecord{Province: a.Province, Commune: a.Commune, Street: a.Street, LegacyDistrict: a.LegacyDistrict}
}

func addressOf(r *storagev1.AddressRecord) *estampv1.Address {
	if r == nil {
		return nil
	}
	return &estampv1.Address{Province: r.Province, Commune: r.Commune, Street: r.Street, LegacyDistrict: r.LegacyDistrict}
}

func productRecord(p *estampv1.Product) *storagev1.ProductRecord {
	return &storagev1.ProductRecord{
		ProducerId:     p.ProducerId,
		Name:           p.Name,
		Group:          int32(p.Group),
		StarGrade:      p.StarGrade,
		Certificate:    certificateRecord(p.Certificate),
		Number:         p.Number,
		CreateUnixNano: unixNano(p.CreateTime),
		Description:    p.Description,
		Photo:          photoRecord(p),
		Gtin:           p.Gtin,
	}
}

func productOf(key []byte, r *storagev1.ProductRecord) *estampv1.Product {
	p := &estampv1.Product{
		Id:          string(key),
		ProducerId:  r.ProducerId,
		Name:        r.Name,
		Group:       estampv1.ProductGroup(r.Group),
		StarGrade:   r.StarGrade,
		Certificate: certificateOf(r.Certificate),
		Number:      r.Number,
		CreateTime:  timestamp(r.CreateUnixNano),
		Description: r.Description,
		Gtin:        r.Gtin,
	}
	if ph := r.Photo; ph != nil {
		p.PhotoUrl, p.PhotoWidth, p.PhotoHeight = photo.URL(ph.Sha256, ph.ContentType), ph.Width, ph.Height
	}
	return p
}

// photoRecord is what a product's record keeps of its photo: the API's
// address names the bytes (by SHA-256) and their type, which the record
// keeps as such. None for a product without a photo.
func photoRecord(p *estampv1.Product) *storagev1.PhotoRecord {
	sum, ct, ok := photo.ParseURL(p.PhotoUrl)
	if !ok {
		return nil
	}
	return &storagev1.PhotoRecord{Sha256: sum, ContentType: ct, Width: p.PhotoWidth, Height: p.PhotoHeight}
}

// certificateRecord leaves out the status, which depends on the day it
// is read (ocop.WithStatus fills it in).
func certificateRecord(c *estampv1.Certificate) *storagev1.CertificateRecord {
	if c == nil {
		return nil
	}
	return &storagev1.CertificateRecord{
		DecisionNumber:   c.DecisionNumber,
		Authority:        int32(c.Authority),
		DecisionDate:     c.DecisionDate,
		ValidUntil:       c.ValidUntil,
		RevocationReason: c.RevocationReason,
		RevokeUnixNano:   unixNano(c.RevokeTime),
	}
}

func certificateOf(r *storagev1.CertificateRecord) *estampv1.Certificate {
	if r == nil {
		return nil
	}
	return &estampv1.Certificate{
		DecisionNumber:   r.DecisionNumber,
		Authority:        estampv1.CertifyingAuthority(r.Authority),
		DecisionDate:     r.DecisionDate,
		ValidUntil:       r.ValidUntil,
		RevocationReason: r.RevocationReason,
		RevokeTime:       timestamp(r.RevokeUnixNano),
	}
}

func retailerRecord(r *estampv1.Retailer) *storagev1.RetailerRecord {
	return &storagev1.RetailerRecord{
		Name:           r.Name,
		Address:        addressRecord(r.Address),
		TaxCode:        r.TaxCode,
		CreateUnixNano: unixNano(r.CreateTime),
		Gln:            r.Gln,
	}
}

func retailerOf(key []byte, r *storagev1.RetailerRecord) *estampv1.Retailer {
	return &estampv1.Retailer{
		Id:         string(key),
		Name:       r.Name,
		Address:    addressOf(r.Address),
		TaxCode:    r.TaxCode,
		CreateTime: timestamp(r.CreateUnixNano),
		Gln:        r.Gln,
	}
}

func batchRecord(b *estampv1.Batch) *storagev1.BatchRecord {
	return &storagev1.BatchRecord{
		ProductId:                 b.ProductId,
		Lot:                       b.Lot,
		ProductionDate:            b.ProductionDate,
		ExpiryDate:                b.ExpiryDate,
		Quantity:                  b.Quantity,
		FirstSerial:               b.FirstSerial,
		StarGrade:                 b.StarGrade,
		CertificateDecisionNumber: b.CertificateDecisionNumber,
		ValidUntil:                b.ValidUntil,
		KeyId:                     b.KeyId,
		IssueUnixNano:             unixNano(b.IssueTime),
		RequestId:                 b.RequestId,
		Revoked:                   b.Revoked,
		RevocationReason:          b.RevocationReason,
		RevokeUnixNano:            unixNano(b.RevokeTime),
		RevokedBy:                 b.RevokedBy,
		BaseUrl:                   b.BaseUrl,
		IssuedInactive:            b.IssuedInactive,
	}
}

// batchOf reads a batch stored under key, its id as 8 big-endian bytes.
func batchOf(key []byte, r *storagev1.BatchRecord) *estampv1.Batch {
	return &estampv1.Batch{
		Id:                        binary.BigEndian.Uint64(key),
		ProductId:                 r.ProductId,
		Lot:                       r.Lot,
		ProductionDate:            r.ProductionDate,
		ExpiryDate:                r.ExpiryDate,
		Quantity:                  r.Quantity,
		FirstSerial:               r.FirstSerial,
		StarGrade:                 r.StarGrade,
		CertificateDecisionNumber: r.CertificateDecisionNumber,
		ValidUntil:                r.ValidUntil,
		KeyId:                     r.KeyId,
		IssueTime:                 timestamp(r.IssueUnixNano),
		RequestId:                 r.RequestId,
		Revoked:                   r.Revoked,
		RevocationReason:          r.RevocationReason,
		RevokeTime:                timestamp(r.RevokeUnixNano),
		RevokedBy:                 r.RevokedBy,
		BaseUrl:                   r.BaseUrl,
		IssuedInactive:            r.IssuedInactive,
	}
}

// unixNano is a time as records keep it; 0 for none. The store's clock
// sets every time it keeps, so each falls within int64 nanoseconds.
func unixNano(ts *timestamppb.Timestamp) int64 {
	if ts == nil {
		return 0
	}
	return ts.AsTime().UnixNano()
}

// timestamp is a record's time as the API gives it; none for 0.
func timestamp(unixNano int64) *timestamppb.Timestamp {
	if unixNano == 0 {
		return nil
	}
	return timestamppb.New(record.Time(unixNano))
}
