package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
)

// download runs RenderLabels and reassembles the file.
func download(t *testing.T, e *env, req *estampv1.RenderLabelsRequest) ([]byte, []*estampv1.RenderLabelsResponse, error) {
	t.Helper()
	stream, err := e.Labels.RenderLabels(context.Background(), req)
	if err != nil {
		return nil, nil, err
	}
	var file bytes.Buffer
	var msgs []*estampv1.RenderLabelsResponse
	err = client.Receive(stream, func(msg *estampv1.RenderLabelsResponse) error {
		file.Write(msg.Chunk)
		msg.Chunk = nil
		msgs = append(msgs, msg)
		return nil
	})
	if err != nil {
		return nil, msgs, err
	}
	return file.Bytes(), msgs, nil
}

func TestRenderLabelsStreamsTheFile(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	// Enough labels for a file of several chunks: a label's PDF is about
	// 560 bytes since its code became an image mask.
	batch := e.issue(t, "NEM-CHUA", 1000, "print-me")

	pdf, msgs, err := download(t, e, &estampv1.RenderLabelsRequest{BatchId: batch.Batch.Id, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF, Layout: "a4-5x13"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.7")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Errorf("not a whole PDF: %d bytes", len(pdf))
	}
	if len(msgs) < 2 {
		t.Errorf("a %d-byte file came in %d message(s); want chunks", len(pdf), len(msgs))
	}
	if msgs[0].FileName != "tem-lo-1.pdf" || msgs[0].ContentType != "application/pdf" {
		t.Errorf("first message = %v", msgs[0])
	}
	last := msgs[len(msgs)-1]
	if last.LabelsDone != 1000 || last.LabelsTotal != 1000 {
		t.Errorf("last progress %d/%d", last.LabelsDone, last.LabelsTotal)
	}
	if pages := bytes.Count(pdf, []byte("/Type /Page ")); pages != 16 {
		t.Errorf("%d pages, want 16 (65 labels a page)", pages)
	}

	zipped, _, err := download(t, e, &estampv1.RenderLabelsRequest{BatchId: batch.Batch.Id, Format: estampv1.LabelFormat_LABEL_FORMAT_SVG_ZIP})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil || len(zr.File) != 1000 || !strings.HasSuffix(zr.File[0].Name, ".svg") {
		t.Fatalf("zip: %v, %d files", err, len(zr.File))
	}

	tests := []struct {
		name    string
		req     *estampv1.RenderLabelsRequest
		code    codes.Code
		mention string
	}{
		{"no batch", &estampv1.RenderLabelsRequest{Format: estampv1.LabelFormat_LABEL_FORMAT_PDF}, codes.InvalidArgument, "batch_id"},
		{"unknown batch", &estampv1.RenderLabelsRequest{BatchId: 99, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF}, codes.NotFound, "99"},
		{"no format", &estampv1.RenderLabelsRequest{BatchId: 1, Layout: "a4-3x8"}, codes.InvalidArgument, "format: required"},
		{"unknown layout", &estampv1.RenderLabelsRequest{BatchId: 1, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF, Layout: "a3-9x9"}, codes.InvalidArgument, "layout"},
		{"modules too small", &estampv1.RenderLabelsRequest{BatchId: 1, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF, Layout: "custom:210x297,10x30,20x9"}, codes.InvalidArgument, "0.33 mm"},
		{"tiny PNG", &estampv1.RenderLabelsRequest{BatchId: 1, Format: estampv1.LabelFormat_LABEL_FORMAT_PNG_ZIP, ImageSizePx: 20}, codes.InvalidArgument, "px"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := download(t, e, tt.req)
			wantCode(t, err, tt.code, tt.mention)
		})
	}

	layouts, err := e.Labels.ListLabelLayouts(context.Background(), &estampv1.ListLabelLayoutsRequest{})
	if err != nil || len(layouts.Layouts) != 3 || layouts.Layouts[0].Name != "a4-3x8" {
		t.Errorf("layouts = %v, %v", layouts, err)
	}
}
