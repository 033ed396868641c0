package console_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
)

// shopToken makes an API token for a shop and returns its id.
func shopToken(t testing.TB, e *env, shop string) string {
	t.Helper()
	resp, err := e.admin.Admin.CreateToken(context.Background(), &estampv1.CreateTokenRequest{Role: estampv1.Role_ROLE_RETAILER, RetailerId: shop, Description: "quầy thu ngân"})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Token.Id
}

// issue issues n stamps of a product through the API and returns them.
func issue(t testing.TB, e *env, product string, n uint32, requestID string) []*estampv1.Stamp {
	t.Helper()
	ctx := context.Background()
	resp, err := e.admin.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: product, Lot: "LO-" + requestID, ProductionDate: "2026-11-20", Quantity: n, RequestId: requestID})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := e.admin.Issuance.StreamStamps(ctx, &estampv1.StreamStampsRequest{BatchId: resp.Batch.Id})
	if err != nil {
		t.Fatal(err)
	}
	var stamps []*estampv1.Stamp
	if err := client.Receive(stream, func(m *estampv1.StreamStampsResponse) error {
		stamps = append(stamps, m.Stamps...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return stamps
}

// picture is a w × h image in format ("png", "jpeg" or "gif"): slices of
// chè lam on a banana leaf, near enough for a screenshot.
func picture(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			// A leaf's green, lighter towards the top left.
			shade := uint8(40 * (x + y) / max(1, w+h))
			c := color.RGBA{R: 46 + shade, G: 125 + shade, B: 50 + shade/2, A: 255}
			// Three slices of chè lam, the colour of toasted rice.
			for i := range 3 {
				x0, y0 := w/8+i*w/4, h/4+(i%2)*h/10
				if x >= x0 && x < x0+w/5 && y >= y0 && y < y0+h/2 {
					c = color.RGBA{R: 214 - uint8(i*12), G: 170 - uint8(i*10), B: 110, A: 255}
				}
			}
			img.Set(x, y, c)
		}
	}
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

// upload is a file a multipart form sends.
type upload struct {
	field, name string
	data        []byte
}

// postMultipart sends a multipart form as a browser on this site does,
// with the CSRF token of the latest page.
func (b *browser) postMultipart(path string, form url.Values, files ...upload) page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if _, ok := form["csrf"]; !ok {
		w.WriteField("csrf", b.csrf)
	}
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.field, f.name)
		if err != nil {
			b.t.Fatal(err)
		}
		fw.Write(f.data)
	}
	if err := w.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.e.web.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", b.e.web.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// fieldError is the reason a page shows next to a field, "" when none.
func fieldError(body, field string) string {
	_, after, ok := strings.Cut(body, `<p class="field-error" id="`+field+`-error">`)
	if !ok {
		return ""
	}
	reason, _, _ := strings.Cut(after, "</p>")
	return reason
}
