package ocop

import estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"

// Lang is a language people read estamp in: Vietnamese first, English
// second.
type Lang string

// The languages.
const (
	VI Lang = "vi"
	EN Lang = "en"
)

type names[K comparable] map[K][2]string // [vi, en]

func (n names[K]) of(k K, lang Lang) string {
	v, ok := n[k]
	if !ok {
		return ""
	}
	if lang == EN {
		return v[1]
	}
	return v[0]
}

var (
	kindNames = names[estampv1.ProducerKind]{
		estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE:        {"Hợp tác xã", "Cooperative"},
		estampv1.ProducerKind_PRODUCER_KIND_ENTERPRISE:         {"Doanh nghiệp", "Enterprise"},
		estampv1.ProducerKind_PRODUCER_KIND_HOUSEHOLD_BUSINESS: {"Hộ kinh doanh", "Household business"},
		estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE_GROUP:  {"Tổ hợp tác", "Cooperative group"},
	}
	groupNames = names[estampv1.ProductGroup]{
		estampv1.ProductGroup_PRODUCT_GROUP_FOOD:            {"Thực phẩm", "Food"},
		estampv1.ProductGroup_PRODUCT_GROUP_BEVERAGE:        {"Đồ uống", "Beverages"},
		estampv1.ProductGroup_PRODUCT_GROUP_HERBAL:          {"Dược liệu", "Medicinal herbs"},
		estampv1.ProductGroup_PRODUCT_GROUP_HANDICRAFT:      {"Thủ công mỹ nghệ", "Handicrafts"},
		estampv1.ProductGroup_PRODUCT_GROUP_ORNAMENTAL:      {"Sinh vật cảnh", "Ornamental plants and animals"},
		estampv1.ProductGroup_PRODUCT_GROUP_TOURISM_SERVICE: {"Dịch vụ du lịch", "Tourism services"},
	}
	authorityNames = names[estampv1.CertifyingAuthority]{
		estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_PROVINCIAL: {"UBND tỉnh", "Provincial People's Committee"},
		estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL:    {"Trung ương", "Central level"},
		estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_DISTRICT:   {"UBND huyện", "District People's Committee"},
	}
	statusNames = names[estampv1.CertificateStatus]{
		estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE:  {"Còn hiệu lực", "Valid"},
		estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED: {"Hết hạn", "Expired"},
		estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED: {"Đã thu hồi", "Revoked"},
	}
)

// KindName is a producer kind for people.
func KindName(k estampv1.ProducerKind, lang Lang) string { return kindNames.of(k, lang) }

// GroupName is a product group for people.
func GroupName(g estampv1.ProductGroup, lang Lang) string { return groupNames.of(g, lang) }

// AuthorityName is a certifying authority for people.
func AuthorityName(a estampv1.CertifyingAuthority, lang Lang) string {
	return authorityNames.of(a, lang)
}

// StatusName is a certificate status for people.
func StatusName(s estampv1.CertificateStatus, lang Lang) string { return statusNames.of(s, lang) }
