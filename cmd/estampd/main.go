// Command estampd is the e-stamp server: gRPC for the registry, issuance,
// verification and labels; HTTP for the page a scanned stamp opens; and an
// embedded bbolt database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ocopvn/estamp/internal/demo"
	"github.com/ocopvn/estamp/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "estampd:", err)
		os.Exit(1)
	}
}

type config struct {
	dataDir  string
	grpcAddr string
	httpAddr string
	baseURL  string
	demo     bool
	many     uint64
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("estampd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.dataDir, "data-dir", "./data", "directory of the database and issuer keys")
	fs.StringVar(&c.grpcAddr, "grpc-addr", "localhost:50051", "gRPC listen address")
	fs.StringVar(&c.httpAddr, "http-addr", "localhost:8080", "HTTP listen address: verification pages, public keys, health check")
	fs.StringVar(&c.baseURL, "base-url", "http://localhost:8080", "public URL stamp codes point to (only A-Z 0-9 $%*+-./: after upper-casing)")
	fs.Uint64Var(&c.many, "many-scans", 5, "warn that a genuine stamp may be copied when scanned more than this many times")
	fs.BoolVar(&c.demo, "demo", false, "seed the demo registry of Thanh Hóa OCOP products when the database is empty")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, nil
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	srv, err := server.New(server.Config{DataDir: cfg.dataDir, BaseURL: cfg.baseURL, Log: log, ManyScans: cfg.many})
	if err != nil {
		return err
	}
	defer srv.Close()

	if cfg.demo {
		empty, err := srv.Store.Empty()
		if err != nil {
			return err
		}
		if empty {
			if err := demo.Seed(ctx, srv.Registry); err != nil {
				return err
			}
			log.Info("seeded demo registry", "producers", len(demo.Producers), "products", len(demo.Products))
		}
	}

	grpcLis, err := net.Listen("tcp", cfg.grpcAddr)
	if err != nil {
		return fmt.Errorf("--grpc-addr: %w", err)
	}
	httpLis, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		grpcLis.Close()
		return fmt.Errorf("--http-addr: %w", err)
	}
	httpSrv := &http.Server{
		Handler:           srv.HTTP,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}

	errc := make(chan error, 2)
	go func() { errc <- srv.GRPC.Serve(grpcLis) }()
	go func() { errc <- httpSrv.Serve(httpLis) }()
	log.Info("estampd serving", "grpc", grpcLis.Addr().String(), "http", httpLis.Addr().String(),
		"base_url", cfg.baseURL, "data_dir", cfg.dataDir, "key_id", srv.Ring.Active().ID.String())

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-errc:
		log.Error("server stopped", "err", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if herr := httpSrv.Shutdown(shutdownCtx); herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		log.Warn("http shutdown", "err", herr)
	}
	// srv.Close (deferred) stops gRPC gracefully and flushes queued scans.
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
