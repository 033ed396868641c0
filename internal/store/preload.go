package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// PreloadOptions say what Preload writes.
type PreloadOptions struct {
	// Options open the store; give estampd's HighWaterPath, so that the
	// serials preloaded are never handed out again, and its ManyScans.
	Options
	// ProductID is a stored product with a certificate: the batches'.
	ProductID string
	// KeyID is the issuer key (8 hex digits) the batches say signed them:
	// the key the server will verify with.
	KeyID string
	// BaseURL is the prefix of the codes, "…/V/", as
	// stampcode.URLPrefix makes it of the server's --base-url.
	BaseURL string
	// BatchSize is the stamps of one batch; 100,000 (issuance's most)
	// when 0.
	BatchSize uint32
	// Scans is how many times each stamp was scanned; 1 when 0.
	Scans int
	// At is when the batches were issued and their stamps scanned;
	// time.Now when zero.
	At time.Time
	// Count folds a scan into a stamp's state: verify.CountScan, the
	// fold the server records scans with.
	Count func(st *record.StampState, at time.Time)
	// Actor is who the audit log says issued the batches; "preload"
	// when empty.
	Actor string
	// Progress, when set, hears after each batch how many stamps are in.
	Progress func(stamps int)
}

// Preloaded is what Preload wrote: the codes of its stamps follow from the
// batches, the product's number and the key (issuance.signer).
type Preloaded struct {
	Product *estampv1.Product
	Batches []*estampv1.Batch
}

// Preload fills the database at path with n issued stamps of one
// product, each scanned opts.Scans times, for benchmarks of verification
// on a database the size of a province's (`estamp-bench --preload`).
// Scanning 5 million stamps through the API takes an hour or more of
// verifications; here each batch is issued as IssueBatch issues it, then
// its stamps' states and scan counters are written in one transaction, in
// serial order, with one fsync at the end instead of one a commit. Run it
// while no estampd has the database open (it waits LockTimeout for the
// lock). A Preload cut short leaves whole batches, all but perhaps the
// last one scanned.
func Preload(ctx context.Context, path string, n int, opts PreloadOptions) (_ *Preloaded, err error) {
	switch {
	case n <= 0:
		return nil, fmt.Errorf("store: preload %d stamps", n)
	case opts.Count == nil:
		return nil, errors.New("store: preload: no fold for scans (Count)")
	}
	if opts.BatchSize == 0 {
		opts.BatchSize = 100_000
	}
	if opts.Scans <= 0 {
		opts.Scans = 1
	}
	if opts.At.IsZero() {
		opts.At = time.Now()
	}
	if opts.Actor == "" {
		opts.Actor = "preload"
	}
	// Nothing reads the file before Preload returns, and the Sync below
	// makes it durable then: one fsync instead of one a commit, which on
	// a busy disk is most of the time.
	opts.NoSync = true
	s, err := Open(path, opts.Options)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	product, err := s.Product(ctx, opts.ProductID)
	if err != nil {
		return nil, err
	}
	if product.Certificate == nil {
		return nil, fmt.Errorf("store: preload: product %s has no certificate", product.Id)
	}

	// Every stamp is scanned at the same moments, so one state serves
	// them all, encoded once.
	state := new(record.StampState)
	for range opts.Scans {
		opts.Count(state, opts.At)
	}
	value, err := proto.MarshalOptions{Deterministic: true}.Marshal(state)
	if err != nil {
		return nil, err
	}
	out := &Preloaded{Product: product}
	ch := audit.Change{Actor: opts.Actor, Time: opts.At}
	for done := 0; done < n; {
		q := uint32(min(n-done, int(opts.BatchSize)))
		plan := func(p *estampv1.Product) (*estampv1.Batch, error) {
			return &estampv1.Batch{
				Lot: "PRELOAD", ProductionDate: ocop.FormatDate(ocop.Today(opts.At)), Quantity: q,
				StarGrade: p.StarGrade, CertificateDecisionNumber: p.Certificate.DecisionNumber, ValidUntil: p.Certificate.ValidUntil,
				KeyId: opts.KeyID, BaseUrl: opts.BaseURL,
			}, nil
		}
		entry := func(b *estampv1.Batch) audit.Entry {
			return audit.Entry{Action: audit.StampsIssue, Target: formatUint(b.Id), Detail: fmt.Sprintf("preloaded: product %s, %d stamps, serials %d-%d, each scanned %d times, key %s",
				b.ProductId, b.Quantity, b.FirstSerial, b.FirstSerial+uint64(b.Quantity)-1, opts.Scans, b.KeyId)}
		}
		requestID := fmt.Sprintf("preload-%d-%d", opts.At.UnixNano(), len(out.Batches))
		batch, created, err := s.IssueBatch(ctx, requestID, product.Id, ch, plan, entry)
		if err != nil {
			return nil, err
		}
		if !created {
			return nil, fmt.Errorf("store: preload: request %s was issued before (batch %d)", requestID, batch.Id)
		}
		if err := s.update(ctx, func(tx *bolt.Tx) error { return s.preloadScans(tx, batch, value, state, opts.At) }); err != nil {
			return nil, err
		}
		out.Batches = append(out.Batches, batch)
		done += int(q)
		if opts.Progress != nil {
			opts.Progress(done)
		}
	}
	if err := s.db.Sync(); err != nil {
		return nil, fmt.Errorf("store: preload: %w", err)
	}
	return out, nil
}

// preloadScans stores the state value (st, encoded) for every stamp of a
// new batch and counts their scans as RecordScans would. The states go
// among the settled ones, where a database keeps the states of stamps
// scanned long ago: the batch is new, so no recent state hides them.
func (s *Store) preloadScans(tx *bolt.Tx, batch *estampv1.Batch, value []byte, st *record.StampState, at time.Time) error {
	b := tx.Bucket(bucketStamps)
	// Appended in order, bbolt would leave its leaves half full; first
	// scans come in random order and leave them about 70% full, so the
	// file has as many pages as a real one of its size.
	b.FillPercent = 0.7
	// bbolt keeps the keys until the commit: one allocation for all.
	keys := make([]byte, 8*int(batch.Quantity))
	tally, batches := newScanTally(), newBatchFinder(tx)
	for i := range int(batch.Quantity) {
		serial := batch.FirstSerial + uint64(i)
		k := keys[8*i : 8*i+8 : 8*i+8]
		binary.BigEndian.PutUint64(k, serial)
		if err := b.Put(k, value); err != nil {
			return err
		}
		if err := s.countScan(tx, tally, batches, record.Scan{Serial: serial, Time: at}, 0, st); err != nil {
			return err
		}
	}
	return tally.writeTx(tx)
}
