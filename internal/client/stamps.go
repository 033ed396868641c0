package client

import (
	"context"
	"fmt"
	"io"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// Stamps fetches every code of a batch through StreamStamps and hands
// each message's stamps to each as they come, with the batch and the
// stream's total; it returns the batch. It fails unless the stream sends
// exactly the batch's serials, in order, so that codes missing are never
// taken for a whole batch (a file of codes, labels, a load test's count).
func Stamps(ctx context.Context, iss estampv1.IssuanceServiceClient, batchID uint64, each func(b *estampv1.Batch, total uint32, stamps []*estampv1.Stamp) error) (*estampv1.Batch, error) {
	stream, err := iss.StreamStamps(ctx, &estampv1.StreamStampsRequest{BatchId: batchID})
	if err != nil {
		return nil, err
	}
	var (
		b     *estampv1.Batch
		total uint32
		next  uint64
		got   uint32
	)
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return b, err
		}
		if b == nil {
			if msg.Batch == nil {
				return nil, fmt.Errorf("batch %d: the server's stream did not start with the batch", batchID)
			}
			b, total, next = msg.Batch, msg.Total, msg.Batch.FirstSerial
		}
		for _, s := range msg.Stamps {
			if s.Serial != next {
				return b, fmt.Errorf("batch %d: the server sent serial %d where %d was due", batchID, s.Serial, next)
			}
			next++
		}
		got += uint32(len(msg.Stamps))
		if err := each(b, total, msg.Stamps); err != nil {
			return b, err
		}
	}
	if b == nil || got != total || total != b.Quantity {
		return b, fmt.Errorf("batch %d: the stream ended after %d of its codes", batchID, got)
	}
	return b, nil
}
