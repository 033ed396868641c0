package labels_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/ocop"
)

// The CLI renders with ParseJob, or sends Job.Request to a server that
// reads it with JobFromRequest: both must come to the same job.
func TestJobSurvivesTheTripToTheServer(t *testing.T) {
	for _, o := range []labels.Options{
		{},
		{Format: "PDF", Layout: "a4-5x13"},
		{Format: "pdf", Layout: "custom:210x297,4x10,48x25,9x23.5,0x0"},
		{Format: "png", Layout: labels.DefaultLayout},
		{Format: "Png", SizePx: 300},
		{Format: "png", DPI: 600, SizeMM: 20},
		{Format: "svg", SizeMM: 30},
		{Layout: "roll-40x30", PrinterDPI: 203, IncludeRevoked: true},
		{Format: "png", PrinterDPI: 600},
	} {
		local, err := labels.ParseJob(o)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		req := local.Request(7)
		if req.GetBatchId() != 7 || req.GetLayout() != o.Layout {
			t.Errorf("%+v: request %v", o, req)
		}
		remote, err := labels.JobFromRequest(req)
		if err != nil {
			t.Fatalf("%+v: the server refuses %v: %v", o, req, err)
		}
		dpi := o.PrinterDPI
		if dpi == 0 {
			dpi = labels.DefaultPrinterDPI
		}
		if remote.Format != local.Format || !reflect.DeepEqual(remote.Layout, local.Layout) || remote.Images != local.Images ||
			remote.PrinterDPI != dpi || local.PrinterDPI != dpi || remote.IncludeRevoked != o.IncludeRevoked || local.IncludeRevoked != o.IncludeRevoked {
			t.Errorf("%+v: on the server %+v, here %+v", o, remote, local)
		}
		if remote.FileName(7) != local.FileName(7) || remote.ContentType() != local.ContentType() {
			t.Errorf("%+v: file %s (%s) on the server, %s (%s) here", o, remote.FileName(7), remote.ContentType(), local.FileName(7), local.ContentType())
		}
	}
}

func TestJobDefaultsAndNames(t *testing.T) {
	j, err := labels.JobFromRequest(&estampv1.RenderLabelsRequest{BatchId: 3, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF})
	if err != nil || j.Format != labels.FormatPDF || j.Layout.Name != labels.DefaultLayout {
		t.Errorf("PDF without a layout: %+v, %v", j, err)
	}
	if j.FileName(3) != "tem-lo-3.pdf" || j.ContentType() != "application/pdf" {
		t.Errorf("PDF file %s, %s", j.FileName(3), j.ContentType())
	}
	j, err = labels.ParseJob(labels.Options{Format: "svg"})
	if err != nil || j.Images.SizeMM != 25 {
		t.Errorf("svg: %+v, %v", j, err)
	}
	if j.FileName(3) != "tem-lo-3-svg.zip" || j.ContentType() != "application/zip" {
		t.Errorf("SVG file %s, %s", j.FileName(3), j.ContentType())
	}
}

func TestJobErrorsNameTheField(t *testing.T) {
	for _, tt := range []struct {
		o       labels.Options
		field   string
		mention string
	}{
		{labels.Options{Layout: "a3-9x9"}, "layout", "unknown"},
		{labels.Options{Layout: "custom:210x297,10x30,20x9"}, "layout", "0.33 mm"},
		{labels.Options{Format: "gif"}, "format", `"gif": want pdf, png or svg`},
		{labels.Options{Format: "png", SizePx: 20}, "image_size_px", "want at least 212 px"},
		{labels.Options{Format: "png", DPI: 5}, "dpi", "5: want 72 to 2400"},
		{labels.Options{PrinterDPI: 250}, "printer_dpi", "250 dpi: want 203, 300 or 600"},
		{labels.Options{Format: "png", PrinterDPI: 96}, "printer_dpi", "96 dpi: want 203, 300 or 600"},
		{labels.Options{Format: "png", SizeMM: 10}, "image_size_mm", "10 mm at 300 dpi gives QR modules of 0.17 mm, smaller than the 0.33 mm phones read reliably: want at least 18 mm"},
		{labels.Options{Format: "png", SizeMM: 10, PrinterDPI: 203}, "image_size_mm", "10 mm at 203 dpi gives QR modules of 0.13 mm, smaller than the 0.33 mm phones read reliably: want at least 19.9 mm"},
		{labels.Options{Format: "svg", SizeMM: 10}, "image_size_mm", "10 mm gives QR modules of 0.19 mm, smaller than the 0.33 mm phones read reliably: want at least 17.5 mm"},
		// Labels 18 mm high fit modules of 4 dots at 300 dpi, 0.34 mm,
		// but at 203 dpi 3 dots are too many and 2 are 0.25 mm.
		{labels.Options{Layout: "custom:210x297,5x13,38x18", PrinterDPI: 203}, "layout", "at 203 dpi a QR module can be at most 2 dots, 0.25 mm, smaller than the 0.33 mm phones read reliably"},
	} {
		_, err := labels.ParseJob(tt.o)
		var invalid *ocop.InvalidError
		if !errors.As(err, &invalid) || invalid.Field != tt.field || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%+v: %v, want %s mentioning %q", tt.o, err, tt.field, tt.mention)
		}
	}
}

// A request names its format: none is not PDF, nor anything else.
func TestJobFromRequestNeedsAFormat(t *testing.T) {
	for _, tt := range []struct {
		name   string
		format estampv1.LabelFormat
		want   string
	}{
		{"unspecified", estampv1.LabelFormat_LABEL_FORMAT_UNSPECIFIED, "format: required: LABEL_FORMAT_PDF, LABEL_FORMAT_PNG_ZIP, LABEL_FORMAT_SVG_ZIP or LABEL_FORMAT_PNG_PAGE"},
		{"unknown", 99, "format: unknown value 99: want LABEL_FORMAT_PDF, LABEL_FORMAT_PNG_ZIP, LABEL_FORMAT_SVG_ZIP or LABEL_FORMAT_PNG_PAGE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j, err := labels.JobFromRequest(&estampv1.RenderLabelsRequest{BatchId: 1, Format: tt.format, Layout: labels.DefaultLayout})
			var invalid *ocop.InvalidError
			if !errors.As(err, &invalid) || err.Error() != tt.want {
				t.Errorf("job %+v, error %v; want %q", j, err, tt.want)
			}
		})
	}
	// Each format the API names is a job of its own format.
	for _, tt := range []struct {
		format estampv1.LabelFormat
		want   string
	}{
		{estampv1.LabelFormat_LABEL_FORMAT_PDF, labels.FormatPDF},
		{estampv1.LabelFormat_LABEL_FORMAT_PNG_ZIP, labels.FormatPNG},
		{estampv1.LabelFormat_LABEL_FORMAT_SVG_ZIP, labels.FormatSVG},
		{estampv1.LabelFormat_LABEL_FORMAT_PNG_PAGE, labels.FormatPage},
	} {
		j, err := labels.JobFromRequest(&estampv1.RenderLabelsRequest{BatchId: 1, Format: tt.format})
		if err != nil || j.Format != tt.want {
			t.Errorf("%v: job %+v, %v; want %s", tt.format, j, err, tt.want)
		}
	}
}

// Stamps are revoked when their batch is, or when an entry of the
// revocation list for their batch names them; a job leaves them out and
// says how many, unless it includes them.
func TestJobLeavesOutRevokedStamps(t *testing.T) {
	batch := &estampv1.Batch{Id: 4, FirstSerial: 100, Quantity: 10, Lot: "L-1", StarGrade: 4}
	var stamps []*estampv1.Stamp
	for s := uint64(100); s < 110; s++ {
		stamps = append(stamps, &estampv1.Stamp{Serial: s, Code: fmt.Sprint("CODE-", s)})
	}
	ranges := func(rs ...uint64) []*estampv1.SerialRange {
		var out []*estampv1.SerialRange
		for i := 0; i < len(rs); i += 2 {
			out = append(out, &estampv1.SerialRange{First: rs[i], Last: rs[i+1]})
		}
		return out
	}
	recalled := &estampv1.Batch{Id: 4, FirstSerial: 100, Quantity: 10, Revoked: true}
	for _, tt := range []struct {
		name    string
		batch   *estampv1.Batch
		entries []*estampv1.RevocationEntry
		kept    []uint64 // nil: every stamp
		refused bool
	}{
		{"none revoked", batch, nil, nil, false},
		{"serials of the batch", batch, []*estampv1.RevocationEntry{
			{Version: 3, BatchId: 4, SerialRanges: ranges(109, 109, 101, 102)},
			{Version: 5, BatchId: 4, SerialRanges: ranges(105, 105)},
		}, []uint64{100, 103, 104, 106, 107, 108}, false},
		{"overlapping ranges", batch, []*estampv1.RevocationEntry{
			{Version: 3, BatchId: 4, SerialRanges: ranges(100, 105)},
			{Version: 4, BatchId: 4, SerialRanges: ranges(101, 102, 107, 108)},
		}, []uint64{106, 109}, false},
		{"other batches and certificates pass", batch, []*estampv1.RevocationEntry{
			{Version: 1, BatchId: 3},
			{Version: 2, BatchId: 5, SerialRanges: ranges(100, 109)},
			{Version: 3, Certificate: &estampv1.CertificateChange{ProductId: "P", Revoked: true}},
		}, nil, false},
		{"the batch revoked in the list", batch, []*estampv1.RevocationEntry{{Version: 7, BatchId: 4}}, []uint64{}, true},
		{"a recalled batch", recalled, nil, []uint64{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := labels.FromProto(tt.batch, &estampv1.Product{Name: "Mắm tép"}, stamps, tt.entries)
			want := tt.kept
			if want == nil {
				want = []uint64{100, 101, 102, 103, 104, 105, 106, 107, 108, 109}
			}
			for _, include := range []bool{false, true} {
				j, err := labels.ParseJob(labels.Options{IncludeRevoked: include})
				if err != nil {
					t.Fatal(err)
				}
				got, out, err := j.Select(4, b)
				if include {
					if err != nil || out != 0 || len(got.Stamps) != 10 {
						t.Errorf("with revoked: %d stamps, %d left out, %v; want all 10", len(got.Stamps), out, err)
					}
					continue
				}
				if tt.refused {
					var pre *ocop.PreconditionError
					if !errors.As(err, &pre) || out != 10 || !strings.Contains(err.Error(), "batch 4 has nothing to print: all 10 stamps are revoked") || !strings.Contains(pre.ReasonVI, "lô 4 không còn tem nào để in: cả 10 tem đã bị thu hồi") {
						t.Errorf("%d left out, %v; want a refusal that all 10 are revoked", out, err)
					}
					continue
				}
				var serials []uint64
				for _, s := range got.Stamps {
					serials = append(serials, s.Serial)
				}
				if err != nil || !slices.Equal(serials, want) || out != 10-len(want) {
					t.Errorf("printed %v, %d left out, %v; want %v", serials, out, err, want)
				}
			}
		})
	}
}
