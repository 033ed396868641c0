package labels

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ocopvn/estamp/internal/ocop"
)

// A job is what to render, checked once and rendered by one function, so
// that the CLI on the user's machine and LabelService on the server give
// the same file byte for byte.

// FormatPDF is label sheets, or a roll, in one PDF file; FormatPNG and
// FormatSVG are one QR image per stamp.
const FormatPDF = "pdf"

// DefaultLayout is the PDF layout when a request names none.
const DefaultLayout = "a4-3x8"

// Options are a render request as a person or a client gives it, before
// it is checked.
type Options struct {
	Format string // FormatPDF (or empty), FormatPNG or FormatSVG, in any letter case
	Layout string // a PDF's layout: a built-in name or custom:…; DefaultLayout when empty
	// PrinterDPI is the resolution of the printer the labels are for
	// (PrinterDPIs); DefaultPrinterDPI when zero.
	PrinterDPI int
	SizePx     int // ImageOptions.SizePx
	DPI        int // ImageOptions.DPI, PrinterDPI when zero; a preview's resolution
	SizeMM     float64
	// IncludeRevoked prints revoked stamps too: recalled batches, and
	// serials revoked one by one. Without it they are left out.
	IncludeRevoked bool
}

// Job is a checked render request.
type Job struct {
	Format string // FormatPDF, FormatPNG, FormatSVG or FormatPage
	Layout Layout // for FormatPDF and FormatPage
	// PrinterDPI is the printer's resolution, whose dots every QR
	// module is a whole number of (Layout.Geometry).
	PrinterDPI int
	Images     ImageOptions
	// PageDPI is FormatPage's resolution.
	PageDPI        int
	IncludeRevoked bool
	// Warnings are what a person should know before printing, in
	// Vietnamese: a custom layout that puts codes near a sheet's edge.
	Warnings []string
	// asked is the request as given, not as checked: rendering on a
	// server sends it, and the server checks it again.
	asked Options
}

// ParseJob checks what to render; errors name the field (ocop.Invalid),
// which the server reports as InvalidArgument and the CLI as a usage error.
func ParseJob(o Options) (Job, error) { return parseJob(o, false) }

// parseJob is ParseJob; api admits FormatPage, a preview the API offers
// and the CLI does not (it writes files to print).
func parseJob(o Options, api bool) (Job, error) {
	j := Job{Format: strings.ToLower(o.Format), PrinterDPI: o.PrinterDPI, IncludeRevoked: o.IncludeRevoked, asked: o}
	if j.PrinterDPI == 0 {
		j.PrinterDPI = DefaultPrinterDPI
	}
	if err := CheckPrinterDPI(j.PrinterDPI); err != nil {
		return j, ocop.Invalid("printer_dpi", "máy in không dùng được: %v", "%v", err)
	}
	switch {
	case j.Format == FormatPage && !api:
		return j, ocop.Invalid("format", "%q: cần pdf, png hoặc svg", "%q: want pdf, png or svg", o.Format)
	case j.Format == "" || j.Format == FormatPDF || j.Format == FormatPage:
		if j.Format == "" {
			j.Format = FormatPDF
		}
		layout := o.Layout
		if layout == "" {
			layout = DefaultLayout
		}
		l, err := FindLayout(layout)
		if err != nil {
			return j, ocop.Invalid("layout", "bố cục không dùng được: %v", "%v", err)
		}
		j.Layout = l
		g, err := l.Geometry(j.PrinterDPI)
		if err != nil {
			return j, ocop.Invalid("layout", "bố cục không dùng được ở độ phân giải này: %v", "%v", err)
		}
		if d := g.EdgeDistance(); d < EdgeMargin-1e-9 {
			j.Warnings = append(j.Warnings, fmt.Sprintf("Bố cục %s đặt mã QR (cả vùng trắng quanh mã) cách mép giấy %s mm, dưới %s mm: nhiều máy in không in được sát mép, mã bị cắt sẽ không quét được.", l.Name, mm(d), mm(EdgeMargin)))
		}
		if j.Format == FormatPage {
			j.PageDPI = o.DPI
			if j.PageDPI == 0 {
				j.PageDPI = 300
			}
			if err := checkPage(l, j.PageDPI); err != nil {
				return j, ocop.Invalid("dpi", "độ phân giải không dùng được: %v", "%v", err)
			}
		}
	case j.Format == FormatPNG || j.Format == FormatSVG:
		j.Images = ImageOptions{Format: j.Format, SizePx: o.SizePx, DPI: o.DPI, SizeMM: o.SizeMM}
		if j.Images.DPI == 0 && j.Format == FormatPNG {
			// Pixels on the printer's dots: a module of whole pixels is
			// then whole dots.
			j.Images.DPI = j.PrinterDPI
		}
		if err := j.Images.Validate(); err != nil {
			return j, err
		}
	default:
		return j, ocop.Invalid("format", "%q: cần pdf, png hoặc svg", "%q: want pdf, png or svg", o.Format)
	}
	return j, nil
}

// Select is what the job prints of b, a batch's stamps as issued, and
// how many revoked stamps it leaves out: none with IncludeRevoked. A
// batch whose every stamp is revoked has nothing to print then.
func (j Job) Select(batchID uint64, b Batch) (Batch, int, error) {
	if j.IncludeRevoked {
		return b, 0, nil
	}
	kept := make([]Stamp, 0, len(b.Stamps))
	for _, s := range b.Stamps {
		if !s.Revoked {
			kept = append(kept, s)
		}
	}
	out := len(b.Stamps) - len(kept)
	if out > 0 && len(kept) == 0 {
		return b, out, ocop.Precondition("lô %d không còn tem nào để in: cả %d tem đã bị thu hồi (in cả chúng: include_revoked, --include-revoked)", "batch %d has nothing to print: all %d stamps are revoked (to print them anyway: include_revoked, --include-revoked)", batchID, out)
	}
	b.Stamps = kept
	return b, out, nil
}

// FileName suggests a name for the job's file of a batch.
func (j Job) FileName(batchID uint64) string {
	switch j.Format {
	case FormatPDF:
		return fmt.Sprintf("tem-lo-%d.pdf", batchID)
	case FormatPage:
		return fmt.Sprintf("tem-lo-%d-trang-1.png", batchID)
	}
	return fmt.Sprintf("tem-lo-%d-%s.zip", batchID, j.Format)
}

// ContentType is the media type of the job's file.
func (j Job) ContentType() string {
	switch j.Format {
	case FormatPDF:
		return "application/pdf"
	case FormatPage:
		return "image/png"
	}
	return "application/zip"
}

// Labels is how many labels the job draws of a batch of n stamps: all of
// them, or a page's for a preview.
func (j Job) Labels(n int) int {
	if j.Format == FormatPage {
		return min(n, j.Layout.PerPage())
	}
	return n
}

// Render writes the job's file for b (Select's) to w: a PDF, the images in a zip,
// or a preview of the first page. (Images into a directory: Images with
// DirSink.) It stops with ctx's error once ctx is done.
func (r *Renderer) Render(ctx context.Context, w io.Writer, b Batch, j Job, progress Progress) error {
	switch j.Format {
	case FormatPDF:
		return r.PDF(ctx, w, b, j.Layout, j.PrinterDPI, progress)
	case FormatPage:
		if err := r.PagePNG(ctx, w, b, j.Layout, j.PrinterDPI, j.PageDPI); err != nil {
			return err
		}
		if progress != nil {
			progress(j.Labels(len(b.Stamps)), j.Labels(len(b.Stamps)))
		}
		return nil
	}
	return r.Images(ctx, ZipSink(w, r.now()), b, j.Images, progress)
}
