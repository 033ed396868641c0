package server

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/ratelimit"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/verify"
)

// toStatus is the one place where errors become gRPC statuses. Typed
// errors from package ocop carry client-safe messages; anything else is
// logged in full, with the call's request id, and reported as a bare
// internal error.
func toStatus(ctx context.Context, log *slog.Logger, method string, err error) error {
	if err == nil {
		return nil
	}
	var (
		invalid   *ocop.InvalidError
		notFound  *ocop.NotFoundError
		conflict  *ocop.ConflictError
		precond   *ocop.PreconditionError
		exhausted *ocop.ExhaustedError
		unauth    *auth.UnauthenticatedError
		denied    *auth.DeniedError
		limited   *ratelimit.ExceededError
	)
	switch {
	case errors.As(err, &invalid):
		return status.Error(codes.InvalidArgument, invalid.Error())
	case errors.As(err, &notFound):
		return status.Error(codes.NotFound, notFound.Error())
	case errors.As(err, &conflict):
		return status.Error(codes.AlreadyExists, conflict.Error())
	case errors.As(err, &precond):
		return status.Error(codes.FailedPrecondition, precond.Error())
	case errors.As(err, &exhausted):
		return status.Error(codes.ResourceExhausted, exhausted.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	case errors.As(err, &unauth):
		return status.Error(codes.Unauthenticated, unauth.Error())
	case errors.As(err, &denied):
		return status.Error(codes.PermissionDenied, denied.Error())
	case errors.As(err, &limited):
		st, derr := status.New(codes.ResourceExhausted, limited.Error()).WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(limited.RetryAfter)})
		if derr != nil {
			return status.Error(codes.ResourceExhausted, limited.Error())
		}
		return st.Err()
	case errors.Is(err, verify.ErrRecorderClosed):
		return status.Error(codes.Unavailable, "server is shutting down")
	case errors.Is(err, store.ErrStorageFull):
		log.Error("storage full", "method", method, "request_id", requestIDOf(ctx), "err", err)
		return status.Error(codes.Unavailable, "server storage is full, try again later")
	case errors.Is(err, keys.ErrNoKey):
		log.Error("no issuer key", "method", method, "request_id", requestIDOf(ctx), "err", err)
		return status.Error(codes.FailedPrecondition, "the server has no issuer key")
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	log.Error("internal error", "method", method, "request_id", requestIDOf(ctx), "err", err)
	return status.Error(codes.Internal, "internal error")
}

func unaryErrors(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, toStatus(ctx, log, info.FullMethod, err)
		}
		return resp, nil
	}
}

func streamErrors(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return toStatus(ss.Context(), log, info.FullMethod, handler(srv, ss))
	}
}
