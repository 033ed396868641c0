// Package printing implements LabelService: it renders a batch's labels on
// the server and streams the file, for clients that cannot render.
package printing

import (
	"context"
	"fmt"
	"io"
	"strings"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/ocop"
)

// DefaultLayout is used when a request names none.
const DefaultLayout = "a4-3x8"

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

// Service implements estampv1.LabelServiceServer.
type Service struct {
	estampv1.UnimplementedLabelServiceServer
	batches  Batches
	products Products
	renderer *labels.Renderer
}

// New returns the service.
func New(batches Batches, products Products, renderer *labels.Renderer) *Service {
	return &Service{batches: batches, products: products, renderer: renderer}
}

// ListLabelLayouts implements estampv1.LabelServiceServer.
func (s *Service) ListLabelLayouts(context.Context, *estampv1.ListLabelLayoutsRequest) (*estampv1.ListLabelLayoutsResponse, error) {
	resp := &estampv1.ListLabelLayoutsResponse{}
	for _, l := range labels.Layouts() {
		resp.Layouts = append(resp.Layouts, LayoutProto(l))
	}
	return resp, nil
}

// LayoutProto converts a layout for the API.
func LayoutProto(l labels.Layout) *estampv1.LabelLayout {
	return &estampv1.LabelLayout{
		Name: l.Name, Description: l.Description,
		PageWidthMm: l.PageWidth, PageHeightMm: l.PageHeight,
		Columns: int32(l.Columns), Rows: int32(l.Rows),
		LabelWidthMm: l.LabelWidth, LabelHeightMm: l.LabelHeight,
		MarginLeftMm: l.MarginLeft, MarginTopMm: l.MarginTop, GapXMm: l.GapX, GapYMm: l.GapY,
	}
}

// Job is a validated render request.
type Job struct {
	Format string // "pdf", "png" or "svg"
	Layout labels.Layout
	Images labels.ImageOptions
}

// ParseJob validates what to render; errors name the field.
func ParseJob(format, layout string, sizePx, dpi int, sizeMM float64) (Job, error) {
	j := Job{Format: strings.ToLower(format)}
	switch j.Format {
	case "", "pdf":
		j.Format = "pdf"
		if layout == "" {
			layout = DefaultLayout
		}
		l, err := labels.FindLayout(layout)
		if err != nil {
			return j, ocop.Invalid("layout", "%v", err)
		}
		j.Layout = l
	case labels.FormatPNG, labels.FormatSVG:
		j.Images = labels.ImageOptions{Format: j.Format, SizePx: sizePx, DPI: dpi, SizeMM: sizeMM}
		if err := j.Images.Validate(); err != nil {
			return j, ocop.Invalid("format", "%v", err)
		}
	default:
		return j, ocop.Invalid("format", "%q: want pdf, png or svg", format)
	}
	return j, nil
}

// Load gathers what the labels of a batch show.
func Load(ctx context.Context, batches Batches, products Products, batchID uint64) (labels.Batch, error) {
	b, stamps, err := batches.BatchStamps(ctx, batchID)
	if err != nil {
		return labels.Batch{}, err
	}
	p, err := products.Product(ctx, b.ProductId)
	if err != nil {
		return labels.Batch{}, err
	}
	return FromProto(b, p, stamps), nil
}

// FromProto builds the renderer's view of a batch.
func FromProto(b *estampv1.Batch, p *estampv1.Product, stamps []*estampv1.Stamp) labels.Batch {
	lb := labels.Batch{ProductName: p.GetName(), StarGrade: int(b.GetStarGrade()), Lot: b.GetLot(), Stamps: make([]labels.Stamp, len(stamps))}
	for i, s := range stamps {
		lb.Stamps[i] = labels.Stamp{Serial: s.Serial, Code: s.Code}
	}
	return lb
}

// FileName suggests a name for the rendered file.
func FileName(batchID uint64, j Job) string {
	if j.Format == "pdf" {
		return fmt.Sprintf("tem-lo-%d.pdf", batchID)
	}
	return fmt.Sprintf("tem-lo-%d-%s.zip", batchID, j.Format)
}

// Render writes the job's file for b to w.
func Render(r *labels.Renderer, w io.Writer, b labels.Batch, j Job, progress labels.Progress) error {
	if j.Format == "pdf" {
		return r.PDF(w, b, j.Layout, progress)
	}
	return r.Images(labels.ZipSink(w), b, j.Images, progress)
}

// RenderLabels implements estampv1.LabelServiceServer.
func (s *Service) RenderLabels(req *estampv1.RenderLabelsRequest, stream estampv1.LabelService_RenderLabelsServer) error {
	if req.GetBatchId() == 0 {
		return ocop.Invalid("batch_id", "required")
	}
	format := map[estampv1.LabelFormat]string{
		estampv1.LabelFormat_LABEL_FORMAT_UNSPECIFIED: "pdf",
		estampv1.LabelFormat_LABEL_FORMAT_PDF:         "pdf",
		estampv1.LabelFormat_LABEL_FORMAT_PNG_ZIP:     labels.FormatPNG,
		estampv1.LabelFormat_LABEL_FORMAT_SVG_ZIP:     labels.FormatSVG,
	}[req.GetFormat()]
	if format == "" {
		return ocop.Invalid("format", "unknown value %d", req.GetFormat())
	}
	job, err := ParseJob(format, req.GetLayout(), int(req.GetImageSizePx()), int(req.GetDpi()), req.GetImageSizeMm())
	if err != nil {
		return err
	}
	b, err := Load(stream.Context(), s.batches, s.products, req.GetBatchId())
	if err != nil {
		return err
	}
	contentType := "application/pdf"
	if job.Format != "pdf" {
		contentType = "application/zip"
	}
	w := &chunkWriter{stream: stream, first: &estampv1.RenderLabelsResponse{FileName: FileName(req.GetBatchId(), job), ContentType: contentType}, total: uint32(len(b.Stamps))}
	if err := Render(s.renderer, w, b, job, func(done, _ int) { w.done = uint32(done) }); err != nil {
		if w.sendErr != nil {
			return w.sendErr
		}
		return ocop.Precondition("rendering batch %d: %v", req.GetBatchId(), err)
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
	msg.Chunk, msg.LabelsDone, msg.LabelsTotal = chunk, c.done, c.total
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
