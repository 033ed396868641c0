package relay

import (
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// Open reads what any caller of ReportReceipts sends: whatever the bytes,
// it answers or refuses, and what it opens passed every check.
func FuzzOpen(f *testing.F) {
	good, err := Sign(&estampv1.ReceiptReport{FromIssuerId: "01", ToIssuerId: "38", Receipts: []*estampv1.ForeignReceipt{receipt(1)}}, idOf(hanoi), hanoi)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good.Report, good.KeyId, good.Signature)
	f.Add([]byte{}, "", []byte{})
	f.Fuzz(func(t *testing.T, report []byte, keyID string, sig []byte) {
		r, err := Open(&estampv1.ReportReceiptsRequest{Report: report, KeyId: keyID, Signature: sig}, list, "38", now)
		if err != nil {
			return
		}
		if r.GetToIssuerId() != "38" || len(r.GetReceipts()) == 0 || len(r.GetReceipts()) > MaxReceipts {
			t.Fatalf("opened %v", r)
		}
	})
}
