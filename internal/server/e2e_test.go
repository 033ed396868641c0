package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/account"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/demo"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/stampcode"
)

// clock is a settable clock shared by server and test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

type env struct {
	// clients connect with the admin token.
	clients
	clock      *clock
	key        *keys.Key
	srv        *server.Server
	lis        *bufconn.Listener
	dataDir    string
	adminToken string
}

func testKey(t testing.TB, name string) *keys.Key {
	t.Helper()
	k, err := keys.ReadFile("../stampcode/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// start runs the full gRPC server in process over an in-memory listener.
func start(t testing.TB) *env { return startWith(t, 0) }

func startWith(t testing.TB, scanBatch int) *env {
	return startAt(t, t.TempDir(), "http://localhost:8080", scanBatch)
}

// startAt starts a server on dataDir; options change its configuration
// before it is built.
func startAt(t testing.TB, dataDir, baseURL string, scanBatch int, options ...func(*server.Config)) *env {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)}
	key := testKey(t, "issuer-test-key.pem")
	cfg := server.Config{
		DataDir:   dataDir,
		BaseURL:   baseURL,
		Now:       clk.Now,
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ring:      keys.NewRing(key),
		ScanBatch: scanBatch,
		// Console passwords hashed cheaply: tests sign in often.
		Passwords: account.Params{Time: 1, MemoryKiB: 64, Threads: 1},
	}
	for _, o := range options {
		o(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 20)
	go srv.GRPC.Serve(lis)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	token, err := os.ReadFile(server.AdminTokenPath(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{clock: clk, key: key, srv: srv, lis: lis, dataDir: dataDir, adminToken: strings.TrimSpace(string(token))}
	e.clients = e.dial(t, e.adminToken)
	return e
}

// clients are the services of one connection, and its health service.
type clients struct {
	client.Clients
	health healthpb.HealthClient
}

// dial connects to the server sending token with every call; none when
// token is empty.
func (e *env) dial(t testing.TB, token string) clients {
	t.Helper()
	return e.dialWith(t, token)
}

// dialWith is dial with more options.
func (e *env) dialWith(t testing.TB, token string, more ...grpc.DialOption) clients {
	t.Helper()
	dialer := grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return e.lis.DialContext(ctx) })
	c, err := client.Dial("passthrough:///bufnet", token, nil, append([]grpc.DialOption{dialer}, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return clients{Clients: c, health: healthpb.NewHealthClient(c.Conn)}
}

// dialTCP serves the server on a loopback TCP port too, and connects there
// with the admin token and no other options: real sockets and gRPC's
// default limits, as other clients have.
func (e *env) dialTCP(t testing.TB) client.Clients {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.GRPC.Serve(lis)
	c, err := client.Dial(lis.Addr().String(), e.adminToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wantCode(t *testing.T, err error, code codes.Code, mention string) {
	t.Helper()
	s, _ := status.FromError(err)
	if s.Code() != code || !strings.Contains(s.Message(), mention) {
		t.Errorf("error = %v, want %v mentioning %q", err, code, mention)
	}
}

// seedRegistry registers one producer with products in every state.
func (e *env) seedRegistry(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	_, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{
		Id: "HTX-NEM-CHUA", Name: "Hợp tác xã Nem chua Thanh Hóa", Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành", LegacyDistrict: "Thành phố Thanh Hóa"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		id     string
		stars  int32
		date   string
		revoke bool
	}{
		{"NEM-CHUA", 4, "2025-08-20", false},
		{"NEM-CHUA-5S", 5, "2025-09-01", false},
		{"NEM-CHUA-2S", 2, "2025-08-20", false},
		{"NEM-CHUA-CU", 3, "2021-01-04", false}, // expired on 2024-01-03
		{"NEM-CHUA-THU-HOI", 3, "2025-01-02", true},
	} {
		_, err := e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
			Id: p.id, ProducerId: "HTX-NEM-CHUA", Name: "Nem chua " + p.id, StarGrade: p.stars,
			Group:       estampv1.ProductGroup_PRODUCT_GROUP_FOOD,
			Certificate: &estampv1.Certificate{DecisionNumber: "1/QĐ-UBND", DecisionDate: p.date},
		}})
		if err != nil {
			t.Fatalf("product %s: %v", p.id, err)
		}
		if p.revoke {
			e.revokeCert(t, p.id)
		}
	}
}

// seedOtherProducer registers a second producer, id, with one 4★ product
// of its own, CHIEU-COI: for what one producer may do with another's.
func (e *env) seedOtherProducer(t testing.TB, id string) {
	t.Helper()
	ctx := context.Background()
	_, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{
		Id: id, Name: "Hợp tác xã Chiếu cói Nga Sơn", Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Nga Sơn"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
		Id: "CHIEU-COI", ProducerId: id, Name: "Chiếu cói", StarGrade: 4, Group: estampv1.ProductGroup_PRODUCT_GROUP_HANDICRAFT,
		Certificate: &estampv1.Certificate{DecisionNumber: "2/QĐ-UBND", DecisionDate: "2025-08-20"},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) revokeCert(t testing.TB, id string) {
	t.Helper()
	_, err := e.Registry.UpdateCertification(context.Background(), &estampv1.UpdateCertificationRequest{
		ProductId: id,
		Change:    &estampv1.UpdateCertificationRequest_Revocation{Revocation: &estampv1.Revocation{Reason: "Không đạt tái đánh giá"}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// issued is a batch and its codes, as a client gets them: the batch from
// IssueStamps, the codes from StreamStamps.
type issued struct {
	Batch  *estampv1.Batch
	Stamps []*estampv1.Stamp
}

// issue issues a batch with the admin connection and streams its codes.
func (e *env) issue(t testing.TB, product string, n uint32, requestID string) *issued {
	t.Helper()
	resp, err := e.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{
		ProductId: product, Lot: "L-2026-11", ProductionDate: "2026-11-20", ExpiryDate: "2027-05-20",
		Quantity: n, RequestId: requestID,
	})
	if err != nil {
		t.Fatalf("issue %s: %v", product, err)
	}
	return &issued{Batch: resp.Batch, Stamps: e.stamps(t, resp.Batch.Id)}
}

// issueInactive issues a roll printed ahead: no lot, no dates.
func (e *env) issueInactive(t testing.TB, product string, n uint32, requestID string) *issued {
	t.Helper()
	resp, err := e.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{ProductId: product, Quantity: n, RequestId: requestID})
	if err != nil {
		t.Fatalf("issue %s inactive: %v", product, err)
	}
	if !resp.Batch.IssuedInactive {
		t.Fatalf("batch %d issued without a lot is not inactive", resp.Batch.Id)
	}
	return &issued{Batch: resp.Batch, Stamps: e.stamps(t, resp.Batch.Id)}
}

// wholeBatch, someStamps and stampsOfBatch are what RevokeStamps revokes:
// a batch, serials of any batches, or serials that must all be of batch.
func wholeBatch(id uint64) *estampv1.RevokeStampsRequest_BatchId {
	return &estampv1.RevokeStampsRequest_BatchId{BatchId: id}
}

func someStamps(serials ...uint64) *estampv1.RevokeStampsRequest_Stamps {
	return &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: serials}}
}

func stampsOfBatch(batch uint64, serials ...uint64) *estampv1.RevokeStampsRequest_Stamps {
	return &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: serials, BatchId: &batch}}
}

// stamps streams every code of a batch, failing the test on an error.
func (c clients) stamps(t testing.TB, batchID uint64) []*estampv1.Stamp {
	t.Helper()
	msgs, err := streamStamps(context.Background(), c.Issuance, &estampv1.StreamStampsRequest{BatchId: batchID})
	if err != nil {
		t.Fatalf("StreamStamps of batch %d: %v", batchID, err)
	}
	var all []*estampv1.Stamp
	for _, m := range msgs {
		all = append(all, m.Stamps...)
	}
	return all
}

// streamStamps reads a whole StreamStamps stream: its messages, or the
// error that ended it.
func streamStamps(ctx context.Context, iss estampv1.IssuanceServiceClient, req *estampv1.StreamStampsRequest) ([]*estampv1.StreamStampsResponse, error) {
	stream, err := iss.StreamStamps(ctx, req)
	if err != nil {
		return nil, err
	}
	var msgs []*estampv1.StreamStampsResponse
	err = client.Receive(stream, func(m *estampv1.StreamStampsResponse) error {
		msgs = append(msgs, m)
		return nil
	})
	return msgs, err
}

func (e *env) verify(t *testing.T, code string) *estampv1.VerifyResponse {
	t.Helper()
	resp, err := e.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: code})
	if err != nil {
		t.Fatalf("verify %q: %v", code, err)
	}
	return resp
}

func TestIssueThenVerifyIsGenuineWithOrigin(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	resp := e.issue(t, "NEM-CHUA", 10, "req-1")
	if len(resp.Stamps) != 10 || resp.Batch.Quantity != 10 || resp.Batch.KeyId != e.key.ID.String() {
		t.Fatalf("batch = %v with %d stamps", resp.Batch, len(resp.Stamps))
	}
	for i, s := range resp.Stamps {
		if s.Serial != resp.Batch.FirstSerial+uint64(i) || !strings.HasPrefix(s.Code, "HTTP://LOCALHOST:8080/V/") {
			t.Errorf("stamp %d = %v", i, s)
		}
	}
	code := resp.Stamps[3].Code
	first := e.clock.Now()
	v := e.verify(t, code)
	if v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Fatalf("verdict = %v (%s)", v.Verdict, v.MessageEn)
	}
	checks := map[string][2]any{
		"product":       {v.Product.GetName(), "Nem chua NEM-CHUA"},
		"star grade":    {v.Product.GetStarGrade(), int32(4)},
		"group":         {v.Product.GetGroup(), estampv1.ProductGroup_PRODUCT_GROUP_FOOD},
		"certificate":   {v.Product.GetCertificate().GetStatus(), estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE},
		"producer":      {v.Producer.GetName(), "Hợp tác xã Nem chua Thanh Hóa"},
		"producer kind": {v.Producer.GetKind(), estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE},
		"commune":       {v.Origin.GetCommune(), "Phường Hạc Thành"},
		"province":      {v.Origin.GetProvince(), "Thanh Hóa"},
		"legacy":        {v.Origin.GetLegacyDistrict(), "Thành phố Thanh Hóa"},
		"lot":           {v.Batch.GetLot(), "L-2026-11"},
		"production":    {v.Batch.GetProductionDate(), "2026-11-20"},
		"expiry":        {v.Batch.GetExpiryDate(), "2027-05-20"},
		"serial":        {v.Serial, resp.Stamps[3].Serial},
		"scan count":    {v.Scans.GetScanCount(), uint64(1)},
		"first scan":    {v.Scans.GetFirstScanTime().AsTime(), first},
		"issue time":    {v.Batch.GetIssueTime().AsTime(), first},
	}
	for name, c := range checks {
		if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}

	// A second scan, later and lower-cased by the scanner, counts on.
	e.clock.Set(first.Add(time.Hour))
	v = e.verify(t, "  "+strings.ToLower(code)+"\n")
	if v.Verdict != estampv1.Verdict_VERDICT_GENUINE || v.Scans.GetScanCount() != 2 ||
		!v.Scans.GetFirstScanTime().AsTime().Equal(first) || !v.Scans.GetLastScanTime().AsTime().Equal(first.Add(time.Hour)) {
		t.Errorf("second scan = %v %v", v.Verdict, v.Scans)
	}
	// So does the bare token.
	if v := e.verify(t, code[strings.LastIndex(code, "/")+1:]); v.Verdict != estampv1.Verdict_VERDICT_GENUINE || v.Scans.GetScanCount() != 3 {
		t.Errorf("bare token = %v, %d scans", v.Verdict, v.Scans.GetScanCount())
	}
}

func TestTamperedAndForeignCodes(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	code := e.issue(t, "NEM-CHUA", 1, "req-1").Stamps[0].Code
	tokenStart := strings.LastIndex(code, "/") + 1

	flip := func(i int) string {
		r := byte('A')
		if code[i] == 'A' {
			r = 'B'
		}
		return code[:i] + string(r) + code[i+1:]
	}
	other := testKey(t, "other-test-key.pem")
	tok, err := stampcode.Parse(code)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.Issuer.Sign(tok.Prefix, tok.Claims)
	if err != nil {
		t.Fatal(err)
	}
	unissued := tok.Claims
	unissued.BatchID = 999
	notIssued, err := e.key.Issuer.Sign(tok.Prefix, unissued)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		code string
		want estampv1.Verdict
	}{
		{"one character of the signature changed", flip(len(code) - 20), estampv1.Verdict_VERDICT_BAD_SIGNATURE},
		{"one character of the serial changed", flip(tokenStart + 12), estampv1.Verdict_VERDICT_BAD_SIGNATURE},
		{"one character of the grade changed", flip(tokenStart + 32), estampv1.Verdict_VERDICT_BAD_SIGNATURE},
		{"only the unused low bit of the last character changed", flipLowBit(code), estampv1.Verdict_VERDICT_BAD_SIGNATURE},
		{"signed by another key", forged, estampv1.Verdict_VERDICT_UNKNOWN_KEY},
		{"signed by us, never issued", notIssued, estampv1.Verdict_VERDICT_NOT_ISSUED},
		{"random QR", "https://example.com/khuyen-mai", estampv1.Verdict_VERDICT_MALFORMED},
		{"plain text", "Xin chào", estampv1.Verdict_VERDICT_MALFORMED},
		{"our token on a look-alike site", "HTTPS://L0CALHOST.VN/V/" + code[tokenStart:], estampv1.Verdict_VERDICT_MALFORMED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := e.verify(t, tt.code)
			if v.Verdict != tt.want {
				t.Errorf("verdict = %v, want %v", v.Verdict, tt.want)
			}
			if v.Product != nil || v.Scans != nil {
				t.Error("details disclosed for a code that is not genuine")
			}
			if v.Message == "" || v.MessageEn == "" {
				t.Error("no message for a person")
			}
		})
	}
	_, err = e.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: "   "})
	wantCode(t, err, codes.InvalidArgument, "code")
	_, err = e.Verification.Verify(context.Background(), &estampv1.VerifyRequest{Code: strings.Repeat("A", 5000)})
	wantCode(t, err, codes.InvalidArgument, "code")
}

func TestRetriedRequestReturnsSameBatch(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	first := e.issue(t, "NEM-CHUA", 25, "retry-me")
	again := e.issue(t, "NEM-CHUA", 25, "retry-me")
	if again.Batch.Id != first.Batch.Id || len(again.Stamps) != 25 {
		t.Fatalf("retry gave batch %d, first was %d", again.Batch.Id, first.Batch.Id)
	}
	for i := range first.Stamps {
		if first.Stamps[i].Code != again.Stamps[i].Code {
			t.Fatalf("stamp %d differs on retry", i)
		}
	}
	next := e.issue(t, "NEM-CHUA", 1, "another")
	if next.Batch.FirstSerial != first.Batch.FirstSerial+25 {
		t.Errorf("next batch starts at %d, want %d", next.Batch.FirstSerial, first.Batch.FirstSerial+25)
	}
	_, err := e.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{
		ProductId: "NEM-CHUA", Lot: "L-2026-11", ProductionDate: "2026-11-20", ExpiryDate: "2027-05-20", Quantity: 26, RequestId: "retry-me",
	})
	wantCode(t, err, codes.FailedPrecondition, "retry-me")

	got, err := e.Issuance.GetBatch(context.Background(), &estampv1.GetBatchRequest{Id: first.Batch.Id})
	if err != nil || !proto.Equal(got.Batch, first.Batch) {
		t.Fatalf("GetBatch = %v, %v; want %v", got, err, first.Batch)
	}
	list, err := e.Issuance.ListBatches(context.Background(), &estampv1.ListBatchesRequest{ProductId: "NEM-CHUA", PageSize: 1})
	if err != nil || len(list.Batches) != 1 || list.Batches[0].Id != first.Batch.Id || list.NextPageToken == "" {
		t.Fatalf("first page = %v, %v", list, err)
	}
	list, err = e.Issuance.ListBatches(context.Background(), &estampv1.ListBatchesRequest{ProductId: "NEM-CHUA", PageSize: 1, PageToken: list.NextPageToken})
	if err != nil || len(list.Batches) != 1 || list.Batches[0].Id != next.Batch.Id || list.NextPageToken != "" {
		t.Fatalf("second page = %v, %v", list, err)
	}
}

func TestIssuanceRefusals(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	base := func() *estampv1.IssueStampsRequest {
		return &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L1", ProductionDate: "2026-11-20", Quantity: 5, RequestId: "r"}
	}
	tests := []struct {
		name    string
		edit    func(*estampv1.IssueStampsRequest)
		code    codes.Code
		mention string
	}{
		{"revoked certificate", func(r *estampv1.IssueStampsRequest) { r.ProductId = "NEM-CHUA-THU-HOI" }, codes.FailedPrecondition, "revoked"},
		{"expired certificate", func(r *estampv1.IssueStampsRequest) { r.ProductId = "NEM-CHUA-CU" }, codes.FailedPrecondition, "expired"},
		{"below 3 stars", func(r *estampv1.IssueStampsRequest) { r.ProductId = "NEM-CHUA-2S" }, codes.FailedPrecondition, "2★"},
		{"unknown product", func(r *estampv1.IssueStampsRequest) { r.ProductId = "KHONG-CO" }, codes.NotFound, "KHONG-CO"},
		{"quantity 0", func(r *estampv1.IssueStampsRequest) { r.Quantity = 0 }, codes.InvalidArgument, "quantity"},
		{"quantity 100001", func(r *estampv1.IssueStampsRequest) { r.Quantity = 100_001 }, codes.InvalidArgument, "quantity"},
		{"expiry before production", func(r *estampv1.IssueStampsRequest) { r.ExpiryDate = "2026-11-19" }, codes.InvalidArgument, "expiry_date"},
		{"missing lot", func(r *estampv1.IssueStampsRequest) { r.Lot = " " }, codes.InvalidArgument, "lot"},
		{"malformed production date", func(r *estampv1.IssueStampsRequest) { r.ProductionDate = "20/11/2026" }, codes.InvalidArgument, "production_date"},
		{"production in the future", func(r *estampv1.IssueStampsRequest) { r.ProductionDate = "2026-12-25" }, codes.InvalidArgument, "production_date"},
		{"missing request id", func(r *estampv1.IssueStampsRequest) { r.RequestId = "" }, codes.InvalidArgument, "request_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.edit(r)
			r.RequestId = strings.Replace(r.RequestId, "r", tt.name, 1)
			_, err := e.Issuance.IssueStamps(context.Background(), r)
			wantCode(t, err, tt.code, tt.mention)
		})
	}
	// None of the refusals used a serial.
	if next, _ := e.srv.Store.NextSerial(context.Background()); next != 1 {
		t.Errorf("refused requests used serials: next = %d", next)
	}
}

func TestRevocationVerdicts(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	batch := e.issue(t, "NEM-CHUA", 3, "b1")
	five := e.issue(t, "NEM-CHUA-5S", 2, "b2")

	// Certificate revoked after issuance: the stamps still say where the
	// goods come from, but not that they are certified.
	e.revokeCert(t, "NEM-CHUA-5S")
	v := e.verify(t, five.Stamps[0].Code)
	if v.Verdict != estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED || v.Product.GetCertificate().GetRevocationReason() == "" || v.Origin.GetProvince() != "Thanh Hóa" {
		t.Errorf("after certificate revocation: %v %v", v.Verdict, v.Product.GetCertificate())
	}
	_, err := e.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA-5S", Lot: "x", ProductionDate: "2026-11-20", Quantity: 1, RequestId: "b3"})
	wantCode(t, err, codes.FailedPrecondition, "revoked")

	// One stamp revoked, then the whole batch.
	_, err = e.Issuance.RevokeStamps(context.Background(), &estampv1.RevokeStampsRequest{Target: stampsOfBatch(batch.Batch.Id, batch.Stamps[0].Serial), Reason: "Tem bị mất", Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if v := e.verify(t, batch.Stamps[0].Code); v.Verdict != estampv1.Verdict_VERDICT_REVOKED || v.StampRevocationReason != "Tem bị mất" {
		t.Errorf("revoked stamp: %v %q", v.Verdict, v.StampRevocationReason)
	}
	if v := e.verify(t, batch.Stamps[1].Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("sibling of revoked stamp: %v", v.Verdict)
	}
	_, err = e.Issuance.RevokeStamps(context.Background(), &estampv1.RevokeStampsRequest{Target: wholeBatch(batch.Batch.Id), Reason: "In lỗi", Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if v := e.verify(t, batch.Stamps[1].Code); v.Verdict != estampv1.Verdict_VERDICT_REVOKED || !v.Batch.GetRevoked() {
		t.Errorf("stamp of revoked batch: %v", v.Verdict)
	}
	_, err = e.Issuance.RevokeStamps(context.Background(), &estampv1.RevokeStampsRequest{Target: wholeBatch(404), Reason: "x", Actor: "test"})
	wantCode(t, err, codes.NotFound, "404")
	_, err = e.Issuance.RevokeStamps(context.Background(), &estampv1.RevokeStampsRequest{Target: wholeBatch(batch.Batch.Id)})
	wantCode(t, err, codes.InvalidArgument, "reason")
}

// A revocation names its target, a batch or serials, and each mistake in
// it is InvalidArgument naming the field; nothing is revoked by a refused
// request.
func TestRevokeStampsRefusals(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	first := e.issue(t, "NEM-CHUA", 3, "b1")
	second := e.issue(t, "NEM-CHUA", 2, "b2")
	zero := uint64(0)
	// The old form: batch_id as field 1 with serials as field 2, which
	// revoked only those serials of the batch. Read as the recall of the
	// whole batch it would revoke far more than asked.
	var old []byte
	old = protowire.AppendTag(old, 1, protowire.VarintType)
	old = protowire.AppendVarint(old, first.Batch.Id)
	old = protowire.AppendTag(old, 2, protowire.BytesType)
	old = protowire.AppendBytes(old, protowire.AppendVarint(nil, first.Stamps[0].Serial))
	oldForm := &estampv1.RevokeStampsRequest{}
	if err := proto.Unmarshal(old, oldForm); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		target  func(*estampv1.RevokeStampsRequest)
		code    codes.Code
		mention string
	}{
		{"no target", func(r *estampv1.RevokeStampsRequest) { r.Target = nil }, codes.InvalidArgument, "target: required"},
		{"the old form", func(r *estampv1.RevokeStampsRequest) { r.Target = oldForm.Target }, codes.InvalidArgument, "target: required"},
		{"batch 0", func(r *estampv1.RevokeStampsRequest) { r.Target = wholeBatch(0) }, codes.InvalidArgument, "batch_id: 0 is not a batch id"},
		{"unknown batch", func(r *estampv1.RevokeStampsRequest) { r.Target = wholeBatch(404) }, codes.NotFound, "404"},
		{"no serials", func(r *estampv1.RevokeStampsRequest) { r.Target = someStamps() }, codes.InvalidArgument, "stamps.serials: required"},
		{"no serial set", func(r *estampv1.RevokeStampsRequest) {
			r.Target = &estampv1.RevokeStampsRequest_Stamps{}
		}, codes.InvalidArgument, "stamps.serials: required"},
		{"too many serials", func(r *estampv1.RevokeStampsRequest) {
			r.Target = someStamps(make([]uint64, 100_001)...)
		}, codes.InvalidArgument, "stamps.serials: 100001 serials"},
		{"serials of batch 0", func(r *estampv1.RevokeStampsRequest) {
			r.Target = &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: []uint64{first.Stamps[0].Serial}, BatchId: &zero}}
		}, codes.InvalidArgument, "stamps.batch_id: 0 is not a batch id"},
		{"a serial never issued", func(r *estampv1.RevokeStampsRequest) { r.Target = someStamps(first.Stamps[0].Serial, 999) }, codes.InvalidArgument, "stamps.serials: serial 999 (index 1) was never issued"},
		{"a serial of another batch", func(r *estampv1.RevokeStampsRequest) {
			r.Target = stampsOfBatch(first.Batch.Id, first.Stamps[0].Serial, second.Stamps[0].Serial)
		}, codes.InvalidArgument, fmt.Sprintf("stamps.serials: serial %d (index 1) is not in batch %d", second.Stamps[0].Serial, first.Batch.Id)},
		{"serials of an unknown batch", func(r *estampv1.RevokeStampsRequest) { r.Target = stampsOfBatch(404, first.Stamps[0].Serial) }, codes.NotFound, "404"},
		{"no reason", func(r *estampv1.RevokeStampsRequest) { r.Target, r.Reason = wholeBatch(first.Batch.Id), "" }, codes.InvalidArgument, "reason"},
	}
	before, err := e.Custody.ListRevocations(context.Background(), &estampv1.ListRevocationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &estampv1.RevokeStampsRequest{Reason: "thử", Actor: "test"}
			tt.target(r)
			_, err := e.Issuance.RevokeStamps(context.Background(), r)
			wantCode(t, err, tt.code, tt.mention)
		})
	}
	after, err := e.Custody.ListRevocations(context.Background(), &estampv1.ListRevocationsRequest{})
	if err != nil || after.Version != before.Version {
		t.Errorf("refused revocations listed: version %d, then %d (%v)", before.Version, after.GetVersion(), err)
	}
	for _, st := range append(first.Stamps, second.Stamps...) {
		if v := e.verify(t, st.Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
			t.Errorf("serial %d after refused revocations: %v", st.Serial, v.Verdict)
		}
	}
}

func TestCertificateExpiresAfterIssuance(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	code := e.issue(t, "NEM-CHUA", 1, "b1").Stamps[0].Code
	e.clock.Set(time.Date(2028, 8, 20, 3, 0, 0, 0, time.UTC)) // 36 months after 2025-08-20
	if v := e.verify(t, code); v.Verdict != estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED {
		t.Errorf("verdict = %v, want CERTIFICATE_EXPIRED", v.Verdict)
	}
	// Renewal restores it.
	_, err := e.Registry.UpdateCertification(context.Background(), &estampv1.UpdateCertificationRequest{
		ProductId: "NEM-CHUA",
		Change: &estampv1.UpdateCertificationRequest_Renewal{Renewal: &estampv1.Renewal{StarGrade: 4,
			Certificate: &estampv1.Certificate{DecisionNumber: "99/QĐ-UBND", DecisionDate: "2028-08-01"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := e.verify(t, code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("after renewal: %v", v.Verdict)
	}
}

func TestRegistryErrors(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	_, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{Id: "X", Kind: 1,
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã A"}}})
	wantCode(t, err, codes.InvalidArgument, "producer.name")
	_, err = e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{Id: "HTX-NEM-CHUA", Name: "Trùng", Kind: 1,
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã A"}}})
	wantCode(t, err, codes.AlreadyExists, "HTX-NEM-CHUA")
	_, err = e.Registry.GetProducer(ctx, &estampv1.GetProducerRequest{Id: "KHONG-CO"})
	wantCode(t, err, codes.NotFound, "KHONG-CO")
	_, err = e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{Id: "P", ProducerId: "KHONG-CO", Name: "Mắm tép",
		Group: 1, StarGrade: 3, Certificate: &estampv1.Certificate{DecisionNumber: "1", DecisionDate: "2025-01-01"}}})
	wantCode(t, err, codes.NotFound, "producer")
	_, err = e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{Id: "P", ProducerId: "HTX-NEM-CHUA", Name: "Mắm tép",
		Group: 1, StarGrade: 7, Certificate: &estampv1.Certificate{DecisionNumber: "1", DecisionDate: "2025-01-01"}}})
	wantCode(t, err, codes.InvalidArgument, "star_grade")
	_, err = e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{Id: "P", ProducerId: "HTX-NEM-CHUA", Name: "Mắm tép",
		Group: 1, StarGrade: 3, Certificate: &estampv1.Certificate{DecisionNumber: "1", DecisionDate: "2025-13-01"}}})
	wantCode(t, err, codes.InvalidArgument, "decision_date")
	_, err = e.Registry.UpdateCertification(ctx, &estampv1.UpdateCertificationRequest{ProductId: "NEM-CHUA"})
	wantCode(t, err, codes.InvalidArgument, "change")
	_, err = e.Registry.ListProducts(ctx, &estampv1.ListProductsRequest{PageToken: "%%%"})
	wantCode(t, err, codes.InvalidArgument, "page_token")

	list, err := e.Registry.ListProducts(ctx, &estampv1.ListProductsRequest{ProducerId: "HTX-NEM-CHUA", PageSize: 2})
	if err != nil || len(list.Products) != 2 || list.NextPageToken == "" {
		t.Fatalf("ListProducts = %v, %v", list, err)
	}
	statuses := map[string]estampv1.CertificateStatus{}
	for token := ""; ; {
		page, err := e.Registry.ListProducts(ctx, &estampv1.ListProductsRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Products {
			statuses[p.Id] = p.Certificate.Status
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	want := map[string]estampv1.CertificateStatus{
		"NEM-CHUA": estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE, "NEM-CHUA-5S": estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE,
		"NEM-CHUA-2S": estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE, "NEM-CHUA-CU": estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED,
		"NEM-CHUA-THU-HOI": estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED,
	}
	if fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Errorf("statuses = %v, want %v", statuses, want)
	}
}

func TestKeysAndHealth(t *testing.T) {
	e := start(t)
	resp, err := e.Verification.ListIssuerKeys(context.Background(), &estampv1.ListIssuerKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Keys) != 1 {
		t.Fatalf("keys = %v", resp.Keys)
	}
	k := resp.Keys[0]
	if k.KeyId != "56475aa7" || k.Algorithm != "Ed25519" || !k.Active || string(k.PublicKey) != string(e.key.Public) || !strings.Contains(k.PublicKeyPem, "PUBLIC KEY") {
		t.Errorf("key = %v", k)
	}
	h, err := e.health.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "estamp.v1.VerificationService"})
	if err != nil || h.Status != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health = %v, %v", h, err)
	}
}

// Every certified demo product can be issued for, its codes fit a small
// label, and the expired and revoked demo products are refused.
func TestDemoStampsFitSmallLabels(t *testing.T) {
	e := start(t)
	if err := demo.Seed(context.Background(), e.srv.Registry); err != nil {
		t.Fatal(err)
	}
	issued, refused := 0, 0
	for i, p := range demo.Products {
		resp, err := e.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{
			ProductId: p.Id, Lot: "DEMO", ProductionDate: "2026-11-01", Quantity: 2, RequestId: fmt.Sprint("demo-", i),
		})
		if status.Code(err) == codes.FailedPrecondition {
			refused++
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", p.Id, err)
		}
		issued++
		for _, s := range e.stamps(t, resp.Batch.Id) {
			if len(s.Code) > 178 || strings.Trim(s.Code, stampcode.QRAlphanumeric) != "" {
				t.Errorf("%s: code %q (%d chars) does not fit QR 7-M alphanumeric", p.Id, s.Code, len(s.Code))
			}
			if v := e.verify(t, s.Code); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
				t.Errorf("%s: demo stamp verdict %v", p.Id, v.Verdict)
			}
		}
	}
	if refused != 2 || issued != len(demo.Products)-2 {
		t.Errorf("issued %d, refused %d; want the expired and the revoked product refused", issued, refused)
	}
}

// flipLowBit changes the last Base32 character so that only its lowest bit,
// one of the two padding bits, differs: the bytes decode the same.
func flipLowBit(code string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	i := strings.IndexByte(alphabet, code[len(code)-1])
	return code[:len(code)-1] + string(alphabet[i^1])
}

// Stamps already printed keep verifying after the service moves to a new
// address; new stamps carry the new one.
func TestBaseURLChangeKeepsOldStampsValid(t *testing.T) {
	dataDir := t.TempDir()
	old := startAt(t, dataDir, "http://localhost:8080", 0)
	old.seedRegistry(t)
	oldCode := old.issue(t, "NEM-CHUA", 1, "before-move").Stamps[0].Code
	if err := old.srv.Close(); err != nil {
		t.Fatal(err)
	}
	moved := startAt(t, dataDir, "https://tem.ocop.thanhhoa.vn", 0)
	if v := moved.verify(t, oldCode); v.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("old stamp after the move: %v", v.Verdict)
	}
	newCode := moved.issue(t, "NEM-CHUA", 1, "after-move").Stamps[0].Code
	if !strings.HasPrefix(newCode, "HTTPS://TEM.OCOP.THANHHOA.VN/V/") {
		t.Errorf("new code = %s", newCode)
	}
	// A new stamp's token under the old address is not one we printed.
	token := newCode[strings.LastIndex(newCode, "/")+1:]
	if v := moved.verify(t, "HTTP://LOCALHOST:8080/V/"+token); v.Verdict != estampv1.Verdict_VERDICT_MALFORMED {
		t.Errorf("new token under the old address: %v", v.Verdict)
	}
}
