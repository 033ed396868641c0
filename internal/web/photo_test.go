package web

import (
	"bytes"
	"context"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/photo"
)

// fakePhotos keeps photos by the hex of their SHA-256, as the store does
// by the sum.
type fakePhotos map[string][]byte

func (f fakePhotos) Photo(_ context.Context, sum []byte) ([]byte, error) {
	if b, ok := f[hex.EncodeToString(sum)]; ok {
		return b, nil
	}
	return nil, &ocop.NotFoundError{What: "photo", ID: hex.EncodeToString(sum)}
}

func checkedPhoto(t *testing.T, format string) *photo.Photo {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 3, 2))
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

func newHandler(t *testing.T, v Verifier, photos fakePhotos) *Handler {
	t.Helper()
	h, err := New(Config{Verifier: v, Keys: keys.NewRing(), Revocations: fakeRevocations{}, Photos: photos, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A photo is served at its address with its type, for a year, never
// sniffed; any other address is not found.
func TestPhotoRoute(t *testing.T) {
	pngPhoto, jpegPhoto := checkedPhoto(t, "png"), checkedPhoto(t, "jpeg")
	photos := fakePhotos{}
	for _, p := range []*photo.Photo{pngPhoto, jpegPhoto} {
		photos[hex.EncodeToString(p.Sum[:])] = p.Data
	}
	h := newHandler(t, fakeVerifier{}, photos)
	for _, p := range []*photo.Photo{pngPhoto, jpegPhoto} {
		for _, method := range []string{"GET", "HEAD"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, p.URL(), nil))
			hd := rec.Header()
			if rec.Code != http.StatusOK || hd.Get("Content-Type") != p.ContentType || hd.Get("Cache-Control") != "public, max-age=31536000, immutable" || hd.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s: %d %v", method, p.URL(), rec.Code, hd)
			}
			if method == "GET" && !bytes.Equal(rec.Body.Bytes(), p.Data) {
				t.Errorf("GET %s: %d bytes, want the photo's %d", p.URL(), rec.Body.Len(), len(p.Data))
			}
		}
	}
	unknown := strings.Repeat("0", 64)
	pngHex := hex.EncodeToString(pngPhoto.Sum[:])
	for _, path := range []string{
		photo.Dir + unknown + ".png",
		photo.Dir + pngHex + ".jpg", // a PNG is not served as a JPEG
		photo.Dir + strings.ToUpper(pngHex) + ".png",
		photo.Dir + pngHex + ".PNG",
		photo.Dir + pngHex,
		photo.Dir,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusNotFound || strings.HasPrefix(rec.Header().Get("Content-Type"), "image/") {
			t.Errorf("GET %s: %d %s, want 404", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", pngPhoto.URL(), nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

// describedVerifier answers every code with a genuine stamp of a product
// with a photo and a description of two paragraphs, or none of either.
type describedVerifier struct{ photo, description string }

func (v describedVerifier) Verify(context.Context, *estampv1.VerifyRequest) (*estampv1.VerifyResponse, error) {
	return &estampv1.VerifyResponse{Verdict: estampv1.Verdict_VERDICT_GENUINE,
		Product: &estampv1.PublicProduct{Name: "Chiếu cói <Nga Sơn>", StarGrade: 4, Description: v.description,
			PhotoUrl: v.photo, PhotoWidth: 3, PhotoHeight: 2}}, nil
}

// The stamp page shows the product's photo, with its name for those who
// do not see it and its size so that nothing moves when it loads, and the
// description with its paragraphs.
func TestStampPageShowsPhotoAndDescription(t *testing.T) {
	p := checkedPhoto(t, "png")
	page := func(v describedVerifier) string {
		rec := httptest.NewRecorder()
		newHandler(t, v, fakePhotos{}).ServeHTTP(rec, httptest.NewRequest("GET", "/V/ANY", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	body := page(describedVerifier{photo: p.URL(), description: "Dệt tay <từ> cói.\n\nBền, mát."})
	for _, want := range []string{
		`<img class="photo" src="` + p.URL() + `" alt="Chiếu cói &lt;Nga Sơn&gt;" width="3" height="2">`,
		`<p class="description" lang="vi">Dệt tay &lt;từ&gt; cói.` + "\n\n" + `Bền, mát.</p>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s:\n%s", want, body)
		}
	}
	body = page(describedVerifier{})
	if strings.Contains(body, "<img") || strings.Contains(body, `class="description"`) {
		t.Errorf("a product without photo or description shows them:\n%s", body)
	}
	// The style keeps a wide photo inside a phone's screen.
	if !strings.Contains(string(newHandler(t, fakeVerifier{}, nil).css), ".photo{display:block;max-width:100%;height:auto") {
		t.Error("style.css does not bound the photo's width")
	}
}
