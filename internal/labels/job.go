package labels

import (
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
	SizePx int    // ImageOptions.SizePx
	DPI    int    // ImageOptions.DPI
	SizeMM float64
}

// Job is a checked render request.
type Job struct {
	Format string // FormatPDF, FormatPNG, FormatSVG or FormatPage
	Layout Layout // for FormatPDF and FormatPage
	Images ImageOptions
	// PageDPI is FormatPage's resolution.
	PageDPI int
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
	j := Job{Format: strings.ToLower(o.Format), asked: o}
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
		if err := j.Images.Validate(); err != nil {
			return j, ocop.Invalid("format", "kích thước ảnh không dùng được: %v", "%v", err)
		}
	default:
		return j, ocop.Invalid("format", "%q: cần pdf, png hoặc svg", "%q: want pdf, png or svg", o.Format)
	}
	return j, nil
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

// Render writes the job's file for b to w: a PDF, the images in a zip,
// or a preview of the first page. (Images into a directory: Images with
// DirSink.)
func (r *Renderer) Render(w io.Writer, b Batch, j Job, progress Progress) error {
	switch j.Format {
	case FormatPDF:
		return r.PDF(w, b, j.Layout, progress)
	case FormatPage:
		if err := r.PagePNG(w, b, j.Layout, j.PageDPI); err != nil {
			return err
		}
		if progress != nil {
			progress(j.Labels(len(b.Stamps)), j.Labels(len(b.Stamps)))
		}
		return nil
	}
	return r.Images(ZipSink(w), b, j.Images, progress)
}
