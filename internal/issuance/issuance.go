// Package issuance implements IssuanceService: batches of signed stamps for
// certified products.
//
// A batch is stored as a record with a consecutive serial range, not as one
// record per stamp; Ed25519 signatures are deterministic, so each stamp's
// code can be reproduced from the record and the key that signed it.
package issuance

import (
	"context"
	"runtime"
	"sync"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
)

// Limits of one request.
const (
	MaxQuantity      = 100_000
	MaxLotLength     = 64
	MaxRequestIDSize = 128
)

// Store is what issuance needs from storage.
type Store interface {
	IssueBatch(requestID, productID string, ch store.Change, plan func(*estampv1.Product) (*estampv1.Batch, error)) (*estampv1.Batch, bool, error)
	Batch(id uint64) (*estampv1.Batch, error)
	Batches(productID string, after uint64, limit int) ([]*estampv1.Batch, bool, error)
	RevokeStamps(store.Revocation) (*estampv1.Batch, int, uint64, error)
	Product(id string) (*estampv1.Product, error)
}

// Issuers finds the issuer key for new batches and, by id, for
// reproducing the codes of old ones.
type Issuers interface {
	ActiveIssuer() (*stampcode.Issuer, error)
	Issuer(keyID string) (*stampcode.Issuer, bool)
}

// Service implements estampv1.IssuanceServiceServer.
type Service struct {
	estampv1.UnimplementedIssuanceServiceServer
	store   Store
	issuers Issuers
	prefix  string
	now     func() time.Time
}

// New returns the service issuing codes under baseURL.
func New(store Store, issuers Issuers, baseURL string, now func() time.Time) (*Service, error) {
	prefix, err := stampcode.URLPrefix(baseURL)
	if err != nil {
		return nil, err
	}
	return &Service{store: store, issuers: issuers, prefix: prefix, now: now}, nil
}

type issueRequest struct {
	lot                  string
	production, expiry   time.Time
	productionS, expiryS string
	quantity             uint32
}

func parseIssue(req *estampv1.IssueStampsRequest) (*issueRequest, error) {
	if err := ocop.CheckID("product_id", req.GetProductId()); err != nil {
		return nil, err
	}
	r := &issueRequest{quantity: req.GetQuantity()}
	if n := len(req.GetRequestId()); n == 0 || n > MaxRequestIDSize {
		return nil, ocop.Invalid("request_id", "required, 1 to %d bytes; reuse it when retrying", MaxRequestIDSize)
	}
	var err error
	if r.lot, err = ocop.Text("lot", req.GetLot(), true, MaxLotLength); err != nil {
		return nil, err
	}
	if r.quantity < 1 || r.quantity > MaxQuantity {
		return nil, ocop.Invalid("quantity", "%d is outside 1..%d", r.quantity, MaxQuantity)
	}
	if r.production, err = ocop.ParseDate("production_date", req.GetProductionDate()); err != nil {
		return nil, err
	}
	r.productionS = ocop.FormatDate(r.production)
	if req.GetExpiryDate() != "" {
		if r.expiry, err = ocop.ParseDate("expiry_date", req.GetExpiryDate()); err != nil {
			return nil, err
		}
		if r.expiry.Before(r.production) {
			return nil, ocop.Invalid("expiry_date", "%s is before the production date %s", req.GetExpiryDate(), r.productionS)
		}
		r.expiryS = ocop.FormatDate(r.expiry)
	}
	return r, nil
}

// IssueStamps implements estampv1.IssuanceServiceServer.
func (s *Service) IssueStamps(ctx context.Context, req *estampv1.IssueStampsRequest) (*estampv1.IssueStampsResponse, error) {
	r, err := parseIssue(req)
	if err != nil {
		return nil, err
	}
	issuer, err := s.issuers.ActiveIssuer()
	if err != nil {
		return nil, err
	}
	now := s.now()
	if r.production.After(ocop.Today(now)) {
		return nil, ocop.Invalid("production_date", "%s is in the future", r.productionS)
	}
	var productNumber uint32
	batch, created, err := s.store.IssueBatch(req.GetRequestId(), req.GetProductId(), store.Change{Actor: auth.Actor(ctx), Time: now}, func(p *estampv1.Product) (*estampv1.Batch, error) {
		productNumber = p.Number
		if p.StarGrade < ocop.MinCertifiedGrade {
			return nil, ocop.Precondition("product %s is graded %d★; only 3★ and above are certified", p.Id, p.StarGrade)
		}
		switch ocop.CertificateStatus(p.Certificate, now) {
		case estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED:
			return nil, ocop.Precondition("certificate %s of product %s was revoked: %s", p.Certificate.DecisionNumber, p.Id, p.Certificate.RevocationReason)
		case estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED:
			return nil, ocop.Precondition("certificate %s of product %s expired on %s", p.Certificate.DecisionNumber, p.Id, p.Certificate.ValidUntil)
		}
		return &estampv1.Batch{
			Lot:                       r.lot,
			ProductionDate:            r.productionS,
			ExpiryDate:                r.expiryS,
			Quantity:                  r.quantity,
			StarGrade:                 p.StarGrade,
			CertificateDecisionNumber: p.Certificate.DecisionNumber,
			ValidUntil:                p.Certificate.ValidUntil,
			KeyId:                     issuer.KeyID().String(),
			BaseUrl:                   s.prefix,
		}, nil
	})
	if err != nil {
		return nil, err
	}
	if !created && !sameRequest(batch, req.GetProductId(), r) {
		return nil, ocop.Precondition("request_id %q was already used for batch %d with other parameters", req.GetRequestId(), batch.Id)
	}
	if !created {
		if productNumber, err = s.productNumber(batch); err != nil {
			return nil, err
		}
	}
	stamps, err := s.codes(ctx, batch, productNumber)
	if err != nil {
		return nil, err
	}
	return &estampv1.IssueStampsResponse{Batch: batch, Stamps: stamps}, nil
}

func sameRequest(b *estampv1.Batch, productID string, r *issueRequest) bool {
	return b.ProductId == productID && b.Lot == r.lot && b.Quantity == r.quantity &&
		b.ProductionDate == r.productionS && b.ExpiryDate == r.expiryS
}

// productNumber is the number stamps carry for the batch's product.
func (s *Service) productNumber(b *estampv1.Batch) (uint32, error) {
	p, err := s.store.Product(b.ProductId)
	if err != nil {
		return 0, err
	}
	return p.Number, nil
}

// codes reproduces every stamp of a batch, signing on all cores: a
// 100,000-stamp batch is 100,000 Ed25519 signatures.
func (s *Service) codes(ctx context.Context, b *estampv1.Batch, productNumber uint32) ([]*estampv1.Stamp, error) {
	issuer, ok := s.issuers.Issuer(b.KeyId)
	if !ok {
		return nil, ocop.Precondition("key %s that signed batch %d is no longer available", b.KeyId, b.Id)
	}
	validUntil, err := time.Parse(ocop.DateLayout, b.ValidUntil)
	if err != nil {
		return nil, err
	}
	stamps := make([]*estampv1.Stamp, b.Quantity)
	workers := min(runtime.GOMAXPROCS(0), int(b.Quantity/256)+1)
	chunk := (len(stamps) + workers - 1) / workers
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(stamps))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if i%1024 == 0 && ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				serial := b.FirstSerial + uint64(i)
				code, err := issuer.Sign(b.BaseUrl, stampcode.Claims{
					Serial:        serial,
					ProductNumber: productNumber,
					BatchID:       uint32(b.Id),
					StarGrade:     uint8(b.StarGrade),
					ValidUntil:    validUntil,
				})
				if err != nil {
					errs[w] = err
					return
				}
				stamps[i] = &estampv1.Stamp{Serial: serial, Code: code}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return stamps, nil
}

// GetBatch implements estampv1.IssuanceServiceServer.
func (s *Service) GetBatch(ctx context.Context, req *estampv1.GetBatchRequest) (*estampv1.GetBatchResponse, error) {
	if req.GetId() == 0 {
		return nil, ocop.Invalid("id", "required")
	}
	b, err := s.store.Batch(req.GetId())
	if err != nil {
		return nil, err
	}
	resp := &estampv1.GetBatchResponse{Batch: b}
	if req.GetIncludeStamps() {
		if resp.Stamps, err = s.stamps(ctx, b); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// BatchStamps returns a batch and every stamp's code, e.g. for printing.
func (s *Service) BatchStamps(ctx context.Context, id uint64) (*estampv1.Batch, []*estampv1.Stamp, error) {
	b, err := s.store.Batch(id)
	if err != nil {
		return nil, nil, err
	}
	stamps, err := s.stamps(ctx, b)
	if err != nil {
		return nil, nil, err
	}
	return b, stamps, nil
}

func (s *Service) stamps(ctx context.Context, b *estampv1.Batch) ([]*estampv1.Stamp, error) {
	n, err := s.productNumber(b)
	if err != nil {
		return nil, err
	}
	return s.codes(ctx, b, n)
}

// ListBatches implements estampv1.IssuanceServiceServer.
func (s *Service) ListBatches(_ context.Context, req *estampv1.ListBatchesRequest) (*estampv1.ListBatchesResponse, error) {
	if err := ocop.CheckID("product_id", req.GetProductId()); err != nil {
		return nil, err
	}
	limit, err := paging.Size(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	after, err := paging.AfterNumber(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	list, more, err := s.store.Batches(req.GetProductId(), after, limit)
	if err != nil {
		return nil, err
	}
	return &estampv1.ListBatchesResponse{Batches: list, NextPageToken: paging.Next(list, more, func(last *estampv1.Batch) string { return paging.NumberToken(last.Id) })}, nil
}

// RevokeStamps implements estampv1.IssuanceServiceServer.
func (s *Service) RevokeStamps(ctx context.Context, req *estampv1.RevokeStampsRequest) (*estampv1.RevokeStampsResponse, error) {
	if req.GetBatchId() == 0 && len(req.GetSerials()) == 0 {
		return nil, ocop.Invalid("batch_id", "required, unless serials are given")
	}
	reason, err := ocop.Text("reason", req.GetReason(), true, ocop.MaxReasonLength)
	if err != nil {
		return nil, err
	}
	person, err := ocop.Text("actor", req.GetActor(), false, 100)
	if err != nil {
		return nil, err
	}
	actor := auth.Actor(ctx)
	if person != "" {
		actor += " (" + person + ")"
	}
	if len(req.GetSerials()) > MaxQuantity {
		return nil, ocop.Invalid("serials", "more than %d", MaxQuantity)
	}
	b, n, version, err := s.store.RevokeStamps(store.Revocation{
		BatchID: req.GetBatchId(), Serials: req.GetSerials(), Reason: reason, Change: store.Change{Actor: actor, Time: s.now()},
	})
	if err != nil {
		return nil, err
	}
	return &estampv1.RevokeStampsResponse{Batch: b, RevokedCount: uint32(n), RevocationVersion: version}, nil
}
