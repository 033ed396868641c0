package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
)

// Change says who makes a change and when. Every method that changes the
// registry, issuance, custody, tokens or keys takes one and appends it to
// the audit log in the same transaction as the change: a change without
// its audit entry cannot commit.
type Change struct {
	Actor string
	Time  time.Time
}

// AuditEntry is one entry of the audit log as stored.
type AuditEntry struct {
	Sequence uint64
	// Hash is the SHA-256 of the record's bytes as stored.
	Hash   []byte
	Record *storagev1.AuditRecord
}

// appendAudit adds one entry to the hash chain: its record holds the hash
// of the previous record, and the meta bucket holds the newest hash so that
// the last entry cannot be changed or dropped unnoticed either.
func appendAudit(tx *bolt.Tx, ch Change, action, target, detail string) error {
	meta := tx.Bucket(bucketMeta)
	prev := make([]byte, sha256.Size)
	if h := meta.Get(keyAuditHead); h != nil {
		copy(prev, h)
	}
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(&storagev1.AuditRecord{
		TimeUnixNano: ch.Time.UnixNano(),
		Actor:        ch.Actor,
		Action:       action,
		Target:       target,
		Detail:       detail,
		PreviousHash: prev,
	})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	seq, err := nextCounter(tx, keyNextAudit, 1)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketAudit).Put(u64(seq), append(sum[:], body...)); err != nil {
		return err
	}
	return meta.Put(keyAuditHead, sum[:])
}

// decodeAudit splits a stored entry, checking that its hash matches.
func decodeAudit(seq uint64, v []byte) (AuditEntry, string) {
	e := AuditEntry{Sequence: seq}
	if len(v) < sha256.Size {
		return e, "entry is shorter than its hash"
	}
	e.Hash = append([]byte(nil), v[:sha256.Size]...)
	body := v[sha256.Size:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], e.Hash) {
		return e, "content does not match its stored hash"
	}
	rec := new(storagev1.AuditRecord)
	if err := proto.Unmarshal(body, rec); err != nil {
		return e, fmt.Sprintf("content does not decode: %v", err)
	}
	e.Record = rec
	return e, ""
}

// AuditEntries returns up to limit entries after sequence `after`. Entries
// whose hash does not match are returned without a record.
func (s *Store) AuditEntries(after uint64, limit int) (list []AuditEntry, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		more, err = page(tx.Bucket(bucketAudit), u64(after+1), nil, nil, limit, func(k, v []byte) error {
			e, _ := decodeAudit(binary.BigEndian.Uint64(k), v)
			list = append(list, e)
			return nil
		})
		return err
	})
	return list, more, err
}

// AuditCheck is the outcome of VerifyAudit.
type AuditCheck struct {
	Checked uint64
	// FirstBroken is the first entry that does not match; 0 when intact.
	FirstBroken uint64
	Problem     string
}

// VerifyAudit walks the whole chain: every entry must hash to its stored
// hash, name the previous entry's hash, and follow it in sequence; the
// newest must be the head the meta bucket records.
func (s *Store) VerifyAudit() (AuditCheck, error) {
	var res AuditCheck
	err := s.db.View(func(tx *bolt.Tx) error {
		prev := make([]byte, sha256.Size)
		broken := func(seq uint64, format string, args ...any) error {
			res.FirstBroken, res.Problem = seq, fmt.Sprintf(format, args...)
			return nil
		}
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			want := res.Checked + 1
			seq := binary.BigEndian.Uint64(k)
			if seq != want {
				return broken(want, "entry is missing (next stored entry is %d)", seq)
			}
			e, problem := decodeAudit(seq, v)
			if problem != "" {
				return broken(seq, "%s", problem)
			}
			if !bytes.Equal(e.Record.PreviousHash, prev) {
				if seq == 1 {
					return broken(seq, "first entry does not start the chain")
				}
				return broken(seq-1, "entry differs from what entry %d recorded of it", seq)
			}
			prev = e.Hash
			res.Checked++
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyNextAudit); v != nil && binary.BigEndian.Uint64(v)-1 > res.Checked {
			return broken(res.Checked+1, "entry is missing (the log holds %d)", binary.BigEndian.Uint64(v)-1)
		}
		head := meta.Get(keyAuditHead)
		switch {
		case head == nil && res.Checked == 0:
		case !bytes.Equal(head, prev):
			return broken(res.Checked, "the newest entry differs from the recorded head of the log")
		}
		return nil
	})
	return res, err
}
