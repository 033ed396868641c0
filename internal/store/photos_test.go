package store_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/photo"
	"github.com/ocopvn/estamp/internal/store"
)

// checked is a w × h image in format ("png" or "jpeg"), as the registry
// takes it.
func checked(t *testing.T, format string, w, h int) *photo.Photo {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, w, h))
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	p, err := photo.Check("photo", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// auditCount is how many entries the log holds.
func auditCount(t *testing.T, s *store.Store) int {
	t.Helper()
	entries, _, err := s.AuditEntries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// A product's photo: its bytes kept under their sum, the product naming
// them, each change audited; a photo nobody shows any more leaves the
// database, one another product shows stays; and all of it is still there
// once the file is opened again.
func TestProductPhotos(t *testing.T) {
	s, path := newStore(t)
	seed(t, s, "A", "A1", "A2")
	pngPhoto, jpegPhoto := checked(t, "png", 40, 30), checked(t, "jpeg", 16, 12)
	set := func(id string, ph *photo.Photo) *estampv1.Product {
		t.Helper()
		p, err := s.SetProductPhoto(ctx, id, ph, at(t0), said(audit.ProductPhoto, id))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	has := func(ph *photo.Photo, want bool) {
		t.Helper()
		data, err := s.Photo(ctx, ph.Sum[:])
		switch {
		case want && (err != nil || !bytes.Equal(data, ph.Data)):
			t.Errorf("photo %s: %v", ph.URL(), err)
		case !want && !errors.As(err, new(*ocop.NotFoundError)):
			t.Errorf("photo %s still kept: %v", ph.URL(), err)
		}
	}

	entries := auditCount(t, s)
	p := set("A1", pngPhoto)
	if p.PhotoUrl != pngPhoto.URL() || p.PhotoWidth != 40 || p.PhotoHeight != 30 {
		t.Fatalf("A1 after the photo: %q %d × %d", p.PhotoUrl, p.PhotoWidth, p.PhotoHeight)
	}
	if got, _ := s.Product(ctx, "A1"); got.PhotoUrl != pngPhoto.URL() || got.PhotoWidth != 40 {
		t.Errorf("A1 as stored: %v", got)
	}
	has(pngPhoto, true)
	if n := auditCount(t, s); n != entries+1 {
		t.Errorf("%d audit entries after a photo, want %d", n, entries+1)
	}
	// The same photo again is no change.
	set("A1", pngPhoto)
	if n := auditCount(t, s); n != entries+1 {
		t.Errorf("the same photo again wrote an audit entry (%d)", n-entries)
	}

	// A2 shows the same photo: replacing A1's keeps it.
	set("A2", pngPhoto)
	set("A1", jpegPhoto)
	has(pngPhoto, true)
	has(jpegPhoto, true)
	// Nobody shows the PNG once A2's is taken away.
	if p := set("A2", nil); p.PhotoUrl != "" || p.PhotoWidth != 0 || p.PhotoHeight != 0 {
		t.Errorf("A2 without its photo: %q %d × %d", p.PhotoUrl, p.PhotoWidth, p.PhotoHeight)
	}
	has(pngPhoto, false)

	if _, err := s.SetProductPhoto(ctx, "NOPE", pngPhoto, at(t0), said(audit.ProductPhoto, "NOPE")); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("photo of a product that is not there: %v", err)
	}
	has(pngPhoto, false)

	// Every record the changes wrote is what its entry says.
	if c, err := s.VerifyAudit(ctx); err != nil || c.FirstBroken != 0 || len(c.Mismatches) != 0 {
		t.Errorf("audit after the photos: %+v %v", c, err)
	}

	s.Close()
	s = open(t, path)
	defer s.Close()
	has(jpegPhoto, true)
	if p, _ := s.Product(ctx, "A1"); p.PhotoUrl != jpegPhoto.URL() || p.PhotoWidth != 16 || p.PhotoHeight != 12 {
		t.Errorf("A1 after reopening: %q %d × %d", p.PhotoUrl, p.PhotoWidth, p.PhotoHeight)
	}
}

// EditProduct writes, and audits, only a change.
func TestEditProduct(t *testing.T) {
	s, _ := newStore(t)
	seed(t, s, "A", "A1")
	describe := func(text string) *estampv1.Product {
		t.Helper()
		p, err := s.EditProduct(ctx, "A1", at(t0), func(p *estampv1.Product) (audit.Entry, bool, error) {
			changed := p.Description != text
			p.Description = text
			return said(audit.ProductDescription, "A1"), changed, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	entries := auditCount(t, s)
	if p := describe("Chiếu cói dệt tay."); p.Description != "Chiếu cói dệt tay." {
		t.Errorf("description %q", p.Description)
	}
	describe("Chiếu cói dệt tay.")
	if n := auditCount(t, s); n != entries+1 {
		t.Errorf("%d audit entries for one change, want 1", n-entries)
	}
	if p, _ := s.Product(ctx, "A1"); p.Description != "Chiếu cói dệt tay." || p.Certificate.GetDecisionNumber() != "1/QĐ-UBND" {
		t.Errorf("stored: %v", p)
	}
	// A description is not a certificate change: nothing joins the
	// revocation list.
	if _, list, _, err := s.Revocations(ctx, store.RevocationPage{Limit: 100}); err != nil || len(list) != 0 {
		t.Errorf("revocation list after a description: %v %v", list, err)
	}
}
