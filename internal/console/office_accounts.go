package console

import (
	"net/http"
	"strings"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// officeAccountRoutes are the office's pages for people's console
// accounts.
func officeAccountRoutes() []Route {
	return []Route{
		{Method: "GET", Path: officeHome + "/accounts", Roles: office, serve: (*Handler).accountsPage},
		{Method: "POST", Path: officeHome + "/accounts", Roles: office, serve: (*Handler).createAccount},
		{Method: "POST", Path: officeHome + "/accounts/{username}/reset", Roles: office, serve: (*Handler).resetAccount},
		{Method: "POST", Path: officeHome + "/accounts/{username}/disable", Roles: office, serve: (*Handler).disableAccount},
	}
}

type accountsData struct {
	Accounts  []*estampv1.Account
	Producers []*estampv1.Producer
	Retailers []*estampv1.Retailer
	// Form is what was typed into the create form, kept when it is shown
	// again with errors.
	Form map[string]string
	// Created is an account just created or reset, with its one-time
	// password, shown this once.
	Created  *estampv1.Account
	Password string
	Next     string
}

// accountsData reads the accounts, producers and retailers (the first
// pages: a province has hundreds, not thousands).
func (h *Handler) accountsData(rq *Request) (*accountsData, error) {
	ctx := rq.Ctx()
	accts, err := h.api.admin.ListAccounts(ctx, &estampv1.ListAccountsRequest{PageSize: 1000})
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
	return &accountsData{Accounts: accts.Accounts, Producers: producers.Producers, Retailers: retailers.Retailers, Next: accts.NextPageToken, Form: map[string]string{}}, nil
}

func (h *Handler) accountsPage(rq *Request) error {
	d, err := h.accountsData(rq)
	if err != nil {
		return err
	}
	return h.render(rq, http.StatusOK, "office/accounts", &Page{Title: "nav.office.accounts", Data: d})
}

// roles a form may choose, by the value the form sends.
var formRoles = map[string]estampv1.Role{
	"admin": estampv1.Role_ROLE_ADMIN, "producer": estampv1.Role_ROLE_PRODUCER, "retailer": estampv1.Role_ROLE_RETAILER,
}

func (h *Handler) createAccount(rq *Request) error {
	r := rq.R
	form := map[string]string{}
	for _, f := range []string{"username", "display_name", "role", "producer_id", "retailer_id"} {
		form[f] = strings.TrimSpace(r.PostFormValue(f))
	}
	req := &estampv1.CreateAccountRequest{Username: strings.ToLower(form["username"]), DisplayName: form["display_name"], Role: formRoles[form["role"]]}
	req.ProducerId, req.RetailerId = subjectOf(req.Role, form["producer_id"], form["retailer_id"])
	resp, err := h.api.admin.CreateAccount(rq.Ctx(), req)
	d, derr := h.accountsData(rq)
	if derr != nil {
		return derr
	}
	if err != nil {
		fields, ok := h.formErrors(rq, err)
		if !ok {
			return err
		}
		d.Form = form
		return h.render(rq, http.StatusBadRequest, "office/accounts", &Page{Title: "nav.office.accounts", Data: d, Errors: fields, Problem: fields[""]})
	}
	d.Created, d.Password = resp.Account, resp.Password
	return h.render(rq, http.StatusOK, "office/accounts", &Page{Title: "nav.office.accounts", Data: d, Notice: h.words.say(rq.Lang, "accounts.created")})
}

func (h *Handler) resetAccount(rq *Request) error {
	resp, err := h.api.admin.ResetAccountPassword(rq.Ctx(), &estampv1.ResetAccountPasswordRequest{Username: rq.R.PathValue("username")})
	if err != nil {
		return err
	}
	d, err := h.accountsData(rq)
	if err != nil {
		return err
	}
	d.Created, d.Password = resp.Account, resp.Password
	return h.render(rq, http.StatusOK, "office/accounts", &Page{Title: "nav.office.accounts", Data: d, Notice: h.words.say(rq.Lang, "accounts.reset.done")})
}

func (h *Handler) disableAccount(rq *Request) error {
	if rq.R.PostFormValue("confirm") != "yes" {
		return &fieldError{Field: "confirm", Key: "accounts.disable.confirm"}
	}
	if _, err := h.api.admin.DisableAccount(rq.Ctx(), &estampv1.DisableAccountRequest{Username: rq.R.PathValue("username")}); err != nil {
		return err
	}
	http.Redirect(rq.W, rq.R, officeHome+"/accounts", http.StatusSeeOther)
	return nil
}
