package server_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// What a buyer is shown is one message, the same over gRPC and in the
// page's JSON: the product with the grade its label claims, the
// producer's public contact, the lot and its recall; and nothing private:
// no tax code, no ids where a name serves, no request id, not who revoked.
func TestPublicAnswerOverGRPCAndThePage(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	_, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{
		Id: "HTX-MAM-TEP-PUB", Name: "Hợp tác xã Mắm tép Hà Yên", Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
		TaxCode: "2801234567", Phone: "0237 385 1234",
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Hà Trung", Street: "Thôn Yên Thôn", LegacyDistrict: "Huyện Hà Trung"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
		Id: "MAM-TEP-PUB", ProducerId: "HTX-MAM-TEP-PUB", Name: "Mắm tép Hà Yên", Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD, StarGrade: 4,
		Certificate: &estampv1.Certificate{DecisionNumber: "77/QĐ-UBND", DecisionDate: "2025-10-01"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := e.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{
		ProductId: "MAM-TEP-PUB", Lot: "MT-2026-11", ProductionDate: "2026-11-20", ExpiryDate: "2027-11-20", Quantity: 3, RequestId: "req-public-7",
	})
	if err != nil {
		t.Fatal(err)
	}
	// Regraded after the labels were printed: they still claim 4★.
	_, err = e.Registry.UpdateCertification(ctx, &estampv1.UpdateCertificationRequest{ProductId: "MAM-TEP-PUB",
		Change: &estampv1.UpdateCertificationRequest_Renewal{Renewal: &estampv1.Renewal{StarGrade: 5,
			Certificate: &estampv1.Certificate{DecisionNumber: "88/QĐ-UBND", DecisionDate: "2026-06-01"}}}})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.clock.Now().Add(2 * time.Hour))
	if _, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(batch.Batch.Id), Reason: "Thu hồi lô: lỗi bao bì", Actor: "Nguyễn Văn An"}); err != nil {
		t.Fatal(err)
	}
	stamps := e.stamps(t, batch.Batch.Id)
	code := stamps[1].Code

	buyer := e.dial(t, "")
	v, err := buyer.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: code})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	j := get(t, hs.URL+path(code), "Accept", "application/json")
	var page estampv1.VerifyResponse
	if err := protojson.Unmarshal([]byte(j.body), &page); err != nil {
		t.Fatalf("the page's JSON is not a VerifyResponse: %v\n%s", err, j.body)
	}
	// The page is a second scan, by another client; all else is the same.
	if v.Scans.GetScanCount() != 1 || page.Scans.GetScanCount() != 2 {
		t.Errorf("scans: gRPC %v, page %v", v.Scans, page.Scans)
	}
	grpcAnswer := proto.Clone(v).(*estampv1.VerifyResponse)
	grpcAnswer.Scans, page.Scans = nil, nil
	if !proto.Equal(grpcAnswer, &page) {
		t.Errorf("gRPC and the page's JSON differ:\n%v\n%v", grpcAnswer, &page)
	}

	recallTime := e.clock.Now()
	checks := map[string][2]any{
		"verdict":              {v.Verdict, estampv1.Verdict_VERDICT_REVOKED},
		"product":              {v.Product.GetName(), "Mắm tép Hà Yên"},
		"group":                {v.Product.GetGroup(), estampv1.ProductGroup_PRODUCT_GROUP_FOOD},
		"grade on the label":   {v.Product.GetStarGrade(), int32(4)},
		"certificate today":    {v.Product.GetCertificate().GetDecisionNumber(), "88/QĐ-UBND"},
		"certificate date":     {v.Product.GetCertificate().GetDecisionDate(), "2026-06-01"},
		"certificate status":   {v.Product.GetCertificate().GetStatus(), estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE},
		"authority":            {v.Product.GetCertificate().GetAuthority(), estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL},
		"valid until":          {v.Product.GetCertificate().GetValidUntil(), "2029-05-31"},
		"producer":             {v.Producer.GetName(), "Hợp tác xã Mắm tép Hà Yên"},
		"producer kind":        {v.Producer.GetKind(), estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE},
		"phone":                {v.Producer.GetPhone(), "0237 385 1234"},
		"street":               {v.Producer.GetAddress().GetStreet(), "Thôn Yên Thôn"},
		"commune":              {v.Producer.GetAddress().GetCommune(), "Xã Hà Trung"},
		"legacy district":      {v.Producer.GetAddress().GetLegacyDistrict(), "Huyện Hà Trung"},
		"origin":               {v.Origin.GetProvince() + "/" + v.Origin.GetCommune(), "Thanh Hóa/Xã Hà Trung"},
		"lot":                  {v.Batch.GetLot(), "MT-2026-11"},
		"production date":      {v.Batch.GetProductionDate(), "2026-11-20"},
		"expiry date":          {v.Batch.GetExpiryDate(), "2027-11-20"},
		"recalled":             {v.Batch.GetRevoked(), true},
		"recall reason":        {v.Batch.GetRevocationReason(), "Thu hồi lô: lỗi bao bì"},
		"recall time":          {v.Batch.GetRevokeTime().AsTime().Equal(recallTime), true},
		"serial":               {v.Serial, stamps[1].Serial},
		"key":                  {v.KeyId, e.key.ID.String()},
		"sentence with reason": {strings.Contains(v.Message, "lỗi bao bì"), true},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}

	tokenID := strings.Split(e.adminToken, "_")[1]
	asJSON, _ := protojson.MarshalOptions{UseProtoNames: true}.Marshal(v)
	html := get(t, hs.URL+path(code)).body
	for _, private := range []string{"2801234567", "HTX-MAM-TEP-PUB", "MAM-TEP-PUB", "req-public-7", "Nguyễn Văn An", tokenID,
		`"tax_code"`, `"id"`, `"producer_id"`, `"product_id"`, `"request_id"`, `"revoked_by"`, `"quantity"`, `"first_serial"`, `"base_url"`, `"create_time"`, `"number"`} {
		for where, text := range map[string]string{"gRPC": string(asJSON), "page JSON": j.body, "page": html} {
			if strings.Contains(text, private) {
				t.Errorf("%s shows %s", where, private)
			}
		}
	}
	for _, want := range []string{"0237 385 1234", "Thôn Yên Thôn", "MT-2026-11", "Thu hồi lô: lỗi bao bì", "★★★★☆"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
