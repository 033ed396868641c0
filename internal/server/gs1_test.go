package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// GTINs of Vietnamese products (GS1 Vietnam's prefix 893) as producers
// type them: each length GS1 allows, kept as GTIN-14; a mistyped check
// digit, a letter or a wrong length is InvalidArgument naming
// product.gtin, with the digit it should be. The stamp page's answer
// shows the product's GTIN.
func TestProductGTIN(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	for i, tt := range []struct {
		name, gtin, stored string
		mention            string // of an InvalidArgument; "" when taken
	}{
		{"GTIN-13", "8934673001335", "08934673001335", ""},
		{"GTIN-13 with spaces around", " 8936049200021\t", "08936049200021", ""},
		{"GTIN-14 of a case", "18934673001332", "18934673001332", ""},
		{"GTIN-8", "89350492", "00000089350492", ""},
		{"GTIN-12", "036000291452", "00036000291452", ""},
		{"none", "", "", ""},
		{"a wrong check digit", "8934673001336", "", "check digit should be 5, not 6"},
		{"two digits swapped", "8934763001335", "", "check digit should be"},
		{"a letter", "893467300133O", "", "may hold only the digits 0-9"},
		{"eleven digits", "89346730013", "", "11 digits; a GTIN has 8/12/13/14 digits"},
		{"zeros", "0000000000000", "", "all zeros"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("GTIN-%d", i)
			resp, err := e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
				Id: id, ProducerId: "HTX-NEM-CHUA", Name: "Nem chua " + id, StarGrade: 4, Gtin: tt.gtin,
				Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD, Certificate: &estampv1.Certificate{DecisionNumber: "1/QĐ-UBND", DecisionDate: "2025-08-20"},
			}})
			if tt.mention != "" {
				wantCode(t, err, codes.InvalidArgument, "product.gtin")
				wantCode(t, err, codes.InvalidArgument, tt.mention)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: id})
			if err != nil || resp.Product.Gtin != tt.stored || got.Product.Gtin != tt.stored {
				t.Fatalf("stored %q, read back %q (%v); want %q", resp.Product.Gtin, got.GetProduct().GetGtin(), err, tt.stored)
			}
			if tt.stored == "" {
				return
			}
			code := e.issue(t, id, 1, id).Stamps[0].Code
			if v := e.verify(t, code); v.GetProduct().GetGtin() != tt.stored {
				t.Errorf("the buyer's answer shows GTIN %q, want %q", v.GetProduct().GetGtin(), tt.stored)
			}
		})
	}
}

// A producer's and a shop's GLN: optional, 13 digits with a valid check
// digit, named by its field when wrong.
func TestProducerAndRetailerGLN(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	for i, tt := range []struct {
		name, gln, mention string
	}{
		{"a GLN", "8938000001005", ""},
		{"none", "", ""},
		{"a wrong check digit", "8938000001006", "check digit should be 5, not 6"},
		{"a GTIN-14's length", "18934673001332", "14 digits; a GLN has 13 digits"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			producer, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{
				Id: fmt.Sprintf("HTX-%d", i), Name: fmt.Sprintf("Hợp tác xã số %d", i), Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE, Gln: tt.gln,
				Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Nga Sơn"},
			}})
			shop, shopErr := e.Registry.CreateRetailer(ctx, &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{
				Id: fmt.Sprintf("CH-%d", i), Name: fmt.Sprintf("Cửa hàng số %d", i), Gln: tt.gln,
				Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành"},
			}})
			if tt.mention != "" {
				wantCode(t, err, codes.InvalidArgument, "producer.gln")
				wantCode(t, err, codes.InvalidArgument, tt.mention)
				wantCode(t, shopErr, codes.InvalidArgument, "retailer.gln")
				return
			}
			if err != nil || shopErr != nil {
				t.Fatal(err, shopErr)
			}
			gotProducer, err := e.Registry.GetProducer(ctx, &estampv1.GetProducerRequest{Id: producer.Producer.Id})
			if err != nil {
				t.Fatal(err)
			}
			gotShop, err := e.Registry.GetRetailer(ctx, &estampv1.GetRetailerRequest{Id: shop.Retailer.Id})
			if err != nil {
				t.Fatal(err)
			}
			if gotProducer.Producer.Gln != tt.gln || gotShop.Retailer.Gln != tt.gln {
				t.Errorf("read back GLN %q and %q, want %q", gotProducer.Producer.Gln, gotShop.Retailer.Gln, tt.gln)
			}
		})
	}
	// The Vietnamese reason comes first, as in every error.
	_, err := e.Registry.CreateRetailer(ctx, &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{
		Id: "CH-X", Name: "Cửa hàng X", Gln: "8938000001006", Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành"},
	}})
	if s := status.Convert(err); len(s.Details()) == 0 || !strings.Contains(fmt.Sprint(s.Details()), "chữ số kiểm tra phải là 5") {
		t.Errorf("no Vietnamese reason: %v", s.Details())
	}
}
