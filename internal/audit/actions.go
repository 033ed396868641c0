package audit

// Action is what a change did, as the audit log names it.
//
// This file lists every action estamp writes, so that one place says what
// the log can hold; `estamp admin audit list` shows them as they are. The
// names are stored in entries whose hashes chain the log: never rename one,
// only add.
type Action string

// The registry: RegistryService.
const (
	ProducerCreate    Action = "producer.create"
	ProductCreate     Action = "product.create"
	CertificateRenew  Action = "certificate.renew"
	CertificateRevoke Action = "certificate.revoke"
	RetailerCreate    Action = "retailer.create"
	// ProductPhoto is a product's photo set, replaced or taken away.
	ProductPhoto Action = "product.photo"
	// ProductDescription is a product's description set or cleared.
	ProductDescription Action = "product.description"
)

// Issuance and revocation: IssuanceService.
const (
	StampsIssue Action = "stamps.issue"
	// BatchRevoke is a recall of a whole batch.
	BatchRevoke Action = "batch.revoke"
	// StampsRevoke is the revocation of single stamps, by serial.
	StampsRevoke Action = "stamps.revoke"
	// StampsActivate binds stamps printed ahead to the lot they were put
	// on at packing.
	StampsActivate Action = "stamps.activate"
)

// Custody: CustodyService. One entry per delivery, and per sale, with its
// counts.
const (
	DeliveryReceive Action = "delivery.receive"
	// StampsSell is a shop's sale of stamps at its till (RecordSale).
	StampsSell Action = "stamps.sell"
	// ReceiptsReport is another province's report of its shops' receipts
	// of this issuer's stamps (ReportReceipts), with its counts; a report
	// sent again that records nothing new has none.
	ReceiptsReport Action = "receipts.report"
)

// Flags of stamps that look copied: InsightService. The office marks
// one reviewed.
const (
	FlagReview Action = "flag.review"
)

// Tokens and issuer keys: AdminService, and the first admin token estampd
// writes on its first start.
const (
	TokenCreate   Action = "token.create"
	TokenRevoke   Action = "token.revoke"
	KeyRotate     Action = "key.rotate"
	KeyRetire     Action = "key.retire"
	KeyCompromise Action = "key.compromise"
)

// Console accounts: AdminService, and the console's sign-in and password
// pages.
const (
	AccountCreate        Action = "account.create"
	AccountPasswordReset Action = "account.password_reset"
	AccountDisable       Action = "account.disable"
	// AccountPasswordChange is a person changing their own password.
	AccountPasswordChange Action = "account.password_change"
	// AccountSignInFail is a refused sign-in: wrong password, unknown or
	// disabled account, or too many attempts.
	AccountSignInFail Action = "account.signin_fail"
)

// The store's own schema migrations, by the server at the store's clock.
const (
	SchemaUpgrade Action = "schema.upgrade"
)
