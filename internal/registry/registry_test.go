package registry_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/photo"
	"github.com/ocopvn/estamp/internal/registry"
	"github.com/ocopvn/estamp/internal/store"
)

var ctx = context.Background()

// newRegistry is the service over a real database in a temporary
// directory, with one producer and one product.
func newRegistry(t *testing.T) (*registry.Service, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "estamp.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := func() time.Time { return time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC) }
	reg := registry.New(st, now)
	if _, err := reg.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{
		Id: "HTX-COI", Name: "Hợp tác xã Cói Nga Sơn", Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Nga Sơn"},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
		Id: "CHIEU-COI", ProducerId: "HTX-COI", Name: "Chiếu cói Nga Sơn", StarGrade: 4, Group: estampv1.ProductGroup_PRODUCT_GROUP_HANDICRAFT,
		Certificate: &estampv1.Certificate{DecisionNumber: "4120/QĐ-UBND", DecisionDate: "2024-11-05"},
		Description: "  Dệt tay  từ cói Nga Sơn. ",
		// Not the caller's to set: only SetProductPhoto checks an image.
		PhotoUrl: "/photos/" + strings.Repeat("ab", 32) + ".png", PhotoWidth: 9,
	}}); err != nil {
		t.Fatal(err)
	}
	return reg, st
}

func image3x2(t *testing.T, format string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lastEntry is the newest audit entry.
func lastEntry(t *testing.T, st *store.Store) store.AuditEntry {
	t.Helper()
	entries, _, err := st.AuditEntries(ctx, 0, 1000)
	if err != nil || len(entries) == 0 {
		t.Fatal(entries, err)
	}
	return entries[len(entries)-1]
}

func TestCreateProductTakesADescriptionButNoPhoto(t *testing.T) {
	reg, _ := newRegistry(t)
	p, err := reg.GetProduct(ctx, &estampv1.GetProductRequest{Id: "CHIEU-COI"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Product.Description != "Dệt tay từ cói Nga Sơn." || p.Product.PhotoUrl != "" || p.Product.PhotoWidth != 0 {
		t.Errorf("created: %q %q %d", p.Product.Description, p.Product.PhotoUrl, p.Product.PhotoWidth)
	}
}

func TestSetProductPhoto(t *testing.T) {
	reg, st := newRegistry(t)
	set := func(data []byte) (*estampv1.Product, error) {
		resp, err := reg.SetProductPhoto(ctx, &estampv1.SetProductPhotoRequest{ProductId: "CHIEU-COI", Photo: data})
		return resp.GetProduct(), err
	}
	for _, tt := range []struct {
		format, ct, ext string
	}{{"png", photo.PNG, ".png"}, {"jpeg", photo.JPEG, ".jpg"}} {
		data := image3x2(t, tt.format)
		p, err := set(data)
		if err != nil {
			t.Fatalf("%s: %v", tt.format, err)
		}
		if !strings.HasPrefix(p.PhotoUrl, "/photos/") || !strings.HasSuffix(p.PhotoUrl, tt.ext) || p.PhotoWidth != 3 || p.PhotoHeight != 2 {
			t.Errorf("%s: %q %d × %d", tt.format, p.PhotoUrl, p.PhotoWidth, p.PhotoHeight)
		}
		if p.Certificate.GetStatus() != estampv1.CertificateStatus_CERTIFICATE_STATUS_ACTIVE {
			t.Errorf("%s: the answer has no certificate status", tt.format)
		}
		sum, _, _ := photo.ParseURL(p.PhotoUrl)
		if stored, err := st.Photo(ctx, sum); err != nil || !bytes.Equal(stored, data) {
			t.Errorf("%s: stored %d bytes, %v", tt.format, len(stored), err)
		}
		e := lastEntry(t, st)
		if e.Record.Action != string(audit.ProductPhoto) || e.Record.Target != "CHIEU-COI" || !strings.HasPrefix(e.Record.Detail, tt.ct+", ") {
			t.Errorf("%s: audited as %v", tt.format, e.Record)
		}
	}

	before := lastEntry(t, st).Sequence
	for _, tt := range []struct {
		name   string
		data   []byte
		reason string
	}{
		{"gif", image3x2(t, "gif"), "a GIF image"},
		{"301 KB", append(image3x2(t, "png"), make([]byte, 301_000)...), "at most 300 KB"},
		{"not an image", []byte("%PDF-1.7"), "not a JPEG or PNG image"},
	} {
		_, err := set(tt.data)
		var invalid *ocop.InvalidError
		if !errors.As(err, &invalid) || invalid.Field != "photo" || !strings.Contains(invalid.Reason, tt.reason) {
			t.Errorf("%s: %v, want photo: …%s…", tt.name, err, tt.reason)
		}
	}
	if got := lastEntry(t, st).Sequence; got != before {
		t.Errorf("refused photos wrote audit entries %d..%d", before+1, got)
	}
	if p, _ := reg.GetProduct(ctx, &estampv1.GetProductRequest{Id: "CHIEU-COI"}); !strings.HasSuffix(p.Product.PhotoUrl, ".jpg") {
		t.Errorf("a refused photo replaced the JPEG: %q", p.Product.PhotoUrl)
	}

	// Empty bytes take the photo away.
	p, err := set(nil)
	if err != nil || p.PhotoUrl != "" || p.PhotoWidth != 0 {
		t.Fatalf("cleared: %v %v", p, err)
	}
	if e := lastEntry(t, st); e.Record.Action != string(audit.ProductPhoto) || e.Record.Detail != "removed" {
		t.Errorf("clearing audited as %v", e.Record)
	}

	if _, err := reg.SetProductPhoto(ctx, &estampv1.SetProductPhotoRequest{ProductId: "KHONG-CO", Photo: image3x2(t, "png")}); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("unknown product: %v", err)
	}
	if _, err := reg.SetProductPhoto(ctx, &estampv1.SetProductPhotoRequest{Photo: image3x2(t, "png")}); !errors.As(err, new(*ocop.InvalidError)) {
		t.Errorf("no product id: %v", err)
	}
}

func TestSetProductDescription(t *testing.T) {
	reg, st := newRegistry(t)
	set := func(text string) (*estampv1.Product, error) {
		resp, err := reg.SetProductDescription(ctx, &estampv1.SetProductDescriptionRequest{ProductId: "CHIEU-COI", Description: text})
		return resp.GetProduct(), err
	}
	p, err := set("Chiếu cói  dệt tay.\r\n\r\n\r\nBền, mát.")
	if err != nil || p.Description != "Chiếu cói dệt tay.\n\nBền, mát." {
		t.Fatalf("set: %q %v", p.GetDescription(), err)
	}
	e := lastEntry(t, st)
	if e.Record.Action != string(audit.ProductDescription) || e.Record.Detail != p.Description {
		t.Errorf("audited as %v", e.Record)
	}
	// The same text again is no change, and no entry.
	if _, err := set("Chiếu cói dệt tay.\n\nBền, mát."); err != nil {
		t.Fatal(err)
	}
	if again := lastEntry(t, st); again.Sequence != e.Sequence {
		t.Errorf("an unchanged description was audited: %v", again.Record)
	}
	var invalid *ocop.InvalidError
	if _, err := set(strings.Repeat("ổ", ocop.MaxDescriptionLength+1)); !errors.As(err, &invalid) || invalid.Field != "description" {
		t.Errorf("too long: %v", err)
	}
	if p, err := set(""); err != nil || p.Description != "" {
		t.Errorf("cleared: %q %v", p.GetDescription(), err)
	}
}
