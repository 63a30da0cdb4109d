namespace OpenBekenHub.Store;

/// <summary>
/// The schema, as an ordered list of steps. The database's <c>PRAGMA user_version</c> says how many have run;
/// start-up applies the rest, each in its own transaction, so an interrupted upgrade resumes cleanly.
/// Never edit a released step: append a new one.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: accounts, settings, devices
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            created_utc TEXT NOT NULL
        );
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_utc TEXT NOT NULL
        );
        CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            client_topic TEXT NOT NULL,
            mac TEXT,
            ip TEXT,
            build TEXT,
            chip TEXT,
            friendly_name TEXT,
            area TEXT,
            channels_json TEXT NOT NULL DEFAULT '[]',
            first_seen_utc TEXT NOT NULL,
            last_seen_utc TEXT NOT NULL
        );
        CREATE INDEX ix_devices_mac ON devices(mac);
        """,
        // 2: flashing: jobs and their steps, backups, firmware library
        """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            port TEXT,
            state TEXT NOT NULL,
            request_json TEXT NOT NULL,
            error TEXT,
            created_utc TEXT NOT NULL,
            updated_utc TEXT NOT NULL
        );
        CREATE TABLE job_steps (
            job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            step TEXT NOT NULL,
            outcome TEXT NOT NULL,
            detail TEXT,
            at_utc TEXT NOT NULL,
            PRIMARY KEY (job_id, step)
        );
        CREATE TABLE backups (
            id TEXT PRIMARY KEY,
            file_name TEXT NOT NULL,
            chip TEXT NOT NULL,
            flash_id TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            crc TEXT,
            port TEXT,
            created_utc TEXT NOT NULL
        );
        CREATE TABLE firmware (
            id TEXT PRIMARY KEY,
            file_name TEXT NOT NULL,
            kind TEXT NOT NULL,
            chip TEXT,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            verdict TEXT NOT NULL,
            uploaded_utc TEXT NOT NULL
        );
        """,
        // 3: API tokens for scripts, provisioning profiles (secrets encrypted by Data Protection)
        """
        CREATE TABLE api_tokens (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_utc TEXT NOT NULL,
            last_used_utc TEXT
        );
        CREATE TABLE provisioning_profiles (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            json TEXT NOT NULL,
            secrets_protected TEXT NOT NULL,
            updated_utc TEXT NOT NULL
        );
        """,
        // 4: the bridge's full device record (roles, legacy HA ids, names) as JSON beside the indexed columns
        """
        ALTER TABLE devices ADD COLUMN record_json TEXT;
        ALTER TABLE devices ADD COLUMN short_name TEXT;
        CREATE INDEX ix_devices_client_topic ON devices(client_topic);
        """,
        // 5: web sessions (a login cookie is valid only while its row exists: logout deletes it, a password change
        // or reset deletes all of the user's) and API token scopes (tokens made before scopes were full admin)
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_utc TEXT NOT NULL,
            last_seen_utc TEXT NOT NULL
        );
        CREATE INDEX ix_sessions_user ON sessions(user_id);
        ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin';
        """,
        // 6: a flash step's typed result (backup path, pins, client topic) beside its detail line, for resume and the API
        """
        ALTER TABLE job_steps ADD COLUMN result_json TEXT;
        """,
        // 7: power/energy history per metering plug: 1-minute rows for 7 days, hourly rows for a year (History/)
        """
        CREATE TABLE history_series (
            id INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL UNIQUE
        );
        CREATE TABLE history_minute (
            series INTEGER NOT NULL,
            t INTEGER NOT NULL,
            power_dw INTEGER,
            energy_dwh INTEGER,
            PRIMARY KEY (series, t)
        ) WITHOUT ROWID;
        CREATE TABLE history_hour (
            series INTEGER NOT NULL,
            t INTEGER NOT NULL,
            power_dw INTEGER,
            energy_dwh INTEGER,
            PRIMARY KEY (series, t)
        ) WITHOUT ROWID;
        """,
        // 8: OTA: firmware version/variant from the .rbl build literal; staged rollouts and their per-plug results
        // (the LittleFS backup is kept until the plug is done, so a hub restart can still restore it)
        """
        ALTER TABLE firmware ADD COLUMN version TEXT;
        ALTER TABLE firmware ADD COLUMN variant TEXT;
        CREATE INDEX ix_firmware_sha256 ON firmware(sha256);
        CREATE TABLE rollouts (
            id TEXT PRIMARY KEY,
            firmware_id TEXT NOT NULL,
            state TEXT NOT NULL,
            settings_json TEXT NOT NULL,
            note TEXT,
            created_utc TEXT NOT NULL,
            updated_utc TEXT NOT NULL
        );
        CREATE TABLE rollout_devices (
            rollout_id TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
            device_id TEXT NOT NULL,
            name TEXT NOT NULL,
            wave INTEGER NOT NULL,
            position INTEGER NOT NULL,
            result TEXT NOT NULL,
            reason TEXT,
            from_version TEXT,
            to_version TEXT,
            lfs_backup BLOB,
            updated_utc TEXT NOT NULL,
            PRIMARY KEY (rollout_id, device_id)
        );
        """,
        // 9: plug configuration backups (versions only when the content changed), backup runs, and replacement plugs'
        // Home Assistant unique-id aliases
        """
        CREATE TABLE config_versions (
            device_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            content_sha256 TEXT NOT NULL,
            json TEXT NOT NULL,
            source TEXT NOT NULL,
            created_utc TEXT NOT NULL,
            PRIMARY KEY (device_id, version)
        );
        CREATE TABLE config_checks (
            device_id TEXT PRIMARY KEY,
            checked_utc TEXT NOT NULL,
            outcome TEXT NOT NULL,
            detail TEXT
        );
        CREATE TABLE config_runs (
            id INTEGER PRIMARY KEY,
            trigger TEXT NOT NULL,
            started_utc TEXT NOT NULL,
            finished_utc TEXT NOT NULL,
            created INTEGER NOT NULL,
            unchanged INTEGER NOT NULL,
            failed INTEGER NOT NULL
        );
        CREATE TABLE unique_id_aliases (
            device_id TEXT PRIMARY KEY,
            unique_id_base TEXT NOT NULL,
            replaced_device_id TEXT NOT NULL,
            created_utc TEXT NOT NULL
        );
        """,
        // 10: a replacement plug keeps the replaced plug's legacy (OpenBeken discovery) unique ids, as JSON
        """
        ALTER TABLE unique_id_aliases ADD COLUMN legacy_unique_ids TEXT;
        """,
    ];

    public static int LatestVersion => Steps.Count;
}
