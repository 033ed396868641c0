package server_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/web"
)

// token creates an API token with the admin connection.
func (e *env) token(t testing.TB, role estampv1.Role, producer, retailer string) (secret, id string) {
	t.Helper()
	resp, err := e.Admin.CreateToken(context.Background(), &estampv1.CreateTokenRequest{Role: role, ProducerId: producer, RetailerId: retailer, Description: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Secret, resp.Token.Id
}

// caller is one kind of client in the role matrix.
type caller string

const (
	nobody    caller = "no token"
	badToken  caller = "bad token"
	revoked   caller = "revoked token"
	producerA caller = "producer HTX-NEM-CHUA"
	producerB caller = "producer HTX-KHAC"
	retailerA caller = "retailer CH-A"
	retailerB caller = "retailer CH-B"
	admin     caller = "admin"
)

var callers = []caller{nobody, badToken, revoked, producerA, producerB, retailerA, retailerB, admin}

// matrixRow calls one RPC as every caller. allowed callers must get OK;
// the others Unauthenticated (no, bad or revoked token) or
// PermissionDenied (a valid token of the wrong role or owner).
type matrixRow struct {
	method  string
	call    func(context.Context, clients) error
	public  bool
	allowed []caller
	// adminCode replaces OK as what an admin gets (e.g. NotFound where a
	// producer gets PermissionDenied).
	adminCode codes.Code
	// allowedCode replaces OK as what every allowed caller (every caller
	// of a public row) gets: a request that passes the access table and is
	// refused by the service (e.g. InvalidArgument).
	allowedCode codes.Code
}

func TestRoleMatrix(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	e.seedOtherProducer(t, "HTX-KHAC")
	e.retailer(t, "CH-A")
	e.retailer(t, "CH-B")
	mine := e.issue(t, "NEM-CHUA", 4, "mine")
	theirs := e.issue(t, "CHIEU-COI", 2, "theirs")
	roll := e.issueInactive(t, "NEM-CHUA", 2, "roll")
	recall := e.issue(t, "NEM-CHUA", 1, "recall")
	code, serial, batch := mine.Stamps[0].Code, mine.Stamps[0].Serial, mine.Batch.Id

	tokens := map[caller]string{
		nobody:   "",
		badToken: "estamp_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		admin:    e.adminToken,
	}
	tokens[producerA], _ = e.token(t, estampv1.Role_ROLE_PRODUCER, "HTX-NEM-CHUA", "")
	tokens[producerB], _ = e.token(t, estampv1.Role_ROLE_PRODUCER, "HTX-KHAC", "")
	tokens[retailerA], _ = e.token(t, estampv1.Role_ROLE_RETAILER, "", "CH-A")
	tokens[retailerB], _ = e.token(t, estampv1.Role_ROLE_RETAILER, "", "CH-B")
	var revokedID string
	tokens[revoked], revokedID = e.token(t, estampv1.Role_ROLE_ADMIN, "", "")
	if _, err := e.Admin.RevokeToken(ctx, &estampv1.RevokeTokenRequest{Id: revokedID}); err != nil {
		t.Fatal(err)
	}
	_, throwaway := e.token(t, estampv1.Role_ROLE_RETAILER, "", "CH-B")
	conns := map[caller]clients{}
	for _, c := range callers {
		conns[c] = e.dial(t, tokens[c])
	}
	owners := []caller{producerA, admin}
	// A stamp two shops received: a flag to review. And a delivery of
	// each shop, to read back.
	copied := mine.Stamps[2]
	delivered := map[string]uint64{}
	for _, shop := range []string{"CH-A", "CH-B"} {
		r, err := e.Custody.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: shop, Codes: []string{copied.Code}})
		if err != nil {
			t.Fatal(err)
		}
		delivered[shop] = r.DeliveryId
	}

	rows := []matrixRow{
		{method: "RegistryService/CreateProducer", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{Id: "HTX-MOI", Name: "HTX mới",
				Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE, Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Hoằng Hóa"}}})
			return err
		}},
		{method: "RegistryService/GetProducer", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.GetProducer(ctx, &estampv1.GetProducerRequest{Id: "HTX-NEM-CHUA"})
			return err
		}},
		{method: "RegistryService/ListProducers", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.ListProducers(ctx, &estampv1.ListProducersRequest{})
			return err
		}},
		{method: "RegistryService/CreateProduct", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{Id: "NEM-MOI", ProducerId: "HTX-NEM-CHUA",
				Name: "Nem mới", StarGrade: 3, Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD,
				Certificate: &estampv1.Certificate{DecisionNumber: "3/QĐ-UBND", DecisionDate: "2025-08-20"}}})
			return err
		}},
		{method: "RegistryService/GetProduct", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: "NEM-CHUA"})
			return err
		}},
		// A product that does not exist is denied like another's.
		{method: "RegistryService/GetProduct", allowed: []caller{admin}, adminCode: codes.NotFound, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: "KHONG-CO"})
			return err
		}},
		{method: "RegistryService/ListProducts", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.ListProducts(ctx, &estampv1.ListProductsRequest{ProducerId: "HTX-NEM-CHUA"})
			return err
		}},
		{method: "RegistryService/ListProducts", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.ListProducts(ctx, &estampv1.ListProductsRequest{})
			return err
		}},
		{method: "RegistryService/UpdateCertification", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.UpdateCertification(ctx, &estampv1.UpdateCertificationRequest{ProductId: "NEM-CHUA-5S",
				Change: &estampv1.UpdateCertificationRequest_Revocation{Revocation: &estampv1.Revocation{Reason: "kiểm tra"}}})
			return err
		}},
		// Only the office changes what buyers see of a product, even of
		// a producer's own.
		{method: "RegistryService/SetProductPhoto", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.SetProductPhoto(ctx, &estampv1.SetProductPhotoRequest{ProductId: "NEM-CHUA", Photo: onePixelPNG(t)})
			return err
		}},
		{method: "RegistryService/SetProductDescription", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.SetProductDescription(ctx, &estampv1.SetProductDescriptionRequest{ProductId: "NEM-CHUA", Description: "Nem chua gói lá ổi."})
			return err
		}},
		{method: "RegistryService/CreateRetailer", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.CreateRetailer(ctx, &estampv1.CreateRetailerRequest{Retailer: &estampv1.Retailer{Id: "CH-MOI", Name: "Cửa hàng mới",
				Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành"}}})
			return err
		}},
		{method: "RegistryService/GetRetailer", allowed: []caller{retailerA, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.GetRetailer(ctx, &estampv1.GetRetailerRequest{Id: "CH-A"})
			return err
		}},
		{method: "RegistryService/ListRetailers", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Registry.ListRetailers(ctx, &estampv1.ListRetailersRequest{})
			return err
		}},
		{method: "IssuanceService/IssueStamps", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L", ProductionDate: "2026-11-20", Quantity: 2, RequestId: "matrix"})
			return err
		}},
		// A producer issuing for another producer's product.
		{method: "IssuanceService/IssueStamps", allowed: []caller{producerB, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "CHIEU-COI", Lot: "L", ProductionDate: "2026-11-20", Quantity: 2, RequestId: "matrix-b"})
			return err
		}},
		{method: "IssuanceService/GetBatch", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.GetBatch(ctx, &estampv1.GetBatchRequest{Id: batch})
			return err
		}},
		{method: "IssuanceService/StreamStamps", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := streamStamps(ctx, c.Issuance, &estampv1.StreamStampsRequest{BatchId: batch})
			return err
		}},
		// Another producer's batch, resumed part-way.
		{method: "IssuanceService/StreamStamps", allowed: []caller{producerB, admin}, call: func(ctx context.Context, c clients) error {
			from := theirs.Stamps[1].Serial
			_, err := streamStamps(ctx, c.Issuance, &estampv1.StreamStampsRequest{BatchId: theirs.Batch.Id, FromSerial: &from})
			return err
		}},
		// A batch that does not exist is denied like another's.
		{method: "IssuanceService/StreamStamps", allowed: []caller{admin}, adminCode: codes.NotFound, call: func(ctx context.Context, c clients) error {
			_, err := streamStamps(ctx, c.Issuance, &estampv1.StreamStampsRequest{BatchId: 404})
			return err
		}},
		{method: "IssuanceService/ListBatches", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.ListBatches(ctx, &estampv1.ListBatchesRequest{ProductId: "NEM-CHUA"})
			return err
		}},
		{method: "InsightService/ExportEvents", allowed: owners, call: func(ctx context.Context, c clients) error {
			stream, err := c.Insight.ExportEvents(ctx, &estampv1.ExportEventsRequest{ProductId: mine.Batch.ProductId})
			if err != nil {
				return err
			}
			_, err = stream.Recv()
			return err
		}},
		{method: "IssuanceService/ActivateStamps", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.ActivateStamps(ctx, &estampv1.ActivateStampsRequest{BatchId: roll.Batch.Id, Lot: "L1"})
			return err
		}},
		{method: "IssuanceService/RevokeStamps", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(mine.Stamps[3].Serial), Reason: "hỏng"})
			return err
		}},
		// Serials of two producers: nobody but the office may revoke both.
		{method: "IssuanceService/RevokeStamps", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(mine.Stamps[2].Serial, theirs.Stamps[1].Serial), Reason: "hỏng"})
			return err
		}},
		{method: "IssuanceService/RevokeStamps", allowed: []caller{producerB, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: stampsOfBatch(theirs.Batch.Id, theirs.Stamps[0].Serial), Reason: "hỏng"})
			return err
		}},
		// Naming one's own batch does not reach another's serial: the
		// owner of the batch passes, and the serial is refused.
		{method: "IssuanceService/RevokeStamps", allowed: owners, allowedCode: codes.InvalidArgument, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: stampsOfBatch(mine.Batch.Id, theirs.Stamps[1].Serial), Reason: "hỏng"})
			return err
		}},
		// A request that names nothing is refused for what it lacks, to
		// every role that may revoke.
		{method: "IssuanceService/RevokeStamps", allowed: []caller{producerA, producerB, admin}, allowedCode: codes.InvalidArgument, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Reason: "hỏng"})
			return err
		}},
		{method: "IssuanceService/RevokeStamps", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(recall.Batch.Id), Reason: "thu hồi lô"})
			return err
		}},
		{method: "IssuanceService/RevokeStamps", allowed: []caller{producerB, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(theirs.Batch.Id), Reason: "thu hồi lô"})
			return err
		}},
		{method: "VerificationService/Verify", public: true, call: func(ctx context.Context, c clients) error {
			_, err := c.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: code})
			return err
		}},
		{method: "VerificationService/ListIssuerKeys", public: true, call: func(ctx context.Context, c clients) error {
			_, err := c.Verification.ListIssuerKeys(ctx, &estampv1.ListIssuerKeysRequest{})
			return err
		}},
		// This server holds no trust list: the answer says so to anyone.
		{method: "VerificationService/GetTrustList", public: true, call: func(ctx context.Context, c clients) error {
			_, err := c.Verification.GetTrustList(ctx, &estampv1.GetTrustListRequest{})
			if status.Code(err) == codes.FailedPrecondition {
				return nil
			}
			return err
		}},
		{method: "LabelService/ListLabelLayouts", allowed: []caller{producerA, producerB, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Labels.ListLabelLayouts(ctx, &estampv1.ListLabelLayoutsRequest{})
			return err
		}},
		{method: "LabelService/RenderLabels", allowed: owners, call: func(ctx context.Context, c clients) error {
			stream, err := c.Labels.RenderLabels(ctx, &estampv1.RenderLabelsRequest{BatchId: batch, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF})
			if err != nil {
				return err
			}
			for {
				if _, err := stream.Recv(); err != nil {
					if err == io.EOF {
						return nil
					}
					return err
				}
			}
		}},
		// The preview of a page is the batch's owner's, as its PDF is.
		// (The batch is recalled above: only include_revoked has labels.)
		{method: "LabelService/RenderLabels", allowed: []caller{producerB, admin}, call: func(ctx context.Context, c clients) error {
			stream, err := c.Labels.RenderLabels(ctx, &estampv1.RenderLabelsRequest{BatchId: theirs.Batch.Id, Format: estampv1.LabelFormat_LABEL_FORMAT_PNG_PAGE, Dpi: 72, IncludeRevoked: true})
			if err != nil {
				return err
			}
			for {
				if _, err := stream.Recv(); err != nil {
					if err == io.EOF {
						return nil
					}
					return err
				}
			}
		}},
		{method: "CustodyService/ReceiveDelivery", allowed: []caller{retailerA, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Custody.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: "CH-A", Codes: []string{code}})
			return err
		}},
		// A retailer doing intake for another shop.
		{method: "CustodyService/ReceiveDelivery", allowed: []caller{retailerB, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Custody.ReceiveDelivery(ctx, &estampv1.ReceiveDeliveryRequest{RetailerId: "CH-B", Codes: []string{mine.Stamps[1].Code}})
			return err
		}},
		{method: "CustodyService/DescribeCode", allowed: []caller{retailerA, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Custody.DescribeCode(ctx, &estampv1.DescribeCodeRequest{RetailerId: "CH-A", Code: code})
			return err
		}},
		// A retailer describing codes as another shop.
		{method: "CustodyService/DescribeCode", allowed: []caller{retailerB, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Custody.DescribeCode(ctx, &estampv1.DescribeCodeRequest{RetailerId: "CH-B", Code: code})
			return err
		}},
		{method: "CustodyService/RecordSale", allowed: []caller{retailerA, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Custody.RecordSale(ctx, &estampv1.RecordSaleRequest{RetailerId: "CH-A", Codes: []string{mine.Stamps[3].Code}})
			return err
		}},
		// A retailer selling as another shop.
		{method: "CustodyService/RecordSale", allowed: []caller{retailerB, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Custody.RecordSale(ctx, &estampv1.RecordSaleRequest{RetailerId: "CH-B", Codes: []string{mine.Stamps[3].Code}})
			return err
		}},
		{method: "CustodyService/GetStampHistory", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Custody.GetStampHistory(ctx, &estampv1.GetStampHistoryRequest{Serial: serial})
			return err
		}},
		{method: "CustodyService/ListRevocations", public: true, call: func(ctx context.Context, c clients) error {
			_, err := c.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{})
			return err
		}},
		// Open to every caller, the signature being the credential: this
		// server holds no trust list, so the service itself refuses.
		{method: "CustodyService/ReportReceipts", public: true, allowedCode: codes.FailedPrecondition, call: func(ctx context.Context, c clients) error {
			_, err := c.Custody.ReportReceipts(ctx, &estampv1.ReportReceiptsRequest{Report: []byte{}, KeyId: "a18112b0"})
			return err
		}},
		{method: "AdminService/CreateToken", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.CreateToken(ctx, &estampv1.CreateTokenRequest{Role: estampv1.Role_ROLE_PRODUCER, ProducerId: "HTX-NEM-CHUA"})
			return err
		}},
		{method: "AdminService/ListTokens", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.ListTokens(ctx, &estampv1.ListTokensRequest{})
			return err
		}},
		{method: "AdminService/RevokeToken", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.RevokeToken(ctx, &estampv1.RevokeTokenRequest{Id: throwaway})
			return err
		}},
		{method: "AdminService/ListAuditEntries", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.ListAuditEntries(ctx, &estampv1.ListAuditEntriesRequest{})
			return err
		}},
		{method: "AdminService/VerifyAuditLog", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.VerifyAuditLog(ctx, &estampv1.VerifyAuditLogRequest{})
			return err
		}},
		{method: "AdminService/Backup", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := backup(ctx, c.Admin)
			return err
		}},
		{method: "AdminService/RotateKey", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.RotateKey(ctx, &estampv1.RotateKeyRequest{})
			return err
		}},
		// After the rotation the test key is retired: retiring is a no-op.
		{method: "AdminService/RetireKey", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.RetireKey(ctx, &estampv1.RetireKeyRequest{KeyId: e.key.ID.String()})
			return err
		}},
		{method: "AdminService/MarkKeyCompromised", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.MarkKeyCompromised(ctx, &estampv1.MarkKeyCompromisedRequest{KeyId: e.key.ID.String(), Reason: "thử"})
			return err
		}},
		{method: "AdminService/CreateAccount", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.CreateAccount(ctx, &estampv1.CreateAccountRequest{Username: "ma.tran", DisplayName: "Ma Trận", Role: estampv1.Role_ROLE_PRODUCER, ProducerId: "HTX-NEM-CHUA"})
			return err
		}},
		{method: "AdminService/ListAccounts", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.ListAccounts(ctx, &estampv1.ListAccountsRequest{})
			return err
		}},
		{method: "AdminService/ResetAccountPassword", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.ResetAccountPassword(ctx, &estampv1.ResetAccountPasswordRequest{Username: "ma.tran"})
			return err
		}},
		{method: "AdminService/DisableAccount", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Admin.DisableAccount(ctx, &estampv1.DisableAccountRequest{Username: "ma.tran"})
			return err
		}},
		{method: "InsightService/GetOverview", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.GetOverview(ctx, &estampv1.GetOverviewRequest{})
			return err
		}},
		{method: "InsightService/GetScanReport", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-NEM-CHUA"})
			return err
		}},
		{method: "InsightService/GetScanReport", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-NEM-CHUA", ProductId: "NEM-CHUA", Days: 7})
			return err
		}},
		// One's own producer id does not reach another's product, nor
		// another's id one's own product.
		{method: "InsightService/GetScanReport", allowed: []caller{admin}, adminCode: codes.InvalidArgument, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-NEM-CHUA", ProductId: "CHIEU-COI"})
			return err
		}},
		{method: "InsightService/GetScanReport", allowed: []caller{admin}, adminCode: codes.InvalidArgument, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-KHAC", ProductId: "NEM-CHUA"})
			return err
		}},
		// A product that does not exist is denied like another's.
		{method: "InsightService/GetScanReport", allowed: []caller{admin}, adminCode: codes.NotFound, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.GetScanReport(ctx, &estampv1.GetScanReportRequest{ProducerId: "HTX-NEM-CHUA", ProductId: "KHONG-CO"})
			return err
		}},
		{method: "InsightService/ListFlags", allowed: owners, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.ListFlags(ctx, &estampv1.ListFlagsRequest{ProducerId: "HTX-NEM-CHUA", IncludeReviewed: true})
			return err
		}},
		{method: "InsightService/ListFlags", allowed: []caller{producerB, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.ListFlags(ctx, &estampv1.ListFlagsRequest{ProducerId: "HTX-KHAC"})
			return err
		}},
		// Every producer's flags: the office's.
		{method: "InsightService/ListFlags", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.ListFlags(ctx, &estampv1.ListFlagsRequest{})
			return err
		}},
		// The office's alone, even for the owner of the stamp.
		{method: "InsightService/ReviewFlag", allowed: []caller{admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.ReviewFlag(ctx, &estampv1.ReviewFlagRequest{Serial: copied.Serial, Note: "đã xem"})
			return err
		}},
		{method: "InsightService/ReviewFlag", allowed: []caller{admin}, adminCode: codes.NotFound, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.ReviewFlag(ctx, &estampv1.ReviewFlagRequest{Serial: recall.Stamps[0].Serial})
			return err
		}},
		{method: "InsightService/ListDeliveries", allowed: []caller{retailerA, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.ListDeliveries(ctx, &estampv1.ListDeliveriesRequest{RetailerId: "CH-A"})
			return err
		}},
		{method: "InsightService/ListDeliveries", allowed: []caller{retailerB, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.ListDeliveries(ctx, &estampv1.ListDeliveriesRequest{RetailerId: "CH-B"})
			return err
		}},
		{method: "InsightService/GetDelivery", allowed: []caller{retailerA, admin}, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.GetDelivery(ctx, &estampv1.GetDeliveryRequest{RetailerId: "CH-A", DeliveryId: delivered["CH-A"]})
			return err
		}},
		// Another shop's delivery under one's own id is not found.
		{method: "InsightService/GetDelivery", allowed: []caller{retailerB, admin}, allowedCode: codes.NotFound, call: func(ctx context.Context, c clients) error {
			_, err := c.Insight.GetDelivery(ctx, &estampv1.GetDeliveryRequest{RetailerId: "CH-B", DeliveryId: delivered["CH-A"]})
			return err
		}},
		{method: "grpc.health.v1.Health/Check", public: true, call: func(ctx context.Context, c clients) error {
			_, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{})
			return err
		}},
	}

	covered := map[string]bool{}
	for _, row := range rows {
		name := row.method
		if !strings.HasPrefix(name, "grpc.") {
			name = "estamp.v1." + name
		}
		covered["/"+name] = true
		for _, c := range callers {
			want := codes.PermissionDenied
			switch {
			case c == badToken || c == revoked:
				want = codes.Unauthenticated
			case row.public:
				want = row.allowedCode // OK unless set
			case c == nobody:
				want = codes.Unauthenticated
			case c == admin && row.adminCode != codes.OK:
				want = row.adminCode
			case contains(row.allowed, c):
				want = row.allowedCode // OK unless set
			}
			err := row.call(ctx, conns[c])
			if got := status.Code(err); got != want {
				t.Errorf("%s as %s: %v, want %v", row.method, c, err, want)
			}
			if want == codes.PermissionDenied && strings.Contains(status.Convert(err).Message(), "not found") {
				t.Errorf("%s as %s: denial reveals existence: %v", row.method, c, err)
			}
		}
	}
	// Every method of our services is in the matrix.
	for svc, info := range e.srv.GRPC.GetServiceInfo() {
		if !strings.HasPrefix(svc, "estamp.") {
			continue
		}
		for _, m := range info.Methods {
			if !covered["/"+svc+"/"+m.Name] {
				t.Errorf("the role matrix does not call /%s/%s", svc, m.Name)
			}
		}
	}
}

// onePixelPNG is the smallest photo a product can have.
func onePixelPNG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func contains(list []caller, c caller) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// TestAccessTableCoversEveryMethod: no registered method can be forgotten.
// A method outside the table is refused, but it would be refused to the
// office too, so the table must name them all.
func TestAccessTableCoversEveryMethod(t *testing.T) {
	e := start(t)
	var missing, all []string
	for svc, info := range e.srv.GRPC.GetServiceInfo() {
		for _, m := range info.Methods {
			name := "/" + svc + "/" + m.Name
			all = append(all, name)
			if !server.InAccessTable(name) {
				missing = append(missing, name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("methods missing from the access table:\n%s", strings.Join(missing, "\n"))
	}
	if len(all) < 34 {
		t.Errorf("only %d methods registered: %v", len(all), all)
	}
	// And one that is not in the table is refused even to the office.
	err := e.Conn.Invoke(context.Background(), "/estamp.v1.RegistryService/DropEverything", &estampv1.ListProducersRequest{}, &estampv1.ListProducersResponse{})
	if status.Code(err) != codes.PermissionDenied && status.Code(err) != codes.Unimplemented {
		t.Errorf("unknown method: %v", err)
	}
}

// TestRateLimitOnPublicVerification: a burst above the limit is refused
// with ResourceExhausted (gRPC) and 429 with Retry-After (HTTP); callers
// with a token are not limited; traffic resumes once the bucket refills.
func TestRateLimitOnPublicVerification(t *testing.T) {
	e := startAt(t, t.TempDir(), "http://localhost:8080", 0, func(c *server.Config) { c.VerifyRate, c.VerifyBurst = 1, 3 })
	e.seedRegistry(t)
	code := e.issue(t, "NEM-CHUA", 1, "rl").Stamps[0].Code
	public := e.dial(t, "")
	ctx := context.Background()
	for i := range 3 {
		if _, err := public.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: code}); err != nil {
			t.Fatalf("request %d of the burst: %v", i, err)
		}
	}
	_, err := public.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: code})
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("4th request: %v, want ResourceExhausted", err)
	}
	var retry *errdetails.RetryInfo
	for _, d := range status.Convert(err).Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if retry == nil || retry.RetryDelay.AsDuration() < time.Second {
		t.Errorf("no RetryInfo of at least a second: %v", status.Convert(err).Details())
	}
	if _, err := public.Custody.ListRevocations(ctx, &estampv1.ListRevocationsRequest{}); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("the revocation list is outside the limit: %v", err)
	}
	if _, err := public.health.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("health checks are limited: %v", err)
	}
	for i := range 10 {
		if _, err := e.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: code}); err != nil {
			t.Fatalf("a caller with a token was limited at request %d: %v", i, err)
		}
	}

	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()
	get := func() *http.Response {
		resp, err := http.Get(hs.URL + "/V/" + code[strings.LastIndex(code, "/")+1:])
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := range 3 {
		if r := get(); r.StatusCode != http.StatusOK {
			t.Fatalf("HTTP request %d of the burst: %s", i, r.Status)
		}
	}
	r := get()
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("4th HTTP request: %s, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	// Every fixed path is limited or not as the page handler's route table
	// says: all but the health check and the style sheet.
	for _, p := range web.Paths() {
		resp, err := http.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		limited := resp.StatusCode == http.StatusTooManyRequests
		if want := p != "/healthz" && p != "/assets/style.css"; limited != want || limited != web.RouteOf(p).Limited {
			t.Errorf("%s: %s once the bucket is empty; want limited %v", p, resp.Status, want)
		}
	}

	e.clock.Set(e.clock.Now().Add(5 * time.Second))
	if _, err := public.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: code}); err != nil {
		t.Errorf("gRPC after the refill: %v", err)
	}
	if r := get(); r.StatusCode != http.StatusOK {
		t.Errorf("HTTP after the refill: %s", r.Status)
	}
}

// TestFirstStartWritesAdminToken: 0600, logged by path, never by value,
// and not rewritten at the next start.
func TestFirstStartWritesAdminToken(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	quiet := func(c *server.Config) { c.Log = slog.New(slog.NewTextHandler(&logs, nil)) }
	e := startAt(t, dir, "http://localhost:8080", 0, quiet)
	path := server.AdminTokenPath(dir)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("admin.token mode %04o", fi.Mode().Perm())
	}
	if !strings.Contains(logs.String(), path) || strings.Contains(logs.String(), e.adminToken) || strings.Contains(logs.String(), e.adminToken[24:]) {
		t.Errorf("log must name the file and not the token:\n%s", logs.String())
	}
	list, err := e.Admin.ListTokens(context.Background(), &estampv1.ListTokensRequest{})
	if err != nil || len(list.Tokens) != 1 || list.Tokens[0].Role != estampv1.Role_ROLE_ADMIN {
		t.Fatalf("ListTokens = %v, %v", list, err)
	}
	if strings.Contains(list.String(), e.adminToken[24:]) {
		t.Error("ListTokens shows the secret")
	}
	e.srv.Close()
	again := startAt(t, dir, "http://localhost:8080", 0, quiet)
	if again.adminToken != e.adminToken {
		t.Error("the second start replaced the admin token")
	}
}

// Oversized requests are refused before any handler sees them.
func TestMessageSizeLimits(t *testing.T) {
	e := start(t)
	huge := strings.Repeat("A", server.MaxRequestSize+1)
	_, err := e.Custody.ReceiveDelivery(context.Background(), &estampv1.ReceiveDeliveryRequest{RetailerId: "X", Codes: []string{huge}})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("a %d-byte request: %v", len(huge), err)
	}
	many := make([]string, 10_001)
	for i := range many {
		many[i] = "x"
	}
	e.seedRegistry(t)
	e.retailer(t, "CH-A")
	_, err = e.Custody.ReceiveDelivery(context.Background(), &estampv1.ReceiveDeliveryRequest{RetailerId: "CH-A", Codes: many})
	wantCode(t, err, codes.InvalidArgument, "10000")
	_, err = e.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L", ProductionDate: "2026-11-20", Quantity: 100_001, RequestId: "big"})
	wantCode(t, err, codes.InvalidArgument, "quantity")
}
