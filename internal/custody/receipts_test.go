package custody_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/custody"
	"github.com/ocopvn/estamp/internal/record"
)

// A shop receiving a stamp again counts once more; past MaxReceipts shops
// the oldest goes, so that a stamp's record does not grow with copies.
func TestReceiptsStayBounded(t *testing.T) {
	st := new(record.StampState)
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	custody.Receive(st, "SHOP-0", t0)
	custody.Receive(st, "SHOP-0", t0.Add(time.Hour))
	if len(st.Receipts) != 1 || st.Receipts[0].Count != 2 || !record.Time(st.Receipts[0].FirstUnixNano).Equal(t0) || !record.Time(st.Receipts[0].LastUnixNano).Equal(t0.Add(time.Hour)) {
		t.Fatalf("receipts after two intakes by one shop: %v", st.Receipts)
	}
	for i := 1; i <= custody.MaxReceipts; i++ {
		custody.Receive(st, fmt.Sprint("SHOP-", i), t0)
	}
	if len(st.Receipts) != custody.MaxReceipts || st.Receipts[0].RetailerId != "SHOP-1" || st.Receipts[len(st.Receipts)-1].RetailerId != fmt.Sprint("SHOP-", custody.MaxReceipts) {
		t.Errorf("%d receipts, first %s: want %d, the oldest dropped", len(st.Receipts), st.Receipts[0].RetailerId, custody.MaxReceipts)
	}
}

// A stamp's first sale stands: a later one, by any shop, leaves the state
// as it was (RecordSale tells it as a copy), so that a buyer is always
// told where the goods were first sold.
func TestFirstSaleStands(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		sales []string // retailer of each sale, an hour apart
	}{
		{"one sale", []string{"SHOP-A"}},
		{"sold again by the same shop", []string{"SHOP-A", "SHOP-A"}},
		{"sold again by another shop", []string{"SHOP-A", "SHOP-B"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := new(record.StampState)
			for i, shop := range tt.sales {
				custody.Sell(st, shop, fmt.Sprint("key-", i), t0.Add(time.Duration(i)*time.Hour))
			}
			if s := st.Sale; s.GetRetailerId() != "SHOP-A" || !record.Time(s.GetTimeUnixNano()).Equal(t0) || s.GetRequestId() != "key-0" {
				t.Errorf("sale = %v, want SHOP-A's at %v with key-0", s, t0)
			}
		})
	}
}
