package photo_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/photo"
)

// encode draws a w × h image in format ("png", "jpeg" or "gif").
func encode(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
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

func TestCheck(t *testing.T) {
	// A PNG 4001 pixels wide is small once compressed: the rule is its
	// size in pixels, not in bytes.
	wide := encode(t, "png", photo.MaxSide+1, 1)
	if len(wide) > photo.MaxBytes {
		t.Fatalf("the wide PNG is %d bytes", len(wide))
	}
	big := append(encode(t, "png", 8, 8), make([]byte, photo.MaxBytes)...)
	for _, tt := range []struct {
		name   string
		data   []byte
		ct     string
		w, h   int
		reason string // of the refusal; "" when taken
	}{
		{"png", encode(t, "png", 40, 30), photo.PNG, 40, 30, ""},
		{"jpeg", encode(t, "jpeg", 64, 48), photo.JPEG, 64, 48, ""},
		{"4000 pixels a side", encode(t, "png", photo.MaxSide, 2), photo.PNG, photo.MaxSide, 2, ""},
		{"gif", encode(t, "gif", 10, 10), "", 0, 0, "a GIF image; only JPEG or PNG"},
		{"wider than 4000", wide, "", 0, 0, "4001 × 1 pixels; at most 4000 a side"},
		{"300,001 bytes", big[:photo.MaxBytes+1], "", 0, 0, "300001 bytes; at most 300 KB (300000 bytes)"},
		{"text", []byte("chè lam Phủ Quảng"), "", 0, 0, "not a JPEG or PNG image"},
		{"empty", nil, "", 0, 0, "not a JPEG or PNG image"},
		{"a PNG cut short", encode(t, "png", 10, 10)[:20], "", 0, 0, "a damaged PNG image"},
		// Found by FuzzCheck: Go reads past junk before the first marker,
		// browsers do not.
		{"a JPEG with junk before its first marker", []byte("\xff\xd80\xff\xc0\x00\v\b\x000\x000\x010A\x00\xff\xda00"), "", 0, 0, "a damaged JPEG image: it does not start as one"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := photo.Check("photo", tt.data)
			if tt.reason != "" {
				var invalid *ocop.InvalidError
				if !errors.As(err, &invalid) || invalid.Field != "photo" || !strings.HasPrefix(invalid.Reason, tt.reason) {
					t.Fatalf("got %v, want photo: %s", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.ContentType != tt.ct || p.Width != tt.w || p.Height != tt.h || p.Sum != sha256.Sum256(tt.data) {
				t.Errorf("got %s %d × %d", p.ContentType, p.Width, p.Height)
			}
			if got := photo.TypeOf(p.Data); got != tt.ct {
				t.Errorf("TypeOf = %q, want %q", got, tt.ct)
			}
			sum, ct, ok := photo.ParseURL(p.URL())
			if !ok || !bytes.Equal(sum, p.Sum[:]) || ct != tt.ct {
				t.Errorf("ParseURL(%s) = %x %s %v", p.URL(), sum, ct, ok)
			}
		})
	}
}

// Each photo has one address: other spellings of it are not read.
func TestParseURLReadsOnlyURLsOwnForm(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	good := photo.URL(sum[:], photo.JPEG)
	if !strings.HasPrefix(good, "/photos/") || !strings.HasSuffix(good, ".jpg") || len(good) != len("/photos/")+64+4 {
		t.Fatalf("URL = %s", good)
	}
	for _, u := range []string{
		strings.ToUpper(good[:len(good)-4]) + ".jpg",
		strings.TrimSuffix(good, ".jpg") + ".jpeg",
		strings.TrimSuffix(good, ".jpg") + ".gif",
		"/photos/abc.png",
		"/photo/" + strings.TrimPrefix(good, "/photos/"),
		good + "/",
		"",
	} {
		if _, _, ok := photo.ParseURL(u); ok {
			t.Errorf("ParseURL(%q) took it", u)
		}
	}
	if photo.URL(sum[:], "image/gif") != "" || photo.URL(sum[:4], photo.PNG) != "" {
		t.Error("URL of a type or sum not taken")
	}
}

// FuzzCheck feeds any file to Check, as an upload would: it must never
// panic, and what it takes must be what it says.
func FuzzCheck(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	for _, format := range []string{"png", "jpeg", "gif"} {
		var buf bytes.Buffer
		img := image.NewGray(image.Rect(0, 0, 3, 2))
		switch format {
		case "png":
			png.Encode(&buf, img)
		case "jpeg":
			jpeg.Encode(&buf, img, nil)
		case "gif":
			gif.Encode(&buf, img, nil)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := photo.Check("photo", data)
		if err != nil {
			if !errors.As(err, new(*ocop.InvalidError)) {
				t.Fatalf("an error of the wrong type: %v", err)
			}
			return
		}
		if len(data) > photo.MaxBytes || p.Width < 1 || p.Height < 1 || p.Width > photo.MaxSide || p.Height > photo.MaxSide {
			t.Fatalf("took %d bytes, %d × %d", len(data), p.Width, p.Height)
		}
		if photo.TypeOf(data) != p.ContentType {
			t.Fatalf("took a %s whose bytes say %q", p.ContentType, photo.TypeOf(data))
		}
		if sum, ct, ok := photo.ParseURL(p.URL()); !ok || !bytes.Equal(sum, p.Sum[:]) || ct != p.ContentType {
			t.Fatalf("URL %s does not read back", p.URL())
		}
	})
}
