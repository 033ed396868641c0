// Package photo holds the rules of a product's photo, which the stamp page
// shows buyers: which files are taken, and the address a photo is served
// at.
//
// A photo is a JPEG or PNG file of at most 300 KB and 4000 pixels a side,
// kept as uploaded. Its address is named by the SHA-256 of its bytes
// (/photos/<hex>.jpg), so that the bytes at an address never change and a
// browser or proxy may keep them for a year: a new photo is a new address.
package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	// The only formats taken: DecodeConfig reads their headers.
	_ "image/jpeg"
	_ "image/png"
	"strings"

	"github.com/ocopvn/estamp/internal/ocop"
)

// Limits of a photo.
const (
	// MaxBytes bounds the file: a phone-sized product photo fits, and the
	// stamp page stays light on a slow connection.
	MaxBytes = 300_000
	// MaxSide bounds each side in pixels: past it a file of 300 KB is a
	// decompression bomb rather than a photo.
	MaxSide = 4000
)

// Dir is the path photos are served under.
const Dir = "/photos/"

// The content types taken, with the file name extension of their address.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
)

// extensions is the address's extension of each content type, and formats
// the content type of each format name image.DecodeConfig reports.
var (
	extensions = map[string]string{JPEG: ".jpg", PNG: ".png"}
	formats    = map[string]string{"jpeg": JPEG, "png": PNG}
)

// Photo is a checked image file.
type Photo struct {
	Data []byte
	// Sum is the SHA-256 of Data.
	Sum         [sha256.Size]byte
	ContentType string
	Width       int
	Height      int
}

// URL is the photo's address.
func (p *Photo) URL() string { return URL(p.Sum[:], p.ContentType) }

// Check takes an uploaded file as a photo, or refuses it with an
// ocop.InvalidError naming field. Only the header is decoded: a whole
// decode would hold up to 64 MB for a 4000 × 4000 image to learn nothing
// a browser would not cope with anyway.
func Check(field string, data []byte) (*Photo, error) {
	if len(data) > MaxBytes {
		return nil, ocop.Invalid(field, "%d byte; tối đa 300 KB (%d byte)", "%d bytes; at most 300 KB (%d bytes)", len(data), MaxBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) {
		return nil, ocop.Invalid(field, "không phải ảnh JPEG hay PNG", "not a JPEG or PNG image")
	}
	if err != nil {
		return nil, ocop.Invalid(field, "ảnh %s bị hỏng: %v", "a damaged %s image: %v", strings.ToUpper(format), err)
	}
	ct, ok := formats[format]
	if !ok {
		return nil, ocop.Invalid(field, "ảnh %s; chỉ nhận JPEG hoặc PNG", "a %s image; only JPEG or PNG", strings.ToUpper(format))
	}
	// Go's decoders forgive what a browser, which tells an image by its
	// first bytes, would not show: a JPEG with junk before its first
	// marker.
	if TypeOf(data) != ct {
		return nil, ocop.Invalid(field, "ảnh %s bị hỏng: phần đầu tệp không đúng định dạng", "a damaged %s image: it does not start as one", strings.ToUpper(format))
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxSide || cfg.Height > MaxSide {
		return nil, ocop.Invalid(field, "%d × %d điểm ảnh; mỗi cạnh tối đa %d", "%d × %d pixels; at most %d a side", cfg.Width, cfg.Height, MaxSide)
	}
	return &Photo{Data: data, Sum: sha256.Sum256(data), ContentType: ct, Width: cfg.Width, Height: cfg.Height}, nil
}

// URL is the address of a photo with SHA-256 sum and content type ct; ""
// for a type that is not taken.
func URL(sum []byte, ct string) string {
	ext, ok := extensions[ct]
	if !ok || len(sum) != sha256.Size {
		return ""
	}
	return Dir + hex.EncodeToString(sum) + ext
}

// ParseURL reads an address URL made: the photo's SHA-256 and content
// type. Only URL's own form is read (lower-case hex, the type's one
// extension), so that each photo has one address.
func ParseURL(u string) (sum []byte, ct string, ok bool) {
	name, found := strings.CutPrefix(u, Dir)
	if !found {
		return nil, "", false
	}
	for t, ext := range extensions {
		if h, isType := strings.CutSuffix(name, ext); isType {
			sum, err := hex.DecodeString(h)
			if err != nil || len(sum) != sha256.Size || hex.EncodeToString(sum) != h {
				return nil, "", false
			}
			return sum, t, true
		}
	}
	return nil, "", false
}

// TypeOf is the content type of a photo's bytes by their signature, as
// browsers tell them, "" when neither: Check takes only files whose
// signature is their format's, and a request for an address is checked
// against it, so that /photos/<sum>.png never serves a JPEG.
func TypeOf(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return JPEG
	}
	return ""
}
