-- Counts of attempts per key (a hash: never an address or a name in clear) in fixed
-- windows, shared by every instance on the database. Rows outlive their window by one.
CREATE TABLE allowance_windows (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX allowance_windows_start ON allowance_windows (window_start);
