-- Test-only fixture: one column per supported key type, each read by a group loader.
CREATE TABLE key_samples (
    id     BIGINT NOT NULL PRIMARY KEY,
    small  SMALLINT NOT NULL,
    medium INT NOT NULL,
    label  VARCHAR(255) NOT NULL,
    uid    BINARY(16) NOT NULL,
    day    DATE NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
