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
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/verify"
)

// A buyer sees where and when a stamp was sold: the shop by name and
// place, or unnamed when the registry no longer has it (the sale is still
// told); a registry that cannot be read fails the call before a scan is
// recorded. An unsold stamp has no sale.
func TestSaleOfTheStamp(t *testing.T) {
	key, err := keys.ReadFile("../stampcode/testdata/issuer-test-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	code, err := key.Issuer.Sign("", stampcode.Claims{Serial: 7, BatchID: 1, StarGrade: 4, ValidUntil: time.Date(2028, 8, 19, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	soldAt := now.Add(-2 * time.Hour)
	shops := map[string]*estampv1.Retailer{
		"CH-A": {Id: "CH-A", Name: "Cửa hàng OCOP Hạc Thành", TaxCode: "2805678901", Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành", Street: "25 Đại lộ Lê Lợi"}},
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tt := range []struct {
		name    string
		sale    *record.Sale
		err     error
		want    []string // name, commune, province, time; nil for no sale
		scans   int
		failure bool
	}{
		{"sold at a known shop", &record.Sale{RetailerId: "CH-A", TimeUnixNano: soldAt.UnixNano(), RequestId: "till-1"}, nil,
			[]string{"Cửa hàng OCOP Hạc Thành", "Phường Hạc Thành", "Thanh Hóa", soldAt.String()}, 1, false},
		{"sold at a shop the registry lost", &record.Sale{RetailerId: "GONE", TimeUnixNano: soldAt.UnixNano()}, nil,
			[]string{"", "", "", soldAt.String()}, 1, false},
		{"never sold", nil, nil, nil, 1, false},
		{"the registry cannot be read", &record.Sale{RetailerId: "CH-A", TimeUnixNano: soldAt.UnixNano()}, errors.New("disk on fire"), nil, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			state := &record.StampState{ScanCount: 1, FirstScanUnixNano: now.UnixNano(), LastScanUnixNano: now.UnixNano(), Sale: tt.sale}
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
			if s := resp.GetSold(); s != nil {
				got = []string{s.RetailerName, s.Commune, s.Province, s.SaleTime.AsTime().String()}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("sold %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("sold %q, want %q", got, tt.want)
					break
				}
			}
			if !tt.failure && resp.Verdict != estampv1.Verdict_VERDICT_GENUINE {
				t.Errorf("verdict %v: a sale changes no verdict", resp.Verdict)
			}
		})
	}
}
