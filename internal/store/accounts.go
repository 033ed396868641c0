package store

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
)

// CreateAccount stores a new console account, with the audit entry e. The
// producer or retailer it acts for must exist; a username already taken,
// whatever its letter case, is a conflict.
func (s *Store) CreateAccount(ctx context.Context, a *storagev1.AccountRecord, ch audit.Change, e audit.Entry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if a.ProducerId != "" {
			if err := producerKind.existsTx(tx, a.ProducerId); err != nil {
				return err
			}
		}
		if a.RetailerId != "" {
			if err := retailerKind.existsTx(tx, a.RetailerId); err != nil {
				return err
			}
		}
		return accountTable.createTx(tx, a.Username, a, ch, e, func() error {
			a.CreateUnixNano, a.CreatedBy = ch.Time.UnixNano(), ch.Actor
			a.PasswordChangeUnixNano = a.CreateUnixNano
			return nil
		})
	})
}

// Account returns an account by username.
func (s *Store) Account(ctx context.Context, username string) (*storagev1.AccountRecord, error) {
	return accountTable.byID(ctx, s, []byte(username), username)
}

// Accounts returns up to limit accounts with usernames after `after`.
func (s *Store) Accounts(ctx context.Context, after string, limit int) ([]*storagev1.AccountRecord, bool, error) {
	return accountTable.listAfter(ctx, s, after, limit)
}

// UpdateAccount changes an account with change, which returns the audit
// entry of what it did, and ends every session of the account in the same
// transaction: a new password or a disabled account must not leave a
// browser signed in. change may return ok false to change nothing (and
// write no entry).
func (s *Store) UpdateAccount(ctx context.Context, username string, ch audit.Change, change func(*storagev1.AccountRecord) (e audit.Entry, ok bool, err error)) (*storagev1.AccountRecord, error) {
	var a *storagev1.AccountRecord
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		if a, err = accountTable.getTx(tx, []byte(username), username); err != nil {
			return err
		}
		e, ok, err := change(a)
		if err != nil || !ok {
			return err
		}
		d, err := accountTable.putTx(tx, []byte(username), a)
		if err != nil {
			return err
		}
		if err := endSessionsTx(tx, username); err != nil {
			return err
		}
		return appendAudit(tx, ch, e, d)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Audit appends an entry that changes no record, e.g. a failed sign-in.
func (s *Store) Audit(ctx context.Context, ch audit.Change, e audit.Entry) error {
	return s.update(ctx, func(tx *bolt.Tx) error { return appendAudit(tx, ch, e) })
}

// CreateSession stores a session under the hash of its id, and drops the
// sessions that expired before `expired` (sessions of any account), so
// that the bucket holds only live ones.
func (s *Store) CreateSession(ctx context.Context, idHash []byte, r *storagev1.SessionRecord, expired func(*storagev1.SessionRecord) bool) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		var stale [][]byte
		err := b.ForEach(func(k, v []byte) error {
			old := new(storagev1.SessionRecord)
			if _, err := get(b, k, old); err != nil {
				return err
			}
			if expired(old) {
				stale = append(stale, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return put(b, idHash, r)
	})
}

// Session returns the session stored under the hash of its id.
func (s *Store) Session(ctx context.Context, idHash []byte) (*storagev1.SessionRecord, error) {
	r := new(storagev1.SessionRecord)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		found, err := get(tx.Bucket(bucketSessions), idHash, r)
		if err == nil && !found {
			err = &ocop.NotFoundError{What: "session", ID: "(hidden)"}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// TouchSession records a request of a session at seen; a session ended
// meanwhile stays ended.
func (s *Store) TouchSession(ctx context.Context, idHash []byte, seen time.Time) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		r := new(storagev1.SessionRecord)
		if found, err := get(b, idHash, r); err != nil || !found {
			return err
		}
		r.SeenUnixNano = seen.UnixNano()
		return put(b, idHash, r)
	})
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	return s.update(ctx, func(tx *bolt.Tx) error { return tx.Bucket(bucketSessions).Delete(idHash) })
}

// endSessionsTx ends every session of username.
func endSessionsTx(tx *bolt.Tx, username string) error {
	b := tx.Bucket(bucketSessions)
	var ended [][]byte
	err := b.ForEach(func(k, v []byte) error {
		r := new(storagev1.SessionRecord)
		if _, err := get(b, k, r); err != nil {
			return err
		}
		if r.Username == username {
			// Keys live in the transaction's pages, which the deletes
			// below rewrite.
			ended = append(ended, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range ended {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
