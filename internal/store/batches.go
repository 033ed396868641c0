package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// Limits of what a stamp can carry: a 32-bit batch id and a 48-bit serial.
const (
	MaxBatchID = 0xFFFFFFFF
	MaxSerial  = 1<<48 - 1
)

// IssueBatch stores a new batch for a product, or returns the batch an
// earlier request with the same request id issued (created false).
//
// plan sees the product as stored in this transaction and returns the batch
// to issue (or a refusal); IssueBatch then assigns its id and a fresh range
// of serials. Checking the certificate and allocating serials in the
// transaction that stores the batch means a concurrent revocation cannot
// slip between them, and a crash before commit leaves no serial used.
//
// Request ids belong to the product's producer: another producer's id is
// another request.
//
// issued returns the audit entry of the batch as stored, with its id and
// serials; it must not change the batch.
func (s *Store) IssueBatch(ctx context.Context, requestID, productID string, ch audit.Change, plan func(*estampv1.Product) (*estampv1.Batch, error), issued func(*estampv1.Batch) audit.Entry) (batch *estampv1.Batch, created bool, err error) {
	err = s.update(ctx, func(tx *bolt.Tx) error {
		product, err := productTx(tx, productID)
		if err != nil {
			return err
		}
		reqKey := requestKey(product.ProducerId, requestID)
		if v := tx.Bucket(bucketRequests).Get(reqKey); v != nil {
			batch, err = batchTx(tx, binary.BigEndian.Uint64(v))
			return err
		}
		b, err := plan(product)
		if err != nil {
			return err
		}
		id, err := nextCounter(tx, keyNextBatch, 1)
		if err != nil {
			return err
		}
		if id > MaxBatchID {
			return &ocop.ExhaustedError{What: "batch ids"}
		}
		first, err := nextCounter(tx, keyNextSerial, uint64(b.Quantity))
		if err != nil {
			return err
		}
		if first+uint64(b.Quantity)-1 > MaxSerial {
			return &ocop.ExhaustedError{What: "serial numbers"}
		}
		// The mark outside the file first: once this batch commits, no
		// restored backup may hand out its serials or id again.
		if err := s.hw.reserve(first+uint64(b.Quantity), id+1); err != nil {
			return err
		}
		b.Id, b.FirstSerial, b.ProductId, b.RequestId = id, first, productID, requestID
		b.IssueTime = timestamppb.New(ch.Time)
		key := u64(id)
		d, err := batchTable.putTx(tx, key, b)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketRequests).Put(reqKey, key); err != nil {
			return err
		}
		if err := noteBaseURL(tx, id, b.BaseUrl); err != nil {
			return err
		}
		if err := tx.Bucket(bucketProductBatches).Put(productBatchKey(productID, id), nil); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBatchRanges).Put(u64(first), key); err != nil {
			return err
		}
		if err := countIssue(tx, b, ch.Time); err != nil {
			return err
		}
		// Offline verifiers learn from the list that the batch's stamps
		// are not active until an activation covers them.
		if b.IssuedInactive {
			pending := &estampv1.RevocationEntry{Activation: &estampv1.Activation{BatchId: id, Pending: true, ActivateTime: b.IssueTime}}
			if _, err := addListEntry(tx, pending, ch.Actor); err != nil {
				return err
			}
		}
		batch, created = b, true
		return appendAudit(tx, ch, issued(b), d)
	})
	if err != nil {
		return nil, false, err
	}
	return batch, created, nil
}

// NextSerial is the serial the next batch will start at; for tests and
// operators checking that serials never go back.
func (s *Store) NextSerial(ctx context.Context) (uint64, error) {
	next := uint64(1)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyNextSerial); v != nil {
			next = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return next, err
}

func requestKey(producerID, requestID string) []byte {
	k := make([]byte, 0, len(producerID)+1+len(requestID))
	k = append(k, producerID...)
	k = append(k, 0)
	return append(k, requestID...)
}

// noteBaseURL records the base URL a batch was issued under when it
// differs from the previous batch's: the list stays as short as the
// service's moves.
func noteBaseURL(tx *bolt.Tx, batchID uint64, prefix string) error {
	base := strings.TrimSuffix(prefix, "/V/")
	if base == "" {
		return nil // a batch from before base URLs were kept
	}
	b := tx.Bucket(bucketBaseURLs)
	if _, last := b.Cursor().Last(); last != nil && string(last) == base {
		return nil
	}
	return b.Put(u64(batchID), []byte(base))
}

// BatchBaseURLs lists every base URL batches were issued under, in batch
// order.
func (s *Store) BatchBaseURLs(ctx context.Context) ([]*estampv1.BatchBaseUrl, error) {
	var out []*estampv1.BatchBaseUrl
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBaseURLs).ForEach(func(k, v []byte) error {
			out = append(out, &estampv1.BatchBaseUrl{FirstBatchId: binary.BigEndian.Uint64(k), BaseUrl: string(v)})
			return nil
		})
	})
	return out, err
}

func productBatchKey(productID string, batchID uint64) []byte {
	k := make([]byte, 0, len(productID)+9)
	k = append(k, productID...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, batchID)
}

// Batch returns a batch by id.
func (s *Store) Batch(ctx context.Context, id uint64) (*estampv1.Batch, error) {
	return batchTable.byID(ctx, s, u64(id), formatUint(id))
}

func batchTx(tx *bolt.Tx, id uint64) (*estampv1.Batch, error) {
	return batchTable.getTx(tx, u64(id), formatUint(id))
}

// Batches returns up to limit batches of a product with ids after `after`.
func (s *Store) Batches(ctx context.Context, productID string, after uint64, limit int) (list []*estampv1.Batch, more bool, err error) {
	err = s.view(ctx, func(tx *bolt.Tx) error {
		if err := productKind.existsTx(tx, productID); err != nil {
			return err
		}
		prefix := append([]byte(productID), 0)
		seek, skip := prefix, []byte(nil)
		if after > 0 {
			seek = productBatchKey(productID, after)
			skip = seek
		}
		more, err = page(tx.Bucket(bucketProductBatches), seek, skip, prefix, limit, func(k, _ []byte) error {
			b, err := batchTx(tx, binary.BigEndian.Uint64(k[len(prefix):]))
			if err != nil {
				return err
			}
			list = append(list, b)
			return nil
		})
		return err
	})
	return list, more, err
}

// Stamp returns the batch, product, producer and state of a serial claimed
// to be in batchID. NotFound when the batch does not exist or does not hold
// the serial. Its Batch, Product and Producer may be shared with other
// callers (genCache): read them, never change them.
func (s *Store) Stamp(ctx context.Context, batchID, serial uint64) (*record.Stamp, error) {
	var rec *record.Stamp
	// Read before the transaction begins: see genCache and writeSpan.
	gen, mark := s.writes.now(), s.span.mark()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if rec, ok, err := s.cachedStamp(gen, mark, batchID, serial); ok || err != nil {
		return rec, err
	}
	err := s.viewStamps(ctx, func(tx *bolt.Tx) error {
		var err error
		cached, ok := s.records.get(gen, batchID)
		if ok {
			rec = cached
		} else {
			if rec, err = recordTx(tx, batchID); err != nil {
				return err
			}
			s.records.put(gen, batchID, &record.Stamp{Batch: rec.Batch, Product: rec.Product, Producer: rec.Producer})
		}
		if serial < rec.Batch.FirstSerial || serial-rec.Batch.FirstSerial >= uint64(rec.Batch.Quantity) {
			return &ocop.NotFoundError{What: "stamp", ID: formatUint(serial)}
		}
		encoded := statesTx(tx).get(serial)
		st, err := decodeStampState(encoded)
		if err != nil {
			return err
		}
		if rec, err = s.stampOfTx(tx, rec, serial, st); err != nil {
			return err
		}
		if s.journal != nil {
			read := s.journal.readOf(tx, serial, st, mark)
			rec.Read = read
			s.states.keepRead(&s.span, mark, serial, cachedState{encoded: bytes.Clone(encoded), folded: read.folded, gen: gen})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// batchOfSerial finds the batch whose serial range holds serial.
func batchOfSerial(tx *bolt.Tx, serial uint64) (*estampv1.Batch, error) {
	return batchOfSerialBy(tx, serial, batchTx)
}

// batchOfSerialBy finds the batch whose serial range holds serial, reading
// batches with read: the migrations read them as their schema stored them.
func batchOfSerialBy(tx *bolt.Tx, serial uint64, read func(*bolt.Tx, uint64) (*estampv1.Batch, error)) (*estampv1.Batch, error) {
	c := tx.Bucket(bucketBatchRanges).Cursor()
	k, v := c.Seek(u64(serial))
	if k == nil || binary.BigEndian.Uint64(k) > serial {
		k, v = c.Prev()
	}
	if k != nil {
		b, err := read(tx, binary.BigEndian.Uint64(v))
		if err != nil {
			return nil, err
		}
		if serial >= b.FirstSerial && serial-b.FirstSerial < uint64(b.Quantity) {
			return b, nil
		}
	}
	return nil, &ocop.NotFoundError{What: "stamp", ID: formatUint(serial)}
}

// MaxRangesPerEntry bounds one revocation-list entry: serials scattered
// over more ranges make more entries, never one too large for a page.
const MaxRangesPerEntry = 1000

// addCertificate appends a product's certificate as it now stands to the
// revocation list: offline verifiers learn of renewals and revocations.
func addCertificate(tx *bolt.Tx, p *estampv1.Product, ch audit.Change) error {
	c := p.GetCertificate()
	_, err := addListEntry(tx, &estampv1.RevocationEntry{
		Reason: c.GetRevocationReason(), RevokeTime: timestamppb.New(ch.Time),
		Certificate: &estampv1.CertificateChange{ProductNumber: p.Number, ProductId: p.Id, ValidUntil: c.GetValidUntil(), Revoked: c.GetRevokeTime() != nil},
	}, ch.Actor)
	return err
}

// addListEntry appends to the revocation list under the next version,
// with who asked beside the entry the list publishes, and returns the
// version.
func addListEntry(tx *bolt.Tx, e *estampv1.RevocationEntry, actor string) (uint64, error) {
	version, err := nextCounter(tx, keyNextRevocation, 1)
	if err != nil {
		return 0, err
	}
	e.Version = version
	return version, put(tx.Bucket(bucketRevocations), u64(version), &storagev1.RevocationRecord{Entry: e, Actor: actor})
}

// revocationRecord reads the revocation-list entry of a version.
func revocationRecord(tx *bolt.Tx, version uint64) (*storagev1.RevocationRecord, error) {
	rec := new(storagev1.RevocationRecord)
	ok, err := get(tx.Bucket(bucketRevocations), u64(version), rec)
	if err == nil && !ok {
		err = fmt.Errorf("store: revocation-list entry %d is missing, though a stamp refers to it", version)
	}
	return rec, err
}

// stampView is a stamp's state as the store's callers see it: a
// revocation that refers to its revocation-list entry carries that
// entry's time, reason and actor. st itself is left as stored, so that it
// can be written back.
func stampView(tx *bolt.Tx, st *storagev1.StampState) (*storagev1.StampState, error) {
	v := st.GetRevocation().GetListVersion()
	if v == 0 {
		return st, nil
	}
	rec, err := revocationRecord(tx, v)
	if err != nil {
		return nil, err
	}
	view := proto.CloneOf(st)
	view.Revocation = &storagev1.Revocation{TimeUnixNano: rec.Entry.GetRevokeTime().AsTime().UnixNano(), Reason: rec.Entry.GetReason(), Actor: rec.Actor, ListVersion: v}
	return view, nil
}

// RevokeStamps revokes a batch or stamps, idempotently: what is already
// revoked stays as it was. It returns the batch when BatchID was given, how
// many stamps this call newly revoked, and the revocation-list version.
//
// The revocation list gets one entry for a batch, and for serials one per
// batch they belong to, holding the serials this call newly revoked as
// ranges (more entries only past MaxRangesPerEntry ranges): a recall of
// 100,000 stamps is an entry, not 100,000. Each stamp's state refers to
// its entry, which holds the reason and who asked once.
//
// A call that revokes something writes the audit entry revoked returns;
// one that changes nothing writes none.
func (s *Store) RevokeStamps(ctx context.Context, r record.Revocation, revoked func(record.Revocation, record.Revoked) audit.Entry) (*estampv1.Batch, int, uint64, error) {
	var (
		named   *estampv1.Batch
		count   int
		version uint64
	)
	err := s.update(ctx, func(tx *bolt.Tx) error {
		// Read in this transaction, not after it: once the change
		// commits, a caller whose context is done since must not be told
		// that it failed.
		defer func() { version = revocationVersionTx(tx) }()
		if r.BatchID != 0 {
			var err error
			if named, err = batchTx(tx, r.BatchID); err != nil {
				return err
			}
		}
		if len(r.Serials) == 0 {
			if named.Revoked {
				return nil
			}
			named.Revoked, named.RevocationReason, named.RevokedBy = true, r.Reason, r.Change.Actor
			named.RevokeTime = timestamppb.New(r.Change.Time)
			// Stamps revoked one by one before the recall stay as they
			// were: the recall newly revokes the rest.
			already, err := revokedSerialsTx(tx, named)
			if err != nil {
				return err
			}
			count = int(named.Quantity) - len(already)
			d, err := batchTable.putTx(tx, u64(named.Id), named)
			if err != nil {
				return err
			}
			entry := &estampv1.RevocationEntry{KeyId: named.KeyId, BatchId: named.Id, Reason: r.Reason, RevokeTime: timestamppb.New(r.Change.Time)}
			v, err := addListEntry(tx, entry, r.Change.Actor)
			if err != nil {
				return err
			}
			return appendAudit(tx, r.Change, revoked(r, record.Revoked{Batch: named, Count: count, Versions: []uint64{v}}), d)
		}
		versions, n, err := revokeSerials(tx, s.statesTx(tx), named, r)
		if err != nil || n == 0 {
			return err
		}
		count = n
		return appendAudit(tx, r.Change, revoked(r, record.Revoked{Batch: named, Count: count, Versions: versions}))
	})
	if err != nil {
		return nil, 0, 0, err
	}
	return named, count, version, nil
}

// pendingStamp is a serial about to be revoked, with its state.
type pendingStamp struct {
	serial uint64
	state  *storagev1.StampState
}

// revokeSerials revokes the serials of r that are not revoked yet, in
// serial order, batch by batch: each batch's newly revoked serials become
// revocation-list entries of ranges, and each stamp's state refers to its
// entry. It returns the entries' versions and how many stamps it revoked.
// A serial never issued, or outside named, refuses the whole request.
func revokeSerials(tx *bolt.Tx, stamps stampStates, named *estampv1.Batch, r record.Revocation) (versions []uint64, count int, err error) {
	at := timestamppb.New(r.Change.Time)
	var (
		batch *estampv1.Batch // of the serials at hand
		fresh []pendingStamp  // of batch, newly revoked, ascending
	)
	flush := func() error {
		serials := make([]uint64, len(fresh))
		for i, p := range fresh {
			serials[i] = p.serial
		}
		for chunk := range slices.Chunk(serialRanges(serials), MaxRangesPerEntry) {
			v, err := addListEntry(tx, &estampv1.RevocationEntry{KeyId: batch.KeyId, BatchId: batch.Id, Reason: r.Reason, RevokeTime: at, SerialRanges: chunk}, r.Change.Actor)
			if err != nil {
				return err
			}
			versions = append(versions, v)
			n := 0
			for _, sr := range chunk {
				n += int(sr.Last - sr.First + 1)
			}
			for _, p := range fresh[:n] {
				p.state.Revocation = &storagev1.Revocation{ListVersion: v}
				if _, err := stamps.put(p.serial, p.state); err != nil {
					return err
				}
			}
			fresh, count = fresh[n:], count+n
		}
		return nil
	}
	// Indexes of the serials in ascending serial order, so that each
	// batch is looked up once and its serials make ranges; errors name
	// the serial's index in the request.
	order := make([]int, len(r.Serials))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(r.Serials[a], r.Serials[b]) })
	for j, i := range order {
		serial := r.Serials[i]
		if j > 0 && serial == r.Serials[order[j-1]] {
			continue
		}
		// Serials ascend, so one past the batch at hand is in a later one.
		if batch == nil || serial-batch.FirstSerial >= uint64(batch.Quantity) {
			if err := flush(); err != nil {
				return nil, 0, err
			}
			b, err := batchOfSerial(tx, serial)
			var nf *ocop.NotFoundError
			if errors.As(err, &nf) {
				return nil, 0, ocop.Invalid("serials", "sê-ri %d (vị trí %d) chưa từng được phát hành", "serial %d (index %d) was never issued", serial, i)
			}
			if err != nil {
				return nil, 0, err
			}
			if named != nil && b.Id != named.Id {
				return nil, 0, ocop.Invalid("serials", "sê-ri %d (vị trí %d) không thuộc lô tem %d", "serial %d (index %d) is not in batch %d", serial, i, named.Id)
			}
			batch = b
		}
		st, err := stamps.state(serial)
		if err != nil {
			return nil, 0, err
		}
		// A stamp of a recalled batch is revoked already, by the recall.
		if st.Revocation == nil && !batch.Revoked {
			fresh = append(fresh, pendingStamp{serial, st})
		}
	}
	if err := flush(); err != nil {
		return nil, 0, err
	}
	return versions, count, nil
}

// serialRanges turns ascending distinct serials into ranges.
func serialRanges(serials []uint64) []*estampv1.SerialRange {
	var out []*estampv1.SerialRange
	for _, s := range serials {
		if k := len(out); k > 0 && out[k-1].Last+1 == s {
			out[k-1].Last = s
			continue
		}
		out = append(out, &estampv1.SerialRange{First: s, Last: s})
	}
	return out
}

// revocationVersionTx is the version of the newest revocation-list entry.
func revocationVersionTx(tx *bolt.Tx) uint64 {
	if b := tx.Bucket(bucketMeta).Get(keyNextRevocation); b != nil {
		return binary.BigEndian.Uint64(b) - 1
	}
	return 0
}

// RevocationPage asks for one page of the revocation list.
type RevocationPage struct {
	// After: entries with a greater version.
	After uint64
	// Upto: and a version no greater; 0 for the newest.
	Upto uint64
	// Limit: at most this many entries.
	Limit int
	// MaxBytes: and no more than this many bytes of entries (protobuf),
	// but always one entry if any is left; 0 for no bound.
	MaxBytes int
}

// Revocations returns one page of the revocation list: the version it
// lists up to (p.Upto, or the newest when that is 0 or past it), the
// entries in version order, and whether more follow up to that version.
// The list only grows, so pages read in several transactions up to one
// version make the list as it stood at that version.
func (s *Store) Revocations(ctx context.Context, p RevocationPage) (upto uint64, list []*estampv1.RevocationEntry, more bool, err error) {
	err = s.view(ctx, func(tx *bolt.Tx) error {
		upto = revocationVersionTx(tx)
		if p.Upto != 0 && p.Upto < upto {
			upto = p.Upto
		}
		// Checked first: at the largest version, After+1 would wrap to
		// 0 and list everything.
		if p.After >= upto {
			return nil
		}
		c := tx.Bucket(bucketRevocations).Cursor()
		size := 0
		for k, v := c.Seek(u64(p.After + 1)); k != nil && binary.BigEndian.Uint64(k) <= upto; k, v = c.Next() {
			if len(list) == p.Limit {
				more = true
				return nil
			}
			rec := new(storagev1.RevocationRecord)
			if err := proto.Unmarshal(v, rec); err != nil || rec.Entry == nil {
				return fmt.Errorf("store: corrupt revocation-list entry %d: %v", binary.BigEndian.Uint64(k), err)
			}
			n := proto.Size(rec.Entry)
			if p.MaxBytes > 0 && len(list) > 0 && size+n > p.MaxBytes {
				more = true
				return nil
			}
			list, size = append(list, rec.Entry), size+n
		}
		return nil
	})
	return upto, list, more, err
}

// ProductsOfSerials returns the distinct products whose batches hold the
// serials, so that a caller can check who owns them; NotFound for a serial
// never issued.
func (s *Store) ProductsOfSerials(ctx context.Context, serials []uint64) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var last *estampv1.Batch
		paced := pace(ctx)
		for _, serial := range serials {
			if err := paced(); err != nil {
				return err
			}
			if last != nil && serial >= last.FirstSerial && serial-last.FirstSerial < uint64(last.Quantity) {
				continue
			}
			b, err := batchOfSerial(tx, serial)
			if err != nil {
				return err
			}
			last = b
			if !seen[b.ProductId] {
				seen[b.ProductId] = true
				out = append(out, b.ProductId)
			}
		}
		return nil
	})
	return out, err
}
