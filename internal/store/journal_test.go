package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// journaled are the options of a store with a scan journal that folds
// only when asked (or when foldScans scans wait), so that tests decide
// what is folded when.
func journaled(foldScans int) store.Options {
	return store.Options{ManyScans: 3, Journal: &store.Journal{Count: counted, FoldScans: foldScans, FoldEvery: time.Hour}}
}

// journalStore opens a store with a journal in dir, with producer P,
// product A and a batch of 1,000 stamps (serials 1-1000) when new.
func journalStore(t *testing.T, dir string, opts store.Options) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(dir, "estamp.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if empty, _ := s.Empty(ctx); empty {
		seed(t, s, "P", "A")
		issue(t, s, "A", 1000, t0)
	}
	return s
}

// segments lists the journal's files in dir.
func segments(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "estamp.scans.*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// crashImage copies the database and its journal as a crash would leave
// them on disk: the store must be quiet (no call or fold running), and
// everything acknowledged is in the files, written and synced.
func crashImage(t *testing.T, dir string) string {
	t.Helper()
	img := t.TempDir()
	names := append(segments(t, dir), filepath.Join(dir, "estamp.db"))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(img, filepath.Base(name)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// recordsEnd is where the records of a segment file end: where the next
// append would go.
func recordsEnd(seg []byte) int64 {
	off := 32 // the header
	for off+8 <= len(seg) {
		n := int(binary.BigEndian.Uint32(seg[off:]))
		if n == 0 {
			break
		}
		off += 8 + n
	}
	return int64(off)
}

// scanCount is a stamp's scan count as Stamp reads it.
func scanCount(t *testing.T, s *store.Store, serial uint64) uint64 {
	t.Helper()
	rec, err := s.StampOf(ctx, serial)
	if err != nil {
		t.Fatal(err)
	}
	return rec.State.GetScanCount()
}

// dump is what scans change in a database file: the stamps' states (a
// recent one over a settled one: which bucket holds a state depends on
// when settling ran) and the insight counters and flags, bucket by bucket.
func dump(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	err = db.View(func(tx *bolt.Tx) error {
		states := map[string]string{}
		for _, name := range []string{"stamps", "recent_stamps"} {
			err := tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				states[fmt.Sprintf("%x", k)] = fmt.Sprintf("%x", v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(states)) {
			fmt.Fprintf(&b, "%s=%s\n", k, states[k])
		}
		out["stamp states"] = b.String()
		for _, name := range []string{"scan_days", "batch_scans", "days", "flags"} {
			var b strings.Builder
			err := tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				fmt.Fprintf(&b, "%x=%x\n", k, v)
				return nil
			})
			if err != nil {
				return err
			}
			out[name] = b.String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The journal changes when scans reach the B-tree, not what they do: the
// same scans, recorded in the same groups, leave the same stamps,
// counters and flags as committing each group did, however folds fall
// between them; and every answer on the way is the same.
func TestJournalMatchesDirectCommits(t *testing.T) {
	direct, withJournal := t.TempDir(), t.TempDir()
	a := journalStore(t, direct, store.Options{ManyScans: 3})
	b := journalStore(t, withJournal, journaled(50))
	rng := rand.New(rand.NewPCG(1, 2))
	when := t0
	for g := range 300 {
		group := make([]record.Scan, 1+rng.IntN(40))
		for i := range group {
			when = when.Add(time.Duration(rng.IntN(7200)) * time.Second)
			// A few hot stamps, scanned many times, and many cold ones.
			serial := uint64(1 + rng.IntN(1000))
			if rng.IntN(3) == 0 {
				serial = uint64(1 + rng.IntN(5))
			}
			group[i] = record.Scan{Serial: serial, Time: when}
		}
		want, err := a.RecordScans(ctx, group, counted)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.RecordScans(ctx, group, counted)
		if err != nil {
			t.Fatal(err)
		}
		for i := range group {
			if got[i].ScanCount != want[i].ScanCount || got[i].FirstScanUnixNano != want[i].FirstScanUnixNano || got[i].LastScanUnixNano != want[i].LastScanUnixNano {
				t.Fatalf("group %d scan %d of %d: journal answers %v, a commit %v", g, i, group[i].Serial, got[i], want[i])
			}
		}
		switch rng.IntN(10) {
		case 0:
			// What reads counters folds first.
			if _, _, err := b.Flags(ctx, store.FlagQuery{Limit: 10}); err != nil {
				t.Fatal(err)
			}
		case 1:
			first := uint64(1 + rng.IntN(900))
			ws, err := a.StampStates(ctx, first, first+99)
			if err != nil {
				t.Fatal(err)
			}
			gs, err := b.StampStates(ctx, first, first+99)
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) != len(gs) {
				t.Fatalf("StampStates %d-%d: %d states with the journal, %d without", first, first+99, len(gs), len(ws))
			}
			for i := range ws {
				if ws[i].Serial != gs[i].Serial || ws[i].State.ScanCount != gs[i].State.ScanCount {
					t.Fatalf("StampStates %d-%d, #%d: serial %d %d scans with the journal, serial %d %d without",
						first, first+99, i, gs[i].Serial, gs[i].State.ScanCount, ws[i].Serial, ws[i].State.ScanCount)
				}
			}
		}
	}
	for serial := uint64(1); serial <= 1000; serial += 37 {
		if got, want := scanCount(t, b, serial), scanCount(t, a, serial); got != want {
			t.Errorf("stamp %d: %d scans with the journal, %d without", serial, got, want)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if left := segments(t, withJournal); len(left) != 0 {
		t.Errorf("journal files after a clean close: %v", left)
	}
	want, got := dump(t, filepath.Join(direct, "estamp.db")), dump(t, filepath.Join(withJournal, "estamp.db"))
	if want["stamp states"] == "" {
		t.Fatal("no stamp state stored: nothing to compare")
	}
	for name := range want {
		if got[name] != want[name] {
			t.Errorf("bucket %s differs with the journal:\n%s\nwithout:\n%s", name, got[name], want[name])
		}
	}
}

// Before a fold, every reader sees journaled scans: the answer to each
// scan of a group (a stamp scanned twice in it gets two answers), Stamp,
// StampOf, StampStates (a stamp with no stored state yet too), and a
// report, which folds first.
func TestJournaledScansAreSeenBeforeTheFold(t *testing.T) {
	dir := t.TempDir()
	s := journalStore(t, dir, journaled(1<<20))
	defer s.Close()
	scan(t, s, scansOf(7, t0, 2)...)
	states, err := s.RecordScans(ctx, []record.Scan{{Serial: 7, Time: t0.Add(time.Hour)}, {Serial: 9, Time: t0.Add(time.Hour)}, {Serial: 7, Time: t0.Add(2 * time.Hour)}}, counted)
	if err != nil {
		t.Fatal(err)
	}
	if states[0].ScanCount != 3 || states[1].ScanCount != 1 || states[2].ScanCount != 4 || states[2].LastScanUnixNano != t0.Add(2*time.Hour).UnixNano() {
		t.Errorf("answers: %v", states)
	}
	if n := s.Unfolded(); n != 5 {
		t.Errorf("%d scans unfolded, want 5", n)
	}
	rec, err := s.Stamp(ctx, 1, 7)
	if err != nil || rec.State.ScanCount != 4 {
		t.Errorf("Stamp before the fold: %v %v", rec, err)
	}
	if n := scanCount(t, s, 9); n != 1 {
		t.Errorf("StampOf before the fold: %d scans", n)
	}
	list, err := s.StampStates(ctx, 1, 1000)
	if err != nil || len(list) != 2 || list[0].Serial != 7 || list[0].State.ScanCount != 4 || list[1].Serial != 9 || list[1].State.ScanCount != 1 {
		t.Errorf("StampStates before the fold: %v %v", list, err)
	}
	// Past the threshold (3): flagged when folded, which reading flags does.
	flags, _, err := s.Flags(ctx, store.FlagQuery{Limit: 10})
	if err != nil || len(flags) != 1 || flags[0].Serial != 7 || flags[0].ScanCount != 4 {
		t.Errorf("flags: %v %v", flags, err)
	}
	if n := s.Unfolded(); n != 0 {
		t.Errorf("%d scans unfolded after reading flags", n)
	}
	list, err = s.StampStates(ctx, 1, 1000)
	if err != nil || len(list) != 2 || list[0].State.ScanCount != 4 || list[1].State.ScanCount != 1 {
		t.Errorf("StampStates after the fold: %v %v", list, err)
	}
}

// What a crash leaves is replayed at the next start, and counted once:
// acknowledged scans not yet folded, segments folded but not yet deleted
// (their folded position says so), the torn end of a write, a segment
// being created.
func TestJournalRecoversFromCrashes(t *testing.T) {
	dir := t.TempDir()
	s := journalStore(t, dir, journaled(1<<20))
	defer s.Close()
	scan(t, s, scansOf(1, t0, 3)...)
	scan(t, s, scansOf(2, t0, 1)...)

	// Acknowledged, not folded.
	unfolded := crashImage(t, dir)
	// Folded, but the folded segment not yet deleted: put it back.
	saved := segments(t, unfolded)
	if _, err := s.WriteTo(ctx, io.Discard, func(int64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	foldedNotDropped := crashImage(t, dir)
	for _, name := range saved {
		data, _ := os.ReadFile(name)
		if err := os.WriteFile(filepath.Join(foldedNotDropped, filepath.Base(name)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if len(segments(t, foldedNotDropped)) < 2 {
		t.Fatalf("image holds %v", segments(t, foldedNotDropped))
	}
	// A torn write after more scans, and a segment half made.
	scan(t, s, scansOf(1, t0.Add(time.Hour), 1)...)
	torn := crashImage(t, dir)
	last := segments(t, torn)
	tail := last[len(last)-1]
	f, err := os.OpenFile(tail, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The first bytes of a record of 3 scans after the last record: its
	// length, part of the rest.
	data, _ := os.ReadFile(tail)
	if _, err := f.WriteAt([]byte{0, 0, 0, 49, 0xde, 0xad, 0xbe, 0xef, 1, 0, 0, 0}, recordsEnd(data)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.WriteFile(tail+"9.tmp", []byte("ESTSCAN1"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		dir      string
		one, two uint64
		pending  int // scans the start finds unfolded
	}{
		{"unfolded", unfolded, 3, 1, 4},
		{"folded, not deleted", foldedNotDropped, 3, 1, 0},
		{"torn write", torn, 4, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := store.Open(filepath.Join(tc.dir, "estamp.db"), journaled(1<<20))
			if err != nil {
				t.Fatal(err)
			}
			// Replayed into the overlay, seen before they are folded.
			if n := r.Unfolded(); n != tc.pending {
				t.Errorf("%d scans unfolded after the start, want %d", n, tc.pending)
			}
			if got := []uint64{scanCount(t, r, 1), scanCount(t, r, 2)}; got[0] != tc.one || got[1] != tc.two {
				t.Errorf("scan counts %v, want [%d %d]", got, tc.one, tc.two)
			}
			// A crash again before anything was folded: the same.
			again, err := store.Open(filepath.Join(crashImage(t, tc.dir), "estamp.db"), journaled(1<<20))
			if err != nil {
				t.Fatal(err)
			}
			if got := []uint64{scanCount(t, again, 1), scanCount(t, again, 2)}; got[0] != tc.one || got[1] != tc.two {
				t.Errorf("after a second crash: scan counts %v, want [%d %d]", got, tc.one, tc.two)
			}
			again.Close()
			flags, _, _ := r.Flags(ctx, store.FlagQuery{Limit: 10})
			if tc.one > 3 && (len(flags) != 1 || flags[0].ScanCount != tc.one) {
				t.Errorf("flags %v", flags)
			}
			// The journal goes on after recovery, and a clean close
			// leaves it empty.
			scan(t, r, scansOf(2, t0.Add(2*time.Hour), 2)...)
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if left := segments(t, tc.dir); len(left) != 0 {
				t.Errorf("journal files after a clean close: %v", left)
			}
			r, err = store.Open(filepath.Join(tc.dir, "estamp.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := []uint64{scanCount(t, r, 1), scanCount(t, r, 2)}; got[0] != tc.one || got[1] != tc.two+2 {
				t.Errorf("scan counts after a restart %v, want [%d %d]", got, tc.one, tc.two+2)
			}
		})
	}
}

// A journal that is damaged other than by a crash's torn write stops the
// start with an error naming the file (and the offset), rather than drop
// the acknowledged scans in it: a bad record with a good one after it, a
// missing segment, another database's segment. A store opened without
// its journal refuses one that holds scans.
func TestJournalRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	s := journalStore(t, dir, journaled(1<<20))
	defer s.Close()
	scan(t, s, scansOf(1, t0, 3)...)
	scan(t, s, scansOf(2, t0, 1)...)
	image := crashImage(t, dir)

	open := func(t *testing.T, dir string, opts store.Options) error {
		t.Helper()
		r, err := store.Open(filepath.Join(dir, "estamp.db"), opts)
		if err == nil {
			r.Close()
		}
		return err
	}
	copyOf := func(t *testing.T, edit func(seg string)) string {
		t.Helper()
		img := crashImage(t, image)
		edit(segments(t, img)[0])
		return img
	}
	for _, tc := range []struct {
		name   string
		edit   func(t *testing.T, seg string)
		opts   store.Options
		offset int64
		want   string
	}{
		{"bit flip in the first record", func(t *testing.T, seg string) {
			data, _ := os.ReadFile(seg)
			data[32+8+1+3] ^= 0x10 // a byte of the first scan's serial
			os.WriteFile(seg, data, 0o600)
		}, journaled(1 << 20), 32, "does not check"},
		{"a record's header zeroed", func(t *testing.T, seg string) {
			data, _ := os.ReadFile(seg)
			clear(data[32:40])
			os.WriteFile(seg, data, 0o600)
		}, journaled(1 << 20), 32, "does not check"},
		{"missing segment", func(t *testing.T, seg string) {
			// Segment 1 gone, segment 2 there.
			data, _ := os.ReadFile(seg)
			data[31] = 2
			os.WriteFile(strings.TrimSuffix(seg, "1")+"2", data, 0o600)
			os.Remove(seg)
		}, journaled(1 << 20), -1, "is missing"},
		{"another database's segment", func(t *testing.T, seg string) {
			data, _ := os.ReadFile(seg)
			data[10] ^= 1
			os.WriteFile(seg, data, 0o600)
		}, journaled(1 << 20), 8, "another database"},
		{"opened without the journal", func(*testing.T, string) {}, store.Options{}, -1, "not yet in the database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := copyOf(t, func(seg string) { tc.edit(t, seg) })
			before, _ := os.ReadFile(segments(t, img)[0])
			err := open(t, img, tc.opts)
			var je *store.JournalError
			if !errors.As(err, &je) || je.Offset != tc.offset || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Join(img, "estamp.scans.")) {
				t.Fatalf("open: %v; want a JournalError at offset %d saying %q", err, tc.offset, tc.want)
			}
			// Nothing was changed or deleted.
			if after, _ := os.ReadFile(segments(t, img)[0]); !bytes.Equal(before, after) {
				t.Error("the refused journal was changed")
			}
		})
	}
}

// A backup holds the scans still in the journal, and needs no journal
// beside it.
func TestBackupHoldsJournaledScans(t *testing.T) {
	dir := t.TempDir()
	s := journalStore(t, dir, journaled(1<<20))
	defer s.Close()
	scan(t, s, scansOf(5, t0, 4)...)
	var buf bytes.Buffer
	if _, err := s.WriteTo(ctx, &buf, func(int64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(t.TempDir(), "estamp.db")
	if err := os.WriteFile(restored, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(restored, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := scanCount(t, r, 5); n != 4 {
		t.Errorf("restored backup: %d scans, want 4", n)
	}
	flags, _, err := r.Flags(ctx, store.FlagQuery{Limit: 10})
	if err != nil || len(flags) != 1 {
		t.Errorf("restored backup's flags: %v %v", flags, err)
	}
}

// Scans recorded from many goroutines while others read and folds come
// every few milliseconds: no reader ever sees a count go down or miss a
// scan acknowledged before its read began, and in the end each stamp has
// exactly its scans.
func TestJournalUnderConcurrentScansReadsAndFolds(t *testing.T) {
	for _, sync := range journalSyncs(t) {
		t.Run(sync, func(t *testing.T) { journalUnderConcurrentScans(t, sync) })
	}
}

// journalSyncs are the ways the journal can wait for the disk here:
// io_uring where the kernel allows it, and the fdatasync system call.
func journalSyncs(t *testing.T) []string {
	s := journalStore(t, t.TempDir(), journaled(64))
	defer s.Close()
	if got := s.JournalSync(); got != "fdatasync" {
		return []string{got, "fdatasync"}
	}
	t.Log("io_uring is not available here: the journal calls fdatasync")
	return []string{"fdatasync"}
}

func journalUnderConcurrentScans(t *testing.T, syncBy string) {
	dir := t.TempDir()
	opts := journaled(64)
	opts.Journal.FoldEvery = 2 * time.Millisecond
	opts.Journal.SyncInSystemCall = syncBy == "fdatasync"
	s := journalStore(t, dir, opts)
	if got := s.JournalSync(); got != syncBy {
		t.Fatalf("JournalSync() = %q, want %q", got, syncBy)
	}
	const stamps = 50
	var acked [stamps + 1]atomic.Uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; i < 300; i++ {
				group := make([]record.Scan, 1+rng.IntN(8))
				for k := range group {
					group[k] = record.Scan{Serial: uint64(1 + rng.IntN(stamps)), Time: t0.Add(time.Duration(i) * time.Second)}
				}
				states, err := s.RecordScans(ctx, group, counted)
				if err != nil {
					t.Error(err)
					return
				}
				for k, sc := range group {
					for {
						old := acked[sc.Serial].Load()
						if states[k].ScanCount <= old || acked[sc.Serial].CompareAndSwap(old, states[k].ScanCount) {
							break
						}
					}
				}
			}
		})
	}
	var readers sync.WaitGroup
	for r := range 3 {
		readers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			seen := make([]uint64, stamps+1)
			for {
				select {
				case <-stop:
					return
				default:
				}
				serial := uint64(1 + rng.IntN(stamps))
				floor := acked[serial].Load()
				n := scanCount(t, s, serial)
				if n < floor || n < seen[serial] {
					t.Errorf("stamp %d: read %d scans, after %d acknowledged and %d read before", serial, n, floor, seen[serial])
					return
				}
				seen[serial] = n
				if rng.IntN(50) == 0 {
					list, err := s.StampStates(ctx, 1, stamps)
					if err != nil {
						t.Error(err)
						return
					}
					for _, st := range list {
						if st.State.ScanCount < seen[st.Serial] {
							t.Errorf("StampStates: stamp %d %d scans, read %d before", st.Serial, st.State.ScanCount, seen[st.Serial])
						}
					}
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	var total uint64
	for serial := uint64(1); serial <= stamps; serial++ {
		n := scanCount(t, s, serial)
		if n != acked[serial].Load() {
			t.Errorf("stamp %d: %d scans, the last answer said %d", serial, n, acked[serial].Load())
		}
		total += n
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(filepath.Join(dir, "estamp.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var after uint64
	for serial := uint64(1); serial <= stamps; serial++ {
		after += scanCount(t, r, serial)
	}
	if after != total {
		t.Errorf("%d scans after close, %d before", after, total)
	}
}

// A failed append is no scan: the caller hears of it (a full disk as
// ErrStorageFull), nothing of it is counted or left in the file, and the
// journal goes on once the disk has room; folds failing meanwhile catch
// up later.
func TestJournalWriteFailure(t *testing.T) {
	dir := t.TempDir()
	var full atomic.Bool
	opts := journaled(1 << 20)
	opts.FailBeforeCommit = func() error {
		if full.Load() {
			return syscall.ENOSPC
		}
		return nil
	}
	s := journalStore(t, dir, opts)
	defer s.Close()
	scan(t, s, scansOf(3, t0, 1)...)
	full.Store(true)
	if _, err := s.RecordScans(ctx, scansOf(3, t0.Add(time.Hour), 1), counted); !errors.Is(err, store.ErrStorageFull) {
		t.Errorf("append on a full disk: %v", err)
	}
	if _, _, err := s.Flags(ctx, store.FlagQuery{Limit: 1}); !errors.Is(err, store.ErrStorageFull) {
		t.Errorf("fold on a full disk: %v", err)
	}
	if n := scanCount(t, s, 3); n != 1 {
		t.Errorf("%d scans after a failed one", n)
	}
	full.Store(false)
	scan(t, s, scansOf(3, t0.Add(2*time.Hour), 1)...)
	if _, _, err := s.Flags(ctx, store.FlagQuery{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if n := scanCount(t, s, 3); n != 2 || s.Unfolded() != 0 {
		t.Errorf("%d scans, %d unfolded once the disk has room", n, s.Unfolded())
	}
	img := crashImage(t, dir)
	r, err := store.Open(filepath.Join(img, "estamp.db"), journaled(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := scanCount(t, r, 3); n != 2 {
		t.Errorf("after a restart: %d scans", n)
	}
}

// Background folds that keep failing are reported once when they start
// failing and once when they succeed again, are retried on the clock, and
// add no segment each time: the scans wait, safe, in the journal.
func TestJournalFoldsRetryQuietly(t *testing.T) {
	dir := t.TempDir()
	var failing atomic.Bool
	var mu sync.Mutex
	var heard []error
	opts := journaled(1 << 20)
	opts.Journal.FoldEvery = 5 * time.Millisecond
	opts.Journal.OnFoldError = func(err error) {
		mu.Lock()
		heard = append(heard, err)
		mu.Unlock()
	}
	opts.FailBeforeCommit = func() error {
		if failing.Load() {
			return syscall.EIO
		}
		return nil
	}
	s := journalStore(t, dir, opts)
	defer s.Close()
	scan(t, s, scansOf(4, t0, 2)...)
	failing.Store(true)
	// An append fails too, on the same disk; the scan before it waits.
	if _, err := s.RecordScans(ctx, scansOf(4, t0.Add(time.Hour), 1), counted); !errors.Is(err, syscall.EIO) {
		t.Errorf("append on a failing disk: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(segments(t, dir)); n > 2 {
		t.Errorf("%d segments after 40 failed folds", n)
	}
	if n := scanCount(t, s, 4); n != 2 {
		t.Errorf("%d scans while folds fail", n)
	}
	failing.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for s.Unfolded() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := s.Unfolded(); n != 0 {
		t.Fatalf("%d scans unfolded once the disk works", n)
	}
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(heard) != 2 || !errors.Is(heard[0], syscall.EIO) || heard[1] != nil {
		t.Errorf("heard %v; want the failure, then nil", heard)
	}
	if n := len(segments(t, dir)); n != 1 {
		t.Errorf("%d segments once folded", n)
	}
}

// Verifications hand the store the read that found their stamp
// (record.Stamp.Read), and the store answers the state after each scan
// from it while nothing was written since; folds every few milliseconds
// and revocations in between make it read again. Either way each answer
// is its stamp's state after exactly its scan: one stamp's answers count
// 1, 2, 3 … with none twice and none missing, and the last is what the
// database holds. Stamp 21 is revoked first: its state's details come
// from the revocation list, so its answers are always read.
func TestScanAnswersFromTheVerificationsRead(t *testing.T) {
	opts := journaled(64)
	opts.Journal.FoldEvery = 2 * time.Millisecond
	s := journalStore(t, t.TempDir(), opts)
	defer s.Close()
	if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{Serials: []uint64{21}, Reason: "mất", Change: at(t0)}, revoked); err != nil {
		t.Fatal(err)
	}
	const stamps = 21
	var (
		mu      sync.Mutex
		answers [stamps + 1][]uint64
		wg      sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 3))
			for i := 0; i < 400; i++ {
				group := make([]record.Scan, 1+rng.IntN(4))
				for k := range group {
					serial := uint64(1 + rng.IntN(stamps))
					rec, err := s.Stamp(ctx, 1, serial)
					if err != nil {
						t.Error(err)
						return
					}
					group[k] = record.Scan{Serial: serial, Time: t0.Add(time.Duration(i) * time.Second), Read: rec.Read}
				}
				states, err := s.RecordScans(ctx, group, counted)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for k, sc := range group {
					answers[sc.Serial] = append(answers[sc.Serial], states[k].ScanCount)
				}
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for i := range 40 {
			if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{Serials: []uint64{uint64(500 + i)}, Reason: "mất", Change: at(t0)}, revoked); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()
	for serial := uint64(1); serial <= stamps; serial++ {
		got := slices.Sorted(slices.Values(answers[serial]))
		for i, n := range got {
			if n != uint64(i+1) {
				t.Fatalf("stamp %d: answers counted %v, not 1 to %d", serial, got, len(got))
			}
		}
		if n := scanCount(t, s, serial); n != uint64(len(got)) {
			t.Errorf("stamp %d: %d scans stored, %d answered", serial, n, len(got))
		}
	}
}
