package store

import (
	"cmp"
	"encoding/binary"
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

// This file keeps InsightService's counters and accounts (the buckets
// from scan_days to shop_receipts in schema.go); insight_reports.go reads
// them. Each is written in the commit of the change it counts —
// RecordScans, ReceiveStamps, IssueBatch — never in a transaction of its
// own, so that a counter is exactly as durable as what it counts, and
// costs no fsync.

// Bounds of what the insight buckets keep.
const (
	// MaxDeliveryProblems is how many of a delivery's codes that were not
	// accepted its record keeps; it says how many more there were. A
	// delivery takes 10,000 codes, and a record of them all would be
	// larger than a console shows.
	MaxDeliveryProblems = 1000
	// maxFlagRetailers bounds the retailers a flag names: a stamp's state
	// keeps 20 (custody.MaxReceipts), and a label copied past that is a
	// case for the office, not a longer list.
	maxFlagRetailers = 50
)

// dayKey is the key of a day in Vietnam (ocop.Day): days since 1970 are
// positive, so big-endian uint32 order is day order.
func dayKey(day int32) []byte { return u32(uint32(day)) }

func dayOfKey(k []byte) int32 { return int32(binary.BigEndian.Uint32(k)) }

// scanDayKey is the key of a batch's day in scan_days.
func scanDayKey(batchID uint64, day int32) []byte {
	return binary.BigEndian.AppendUint32(u64(batchID), uint32(day))
}

// deliveryKey is the key of a retailer's delivery.
func deliveryKey(retailerID string, id uint64) []byte {
	k := make([]byte, 0, len(retailerID)+9)
	k = append(append(k, retailerID...), 0)
	return binary.BigEndian.AppendUint64(k, id)
}

// shopKey is the key of what a retailer received of a product. Ids never
// hold 0x00 (ocop.CheckID), so the parts split back apart.
func shopKey(producerID, productID, retailerID string) []byte {
	k := make([]byte, 0, len(producerID)+len(productID)+len(retailerID)+2)
	k = append(append(k, producerID...), 0)
	k = append(append(k, productID...), 0)
	return append(k, retailerID...)
}

// addTo reads the counter record at key (empty when absent), changes it
// with add and stores it back.
func addTo[M proto.Message](b *bolt.Bucket, key []byte, add func(M)) error {
	m := newMessage[M]()
	if _, err := get(b, key, m); err != nil {
		return err
	}
	add(m)
	return put(b, key, m)
}

// holds reports whether serial is one of b's stamps.
func holds(b *estampv1.Batch, serial uint64) bool {
	return serial >= b.FirstSerial && serial-b.FirstSerial < uint64(b.Quantity)
}

// batchFinder finds the batches of serials in one transaction,
// remembering what it read: the scans of one commit are mostly of a few
// batches, so most finds cost a comparison, not a cursor seek and a
// decode.
type batchFinder struct {
	tx        *bolt.Tx
	last      *estampv1.Batch
	batches   map[uint64]*estampv1.Batch
	producers map[string]string // product id -> producer id
}

func newBatchFinder(tx *bolt.Tx) *batchFinder {
	return &batchFinder{tx: tx, batches: map[uint64]*estampv1.Batch{}, producers: map[string]string{}}
}

// find returns the batch that holds serial; nil when none does.
func (f *batchFinder) find(serial uint64) (*estampv1.Batch, error) {
	if f.last != nil && holds(f.last, serial) {
		return f.last, nil
	}
	b, err := batchOfSerialBy(f.tx, serial, f.batch)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f.last = b
	return b, nil
}

// batch reads a batch once a transaction.
func (f *batchFinder) batch(tx *bolt.Tx, id uint64) (*estampv1.Batch, error) {
	if b, ok := f.batches[id]; ok {
		return b, nil
	}
	b, err := batchTx(tx, id)
	if err != nil {
		return nil, err
	}
	f.batches[id] = b
	return b, nil
}

// producerOf is the producer of a product, read once a transaction; ""
// for a product that is not stored, which only a damaged or hand-built
// file has: its stamps are counted under their batch all the same, and
// under no producer.
func (f *batchFinder) producerOf(productID string) (string, error) {
	if id, ok := f.producers[productID]; ok {
		return id, nil
	}
	p, err := productTx(f.tx, productID)
	if isNotFound(err) {
		f.producers[productID] = ""
		return "", nil
	}
	if err != nil {
		return "", err
	}
	f.producers[productID] = p.ProducerId
	return p.ProducerId, nil
}

// scanTally is what one commit adds to the scan counters, so that each
// counter is read and written once a commit however many of its scans
// the commit holds: a group commit holds up to a thousand, mostly of one
// day and a few batches.
type scanTally struct {
	batchDays map[batchDay]*storagev1.ScanCounts
	batches   map[uint64]*storagev1.ScanCounts
	days      map[int32]*storagev1.DayCounts
	// last is the batch and day counted last, and its counters: the next
	// scan is most often of the same, and then costs no map lookup.
	last      batchDay
	lastCount [2]*storagev1.ScanCounts
	lastDay   *storagev1.DayCounts
}

type batchDay struct {
	batch uint64
	day   int32
}

func newScanTally() *scanTally {
	return &scanTally{batchDays: map[batchDay]*storagev1.ScanCounts{}, batches: map[uint64]*storagev1.ScanCounts{}, days: map[int32]*storagev1.DayCounts{}}
}

// of returns the counters of a batch's day, of the batch and of the day.
func (t *scanTally) of(batch uint64, day int32) (*storagev1.ScanCounts, *storagev1.ScanCounts, *storagev1.DayCounts) {
	k := batchDay{batch, day}
	if t.lastDay != nil && t.last == k {
		return t.lastCount[0], t.lastCount[1], t.lastDay
	}
	bd := t.batchDays[k]
	if bd == nil {
		bd = new(storagev1.ScanCounts)
		t.batchDays[k] = bd
	}
	t.last, t.lastCount, t.lastDay = k, [2]*storagev1.ScanCounts{bd, t.batch(batch)}, t.day(day)
	return bd, t.lastCount[1], t.lastDay
}

func (t *scanTally) batch(batch uint64) *storagev1.ScanCounts {
	b := t.batches[batch]
	if b == nil {
		b = new(storagev1.ScanCounts)
		t.batches[batch] = b
	}
	return b
}

func (t *scanTally) day(day int32) *storagev1.DayCounts {
	d := t.days[day]
	if d == nil {
		d = new(storagev1.DayCounts)
		t.days[day] = d
	}
	return d
}

// scans counts n scans of a batch's stamps on a day.
func (t *scanTally) scans(batch uint64, day int32, n uint64) {
	bd, b, d := t.of(batch, day)
	bd.Scans, b.Scans, d.Scans = bd.Scans+n, b.Scans+n, d.Scans+n
}

// first counts a stamp of a batch scanned for the first time ever on a
// day.
func (t *scanTally) first(batch uint64, day int32) {
	bd, b, d := t.of(batch, day)
	bd.FirstScans, b.FirstScans, d.FirstScans = bd.FirstScans+1, b.FirstScans+1, d.FirstScans+1
}

// undated counts n scans of a batch on days nobody knows any more: a
// state keeps 90 days of counts, so schema 7's backfill cannot date
// older ones. They count in the batch's total only.
func (t *scanTally) undated(batch uint64, n uint64) { t.batch(batch).Scans += n }

// writeTx adds the tally to the stored counters.
func (t *scanTally) writeTx(tx *bolt.Tx) error {
	scanDays, batchScans, days := tx.Bucket(bucketScanDays), tx.Bucket(bucketBatchScans), tx.Bucket(bucketDays)
	for k, c := range t.batchDays {
		if err := addTo(scanDays, scanDayKey(k.batch, k.day), func(m *storagev1.ScanCounts) { addScans(m, c) }); err != nil {
			return err
		}
	}
	for id, c := range t.batches {
		if err := addTo(batchScans, u64(id), func(m *storagev1.ScanCounts) { addScans(m, c) }); err != nil {
			return err
		}
	}
	for day, c := range t.days {
		if err := addTo(days, dayKey(day), func(m *storagev1.DayCounts) {
			m.Scans, m.FirstScans = m.Scans+c.Scans, m.FirstScans+c.FirstScans
		}); err != nil {
			return err
		}
	}
	return nil
}

func addScans(m, c *storagev1.ScanCounts) {
	m.Scans, m.FirstScans = m.Scans+c.Scans, m.FirstScans+c.FirstScans
}

// countScan adds one recorded scan of a stamp to the tally (before is the
// stamp's scan count before it, st its state after), and flags the stamp
// when its count first passes the MANY_SCANS threshold, as the warning
// verification gives starts with that very scan.
func (s *Store) countScan(tx *bolt.Tx, tally *scanTally, batches *batchFinder, sc record.Scan, before uint64, st *storagev1.StampState) error {
	batch, err := batches.find(sc.Serial)
	if err != nil || batch == nil {
		// Verification records scans of issued stamps only; a serial of
		// no batch has nothing to count under.
		return err
	}
	day := ocop.Day(sc.Time)
	tally.scans(batch.Id, day, st.ScanCount-before)
	if before == 0 && st.ScanCount > 0 {
		tally.first(batch.Id, day)
	}
	if s.manyScans == 0 || before > s.manyScans || st.ScanCount <= s.manyScans {
		return nil
	}
	producer, err := batches.producerOf(batch.ProductId)
	if err != nil {
		return err
	}
	return raiseFlag(tx, sc.Serial, flagging{kind: estampv1.FlagKind_FLAG_KIND_MANY_SCANS, at: sc.Time, batch: batch, producer: producer, scanCount: st.ScanCount})
}

// flagging is evidence that a stamp looks copied.
type flagging struct {
	kind      estampv1.FlagKind
	at        time.Time
	batch     *estampv1.Batch
	producer  string
	scanCount uint64
	// retailers, for a suspected copy, are those that received it.
	retailers []string
	// latest, when set, is the latest of the evidence, after at: schema
	// 7's backfill of a copy received again since it was flagged.
	latest time.Time
}

// raiseFlag records evidence against a stamp: a new flag, or more on its
// flag. A reviewed flag opens again when the evidence is new to it (a
// kind or a retailer it lacked): whoever reviewed it did not know. The
// same again, a shop's re-scan of a copy it had, only moves its latest
// time.
func raiseFlag(tx *bolt.Tx, serial uint64, f flagging) error {
	b := tx.Bucket(bucketFlags)
	rec := new(storagev1.FlagRecord)
	found, err := get(b, u64(serial), rec)
	if err != nil {
		return err
	}
	if !found {
		rec.FirstUnixNano, rec.BatchId, rec.ProductId, rec.ProducerId = f.at.UnixNano(), f.batch.Id, f.batch.ProductId, f.producer
	}
	news := false
	if !slices.Contains(rec.Kinds, int32(f.kind)) {
		rec.Kinds, news = append(rec.Kinds, int32(f.kind)), true
	}
	for _, r := range f.retailers {
		if len(rec.RetailerIds) < maxFlagRetailers && !slices.Contains(rec.RetailerIds, r) {
			rec.RetailerIds, news = append(rec.RetailerIds, r), true
		}
	}
	if news {
		rec.ReviewedBy, rec.ReviewedUnixNano, rec.ReviewNote = "", 0, ""
	}
	rec.LatestUnixNano = max(rec.LatestUnixNano, f.at.UnixNano())
	if !f.latest.IsZero() {
		rec.LatestUnixNano = max(rec.LatestUnixNano, f.latest.UnixNano())
	}
	rec.ScanCount = max(rec.ScanCount, f.scanCount)
	return put(b, u64(serial), rec)
}

// retailersOf lists the retailers that received a stamp, first first.
func retailersOf(st *storagev1.StampState) []string {
	rs := slices.Clone(st.GetReceipts())
	slices.SortStableFunc(rs, func(a, b *storagev1.Receipt) int { return cmp.Compare(a.FirstUnixNano, b.FirstUnixNano) })
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.RetailerId
	}
	return out
}

// copyShops lists the retailers a copy flag names: those that received the
// stamp, first first, then the one that sold it, then others (a shop
// selling it again), each once.
func copyShops(st *storagev1.StampState, others ...string) []string {
	out := retailersOf(st)
	for _, id := range append([]string{st.GetSale().GetRetailerId()}, others...) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// receivedBy reports whether a retailer received a stamp before.
func receivedBy(st *storagev1.StampState, retailerID string) bool {
	return slices.ContainsFunc(st.GetReceipts(), func(r *storagev1.Receipt) bool { return r.RetailerId == retailerID })
}

// shopTally is what one commit adds to the shop counters.
type shopTally map[shopOf]*storagev1.ShopReceipts

// shopOf names what one retailer received of one product.
type shopOf struct{ producer, product, retailer string }

// at returns the tally of k, stretched to the intakes from first to last
// (Unix nanoseconds).
func (t shopTally) at(k shopOf, first, last int64) *storagev1.ShopReceipts {
	r := t[k]
	if r == nil {
		r = &storagev1.ShopReceipts{FirstUnixNano: first, LastUnixNano: last}
		t[k] = r
	}
	r.FirstUnixNano, r.LastUnixNano = min(r.FirstUnixNano, first), max(r.LastUnixNano, last)
	return r
}

// writeTx adds the tally to the stored counters.
func (t shopTally) writeTx(tx *bolt.Tx) error {
	b := tx.Bucket(bucketShopReceipts)
	for k, c := range t {
		err := addTo(b, shopKey(k.producer, k.product, k.retailer), func(m *storagev1.ShopReceipts) {
			m.Stamps, m.SuspectedCopies = m.Stamps+c.Stamps, m.SuspectedCopies+c.SuspectedCopies
			if m.FirstUnixNano == 0 || c.FirstUnixNano < m.FirstUnixNano {
				m.FirstUnixNano = c.FirstUnixNano
			}
			m.LastUnixNano = max(m.LastUnixNano, c.LastUnixNano)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// keepDelivery stores the account of a retailer's delivery under the next
// delivery id, flags its suspected copies and adds them to the shop
// counters (shops, which hold the stamps the retailer received in it), in
// the delivery's commit. bases are the delivery's batches as read in it.
func (s *Store) keepDelivery(tx *bolt.Tx, retailerID string, ch audit.Change, d record.Delivery, bases map[uint64]*record.Stamp, shops shopTally) (uint64, error) {
	stamps := statesTx(tx)
	at := ch.Time.UnixNano()
	rec := &storagev1.DeliveryRecord{TimeUnixNano: at, Actor: ch.Actor, Reference: d.Reference, Codes: uint32(d.Codes)}
	for _, v := range d.Verdicts {
		rec.Verdicts = append(rec.Verdicts, &storagev1.VerdictTally{Verdict: int32(v.Verdict), Count: v.Count})
	}
	for _, p := range d.Problems {
		if len(rec.Problems) < MaxDeliveryProblems {
			row := &storagev1.DeliveryProblem{
				Line: p.Line, Serial: p.Serial, BatchId: p.BatchId, ProductId: p.ProductId, Lot: p.Lot,
				Verdict: int32(p.Verdict), OtherRetailerId: p.OtherRetailerId, RevocationReason: p.RevocationReason,
			}
			if id := p.OtherRetailerId; id != "" {
				// The name as it is now, read in this transaction: the
				// delivery's page names the shop to ask, as the intake's
				// answer did.
				if other, err := shopTx(tx, id); err == nil {
					row.OtherRetailerName = other.Name
				}
				if t := p.OtherReceiveTime; t != nil {
					row.OtherReceiveUnixNano = t.AsTime().UnixNano()
				}
				if t := p.OtherSaleTime; t != nil {
					row.OtherSaleUnixNano = t.AsTime().UnixNano()
				}
			}
			rec.Problems = append(rec.Problems, row)
		} else {
			rec.ProblemsLeftOut++
		}
		base := bases[p.BatchId]
		if p.Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || base == nil || !holds(base.Batch, p.Serial) {
			continue
		}
		shops.at(shopOf{base.Producer.Id, base.Product.Id, retailerID}, at, at).SuspectedCopies++
		st, err := stamps.state(p.Serial)
		if err != nil {
			return 0, err
		}
		err = raiseFlag(tx, p.Serial, flagging{kind: estampv1.FlagKind_FLAG_KIND_SUSPECTED_COPY, at: ch.Time, batch: base.Batch,
			producer: base.Producer.Id, scanCount: s.journaled(tx, p.Serial, st, allScans).ScanCount, retailers: copyShops(st)})
		if err != nil {
			return 0, err
		}
	}
	id, err := nextCounter(tx, keyNextDelivery, 1)
	if err != nil {
		return 0, err
	}
	if err := put(tx.Bucket(bucketDeliveries), deliveryKey(retailerID, id), rec); err != nil {
		return 0, err
	}
	return id, shops.writeTx(tx)
}

// countIssue adds a new batch to its day's counters.
func countIssue(tx *bolt.Tx, b *estampv1.Batch, at time.Time) error {
	return addTo(tx.Bucket(bucketDays), dayKey(ocop.Day(at)), func(d *storagev1.DayCounts) {
		d.StampsIssued += uint64(b.Quantity)
		d.BatchesIssued++
	})
}
