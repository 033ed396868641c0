package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/estamp/internal/record"
)

// The scan journal (Options.Journal) makes a durable scan cost one
// sequential append and one fdatasync per group, instead of a bbolt commit
// (two fdatasyncs and a random page write per scanned stamp's leaf).
//
// Scans are appended to segment files beside the database
// (<name>.scans.<n>), each group one record framed with its length and a
// CRC, and acknowledged once its fdatasync returned. Until they are folded
// into the B-tree, acknowledged scans are also in memory (overlay), and
// every reader of a stamp's state sees them through one function,
// journaled: the stored state with the journal's scans that the reading
// transaction does not hold yet, counted by the same Count that folding
// uses. Readers of what scans add up to (InsightService's counters and
// flags), and backups, fold first instead (settleScans).
//
// A background folder ends the segment being appended to, applies its
// scans to the B-tree sorted by serial (neighbouring stamps share leaves)
// and, in the same transaction, moves the folded position
// (keyScansFolded): the next record not in the B-tree. Only then are the
// folded segments deleted; a crash between the two leaves files the next
// start skips by that position, so that no scan is counted twice. At
// start, the records past the folded position are loaded into the
// overlay before anything is served, and folded as any others: a start
// needs no write to the database (it may be full).

// Journal configures the scan journal.
type Journal struct {
	// Count folds one scan into a stamp's state (verify.CountScan). Every
	// journaled scan is counted by it: in RecordScans' answers, by every
	// reader until the scan is folded, and when it is; so it must be the
	// same function every time the database is opened.
	Count func(st *record.StampState, at time.Time)
	// FoldScans is how many unfolded scans start a fold, and the most
	// one fold transaction takes; 16384 when 0.
	FoldScans int
	// FoldEvery is the longest unfolded scans wait for a fold; 1 s when 0.
	FoldEvery time.Duration
	// SyncInSystemCall syncs each append with the fdatasync system call
	// in the appending goroutine, as before io_uring was used: by default
	// the sync goes through io_uring where the kernel allows it, and the
	// appending goroutine parks while the disk works (uringSyncer).
	SyncInSystemCall bool
	// OnFoldError, when set, hears when background folds start failing
	// (the error) and when they succeed again (nil): scans stay in the
	// journal meanwhile, safe, but the journal grows.
	OnFoldError func(error)
}

const (
	defaultFoldScans = 16384
	defaultFoldEvery = time.Second
	// unfoldedFactor times FoldScans is how many scans may wait
	// unfolded before RecordScans folds itself: the overlay's memory and
	// the time a start-up replay takes stay bounded when folding falls
	// behind.
	unfoldedFactor = 8

	// A segment starts with segMagic, the journal's id (keyScanJournalID:
	// which database it belongs to) and its number.
	segMagic  = "ESTSCAN1"
	segHeader = 8 + journalIDLen + 8
	// journalIDLen is the length of keyScanJournalID's value.
	journalIDLen = 16

	// A record is its payload's length (uint32), the CRC-32C of that
	// length and the payload (uint32), then the payload: recScans and
	// scans of scanBytes each, serial and Unix nanoseconds, big-endian.
	recHeader      = 8
	recScans       = 1
	scanBytes      = 16
	maxRecordScans = 4096
	maxRecordLen   = 1 + maxRecordScans*scanBytes

	// segPrealloc is how much of a new segment is written with zeros
	// before it takes records: an append within it changes no metadata
	// (the file's size), so its fdatasync need not wait for the file
	// system's journal. On ext4 here that halves the sync's median
	// (0.5 ms to 0.25-0.37 ms) and its 90th percentile (3.5-4 ms to
	// 1-1.8 ms). Zeros after the last record end a segment.
	segPrealloc = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrJournalClosed means the store is closing.
var ErrJournalClosed = errors.New("store: scan journal closed")

// JournalError is a scan journal that cannot be read as written:
// corruption inside a segment, a missing segment, or a segment of another
// database. estampd refuses to start on one rather than drop acknowledged
// scans.
type JournalError struct {
	Path   string
	Offset int64 // -1 when the problem is the file, not a place in it
	Reason string
}

func (e *JournalError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("store: scan journal %s: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("store: scan journal %s at offset %d: %s", e.Path, e.Offset, e.Reason)
}

// jpos is a place in the journal: a segment and a byte offset in it.
type jpos struct{ seg, off uint64 }

func (p jpos) cmp(q jpos) int {
	if c := cmp.Compare(p.seg, q.seg); c != 0 {
		return c
	}
	return cmp.Compare(p.off, q.off)
}

func (p jpos) bytes() []byte {
	return binary.BigEndian.AppendUint64(u64(p.seg), p.off)
}

// foldedTx is the journal's folded position as tx sees it: the records
// before it are in tx's B-tree, those from it on are not.
func foldedTx(tx *bolt.Tx) jpos {
	v := tx.Bucket(bucketMeta).Get(keyScansFolded)
	if len(v) != 16 {
		return jpos{}
	}
	return jpos{binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])}
}

// readOf is the read of serial's state st in tx, taken after the
// writeSpan mark, as Stamp hands it on. Its folded position is tx's only
// when the overlay holds scans of serial as tx reads: those may be in
// tx's B-tree (folded, not yet retired). When it holds none, any it holds
// later was appended after tx began, so folded after too, and none is in
// tx's B-tree: the zero position, which counts them all, is then right
// without reading the meta bucket (two B-tree searches on every
// verification).
func (j *journal) readOf(tx *bolt.Tx, serial uint64, st *record.StampState, mark uint64) *stateRead {
	r := &stateRead{serial: serial, stored: st, mark: mark}
	if j.ov.holds(serial) {
		r.folded = foldedTx(tx)
	}
	return r
}

// journal is the open scan journal of a store.
type journal struct {
	prefix    string // segment n is prefix + n
	id        []byte
	count     func(*record.StampState, time.Time)
	foldScans int
	foldEvery time.Duration
	failWrite func() error
	onFoldErr func(error)

	// appendMu orders appends, and the switch to a new segment, so that
	// records and the overlay's scans are in one order.
	appendMu sync.Mutex
	f        *os.File // the segment appended to; nil once closed
	seg      uint64   // its number
	off      uint64   // the end of its acknowledged records
	seq      uint64   // the last scan's sequence number
	// broken, once set, refuses appends: a failed write could not be
	// taken back, and a record after it would follow garbage.
	broken error

	// foldMu makes folds one at a time; folded is only written under it.
	foldMu sync.Mutex
	folded jpos

	ov overlay

	wake, quit, done chan struct{}

	// uring, when set, syncs appends through io_uring (see uringSyncer).
	uring *uringSyncer

	// Set by tests only, to order a fold's commit against an answer:
	// foldWrites is called by a fold just before its write transaction,
	// readTaken by answerFromReads once a read passed its check, just
	// before the read's state is counted.
	foldWrites, readTaken func()
}

// JournalSync says how the scan journal waits for its appends to reach
// the disk: "io_uring", "fdatasync", or "" without a journal.
func (s *Store) JournalSync() string {
	switch {
	case s.journal == nil:
		return ""
	case s.journal.uring != nil:
		return "io_uring"
	default:
		return "fdatasync"
	}
}

func (j *journal) path(seg uint64) string { return j.prefix + fmt.Sprintf("%010d", seg) }

// journalPrefix is what the segments of the database at path are named
// by: estamp.db's are estamp.scans.0000000001 and on.
func journalPrefix(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".scans."
}

// listSegments returns the numbers of the segments with prefix, ascending.
func listSegments(prefix string) ([]uint64, error) {
	names, err := filepath.Glob(globEscape(prefix) + "*")
	if err != nil {
		return nil, err
	}
	var segs []uint64
	for _, name := range names {
		n, err := strconv.ParseUint(strings.TrimPrefix(name, prefix), 10, 64)
		if err != nil {
			continue // a .tmp, or not ours
		}
		segs = append(segs, n)
	}
	slices.Sort(segs)
	return segs, nil
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// refuseStrayJournal refuses to open without the journal a database
// whose journal holds scans: they would be missing from every answer.
func refuseStrayJournal(path string) error {
	segs, err := listSegments(journalPrefix(path))
	if err != nil || len(segs) == 0 {
		return err
	}
	return &JournalError{Path: journalPrefix(path) + fmt.Sprintf("%010d", segs[0]), Offset: -1,
		Reason: "holds scans not yet in the database; open the database with its scan journal (estampd does, unless --scan-journal=false) to fold them"}
}

// openJournal opens the journal of the database at path, loads what a
// crash left unfolded into the overlay, and starts the folder.
func (s *Store) openJournal(path string, cfg Journal, failWrite func() error) error {
	if cfg.Count == nil {
		return errors.New("store: scan journal without Count")
	}
	if cfg.FoldScans <= 0 {
		cfg.FoldScans = defaultFoldScans
	}
	if cfg.FoldEvery <= 0 {
		cfg.FoldEvery = defaultFoldEvery
	}
	j := &journal{prefix: journalPrefix(path), count: cfg.Count, foldScans: cfg.FoldScans, foldEvery: cfg.FoldEvery, failWrite: failWrite, onFoldErr: cfg.OnFoldError,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	j.ov.init()
	// A segment being created is written as .tmp and renamed whole.
	tmps, _ := filepath.Glob(globEscape(j.prefix) + "*.tmp")
	for _, t := range tmps {
		if err := os.Remove(t); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	segs, err := listSegments(j.prefix)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyScanJournalID); v != nil {
			j.id, j.folded = bytes.Clone(v), foldedTx(tx)
			return nil
		}
		if len(segs) > 0 {
			return &JournalError{Path: j.path(segs[0]), Offset: -1, Reason: "the database has never had a scan journal, so this one belongs to another " +
				"(restored from an older backup?); move the journal's files out of the data directory to start without their scans"}
		}
		j.id = make([]byte, journalIDLen)
		if _, err := rand.Read(j.id); err != nil {
			return err
		}
		j.folded = jpos{1, segHeader}
		if err := meta.Put(keyScanJournalID, j.id); err != nil {
			return err
		}
		return meta.Put(keyScansFolded, j.folded.bytes())
	})
	if err != nil {
		return err
	}
	next, err := j.recover(segs)
	if err == nil {
		j.f, err = j.create(next)
		j.seg, j.off = next, segHeader
	}
	if err != nil {
		return err
	}
	if !cfg.SyncInSystemCall {
		j.uring = syncerFor(j.f)
	}
	s.journal = j
	go s.runFolder()
	if j.ov.size() >= j.foldScans {
		j.wake <- struct{}{}
	}
	return nil
}

// recover checks the segments a previous run left, deletes those folded
// already, cuts a torn record off the end of the last, loads the scans
// past the folded position into the overlay, and returns the number of
// the segment to append to next.
func (j *journal) recover(segs []uint64) (uint64, error) {
	var left []uint64
	for _, n := range segs {
		if _, err := j.load(n, -1, false, true); err != nil {
			return 0, err
		}
		if n < j.folded.seg {
			if err := os.Remove(j.path(n)); err != nil {
				return 0, fmt.Errorf("store: %w", err)
			}
			continue
		}
		left = append(left, n)
	}
	if len(left) == 0 {
		if j.folded.off != segHeader {
			return 0, &JournalError{Path: j.path(j.folded.seg), Offset: -1, Reason: fmt.Sprintf("is missing, but the database has folded only "+
				"up to offset %d of it: the scans after that are lost unless the file is put back", j.folded.off)}
		}
		return j.folded.seg, nil
	}
	// The torn end of the last write is in the last segment holding any
	// record: segments after it hold their header and zeros only.
	tornAt := len(left) - 1
	for tornAt > 0 {
		data, err := os.ReadFile(j.path(left[tornAt]))
		if err != nil {
			return 0, fmt.Errorf("store: %w", err)
		}
		if !zeros(data[min(len(data), segHeader):]) {
			break
		}
		tornAt--
	}
	for i, n := range left {
		if want := j.folded.seg + uint64(i); n != want {
			return 0, &JournalError{Path: j.path(want), Offset: -1, Reason: "is missing, and later segments are not: the scans in it are not in the database " +
				"(if the database was restored from a backup, the journal is of the database it replaced: move the journal's files out of the data directory to start without them)"}
		}
		last := i == tornAt
		sg, err := j.load(n, -1, last, false)
		if err != nil {
			return 0, err
		}
		if n == j.folded.seg && !sg.boundary(j.folded.off) {
			return 0, &JournalError{Path: sg.path, Offset: int64(j.folded.off), Reason: "the database says it folded the journal up to here, which is no record's end"}
		}
		if last && sg.end < uint64(len(sg.data)) && !zeros(sg.data[sg.end:]) {
			// The end of a write a crash cut short: never acknowledged.
			// Cut off, so that no record ever follows it.
			if err := truncateSync(sg.path, int64(sg.end)); err != nil {
				return 0, err
			}
		}
		off := uint64(segHeader)
		if n == j.folded.seg {
			off = j.folded.off
		}
		for off < sg.end {
			scans, end := sg.scans(off, 1)
			j.ov.add(scans, j.seq+1, func(int) jpos { return jpos{n, end} })
			j.seq += uint64(len(scans))
			off = end
		}
	}
	return left[len(left)-1] + 1, nil
}

func truncateSync(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := fdatasync(f); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// segment is a segment file read whole.
type segment struct {
	path string
	data []byte
	// ends are the ends of its records, ascending; end the last of them
	// (segHeader when it has none).
	ends []uint64
	end  uint64
}

func (sg *segment) boundary(off uint64) bool {
	_, ok := slices.BinarySearch(sg.ends, off)
	return ok || off == segHeader
}

// load reads segment n: its header, then its records up to upTo (-1: the
// file's end). A record that does not check is the torn end of the last
// write when tail is set (the newest segment) and no whole record follows
// it; anywhere else it is corruption, reported with the file and offset.
// headerOnly stops after the header.
func (j *journal) load(n uint64, upTo int64, tail, headerOnly bool) (*segment, error) {
	path := j.path(n)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	switch {
	case len(data) < segHeader || string(data[:8]) != segMagic:
		return nil, &JournalError{Path: path, Offset: 0, Reason: "not a scan journal segment (no header)"}
	case !bytes.Equal(data[8:8+journalIDLen], j.id):
		return nil, &JournalError{Path: path, Offset: 8, Reason: "belongs to another database's journal; move it out of the data directory"}
	case binary.BigEndian.Uint64(data[8+journalIDLen:]) != n:
		return nil, &JournalError{Path: path, Offset: 8 + journalIDLen, Reason: "its header names another segment number"}
	}
	sg := &segment{path: path, data: data, end: segHeader}
	if headerOnly {
		return sg, nil
	}
	limit := len(data)
	if upTo >= 0 {
		limit = min(limit, int(upTo))
	}
	for off := segHeader; off < limit; {
		size, ok := recordAt(data[:limit], off)
		if !ok {
			if zeros(data[off:limit]) || tail && !anyRecordAfter(data, off+1) {
				break
			}
			return nil, &JournalError{Path: path, Offset: int64(off), Reason: "a record does not check (length or CRC), and it is not the torn end of the last write: " +
				"the acknowledged scans from here on cannot be read; restore the file, or move it out of the data directory to start without its scans"}
		}
		off += size
		sg.ends = append(sg.ends, uint64(off))
		sg.end = uint64(off)
	}
	return sg, nil
}

func zeros(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// recordAt returns the size of the whole record at off; false when none
// that checks starts there.
func recordAt(data []byte, off int) (int, bool) {
	if len(data)-off < recHeader+1 {
		return 0, false
	}
	n := int(binary.BigEndian.Uint32(data[off:]))
	if n < 1 || n > maxRecordLen || (n-1)%scanBytes != 0 || len(data)-off-recHeader < n || data[off+recHeader] != recScans {
		return 0, false
	}
	sum := crc32.Update(crc32.Checksum(data[off:off+4], castagnoli), castagnoli, data[off+recHeader:off+recHeader+n])
	if sum != binary.BigEndian.Uint32(data[off+4:]) {
		return 0, false
	}
	return recHeader + n, true
}

// anyRecordAfter reports whether a whole record starts anywhere from off
// on: a torn write leaves none after it.
func anyRecordAfter(data []byte, off int) bool {
	for ; off+recHeader < len(data); off++ {
		if _, ok := recordAt(data, off); ok {
			return true
		}
	}
	return false
}

// scans decodes the records from off (a record's start) on, whole
// records until at least limit scans, and returns them with the end of
// the last.
func (sg *segment) scans(off uint64, limit int) ([]record.Scan, uint64) {
	var out []record.Scan
	for off < sg.end && len(out) < limit {
		n := int(binary.BigEndian.Uint32(sg.data[off:]))
		p := sg.data[off+recHeader+1 : off+recHeader+uint64(n)]
		for ; len(p) > 0; p = p[scanBytes:] {
			out = append(out, record.Scan{Serial: binary.BigEndian.Uint64(p), Time: time.Unix(0, int64(binary.BigEndian.Uint64(p[8:])))})
		}
		off += recHeader + uint64(n)
	}
	return out, off
}

// encodeScans frames scans as records of at most maxRecordScans, and
// returns each record's end in the buffer.
func encodeScans(scans []record.Scan) ([]byte, []int) {
	records := (len(scans) + maxRecordScans - 1) / maxRecordScans
	buf := make([]byte, 0, records*(recHeader+1)+len(scans)*scanBytes)
	var ends []int
	for chunk := range slices.Chunk(scans, maxRecordScans) {
		start := len(buf)
		n := 1 + len(chunk)*scanBytes
		buf = binary.BigEndian.AppendUint32(buf, uint32(n))
		buf = append(buf, 0, 0, 0, 0, recScans)
		for _, sc := range chunk {
			buf = binary.BigEndian.AppendUint64(buf, sc.Serial)
			buf = binary.BigEndian.AppendUint64(buf, uint64(sc.Time.UnixNano()))
		}
		sum := crc32.Update(crc32.Checksum(buf[start:start+4], castagnoli), castagnoli, buf[start+recHeader:])
		binary.BigEndian.PutUint32(buf[start+4:], sum)
		ends = append(ends, len(buf))
	}
	return buf, ends
}

// create makes segment n, header only, durable before anything is
// appended to it: written as .tmp, synced, renamed, and the directory
// synced, so that a crash leaves either no segment n or a whole header.
func (j *journal) create(n uint64) (*os.File, error) {
	path := j.path(n)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	hdr := make([]byte, segPrealloc)
	copy(hdr, append(append([]byte(segMagic), j.id...), u64(n)...))
	if _, err = f.Write(hdr); err == nil {
		if err = fdatasync(f); err == nil {
			if err = os.Rename(tmp, path); err == nil {
				err = syncDir(filepath.Dir(path))
			}
		}
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("store: scan journal: %w", diskError(err))
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// diskError says ErrStorageFull of a full disk, as update does.
func diskError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrStorageFull, err)
	}
	return err
}

// journalScans is RecordScans with the journal: one append and one
// fdatasync for the whole group, then the answers read through the
// overlay.
func (s *Store) journalScans(ctx context.Context, scans []record.Scan) ([]*record.StampState, error) {
	j := s.journal
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if j.ov.size() >= unfoldedFactor*j.foldScans {
		// Folding fell behind: this caller pays for a fold.
		if err := s.foldJournal(ctx, false); err != nil {
			return nil, err
		}
	}
	buf, ends := encodeScans(scans)
	j.appendMu.Lock()
	defer j.appendMu.Unlock()
	switch {
	case j.f == nil:
		return nil, ErrJournalClosed
	case j.broken != nil:
		return nil, j.broken
	}
	if err := j.write(buf); err != nil {
		return nil, err
	}
	first := j.seq + 1
	j.ov.add(scans, first, func(i int) jpos { return jpos{j.seg, j.off + uint64(ends[i/maxRecordScans])} })
	j.seq += uint64(len(scans))
	j.off += uint64(len(buf))
	if j.ov.size() >= j.foldScans {
		select {
		case j.wake <- struct{}{}:
		default:
		}
	}
	// Answered under appendMu, so that no fold can take these scans yet:
	// each answer is its stamp's state after exactly its scan.
	states := make([]*record.StampState, len(scans))
	unread := s.answerFromReads(scans, first, states)
	if len(unread) == 0 {
		return states, nil
	}
	err := s.viewStamps(context.Background(), func(tx *bolt.Tx) error {
		stamps := statesTx(tx)
		for _, i := range unread {
			sc := scans[i]
			st, err := stamps.state(sc.Serial)
			if err != nil {
				return err
			}
			if states[i], err = s.stateView(tx, sc.Serial, st, first+uint64(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return states, nil
}

// stateRead is the store's Stamp.Read: the state a read transaction found
// in the B-tree, before the journal's scans, with that transaction's
// folded position, and the writeSpan mark taken before it began.
type stateRead struct {
	serial uint64
	stored *record.StampState
	folded jpos
	mark   uint64
}

// answerFromReads sets the state after each scan, appended from sequence
// first on, whose verification read its stamp (Scan.Read) while the
// database has not been written since: that read's stored state is still
// the B-tree's, so the state after the scan is it with the journal's
// scans up to this one, as journaled counts them, and the committer,
// which every group waits for, reads no page. It returns the indexes of
// the other scans. Called under appendMu, after the append.
func (s *Store) answerFromReads(scans []record.Scan, first uint64, states []*record.StampState) (unread []int) {
	j := s.journal
	// A fold that began before the check below may commit and retire
	// scans while the states are counted: the pin keeps them.
	g := j.ov.pin()
	defer j.ov.unpin(g)
	for i, sc := range scans {
		r, ok := sc.Read.(*stateRead)
		if !ok || r.serial != sc.Serial || r.stored.GetRevocation().GetListVersion() != 0 || !s.span.unchangedSince(r.mark) {
			// A revocation's details are read from its list entry
			// (stampView); a read of another stamp is no answer.
			unread = append(unread, i)
			continue
		}
		if j.readTaken != nil {
			j.readTaken()
		}
		states[i] = j.countPast(j.ov.of(sc.Serial), r.stored, r.folded, first+uint64(i))
	}
	return unread
}

// write appends buf to the segment and syncs it. A failure is taken back
// (the file cut to its acknowledged end), so that the next record follows
// the last acknowledged one; when even that fails, the journal refuses
// appends until the next start, whose recovery cuts the torn end off.
func (j *journal) write(buf []byte) error {
	if j.failWrite != nil {
		if err := j.failWrite(); err != nil {
			return diskError(err)
		}
	}
	_, err := j.f.WriteAt(buf, int64(j.off))
	if err == nil {
		if j.uring != nil {
			err = j.uring.fdatasync(j.f)
		} else {
			err = fdatasync(j.f)
		}
	}
	if err == nil {
		return nil
	}
	if terr := j.f.Truncate(int64(j.off)); terr != nil {
		j.broken = fmt.Errorf("store: scan journal %s: a failed write could not be taken back (%v): no scan is recorded until estampd restarts", j.f.Name(), terr)
	} else if serr := fdatasync(j.f); serr != nil {
		j.broken = fmt.Errorf("store: scan journal %s: a failed write could not be taken back (%v): no scan is recorded until estampd restarts", j.f.Name(), serr)
	}
	return fmt.Errorf("store: scan journal: %w", diskError(err))
}

// viewStamps is view for readers of stamp states: the overlay keeps the
// scans such a transaction may lack until it ends (overlay.retire).
func (s *Store) viewStamps(ctx context.Context, fn func(*bolt.Tx) error) error {
	if s.journal == nil {
		return s.view(ctx, fn)
	}
	g := s.journal.ov.pin()
	defer s.journal.ov.unpin(g)
	return s.view(ctx, fn)
}

// journaled is the one rule by which readers see journaled scans: st,
// serial's state as tx stores it, with the scans of serial the journal
// holds past tx's folded position, up to sequence upTo, counted in
// journal order. st is left as it is (it may be written back); the scans
// go to a copy.
func (s *Store) journaled(tx *bolt.Tx, serial uint64, st *record.StampState, upTo uint64) *record.StampState {
	j := s.journal
	if j == nil {
		return st
	}
	pending := j.ov.of(serial)
	if len(pending) == 0 {
		return st
	}
	return j.countPast(pending, st, foldedTx(tx), upTo)
}

// countPast is journaled's count: st, a stored state read at folded
// position folded, with the scans of pending past it, up to sequence
// upTo.
func (j *journal) countPast(pending []pendingScan, st *record.StampState, folded jpos, upTo uint64) *record.StampState {
	out := st
	for _, p := range pending {
		if p.seq > upTo || p.end.cmp(folded) <= 0 {
			continue
		}
		if out == st {
			out = proto.CloneOf(st)
		}
		j.count(out, time.Unix(0, p.at))
	}
	return out
}

// stateView is a stamp's state as every reader sees it: with its
// journaled scans (up to sequence upTo) and its revocation's details.
func (s *Store) stateView(tx *bolt.Tx, serial uint64, st *record.StampState, upTo uint64) (*record.StampState, error) {
	return stampView(tx, s.journaled(tx, serial, st, upTo))
}

// allScans is the upTo of a reader that wants every scan.
const allScans = math.MaxUint64

// settleScans folds every scan acknowledged so far into the B-tree, for
// readers of what scans add up to (InsightService's counters and flags)
// and backups: the overlay holds scans by stamp, not their sums.
func (s *Store) settleScans(ctx context.Context) error {
	if s.journal == nil {
		return nil
	}
	return s.foldJournal(ctx, true)
}

// foldJournal folds every record acknowledged so far, or, unless all is
// set, when an earlier fold left segments unfolded (it failed), those:
// retried folds then add no segment each.
func (s *Store) foldJournal(ctx context.Context, all bool) error {
	j := s.journal
	j.foldMu.Lock()
	defer j.foldMu.Unlock()
	end, err := j.freeze(all)
	if err != nil {
		return err
	}
	return s.foldTo(ctx, end)
}

// freeze ends the segment being appended to, so that a fold can take it
// whole while appends go on in a new one, and returns the position every
// acknowledged record is before. Unless all is set, it ends none while
// earlier segments wait, and returns the start of the current one.
// Closing, no new segment is made and appends are refused from then on.
// Without a new segment (the journal is broken, or one could not be made)
// the fold takes the acknowledged part of the current one. Only folds
// (under foldMu) call it.
func (j *journal) freeze(all bool) (jpos, error) {
	return j.freezeFor(all, false)
}

func (j *journal) freezeFor(all, closing bool) (jpos, error) {
	j.appendMu.Lock()
	seg, off, f, broken := j.seg, j.off, j.f, j.broken
	if !all && j.folded.seg < seg {
		j.appendMu.Unlock()
		return jpos{seg, segHeader}, nil
	}
	if closing && f != nil {
		j.f = nil
		f.Close()
		if broken == nil {
			j.appendMu.Unlock()
			return jpos{seg + 1, segHeader}, nil
		}
	}
	j.appendMu.Unlock()
	if f == nil || broken != nil || off == segHeader {
		return jpos{seg, off}, nil
	}
	// Made before appendMu is taken: appends wait only for the switch.
	nf, err := j.create(seg + 1)
	if err != nil {
		return jpos{seg, off}, nil
	}
	j.appendMu.Lock()
	defer j.appendMu.Unlock()
	if j.broken != nil {
		// A write failed meanwhile and left garbage after the
		// acknowledged records: fold those, and append nowhere.
		nf.Close()
		os.Remove(nf.Name())
		return jpos{seg, j.off}, nil
	}
	j.f, j.seg, j.off = nf, seg+1, segHeader
	f.Close()
	return jpos{seg + 1, segHeader}, nil
}

// foldTo folds the journal's records from the folded position up to end
// into the B-tree, at most foldScans scans a transaction, each sorted by
// serial, with the new folded position in the same transaction; then it
// drops them from the overlay and deletes the segments folded whole.
func (s *Store) foldTo(ctx context.Context, end jpos) error {
	j := s.journal
	for j.folded.cmp(end) < 0 {
		from := j.folded
		upTo := int64(-1)
		if from.seg == end.seg {
			upTo = int64(end.off)
		}
		sg, err := j.load(from.seg, upTo, false, false)
		if err != nil {
			return err
		}
		if !sg.boundary(from.off) || from.off > sg.end {
			return &JournalError{Path: sg.path, Offset: int64(from.off), Reason: "the database says it folded the journal up to here, which is no record's end"}
		}
		scans, stop := sg.scans(from.off, j.foldScans)
		next := jpos{from.seg, stop}
		if stop == sg.end && from.seg < end.seg {
			next = jpos{from.seg + 1, segHeader}
		}
		if next == from {
			return &JournalError{Path: sg.path, Offset: int64(sg.end), Reason: fmt.Sprintf("its records end here, before offset %d, which was acknowledged", end.off)}
		}
		scans = bySerial(scans)
		if j.foldWrites != nil {
			j.foldWrites()
		}
		fold := &foldedStates{encoded: make(map[uint64][]byte)}
		err = s.updateStatesThen(ctx, func(tx *bolt.Tx) error {
			if got := foldedTx(tx); got != from {
				return fmt.Errorf("store: scan journal: the database's folded position is %v, not %v as expected", got, from)
			}
			// Read under the writer's lock: every other write that
			// committed before this one moved it on (Store.update).
			fold.gen = s.writes.now()
			clear(fold.encoded)
			if err := s.applyScansTx(tx, scans, j.count, nil, fold); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keyScansFolded, next.bytes())
		}, func() { s.states.keepFolded(fold, next) })
		if err != nil {
			return err
		}
		j.folded = next
		j.ov.retire(next, scans)
		for n := from.seg; n < next.seg; n++ {
			if err := os.Remove(j.path(n)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("store: %w", err)
			}
		}
	}
	return nil
}

// bySerial returns scans sorted by serial, each stamp's scans in the
// order they were recorded: a stable sort, done as an unstable one of
// (serial, position) pairs. For a fold of 16,384 scans of random stamps
// it took 2.2 ms against 5.6 for slices.SortStableFunc, whose in-place
// merging was a sixth of a fold's CPU. scans is left as it was.
func bySerial(scans []record.Scan) []record.Scan {
	type key struct {
		serial uint64
		at     int
	}
	keys := make([]key, len(scans))
	for i, sc := range scans {
		keys[i] = key{sc.Serial, i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.serial, b.serial); c != 0 {
			return c
		}
		return cmp.Compare(a.at, b.at)
	})
	out := make([]record.Scan, len(scans))
	for i, k := range keys {
		out[i] = scans[k.at]
	}
	return out
}

// runFolder folds in the background: when enough scans wait, and at
// least every foldEvery while any do.
func (s *Store) runFolder() {
	j := s.journal
	defer close(j.done)
	tick := time.NewTicker(j.foldEvery)
	defer tick.Stop()
	var failing error
	for {
		select {
		case <-j.quit:
			return
		case <-j.wake:
			if failing != nil {
				// Retried on the tick, not on every append.
				continue
			}
		case <-tick.C:
		}
		if j.ov.size() == 0 {
			continue
		}
		err := s.foldJournal(context.Background(), false)
		changed := (err == nil) != (failing == nil)
		failing = err
		if changed && j.onFoldErr != nil {
			j.onFoldErr(err)
		}
	}
}

// Unfolded is how many acknowledged scans wait in the journal to be
// folded into the database.
func (s *Store) Unfolded() int {
	if s.journal == nil {
		return 0
	}
	return s.journal.ov.size()
}

// closeJournal stops the folder and folds everything, so that a cleanly
// stopped database holds every scan and its journal is gone: a copy of
// the file alone is whole.
func (s *Store) closeJournal() error {
	j := s.journal
	if j == nil {
		return nil
	}
	close(j.quit)
	<-j.done
	j.foldMu.Lock()
	defer j.foldMu.Unlock()
	end, err := j.freezeFor(true, true)
	if err == nil {
		err = s.foldTo(context.Background(), end)
	}
	j.appendMu.Lock()
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	if j.uring != nil {
		j.uring.close()
		j.uring = nil
	}
	j.appendMu.Unlock()
	return err
}

// pendingScan is an acknowledged scan not yet known to be folded.
type pendingScan struct {
	seq uint64
	at  int64 // Unix nanoseconds
	end jpos  // the end of its record: folded once the folded position is past it
}

// overlay holds the journal's unfolded scans by serial. A reader's
// transaction may be older than the latest fold, so folded scans are
// dropped only once every reader that might lack them is done: readers
// pin the generation current when they begin, and retire starts a new
// generation and waits for the old one's readers before it drops.
type overlay struct {
	mu    sync.Mutex
	scans map[uint64][]pendingScan
	n     int
	gen   uint64
	pins  [2]int
	idle  sync.Cond
}

func (o *overlay) init() {
	o.scans = map[uint64][]pendingScan{}
	o.idle.L = &o.mu
}

func (o *overlay) size() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}

func (o *overlay) add(scans []record.Scan, first uint64, end func(i int) jpos) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, sc := range scans {
		o.scans[sc.Serial] = append(o.scans[sc.Serial], pendingScan{first + uint64(i), sc.Time.UnixNano(), end(i)})
	}
	o.n += len(scans)
}

// of returns serial's unfolded scans, oldest first: a copy, as retire
// may change the list.
func (o *overlay) of(serial uint64) []pendingScan {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.scans[serial])
}

// holds reports whether serial has unfolded scans.
func (o *overlay) holds(serial uint64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.scans[serial]) > 0
}

// pin marks a reader about to begin a transaction; unpin its end.
func (o *overlay) pin() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pins[o.gen&1]++
	return o.gen
}

func (o *overlay) unpin(g uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pins[g&1]--; o.pins[g&1] == 0 {
		o.idle.Broadcast()
	}
}

// retire drops the scans of serials folded up to folded, once every
// reader that began before the fold's commit is done: readers that begin
// later see folded in their transaction.
func (o *overlay) retire(folded jpos, serials []record.Scan) {
	o.mu.Lock()
	defer o.mu.Unlock()
	old := o.gen
	o.gen++
	for o.pins[old&1] > 0 {
		o.idle.Wait()
	}
	for _, sc := range serials {
		list, ok := o.scans[sc.Serial]
		if !ok {
			continue
		}
		k := 0
		for k < len(list) && list[k].end.cmp(folded) <= 0 {
			k++
		}
		o.n -= k
		if k == len(list) {
			delete(o.scans, sc.Serial)
		} else if k > 0 {
			o.scans[sc.Serial] = slices.Clone(list[k:])
		}
	}
}

// serialsIn lists, ascending, the serials from first to last with
// unfolded scans.
func (o *overlay) serialsIn(first, last uint64) []uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []uint64
	for serial := range o.scans {
		if serial >= first && serial <= last {
			out = append(out, serial)
		}
	}
	slices.Sort(out)
	return out
}
