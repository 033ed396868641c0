package client

import (
	"context"
	"fmt"
	"io"

	"google.golang.org/grpc"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// Receive hands each message of a server stream to each, in order, until
// the server ends the stream (io.EOF, which is no error) or a message
// cannot be received or handled.
func Receive[M any](stream grpc.ServerStreamingClient[M], each func(*M) error) error {
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := each(msg); err != nil {
			return err
		}
	}
}

// StampStreamer is the call Stamps makes; an IssuanceServiceClient has it.
type StampStreamer interface {
	StreamStamps(ctx context.Context, in *estampv1.StreamStampsRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[estampv1.StreamStampsResponse], error)
}

// Stamps fetches every code of a batch through StreamStamps and hands
// each message's stamps to each as they come, with the batch and the
// stream's total; it returns the batch. It fails unless the stream sends
// exactly the batch's serials, in order, so that codes missing are never
// taken for a whole batch (a file of codes, labels, a load test's count).
func Stamps(ctx context.Context, iss StampStreamer, batchID uint64, each func(b *estampv1.Batch, total uint32, stamps []*estampv1.Stamp) error) (*estampv1.Batch, error) {
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
	err = Receive(stream, func(msg *estampv1.StreamStampsResponse) error {
		if b == nil {
			if msg.Batch == nil {
				return fmt.Errorf("batch %d: the server's stream did not start with the batch", batchID)
			}
			b, total, next = msg.Batch, msg.Total, msg.Batch.FirstSerial
		}
		for _, s := range msg.Stamps {
			if s.Serial != next {
				return fmt.Errorf("batch %d: the server sent serial %d where %d was due", batchID, s.Serial, next)
			}
			next++
		}
		got += uint32(len(msg.Stamps))
		return each(b, total, msg.Stamps)
	})
	if err != nil {
		return b, err
	}
	if b == nil || got != total || total != b.Quantity {
		return b, fmt.Errorf("batch %d: the stream ended after %d of its codes", batchID, got)
	}
	return b, nil
}

// BackupStreamer is the call Backup makes; an AdminServiceClient has it.
type BackupStreamer interface {
	Backup(ctx context.Context, in *estampv1.BackupRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[estampv1.BackupResponse], error)
}

// Backup streams a consistent snapshot of the server's database into w
// and returns its size. It fails unless every byte the server announced
// came, so that a cut-short stream is never taken for a backup.
func Backup(ctx context.Context, adm BackupStreamer, w io.Writer) (int64, error) {
	stream, err := adm.Backup(ctx, &estampv1.BackupRequest{})
	if err != nil {
		return 0, err
	}
	var written, total int64 = 0, -1
	err = Receive(stream, func(msg *estampv1.BackupResponse) error {
		if total < 0 {
			total = msg.TotalSize
		}
		n, err := w.Write(msg.Data)
		written += int64(n)
		return err
	})
	if err != nil {
		return written, err
	}
	if written != total {
		return written, fmt.Errorf("backup cut short: %d of %d bytes", written, total)
	}
	return written, nil
}
