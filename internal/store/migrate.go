package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/record"
)

// migrations[v] upgrades a database from schema v to v+1, inside the
// transaction that opens it: a crash mid-migration leaves schema v intact.
// ch is the server acting on its own, at the store's clock.
//
// Migrations are the one change the store makes on its own, so it writes
// their audit entries' words itself (upgrade).
var migrations = map[uint64]func(*bolt.Tx, audit.Change) error{
	1: migrate1to2,
	2: migrate2to3,
	3: migrate3to4,
	4: migrate4to5,
}

// migrate4to5 keeps who revoked in the revocation list, beside the entry
// the list publishes, and turns each entry of one serial into an entry of
// one range of serials, under the same version (clients sync by version).
// Each stamp so revoked then refers to its entry, which holds its time,
// reason and actor.
func migrate4to5(tx *bolt.Tx, ch audit.Change) error {
	list, stamps := tx.Bucket(bucketRevocations), tx.Bucket(bucketStamps)
	type legacy struct {
		version uint64
		entry   *estampv1.RevocationEntry
		serial  uint64
	}
	var all []legacy
	err := list.ForEach(func(k, v []byte) error {
		e, serial, err := decodeLegacyEntry(v)
		if err != nil {
			return fmt.Errorf("revocation-list entry %d: %w", binary.BigEndian.Uint64(k), err)
		}
		all = append(all, legacy{binary.BigEndian.Uint64(k), e, serial})
		return nil
	})
	if err != nil {
		return err
	}
	for _, l := range all {
		rec := &storagev1.RevocationRecord{Entry: l.entry}
		switch {
		case l.serial != 0:
			rec.Entry.SerialRanges = []*estampv1.SerialRange{{First: l.serial, Last: l.serial}}
			st, err := decodeStampState(stamps.Get(u64(l.serial)))
			if err != nil {
				return err
			}
			// The first entry of a stamp is the one that revoked it.
			if r := st.GetRevocation(); r != nil && r.ListVersion == 0 {
				rec.Actor = r.Actor
				st.Revocation = &storagev1.Revocation{ListVersion: l.version}
				if err := putStampState(stamps, l.serial, st); err != nil {
					return err
				}
			}
		case l.entry.Certificate == nil:
			b := new(estampv1.Batch)
			if _, err := get(tx.Bucket(bucketBatches), u64(l.entry.BatchId), b); err != nil {
				return err
			}
			rec.Actor = b.RevokedBy
		}
		if err := put(list, u64(l.version), rec); err != nil {
			return err
		}
	}
	return appendAudit(tx, ch, upgrade("4 -> 5: the revocation list keeps who revoked and serials as ranges; revoked stamps refer to their entry"))
}

// upgrade is the audit entry of a migration: the whole database is its
// target.
func upgrade(detail string) audit.Entry {
	return audit.Entry{Action: audit.SchemaUpgrade, Detail: detail}
}

// legacySerial is the field of estamp.v1.RevocationEntry that held the
// revoked serial up to schema 4; the message has it no more.
const legacySerial protowire.Number = 4

// decodeLegacyEntry reads a revocation-list entry as schemas 2 to 4
// stored it: an estamp.v1.RevocationEntry with the serial in field 4
// (0 for a batch or a certificate).
func decodeLegacyEntry(v []byte) (*estampv1.RevocationEntry, uint64, error) {
	e := new(estampv1.RevocationEntry)
	if err := proto.Unmarshal(v, e); err != nil {
		return nil, 0, err
	}
	var serial uint64
	unknown := e.ProtoReflect().GetUnknown()
	for len(unknown) > 0 {
		num, typ, n := protowire.ConsumeTag(unknown)
		if n < 0 {
			return nil, 0, protowire.ParseError(n)
		}
		unknown = unknown[n:]
		if num == legacySerial && typ == protowire.VarintType {
			serial, n = protowire.ConsumeVarint(unknown)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, unknown)
		}
		if n < 0 {
			return nil, 0, protowire.ParseError(n)
		}
		unknown = unknown[n:]
	}
	e.ProtoReflect().SetUnknown(nil)
	return e, serial, nil
}

// addLegacyEntry appends to the revocation list as schemas 2 to 4 stored
// it (decodeLegacyEntry): the migrations to those schemas write it, and
// migrate4to5 converts it.
func addLegacyEntry(tx *bolt.Tx, e *estampv1.RevocationEntry, serial uint64) error {
	version, err := nextCounter(tx, keyNextRevocation, 1)
	if err != nil {
		return err
	}
	e.Version = version
	v, err := proto.MarshalOptions{Deterministic: true}.Marshal(e)
	if err != nil {
		return err
	}
	if serial != 0 {
		v = protowire.AppendVarint(protowire.AppendTag(v, legacySerial, protowire.VarintType), serial)
	}
	return tx.Bucket(bucketRevocations).Put(u64(version), v)
}

// migrate3to4 scopes request ids to their producer, lists the base URLs
// batches were issued under, puts every product's certificate in the
// revocation list (offline verifiers then know renewals and revocations
// made before), and writes one audit entry hashing every record as it
// stands, so that `audit verify` can check records from here on.
func migrate3to4(tx *bolt.Tx, ch audit.Change) error {
	now := ch.Time
	requests, batches := tx.Bucket(bucketRequests), tx.Bucket(bucketBatches)
	type rekey struct{ old, new, batch []byte }
	var moves []rekey
	err := requests.ForEach(func(k, v []byte) error {
		b, err := batchTx(tx, binary.BigEndian.Uint64(v))
		if err != nil {
			return err
		}
		p, err := productTx(tx, b.ProductId)
		if err != nil {
			return err
		}
		moves = append(moves, rekey{bytes.Clone(k), requestKey(p.ProducerId, string(k)), bytes.Clone(v)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range moves {
		if err := requests.Delete(m.old); err != nil {
			return err
		}
		if err := requests.Put(m.new, m.batch); err != nil {
			return err
		}
	}
	err = batches.ForEach(func(k, _ []byte) error {
		b := new(estampv1.Batch)
		if _, err := get(batches, k, b); err != nil {
			return err
		}
		return noteBaseURL(tx, b.Id, b.BaseUrl)
	})
	if err != nil {
		return err
	}
	products := tx.Bucket(bucketProducts)
	err = products.ForEach(func(k, _ []byte) error {
		p := new(estampv1.Product)
		if _, err := get(products, k, p); err != nil {
			return err
		}
		c := p.GetCertificate()
		return addLegacyEntry(tx, &estampv1.RevocationEntry{
			Reason: c.GetRevocationReason(), RevokeTime: timestamppb.New(now),
			Certificate: &estampv1.CertificateChange{ProductNumber: p.Number, ProductId: p.Id, ValidUntil: c.GetValidUntil(), Revoked: c.GetRevokeTime() != nil},
		}, 0)
	})
	if err != nil {
		return err
	}
	var digests []*storagev1.RecordDigest
	for _, ab := range auditedKinds {
		err := tx.Bucket(ab.bucket).ForEach(func(k, v []byte) error {
			digests = append(digests, digestOf(ab.bucket, k, v))
			return nil
		})
		if err != nil {
			return err
		}
	}
	return appendAudit(tx, ch, upgrade("3 -> 4: hashes of every record as it stands"), digests...)
}

// migrate2to3 needs no data moved: the new buckets exist already. It
// starts the audit log with the upgrade itself, so that the log says from
// when on it is complete.
func migrate2to3(tx *bolt.Tx, ch audit.Change) error {
	return appendAudit(tx, ch, upgrade("2 -> 3"))
}

// migrate1to2 re-encodes stamp states from the fixed binary layout of
// schema 1 (scan count, first scan, last scan, revoke time as uint64 Unix
// nanoseconds, then the revocation reason), indexes batches by serial range
// and writes the revocation list of what was revoked so far.
func migrate1to2(tx *bolt.Tx, _ audit.Change) error {
	batches, ranges := tx.Bucket(bucketBatches), tx.Bucket(bucketBatchRanges)
	err := batches.ForEach(func(k, _ []byte) error {
		b := new(estampv1.Batch)
		if _, err := get(batches, k, b); err != nil {
			return err
		}
		if err := ranges.Put(u64(b.FirstSerial), u64(b.Id)); err != nil {
			return err
		}
		if b.Revoked {
			return addLegacyEntry(tx, &estampv1.RevocationEntry{KeyId: b.KeyId, BatchId: b.Id, Reason: b.RevocationReason, RevokeTime: timestamppb.New(b.GetRevokeTime().AsTime())}, 0)
		}
		return nil
	})
	if err != nil {
		return err
	}
	stamps := tx.Bucket(bucketStamps)
	type old struct {
		serial uint64
		state  *storagev1.StampState
	}
	var all []old
	err = stamps.ForEach(func(k, v []byte) error {
		if len(v) < 32 || len(k) != 8 {
			return errors.New("corrupt schema-1 stamp state")
		}
		n := func(i int) int64 { return int64(binary.BigEndian.Uint64(v[i:])) }
		st := &storagev1.StampState{ScanCount: binary.BigEndian.Uint64(v), FirstScanUnixNano: n(8), LastScanUnixNano: n(16)}
		if n(24) != 0 {
			st.Revocation = &storagev1.Revocation{TimeUnixNano: n(24), Reason: string(v[32:]), Actor: "schema-1"}
		}
		all = append(all, old{binary.BigEndian.Uint64(k), st})
		return nil
	})
	if err != nil {
		return err
	}
	for _, o := range all {
		if err := putStampState(stamps, o.serial, o.state); err != nil {
			return err
		}
		if o.state.Revocation == nil {
			continue
		}
		b, err := batchOfSerial(tx, o.serial)
		if err != nil {
			return err
		}
		r := o.state.Revocation
		if err := addLegacyEntry(tx, &estampv1.RevocationEntry{KeyId: b.KeyId, BatchId: b.Id, Reason: r.Reason, RevokeTime: timestamppb.New(record.Time(r.TimeUnixNano))}, o.serial); err != nil {
			return err
		}
	}
	return nil
}
