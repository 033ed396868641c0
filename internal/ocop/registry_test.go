package ocop_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

func validProducer() *estampv1.Producer {
	return &estampv1.Producer{
		Id: "HTX-NEM-CHUA", Name: "Hợp tác xã Nem chua Thanh Hóa",
		Kind:    estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
		TaxCode: "2801234567", Phone: "+84 237 385 1234",
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành"},
	}
}

func validProduct() *estampv1.Product {
	return &estampv1.Product{
		Id: "NEM-CHUA", ProducerId: "HTX-NEM-CHUA", Name: "Nem chua Thanh Hóa",
		Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD, StarGrade: 4,
		Certificate: &estampv1.Certificate{DecisionNumber: "2345/QĐ-UBND", DecisionDate: "2025-08-20"},
	}
}

func TestNormalizeProducerRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*estampv1.Producer)
		field string
	}{
		{"empty id", func(p *estampv1.Producer) { p.Id = "" }, "producer.id"},
		{"id with space", func(p *estampv1.Producer) { p.Id = "HTX NEM" }, "producer.id"},
		{"id too long", func(p *estampv1.Producer) { p.Id = strings.Repeat("A", 65) }, "producer.id"},
		{"empty name", func(p *estampv1.Producer) { p.Name = "  " }, "producer.name"},
		{"name too long", func(p *estampv1.Producer) { p.Name = strings.Repeat("ệ", 201) }, "producer.name"},
		{"name not UTF-8", func(p *estampv1.Producer) { p.Name = "Nem \xff" }, "producer.name"},
		{"no kind", func(p *estampv1.Producer) { p.Kind = 0 }, "producer.kind"},
		{"unknown kind", func(p *estampv1.Producer) { p.Kind = 99 }, "producer.kind"},
		{"tax code letters", func(p *estampv1.Producer) { p.TaxCode = "28012345AB" }, "producer.tax_code"},
		{"tax code short", func(p *estampv1.Producer) { p.TaxCode = "123" }, "producer.tax_code"},
		{"bad phone", func(p *estampv1.Producer) { p.Phone = "call me" }, "producer.phone"},
		{"no address", func(p *estampv1.Producer) { p.Address = nil }, "producer.address"},
		{"no province", func(p *estampv1.Producer) { p.Address.Province = "" }, "producer.address.province"},
		{"no commune", func(p *estampv1.Producer) { p.Address.Commune = "" }, "producer.address.commune"},
		{"GLN with a wrong check digit", func(p *estampv1.Producer) { p.Gln = "8938000001006" }, "producer.gln"},
		{"GLN of 12 digits", func(p *estampv1.Producer) { p.Gln = "893800000100" }, "producer.gln"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProducer()
			tt.edit(p)
			var inv *ocop.InvalidError
			if err := ocop.NormalizeProducer(p); !errors.As(err, &inv) || inv.Field != tt.field {
				t.Errorf("error = %v, want invalid %s", err, tt.field)
			}
		})
	}
	if err := ocop.NormalizeProducer(validProducer()); err != nil {
		t.Errorf("valid producer refused: %v", err)
	}
}

// Names typed on different keyboards arrive composed or decomposed; they
// must be stored as the same NFC bytes.
func TestNormalizeProducerStoresNFC(t *testing.T) {
	p := validProducer()
	p.Name = norm.NFD.String("  Hợp tác xã   Chè lam Phủ Quảng ")
	p.Address.Commune = norm.NFD.String("Xã Vĩnh Lộc")
	if err := ocop.NormalizeProducer(p); err != nil {
		t.Fatal(err)
	}
	if want := "Hợp tác xã Chè lam Phủ Quảng"; p.Name != want || !norm.NFC.IsNormalString(p.Name) {
		t.Errorf("name = %q (% x), want NFC %q", p.Name, p.Name, want)
	}
	if p.Address.Commune != "Xã Vĩnh Lộc" {
		t.Errorf("commune = %q, want NFC", p.Address.Commune)
	}
}

func TestNormalizeProduct(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*estampv1.Product)
		field string // "" when valid
		check func(*testing.T, *estampv1.Product)
	}{
		{name: "valid 4 star gets provincial authority and 36 months", check: func(t *testing.T, p *estampv1.Product) {
			c := p.Certificate
			if c.Authority != estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_PROVINCIAL || c.ValidUntil != "2028-08-19" {
				t.Errorf("authority %v valid until %s; want provincial, 2028-08-19", c.Authority, c.ValidUntil)
			}
		}},
		{name: "5 star gets central authority", edit: func(p *estampv1.Product) { p.StarGrade = 5 }, check: func(t *testing.T, p *estampv1.Product) {
			if p.Certificate.Authority != estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL {
				t.Errorf("authority = %v, want central", p.Certificate.Authority)
			}
		}},
		{name: "explicit valid-until kept", edit: func(p *estampv1.Product) { p.Certificate.ValidUntil = "2027-01-01" }, check: func(t *testing.T, p *estampv1.Product) {
			if p.Certificate.ValidUntil != "2027-01-01" {
				t.Errorf("valid until = %s", p.Certificate.ValidUntil)
			}
		}},
		{name: "district 3 star before 2025 reform", edit: func(p *estampv1.Product) {
			p.StarGrade, p.Certificate.DecisionDate = 3, "2023-05-01"
			p.Certificate.Authority = estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_DISTRICT
		}},
		{name: "1 star may be registered", edit: func(p *estampv1.Product) { p.StarGrade = 1 }},
		{"grade 0", func(p *estampv1.Product) { p.StarGrade = 0 }, "product.star_grade", nil},
		{"grade 6", func(p *estampv1.Product) { p.StarGrade = 6 }, "product.star_grade", nil},
		{"no name", func(p *estampv1.Product) { p.Name = "" }, "product.name", nil},
		{"name too long", func(p *estampv1.Product) { p.Name = strings.Repeat("a", 201) }, "product.name", nil},
		{"no group", func(p *estampv1.Product) { p.Group = 0 }, "product.group", nil},
		{"no producer", func(p *estampv1.Product) { p.ProducerId = "" }, "product.producer_id", nil},
		{"no certificate", func(p *estampv1.Product) { p.Certificate = nil }, "product.certificate", nil},
		{"no decision number", func(p *estampv1.Product) { p.Certificate.DecisionNumber = "" }, "product.certificate.decision_number", nil},
		{"malformed decision date", func(p *estampv1.Product) { p.Certificate.DecisionDate = "20/08/2025" }, "product.certificate.decision_date", nil},
		{"impossible date", func(p *estampv1.Product) { p.Certificate.DecisionDate = "2025-02-30" }, "product.certificate.decision_date", nil},
		{"valid-until before decision", func(p *estampv1.Product) { p.Certificate.ValidUntil = "2025-01-01" }, "product.certificate.valid_until", nil},
		{"malformed valid-until", func(p *estampv1.Product) { p.Certificate.ValidUntil = "19/08/2028" }, "product.certificate.valid_until", nil},
		// A stamp carries the certificate's last day in 16 bits of days.
		{name: "valid-until the last day a stamp carries", edit: func(p *estampv1.Product) { p.Certificate.ValidUntil = "2149-06-06" }},
		{"valid-until past what a stamp carries", func(p *estampv1.Product) { p.Certificate.ValidUntil = "2149-06-07" }, "product.certificate.valid_until", nil},
		{"default valid-until past what a stamp carries", func(p *estampv1.Product) { p.Certificate.DecisionDate = "2146-06-08" }, "product.certificate.valid_until", nil},
		{"5 star by a province", func(p *estampv1.Product) {
			p.StarGrade = 5
			p.Certificate.Authority = estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_PROVINCIAL
		}, "product.certificate.authority", nil},
		{"4 star by the centre", func(p *estampv1.Product) {
			p.Certificate.Authority = estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL
		}, "product.certificate.authority", nil},
		{"district after the reform", func(p *estampv1.Product) {
			p.StarGrade = 3
			p.Certificate.Authority = estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_DISTRICT
		}, "product.certificate.authority", nil},
		// Paragraphs stay paragraphs: the stamp page shows the line
		// breaks; spaces, blank lines and decomposed letters do not
		// count.
		{name: "description", edit: func(p *estampv1.Product) {
			p.Description = "\r\n  Nem chua   làm từ thịt lợn.\r\n\r\n\n\tGói lá ổi " + norm.NFD.String("tươi") + ". \n\n"
		}, check: func(t *testing.T, p *estampv1.Product) {
			if want := "Nem chua làm từ thịt lợn.\n\nGói lá ổi tươi."; p.Description != want {
				t.Errorf("description = %q, want %q", p.Description, want)
			}
		}},
		{name: "description of 2000 characters", edit: func(p *estampv1.Product) {
			p.Description = strings.Repeat("ổ", 1000) + "\n" + strings.Repeat("a", 999)
		}},
		{"description of 2001 characters", func(p *estampv1.Product) {
			p.Description = strings.Repeat("ổ", 1000) + "\n" + strings.Repeat("a", 1000)
		}, "product.description", nil},
		{"description with a bidi override", func(p *estampv1.Product) { p.Description = "Nem\n\u202echua" }, "product.description", nil},
		{"description with a control character", func(p *estampv1.Product) { p.Description = "Nem\n\x00chua" }, "product.description", nil},
		// A GTIN is kept in the one form Digital Link and EPCIS use.
		{name: "GTIN-13 kept as GTIN-14", edit: func(p *estampv1.Product) { p.Gtin = " 8934673001335 " }, check: func(t *testing.T, p *estampv1.Product) {
			if p.Gtin != "08934673001335" {
				t.Errorf("gtin = %q, want 08934673001335", p.Gtin)
			}
		}},
		{"GTIN with a wrong check digit", func(p *estampv1.Product) { p.Gtin = "8934673001336" }, "product.gtin", nil},
		{"GTIN with a letter", func(p *estampv1.Product) { p.Gtin = "893467300133X" }, "product.gtin", nil},
		// Only SetProductPhoto, which checks the image, sets a photo.
		{name: "photo on create is ignored", edit: func(p *estampv1.Product) {
			p.PhotoUrl, p.PhotoWidth, p.PhotoHeight = "/photos/x.png", 10, 10
		}, check: func(t *testing.T, p *estampv1.Product) {
			if p.PhotoUrl != "" || p.PhotoWidth != 0 || p.PhotoHeight != 0 {
				t.Errorf("photo kept: %q %d × %d", p.PhotoUrl, p.PhotoWidth, p.PhotoHeight)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProduct()
			if tt.edit != nil {
				tt.edit(p)
			}
			err := ocop.NormalizeProduct(p)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if tt.check != nil {
					tt.check(t, p)
				}
				return
			}
			var inv *ocop.InvalidError
			if !errors.As(err, &inv) || inv.Field != tt.field {
				t.Errorf("error = %v, want invalid %s", err, tt.field)
			}
		})
	}
}

func TestCertificateStatus(t *testing.T) {
	c := &estampv1.Certificate{ValidUntil: "2028-08-19"}
	vn := time.FixedZone("ICT", 7*3600)
	tests := []struct {
		at   time.Time
		want estampv1.CertificateStatus
	}{
		{time.Date(2028, 8, 19, 23, 59, 0, 0, vn), estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE},
		// 2028-08-19 17:30 UTC is already 2028-08-20 in Vietnam.
		{time.Date(2028, 8, 19, 17, 30, 0, 0, time.UTC), estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED},
		{time.Date(2028, 8, 20, 0, 0, 0, 0, vn), estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED},
	}
	for _, tt := range tests {
		if got := ocop.CertificateStatus(c, tt.at); got != tt.want {
			t.Errorf("status at %v = %v, want %v", tt.at, got, tt.want)
		}
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := ocop.Revoke(c, "Không tái đánh giá", now); err != nil {
		t.Fatal(err)
	}
	if got := ocop.CertificateStatus(c, now); got != estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED {
		t.Errorf("after revoke: %v", got)
	}
	var pre *ocop.PreconditionError
	if err := ocop.Revoke(c, "again", now); !errors.As(err, &pre) {
		t.Errorf("second revoke: %v, want precondition error", err)
	}
}

// A shop's GLN is optional and checked like a producer's, named as the
// shop's own field.
func TestNormalizeRetailerGLN(t *testing.T) {
	for _, tt := range []struct {
		name, gln, want, field string
	}{
		{"none", "", "", ""},
		{"trimmed", " 8938000001005\n", "8938000001005", ""},
		{"wrong check digit", "8938000001006", "", "retailer.gln"},
		{"a GTIN-14's length", "18934673001332", "", "retailer.gln"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &estampv1.Retailer{Id: "CH-A", Name: "Cửa hàng A", Gln: tt.gln, Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành"}}
			err := ocop.NormalizeRetailer(r)
			if tt.field == "" {
				if err != nil || r.Gln != tt.want {
					t.Errorf("%v, gln %q; want %q", err, r.Gln, tt.want)
				}
				return
			}
			var inv *ocop.InvalidError
			if !errors.As(err, &inv) || inv.Field != tt.field {
				t.Errorf("error = %v, want invalid %s", err, tt.field)
			}
		})
	}
}
