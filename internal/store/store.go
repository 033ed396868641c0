// Package store persists the registry, batches and scans in one bbolt file.
//
// It is a typed store: each method is one operation of the service, run in
// one transaction, so that every invariant (a batch and its serials, a
// request id and its batch) commits or rolls back whole. Values read from
// bbolt are copied out before the transaction ends.
//
// Every method that reads or writes takes the caller's context. bbolt has
// none, so the store looks at it before a transaction starts (and a write
// again once it holds the writer's lock), and now and then inside a long
// walk; a done context is returned as the error, and nothing is written.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// ErrLocked means another process holds the database.
var ErrLocked = errors.New("store: database is locked by another process")

// ErrStorageFull means a change could not be stored because the disk is
// full. Nothing of the change was kept; it may be retried later.
var ErrStorageFull = errors.New("store: storage is full")

// Options tune Open.
type Options struct {
	// LockTimeout bounds the wait for another process's lock; default 2s.
	LockTimeout time.Duration
	// NoSync skips fsync; for benchmarks and tests of non-durable paths only.
	NoSync bool
	// FailBeforeCommit, when set, is called at the end of every write
	// transaction, and before every append to the scan journal; an error
	// it returns rolls the transaction back, or fails the append, as a
	// failed disk write would. For fault-injection tests only.
	FailBeforeCommit func() error
	// HighWaterPath, when set, is the file outside the database that keeps
	// a mark above every serial and batch id handed out (highwater.go).
	HighWaterPath string
	// Now is the clock of the changes the store makes on its own (schema
	// migrations); time.Now when nil.
	Now func() time.Time
	// ManyScans is verification's MANY_SCANS threshold: a stamp whose scan
	// count first passes it is flagged in the commit of that scan, and the
	// upgrade to schema 7 flags the stamps past it already. estampd sets
	// it to the threshold verification warns at, so that a flag and the
	// warning a buyer sees agree. Zero flags no stamp for its scans.
	ManyScans uint64
	// Freelist chooses bbolt's free-page list: "" or "array" (bbolt's
	// default), or "map". For measuring them (BenchmarkFreelist).
	Freelist string
	// NoFreelistSync leaves the free-page list out of each commit; bbolt
	// rebuilds it by scanning the file at open. For measuring it.
	NoFreelistSync bool
	// MmapSize is how much of the file is mapped at open; MmapSize (the
	// function) of the file's size when zero. Tests make it small.
	MmapSize int
	// Journal, when set, records scans in a journal beside the database
	// and folds them into it in the background (journal.go); Open folds
	// what a crash left in it first. Without it RecordScans commits each
	// group to the database, and Open refuses a database whose journal
	// holds scans.
	Journal *Journal
	// RecentStates is how many stamp states may be recent before they
	// are settled (states.go); 262,144 when 0 or less.
	RecentStates int
	// NoStateCache keeps the store from caching stamp states
	// (statecache.go): for tests that compare reads with and without.
	NoStateCache bool
	// OnSettleError, when set, hears of a settling that failed: the
	// states stay recent, and it is tried again.
	OnSettleError func(error)
}

// MinMmapSize is the least the database file is mapped at open.
const MinMmapSize = 1 << 30

// MmapSize is how much of a database of fileSize bytes estampd maps at
// open: 1 GiB, or twice the file. A read transaction holds the map, and a
// writer that must grow it waits for every reader: a backup (one long
// read transaction) stalls writers for the rest of its run only if the
// file outgrows the map meanwhile, which with this headroom takes the
// file doubling during one backup (TestBackupWhileTheFileGrows).
// Mapping is address space, not memory or disk.
func MmapSize(fileSize int64) int {
	return int(max(MinMmapSize, 2*fileSize))
}

// Store is the bbolt-backed store.
type Store struct {
	db         *bolt.DB
	failCommit func() error
	hw         *highWater
	skipped    Skipped
	now        func() time.Time
	manyScans  uint64
	// recentLimit is Options.RecentStates.
	recentLimit int
	// statePuts counts the states written: every settleEvery of them
	// the recent ones are checked (states.go).
	statePuts   atomic.Uint64
	settleEvery uint64
	// settleDue is set by a write of states that makes a check due,
	// and taken by its transaction's commit (updateStates).
	settleDue atomic.Bool
	settler   settler
	// journal is the scan journal; nil without Options.Journal.
	journal *journal
	// writes moves on with every write that may change what records and
	// tokens hold (update); see genCache.
	writes writeGen
	// span counts every write transaction; see writeSpan.
	span writeSpan
	// records caches the batch, product and producer Stamp decodes.
	records genCache[uint64, *record.Stamp]
	// tokens caches the tokens Token decodes.
	tokens genCache[string, *storagev1.TokenRecord]
	// states caches stamp states, with a scan journal (statecache.go).
	states stateCache
}

// Bounds of the store's caches (genCache).
const (
	recordCacheMax = 4096
	tokenCacheMax  = 1024
)

// Open opens or creates the database at path with mode 0600.
func Open(path string, opts Options) (*Store, error) {
	if err := CheckFile(path); err != nil {
		return nil, err
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	mmap := opts.MmapSize
	if mmap == 0 {
		var size int64
		if fi, err := os.Stat(path); err == nil {
			size = fi.Size()
		}
		mmap = MmapSize(size)
	}
	freelist := bolt.FreelistArrayType
	if opts.Freelist == string(bolt.FreelistMapType) {
		freelist = bolt.FreelistMapType
	}
	// NoStatistics: nothing reads bbolt's database statistics, and
	// counting them is atomic adds on shared counters in every one of the
	// many concurrent read transactions verification begins.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, NoSync: opts.NoSync, InitialMmapSize: mmap,
		FreelistType: freelist, NoFreelistSync: opts.NoFreelistSync, NoStatistics: true})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RecentStates <= 0 {
		opts.RecentStates = defaultRecentStates
	}
	s := &Store{db: db, failCommit: opts.FailBeforeCommit, now: opts.Now, manyScans: opts.ManyScans, recentLimit: opts.RecentStates,
		records: genCache[uint64, *record.Stamp]{max: recordCacheMax}, tokens: genCache[string, *storagev1.TokenRecord]{max: tokenCacheMax}}
	s.settleEvery = uint64(min(settleEvery, max(1, opts.RecentStates/4)))
	if !opts.NoStateCache {
		s.states.max = stateCacheMax
	}
	s.settler.ctx, s.settler.stop = context.WithCancel(context.Background())
	s.settler.onError = opts.OnSettleError
	if err := s.initSafely(path); err != nil {
		db.Close()
		return nil, err
	}
	if opts.HighWaterPath != "" {
		if s.hw, err = openHighWater(opts.HighWaterPath); err == nil {
			err = s.raiseCounters()
		}
		if err != nil {
			s.hw.close()
			db.Close()
			return nil, err
		}
	}
	if opts.Journal != nil {
		err = s.openJournal(path, *opts.Journal, opts.FailBeforeCommit)
	} else {
		err = refuseStrayJournal(path)
	}
	if err != nil {
		if s.hw != nil {
			s.hw.close()
		}
		db.Close()
		return nil, err
	}
	return s, nil
}

// raiseCounters lifts the serial and batch counters to the high-water
// mark, so that nothing handed out before is handed out again.
func (s *Store) raiseCounters() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		next := func(key []byte) uint64 {
			if v := meta.Get(key); v != nil {
				return binary.BigEndian.Uint64(v)
			}
			return 1
		}
		serial, batch := next(keyNextSerial), next(keyNextBatch)
		if s.hw.last.serial > serial {
			s.skipped.SerialFrom, s.skipped.SerialTo = serial, s.hw.last.serial
			if err := meta.Put(keyNextSerial, u64(s.hw.last.serial)); err != nil {
				return err
			}
		}
		if s.hw.last.batch > batch {
			s.skipped.BatchFrom, s.skipped.BatchTo = batch, s.hw.last.batch
			if err := meta.Put(keyNextBatch, u64(s.hw.last.batch)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Skipped says which serials and batch ids Open skipped to stay above the
// high-water mark.
func (s *Store) Skipped() Skipped { return s.skipped }

// initSafely runs init, turning a panic of bbolt into an error: a file
// whose pages are all present can still be damaged inside (a freelist that
// frees a page in use), and bbolt panics on its first write to it. One
// line then says so, instead of a goroutine dump.
func (s *Store) initSafely(path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v (check it with estampd --check-db, or restore a backup)", ErrDamaged, path, r)
		}
	}()
	return s.init()
}

func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("store: create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := meta.Get(keySchemaVersion)
		switch {
		case v == nil:
			return meta.Put(keySchemaVersion, u64(schemaVersion))
		case len(v) != 8:
			return fmt.Errorf("store: corrupt schema version")
		}
		have := binary.BigEndian.Uint64(v)
		if have > schemaVersion {
			return fmt.Errorf("store: database schema version %d, this binary reads up to %d", have, schemaVersion)
		}
		up := upgrading{ch: audit.Change{Actor: auth.ServerActor, Time: s.now()}, manyScans: s.manyScans}
		for ; have < schemaVersion; have++ {
			if err := migrations[have](tx, up); err != nil {
				return fmt.Errorf("store: migrating schema %d to %d: %w", have, have+1, err)
			}
		}
		return meta.Put(keySchemaVersion, u64(schemaVersion))
	})
}

// Close settles the high-water mark to the counters and closes the
// database.
func (s *Store) Close() error {
	s.states.close()
	s.stopSettling()
	errs := []error{s.closeJournal()}
	if s.hw != nil {
		err := s.db.View(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			serial, batch := uint64(1), uint64(1)
			if v := meta.Get(keyNextSerial); v != nil {
				serial = binary.BigEndian.Uint64(v)
			}
			if v := meta.Get(keyNextBatch); v != nil {
				batch = binary.BigEndian.Uint64(v)
			}
			return s.hw.settle(serial, batch)
		})
		errs = append(errs, err, s.hw.close())
	}
	return errors.Join(append(errs, s.db.Close())...)
}

// Empty reports whether the registry has no producers, e.g. to decide
// whether to seed demo data.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	empty := true
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketProducers).Cursor().First()
		empty = k == nil
		return nil
	})
	return empty, err
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// nextCounter reserves n values of a meta counter starting at 1 and returns
// the first.
func nextCounter(tx *bolt.Tx, key []byte, n uint64) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	next := uint64(1)
	if v := meta.Get(key); v != nil {
		next = binary.BigEndian.Uint64(v)
	}
	if err := meta.Put(key, u64(next+n)); err != nil {
		return 0, err
	}
	return next, nil
}

// get unmarshals the value at key into m; false when absent. Unmarshal
// copies, so m does not alias the transaction's memory.
func get(b *bolt.Bucket, key []byte, m proto.Message) (bool, error) {
	v := b.Get(key)
	if v == nil {
		return false, nil
	}
	if err := proto.Unmarshal(v, m); err != nil {
		return false, fmt.Errorf("store: corrupt %s record %q: %w", m.ProtoReflect().Descriptor().Name(), key, err)
	}
	return true, nil
}

func put(b *bolt.Bucket, key []byte, m proto.Message) error {
	v, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

// walkCheck is how many records a long walk reads between looks at its
// context: often enough to stop within a few milliseconds, seldom enough
// to cost nothing next to decoding the records.
const walkCheck = 1024

// pace returns what a long walk calls once a record: ctx's error on every
// walkCheck-th call once ctx is done, else nil.
func pace(ctx context.Context) func() error {
	n := 0
	return func() error {
		if n++; n%walkCheck == 0 {
			return ctx.Err()
		}
		return nil
	}
}

// page walks b from seek, skipping the key `after` (the last key of the
// previous page), and hands collect up to limit entries whose key starts
// with prefix. It reports whether more such entries remain.
func page(b *bolt.Bucket, seek, after, prefix []byte, limit int, collect func(k, v []byte) error) (more bool, err error) {
	c := b.Cursor()
	k, v := c.Seek(seek)
	if after != nil && k != nil && bytes.Equal(k, after) {
		k, v = c.Next()
	}
	for n := 0; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if n == limit {
			return true, nil
		}
		if err := collect(k, v); err != nil {
			return false, err
		}
		n++
	}
	return false, nil
}

// newMessage is a new, empty M.
func newMessage[M proto.Message]() M {
	var m M
	return m.ProtoReflect().Type().New().Interface().(M)
}

// existsTx refuses an id of kind k that is not stored: NotFound.
func (k kind) existsTx(tx *bolt.Tx, id string) error {
	if tx.Bucket(k.bucket).Get([]byte(id)) == nil {
		return &ocop.NotFoundError{What: k.name, ID: id}
	}
	return nil
}

// table is a kind whose records the store's callers see as M and its
// bucket holds as R: record is what is stored of an M, and of is the M a
// record stored under key stands for (records.go). Tokens and accounts are stored as
// the callers see them (same).
type table[M, R proto.Message] struct {
	kind
	record func(M) R
	of     func(key []byte, r R) M
}

// same is the conversion of a table whose callers see its records as
// stored.
func same[M proto.Message](m M) M { return m }

// sameOf reads a record of a table whose callers see it as stored.
func sameOf[M proto.Message](_ []byte, m M) M { return m }

// decode reads v, stored under key. An error names the record as the
// callers know it (a Product, not a ProductRecord) and its key.
func (t table[M, R]) decode(key, v []byte) (M, error) {
	r := newMessage[R]()
	if err := proto.Unmarshal(v, r); err != nil {
		var none M
		return none, fmt.Errorf("store: corrupt %s record %q: %w", none.ProtoReflect().Descriptor().Name(), key, err)
	}
	return t.of(key, r), nil
}

// getTx reads the record at key; NotFound, naming it as id, when there is
// none. Unmarshal copies, so the result does not alias the transaction's
// memory.
func (t table[M, R]) getTx(tx *bolt.Tx, key []byte, id string) (M, error) {
	v := tx.Bucket(t.bucket).Get(key)
	if v == nil {
		var none M
		return none, &ocop.NotFoundError{What: t.name, ID: id}
	}
	return t.decode(key, v)
}

// putTx stores m under key and returns what the change's audit entry
// records of it.
func (t table[M, R]) putTx(tx *bolt.Tx, key []byte, m M) (*storagev1.RecordDigest, error) {
	return putAudited(tx.Bucket(t.bucket), t.bucket, key, t.record(m))
}

// byID reads the record at key (named id in errors) in a read
// transaction.
func (t table[M, R]) byID(ctx context.Context, s *Store, key []byte, id string) (m M, err error) {
	err = s.view(ctx, func(tx *bolt.Tx) error {
		m, err = t.getTx(tx, key, id)
		return err
	})
	return m, err
}

// listAfter returns up to limit records, with ids after `after`.
func (t table[M, R]) listAfter(ctx context.Context, s *Store, after string, limit int) (list []M, more bool, err error) {
	err = s.view(ctx, func(tx *bolt.Tx) error {
		more, err = page(tx.Bucket(t.bucket), []byte(after), []byte(after), nil, limit, func(key, v []byte) error {
			m, err := t.decode(key, v)
			if err != nil {
				return err
			}
			list = append(list, m)
			return nil
		})
		return err
	})
	return list, more, err
}

// createTx stores m, a new record, under id, with the audit entry e of its
// change. An id already stored, whatever its letter case, is a conflict.
// prepare runs once the id is known to be free and before m is stored: it
// checks what else the kind demands and fills in what the store assigns
// (a create time, a number).
func (t table[M, R]) createTx(tx *bolt.Tx, id string, m M, ch audit.Change, e audit.Entry, prepare func() error) error {
	if err := conflictFold(tx.Bucket(t.bucket), t.name, id); err != nil {
		return err
	}
	if err := prepare(); err != nil {
		return err
	}
	d, err := t.putTx(tx, []byte(id), m)
	if err != nil {
		return err
	}
	return appendAudit(tx, ch, e, d)
}

// conflictFold refuses an id that equals a stored one regardless of letter
// case: to a person, NEM-CHUA and nem-chua name the same thing. Creates are
// rare and registries small, so a scan of the keys is cheap enough.
func conflictFold(b *bolt.Bucket, what, id string) error {
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if bytes.EqualFold(k, []byte(id)) {
			e := &ocop.ConflictError{What: what, ID: id}
			if string(k) != id {
				e.Detail = fmt.Sprintf(" as %q: ids are the same whatever their letter case", k)
				e.DetailVI = fmt.Sprintf(" (là %q: mã không phân biệt chữ hoa, chữ thường)", k)
			}
			return e
		}
	}
	return nil
}

// Size is the database size in bytes.
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	err := s.view(ctx, func(tx *bolt.Tx) error {
		n = tx.Size()
		return nil
	})
	return n, err
}

// WriteTo writes a consistent snapshot of the database to w, as a bbolt
// file, in one read transaction: writers carry on meanwhile. size is
// called first with the snapshot's length. A backup of a large file takes
// a while, so ctx is looked at before every write to w: a client that
// went away stops the copy, and the read transaction with it.
//
// The scan journal is folded first: the snapshot holds every scan
// acknowledged before WriteTo was called, and needs no journal beside it.
func (s *Store) WriteTo(ctx context.Context, w io.Writer, size func(int64) error) (int64, error) {
	if err := s.settleScans(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if err := size(tx.Size()); err != nil {
			return err
		}
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx, w})
		if err != nil && ctx.Err() != nil {
			// bbolt wraps the writer's error as text: say it plainly.
			return ctx.Err()
		}
		return err
	})
	return n, err
}

// ctxWriter refuses to write once its context is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Check runs bbolt's consistency check: every page reachable once, free
// pages accounted for. ctx is looked at only before it starts: bbolt's
// check runs in a goroutine of its own that must be read to its end
// before the transaction may close.
func (s *Store) Check(ctx context.Context) error {
	return s.view(ctx, func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// view runs fn in a read transaction, unless ctx is done already.
func (s *Store) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// update runs fn in a write transaction, through the fault-injection hook,
// unless ctx is done: before the transaction starts, and again once it
// holds the writer's lock, which a caller may have waited long for. Past
// that the change runs to its end: every write is bounded by the request
// limits (100,000 serials, 10,000 codes), and is whole or absent either
// way. A full disk is reported as ErrStorageFull: the change was not kept.
func (s *Store) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	defer s.writes.written()
	return s.updateStates(ctx, func(tx *bolt.Tx) error {
		// Also as it begins, under the writer's lock: a fold that
		// follows this write reads cached states under a generation
		// that no state read before it has (statecache.go).
		s.writes.written()
		return fn(tx)
	})
}

// updateStates is update for the transactions that only count scans into
// stamp states (scan groups, journal folds) or move them (settling): they
// leave the record and state caches as they are, which is what lets them
// serve between them.
func (s *Store) updateStates(ctx context.Context, fn func(*bolt.Tx) error) error {
	return s.updateStatesThen(ctx, fn, nil)
}

// updateStatesThen is updateStates, calling committed, when not nil,
// once fn's transaction has committed and before its write is counted as
// ended (writeSpan).
func (s *Store) updateStatesThen(ctx context.Context, fn func(*bolt.Tx) error, committed func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.span.begin()
	defer s.span.end()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		if s.failCommit != nil {
			return s.failCommit()
		}
		return nil
	})
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrStorageFull, err)
	}
	if err == nil && committed != nil {
		committed()
	}
	if err == nil && s.settleDue.Swap(false) {
		// After the commit: settling counts the states committed.
		s.settleInBackground()
	}
	return err
}
