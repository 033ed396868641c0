package console

import (
	"net/http"
	"strings"

	"github.com/ocopvn/estamp/internal/account"
)

// Session cookies. Over TLS the cookie has the __Host- prefix, which
// browsers accept only with Secure, Path=/ and no Domain: no other host
// or path can set or shadow it. Browsers refuse that prefix without
// Secure, and Secure without TLS, so over plain HTTP (a local demo) the
// cookie has a plain name.
const (
	cookieTLS   = "__Host-estamp-session"
	cookiePlain = "estamp-session"
)

func cookieName(r *http.Request) string {
	if r.TLS != nil {
		return cookieTLS
	}
	return cookiePlain
}

// session is the live session of a request, or account.ErrNoSession.
func (h *Handler) session(r *http.Request) (*account.Session, error) {
	c, err := r.Cookie(cookieName(r))
	if err != nil {
		return nil, account.ErrNoSession
	}
	return h.cfg.Accounts.Session(r.Context(), c.Value)
}

// setSession gives the browser its session id: HttpOnly (no script reads
// it), SameSite=Strict (no other site's link or form sends it), and no
// Max-Age, so that closing the browser ends it too; the server ends it
// after its idle or absolute timeout whatever the browser keeps.
func setSession(w http.ResponseWriter, r *http.Request, s *account.Session) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName(r), Value: s.ID, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName(r), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

// clientOf is the caller's address for the sign-in limit.
func clientOf(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
