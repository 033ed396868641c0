package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// This file reads what insight.go counts, for InsightService, each report
// in one read transaction; and makes the one change the service makes, a
// flag's review.

// Day is what happened on one day in Vietnam: of the whole service, or of
// one producer's batches.
type Day struct {
	// Day is days since 1970-01-01 in Vietnam (ocop.Day).
	Day          int32
	StampsIssued uint64
	Scans        uint64
	// FirstScans are stamps scanned for the first time ever that day.
	FirstScans uint64
}

// days makes the days from `from` to `to`, both included, with nothing
// counted yet; nil when from is after to.
func days(from, to int32) []Day {
	if from > to {
		return nil
	}
	out := make([]Day, to-from+1)
	for i := range out {
		out[i].Day = from + int32(i)
	}
	return out
}

// Overview is what the office's summary reads of the store, in one
// transaction. The service makes the rest of it from the registry: the
// products per grade, and the certificates due as of its clock.
type Overview struct {
	Producers []*estampv1.Producer
	Products  []*estampv1.Product
	// Days are the service's days from `from` to `to`, one a day.
	Days []Day
	// OpenFlags are flags nobody has reviewed.
	OpenFlags int
	// RevocationEntries is the revocation list's length: its newest
	// version, as versions count from 1 without gaps.
	RevocationEntries uint64
}

// Overview reads the office's summary, with the days from `from` to `to`
// (ocop.Day), both included.
func (s *Store) Overview(ctx context.Context, from, to int32) (*Overview, error) {
	o := &Overview{Days: days(from, to)}
	// The counters hold folded scans only.
	if err := s.settleScans(ctx); err != nil {
		return nil, err
	}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		paced := pace(ctx)
		err := tx.Bucket(bucketProducers).ForEach(func(k, v []byte) error {
			p, err := producerTable.decode(k, v)
			o.Producers = append(o.Producers, p)
			return cmp.Or(err, paced())
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketProducts).ForEach(func(k, v []byte) error {
			p, err := productTable.decode(k, v)
			o.Products = append(o.Products, p)
			return cmp.Or(err, paced())
		})
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketDays)
		for i := range o.Days {
			c := new(storagev1.DayCounts)
			if _, err := get(b, dayKey(o.Days[i].Day), c); err != nil {
				return err
			}
			o.Days[i].StampsIssued, o.Days[i].Scans, o.Days[i].FirstScans = c.StampsIssued, c.Scans, c.FirstScans
		}
		err = tx.Bucket(bucketFlags).ForEach(func(k, v []byte) error {
			f, err := decodeFlag(k, v)
			if err != nil {
				return err
			}
			if f.ReviewedUnixNano == 0 {
				o.OpenFlags++
			}
			return paced()
		})
		if err != nil {
			return err
		}
		o.RevocationEntries = revocationVersionTx(tx)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

func decodeFlag(k, v []byte) (*storagev1.FlagRecord, error) {
	f := new(storagev1.FlagRecord)
	if err := proto.Unmarshal(v, f); err != nil {
		return nil, fmt.Errorf("store: corrupt flag of stamp %d: %w", binary.BigEndian.Uint64(k), err)
	}
	return f, nil
}

// ReportQuery asks for a producer's scan report.
type ReportQuery struct {
	ProducerID string
	// ProductID narrows it to one of the producer's products; "" for all.
	ProductID string
	// From and To are the days of the daily series (ocop.Day), both
	// included.
	From, To int32
	// MaxBatches and MaxFlags bound the batches (newest first) and the
	// open flags (in serial order) the report lists.
	MaxBatches, MaxFlags int
}

// BatchScans is how the stamps of one batch are scanned, ever.
type BatchScans struct {
	Batch       *estampv1.Batch
	ProductName string
	Scans       uint64
	// Scanned are stamps scanned at least once.
	Scanned uint64
}

// Shop is what one retailer received of a producer's goods.
type Shop struct {
	RetailerID, RetailerName string
	Stamps, SuspectedCopies  uint64
	First, Last              time.Time
}

// Flag is a stamp that looks copied, with its scan count now.
type Flag struct {
	Serial    uint64
	Record    *storagev1.FlagRecord
	ScanCount uint64
}

// ScanReport is a producer's scan report as the store keeps it.
type ScanReport struct {
	// Days are the producer's (or product's) days, From to To.
	Days []Day
	// Batches are the newest MaxBatches batches.
	Batches        []BatchScans
	BatchesLeftOut int
	// Flags are the first MaxFlags open flags, in serial order.
	Flags     []Flag
	OpenFlags int
	// Shops are the retailers that received the goods, most stamps first.
	Shops []Shop
}

// ScanReport reads a producer's report, or one product's, in one
// transaction. NotFound for a producer or product that does not exist;
// InvalidArgument for another producer's product.
func (s *Store) ScanReport(ctx context.Context, q ReportQuery) (*ScanReport, error) {
	r := &ScanReport{Days: days(q.From, q.To)}
	// The counters and flags hold folded scans only.
	if err := s.settleScans(ctx); err != nil {
		return nil, err
	}
	err := s.viewStamps(ctx, func(tx *bolt.Tx) error {
		if err := producerKind.existsTx(tx, q.ProducerID); err != nil {
			return err
		}
		products, err := productsOf(ctx, tx, q.ProducerID, q.ProductID)
		if err != nil {
			return err
		}
		if err := r.readBatches(ctx, tx, products, q); err != nil {
			return err
		}
		if r.Flags, r.OpenFlags, err = s.openFlagsOf(ctx, tx, q); err != nil {
			return err
		}
		r.Shops, err = shopsOf(ctx, tx, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// productsOf is a producer's products by id, or the one product named.
func productsOf(ctx context.Context, tx *bolt.Tx, producerID, productID string) (map[string]*estampv1.Product, error) {
	out := map[string]*estampv1.Product{}
	if productID != "" {
		p, err := productTx(tx, productID)
		if err != nil {
			return nil, err
		}
		if p.ProducerId != producerID {
			return nil, ocop.Invalid("product_id", "%q là sản phẩm của chủ thể khác, không phải của %q", "%q is a product of another producer than %q", productID, producerID)
		}
		out[p.Id] = p
		return out, nil
	}
	paced := pace(ctx)
	err := tx.Bucket(bucketProducts).ForEach(func(k, v []byte) error {
		p, err := productTable.decode(k, v)
		if err != nil {
			return err
		}
		if p.ProducerId == producerID {
			out[p.Id] = p
		}
		return paced()
	})
	return out, err
}

// readBatches reads the products' batches: every one counts in the days,
// the newest q.MaxBatches are listed with their totals.
func (r *ScanReport) readBatches(ctx context.Context, tx *bolt.Tx, products map[string]*estampv1.Product, q ReportQuery) error {
	var ids []uint64
	pb := tx.Bucket(bucketProductBatches)
	for id := range products {
		prefix := append([]byte(id), 0)
		c := pb.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, binary.BigEndian.Uint64(k[len(prefix):]))
		}
	}
	slices.SortFunc(ids, func(a, b uint64) int { return cmp.Compare(b, a) })
	paced := pace(ctx)
	scanDays, totals := tx.Bucket(bucketScanDays), tx.Bucket(bucketBatchScans)
	for i, id := range ids {
		if err := paced(); err != nil {
			return err
		}
		b, err := batchTx(tx, id)
		if err != nil {
			return err
		}
		if d := ocop.Day(b.IssueTime.AsTime()) - q.From; d >= 0 && int(d) < len(r.Days) {
			r.Days[d].StampsIssued += uint64(b.Quantity)
		}
		if len(r.Days) > 0 {
			c := scanDays.Cursor()
			end := scanDayKey(id, q.To)
			for k, v := c.Seek(scanDayKey(id, q.From)); k != nil && bytes.Compare(k, end) <= 0; k, v = c.Next() {
				n := new(storagev1.ScanCounts)
				if err := proto.Unmarshal(v, n); err != nil {
					return fmt.Errorf("store: corrupt scan counts of batch %d: %w", id, err)
				}
				d := &r.Days[dayOfKey(k[8:])-q.From]
				d.Scans, d.FirstScans = d.Scans+n.Scans, d.FirstScans+n.FirstScans
			}
		}
		if i >= q.MaxBatches {
			r.BatchesLeftOut++
			continue
		}
		n := new(storagev1.ScanCounts)
		if _, err := get(totals, u64(id), n); err != nil {
			return err
		}
		r.Batches = append(r.Batches, BatchScans{Batch: b, ProductName: products[b.ProductId].GetName(), Scans: n.Scans, Scanned: n.FirstScans})
	}
	return nil
}

// openFlagsOf lists the first q.MaxFlags open flags of q's producer (or
// product) and counts them all.
func (s *Store) openFlagsOf(ctx context.Context, tx *bolt.Tx, q ReportQuery) ([]Flag, int, error) {
	var (
		out   []Flag
		count int
	)
	paced := pace(ctx)
	err := tx.Bucket(bucketFlags).ForEach(func(k, v []byte) error {
		if err := paced(); err != nil {
			return err
		}
		f, err := decodeFlag(k, v)
		if err != nil {
			return err
		}
		if f.ProducerId != q.ProducerID || q.ProductID != "" && f.ProductId != q.ProductID || f.ReviewedUnixNano != 0 {
			return nil
		}
		count++
		if len(out) < q.MaxFlags {
			fl, err := s.flagTx(tx, binary.BigEndian.Uint64(k), f)
			if err != nil {
				return err
			}
			out = append(out, fl)
		}
		return nil
	})
	return out, count, err
}

// flagTx is a flag with its stamp's scan count now.
func (s *Store) flagTx(tx *bolt.Tx, serial uint64, f *storagev1.FlagRecord) (Flag, error) {
	st, err := statesTx(tx).state(serial)
	if err != nil {
		return Flag{}, err
	}
	return Flag{Serial: serial, Record: f, ScanCount: s.journaled(tx, serial, st, allScans).ScanCount}, nil
}

// shopsOf sums what each retailer received of q's producer (or product),
// most stamps first.
func shopsOf(ctx context.Context, tx *bolt.Tx, q ReportQuery) ([]Shop, error) {
	prefix := append([]byte(q.ProducerID), 0)
	if q.ProductID != "" {
		prefix = append(append(prefix, q.ProductID...), 0)
	}
	byRetailer := map[string]*Shop{}
	paced := pace(ctx)
	c := tx.Bucket(bucketShopReceipts).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := paced(); err != nil {
			return nil, err
		}
		parts := bytes.SplitN(k, []byte{0}, 3)
		r := new(storagev1.ShopReceipts)
		if err := proto.Unmarshal(v, r); err != nil || len(parts) != 3 {
			return nil, fmt.Errorf("store: corrupt shop receipts %q: %v", k, err)
		}
		id := string(parts[2])
		sh := byRetailer[id]
		if sh == nil {
			sh = &Shop{RetailerID: id, First: record.Time(r.FirstUnixNano)}
			byRetailer[id] = sh
		}
		sh.Stamps, sh.SuspectedCopies = sh.Stamps+r.Stamps, sh.SuspectedCopies+r.SuspectedCopies
		if first := record.Time(r.FirstUnixNano); first.Before(sh.First) {
			sh.First = first
		}
		if last := record.Time(r.LastUnixNano); last.After(sh.Last) {
			sh.Last = last
		}
	}
	out := make([]Shop, 0, len(byRetailer))
	for _, sh := range byRetailer {
		r, err := retailerTable.getTx(tx, []byte(sh.RetailerID), sh.RetailerID)
		if err != nil {
			return nil, err
		}
		sh.RetailerName = r.Name
		out = append(out, *sh)
	}
	slices.SortFunc(out, func(a, b Shop) int {
		return cmp.Or(cmp.Compare(b.Stamps, a.Stamps), cmp.Compare(a.RetailerID, b.RetailerID))
	})
	return out, nil
}

// FlagQuery asks for one page of flags.
type FlagQuery struct {
	// ProducerID narrows the page to one producer's flags; "" for all.
	ProducerID string
	// IncludeReviewed lists reviewed flags too.
	IncludeReviewed bool
	// After is the serial the previous page ended at; 0 for the first.
	After uint64
	Limit int
}

// Flags returns up to q.Limit flags in serial order, and whether more
// follow. NotFound for a producer that does not exist.
func (s *Store) Flags(ctx context.Context, q FlagQuery) (list []Flag, more bool, err error) {
	if q.After == math.MaxUint64 {
		return nil, false, nil
	}
	// Flags are raised as scans are folded.
	if err := s.settleScans(ctx); err != nil {
		return nil, false, err
	}
	err = s.viewStamps(ctx, func(tx *bolt.Tx) error {
		if q.ProducerID != "" {
			if err := producerKind.existsTx(tx, q.ProducerID); err != nil {
				return err
			}
		}
		// The walk may pass many flags of other producers, or reviewed
		// ones, for one page.
		paced := pace(ctx)
		c := tx.Bucket(bucketFlags).Cursor()
		for k, v := c.Seek(u64(q.After + 1)); k != nil; k, v = c.Next() {
			if err := paced(); err != nil {
				return err
			}
			f, err := decodeFlag(k, v)
			if err != nil {
				return err
			}
			if q.ProducerID != "" && f.ProducerId != q.ProducerID || !q.IncludeReviewed && f.ReviewedUnixNano != 0 {
				continue
			}
			if len(list) == q.Limit {
				more = true
				return nil
			}
			fl, err := s.flagTx(tx, binary.BigEndian.Uint64(k), f)
			if err != nil {
				return err
			}
			list = append(list, fl)
		}
		return nil
	})
	return list, more, err
}

// ReviewFlag marks a stamp's flag reviewed by ch.Actor, with a note and
// the audit entry reviewed returns. A flag already reviewed stays as it
// was, and no entry is written: the first review is the one on record.
// NotFound when the stamp has no flag.
func (s *Store) ReviewFlag(ctx context.Context, serial uint64, note string, ch audit.Change, reviewed func(Flag) audit.Entry) (Flag, error) {
	var out Flag
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFlags)
		f := new(storagev1.FlagRecord)
		found, err := get(b, u64(serial), f)
		if err != nil {
			return err
		}
		if !found {
			return &ocop.NotFoundError{What: "flag of stamp", ID: formatUint(serial)}
		}
		if out, err = s.flagTx(tx, serial, f); err != nil || f.ReviewedUnixNano != 0 {
			return err
		}
		f.ReviewedBy, f.ReviewedUnixNano, f.ReviewNote = ch.Actor, ch.Time.UnixNano(), note
		if err := put(b, u64(serial), f); err != nil {
			return err
		}
		return appendAudit(tx, ch, reviewed(out))
	})
	if err != nil {
		return Flag{}, err
	}
	return out, nil
}

// Delivery is one delivery of a retailer as stored.
type Delivery struct {
	ID         uint64
	RetailerID string
	Record     *storagev1.DeliveryRecord
}

// Deliveries returns up to limit deliveries of a retailer with ids below
// `before` (0 for the newest), newest first, and whether more follow.
// NotFound for a retailer that does not exist.
func (s *Store) Deliveries(ctx context.Context, retailerID string, before uint64, limit int) (list []Delivery, more bool, err error) {
	if before == 0 {
		before = math.MaxUint64
	}
	err = s.view(ctx, func(tx *bolt.Tx) error {
		if err := retailerKind.existsTx(tx, retailerID); err != nil {
			return err
		}
		prefix := append([]byte(retailerID), 0)
		c := tx.Bucket(bucketDeliveries).Cursor()
		// Seek finds the first key at or past `before`; the one before it
		// is the newest to list.
		c.Seek(deliveryKey(retailerID, before))
		for k, v := c.Prev(); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if len(list) == limit {
				more = true
				return nil
			}
			d, err := decodeDelivery(retailerID, k[len(prefix):], v)
			if err != nil {
				return err
			}
			list = append(list, d)
		}
		return nil
	})
	return list, more, err
}

// Delivery returns one delivery of a retailer. NotFound for a retailer or
// delivery that does not exist, or a delivery of another retailer.
func (s *Store) Delivery(ctx context.Context, retailerID string, id uint64) (Delivery, error) {
	var d Delivery
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if err := retailerKind.existsTx(tx, retailerID); err != nil {
			return err
		}
		v := tx.Bucket(bucketDeliveries).Get(deliveryKey(retailerID, id))
		if v == nil {
			return &ocop.NotFoundError{What: "delivery of retailer " + retailerID, ID: formatUint(id)}
		}
		var err error
		d, err = decodeDelivery(retailerID, u64(id), v)
		return err
	})
	return d, err
}

func decodeDelivery(retailerID string, id, v []byte) (Delivery, error) {
	rec := new(storagev1.DeliveryRecord)
	n := binary.BigEndian.Uint64(id)
	if err := proto.Unmarshal(v, rec); err != nil {
		return Delivery{}, fmt.Errorf("store: corrupt delivery %d of retailer %s: %w", n, retailerID, err)
	}
	return Delivery{ID: n, RetailerID: retailerID, Record: rec}, nil
}
