-- The catalogue as every instance should know it, when several share this database: each
-- instance brings its own search index up to date from here. `seq` orders the changes
-- (every write takes the next number), so an index that has applied everything up to N
-- needs only the rows after N.
CREATE TABLE catalogue_records (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX catalogue_records_seq ON catalogue_records(seq);
