package store

import (
	"bytes"
	"context"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// Activations are revocation-list entries (so that offline verifiers sync
// them with revocations, as ranges) indexed by bucketActivations (so that
// a serial's activation is one seek). Ranges never overlap: an activation
// adds only the serials no earlier one covers.

func activationKey(batchID, first uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, batchID)
	binary.BigEndian.PutUint64(k[8:], first)
	return k
}

// activationTx is the activation that covers serial of batch, or nil: for
// a batch issued with a lot, always nil.
func activationTx(tx *bolt.Tx, batch *estampv1.Batch, serial uint64) (*estampv1.Activation, error) {
	if !batch.IssuedInactive {
		return nil, nil
	}
	c := tx.Bucket(bucketActivations).Cursor()
	k, v := c.Seek(activationKey(batch.Id, serial+1))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, u64(batch.Id)) {
		return nil, nil
	}
	a, err := activationEntry(tx, v)
	if err != nil {
		return nil, err
	}
	for _, r := range a.SerialRanges {
		if r.First <= serial && serial <= r.Last {
			return a, nil
		}
	}
	return nil, nil
}

// activationEntry reads the activation of the list entry a version names.
func activationEntry(tx *bolt.Tx, version []byte) (*estampv1.Activation, error) {
	rec, err := revocationRecord(tx, binary.BigEndian.Uint64(version))
	if err != nil {
		return nil, err
	}
	return rec.Entry.GetActivation(), nil
}

// batchActivationsTx lists a batch's activations, each range on its own,
// in serial order.
func batchActivationsTx(tx *bolt.Tx, batchID uint64) ([]*estampv1.Activation, error) {
	var out []*estampv1.Activation
	prefix := u64(batchID)
	c := tx.Bucket(bucketActivations).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		a, err := activationEntry(tx, v)
		if err != nil {
			return nil, err
		}
		first := binary.BigEndian.Uint64(k[8:])
		for _, r := range a.SerialRanges {
			if r.First == first {
				one := proto.CloneOf(a)
				one.SerialRanges = []*estampv1.SerialRange{r}
				out = append(out, one)
			}
		}
	}
	return out, nil
}

// Activations lists the activations of a batch in serial order, one range
// each.
func (s *Store) Activations(ctx context.Context, batchID uint64) ([]*estampv1.Activation, error) {
	var out []*estampv1.Activation
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = batchActivationsTx(tx, batchID)
		return err
	})
	return out, err
}

// sameLot reports whether two activations bind stamps to the same lot and
// dates.
func sameLot(a, b *estampv1.Activation) bool {
	return a.Lot == b.Lot && a.ProductionDate == b.ProductionDate && a.ExpiryDate == b.ExpiryDate
}

// ActivateStamps binds serials of a batch issued without a lot (a's
// ascending, disjoint ranges; none for the whole batch) to a's lot and
// dates, idempotently: serials already activated with
// the same data stay as they are, and a call that changes nothing writes
// nothing. It returns the batch, how many stamps it newly activated and
// the revocation-list version.
//
// Refused: a batch issued with a lot, a recalled batch, revoked serials in
// the range, serials outside the batch, and serials already activated with
// other data.
func (s *Store) ActivateStamps(ctx context.Context, a record.Activation, activated func(record.Activation, *estampv1.Batch, int) audit.Entry) (*estampv1.Batch, int, uint64, error) {
	var (
		batch   *estampv1.Batch
		count   int
		version uint64
	)
	err := s.update(ctx, func(tx *bolt.Tx) error {
		defer func() { version = revocationVersionTx(tx) }()
		var err error
		if batch, err = batchTx(tx, a.BatchID); err != nil {
			return err
		}
		last := batch.FirstSerial + uint64(batch.Quantity) - 1
		asked := a.Ranges
		if len(asked) == 0 {
			asked = []*estampv1.SerialRange{{First: batch.FirstSerial, Last: last}}
		}
		switch {
		case !batch.IssuedInactive:
			return ocop.Precondition("lô tem %d được phát hành kèm số lô %s: tem đã có hiệu lực từ khi phát hành", "batch %d was issued with lot %s: its stamps are active since issuance", batch.Id, batch.Lot)
		case batch.Revoked:
			return ocop.Precondition("lô tem %d đã bị thu hồi: %s", "batch %d was recalled: %s", batch.Id, batch.RevocationReason)
		}
		for _, r := range asked {
			switch {
			case r.First < batch.FirstSerial || r.First > last:
				return ocop.Invalid("first_serial", "sê-ri %d không thuộc lô tem %d (%d–%d)", "serial %d is not in batch %d (%d-%d)", r.First, batch.Id, batch.FirstSerial, last)
			case r.Last < r.First || r.Last > last:
				return ocop.Invalid("last_serial", "sê-ri %d không thuộc lô tem %d từ sê-ri %d (đến %d)", "serial %d is not in batch %d from serial %d (to %d)", r.Last, batch.Id, r.First, last)
			}
		}
		revoked, err := revokedSerialsTx(tx, batch)
		if err != nil {
			return err
		}
		for _, s := range revoked {
			if inRanges(asked, s) {
				return ocop.Precondition("tem sê-ri %s đã bị thu hồi, không kích hoạt được", "stamp %s is revoked and cannot be activated", ocop.ShowSerial(s))
			}
		}
		want := &estampv1.Activation{BatchId: batch.Id, Lot: a.Lot, ProductionDate: a.ProductionDate, ExpiryDate: a.ExpiryDate}
		// The serials asked for that no activation covers yet.
		fresh := asked
		existing, err := batchActivationsTx(tx, batch.Id)
		if err != nil {
			return err
		}
		for _, e := range existing {
			r := e.SerialRanges[0]
			for _, q := range asked {
				if r.Last < q.First || r.First > q.Last {
					continue
				}
				if !sameLot(e, want) {
					return ocop.Precondition("sê-ri %s – %s của lô tem %d đã được kích hoạt với số lô %s", "serials %s-%s of batch %d were already activated with lot %s", ocop.ShowSerial(max(r.First, q.First)), ocop.ShowSerial(min(r.Last, q.Last)), batch.Id, e.Lot)
				}
			}
			fresh = subtract(fresh, r)
		}
		if len(fresh) == 0 {
			return nil
		}
		want.SerialRanges, want.ActivateTime = fresh, timestamppb.New(a.Change.Time)
		v, err := addListEntry(tx, &estampv1.RevocationEntry{Activation: want}, a.Change.Actor)
		if err != nil {
			return err
		}
		for _, r := range fresh {
			if err := tx.Bucket(bucketActivations).Put(activationKey(batch.Id, r.First), u64(v)); err != nil {
				return err
			}
			count += int(r.Last - r.First + 1)
		}
		return appendAudit(tx, a.Change, activated(a, batch, count))
	})
	if err != nil {
		return nil, 0, 0, err
	}
	return batch, count, version, nil
}

// inRanges reports whether a serial is in one of ranges.
func inRanges(ranges []*estampv1.SerialRange, serial uint64) bool {
	for _, r := range ranges {
		if r.First <= serial && serial <= r.Last {
			return true
		}
	}
	return false
}

// subtract takes the serials of cut out of ascending, disjoint ranges.
func subtract(ranges []*estampv1.SerialRange, cut *estampv1.SerialRange) []*estampv1.SerialRange {
	var out []*estampv1.SerialRange
	for _, r := range ranges {
		if cut.Last < r.First || cut.First > r.Last {
			out = append(out, r)
			continue
		}
		if r.First < cut.First {
			out = append(out, &estampv1.SerialRange{First: r.First, Last: cut.First - 1})
		}
		if cut.Last < r.Last {
			out = append(out, &estampv1.SerialRange{First: cut.Last + 1, Last: r.Last})
		}
	}
	return out
}
