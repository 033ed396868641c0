package store

import (
	"bytes"
	"context"
	"encoding/hex"

	bolt "go.etcd.io/bbolt"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/photo"
)

// SetProductPhoto makes ph a product's photo, or takes its photo away when
// ph is nil, with the audit entry e, in one transaction: the bytes are
// kept under their SHA-256, and the photo it had leaves the database
// unless another product shows it too. The same photo again changes
// nothing and writes no entry.
func (s *Store) SetProductPhoto(ctx context.Context, id string, ph *photo.Photo, ch audit.Change, e audit.Entry) (*estampv1.Product, error) {
	return s.editProduct(ctx, id, ch, func(tx *bolt.Tx, p *estampv1.Product) (audit.Entry, bool, error) {
		url, w, h := "", 0, 0
		if ph != nil {
			url, w, h = ph.URL(), ph.Width, ph.Height
		}
		if url == p.PhotoUrl {
			return e, false, nil
		}
		old := p.PhotoUrl
		p.PhotoUrl, p.PhotoWidth, p.PhotoHeight = url, int32(w), int32(h)
		b := tx.Bucket(bucketPhotos)
		if ph != nil {
			if err := b.Put(ph.Sum[:], ph.Data); err != nil {
				return e, false, err
			}
		}
		sum, _, ok := photo.ParseURL(old)
		if !ok {
			return e, true, nil
		}
		shown, err := photoShown(tx, sum, id)
		if err != nil || shown {
			return e, true, err
		}
		return e, true, b.Delete(sum)
	})
}

// photoShown reports whether a product other than except shows the photo
// with SHA-256 sum. A registry holds hundreds of products, so a walk is
// cheap next to keeping a count that could drift.
func photoShown(tx *bolt.Tx, sum []byte, except string) (bool, error) {
	shown := false
	err := tx.Bucket(bucketProducts).ForEach(func(k, v []byte) error {
		if shown || string(k) == except {
			return nil
		}
		p, err := productTable.decode(k, v)
		if err != nil {
			return err
		}
		other, _, ok := photo.ParseURL(p.PhotoUrl)
		shown = ok && bytes.Equal(other, sum)
		return nil
	})
	return shown, err
}

// Photo returns the image file with SHA-256 sum: NotFound when no product
// has shown it.
func (s *Store) Photo(ctx context.Context, sum []byte) ([]byte, error) {
	var data []byte
	err := s.view(ctx, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPhotos).Get(sum)
		if v == nil {
			return &ocop.NotFoundError{What: "photo", ID: hex.EncodeToString(sum)}
		}
		// bbolt's memory is the transaction's: copy out.
		data = bytes.Clone(v)
		return nil
	})
	return data, err
}
