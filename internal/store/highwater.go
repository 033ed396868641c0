package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// The high-water mark keeps, outside the database file, a bound above
// every serial and batch id ever handed out. Restoring an older backup
// puts older counters back in the database; without the mark the next
// batch would reuse serials already printed on labels, and two different
// stamps would share one serial. At start the counters are raised to the
// mark.
//
// The mark is reserved ahead, a chunk at a time, so that issuing costs one
// extra fsync per million serials rather than one per batch; a clean close
// settles it to the exact counters. After a crash or a restore the
// reserved range is skipped: serials are 48 bits, plenty to waste.
const (
	serialChunk = 1 << 20
	batchChunk  = 1 << 10
)

// The file holds two slots of markSlot bytes, written in turn so that a
// torn write leaves the other intact: sequence, next serial and next batch
// id (uint64 each, big-endian), then the CRC-32C of those 24 bytes.
const markSlot = 32

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrMarkDamaged means the high-water mark file exists but neither slot is
// readable.
var ErrMarkDamaged = errors.New("store: high-water mark file is damaged")

type mark struct {
	seq, serial, batch uint64
}

// highWater is the mark's file and what it says. A nil *highWater does
// nothing: stores without a mark (tests of other things).
type highWater struct {
	f    *os.File
	last mark
}

// openHighWater reads the mark at path, creating an empty one.
func openHighWater(path string) (*highWater, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: high-water mark: %w", err)
	}
	buf := make([]byte, 2*markSlot)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		f.Close()
		return nil, fmt.Errorf("store: high-water mark %s: %w", path, err)
	}
	h := &highWater{f: f}
	valid := 0
	for i := 0; i+markSlot <= n; i += markSlot {
		if m, ok := decodeMark(buf[i : i+markSlot]); ok {
			valid++
			if m.seq >= h.last.seq {
				h.last = m
			}
		}
	}
	if n > 0 && valid == 0 {
		f.Close()
		return nil, fmt.Errorf("%w: %s (delete it only if no batch was issued since the database was last opened)", ErrMarkDamaged, path)
	}
	return h, nil
}

func decodeMark(b []byte) (mark, bool) {
	if crc32.Checksum(b[:24], crcTable) != binary.BigEndian.Uint32(b[24:28]) {
		return mark{}, false
	}
	return mark{binary.BigEndian.Uint64(b[0:]), binary.BigEndian.Uint64(b[8:]), binary.BigEndian.Uint64(b[16:])}, true
}

// write stores m in the slot after the newest and syncs it.
func (h *highWater) write(serial, batch uint64) error {
	m := mark{h.last.seq + 1, serial, batch}
	b := make([]byte, markSlot)
	binary.BigEndian.PutUint64(b[0:], m.seq)
	binary.BigEndian.PutUint64(b[8:], m.serial)
	binary.BigEndian.PutUint64(b[16:], m.batch)
	binary.BigEndian.PutUint32(b[24:], crc32.Checksum(b[:24], crcTable))
	if _, err := h.f.WriteAt(b, int64(m.seq%2)*markSlot); err != nil {
		return fmt.Errorf("store: high-water mark: %w", err)
	}
	if err := h.f.Sync(); err != nil {
		return fmt.Errorf("store: high-water mark: %w", err)
	}
	h.last = m
	return nil
}

// reserve makes sure the mark is at or above the next serial and batch id
// a batch about to commit leaves behind.
func (h *highWater) reserve(nextSerial, nextBatch uint64) error {
	if h == nil || nextSerial <= h.last.serial && nextBatch <= h.last.batch {
		return nil
	}
	return h.write(max(nextSerial+serialChunk, h.last.serial), max(nextBatch+batchChunk, h.last.batch))
}

// settle sets the mark to the exact counters, on a clean close.
func (h *highWater) settle(nextSerial, nextBatch uint64) error {
	if h == nil || h.last.serial == nextSerial && h.last.batch == nextBatch {
		return nil
	}
	return h.write(nextSerial, nextBatch)
}

func (h *highWater) close() error {
	if h == nil {
		return nil
	}
	return h.f.Close()
}

// Skipped is what the counters were raised over at open: serials and
// batch ids that may have been handed out by a database newer than this
// one (it was restored from a backup), or reserved before a crash. None of
// them will be issued.
type Skipped struct {
	SerialFrom, SerialTo uint64 // [from, to); empty when equal
	BatchFrom, BatchTo   uint64
}

// Any reports whether anything was skipped.
func (s Skipped) Any() bool { return s.SerialTo > s.SerialFrom || s.BatchTo > s.BatchFrom }
