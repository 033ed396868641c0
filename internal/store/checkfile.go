package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged means the database file is not a whole bbolt file: truncated,
// zero-filled, random or another kind of file. Restore a backup.
var ErrDamaged = errors.New("store: damaged database file")

// damagedError is a one-line description of what is wrong with the file;
// errors.Is(err, ErrDamaged) holds for it.
type damagedError struct{ msg string }

func (e *damagedError) Error() string { return e.msg }
func (e *damagedError) Unwrap() error { return ErrDamaged }

func damaged(format string, args ...any) error {
	return &damagedError{msg: fmt.Sprintf(format, args...)}
}

// The layout of bbolt v1.4.3's meta pages (internal/common/page.go and
// meta.go): a 16-byte page header (id u64, flags u16, count u16, overflow
// u32), then the meta, in the machine's byte order.
const (
	boltMagic   = 0xED0CDAED
	boltVersion = 2

	pageHeaderSize = 16
	metaSize       = 64 // up to and including the checksum

	offMagic    = 0
	offVersion  = 4
	offPageSize = 8
	offPgid     = 40 // after flags u32, root {pgid, sequence}, freelist pgid
	offTxid     = 48
	offChecksum = 56 // FNV-1a 64 of the bytes before it
)

// meta is what CheckFile needs of a bbolt meta page.
type meta struct {
	pageSize uint32
	pgid     uint64 // high-water mark: pages in use
	txid     uint64
}

// parseMeta reads the meta of the page that starts at b; ok when the magic,
// version and checksum match, as bbolt's Meta.Validate demands, and the
// page can hold its header and the meta at all.
func parseMeta(b []byte) (m meta, ok bool) {
	if len(b) < pageHeaderSize+metaSize {
		return meta{}, false
	}
	b = b[pageHeaderSize : pageHeaderSize+metaSize]
	ne := binary.NativeEndian
	h := fnv.New64a()
	h.Write(b[:offChecksum])
	if ne.Uint32(b[offMagic:]) != boltMagic || ne.Uint32(b[offVersion:]) != boltVersion || ne.Uint64(b[offChecksum:]) != h.Sum64() {
		return meta{}, false
	}
	m = meta{pageSize: ne.Uint32(b[offPageSize:]), pgid: ne.Uint64(b[offPgid:]), txid: ne.Uint64(b[offTxid:])}
	return m, m.pageSize >= pageHeaderSize+metaSize
}

// readMeta parses the meta of the page at off; a page past the end of the
// file is not valid.
func readMeta(f *os.File, off int64) (meta, bool) {
	buf := make([]byte, pageHeaderSize+metaSize)
	if _, err := f.ReadAt(buf, off); err != nil {
		return meta{}, false
	}
	return parseMeta(buf)
}

// CheckFile refuses a database file bbolt would crash on. bbolt maps the
// file (1 GiB up front, see Open) and trusts its meta page: a page the meta
// counts but the file lacks faults with SIGBUS when touched, e.g. when half
// a backup was restored. So CheckFile reads both meta pages with plain
// reads and checks that the file holds every page in use. A missing or
// empty file is fine: bbolt creates it. Errors wrap ErrDamaged.
func CheckFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("store: %s is not a regular file", path)
	}
	if fi.Size() == 0 {
		return nil
	}

	// Page 0 says the page size, hence where page 1 starts. If page 0 is
	// damaged, look for page 1 where bbolt does (getPageSizeFromSecondMeta):
	// at 1 KiB, 2 KiB, … 16 MiB.
	m0, ok0 := readMeta(f, 0)
	var m1 meta
	var ok1 bool
	if ok0 {
		m1, ok1 = readMeta(f, int64(m0.pageSize))
	} else {
		for off := int64(1024); off <= 16<<20 && off < fi.Size(); off *= 2 {
			if m1, ok1 = readMeta(f, off); ok1 && int64(m1.pageSize) == off {
				break
			}
			ok1 = false
		}
	}
	// bbolt uses the valid meta with the higher transaction id.
	var m meta
	switch {
	case ok0 && ok1 && m1.txid > m0.txid, !ok0 && ok1:
		m = m1
	case ok0:
		m = m0
	default:
		return damaged("store: %s is not an estamp database: no valid bbolt meta page in its %d bytes (zero-filled, random or another kind of file)", path, fi.Size())
	}
	// Stat again: a writer in another process grows the file before it
	// writes a meta that counts the new pages, so the size read after the
	// metas is never smaller than a size they promise.
	if fi, err = f.Stat(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	size, pageSize := uint64(fi.Size()), uint64(m.pageSize)
	if size < 2*pageSize {
		return damaged("store: %s is truncated: %d bytes, less than the two meta pages of %d bytes; restore a whole backup", path, size, pageSize)
	}
	if m.pgid > size/pageSize {
		need := fmt.Sprintf("%d", m.pgid*pageSize)
		if m.pgid > (1<<63)/pageSize {
			need = "more than 8 EiB"
		}
		return damaged("store: %s is truncated: %d bytes, but its meta page says it holds %s (%d pages of %d); restore a whole backup", path, size, need, m.pgid, pageSize)
	}
	return nil
}

// OpenReadOnly opens an existing database, after CheckFile, for reading
// only: for checking a file without changing it. Open would create a
// missing file, and it writes (buckets, schema version, migrations) in a
// transaction that panics on a damaged freelist before Check could report
// it.
func OpenReadOnly(path string, opts Options) (*Store, error) {
	if err := CheckFile(path); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if fi.Size() == 0 {
		return nil, fmt.Errorf("store: %s is empty: no database to read", path)
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 2 * time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: opts.LockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &Store{db: db}, nil
}
