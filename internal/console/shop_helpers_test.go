package console_test

import (
	"context"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
)

// issue has the office issue a batch of product and returns it with its
// stamps, as a producer's printer would get them.
func (e *env) issue(t testing.TB, product, lot string, n uint32) (*estampv1.Batch, []*estampv1.Stamp) {
	t.Helper()
	ctx := context.Background()
	resp, err := e.admin.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{
		ProductId: product, Lot: lot, ProductionDate: "2026-11-01", Quantity: n, RequestId: product + "/" + lot,
	})
	if err != nil {
		t.Fatal(err)
	}
	var stamps []*estampv1.Stamp
	_, err = client.Stamps(ctx, e.admin.Issuance, resp.Batch.Id, func(_ *estampv1.Batch, _ uint32, s []*estampv1.Stamp) error {
		stamps = append(stamps, s...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Batch, stamps
}

// receive has the office take codes into a shop through the API, as the
// shop's own system would.
func (e *env) receive(t testing.TB, shop, reference string, stamps ...*estampv1.Stamp) *estampv1.ReceiveDeliveryResponse {
	t.Helper()
	var codes []string
	for _, s := range stamps {
		codes = append(codes, s.Code)
	}
	resp, err := e.admin.Custody.ReceiveDelivery(context.Background(), &estampv1.ReceiveDeliveryRequest{RetailerId: shop, Codes: codes, Reference: reference})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
