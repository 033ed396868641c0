package store

import (
	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// Every bucket of the database and the schema version live here, so that a
// reader sees the whole on-disk layout in one place. Keys are big-endian
// where numeric, so that bbolt's byte order is numeric order. Values are
// estamp.storage.v1 messages (protobuf): the database's own, whatever
// becomes of the public API.
var (
	// meta holds schemaVersionKey and the counters below.
	bucketMeta = []byte("meta")
	// producers: producer id -> estamp.storage.v1.ProducerRecord.
	bucketProducers = []byte("producers")
	// products: product id -> estamp.storage.v1.ProductRecord.
	bucketProducts = []byte("products")
	// productNumbers: product number (uint32) -> product id.
	bucketProductNumbers = []byte("product_numbers")
	// batches: batch id (uint64) -> estamp.storage.v1.BatchRecord.
	bucketBatches = []byte("batches")
	// productBatches: product id, 0x00, batch id (uint64) -> empty. Lists a
	// product's batches in issue order.
	bucketProductBatches = []byte("product_batches")
	// requests: producer id, 0x00, issuance request id -> batch id
	// (uint64). Makes retries return the batch the first attempt issued;
	// each producer has its own request ids.
	bucketRequests = []byte("requests")
	// stamps: serial (uint64) -> estamp.storage.v1.StampState (protobuf).
	// Written on first scan, intake, sale or revocation; an issued stamp
	// nobody touched has no entry. A sold stamp's state holds its sale:
	// the shop and the time, which is all its history and the
	// traceability exports ask of it. A revoked stamp's state names the version of
	// its revocation-list entry, which holds the time, reason and actor.
	bucketStamps = []byte("stamps")
	// recentStamps: serial (uint64) -> estamp.storage.v1.StampState, as
	// stamps: the states written since they were last settled (schema
	// 8). A stamp's state is here if it is anywhere here, else in stamps;
	// every write of a state goes here, and settling (states.go) moves
	// them to stamps in bulk once there are too many. Scans go to the
	// stamps scanned lately, so folding them rewrites the leaves of this
	// small tree, not a leaf of the whole registry's for every scan.
	bucketRecentStamps = []byte("recent_stamps")
	// retailers: retailer id -> estamp.storage.v1.RetailerRecord.
	bucketRetailers = []byte("retailers")
	// batchRanges: first serial of a batch (uint64) -> batch id (uint64).
	// Finds the batch of a serial with one cursor seek.
	bucketBatchRanges = []byte("batch_ranges")
	// revocations: version (uint64) -> estamp.storage.v1.RevocationRecord
	// (protobuf): the estamp.v1.RevocationEntry the list publishes, and
	// who asked. The revocation list offline verifiers sync by version:
	// one entry per revoked batch, per batch of revoked serials (as
	// ranges), and per certificate change. Entries are only ever added.
	bucketRevocations = []byte("revocations")
	// baseURLs: first batch id (uint64) -> base URL (upper-cased, without
	// "/V/") of that batch and the batches after it, up to the next key:
	// the addresses offline verifiers accept codes under.
	bucketBaseURLs = []byte("base_urls")
	// activations: batch id (uint64), first serial (uint64) -> version
	// (uint64) of the revocation-list entry that activated the range
	// starting there: finds a serial's activation with one cursor seek.
	// The entry holds the range, lot and dates once, for the service and
	// offline verifiers alike. Only batches issued without a lot have any.
	bucketActivations = []byte("activations")

	// tokens: token id -> estamp.storage.v1.TokenRecord (protobuf), with
	// the SHA-256 of the secret, never the secret.
	bucketTokens = []byte("tokens")
	// keyStates: key id (8 hex digits) -> estamp.storage.v1.KeyState
	// (protobuf): retired or compromised issuer keys.
	bucketKeyStates = []byte("key_states")
	// audit: sequence (uint64) -> SHA-256 of the record || the record, an
	// estamp.storage.v1.AuditRecord (protobuf) holding the previous hash
	// and the hashes of the records the change wrote.
	bucketAudit = []byte("audit")
	// accounts: username -> estamp.storage.v1.AccountRecord (protobuf),
	// with the Argon2id hash of the password, never the password.
	bucketAccounts = []byte("accounts")
	// sessions: SHA-256 of a session id -> estamp.storage.v1.SessionRecord
	// (protobuf). Not audited: sessions come and go with every sign-in;
	// the account changes that end them are.
	bucketSessions = []byte("sessions")
	// photos: SHA-256 of an image file -> the file: products' photos
	// (JPEG or PNG), which the product records name. Not audited itself:
	// a product's audited record holds the sum, which the bytes must
	// match.
	bucketPhotos = []byte("photos")

	// The counters of InsightService (insight.go): what a
	// report needs, kept up to date in the commits that record scans,
	// intakes and issuance, so that no report walks the stamps. They are
	// derived (schema 7 backfilled them from the stamps' states) and not
	// audited.
	//
	// scanDays: batch id (uint64), day (uint32, days since 1970-01-01 in
	// Vietnam, ocop.Day) -> estamp.storage.v1.ScanCounts: the batch's
	// scans that day, and its stamps first scanned that day.
	bucketScanDays = []byte("scan_days")
	// batchScans: batch id (uint64) -> estamp.storage.v1.ScanCounts: the
	// batch's scans ever, and its stamps scanned at least once.
	bucketBatchScans = []byte("batch_scans")
	// days: day (uint32, as in scan_days) -> estamp.storage.v1.DayCounts:
	// the whole service's scans and issuance that day.
	bucketDays = []byte("days")
	// flags: serial (uint64) -> estamp.storage.v1.FlagRecord: a stamp that
	// looks copied (many scans, or a second retailer's intake).
	bucketFlags = []byte("flags")
	// deliveries: retailer id, 0x00, delivery id (uint64) ->
	// estamp.storage.v1.DeliveryRecord: one intake of a retailer, with
	// the codes it did not accept. Ids come from keyNextDelivery, one
	// sequence for every retailer.
	bucketDeliveries = []byte("deliveries")
	// shopReceipts: producer id, 0x00, product id, 0x00, retailer id ->
	// estamp.storage.v1.ShopReceipts: what the retailer received of the
	// product. A producer's shops are one prefix, a product's another.
	bucketShopReceipts = []byte("shop_receipts")
	// Stamps of other provinces (docs/trust-list.md §9). Added without a
	// schema change: a bucket that is missing is created empty at open,
	// and an older estampd never reads them.
	//
	// foreignCustody: issuer id, 0x00, serial (uint64) ->
	// estamp.storage.v1.StampState (receipts and sale only): custody of
	// another province's stamp at this province's shops.
	bucketForeignCustody = []byte("foreign_custody")
	// receiptOutbox: receipt id (uint64, from the bucket's sequence) ->
	// estamp.storage.v1.OutboundReceipt: receipts of other provinces'
	// stamps not yet reported to their issuer; removed once reported.
	bucketReceiptOutbox = []byte("receipt_outbox")
	// foreignShops: issuer id, ":", retailer id ->
	// estamp.storage.v1.ForeignShop: shops of other provinces that took
	// in this issuer's stamps, as their provinces reported them. Their
	// receipts in stamp states carry the same "issuer:retailer" id.
	bucketForeignShops = []byte("foreign_shops")
	// reportedReceipts: sending issuer id, ":", receipt id (uint64) ->
	// estamp.storage.v1.ReportedReceipt: the answer to each receipt
	// another province reported, so that a report sent again changes
	// nothing and is answered the same.
	bucketReportedReceipts = []byte("reported_receipts")

	allBuckets = [][]byte{
		bucketMeta, bucketProducers, bucketProducts, bucketProductNumbers,
		bucketBatches, bucketProductBatches, bucketRequests, bucketStamps, bucketRecentStamps,
		bucketRetailers, bucketBatchRanges, bucketRevocations, bucketBaseURLs, bucketActivations,
		bucketTokens, bucketKeyStates, bucketAudit, bucketAccounts,
		bucketSessions, bucketPhotos,
		bucketScanDays, bucketBatchScans, bucketDays, bucketFlags, bucketDeliveries, bucketShopReceipts,
		bucketForeignCustody, bucketReceiptOutbox, bucketForeignShops, bucketReportedReceipts,
	}

	// The kinds of records kept by id, each in its bucket, with what
	// errors and `audit verify` call one of them.
	producerKind = kind{bucketProducers, "producer"}
	productKind  = kind{bucketProducts, "product"}
	retailerKind = kind{bucketRetailers, "retailer"}
	batchKind    = kind{bucketBatches, "batch"}
	tokenKind    = kind{bucketTokens, "token"}
	keyStateKind = kind{bucketKeyStates, "key state"}
	accountKind  = kind{bucketAccounts, "account"}

	// auditedKinds are the records every change of which the audit log
	// hashes: `audit verify` checks that each stored record hashes to what
	// its latest entry says.
	auditedKinds = []kind{producerKind, productKind, retailerKind, batchKind, tokenKind, keyStateKind, accountKind}

	// The records kept by id as the store's callers see them (estamp.v1,
	// or a token as stored) and as their buckets hold them, with the
	// conversions between the two (records.go).
	producerTable = table[*estampv1.Producer, *storagev1.ProducerRecord]{producerKind, producerRecord, producerOf}
	productTable  = table[*estampv1.Product, *storagev1.ProductRecord]{productKind, productRecord, productOf}
	retailerTable = table[*estampv1.Retailer, *storagev1.RetailerRecord]{retailerKind, retailerRecord, retailerOf}
	batchTable    = table[*estampv1.Batch, *storagev1.BatchRecord]{batchKind, batchRecord, batchOf}
	tokenTable    = table[*storagev1.TokenRecord, *storagev1.TokenRecord]{tokenKind, same[*storagev1.TokenRecord], sameOf[*storagev1.TokenRecord]}
	accountTable  = table[*storagev1.AccountRecord, *storagev1.AccountRecord]{accountKind, same[*storagev1.AccountRecord], sameOf[*storagev1.AccountRecord]}
)

// kind is one kind of record kept by id in its own bucket; name is what
// errors and `audit verify` call a record of it.
type kind struct {
	bucket []byte
	name   string
}

// Keys in bucketMeta.
var (
	keySchemaVersion = []byte("schema_version")
	// keyNextSerial is the next unissued serial (uint64). Serials are
	// allocated in the transaction that stores their batch, so a crash
	// before commit leaves them unissued and a crash after keeps them.
	keyNextSerial = []byte("next_serial")
	// keyNextBatch is the next batch id (uint64).
	keyNextBatch = []byte("next_batch")
	// keyNextProductNumber is the next product number (uint64).
	keyNextProductNumber = []byte("next_product_number")
	// keyNextRevocation is the next revocation-list version (uint64).
	keyNextRevocation = []byte("next_revocation")
	// keyNextAudit is the next audit-log sequence number (uint64).
	keyNextAudit = []byte("next_audit")
	// keyAuditHead is the SHA-256 of the newest audit record.
	keyAuditHead = []byte("audit_head")
	// keyNextDelivery is the next delivery id (uint64).
	keyNextDelivery = []byte("next_delivery")
	// keyScanJournalID is the scan journal's id (16 random bytes, written
	// when the database first has a journal, journal.go): every segment's
	// header holds it, so that the journal of another database is never
	// folded into this one.
	keyScanJournalID = []byte("scan_journal_id")
	// keyScansFolded is how far the scan journal is folded into the
	// stamps and counters: the segment (uint64) and byte offset (uint64)
	// of the first record not folded. It moves in the transaction that
	// folds the records before it, so that a crash between that commit
	// and the deletion of their segment never folds them twice. Added
	// without a schema change: a database without it has no journal.
	keyScansFolded = []byte("scans_folded")
)

// schemaVersion is the layout this code reads and writes. Bump it with a
// migration (migrate.go) when a bucket or an encoding changes
// incompatibly.
//
//	1: first release.
//	2: stamp states as protobuf with custody and daily scans; retailers,
//	   batch ranges and the revocation list.
//	3: API tokens, issuer key states and the audit log.
//	4: request ids per producer; base URLs by batch; certificates in the
//	   revocation list; audit entries hash the records they write.
//	5: revocation-list entries as RevocationRecord (with the actor), and
//	   serials as ranges, one entry per batch a request revokes; revoked
//	   stamp states refer to their entry instead of copying its reason.
//	6: producers, products, retailers and batches as their own
//	   estamp.storage.v1 records instead of the estamp.v1 messages.
//	7: InsightService's counters: scans per batch and day, the service's
//	   days, flags of stamps that look copied, deliveries, and what each
//	   shop received of each product.
//	8: stamp states written lately in recentStamps, over stamps.
const schemaVersion = 8
