package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	"github.com/ocopvn/estamp/internal/audit"
)

// AuditEntry is one entry of the audit log as stored.
type AuditEntry struct {
	Sequence uint64
	// Hash is the SHA-256 of the record's bytes as stored.
	Hash   []byte
	Record *storagev1.AuditRecord
}

// putAudited stores m under key in an audited bucket and returns what the
// change's audit entry records of it: the SHA-256 of the bytes stored.
func putAudited(b *bolt.Bucket, bucket, key []byte, m proto.Message) (*storagev1.RecordDigest, error) {
	v, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	if err := b.Put(key, v); err != nil {
		return nil, err
	}
	return digestOf(bucket, key, v), nil
}

func digestOf(bucket, key, value []byte) *storagev1.RecordDigest {
	sum := sha256.Sum256(value)
	return &storagev1.RecordDigest{Bucket: string(bucket), Key: bytes.Clone(key), Sha256: sum[:]}
}

// appendAudit adds the entry a caller wrote for its change to the hash
// chain: its record holds the hash of the previous record and of every
// record the change wrote, and the meta bucket holds the newest hash so
// that the last entry cannot be changed or dropped unnoticed either. The
// words are the caller's; the hashes are the store's.
func appendAudit(tx *bolt.Tx, ch audit.Change, e audit.Entry, records ...*storagev1.RecordDigest) error {
	meta := tx.Bucket(bucketMeta)
	prev := make([]byte, sha256.Size)
	if h := meta.Get(keyAuditHead); h != nil {
		copy(prev, h)
	}
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(&storagev1.AuditRecord{
		TimeUnixNano: ch.Time.UnixNano(),
		Actor:        ch.Actor,
		Action:       string(e.Action),
		Target:       e.Target,
		Detail:       e.Detail,
		PreviousHash: prev,
		Records:      records,
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
func (s *Store) AuditEntries(ctx context.Context, after uint64, limit int) (list []AuditEntry, more bool, err error) {
	if after == math.MaxUint64 {
		// Nothing is after it, and after+1 would wrap to the whole log.
		return nil, false, nil
	}
	err = s.view(ctx, func(tx *bolt.Tx) error {
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
	// Mismatches are stored records that are not what their latest audit
	// entry says: edited, added or removed outside the service.
	Mismatches []RecordMismatch
}

// RecordMismatch is one stored record that disagrees with the audit log.
type RecordMismatch struct {
	Kind, ID string
	// Sequence is the latest entry that hashed the record; 0 for none.
	Sequence uint64
	Problem  string
}

// VerifyAudit walks the whole chain: every entry must hash to its stored
// hash, name the previous entry's hash, and follow it in sequence; the
// newest must be the head the meta bucket records. Then every producer,
// product, retailer, batch, token and key state must hash to what its
// latest entry recorded. The walk reads every entry and record, so it
// looks at ctx as it goes.
func (s *Store) VerifyAudit(ctx context.Context) (AuditCheck, error) {
	var res AuditCheck
	err := s.view(ctx, func(tx *bolt.Tx) error {
		latest := map[string]recorded{}
		paced := pace(ctx)
		var err error
		if res.Checked, res.FirstBroken, res.Problem, err = verifyChain(tx, latest, paced); err != nil {
			return err
		}
		res.Mismatches, err = verifyRecords(tx, latest, paced)
		return err
	})
	if err != nil {
		return AuditCheck{}, err
	}
	return res, nil
}

// recorded is the latest audit entry's digest of one record.
type recorded struct {
	sum []byte
	seq uint64
}

func recordKey(bucket string, key []byte) string { return bucket + "\x00" + string(key) }

// verifyChain checks the hash chain and gathers into latest the newest
// digest of each record, from the entries that are intact. It stops with
// paced's error.
func verifyChain(tx *bolt.Tx, latest map[string]recorded, paced func() error) (checked, firstBroken uint64, problem string, err error) {
	prev := make([]byte, sha256.Size)
	c := tx.Bucket(bucketAudit).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := paced(); err != nil {
			return 0, 0, "", err
		}
		seq := binary.BigEndian.Uint64(k)
		e, bad := decodeAudit(seq, v)
		if e.Record != nil {
			for _, d := range e.Record.Records {
				latest[recordKey(d.Bucket, d.Key)] = recorded{d.Sha256, seq}
			}
		}
		if firstBroken != 0 {
			continue
		}
		want := checked + 1
		switch {
		case seq != want:
			firstBroken, problem = want, fmt.Sprintf("entry is missing (next stored entry is %d)", seq)
		case bad != "":
			firstBroken, problem = seq, bad
		case !bytes.Equal(e.Record.PreviousHash, prev) && seq == 1:
			firstBroken, problem = seq, "first entry does not start the chain"
		case !bytes.Equal(e.Record.PreviousHash, prev):
			firstBroken, problem = seq-1, fmt.Sprintf("entry differs from what entry %d recorded of it", seq)
		default:
			prev = e.Hash
			checked++
		}
	}
	if firstBroken != 0 {
		return checked, firstBroken, problem, nil
	}
	meta := tx.Bucket(bucketMeta)
	if v := meta.Get(keyNextAudit); v != nil && binary.BigEndian.Uint64(v)-1 > checked {
		return checked, checked + 1, fmt.Sprintf("entry is missing (the log holds %d)", binary.BigEndian.Uint64(v)-1), nil
	}
	head := meta.Get(keyAuditHead)
	if !(head == nil && checked == 0) && !bytes.Equal(head, prev) {
		return checked, checked, "the newest entry differs from the recorded head of the log", nil
	}
	return checked, 0, "", nil
}

// verifyRecords compares every audited record with its latest digest. It
// stops with paced's error.
func verifyRecords(tx *bolt.Tx, latest map[string]recorded, paced func() error) ([]RecordMismatch, error) {
	var out []RecordMismatch
	for _, ab := range auditedKinds {
		name := string(ab.bucket)
		err := tx.Bucket(ab.bucket).ForEach(func(k, v []byte) error {
			if err := paced(); err != nil {
				return err
			}
			rk := recordKey(name, k)
			r, ok := latest[rk]
			delete(latest, rk)
			sum := sha256.Sum256(v)
			switch {
			case !ok:
				out = append(out, RecordMismatch{Kind: ab.name, ID: keyString(ab.bucket, k), Problem: "no audit entry wrote it"})
			case !bytes.Equal(sum[:], r.sum):
				out = append(out, RecordMismatch{Kind: ab.name, ID: keyString(ab.bucket, k), Sequence: r.seq, Problem: fmt.Sprintf("differs from what audit entry %d recorded", r.seq)})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	kinds := map[string]string{}
	for _, ab := range auditedKinds {
		kinds[string(ab.bucket)] = ab.name
	}
	for rk, r := range latest {
		bucket, key, _ := strings.Cut(rk, "\x00")
		if kind, ok := kinds[bucket]; ok && len(r.sum) > 0 {
			out = append(out, RecordMismatch{Kind: kind, ID: keyString([]byte(bucket), []byte(key)), Sequence: r.seq, Problem: fmt.Sprintf("missing, though audit entry %d wrote it", r.seq)})
		}
	}
	slices.SortFunc(out, func(a, b RecordMismatch) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// keyString shows a record's key: batch ids are numbers, others text.
func keyString(bucket, key []byte) string {
	if bytes.Equal(bucket, bucketBatches) && len(key) == 8 {
		return formatUint(binary.BigEndian.Uint64(key))
	}
	return string(key)
}
