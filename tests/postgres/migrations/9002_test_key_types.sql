-- Test-only fixture: one column per supported key type, each read by a group loader.
CREATE TYPE mood AS ENUM ('calm', 'curious', 'grumpy');

CREATE TABLE key_samples (
    id     BIGINT PRIMARY KEY,
    small  SMALLINT NOT NULL,
    medium INTEGER NOT NULL,
    label  TEXT NOT NULL,
    uid    UUID NOT NULL,
    day    DATE NOT NULL,
    mood   mood NOT NULL
);
