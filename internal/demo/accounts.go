package demo

import (
	"context"
	"fmt"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// Accounts are console accounts for the demo: one for each kind of person
// the console serves, so that the first hour can try every part of it.
var Accounts = []*estampv1.CreateAccountRequest{
	{Username: "vanphong", DisplayName: "Văn phòng OCOP Thanh Hóa", Role: estampv1.Role_ROLE_ADMIN},
	{Username: "chelam", DisplayName: "Hộ kinh doanh Chè lam Phủ Quảng", Role: estampv1.Role_ROLE_PRODUCER, ProducerId: "HKD-CHE-LAM-PHU-QUANG"},
	{Username: "cuahang", DisplayName: "Cửa hàng OCOP Hạc Thành", Role: estampv1.Role_ROLE_RETAILER, RetailerId: "CH-OCOP-HAC-THANH"},
}

// AccountCreator is the part of AdminService that makes accounts.
type AccountCreator interface {
	CreateAccount(context.Context, *estampv1.CreateAccountRequest) (*estampv1.CreateAccountResponse, error)
}

// SeedAccounts creates the demo accounts and returns them with their
// one-time passwords, for the operator to read.
func SeedAccounts(ctx context.Context, admin AccountCreator) ([]*estampv1.CreateAccountResponse, error) {
	var out []*estampv1.CreateAccountResponse
	for _, a := range Accounts {
		resp, err := admin.CreateAccount(ctx, clone(a))
		if err != nil {
			return nil, fmt.Errorf("demo account %s: %w", a.Username, err)
		}
		out = append(out, resp)
	}
	return out, nil
}
