// Package generator is the cxhub source connector for synthetic data: it
// makes up customers and their interactions, as many and as large as its
// config says, and builds to the plugin binary cxhub-connector-generator
// (see cmd/cxhub-connector-generator).
//
// It is for load tests (make bench measures the engine with it), for
// trying a pipeline's mapping and destination without a real source, and
// for demos. It is not a source of realistic data: names, companies and
// texts come from short fixed lists, and nothing in a record means
// anything.
//
// # Configuration
//
//	config:
//	  count: 100000      # records per stream; default 1000, 0 to 1e9
//	  record_size: 450   # bytes of each record's JSON; default 450, 300 to 65536
//	  seed: 1            # another seed gives other records; default 1
//
// # Streams
//
// customers (canonical kind customer) holds records keyed cus-00000001,
// cus-00000002... with id, email, first_name, last_name, phone, company,
// country, created_at, updated_at and a bio. interactions (canonical kind
// interaction) holds records keyed int-00000001... with id, customer_id
// (a customer that exists: interaction i belongs to one of customers 1 to
// i), type (ticket, comment, survey_response, order or fulfilment),
// status, subject, a score for a survey response, an amount for an order,
// created_at, updated_at and a body. The bio and the body pad each record
// to exactly record_size bytes. Text holds ASCII letters, digits and
// spaces only, so no record needs JSON escaping.
//
// Record i of a stream is a pure function of the seed, the stream, i and
// record_size: every read, in any process, gives the same bytes. Its
// UpdatedAt is its updated_at.
//
// # Reading
//
// A read emits the records in order, in batches of the batch size the
// core asks for (500 by default), with a checkpoint {"next":N} after each
// batch: every record before the N-th is done. A read from a checkpoint
// emits records N to count-1 only, so a read from the last checkpoint
// emits nothing, and one after count was raised emits only the new
// records. Lowering count does not take records back. A checkpoint that
// cannot be parsed is read from the start, with a warning. Check always
// succeeds for a valid config: there is no system to reach.
//
// Records are built with strconv and append into one buffer per batch, so
// that a read costs a few allocations per batch and none per record: the
// generator is meant to be much faster than anything it feeds.
package generator
