package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/record"
)

func decodeStampState(v []byte) (*storagev1.StampState, error) {
	st := new(storagev1.StampState)
	if v == nil {
		return st, nil
	}
	if err := proto.Unmarshal(v, st); err != nil {
		return nil, fmt.Errorf("store: corrupt stamp state: %w", err)
	}
	return st, nil
}

// RecordScans applies many scans in one transaction, so that one fsync
// serves them all, and returns each stamp's state after its scan, in order
// (a revocation with its reason, as Stamp returns it). count folds one
// scan into a stamp's stored state; what it keeps is verification's
// policy, not the store's.
//
// The same commit counts the scans per batch and day, and flags a stamp
// whose count passes the MANY_SCANS threshold (insight.go): each counter
// once a commit, not once a scan.
//
// With a scan journal (Options.Journal) the scans are appended to it
// instead, with one fdatasync, and counted by the journal's Count, which
// must be count: the answers are the stored states with the journal's
// scans, and the stamps and counters change when the journal is folded.
func (s *Store) RecordScans(ctx context.Context, scans []record.Scan, count func(st *record.StampState, at time.Time)) ([]*record.StampState, error) {
	if len(scans) == 0 {
		return nil, ctx.Err()
	}
	if s.journal != nil {
		return s.journalScans(ctx, scans)
	}
	states := make([]*record.StampState, len(scans))
	err := s.updateStates(ctx, func(tx *bolt.Tx) error { return s.applyScansTx(tx, scans, count, states, nil) })
	if err != nil {
		return nil, err
	}
	return states, nil
}

// applyScansTx folds scans into their stamps' stored states and the scan
// counters. states, when not nil, gets each stamp's state after its scan.
// fold, when not nil, is a journal fold's: the states are read through
// the state cache, and the ones put are left in it for the cache.
func (s *Store) applyScansTx(tx *bolt.Tx, scans []record.Scan, count func(st *record.StampState, at time.Time), states []*record.StampState, fold *foldedStates) error {
	stamps := s.statesTx(tx)
	tally, batches := newScanTally(), newBatchFinder(tx)
	for i, sc := range scans {
		var (
			st  *record.StampState
			err error
		)
		if fold != nil {
			st, err = s.foldState(stamps, fold, sc.Serial)
		} else {
			st, err = stamps.state(sc.Serial)
		}
		if err != nil {
			return err
		}
		before := st.ScanCount
		count(st, sc.Time)
		encoded, err := stamps.put(sc.Serial, st)
		if err != nil {
			return err
		}
		if fold != nil {
			fold.encoded[sc.Serial] = encoded
		}
		if states != nil {
			if states[i], err = stampView(tx, st); err != nil {
				return err
			}
		}
		if err := s.countScan(tx, tally, batches, sc, before, st); err != nil {
			return err
		}
	}
	return tally.writeTx(tx)
}

func formatUint(v uint64) string { return strconv.FormatUint(v, 10) }

// RevokedSerials returns the serials of a batch that were revoked one by
// one, as ascending ranges, with the batch. A recall of the whole batch is
// the batch's Revoked field, not a list of every serial: callers that
// print or count stamps ask both. Only stamps with a stored state are
// read (scanned, received or revoked ones), never the whole range.
func (s *Store) RevokedSerials(ctx context.Context, batchID uint64) (*estampv1.Batch, []*estampv1.SerialRange, error) {
	var (
		batch   *estampv1.Batch
		serials []uint64
	)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		if batch, err = batchTx(tx, batchID); err != nil {
			return err
		}
		serials, err = revokedSerialsTx(tx, batch)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return batch, serialRanges(serials), nil
}

// revokedSerialsTx lists, ascending, the serials of batch revoked one by one.
func revokedSerialsTx(tx *bolt.Tx, batch *estampv1.Batch) ([]uint64, error) {
	var out []uint64
	last := batch.FirstSerial + uint64(batch.Quantity) - 1
	err := statesTx(tx).each(batch.FirstSerial, last, func(serial uint64, v []byte) error {
		st, err := decodeStampState(v)
		if err != nil {
			return err
		}
		if st.Revocation != nil {
			out = append(out, serial)
		}
		return nil
	})
	return out, err
}

// SerialState is the state of one stamp that has any.
type SerialState struct {
	Serial uint64
	State  *storagev1.StampState
}

// StampStates returns, in serial order, the states of the stamps first to
// last that have one (scanned, received, sold or revoked), as Stamp shows
// them: a revocation carries its entry's time, reason and actor. Stamps
// nobody touched are left out, so a quiet batch costs nothing.
func (s *Store) StampStates(ctx context.Context, first, last uint64) ([]SerialState, error) {
	var out []SerialState
	err := s.viewStamps(ctx, func(tx *bolt.Tx) error {
		// Stamps whose only scans are journaled have no stored state
		// yet: they come in order among those that have.
		var journaled []uint64
		if s.journal != nil {
			journaled = s.journal.ov.serialsIn(first, last)
		}
		add := func(serial uint64, v []byte) error {
			st, err := decodeStampState(v)
			if err != nil {
				return err
			}
			view, err := s.stateView(tx, serial, st, allScans)
			if err != nil {
				return err
			}
			if v == nil && view == st {
				return nil // folded since: the cursor had it
			}
			out = append(out, SerialState{serial, view})
			return nil
		}
		err := statesTx(tx).each(first, last, func(serial uint64, v []byte) error {
			for len(journaled) > 0 && journaled[0] < serial {
				if err := add(journaled[0], nil); err != nil {
					return err
				}
				journaled = journaled[1:]
			}
			if len(journaled) > 0 && journaled[0] == serial {
				journaled = journaled[1:]
			}
			return add(serial, v)
		})
		if err != nil {
			return err
		}
		for _, serial := range journaled {
			if err := add(serial, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
