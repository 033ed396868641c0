package console

import (
	"net/http"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// officeTokenRoutes are the office's pages of API tokens: what machines
// (a producer's printing software, a shop's till) call the API with.
func officeTokenRoutes() []Route {
	return []Route{
		{Method: "GET", Path: officeHome + "/tokens", Roles: office, serve: (*Handler).tokensPage},
		{Method: "POST", Path: officeHome + "/tokens", Roles: office, serve: (*Handler).createToken},
		{Method: "POST", Path: officeHome + "/tokens/{token}/revoke", Roles: office, serve: (*Handler).revokeToken},
	}
}

var tokenFields = []string{"role", "producer_id", "retailer_id", "description"}

// subjectOf is whom a token or an account of a role acts for, of the two
// lists a form shows: only the one the role needs is sent, so that a
// choice left in the other list is not taken for a mistake.
func subjectOf(role estampv1.Role, producer, retailer string) (producerID, retailerID string) {
	switch role {
	case estampv1.Role_ROLE_PRODUCER:
		return producer, ""
	case estampv1.Role_ROLE_RETAILER:
		return "", retailer
	}
	return "", ""
}

type tokensData struct {
	Tokens    []*estampv1.Token
	Next      string
	Producers []*estampv1.Producer
	Retailers []*estampv1.Retailer
	Form      *form
	// Created is a token just made, with its secret, shown this once.
	Created *estampv1.Token
	Secret  string
	// Revoke is the revocation form of the token Failed, refused.
	Revoke *form
	Failed string
}

func (h *Handler) tokensData(rq *Request, f *form) (*tokensData, error) {
	ctx := rq.Ctx()
	list, err := h.api.admin.ListTokens(ctx, &estampv1.ListTokensRequest{PageSize: listSize, PageToken: rq.R.URL.Query().Get("page")})
	if err != nil {
		return nil, err
	}
	producers, err := h.api.registry.ListProducers(ctx, &estampv1.ListProducersRequest{PageSize: 1000})
	if err != nil {
		return nil, err
	}
	retailers, err := h.api.registry.ListRetailers(ctx, &estampv1.ListRetailersRequest{PageSize: 1000})
	if err != nil {
		return nil, err
	}
	return &tokensData{Tokens: list.Tokens, Next: list.NextPageToken, Producers: producers.Producers, Retailers: retailers.Retailers, Form: f, Revoke: newForm()}, nil
}

func (h *Handler) tokensPage(rq *Request) error {
	d, err := h.tokensData(rq, newForm(tokenFields...))
	if err != nil {
		return err
	}
	notice := h.done(rq, map[string]string{"revoked": "tokens.revoked"})
	return h.render(rq, http.StatusOK, "office/tokens", &Page{Title: "nav.office.tokens", Data: d, Notice: notice})
}

// createToken shows the new token's secret on the page that answers the
// form, not after a redirect: the secret is nowhere else to be read
// again.
func (h *Handler) createToken(rq *Request) error {
	f := readForm(rq.R, tokenFields...)
	role := formRoles[f.Value("role")]
	producer, retailer := subjectOf(role, f.Value("producer_id"), f.Value("retailer_id"))
	resp, err := h.api.admin.CreateToken(rq.Ctx(), &estampv1.CreateTokenRequest{Role: role, ProducerId: producer, RetailerId: retailer, Description: f.Value("description")})
	var problem string
	if err != nil {
		var ok bool
		if problem, ok = h.refused(rq, err, f); !ok {
			return err
		}
	}
	d, derr := h.tokensData(rq, f)
	if derr != nil {
		return derr
	}
	if err != nil {
		return h.render(rq, http.StatusBadRequest, "office/tokens", &Page{Title: "nav.office.tokens", Data: d, Problem: problem})
	}
	d.Form = newForm(tokenFields...)
	d.Created, d.Secret = resp.Token, resp.Secret
	return h.render(rq, http.StatusOK, "office/tokens", &Page{Title: "nav.office.tokens", Data: d, Notice: h.words.say(rq.Lang, "tokens.created")})
}

func (h *Handler) revokeToken(rq *Request) error {
	id := rq.R.PathValue("token")
	f := newForm("confirm")
	var problem string
	if h.confirmed(rq, f) {
		_, err := h.api.admin.RevokeToken(rq.Ctx(), &estampv1.RevokeTokenRequest{Id: id})
		if err == nil {
			http.Redirect(rq.W, rq.R, officeHome+"/tokens?done=revoked", http.StatusSeeOther)
			return nil
		}
		var ok bool
		if problem, ok = h.refused(rq, err, f); !ok {
			return err
		}
	}
	d, err := h.tokensData(rq, newForm(tokenFields...))
	if err != nil {
		return err
	}
	d.Revoke, d.Failed = f, id
	return h.render(rq, http.StatusBadRequest, "office/tokens", &Page{Title: "nav.office.tokens", Data: d, Problem: problem})
}
