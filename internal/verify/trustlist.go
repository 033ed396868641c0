package verify

import (
	"context"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// TrustDocument gives the signed document of the national trust list
// held, nil when none is: trust.Holder is one. The issuers SetIssuers is
// given serve GetTrustList when they are one.
type TrustDocument interface {
	Document() []byte
}

// GetTrustList implements estampv1.VerificationServiceServer: the trust
// list held, byte for byte as the anchor signed it.
func (s *Service) GetTrustList(context.Context, *estampv1.GetTrustListRequest) (*estampv1.GetTrustListResponse, error) {
	var doc []byte
	if d, ok := s.issuers.(TrustDocument); ok {
		doc = d.Document()
	}
	if doc == nil {
		return nil, ocop.Precondition("máy chủ không giữ danh sách tin cậy quốc gia nào (chạy không có --trust-list, hoặc danh sách đã hết hạn)",
			"the server holds no national trust list (started without --trust-list, or the list held has expired)")
	}
	return &estampv1.GetTrustListResponse{Document: doc}, nil
}
