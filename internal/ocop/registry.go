package ocop

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/stampcode"
)

// Limits on registry fields.
const (
	MaxIDLength     = 64
	MaxNameLength   = 200
	MaxTextLength   = 200
	MaxReasonLength = 500
	// MaxDescriptionLength bounds a product's description for buyers:
	// a few paragraphs, which a phone shows without much scrolling.
	MaxDescriptionLength = 2000
	// CertificateValidity is how long a certificate lasts unless the
	// decision says otherwise.
	CertificateValidity = 36 // months
	// ExpiryNotice is how many days ahead a certificate counts as
	// expiring — the office's overview lists it, a producer's pages warn —
	// the time a producer needs to be re-assessed.
	ExpiryNotice = 90 // days
	// MinCertifiedGrade is the lowest grade that is certified.
	MinCertifiedGrade = 3
)

// ReformDate is when districts were abolished (Resolution 202/2025/QH15).
var ReformDate = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

var (
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	taxCodePattern = regexp.MustCompile(`^[0-9]{10}(-[0-9]{3})?$`)
	phonePattern   = regexp.MustCompile(`^\+?[0-9][0-9 .]{6,18}[0-9]$`)
)

// CheckID validates a caller-chosen identifier.
func CheckID(field, id string) error {
	switch {
	case id == "":
		return Invalid(field, "bắt buộc", "required")
	case len(id) > MaxIDLength:
		return Invalid(field, "dài quá %d ký tự", "longer than %d characters", MaxIDLength)
	case !idPattern.MatchString(id):
		return Invalid(field, "%q chỉ được chứa A-Z, a-z, 0-9, '.', '_' và '-', bắt đầu bằng chữ hoặc số", "%q may hold only A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit", id)
	}
	return nil
}

// Text normalises free text to NFC with collapsed whitespace and checks its
// length. Vietnamese typed on different keyboards arrives composed or
// decomposed; NFC makes equal names equal bytes.
func Text(field, s string, required bool, maxLen int) (string, error) {
	if !utf8.ValidString(s) {
		return "", Invalid(field, "không phải văn bản UTF-8 hợp lệ", "not valid UTF-8")
	}
	s = strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	if s == "" {
		if required {
			return "", Invalid(field, "bắt buộc", "required")
		}
		return "", nil
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return "", Invalid(field, "%d ký tự, tối đa %d", "%d characters, at most %d allowed", n, maxLen)
	}
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return "", Invalid(field, "chứa ký tự điều khiển", "contains a control character")
		case unicode.Is(unicode.Cf, r):
			// Bidi overrides (U+202E), zero-width characters (U+200B)
			// and the like reorder or hide text in tables and on the
			// stamp page: a name would not read as it compares.
			return "", Invalid(field, "chứa ký tự định dạng vô hình U+%04X", "contains the invisible formatting character U+%04X", r)
		}
	}
	return s, nil
}

// Paragraphs normalises free text of several lines, such as a product's
// description: each line as Text does, at most one empty line between
// paragraphs and none at either end. maxLen counts every character kept,
// line breaks included.
func Paragraphs(field, s string, maxLen int) (string, error) {
	if !utf8.ValidString(s) {
		return "", Invalid(field, "không phải văn bản UTF-8 hợp lệ", "not valid UTF-8")
	}
	var lines []string
	gap := false
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		// Each line alone may be as long as the whole.
		l, err := Text(field, line, false, maxLen)
		if err != nil {
			return "", err
		}
		if l == "" {
			gap = len(lines) > 0
			continue
		}
		if gap {
			lines, gap = append(lines, ""), false
		}
		lines = append(lines, l)
	}
	out := strings.Join(lines, "\n")
	if n := utf8.RuneCountInString(out); n > maxLen {
		return "", Invalid(field, "%d ký tự, tối đa %d", "%d characters, at most %d allowed", n, maxLen)
	}
	return out, nil
}

// NormalizeProducer validates p in place for creation.
func NormalizeProducer(p *estampv1.Producer) error {
	if p == nil {
		return Invalid("producer", "bắt buộc", "required")
	}
	if err := CheckID("producer.id", p.Id); err != nil {
		return err
	}
	var err error
	if p.Name, err = Text("producer.name", p.Name, true, MaxNameLength); err != nil {
		return err
	}
	if _, ok := estampv1.ProducerKind_name[int32(p.Kind)]; !ok || p.Kind == estampv1.ProducerKind_PRODUCER_KIND_UNSPECIFIED {
		return Invalid("producer.kind", "bắt buộc: hợp tác xã, doanh nghiệp, hộ kinh doanh hoặc tổ hợp tác", "required: cooperative, enterprise, household business or cooperative group")
	}
	p.TaxCode = strings.TrimSpace(p.TaxCode)
	if p.TaxCode != "" && !taxCodePattern.MatchString(p.TaxCode) {
		return Invalid("producer.tax_code", "%q không phải 10 chữ số, hoặc 10 chữ số, '-' và 3 chữ số", "%q is not 10 digits or 10 digits, '-' and 3 digits", p.TaxCode)
	}
	p.Phone = strings.TrimSpace(p.Phone)
	if p.Phone != "" && !phonePattern.MatchString(p.Phone) {
		return Invalid("producer.phone", "%q không phải số điện thoại (chữ số, có thể bắt đầu bằng '+')", "%q is not a phone number (digits, optional leading '+')", p.Phone)
	}
	if err := normalizeAddress("producer.address", p.Address); err != nil {
		return err
	}
	if p.Gln, err = CheckGLN("producer.gln", p.Gln); err != nil {
		return err
	}
	p.CreateTime = nil
	return nil
}

// NormalizeProduct validates p in place for creation. The producer's
// existence is checked by the store, inside the transaction that writes.
func NormalizeProduct(p *estampv1.Product) error {
	if p == nil {
		return Invalid("product", "bắt buộc", "required")
	}
	if err := CheckID("product.id", p.Id); err != nil {
		return err
	}
	if err := CheckID("product.producer_id", p.ProducerId); err != nil {
		return err
	}
	var err error
	if p.Name, err = Text("product.name", p.Name, true, MaxNameLength); err != nil {
		return err
	}
	if _, ok := estampv1.ProductGroup_name[int32(p.Group)]; !ok || p.Group == estampv1.ProductGroup_PRODUCT_GROUP_UNSPECIFIED {
		return Invalid("product.group", "bắt buộc: một trong sáu nhóm sản phẩm theo Quyết định 148/QĐ-TTg", "required: one of the six groups of Decision 148/QĐ-TTg")
	}
	if err := NormalizeCertification(p.StarGrade, p.Certificate, "product"); err != nil {
		return err
	}
	if p.Description, err = Paragraphs("product.description", p.Description, MaxDescriptionLength); err != nil {
		return err
	}
	if p.Gtin, err = CheckGTIN("product.gtin", p.Gtin); err != nil {
		return err
	}
	p.Number = 0
	p.CreateTime = nil
	// The photo is set by SetProductPhoto, which checks the image: a URL
	// given here would name bytes nobody checked.
	p.PhotoUrl, p.PhotoWidth, p.PhotoHeight = "", 0, 0
	return nil
}

// NormalizeCertification validates a grade and its certificate, fills the
// authority and valid-until defaults, and clears output-only fields.
func NormalizeCertification(grade int32, c *estampv1.Certificate, prefix string) error {
	if grade < 1 || grade > 5 {
		return Invalid(prefix+".star_grade", "%d nằm ngoài khoảng 1..5", "%d is outside 1..5", grade)
	}
	field := prefix + ".certificate"
	if c == nil {
		return Invalid(field, "bắt buộc", "required")
	}
	var err error
	if c.DecisionNumber, err = Text(field+".decision_number", c.DecisionNumber, true, 100); err != nil {
		return err
	}
	decided, err := ParseDate(field+".decision_date", c.DecisionDate)
	if err != nil {
		return err
	}
	if c.ValidUntil == "" {
		c.ValidUntil = FormatDate(decided.AddDate(0, CertificateValidity, -1))
	}
	until, err := ParseDate(field+".valid_until", c.ValidUntil)
	if err != nil {
		return err
	}
	if until.Before(decided) {
		return Invalid(field+".valid_until", "%s trước ngày quyết định %s", "%s is before the decision date %s", c.ValidUntil, c.DecisionDate)
	}
	// Every stamp carries its certificate's last day: a later one would
	// be accepted here and fail each time its codes were signed.
	if until.After(stampcode.LastValidUntil) {
		return Invalid(field+".valid_until", "%s sau %s, ngày cuối cùng tem có thể ghi", "%s is after %s, the last day a stamp can carry", c.ValidUntil, FormatDate(stampcode.LastValidUntil))
	}
	if _, ok := estampv1.CertifyingAuthority_name[int32(c.Authority)]; !ok {
		return Invalid(field+".authority", "giá trị %d không xác định", "unknown value %d", c.Authority)
	}
	if c.Authority == estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_UNSPECIFIED {
		c.Authority = estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_PROVINCIAL
		if grade == 5 {
			c.Authority = estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL
		}
	}
	switch {
	case grade == 5 && c.Authority != estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL:
		return Invalid(field+".authority", "hạng 5★ chỉ do Trung ương công nhận", "5★ is certified at the central level only")
	case grade < 5 && c.Authority == estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL:
		return Invalid(field+".authority", "Trung ương chỉ công nhận hạng 5★; hạng %d★ do cấp tỉnh công nhận", "the central level certifies 5★ only; %d★ is provincial", grade)
	case c.Authority == estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_DISTRICT && grade != 3:
		return Invalid(field+".authority", "cấp huyện chỉ được công nhận hạng 3★", "a district could certify 3★ only")
	case c.Authority == estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_DISTRICT && !decided.Before(ReformDate):
		return Invalid(field+".authority", "cấp huyện đã bỏ từ ngày 01/07/2025; quyết định ghi ngày %s", "districts were abolished on 2025-07-01; decision dated %s", c.DecisionDate)
	}
	c.Status = estampv1.CertificateStatus_CERTIFICATE_STATUS_UNSPECIFIED
	c.RevocationReason = ""
	c.RevokeTime = nil
	return nil
}

// CertificateStatus is the status of a stored certificate on the day of now.
func CertificateStatus(c *estampv1.Certificate, now time.Time) estampv1.CertificateStatus {
	if c.GetRevokeTime() != nil {
		return estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED
	}
	if Expired(c.GetValidUntil(), now) {
		return estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED
	}
	return estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE
}

// WithStatus fills the computed certificate status of a stored product.
func WithStatus(p *estampv1.Product, now time.Time) *estampv1.Product {
	if p.GetCertificate() != nil {
		p.Certificate.Status = CertificateStatus(p.Certificate, now)
	}
	return p
}

// Revoke marks a certificate revoked.
func Revoke(c *estampv1.Certificate, reason string, now time.Time) error {
	r, err := Text("revocation.reason", reason, true, MaxReasonLength)
	if err != nil {
		return err
	}
	if c.GetRevokeTime() != nil {
		return Precondition("giấy chứng nhận %s đã bị thu hồi từ trước", "certificate %s is already revoked", c.DecisionNumber)
	}
	c.RevocationReason = r
	c.RevokeTime = timestamppb.New(now)
	return nil
}

// NormalizeRetailer validates r in place for creation.
func NormalizeRetailer(r *estampv1.Retailer) error {
	if r == nil {
		return Invalid("retailer", "bắt buộc", "required")
	}
	if err := CheckID("retailer.id", r.Id); err != nil {
		return err
	}
	var err error
	if r.Name, err = Text("retailer.name", r.Name, true, MaxNameLength); err != nil {
		return err
	}
	r.TaxCode = strings.TrimSpace(r.TaxCode)
	if r.TaxCode != "" && !taxCodePattern.MatchString(r.TaxCode) {
		return Invalid("retailer.tax_code", "%q không phải 10 chữ số, hoặc 10 chữ số, '-' và 3 chữ số", "%q is not 10 digits or 10 digits, '-' and 3 digits", r.TaxCode)
	}
	if err := normalizeAddress("retailer.address", r.Address); err != nil {
		return err
	}
	if r.Gln, err = CheckGLN("retailer.gln", r.Gln); err != nil {
		return err
	}
	r.CreateTime = nil
	return nil
}

// normalizeAddress validates an address: province and commune required,
// street and the pre-2025 district optional.
func normalizeAddress(field string, a *estampv1.Address) error {
	if a == nil {
		return Invalid(field, "bắt buộc", "required")
	}
	var err error
	if a.Province, err = Text(field+".province", a.Province, true, MaxTextLength); err != nil {
		return err
	}
	if a.Commune, err = Text(field+".commune", a.Commune, true, MaxTextLength); err != nil {
		return err
	}
	if a.Street, err = Text(field+".street", a.Street, false, MaxTextLength); err != nil {
		return err
	}
	a.LegacyDistrict, err = Text(field+".legacy_district", a.LegacyDistrict, false, MaxTextLength)
	return err
}
