package labels_test

import (
	"errors"
	"reflect"
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
		if remote.Format != local.Format || !reflect.DeepEqual(remote.Layout, local.Layout) || remote.Images != local.Images {
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
		{labels.Options{Layout: "custom:210x297,10x30,20x9"}, "layout", "0.25 mm"},
		{labels.Options{Format: "gif"}, "format", `"gif": want pdf, png or svg`},
		{labels.Options{Format: "png", SizePx: 20}, "format", "px"},
		{labels.Options{Format: "png", DPI: 5}, "format", "dpi 5"},
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
