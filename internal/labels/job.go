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
	Format string // FormatPDF, FormatPNG or FormatSVG
	Layout Layout // for FormatPDF
	Images ImageOptions
	// asked is the request as given, not as checked: rendering on a
	// server sends it, and the server checks it again.
	asked Options
}

// ParseJob checks what to render; errors name the field (ocop.Invalid),
// which the server reports as InvalidArgument and the CLI as a usage error.
func ParseJob(o Options) (Job, error) {
	j := Job{Format: strings.ToLower(o.Format), asked: o}
	switch j.Format {
	case "", FormatPDF:
		j.Format = FormatPDF
		layout := o.Layout
		if layout == "" {
			layout = DefaultLayout
		}
		l, err := FindLayout(layout)
		if err != nil {
			return j, ocop.Invalid("layout", "%v", err)
		}
		j.Layout = l
	case FormatPNG, FormatSVG:
		j.Images = ImageOptions{Format: j.Format, SizePx: o.SizePx, DPI: o.DPI, SizeMM: o.SizeMM}
		if err := j.Images.Validate(); err != nil {
			return j, ocop.Invalid("format", "%v", err)
		}
	default:
		return j, ocop.Invalid("format", "%q: want pdf, png or svg", o.Format)
	}
	return j, nil
}

// FileName suggests a name for the job's file of a batch.
func (j Job) FileName(batchID uint64) string {
	if j.Format == FormatPDF {
		return fmt.Sprintf("tem-lo-%d.pdf", batchID)
	}
	return fmt.Sprintf("tem-lo-%d-%s.zip", batchID, j.Format)
}

// ContentType is the media type of the job's file.
func (j Job) ContentType() string {
	if j.Format == FormatPDF {
		return "application/pdf"
	}
	return "application/zip"
}

// Render writes the job's file for b to w: a PDF, or the images in a zip.
// (Images into a directory: Images with DirSink.)
func (r *Renderer) Render(w io.Writer, b Batch, j Job, progress Progress) error {
	if j.Format == FormatPDF {
		return r.PDF(w, b, j.Layout, progress)
	}
	return r.Images(ZipSink(w), b, j.Images, progress)
}
