package store

// Every bucket of the database and the schema version live here, so that a
// reader sees the whole on-disk layout in one place. Keys are big-endian
// where numeric, so that bbolt's byte order is numeric order.
var (
	// meta holds schemaVersionKey and the counters below.
	bucketMeta = []byte("meta")
	// producers: producer id -> estamp.v1.Producer (protobuf).
	bucketProducers = []byte("producers")
	// products: product id -> estamp.v1.Product (protobuf).
	bucketProducts = []byte("products")
	// productNumbers: product number (uint32) -> product id.
	bucketProductNumbers = []byte("product_numbers")
	// batches: batch id (uint64) -> estamp.v1.Batch (protobuf).
	bucketBatches = []byte("batches")
	// productBatches: product id, 0x00, batch id (uint64) -> empty. Lists a
	// product's batches in issue order.
	bucketProductBatches = []byte("product_batches")
	// requests: issuance request id -> batch id (uint64). Makes retries
	// return the batch the first attempt issued.
	bucketRequests = []byte("requests")
	// stamps: serial (uint64) -> stampState (see stamps.go). Written on
	// first scan or revocation; an issued stamp never scanned has no entry.
	bucketStamps = []byte("stamps")

	allBuckets = [][]byte{
		bucketMeta, bucketProducers, bucketProducts, bucketProductNumbers,
		bucketBatches, bucketProductBatches, bucketRequests, bucketStamps,
	}
)

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
)

// schemaVersion is the layout this code reads and writes. Bump it with a
// migration when a bucket or an encoding changes incompatibly.
const schemaVersion = 1
