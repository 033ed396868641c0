// Package demo seeds a small registry of Thanh Hóa OCOP producers and
// products, so that a new user can issue and verify stamps at once. Product
// names are well-known Thanh Hóa specialities; producer names, decision
// numbers and dates are illustrative, not official records.
package demo

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// Registry is the part of RegistryService the seed uses, so that demo data
// passes the same validation as any client's.
type Registry interface {
	CreateProducer(context.Context, *estampv1.CreateProducerRequest) (*estampv1.CreateProducerResponse, error)
	CreateProduct(context.Context, *estampv1.CreateProductRequest) (*estampv1.CreateProductResponse, error)
	UpdateCertification(context.Context, *estampv1.UpdateCertificationRequest) (*estampv1.UpdateCertificationResponse, error)
	CreateRetailer(context.Context, *estampv1.CreateRetailerRequest) (*estampv1.CreateRetailerResponse, error)
}

// ReportContact is the demo's contact for suspected fakes (estampd
// --report-contact): a placeholder that says it is one, so that a demo
// page never sends a buyer to a real office's phone.
const ReportContact = "(ví dụ) Văn phòng Điều phối OCOP tỉnh Thanh Hóa, 0237 xxx xxxx"

// Retailers are two Thanh Hóa shops that sell OCOP goods.
var Retailers = []*estampv1.Retailer{
	{Id: "CH-OCOP-HAC-THANH", Name: "Cửa hàng OCOP Hạc Thành", TaxCode: "2805678901",
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành", Street: "25 Đại lộ Lê Lợi"}},
	{Id: "ST-SAM-SON", Name: "Siêu thị đặc sản Sầm Sơn", Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Sầm Sơn", Street: "Đường Hồ Xuân Hương"}},
}

type (
	kind  = estampv1.ProducerKind
	group = estampv1.ProductGroup
)

const (
	coop      = estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE
	firm      = estampv1.ProducerKind_PRODUCER_KIND_ENTERPRISE
	household = estampv1.ProducerKind_PRODUCER_KIND_HOUSEHOLD_BUSINESS
	coopGroup = estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE_GROUP
	food      = estampv1.ProductGroup_PRODUCT_GROUP_FOOD
	drink     = estampv1.ProductGroup_PRODUCT_GROUP_BEVERAGE
	craft     = estampv1.ProductGroup_PRODUCT_GROUP_HANDICRAFT
)

// Producers are the demo producers.
var Producers = []*estampv1.Producer{
	producer("HTX-NEM-CHUA-TH", "Hợp tác xã Nem chua Thanh Hóa", coop, "2801234567", "Phường Hạc Thành", "Số 12 phố Tô Vĩnh Diện", "Thành phố Thanh Hóa", "0237 385 1234"),
	producer("DN-NUOC-MAM-BA-LANG", "Công ty TNHH Nước mắm Ba Làng", firm, "2802345678", "Phường Tĩnh Gia", "Làng Ba Làng", "Thị xã Nghi Sơn", "0237 386 2345"),
	producer("HKD-CHE-LAM-PHU-QUANG", "Hộ kinh doanh Chè lam Phủ Quảng", household, "", "Xã Vĩnh Lộc", "Thôn Phủ Quảng", "Huyện Vĩnh Lộc", ""),
	producer("HTX-COI-NGA-SON", "Hợp tác xã Cói Nga Sơn", coop, "2803456789", "Xã Nga Sơn", "Thôn 5", "Huyện Nga Sơn", "0237 387 3456"),
	producer("THT-MAM-TEP-HA-YEN", "Tổ hợp tác Mắm tép Hà Yên", coopGroup, "", "Xã Hà Trung", "Thôn Hà Yên", "Huyện Hà Trung", ""),
	producer("HTX-BANH-GAI-TU-TRU", "Hợp tác xã Bánh gai Tứ Trụ", coop, "2804567890", "Xã Thọ Xuân", "Làng Tứ Trụ", "Huyện Thọ Xuân", ""),
}

// Product is a demo product and what happens to its certificate.
type Product struct {
	*estampv1.Product
	// RevokeReason, when set, is used to revoke the certificate after
	// creation.
	RevokeReason string
}

// Products are the demo products: one 5★, several 4★ and 3★, one with an
// expired certificate and one with a revoked certificate.
var Products = []Product{
	{Product: product("NEM-CHUA-TH-5S", "HTX-NEM-CHUA-TH", "Nem chua Thanh Hóa", food, 5, "125/QĐ-BNNMT", "2025-09-15", "")},
	{Product: product("NUOC-MAM-BA-LANG", "DN-NUOC-MAM-BA-LANG", "Nước mắm Ba Làng", food, 4, "2345/QĐ-UBND", "2024-06-20", "")},
	{Product: product("CHE-LAM-PHU-QUANG", "HKD-CHE-LAM-PHU-QUANG", "Chè lam Phủ Quảng", food, 4, "3012/QĐ-UBND", "2025-03-10", "")},
	{Product: product("CHIEU-COI-NGA-SON", "HTX-COI-NGA-SON", "Chiếu cói Nga Sơn", craft, 4, "4120/QĐ-UBND", "2024-11-05", "")},
	{Product: product("TUI-COI-NGA-SON", "HTX-COI-NGA-SON", "Túi cói Nga Sơn", craft, 3, "4121/QĐ-UBND", "2024-11-05", "")},
	{Product: product("MAM-TEP-HA-YEN", "THT-MAM-TEP-HA-YEN", "Mắm tép Hà Yên", food, 3, "1876/QĐ-UBND", "2025-05-22", "")},
	{Product: product("RUOU-NEP-TU-TRU", "HTX-BANH-GAI-TU-TRU", "Rượu nếp cái Tứ Trụ", drink, 3, "1502/QĐ-UBND", "2025-04-18", "")},
	// Decided in 2019; its 36 months ran out in 2022 and it was not re-evaluated.
	{Product: product("BANH-GAI-TU-TRU", "HTX-BANH-GAI-TU-TRU", "Bánh gai Tứ Trụ", food, 3, "5445/QĐ-UBND", "2019-12-23", "")},
	{
		Product:      product("NEM-CHUA-CU-TH", "HTX-NEM-CHUA-TH", "Nem chua lá ổi (mẫu cũ)", food, 3, "2210/QĐ-UBND", "2024-02-01", ""),
		RevokeReason: "Không đạt khi tái đánh giá chất lượng",
	},
}

func producer(id, name string, k kind, tax, commune, street, district, phone string) *estampv1.Producer {
	return &estampv1.Producer{
		Id: id, Name: name, Kind: k, TaxCode: tax, Phone: phone,
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: commune, Street: street, LegacyDistrict: district},
	}
}

func product(id, producerID, name string, g group, stars int32, decision, date, until string) *estampv1.Product {
	return &estampv1.Product{
		Id: id, ProducerId: producerID, Name: name, Group: g, StarGrade: stars,
		Certificate: &estampv1.Certificate{DecisionNumber: decision, DecisionDate: date, ValidUntil: until},
	}
}

// Seed creates the demo producers and products through reg.
func Seed(ctx context.Context, reg Registry) error {
	for _, p := range Producers {
		if _, err := reg.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: clone(p)}); err != nil {
			return fmt.Errorf("demo producer %s: %w", p.Id, err)
		}
	}
	for _, r := range Retailers {
		if _, err := reg.CreateRetailer(ctx, &estampv1.CreateRetailerRequest{Retailer: clone(r)}); err != nil {
			return fmt.Errorf("demo retailer %s: %w", r.Id, err)
		}
	}
	for _, p := range Products {
		if _, err := reg.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: clone(p.Product)}); err != nil {
			return fmt.Errorf("demo product %s: %w", p.Id, err)
		}
		if p.RevokeReason == "" {
			continue
		}
		_, err := reg.UpdateCertification(ctx, &estampv1.UpdateCertificationRequest{
			ProductId: p.Id,
			Change:    &estampv1.UpdateCertificationRequest_Revocation{Revocation: &estampv1.Revocation{Reason: p.RevokeReason}},
		})
		if err != nil {
			return fmt.Errorf("demo revocation %s: %w", p.Id, err)
		}
	}
	return nil
}

// clone keeps the package-level fixtures untouched by normalisation.
func clone[M proto.Message](m M) M { return proto.Clone(m).(M) }
