package labels

import (
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// The job as the API carries it: the server reads a RenderLabelsRequest
// with JobFromRequest, the CLI's --remote writes one with Job.Request,
// both through one table of formats.

// formats pairs the API's label formats with the job's, one to one.
// LABEL_FORMAT_UNSPECIFIED is in no pair: a request must name its format
// (it once meant PDF, a default a client could not see in its request).
var formats = []struct {
	api estampv1.LabelFormat
	job string
}{
	{estampv1.LabelFormat_LABEL_FORMAT_PDF, FormatPDF},
	{estampv1.LabelFormat_LABEL_FORMAT_PNG_ZIP, FormatPNG},
	{estampv1.LabelFormat_LABEL_FORMAT_SVG_ZIP, FormatSVG},
	{estampv1.LabelFormat_LABEL_FORMAT_PNG_PAGE, FormatPage},
}

// formatNames lists the formats a request may name, for errors.
const formatNames = "LABEL_FORMAT_PDF, LABEL_FORMAT_PNG_ZIP, LABEL_FORMAT_SVG_ZIP or LABEL_FORMAT_PNG_PAGE"

// JobFromRequest checks a RenderLabelsRequest's format, layout and image
// size (not its batch).
func JobFromRequest(req *estampv1.RenderLabelsRequest) (Job, error) {
	if req.GetFormat() == estampv1.LabelFormat_LABEL_FORMAT_UNSPECIFIED {
		return Job{}, ocop.Invalid("format", "bắt buộc: %s", "required: %s", formatNames)
	}
	for _, f := range formats {
		if f.api == req.GetFormat() {
			return parseJob(Options{
				Format: f.job, Layout: req.GetLayout(),
				SizePx: int(req.GetImageSizePx()), DPI: int(req.GetDpi()), SizeMM: req.GetImageSizeMm(),
			}, true)
		}
	}
	return Job{}, ocop.Invalid("format", "giá trị %d không xác định: cần %s", "unknown value %d: want %s", req.GetFormat(), formatNames)
}

// Request asks the server to render the job for a batch. It sends the
// options as they were given, and the server checks them itself.
func (j Job) Request(batchID uint64) *estampv1.RenderLabelsRequest {
	req := &estampv1.RenderLabelsRequest{
		BatchId: batchID, Layout: j.asked.Layout,
		ImageSizePx: uint32(j.asked.SizePx), Dpi: uint32(j.asked.DPI), ImageSizeMm: j.asked.SizeMM,
	}
	for _, f := range formats {
		if f.job == j.Format {
			req.Format = f.api
			break
		}
	}
	return req
}

// LayoutsProto lists the built-in layouts as ListLabelLayouts answers.
func LayoutsProto() *estampv1.ListLabelLayoutsResponse {
	resp := &estampv1.ListLabelLayoutsResponse{}
	for _, l := range Layouts() {
		resp.Layouts = append(resp.Layouts, &estampv1.LabelLayout{
			Name: l.Name, Description: l.Description,
			PageWidthMm: l.PageWidth, PageHeightMm: l.PageHeight,
			Columns: int32(l.Columns), Rows: int32(l.Rows),
			LabelWidthMm: l.LabelWidth, LabelHeightMm: l.LabelHeight,
			MarginLeftMm: l.MarginLeft, MarginTopMm: l.MarginTop, GapXMm: l.GapX, GapYMm: l.GapY,
		})
	}
	return resp
}

// FromProto builds the renderer's view of a batch, its product and its
// stamps as the API gives them.
func FromProto(b *estampv1.Batch, p *estampv1.Product, stamps []*estampv1.Stamp) Batch {
	lb := Batch{ProductName: p.GetName(), StarGrade: int(b.GetStarGrade()), Lot: b.GetLot(), Stamps: make([]Stamp, len(stamps))}
	for i, s := range stamps {
		lb.Stamps[i] = Stamp{Serial: s.Serial, Code: s.Code}
	}
	return lb
}
