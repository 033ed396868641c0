package store

import (
	"context"

	bolt "go.etcd.io/bbolt"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	"github.com/ocopvn/estamp/internal/audit"
)

// CreateToken stores a new API token, with the audit entry e. The producer
// or retailer it acts for must exist. Token ids are random, so the
// registry's check of ids whatever their letter case finds what an exact
// one would, over a handful of tokens.
func (s *Store) CreateToken(ctx context.Context, t *storagev1.TokenRecord, ch audit.Change, e audit.Entry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if t.ProducerId != "" {
			if err := producerKind.existsTx(tx, t.ProducerId); err != nil {
				return err
			}
		}
		if t.RetailerId != "" {
			if err := retailerKind.existsTx(tx, t.RetailerId); err != nil {
				return err
			}
		}
		return tokenTable.createTx(tx, t.Id, t, ch, e, func() error {
			t.CreateUnixNano, t.CreatedBy = ch.Time.UnixNano(), ch.Actor
			return nil
		})
	})
}

// Token returns a token by id.
//
// Every call with a token reads it: the record is cached (genCache), and
// shared, so callers read it and never change it.
func (s *Store) Token(ctx context.Context, id string) (*storagev1.TokenRecord, error) {
	// Read before the transaction begins: see genCache.
	gen := s.writes.now()
	if t, ok := s.tokens.get(gen, id); ok {
		return t, nil
	}
	t, err := tokenTable.byID(ctx, s, []byte(id), id)
	if err != nil {
		return nil, err
	}
	s.tokens.put(gen, id, t)
	return t, nil
}

// Tokens returns up to limit tokens with ids after `after`, by id.
func (s *Store) Tokens(ctx context.Context, after string, limit int) ([]*storagev1.TokenRecord, bool, error) {
	return tokenTable.listAfter(ctx, s, after, limit)
}

// RevokeToken marks a token revoked, with the audit entry e; revoking it
// again changes nothing and writes no entry.
func (s *Store) RevokeToken(ctx context.Context, id string, ch audit.Change, e audit.Entry) (*storagev1.TokenRecord, error) {
	var t *storagev1.TokenRecord
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		if t, err = tokenTable.getTx(tx, []byte(id), id); err != nil {
			return err
		}
		if t.RevokeUnixNano != 0 {
			return nil
		}
		t.RevokeUnixNano = ch.Time.UnixNano()
		d, err := tokenTable.putTx(tx, []byte(id), t)
		if err != nil {
			return err
		}
		return appendAudit(tx, ch, e, d)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// KeyStates returns the recorded state of every issuer key, by key id.
func (s *Store) KeyStates(ctx context.Context) (map[string]*storagev1.KeyState, error) {
	out := map[string]*storagev1.KeyState{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeyStates)
		return b.ForEach(func(k, _ []byte) error {
			st := new(storagev1.KeyState)
			if _, err := get(b, k, st); err != nil {
				return err
			}
			out[string(k)] = st
			return nil
		})
	})
	return out, err
}

// KeyChange is one key's new state.
type KeyChange struct {
	KeyID string
	State *storagev1.KeyState
}

// SetKeyStates records new key states together, with one audit entry e.
func (s *Store) SetKeyStates(ctx context.Context, changes []KeyChange, ch audit.Change, e audit.Entry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeyStates)
		var digests []*storagev1.RecordDigest
		for _, c := range changes {
			d, err := putAudited(b, bucketKeyStates, []byte(c.KeyID), c.State)
			if err != nil {
				return err
			}
			digests = append(digests, d)
		}
		return appendAudit(tx, ch, e, digests...)
	})
}

// HasTokens reports whether any token was ever created.
func (s *Store) HasTokens(ctx context.Context) (bool, error) {
	var found bool
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketTokens).Cursor().First()
		found = k != nil
		return nil
	})
	return found, err
}
