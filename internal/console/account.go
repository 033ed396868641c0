package console

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"

	"github.com/ocopvn/estamp/internal/account"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/ratelimit"
)

const (
	signInPath   = Prefix + "signin"
	signOutPath  = Prefix + "signout"
	passwordPath = Prefix + "password"
)

// accountRoutes are the pages of anyone's own account.
func accountRoutes() []Route {
	return []Route{
		{Method: "GET", Path: Prefix + "{$}", serve: (*Handler).home},
		{Method: "GET", Path: signInPath, Public: true, serve: (*Handler).signInPage},
		{Method: "POST", Path: signInPath, Public: true, serve: (*Handler).signIn},
		{Method: "POST", Path: signOutPath, serve: (*Handler).signOut},
		{Method: "GET", Path: passwordPath, serve: (*Handler).passwordPage},
		{Method: "POST", Path: passwordPath, serve: (*Handler).changePassword},
		{Method: "GET", Path: Prefix + "lang", Public: true, serve: (*Handler).switchLanguage},
	}
}

// home sends a signed-in person to their role's start page.
func (h *Handler) home(rq *Request) error {
	http.Redirect(rq.W, rq.R, homeOf(rq.Role()), http.StatusSeeOther)
	return nil
}

type signInData struct {
	Username string
	Next     string
}

func (h *Handler) signInPage(rq *Request) error {
	p := &Page{Title: "signin.title", Data: signInData{Next: localPath(rq.R.URL.Query().Get("next"))}}
	if rq.R.URL.Query().Get("done") == "signedout" {
		p.Notice = h.words.say(rq.Lang, "signedout")
	}
	return h.render(rq, http.StatusOK, "signin", p)
}

// signIn checks the form. A form posted without a session carries no
// CSRF token to check; Cross-Origin protection (ServeHTTP) and
// SameSite=Strict keep other sites from signing someone in as someone
// else.
func (h *Handler) signIn(rq *Request) error {
	username, password := rq.R.PostFormValue("username"), rq.R.PostFormValue("password")
	next := localPath(rq.R.PostFormValue("next"))
	sess, err := h.cfg.Accounts.SignIn(rq.R.Context(), username, password, clientOf(rq.R))
	if err != nil {
		p := &Page{Title: "signin.title", Data: signInData{Username: username, Next: next}}
		var limited *ratelimit.ExceededError
		switch {
		case errors.Is(err, account.ErrBadCredentials):
			p.Problem = h.words.say(rq.Lang, "signin.bad")
			return h.render(rq, http.StatusUnauthorized, "signin", p)
		case errors.As(err, &limited):
			p.Problem = (&Page{rq: rq, words: h.words}).Tf("signin.limited", waitText(limited.RetryAfter, rq.Lang))
			rq.W.Header().Set("Retry-After", retryAfter(limited.RetryAfter))
			return h.render(rq, http.StatusTooManyRequests, "signin", p)
		}
		return err
	}
	setSession(rq.W, rq.R, sess)
	if sess.Account.MustChangePassword {
		next = passwordPath
	} else if next == Prefix {
		next = homeOf(estampRole(sess))
	}
	http.Redirect(rq.W, rq.R, next, http.StatusSeeOther)
	return nil
}

func (h *Handler) signOut(rq *Request) error {
	if err := h.cfg.Accounts.SignOut(rq.R.Context(), rq.Session.ID); err != nil {
		return err
	}
	clearSession(rq.W, rq.R)
	http.Redirect(rq.W, rq.R, signInPath+"?done=signedout", http.StatusSeeOther)
	return nil
}

func (h *Handler) passwordPage(rq *Request) error {
	return h.render(rq, http.StatusOK, "password", &Page{Title: "password.title", Data: rq.Session.Account.MustChangePassword})
}

func (h *Handler) changePassword(rq *Request) error {
	current, next, again := rq.R.PostFormValue("current_password"), rq.R.PostFormValue("new_password"), rq.R.PostFormValue("new_password_again")
	p := &Page{Title: "password.title", Data: rq.Session.Account.MustChangePassword}
	if next != again {
		p.Errors = map[string]string{"new_password_again": h.words.say(rq.Lang, "password.differ")}
		return h.render(rq, http.StatusBadRequest, "password", p)
	}
	sess, err := h.cfg.Accounts.ChangePassword(rq.R.Context(), rq.Session, current, next)
	if err != nil {
		var invalid *ocop.InvalidError
		var limited *ratelimit.ExceededError
		switch {
		case errors.As(err, &invalid):
			// The rule's words in the reader's language, next to the
			// field it is about.
			key := "password.rules"
			if invalid.Field == "current_password" {
				key = "password.wrong"
			}
			p.Errors = map[string]string{invalid.Field: h.words.say(rq.Lang, key)}
			return h.render(rq, http.StatusBadRequest, "password", p)
		case errors.As(err, &limited):
			p.Problem = (&Page{rq: rq, words: h.words}).Tf("signin.limited", waitText(limited.RetryAfter, rq.Lang))
			return h.render(rq, http.StatusTooManyRequests, "password", p)
		}
		return err
	}
	setSession(rq.W, rq.R, sess)
	rq.Session = sess
	http.Redirect(rq.W, rq.R, homeOf(estampRole(sess)), http.StatusSeeOther)
	return nil
}

// switchLanguage keeps the reader's language in a cookie and goes back.
func (h *Handler) switchLanguage(rq *Request) error {
	lang := ocop.VI
	if rq.R.URL.Query().Get("to") == string(ocop.EN) {
		lang = ocop.EN
	}
	http.SetCookie(rq.W, &http.Cookie{Name: "estamp-lang", Value: string(lang), Path: Prefix, MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: rq.R.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(rq.W, rq.R, localPath(rq.R.URL.Query().Get("back")), http.StatusSeeOther)
	return nil
}

func estampRole(s *account.Session) estampv1.Role { return estampv1.Role(s.Account.Role) }

// waitText says how long to wait, in minutes or seconds, as people say it.
func waitText(d time.Duration, lang ocop.Lang) string {
	if d >= time.Minute {
		m := int(math.Ceil(d.Minutes()))
		if lang == ocop.EN {
			if m == 1 {
				return "1 minute"
			}
			return strconv.Itoa(m) + " minutes"
		}
		return strconv.Itoa(m) + " phút"
	}
	s := max(1, int(math.Ceil(d.Seconds())))
	if lang == ocop.EN {
		return strconv.Itoa(s) + " seconds"
	}
	return strconv.Itoa(s) + " giây"
}

// retryAfter is a Retry-After header's seconds.
func retryAfter(d time.Duration) string { return strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))) }
