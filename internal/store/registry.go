package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
)

// CreateProducer stores a new producer, stamping its create time, with
// the audit entry e.
//
// Unless allowSameName, a producer named as another (NFC, whatever the
// letter case) is refused: it is usually one registered twice.
func (s *Store) CreateProducer(ctx context.Context, p *estampv1.Producer, allowSameName bool, ch audit.Change, e audit.Entry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		return producerTable.createTx(tx, p.Id, p, ch, e, func() error {
			if !allowSameName {
				if err := sameProducerName(tx.Bucket(bucketProducers), p); err != nil {
					return err
				}
			}
			p.CreateTime = timestamppb.New(ch.Time)
			return nil
		})
	})
}

// sameProducerName refuses a producer named as another.
func sameProducerName(b *bolt.Bucket, p *estampv1.Producer) error {
	return b.ForEach(func(k, v []byte) error {
		other, err := producerTable.decode(k, v)
		if err != nil {
			return err
		}
		if strings.EqualFold(other.Name, p.Name) {
			return &ocop.ConflictError{What: "producer named", ID: p.Name, Detail: fmt.Sprintf(": %s (allow_duplicate_name registers a second one)", other.Id), DetailVI: fmt.Sprintf(": %s (allow_duplicate_name để đăng ký thêm một chủ thể cùng tên)", other.Id)}
		}
		return nil
	})
}

// Producer returns a producer by id.
func (s *Store) Producer(ctx context.Context, id string) (*estampv1.Producer, error) {
	return producerTable.byID(ctx, s, []byte(id), id)
}

// Producers returns up to limit producers with ids after `after`.
func (s *Store) Producers(ctx context.Context, after string, limit int) ([]*estampv1.Producer, bool, error) {
	return producerTable.listAfter(ctx, s, after, limit)
}

// CreateProduct stores a new product of an existing producer, assigning its
// number and create time, with the audit entry e.
func (s *Store) CreateProduct(ctx context.Context, p *estampv1.Product, ch audit.Change, e audit.Entry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := producerKind.existsTx(tx, p.ProducerId); err != nil {
			return err
		}
		return productTable.createTx(tx, p.Id, p, ch, e, func() error {
			if err := sameName(tx.Bucket(bucketProducts), p); err != nil {
				return err
			}
			n, err := nextCounter(tx, keyNextProductNumber, 1)
			if err != nil {
				return err
			}
			if n > 0xFFFFFFFF {
				return &ocop.ExhaustedError{What: "product numbers"}
			}
			p.Number = uint32(n)
			p.CreateTime = timestamppb.New(ch.Time)
			return tx.Bucket(bucketProductNumbers).Put(u32(p.Number), []byte(p.Id))
		})
	})
}

// sameName refuses a second product of one producer under the same name
// (NFC, whatever the letter case): buyers could not tell them apart.
func sameName(b *bolt.Bucket, p *estampv1.Product) error {
	return b.ForEach(func(k, v []byte) error {
		other, err := productTable.decode(k, v)
		if err != nil {
			return err
		}
		if other.ProducerId == p.ProducerId && strings.EqualFold(other.Name, p.Name) {
			return &ocop.ConflictError{What: "product named", ID: p.Name, Detail: fmt.Sprintf(" for producer %s: %q", p.ProducerId, other.Id), DetailVI: fmt.Sprintf(" ở chủ thể %s: %q", p.ProducerId, other.Id)}
		}
		return nil
	})
}

func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, v)
	return b
}

// Product returns a product by id.
func (s *Store) Product(ctx context.Context, id string) (*estampv1.Product, error) {
	return productTable.byID(ctx, s, []byte(id), id)
}

func productTx(tx *bolt.Tx, id string) (*estampv1.Product, error) {
	return productTable.getTx(tx, []byte(id), id)
}

// Products returns up to limit products with ids after `after`, of one
// producer when producerID is not empty.
func (s *Store) Products(ctx context.Context, producerID, after string, limit int) (list []*estampv1.Product, more bool, err error) {
	err = s.view(ctx, func(tx *bolt.Tx) error {
		if producerID != "" {
			if err := producerKind.existsTx(tx, producerID); err != nil {
				return err
			}
		}
		c := tx.Bucket(bucketProducts).Cursor()
		k, v := c.Seek([]byte(after))
		if after != "" && string(k) == after {
			k, v = c.Next()
		}
		// A page of one producer's products may read past every other
		// producer's.
		paced := pace(ctx)
		for ; k != nil; k, v = c.Next() {
			if err := paced(); err != nil {
				return err
			}
			p, err := productTable.decode(k, v)
			if err != nil {
				return err
			}
			if producerID != "" && p.ProducerId != producerID {
				continue
			}
			if len(list) == limit {
				more = true
				return nil
			}
			list = append(list, p)
		}
		return nil
	})
	return list, more, err
}

// UpdateProduct applies a change of certification to a stored product in
// one transaction; change returns the change's audit entry. The
// certificate as it then stands joins the revocation list.
func (s *Store) UpdateProduct(ctx context.Context, id string, ch audit.Change, change func(*estampv1.Product) (audit.Entry, error)) (*estampv1.Product, error) {
	var p *estampv1.Product
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		if p, err = productTx(tx, id); err != nil {
			return err
		}
		e, err := change(p)
		if err != nil {
			return err
		}
		d, err := productTable.putTx(tx, []byte(id), p)
		if err != nil {
			return err
		}
		if err := addCertificate(tx, p, ch); err != nil {
			return err
		}
		return appendAudit(tx, ch, e, d)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// EditProduct applies a change of what buyers read of a product (its
// description) in one transaction; change returns the change's audit
// entry, and false when it changes nothing, so that nothing is written.
// Unlike UpdateProduct it leaves the certificate alone, and the
// revocation list with it.
func (s *Store) EditProduct(ctx context.Context, id string, ch audit.Change, change func(*estampv1.Product) (audit.Entry, bool, error)) (*estampv1.Product, error) {
	return s.editProduct(ctx, id, ch, func(_ *bolt.Tx, p *estampv1.Product) (audit.Entry, bool, error) { return change(p) })
}

// editProduct is EditProduct with the transaction, for changes that write
// more than the product's record.
func (s *Store) editProduct(ctx context.Context, id string, ch audit.Change, change func(*bolt.Tx, *estampv1.Product) (audit.Entry, bool, error)) (*estampv1.Product, error) {
	var p *estampv1.Product
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		if p, err = productTx(tx, id); err != nil {
			return err
		}
		e, changed, err := change(tx, p)
		if err != nil || !changed {
			return err
		}
		d, err := productTable.putTx(tx, []byte(id), p)
		if err != nil {
			return err
		}
		return appendAudit(tx, ch, e, d)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
