package verify_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/verify"
)

// shopStore keeps one stamp and the shops of the registry.
type shopStore struct {
	state *record.StampState
	shops map[string]*estampv1.Retailer
	err   error
}

func (s shopStore) Stamp(context.Context, uint64, uint64) (*record.Stamp, error) {
	return &record.Stamp{
		Producer: &estampv1.Producer{Name: "HTX"},
		Product:  &estampv1.Product{Name: "Nem chua", Certificate: &estampv1.Certificate{ValidUntil: "2028-08-19"}},
		Batch:    &estampv1.Batch{StarGrade: 4},
		State:    s.state,
	}, nil
}

func (s shopStore) Retailer(_ context.Context, id string) (*estampv1.Retailer, error) {
	if s.err != nil {
		return nil, s.err
	}
	if r, ok := s.shops[id]; ok {
		return r, nil
	}
	return nil, &ocop.NotFoundError{What: "retailer", ID: id}
}

// countingScans counts the scans recorded.
type countingScans struct {
	state *record.StampState
	n     *int
}

func (c countingScans) Record(context.Context, record.Scan) (*record.StampState, error) {
	*c.n++
	return c.state, nil
}

// A buyer sees the shops that received the stamp, the first first, by
// name and place: a shop the registry does not know goes unnamed, and a
// registry that cannot be read fails the call before a scan is recorded,
// so that a retry does not count twice.
func TestShopsThatReceivedTheStamp(t *testing.T) {
	key, err := keys.ReadFile("../stampcode/testdata/issuer-test-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	code, err := key.Issuer.Sign("", stampcode.Claims{Serial: 7, BatchID: 1, StarGrade: 4, ValidUntil: time.Date(2028, 8, 19, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	early, late := now.Add(-48*time.Hour), now.Add(-time.Hour)
	state := &record.StampState{ScanCount: 1, FirstScanUnixNano: early.UnixNano(), LastScanUnixNano: early.UnixNano(), Receipts: []*record.Receipt{
		{RetailerId: "LATE", FirstUnixNano: late.UnixNano(), LastUnixNano: late.UnixNano(), Count: 3},
		{RetailerId: "GONE", FirstUnixNano: early.UnixNano(), LastUnixNano: early.UnixNano(), Count: 1},
		{RetailerId: "EARLY", FirstUnixNano: early.UnixNano(), LastUnixNano: late.UnixNano(), Count: 2},
	}}
	shops := map[string]*estampv1.Retailer{
		"EARLY": {Id: "EARLY", Name: "Cửa hàng OCOP Hạc Thành", TaxCode: "2805678901", Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành", Street: "25 Đại lộ Lê Lợi"}},
		"LATE":  {Id: "LATE", Name: "Siêu thị đặc sản Sầm Sơn", Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Sầm Sơn"}},
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tt := range []struct {
		name    string
		err     error
		want    []string // name, commune, province, time
		scans   int
		failure bool
	}{
		{"first first, the unknown one left out", nil, []string{
			"Cửa hàng OCOP Hạc Thành", "Phường Hạc Thành", "Thanh Hóa", early.String(),
			"Siêu thị đặc sản Sầm Sơn", "Phường Sầm Sơn", "Thanh Hóa", late.String()}, 1, false},
		{"the registry cannot be read", errors.New("disk on fire"), nil, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			svc, err := verify.New(shopStore{state, shops, tt.err}, countingScans{state, &n}, keys.NewRing(key), []string{"https://tem.example"}, func() time.Time { return now }, discard)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := svc.Verify(context.Background(), &estampv1.VerifyRequest{Code: code})
			if (err != nil) != tt.failure || n != tt.scans {
				t.Fatalf("Verify: %v, %d scans recorded; want failure %v, %d scans", err, n, tt.failure, tt.scans)
			}
			var got []string
			for _, r := range resp.GetReceivedBy() {
				got = append(got, r.RetailerName, r.Commune, r.Province, r.ReceiveTime.AsTime().String())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("received by %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("received by %q, want %q", got, tt.want)
					break
				}
			}
			if tt.failure {
				return
			}
			// Two shops: the answer says which sign of copying applies.
			if len(resp.Warnings) != 1 || resp.Warnings[0] != estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS || resp.Message != "Tem đã được 3 cửa hàng nhận, trong khi mỗi tem chỉ đi cùng một món hàng." {
				t.Errorf("warnings %v, message %q", resp.Warnings, resp.Message)
			}
		})
	}
}
