-- Test-only fixture: one column per supported key type, each read by a group loader.
-- sqlx stores i16/i32 as INTEGER, Uuid as a 16-byte BLOB and NaiveDate as 'YYYY-MM-DD' text.
CREATE TABLE key_samples (
    id     INTEGER PRIMARY KEY NOT NULL,
    small  INTEGER NOT NULL,
    medium INTEGER NOT NULL,
    label  TEXT NOT NULL,
    uid    BLOB NOT NULL,
    day    DATE NOT NULL
);
