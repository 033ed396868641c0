// Package registry implements RegistryService: the producers and products
// that stamps can be issued for.
package registry

import (
	"context"
	"fmt"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/photo"
)

// Store is what the registry needs from storage.
type Store interface {
	CreateProducer(ctx context.Context, p *estampv1.Producer, allowSameName bool, ch audit.Change, e audit.Entry) error
	Producer(ctx context.Context, id string) (*estampv1.Producer, error)
	Producers(ctx context.Context, after string, limit int) ([]*estampv1.Producer, bool, error)
	CreateProduct(ctx context.Context, p *estampv1.Product, ch audit.Change, e audit.Entry) error
	Product(ctx context.Context, id string) (*estampv1.Product, error)
	Products(ctx context.Context, producerID, after string, limit int) ([]*estampv1.Product, bool, error)
	Batches(ctx context.Context, productID string, after uint64, limit int) ([]*estampv1.Batch, bool, error)
	UpdateProduct(ctx context.Context, id string, ch audit.Change, change func(*estampv1.Product) (audit.Entry, error)) (*estampv1.Product, error)
	EditProduct(ctx context.Context, id string, ch audit.Change, change func(*estampv1.Product) (audit.Entry, bool, error)) (*estampv1.Product, error)
	SetProductPhoto(ctx context.Context, id string, ph *photo.Photo, ch audit.Change, e audit.Entry) (*estampv1.Product, error)
	CreateRetailer(ctx context.Context, r *estampv1.Retailer, ch audit.Change, e audit.Entry) error
	Retailer(ctx context.Context, id string) (*estampv1.Retailer, error)
	Retailers(ctx context.Context, after string, limit int) ([]*estampv1.Retailer, bool, error)
}

// Service implements estampv1.RegistryServiceServer.
type Service struct {
	estampv1.UnimplementedRegistryServiceServer
	store Store
	now   func() time.Time
}

// New returns the service; now is the clock.
func New(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// change names the caller of ctx as the author of a change at now.
func (s *Service) change(ctx context.Context, now time.Time) audit.Change {
	return audit.Change{Actor: auth.Actor(ctx), Time: now}
}

// CreateProducer implements estampv1.RegistryServiceServer.
func (s *Service) CreateProducer(ctx context.Context, req *estampv1.CreateProducerRequest) (*estampv1.CreateProducerResponse, error) {
	p := req.GetProducer()
	if err := ocop.NormalizeProducer(p); err != nil {
		return nil, err
	}
	e := audit.Entry{Action: audit.ProducerCreate, Target: p.Id, Detail: p.Name}
	if err := s.store.CreateProducer(ctx, p, req.GetAllowDuplicateName(), s.change(ctx, s.now()), e); err != nil {
		return nil, err
	}
	return &estampv1.CreateProducerResponse{Producer: p}, nil
}

// GetProducer implements estampv1.RegistryServiceServer.
func (s *Service) GetProducer(ctx context.Context, req *estampv1.GetProducerRequest) (*estampv1.GetProducerResponse, error) {
	if err := ocop.CheckID("id", req.GetId()); err != nil {
		return nil, err
	}
	p, err := s.store.Producer(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &estampv1.GetProducerResponse{Producer: p}, nil
}

// ListProducers implements estampv1.RegistryServiceServer.
func (s *Service) ListProducers(ctx context.Context, req *estampv1.ListProducersRequest) (*estampv1.ListProducersResponse, error) {
	list, next, err := paging.ByID(ctx, req, s.store.Producers)
	if err != nil {
		return nil, err
	}
	return &estampv1.ListProducersResponse{Producers: list, NextPageToken: next}, nil
}

// CreateProduct implements estampv1.RegistryServiceServer.
func (s *Service) CreateProduct(ctx context.Context, req *estampv1.CreateProductRequest) (*estampv1.CreateProductResponse, error) {
	p := req.GetProduct()
	if err := ocop.NormalizeProduct(p); err != nil {
		return nil, err
	}
	now := s.now()
	e := audit.Entry{Action: audit.ProductCreate, Target: p.Id, Detail: p.ProducerId + " " + p.Name}
	if err := s.store.CreateProduct(ctx, p, s.change(ctx, now), e); err != nil {
		return nil, err
	}
	return &estampv1.CreateProductResponse{Product: ocop.WithStatus(p, now)}, nil
}

// GetProduct implements estampv1.RegistryServiceServer.
func (s *Service) GetProduct(ctx context.Context, req *estampv1.GetProductRequest) (*estampv1.GetProductResponse, error) {
	if err := ocop.CheckID("id", req.GetId()); err != nil {
		return nil, err
	}
	p, err := s.store.Product(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &estampv1.GetProductResponse{Product: ocop.WithStatus(p, s.now())}, nil
}

// ListProducts implements estampv1.RegistryServiceServer.
func (s *Service) ListProducts(ctx context.Context, req *estampv1.ListProductsRequest) (*estampv1.ListProductsResponse, error) {
	list, next, err := paging.ByID(ctx, req, func(ctx context.Context, after string, limit int) ([]*estampv1.Product, bool, error) {
		// Checked once the page is, as before: a bad page_size is named
		// first.
		if req.GetProducerId() != "" {
			if err := ocop.CheckID("producer_id", req.GetProducerId()); err != nil {
				return nil, false, err
			}
		}
		return s.store.Products(ctx, req.GetProducerId(), after, limit)
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, p := range list {
		ocop.WithStatus(p, now)
	}
	return &estampv1.ListProductsResponse{Products: list, NextPageToken: next}, nil
}

// UpdateCertification implements estampv1.RegistryServiceServer.
func (s *Service) UpdateCertification(ctx context.Context, req *estampv1.UpdateCertificationRequest) (*estampv1.UpdateCertificationResponse, error) {
	if err := ocop.CheckID("product_id", req.GetProductId()); err != nil {
		return nil, err
	}
	now, id := s.now(), req.GetProductId()
	var change func(*estampv1.Product) (audit.Entry, error)
	switch c := req.GetChange().(type) {
	case *estampv1.UpdateCertificationRequest_Renewal:
		r := c.Renewal
		if err := ocop.NormalizeCertification(r.GetStarGrade(), r.GetCertificate(), "renewal"); err != nil {
			return nil, err
		}
		if !req.GetForce() {
			if err := s.checkRenewal(ctx, id, r.Certificate, now); err != nil {
				return nil, err
			}
		}
		change = func(p *estampv1.Product) (audit.Entry, error) {
			p.StarGrade, p.Certificate = r.StarGrade, r.Certificate
			return audit.Entry{Action: audit.CertificateRenew, Target: id, Detail: fmt.Sprintf("%d stars, decision %s", r.StarGrade, r.Certificate.GetDecisionNumber())}, nil
		}
	case *estampv1.UpdateCertificationRequest_Revocation:
		reason := c.Revocation.GetReason()
		change = func(p *estampv1.Product) (audit.Entry, error) {
			return audit.Entry{Action: audit.CertificateRevoke, Target: id, Detail: reason}, ocop.Revoke(p.Certificate, reason, now)
		}
	default:
		return nil, ocop.Invalid("change", "bắt buộc: gia hạn (renewal) hoặc thu hồi (revocation)", "required: renewal or revocation")
	}
	p, err := s.store.UpdateProduct(ctx, id, s.change(ctx, now), change)
	if err != nil {
		return nil, err
	}
	return &estampv1.UpdateCertificationResponse{Product: ocop.WithStatus(p, now)}, nil
}

// checkRenewal refuses a renewal whose dates are nearly always a typing
// mistake: a certificate that would already be expired (and so would have
// ended before any stamp issued since), or that would end before the last
// day that stamps already issued under the same decision carry. The
// office can still record such a decision with force.
func (s *Service) checkRenewal(ctx context.Context, productID string, c *estampv1.Certificate, now time.Time) error {
	// NormalizeCertification has read the dates already.
	if ocop.Expired(c.ValidUntil, now) {
		return ocop.Precondition("giấy chứng nhận theo quyết định %[1]s (%[4]s) sẽ hết hạn ngay: hiệu lực đến %[5]s; hãy kiểm tra lại các ngày, hoặc buộc gia hạn (force)", "the certificate of decision %[1]s (%[2]s) would already be expired: valid until %[3]s; check the dates, or force the renewal", c.DecisionNumber, c.DecisionDate, c.ValidUntil, ocop.ShowDate(c.DecisionDate, ocop.VI), ocop.ShowDate(c.ValidUntil, ocop.VI))
	}
	for after := uint64(0); ; {
		batches, more, err := s.store.Batches(ctx, productID, after, paging.MaxSize)
		if err != nil {
			return err
		}
		for _, b := range batches {
			if b.CertificateDecisionNumber == c.DecisionNumber && b.ValidUntil > c.ValidUntil {
				return ocop.Precondition("tem của lô %[1]d, cấp theo quyết định %[2]s, ghi hiệu lực đến %[5]s, sau ngày %[6]s; hãy kiểm tra lại các ngày, hoặc buộc gia hạn (force)", "the stamps of batch %[1]d, issued under decision %[2]s, say it is valid until %[3]s, after %[4]s; check the dates, or force the renewal", b.Id, c.DecisionNumber, b.ValidUntil, c.ValidUntil, ocop.ShowDate(b.ValidUntil, ocop.VI), ocop.ShowDate(c.ValidUntil, ocop.VI))
			}
			after = b.Id
		}
		if !more {
			return nil
		}
	}
}

// SetProductPhoto implements estampv1.RegistryServiceServer.
func (s *Service) SetProductPhoto(ctx context.Context, req *estampv1.SetProductPhotoRequest) (*estampv1.SetProductPhotoResponse, error) {
	id := req.GetProductId()
	if err := ocop.CheckID("product_id", id); err != nil {
		return nil, err
	}
	var ph *photo.Photo
	e := audit.Entry{Action: audit.ProductPhoto, Target: id, Detail: "removed"}
	if len(req.GetPhoto()) > 0 {
		var err error
		if ph, err = photo.Check("photo", req.GetPhoto()); err != nil {
			return nil, err
		}
		// The sum is in the product's record, which the entry hashes;
		// the detail says it for people reading the log.
		e.Detail = fmt.Sprintf("%s, %d bytes, %d × %d pixels, sha256 %x", ph.ContentType, len(ph.Data), ph.Width, ph.Height, ph.Sum)
	}
	now := s.now()
	p, err := s.store.SetProductPhoto(ctx, id, ph, s.change(ctx, now), e)
	if err != nil {
		return nil, err
	}
	return &estampv1.SetProductPhotoResponse{Product: ocop.WithStatus(p, now)}, nil
}

// SetProductDescription implements estampv1.RegistryServiceServer.
func (s *Service) SetProductDescription(ctx context.Context, req *estampv1.SetProductDescriptionRequest) (*estampv1.SetProductDescriptionResponse, error) {
	id := req.GetProductId()
	if err := ocop.CheckID("product_id", id); err != nil {
		return nil, err
	}
	text, err := ocop.Paragraphs("description", req.GetDescription(), ocop.MaxDescriptionLength)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p, err := s.store.EditProduct(ctx, id, s.change(ctx, now), func(p *estampv1.Product) (audit.Entry, bool, error) {
		changed := p.Description != text
		p.Description = text
		return audit.Entry{Action: audit.ProductDescription, Target: id, Detail: text}, changed, nil
	})
	if err != nil {
		return nil, err
	}
	return &estampv1.SetProductDescriptionResponse{Product: ocop.WithStatus(p, now)}, nil
}

// CreateRetailer implements estampv1.RegistryServiceServer.
func (s *Service) CreateRetailer(ctx context.Context, req *estampv1.CreateRetailerRequest) (*estampv1.CreateRetailerResponse, error) {
	r := req.GetRetailer()
	if err := ocop.NormalizeRetailer(r); err != nil {
		return nil, err
	}
	e := audit.Entry{Action: audit.RetailerCreate, Target: r.Id, Detail: r.Name}
	if err := s.store.CreateRetailer(ctx, r, s.change(ctx, s.now()), e); err != nil {
		return nil, err
	}
	return &estampv1.CreateRetailerResponse{Retailer: r}, nil
}

// GetRetailer implements estampv1.RegistryServiceServer.
func (s *Service) GetRetailer(ctx context.Context, req *estampv1.GetRetailerRequest) (*estampv1.GetRetailerResponse, error) {
	if err := ocop.CheckID("id", req.GetId()); err != nil {
		return nil, err
	}
	r, err := s.store.Retailer(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &estampv1.GetRetailerResponse{Retailer: r}, nil
}

// ListRetailers implements estampv1.RegistryServiceServer.
func (s *Service) ListRetailers(ctx context.Context, req *estampv1.ListRetailersRequest) (*estampv1.ListRetailersResponse, error) {
	list, next, err := paging.ByID(ctx, req, s.store.Retailers)
	if err != nil {
		return nil, err
	}
	return &estampv1.ListRetailersResponse{Retailers: list, NextPageToken: next}, nil
}
