package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/admin"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/ratelimit"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/web"
)

// AdminTokenPath is where the first start writes the first admin token.
func AdminTokenPath(dataDir string) string { return filepath.Join(dataDir, "admin.token") }

// ensureAdminToken gives a database without tokens its first admin token,
// written to AdminTokenPath with mode 0600: without one, nobody could
// create the others. The log says where it is, never what it is.
func ensureAdminToken(ctx context.Context, st *store.Store, cfg Config) error {
	if have, err := st.HasTokens(ctx); err != nil || have {
		return err
	}
	token, id, hash, err := auth.NewToken(cfg.Rand)
	if err != nil {
		return err
	}
	path := AdminTokenPath(cfg.DataDir)
	// The file first: a token in the database that nobody holds would
	// stop the next start from writing a new one.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	rec := &storagev1.TokenRecord{Id: id, Role: int32(estampv1.Role_ROLE_ADMIN), SecretSha256: hash, Description: "first admin token, written to admin.token"}
	if err := st.CreateToken(ctx, rec, audit.Change{Actor: auth.ServerActor, Time: cfg.Now()}, admin.TokenCreated(rec)); err != nil {
		return err
	}
	cfg.Log.Info("wrote the first admin token; keep it secret, and create others with `estamp admin tokens create`", "path", path, "token_id", id)
	return nil
}

// applyKeyStates hands the office's decisions about keys to the ring.
func applyKeyStates(ctx context.Context, st *store.Store, ring *keys.Ring) error {
	states, err := st.KeyStates(ctx)
	if err != nil {
		return err
	}
	for hex, s := range states {
		id, err := stampcode.ParseKeyID(hex)
		if err != nil {
			return fmt.Errorf("key state of %q: %w", hex, err)
		}
		ring.SetState(id, admin.StateOf(s))
	}
	return nil
}

// limitHTTP applies the per-client limit wherever the web handler's route
// table says it applies (everything but the health check and the style
// sheet).
func limitHTTP(l *ratelimit.Limiter, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if web.RouteOf(r.URL.Path).Limited {
			var ex *ratelimit.ExceededError
			if err := l.Allow(hostOf(r.RemoteAddr)); errors.As(err, &ex) {
				w.Header().Set("Retry-After", strconv.Itoa(int((ex.RetryAfter+999_999_999)/1e9)))
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprintln(w, "Quá nhiều yêu cầu từ máy của bạn; vui lòng thử lại sau ít giây.\nToo many requests from your address; please retry in a few seconds.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
