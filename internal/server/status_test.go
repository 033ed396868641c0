package server_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/ocop"
)

// TestErrorsSayItInVietnamese: a refusal's status message stays English,
// for API clients and logs, and carries the same refusal in Vietnamese
// for the people at the console and the command line.
func TestErrorsSayItInVietnamese(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	producer, _ := e.token(t, estampv1.Role_ROLE_PRODUCER, "HTX-NEM-CHUA", "")
	asProducer, asNobody := e.dial(t, producer), e.dial(t, "")
	for _, tt := range []struct {
		name   string
		call   func() error
		code   codes.Code
		en, vi string
	}{
		{"expired certificate", func() error {
			_, err := e.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA-CU", Lot: "L", Quantity: 1, ProductionDate: "2026-11-01", RequestId: "r1"})
			return err
		}, codes.FailedPrecondition, "expired on 2024-01-03", "đã hết hạn ngày 03/01/2024"},
		{"invalid quantity", func() error {
			_, err := e.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L", Quantity: 0, ProductionDate: "2026-11-01", RequestId: "r2"})
			return err
		}, codes.InvalidArgument, "quantity: 0 is outside", "quantity: 0 nằm ngoài khoảng"},
		{"not found", func() error {
			_, err := e.Registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: "KHONG-CO"})
			return err
		}, codes.NotFound, `product "KHONG-CO" not found`, `không tìm thấy sản phẩm "KHONG-CO"`},
		{"already exists", func() error {
			_, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{
				Id: "htx-nem-chua", Name: "Trùng", Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
				Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hạc Thành"},
			}})
			return err
		}, codes.AlreadyExists, "ids are the same whatever their letter case", `chủ thể "htx-nem-chua" đã có (là "HTX-NEM-CHUA"`},
		{"no token", func() error {
			_, err := asNobody.Registry.ListProducers(ctx, &estampv1.ListProducersRequest{})
			return err
		}, codes.Unauthenticated, "needs an API token", "cần token API"},
		{"another's role", func() error {
			_, err := asProducer.Registry.ListProducers(ctx, &estampv1.ListProducersRequest{})
			return err
		}, codes.PermissionDenied, "may not make this call", "không được làm việc này"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := status.FromError(tt.call())
			if st.Code() != tt.code || !strings.Contains(st.Message(), tt.en) {
				t.Errorf("status %v %q, want %v with %q", st.Code(), st.Message(), tt.code, tt.en)
			}
			if got := client.Message(st, ocop.VI); !strings.Contains(got, tt.vi) {
				t.Errorf("in Vietnamese %q, want %q", got, tt.vi)
			}
			if got := client.Message(st, ocop.EN); got != st.Message() {
				t.Errorf("in English %q, want the status message %q", got, st.Message())
			}
		})
	}
}
