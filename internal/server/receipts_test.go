package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/server"
	"github.com/ocopvn/estamp/internal/trust"
)

// twoProvinces is province A (01) and province B (38) in the process,
// both holding a trust list in which B answers gRPC on a loopback port
// (grpc_url), where B serves once serveB is called.
type twoProvinces struct {
	a, b   *env
	serveB func()
}

func startProvinces(t *testing.T) *twoProvinces {
	t.Helper()
	keyA, keyB := testKey(t, "issuer-test-key.pem"), testKey(t, "other-test-key.pem")
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	// B does not answer until serveB: nothing listens there.
	lis.Close()
	list := filepath.Join(t.TempDir(), "trust-list.json")
	data := provincesChanged(t, 1, keyA, keyB, func(l *trust.List) { l.Issuers[1].GRPCURL = "http://" + addr })
	if err := os.WriteFile(list, data, 0o600); err != nil {
		t.Fatal(err)
	}
	withList := func(c *server.Config) {
		c.TrustList, c.TrustAnchors = list, testAnchors(t)
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p := &twoProvinces{
		a: startAt(t, t.TempDir(), "http://localhost:8080", 0, withList),
		b: startAt(t, t.TempDir(), "http://tem.thanhhoa.example:8080", 0, withList, func(c *server.Config) { c.Ring = keys.NewRing(keyB) }),
	}
	p.serveB = func() {
		lis, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		go p.b.srv.GRPC.Serve(lis)
	}
	return p
}

// A shop of province A takes in stamps of province B: each is judged by
// B's keys and named as B's, its custody is recorded at A (the same shop
// again: already received; a second shop of A: a suspected copy), and its
// receipt is queued for B while B does not answer, to be sent when it
// does.
func TestIntakeOfAnotherProvincesStamps(t *testing.T) {
	p := startProvinces(t)
	p.b.seedRegistry(t)
	stamps := p.b.issue(t, "NEM-CHUA", 3, "req-b").Stamps
	p.a.retailer(t, "SHOP-A")
	p.a.retailer(t, "SHOP-A2")
	ctx := context.Background()

	// B is not serving yet: its receipts wait at A.
	resp := p.a.receive(t, "SHOP-A", stamps[0].Code, stamps[1].Code, stamps[1].Code, strings.Replace(stamps[2].Code, "TEM.THANHHOA.EXAMPLE", "TEM.NOWHERE.EXAMPLE", 1))
	want := []struct {
		v       estampv1.IntakeVerdict
		issuer  string
		pending bool
	}{
		{estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED, "38", true},
		{estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED, "38", true},
		{estampv1.IntakeVerdict_INTAKE_VERDICT_DUPLICATE_IN_DELIVERY, "38", false},
		{estampv1.IntakeVerdict_INTAKE_VERDICT_UNKNOWN_ISSUER, "", false},
	}
	for i, w := range want {
		it := resp.Items[i]
		if it.Verdict != w.v || it.IssuerId != w.issuer || it.ReportPending != w.pending || (w.issuer != "" && it.IssuerName != "Tỉnh Thanh Hóa") {
			t.Errorf("line %d: %v %q %q pending=%v, want %v %q pending=%v", it.Line, it.Verdict, it.IssuerId, it.IssuerName, it.ReportPending, w.v, w.issuer, w.pending)
		}
	}
	if n, err := p.a.srv.Store.QueuedReceiptCount(ctx); err != nil || n != 2 {
		t.Fatalf("receipts queued at A: %d, %v", n, err)
	}
	again := p.a.receive(t, "SHOP-A", stamps[0].Code)
	if v := again.Items[0].Verdict; v != estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED || again.Items[0].ReportPending {
		t.Errorf("the same shop again: %v pending=%v", v, again.Items[0].ReportPending)
	}
	other := p.a.receive(t, "SHOP-A2", stamps[0].Code).Items[0]
	if other.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || other.OtherRetailerId != "SHOP-A" || other.OtherRetailerName != "Cửa hàng SHOP-A" {
		t.Errorf("a second shop of A: %v", other)
	}
	if n, _ := p.a.srv.Store.QueuedReceiptCount(ctx); n != 3 {
		t.Errorf("receipts queued at A after a second shop: %d, want 3", n)
	}
	sale, err := p.a.Custody.RecordSale(ctx, &estampv1.RecordSaleRequest{RetailerId: "SHOP-A", Codes: []string{stamps[1].Code}})
	if err != nil || sale.Items[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD {
		t.Fatalf("A's shop sells B's stamp: %v, %v", sale, err)
	}
	if it := p.a.receive(t, "SHOP-A2", stamps[1].Code).Items[0]; it.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || it.OtherSaleTime == nil {
		t.Errorf("B's stamp sold at A, then taken in at another shop of A: %v", it)
	}

	// B answers again: A's queue reaches it, and B's own shop taking in
	// the stamp A's shop received is told of that shop.
	p.serveB()
	p.b.retailer(t, "SHOP-B")
	p.a.srv.RefreshTrust(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := p.a.srv.Store.QueuedReceiptCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d receipts still queued at A after B came back", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	atB := p.b.receive(t, "SHOP-B", stamps[0].Code).Items[0]
	if atB.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || atB.OtherIssuerId != "01" || !strings.HasPrefix(atB.OtherRetailerName, "Cửa hàng SHOP-A") {
		t.Errorf("B's shop takes in the stamp A's shop received: %v", atB)
	}
	// The other way: B's shop had stamps[2]; A's shop taking it in hears
	// so from B at once.
	p.b.receive(t, "SHOP-B", stamps[2].Code)
	atA := p.a.receive(t, "SHOP-A", stamps[2].Code).Items[0]
	if atA.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || atA.ReportPending || atA.OtherRetailerName != "Cửa hàng SHOP-B" {
		t.Errorf("A's shop takes in a stamp B's shop received: %v", atA)
	}
	if d, err := p.a.Custody.DescribeCode(ctx, &estampv1.DescribeCodeRequest{RetailerId: "SHOP-A", Code: stamps[2].Code}); err != nil || d.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		t.Errorf("DescribeCode of B's stamp at A: %v, %v", d, err)
	}
}
