package server

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
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
//
// The status message is English, for API clients and logs; beside it goes
// the same message in Vietnamese (errdetails.LocalizedMessage, locale
// vi-VN), which the CLI and the console show to people.
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
		return said(codes.InvalidArgument, invalid.Error(), invalid.Vietnamese())
	case errors.As(err, &notFound):
		return said(codes.NotFound, notFound.Error(), notFound.Vietnamese())
	case errors.As(err, &conflict):
		return said(codes.AlreadyExists, conflict.Error(), conflict.Vietnamese())
	case errors.As(err, &precond):
		return said(codes.FailedPrecondition, precond.Error(), precond.Vietnamese())
	case errors.As(err, &exhausted):
		return said(codes.ResourceExhausted, exhausted.Error(), exhausted.Vietnamese())
	case errors.Is(err, context.Canceled):
		return said(codes.Canceled, "request canceled", "yêu cầu đã bị hủy")
	case errors.Is(err, context.DeadlineExceeded):
		return said(codes.DeadlineExceeded, "deadline exceeded", "quá thời hạn chờ")
	case errors.As(err, &unauth):
		return said(codes.Unauthenticated, unauth.Error(), unauth.Vietnamese())
	case errors.As(err, &denied):
		return said(codes.PermissionDenied, denied.Error(), denied.Vietnamese())
	case errors.As(err, &limited):
		return said(codes.ResourceExhausted, limited.Error(), limited.Vietnamese(), &errdetails.RetryInfo{RetryDelay: durationpb.New(limited.RetryAfter)})
	case errors.Is(err, verify.ErrRecorderClosed):
		return said(codes.Unavailable, "server is shutting down", "máy chủ đang tắt")
	case errors.Is(err, store.ErrStorageFull):
		log.Error("storage full", "method", method, "request_id", requestIDOf(ctx), "err", err)
		return said(codes.Unavailable, "server storage is full, try again later", "bộ nhớ của máy chủ đã đầy, hãy thử lại sau")
	case errors.Is(err, keys.ErrNoKey):
		log.Error("no issuer key", "method", method, "request_id", requestIDOf(ctx), "err", err)
		return said(codes.FailedPrecondition, "the server has no issuer key", "máy chủ chưa có khóa ký tem")
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	log.Error("internal error", "method", method, "request_id", requestIDOf(ctx), "err", err)
	return said(codes.Internal, "internal error", "lỗi bên trong máy chủ")
}

// said is a status with message en and, beside it, vi and more details.
func said(code codes.Code, en, vi string, more ...protoadapt.MessageV1) error {
	details := append([]protoadapt.MessageV1{&errdetails.LocalizedMessage{Locale: ocop.LocaleVI, Message: vi}}, more...)
	st, err := status.New(code, en).WithDetails(details...)
	if err != nil {
		// Details that do not marshal are none: the message alone.
		return status.Error(code, en)
	}
	return st.Err()
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
