package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// migrations[v] upgrades a database from schema v to v+1, inside the
// transaction that opens it: a crash mid-migration leaves schema v intact.
//
// Migrations are the one change the store makes on its own, so it writes
// their audit entries' words itself (upgrade).
var migrations = map[uint64]func(*bolt.Tx, upgrading) error{
	1: migrate1to2,
	2: migrate2to3,
	3: migrate3to4,
	4: migrate4to5,
	5: migrate5to6,
	6: migrate6to7,
	7: migrate7to8,
}

// upgrading is what a migration knows of the store that opens the file.
type upgrading struct {
	// ch is the server acting on its own, at the store's clock.
	ch audit.Change
	// manyScans is the MANY_SCANS threshold the store flags stamps at
	// (Options.ManyScans).
	manyScans uint64
}

// putStampState writes a state into stamps (bucket b) directly, as
// migrations to schemas before 8 do: recentStamps is empty until the
// database is at 8.
func putStampState(b *bolt.Bucket, serial uint64, st *storagev1.StampState) error {
	v, err := proto.Marshal(st)
	if err != nil {
		return err
	}
	return b.Put(u64(serial), v)
}

// migrate7to8 has nothing to move: recentStamps, which Open creates,
// starts empty, and every state stays where it is until written again.
func migrate7to8(tx *bolt.Tx, up upgrading) error {
	return appendAudit(tx, up.ch, upgrade("7 -> 8: stamp states written lately kept apart from the others"))
}

// migrate6to7 fills InsightService's counters from what schema 6 kept,
// so that an upgraded database shows its history: each stamp's state
// gives its scans per day (its first scans one by one, later ones per
// day), its first scan, and the retailers that received it; each batch
// its issue day and size.
//
// A state keeps 90 days of daily counts, so scans on days it dropped
// count in their batch's total but on no day. A stamp past the MANY_SCANS
// threshold is flagged at the moment its count passed it, as far as its
// state tells (manyScansTime), and one received by two retailers or more
// at the second's first intake. Deliveries were not kept before: the list
// of a retailer's deliveries starts with the upgrade.
func migrate6to7(tx *bolt.Tx, up upgrading) error {
	scans, shops, batches := newScanTally(), shopTally{}, newBatchFinder(tx)
	type flagged struct {
		serial uint64
		f      flagging
	}
	var flags []flagged
	err := tx.Bucket(bucketStamps).ForEach(func(k, v []byte) error {
		serial := binary.BigEndian.Uint64(k)
		st, err := decodeStampState(v)
		if err != nil {
			return fmt.Errorf("stamp %d: %w", serial, err)
		}
		b, err := batches.find(serial)
		if err != nil || b == nil {
			return err
		}
		producer, err := batches.producerOf(b.ProductId)
		if err != nil {
			return err
		}
		dated := uint64(len(st.EarlyScansUnixNano))
		for _, n := range st.EarlyScansUnixNano {
			scans.scans(b.Id, ocop.Day(record.Time(n)), 1)
		}
		for _, d := range st.DailyScans {
			scans.scans(b.Id, d.Day, uint64(d.Count))
			dated += uint64(d.Count)
		}
		if st.ScanCount > dated {
			scans.undated(b.Id, st.ScanCount-dated)
		}
		if st.FirstScanUnixNano != 0 {
			scans.first(b.Id, ocop.Day(record.Time(st.FirstScanUnixNano)))
		}
		if up.manyScans > 0 && st.ScanCount > up.manyScans {
			flags = append(flags, flagged{serial, flagging{kind: estampv1.FlagKind_FLAG_KIND_MANY_SCANS, at: manyScansTime(st, up.manyScans),
				batch: b, producer: producer, scanCount: st.ScanCount}})
		}
		retailers := retailersOf(st)
		for _, r := range st.Receipts {
			shop := shops.at(shopOf{producer, b.ProductId, r.RetailerId}, r.FirstUnixNano, r.LastUnixNano)
			shop.Stamps++
			// Every intake by a retailer after the first was of a
			// stamp another had received.
			if r.RetailerId != retailers[0] {
				shop.SuspectedCopies += uint64(r.Count)
			}
		}
		if len(retailers) > 1 {
			// Flagged at the second retailer's first intake; every
			// intake anywhere after it was of a copy, the latest too.
			f := flagging{kind: estampv1.FlagKind_FLAG_KIND_SUSPECTED_COPY, batch: b, producer: producer, scanCount: st.ScanCount, retailers: retailers}
			var latest int64
			for _, r := range st.Receipts {
				if r.RetailerId == retailers[1] {
					f.at = record.Time(r.FirstUnixNano)
				}
				latest = max(latest, r.LastUnixNano)
			}
			f.latest = record.Time(latest)
			flags = append(flags, flagged{serial, f})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// In the order they happened, so that a flag's kinds are in the order
	// first seen and its first time is its earliest.
	slices.SortStableFunc(flags, func(a, b flagged) int { return a.f.at.Compare(b.f.at) })
	for _, f := range flags {
		if err := raiseFlag(tx, f.serial, f.f); err != nil {
			return err
		}
	}
	err = tx.Bucket(bucketBatches).ForEach(func(k, v []byte) error {
		b, err := batchTable.decode(k, v)
		if err != nil {
			return err
		}
		return countIssue(tx, b, b.GetIssueTime().AsTime())
	})
	if err != nil {
		return err
	}
	if err := scans.writeTx(tx); err != nil {
		return err
	}
	if err := shops.writeTx(tx); err != nil {
		return err
	}
	stamps := map[uint64]bool{}
	for _, f := range flags {
		stamps[f.serial] = true
	}
	return appendAudit(tx, up.ch, upgrade(fmt.Sprintf("6 -> 7: scans per batch and day, receipts per shop and flags of %d stamps, from the stamps' states", len(stamps))))
}

// manyScansTime is when a stamp's scan count first passed n, as far as
// its state tells: its first scans are kept one by one, later ones per day
// (the start of the day then), and a day its state dropped leaves its
// first kept day as the earliest moment the state vouches for.
func manyScansTime(st *storagev1.StampState, n uint64) time.Time {
	early := st.EarlyScansUnixNano
	if n < uint64(len(early)) {
		return record.Time(early[n])
	}
	// Scans before the days kept: the early ones, and those of the days
	// dropped.
	seen := st.ScanCount
	for _, d := range st.DailyScans {
		seen -= min(seen, uint64(d.Count))
	}
	for _, d := range st.DailyScans {
		if seen += uint64(d.Count); seen > n {
			return ocop.DayStart(d.Day)
		}
	}
	return record.Time(st.LastScanUnixNano)
}

// migrate5to6 rewrites every producer, product, retailer and batch from
// the estamp.v1 message schemas 1 to 5 stored to its own estamp.storage.v1
// record (records.go), so that the public API can change without the
// file changing with it. A record that would not read back the same from
// its new encoding (an unknown field, an id that is not its key) stops
// the upgrade: it would be lost, not converted.
//
// It reads schema 5 with today's estamp.v1 messages, which is right while
// their field numbers stay as they were (`make breaking` holds them);
// TestMigrateSchema5 writes schema 5's bytes by field number, so it fails
// if one moves, and the migrations then need a frozen copy of the old
// message.
//
// Every audit entry holds the SHA-256 of the bytes its change stored, and
// those bytes change here, so the upgrade's own entry holds the digests of
// the records it rewrote, and `audit verify` checks them from here on. It
// vouches only for a record that matched its latest entry before the
// upgrade: one edited in the file, or that no entry wrote, is rewritten
// all the same but keeps disagreeing with the log, so that `audit verify`
// goes on naming it.
func migrate5to6(tx *bolt.Tx, up upgrading) error {
	latest := map[string]recorded{}
	if _, _, _, err := verifyChain(tx, latest, func() error { return nil }); err != nil {
		return err
	}
	var (
		digests   []*storagev1.RecordDigest
		unvouched int
	)
	for _, rewrite := range []func(*bolt.Tx, map[string]recorded) ([]*storagev1.RecordDigest, int, error){
		producerTable.rewrite5, productTable.rewrite5, retailerTable.rewrite5, batchTable.rewrite5,
	} {
		d, n, err := rewrite(tx, latest)
		if err != nil {
			return err
		}
		digests, unvouched = append(digests, d...), unvouched+n
	}
	detail := fmt.Sprintf("5 -> 6: producers, products, retailers and batches as storage records; hashes of the %d rewritten", len(digests)+unvouched)
	if unvouched > 0 {
		detail += fmt.Sprintf(", but for %d that did not match the log before", unvouched)
	}
	return appendAudit(tx, up.ch, upgrade(detail), digests...)
}

// rewrite5 re-encodes every record of t from the estamp.v1 message schema
// 5 stored, and returns the digests of those it rewrote that matched their
// latest audit entry (latest, from verifyChain), and how many did not.
func (t table[M, R]) rewrite5(tx *bolt.Tx, latest map[string]recorded) ([]*storagev1.RecordDigest, int, error) {
	type old struct {
		key   []byte
		m     M
		vouch bool
	}
	var all []old
	b := tx.Bucket(t.bucket)
	err := b.ForEach(func(k, v []byte) error {
		m := newMessage[M]()
		if err := proto.Unmarshal(v, m); err != nil {
			return fmt.Errorf("%s %s: %w", t.name, keyString(t.bucket, k), err)
		}
		sum := sha256.Sum256(v)
		r, ok := latest[recordKey(string(t.bucket), k)]
		all = append(all, old{bytes.Clone(k), m, ok && bytes.Equal(r.sum, sum[:])})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	var (
		digests   []*storagev1.RecordDigest
		unvouched int
	)
	for _, o := range all {
		rec := t.record(o.m)
		withoutComputed(o.m)
		if back := t.of(o.key, rec); !proto.Equal(back, o.m) {
			return nil, 0, fmt.Errorf("%s %s would not read back the same from its new record: stored as {%v}, would read {%v}", t.name, keyString(t.bucket, o.key), o.m, back)
		}
		d, err := putAudited(b, t.bucket, o.key, rec)
		if err != nil {
			return nil, 0, err
		}
		if o.vouch {
			digests = append(digests, d)
		} else {
			unvouched++
		}
	}
	return digests, unvouched, nil
}

// withoutComputed clears what the API computes when it answers and no
// record keeps: a certificate's status. Schema 5 never stored one.
func withoutComputed(m proto.Message) {
	if p, ok := m.(*estampv1.Product); ok && p.Certificate != nil {
		p.Certificate.Status = estampv1.CertificateStatus_CERTIFICATE_STATUS_UNSPECIFIED
	}
}

// schema5Batch reads a batch as schemas 1 to 5 stored it, an estamp.v1.Batch,
// for the migrations before 5 -> 6.
func schema5Batch(tx *bolt.Tx, id uint64) (*estampv1.Batch, error) {
	return schema5Get[*estampv1.Batch](tx, batchKind, u64(id), formatUint(id))
}

// schema5Product reads a product as schemas 1 to 5 stored it, an
// estamp.v1.Product, for the migrations before 5 -> 6.
func schema5Product(tx *bolt.Tx, id string) (*estampv1.Product, error) {
	return schema5Get[*estampv1.Product](tx, productKind, []byte(id), id)
}

func schema5Get[M proto.Message](tx *bolt.Tx, k kind, key []byte, id string) (M, error) {
	m := newMessage[M]()
	ok, err := get(tx.Bucket(k.bucket), key, m)
	if err == nil && !ok {
		err = &ocop.NotFoundError{What: k.name, ID: id}
	}
	return m, err
}

// migrate4to5 keeps who revoked in the revocation list, beside the entry
// the list publishes, and turns each entry of one serial into an entry of
// one range of serials, under the same version (clients sync by version).
// Each stamp so revoked then refers to its entry, which holds its time,
// reason and actor.
func migrate4to5(tx *bolt.Tx, up upgrading) error {
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
			b, err := schema5Batch(tx, l.entry.BatchId)
			if err != nil {
				return err
			}
			rec.Actor = b.RevokedBy
		}
		if err := put(list, u64(l.version), rec); err != nil {
			return err
		}
	}
	return appendAudit(tx, up.ch, upgrade("4 -> 5: the revocation list keeps who revoked and serials as ranges; revoked stamps refer to their entry"))
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
func migrate3to4(tx *bolt.Tx, up upgrading) error {
	now := up.ch.Time
	requests, batches := tx.Bucket(bucketRequests), tx.Bucket(bucketBatches)
	type rekey struct{ old, new, batch []byte }
	var moves []rekey
	err := requests.ForEach(func(k, v []byte) error {
		b, err := schema5Batch(tx, binary.BigEndian.Uint64(v))
		if err != nil {
			return err
		}
		p, err := schema5Product(tx, b.ProductId)
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
	return appendAudit(tx, up.ch, upgrade("3 -> 4: hashes of every record as it stands"), digests...)
}

// migrate2to3 needs no data moved: the new buckets exist already. It
// starts the audit log with the upgrade itself, so that the log says from
// when on it is complete.
func migrate2to3(tx *bolt.Tx, up upgrading) error {
	return appendAudit(tx, up.ch, upgrade("2 -> 3"))
}

// migrate1to2 re-encodes stamp states from the fixed binary layout of
// schema 1 (scan count, first scan, last scan, revoke time as uint64 Unix
// nanoseconds, then the revocation reason), indexes batches by serial range
// and writes the revocation list of what was revoked so far.
func migrate1to2(tx *bolt.Tx, _ upgrading) error {
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
		b, err := batchOfSerialBy(tx, o.serial, schema5Batch)
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
