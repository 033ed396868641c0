package labels

import (
	"cmp"
	"slices"

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
				Format: f.job, Layout: req.GetLayout(), PrinterDPI: int(req.GetPrinterDpi()),
				SizePx: int(req.GetImageSizePx()), DPI: int(req.GetDpi()), SizeMM: req.GetImageSizeMm(),
				IncludeRevoked: req.GetIncludeRevoked(),
			}, true)
		}
	}
	return Job{}, ocop.Invalid("format", "giá trị %d không xác định: cần %s", "unknown value %d: want %s", req.GetFormat(), formatNames)
}

// Request asks the server to render the job for a batch. It sends the
// options as they were given, and the server checks them itself.
func (j Job) Request(batchID uint64) *estampv1.RenderLabelsRequest {
	req := &estampv1.RenderLabelsRequest{
		BatchId: batchID, Layout: j.asked.Layout, PrinterDpi: uint32(j.asked.PrinterDPI),
		ImageSizePx: uint32(j.asked.SizePx), Dpi: uint32(j.asked.DPI), ImageSizeMm: j.asked.SizeMM,
		IncludeRevoked: j.asked.IncludeRevoked,
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
// stamps as the API gives them. Stamps are revoked (Stamp.Revoked) when
// the batch is, or when an entry of the revocation list names their
// serials; entries of other batches, and certificate changes, are passed
// over, so the whole list may be given.
func FromProto(b *estampv1.Batch, p *estampv1.Product, stamps []*estampv1.Stamp, revocations []*estampv1.RevocationEntry) Batch {
	lb := Batch{ProductName: p.GetName(), StarGrade: int(b.GetStarGrade()), Lot: b.GetLot(), PrintedAhead: b.GetIssuedInactive(), Stamps: make([]Stamp, len(stamps))}
	all := b.GetRevoked()
	var ranges []*estampv1.SerialRange
	for _, e := range revocations {
		if e.GetCertificate() != nil || e.GetBatchId() != b.GetId() {
			continue
		}
		if len(e.GetSerialRanges()) == 0 {
			all = true
		}
		ranges = append(ranges, e.GetSerialRanges()...)
	}
	spans := mergeRanges(ranges)
	for i, s := range stamps {
		lb.Stamps[i] = Stamp{Serial: s.Serial, Code: s.Code, Revoked: all || inSpans(spans, s.Serial)}
	}
	return lb
}

// mergeRanges sorts serial ranges into spans [first, last] that do not
// overlap.
func mergeRanges(ranges []*estampv1.SerialRange) [][2]uint64 {
	spans := make([][2]uint64, 0, len(ranges))
	for _, r := range ranges {
		spans = append(spans, [2]uint64{r.GetFirst(), r.GetLast()})
	}
	slices.SortFunc(spans, func(x, y [2]uint64) int { return cmp.Compare(x[0], y[0]) })
	out := spans[:0]
	for _, s := range spans {
		if k := len(out); k > 0 && s[0] <= out[k-1][1]+1 {
			out[k-1][1] = max(out[k-1][1], s[1])
			continue
		}
		out = append(out, s)
	}
	return out
}

// inSpans tells whether serial is in one of spans (mergeRanges).
func inSpans(spans [][2]uint64, serial uint64) bool {
	// The first span starting after serial; the one before it is the
	// only one that can hold it.
	i, _ := slices.BinarySearchFunc(spans, serial, func(s [2]uint64, serial uint64) int {
		if s[0] <= serial {
			return -1
		}
		return 1
	})
	return i > 0 && spans[i-1][1] >= serial
}
