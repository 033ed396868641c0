// Package printing implements LabelService over internal/labels: it
// renders a batch's labels on the server and streams the file, for clients
// that cannot render. What to render and how is the labels package's job,
// shared with the CLI.
package printing

import (
	"context"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/ocop"
)

// chunkSize keeps each message far below gRPC's 4 MB default.
const chunkSize = 256 << 10

// Batches gives a batch with its stamps' codes.
type Batches interface {
	BatchStamps(ctx context.Context, id uint64) (*estampv1.Batch, []*estampv1.Stamp, error)
}

// Products gives a product by id.
type Products interface {
	Product(ctx context.Context, id string) (*estampv1.Product, error)
}

// Revocations says which serials of a batch were revoked one by one.
type Revocations interface {
	RevokedSerials(ctx context.Context, batchID uint64) (*estampv1.Batch, []*estampv1.SerialRange, error)
}

// Service implements estampv1.LabelServiceServer.
type Service struct {
	estampv1.UnimplementedLabelServiceServer
	batches     Batches
	products    Products
	revocations Revocations
	renderer    *labels.Renderer
}

// New returns the service.
func New(batches Batches, products Products, revocations Revocations, renderer *labels.Renderer) *Service {
	return &Service{batches: batches, products: products, revocations: revocations, renderer: renderer}
}

// ListLabelLayouts implements estampv1.LabelServiceServer.
func (s *Service) ListLabelLayouts(context.Context, *estampv1.ListLabelLayoutsRequest) (*estampv1.ListLabelLayoutsResponse, error) {
	return labels.LayoutsProto(), nil
}

// load gathers what the labels of a batch show; with revoked, which of
// its stamps are revoked (Stamp.Revoked).
func (s *Service) load(ctx context.Context, batchID uint64, revoked bool) (labels.Batch, error) {
	b, stamps, err := s.batches.BatchStamps(ctx, batchID)
	if err != nil {
		return labels.Batch{}, err
	}
	p, err := s.products.Product(ctx, b.ProductId)
	if err != nil {
		return labels.Batch{}, err
	}
	var entries []*estampv1.RevocationEntry
	// A recalled batch is revoked whole: no need to look for serials.
	if revoked && !b.Revoked {
		_, ranges, err := s.revocations.RevokedSerials(ctx, batchID)
		if err != nil {
			return labels.Batch{}, err
		}
		if len(ranges) > 0 {
			entries = append(entries, &estampv1.RevocationEntry{BatchId: batchID, SerialRanges: ranges})
		}
	}
	return labels.FromProto(b, p, stamps, entries), nil
}

// RenderLabels implements estampv1.LabelServiceServer.
func (s *Service) RenderLabels(req *estampv1.RenderLabelsRequest, stream estampv1.LabelService_RenderLabelsServer) error {
	if req.GetBatchId() == 0 {
		return ocop.Invalid("batch_id", "bắt buộc", "required")
	}
	job, err := labels.JobFromRequest(req)
	if err != nil {
		return err
	}
	b, err := s.load(stream.Context(), req.GetBatchId(), !job.IncludeRevoked)
	if err != nil {
		return err
	}
	b, leftOut, err := job.Select(req.GetBatchId(), b)
	if err != nil {
		return err
	}
	w := &chunkWriter{
		stream:  stream,
		first:   &estampv1.RenderLabelsResponse{FileName: job.FileName(req.GetBatchId()), ContentType: job.ContentType()},
		total:   uint32(job.Labels(len(b.Stamps))),
		leftOut: uint32(leftOut),
	}
	if err := s.renderer.Render(stream.Context(), w, b, job, func(done, _ int) { w.done = uint32(done) }); err != nil {
		if w.sendErr != nil {
			return w.sendErr
		}
		// A client that hung up or ran out of time stopped the render:
		// that is what it hears (Canceled, DeadlineExceeded), not that
		// its batch cannot be rendered.
		if ctxErr := stream.Context().Err(); ctxErr != nil {
			return ctxErr
		}
		return ocop.Precondition("không dựng được nhãn của lô tem %d: %v", "rendering batch %d: %v", req.GetBatchId(), err)
	}
	return w.flush()
}

// chunkWriter turns the renderer's writes into stream messages.
type chunkWriter struct {
	stream  estampv1.LabelService_RenderLabelsServer
	first   *estampv1.RenderLabelsResponse
	buf     []byte
	done    uint32
	total   uint32
	leftOut uint32
	sendErr error
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	for len(c.buf) >= chunkSize {
		if err := c.send(c.buf[:chunkSize]); err != nil {
			return 0, err
		}
		c.buf = append(c.buf[:0], c.buf[chunkSize:]...)
	}
	return len(p), nil
}

func (c *chunkWriter) send(chunk []byte) error {
	msg := c.first
	if msg == nil {
		msg = &estampv1.RenderLabelsResponse{}
	}
	c.first = nil
	msg.Chunk, msg.LabelsDone, msg.LabelsTotal, msg.RevokedLeftOut = chunk, c.done, c.total, c.leftOut
	if err := c.stream.Send(msg); err != nil {
		c.sendErr = err
		return err
	}
	return nil
}

func (c *chunkWriter) flush() error {
	c.done = c.total
	return c.send(c.buf)
}
