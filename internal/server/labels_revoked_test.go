package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/labels"
)

// RenderLabels leaves out a batch's revoked stamps, and each message says
// how many, unless include_revoked; a recalled batch has nothing left to
// render. Zip entries carry the server's clock's time; printer_dpi is
// checked.
func TestRenderLabelsLeavesOutRevokedStamps(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	batch := e.issue(t, "NEM-CHUA", 6, "revoked-labels")
	other := e.issue(t, "NEM-CHUA", 3, "other-labels")
	id := batch.Batch.Id
	s := func(i int) uint64 { return batch.Stamps[i].Serial }
	for _, target := range []*estampv1.RevokeStampsRequest{
		{Target: stampsOfBatch(id, s(1), s(4)), Reason: "Tem in hỏng"},
		{Target: stampsOfBatch(id, s(4), s(5)), Reason: "Tem bị mất"},
		// Another batch's revocations are not this one's.
		{Target: stampsOfBatch(other.Batch.Id, other.Stamps[0].Serial), Reason: "Tem bị mất"},
	} {
		if _, err := e.Issuance.RevokeStamps(ctx, target); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name    string
		include bool
		serials []uint64
		leftOut uint32
	}{
		{"revoked left out", false, []uint64{s(0), s(2), s(3)}, 3},
		{"include_revoked", true, []uint64{s(0), s(1), s(2), s(3), s(4), s(5)}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			zipped, msgs, err := download(t, e, &estampv1.RenderLabelsRequest{BatchId: id, Format: estampv1.LabelFormat_LABEL_FORMAT_SVG_ZIP, IncludeRevoked: tt.include})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if m.RevokedLeftOut != tt.leftOut || m.LabelsTotal != uint32(len(tt.serials)) {
					t.Errorf("message says %d left out of %d labels, want %d of %d", m.RevokedLeftOut, m.LabelsTotal, tt.leftOut, len(tt.serials))
				}
			}
			zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range zr.File {
				names = append(names, f.Name)
				if !f.Modified.Equal(e.clock.Now().Truncate(1e9)) {
					t.Errorf("%s dated %v, want the server's clock's %v", f.Name, f.Modified, e.clock.Now())
				}
			}
			var want []string
			for _, serial := range tt.serials {
				want = append(want, labels.ImageName(serial, labels.FormatSVG))
			}
			if !slices.Equal(names, want) {
				t.Errorf("files %v, want %v", names, want)
			}
		})
	}

	_, _, err := download(t, e, &estampv1.RenderLabelsRequest{BatchId: id, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF, PrinterDpi: 250})
	wantCode(t, err, codes.InvalidArgument, "printer_dpi: 250 dpi: want 203, 300 or 600")
	pdf, _, err := download(t, e, &estampv1.RenderLabelsRequest{BatchId: id, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF, Layout: "roll-40x30", PrinterDpi: 203})
	if err != nil || strings.Count(string(pdf), "/Type /Page ") != 3 {
		t.Errorf("roll at 203 dpi: %v, %d pages, want 3", err, strings.Count(string(pdf), "/Type /Page "))
	}

	if _, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: wholeBatch(id), Reason: "Thu hồi lô"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = download(t, e, &estampv1.RenderLabelsRequest{BatchId: id, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF})
	wantCode(t, err, codes.FailedPrecondition, "all 6 stamps are revoked (to print them anyway: include_revoked")
	if _, msgs, err := download(t, e, &estampv1.RenderLabelsRequest{BatchId: id, Format: estampv1.LabelFormat_LABEL_FORMAT_PDF, IncludeRevoked: true}); err != nil || msgs[len(msgs)-1].LabelsDone != 6 {
		t.Errorf("a recalled batch with include_revoked: %v", err)
	}
}
