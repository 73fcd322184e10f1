//! Assertions shared by the smoke tests: what every backend's run must report.

use botfeed::Report;

/// Statements of the Chinook workloads, exact: they follow from the data set (412 invoices
/// with 2,240 lines; 18 playlists, 14 of them non-empty, with 8,715 entries in all).
/// Naive invoice: invoice, customer, lines, then track, album, artist, genre, media type per
/// line; batched: 8 loader statements. Naive playlist: playlist, entries, then track, album,
/// artist per entry; batched: playlist and entries, then tracks, albums, artists when it has
/// entries.
pub(crate) fn assert_chinook(report: &Report) {
    let expected = [
        ("chinook-invoices", 412_u32, 3 * 412 + 5 * 2_240, 8 * 412),
        ("chinook-playlists", 18_u32, 2 * 18 + 3 * 8_715, 5 * 14 + 2 * 4),
    ];
    for (name, operations, naive_statements, batched_statements) in expected {
        let workload = report.workloads.iter().find(|w| w.name == name).unwrap_or_else(|| panic!("{name} ran"));
        assert_eq!(workload.operations, operations as usize, "{name}");
        assert!(workload.identical_output, "{name}: identical output");
        assert_eq!(workload.errors, 0, "{name}: no error");
        let per_op = |statements: u32| f64::from(statements) / f64::from(operations);
        assert_eq!(workload.naive.queries_per_op, per_op(naive_statements), "{name}: {:?}", workload.naive);
        assert_eq!(workload.batched.queries_per_op, per_op(batched_statements), "{name}: {:?}", workload.batched);
        assert_eq!(workload.batched.n_plus_one_findings, 0, "{name}");
        let fixes: Vec<&str> = workload.naive.findings.iter().map(|finding| finding.fix.as_str()).collect();
        for loader in ["ChinookTrackById", "ChinookAlbumById", "ChinookArtistById"] {
            assert!(fixes.iter().any(|fix| fix.contains(loader)), "{name}: a finding names {loader}: {fixes:?}");
        }
        assert_eq!(workload.index_check.summary, "all 11 loader statements use an index", "{name}");
        assert_eq!(workload.index_check.loaders.len(), 11, "{name}");
        assert!(workload.index_check.fixes.is_empty(), "{name}");
    }
    // Every backend renders the same text from its own script.
    let sample = |name: &str| report.workloads.iter().find(|w| w.name == name).map(|w| w.sample_output.clone());
    assert_eq!(
        sample("chinook-invoices").expect("invoices ran"),
        [
            "invoice 1 for Leonie Köhler <leonekohler@surfeu.de> (Stuttgart, Germany), 2 line(s)",
            "  1 x Balls to the Wall (5:42) by Accept on Balls to the Wall [Rock, Protected AAC audio file]",
            "  1 x Restless and Wild (4:12) by Accept on Restless and Wild [Rock, Protected AAC audio file]",
        ]
    );
    assert_eq!(
        sample("chinook-playlists").expect("playlists ran"),
        [
            "playlist 1 Music: 3290 track(s)",
            "  AC/DC - For Those About To Rock (We Salute You) (For Those About To Rock We Salute You) by Angus Young, \
             Malcolm Young, Brian Johnson",
            "  Accept - Balls to the Wall (Balls to the Wall) by U. Dirkschneider, W. Hoffmann, H. Frank, P. Baltes, \
             S. Kaufmann, G. Hoffmann",
            "  Accept - Fast As a Shark (Restless and Wild) by F. Baltes, S. Kaufman, U. Dirkscneider & W. Hoffman",
        ]
    );
}

/// The synthetic workload of `messages` operations: identical, error-free, batched within its
/// budget of 4 statements, the naive run's N+1 findings naming the loaders, and phase 2: the
/// same four scans on every backend before the advisor's migration, none after it, and that
/// migration's files: written under `migration_dir/<backend>`, one per index on PostgreSQL
/// (`CONCURRENTLY` runs outside a transaction), one in all elsewhere, each fix in one file.
pub(crate) fn assert_synthetic(report: &Report, messages: usize, migration_dir: &std::path::Path) {
    let synthetic = report.workloads.iter().find(|w| w.name == "botfeed").expect("synthetic workload ran");
    assert_eq!(synthetic.operations, messages);
    assert!(synthetic.identical_output, "naive and batched wrote the same messages");
    assert_eq!(synthetic.errors, 0);
    assert!(synthetic.batched.queries_max <= 4, "batched: at most 4 statements per message: {:?}", synthetic.batched);
    assert!(synthetic.naive.queries_per_op >= 15.0, "naive: 15+ statements per message: {:?}", synthetic.naive);
    assert!(synthetic.naive.queries_max <= 20);
    assert_eq!(synthetic.batched.n_plus_one_findings, 0);
    assert_eq!(synthetic.batched.budget_exceeded, 0);
    let fixes: Vec<&str> = synthetic.naive.findings.iter().map(|finding| finding.fix.as_str()).collect();
    for loader in ["BotById", "BotStanceByBotId", "HoldingByBotId"] {
        assert!(fixes.iter().any(|fix| fix.contains(loader)), "a finding names {loader}: {fixes:?}");
    }
    let check = &synthetic.index_check;
    assert_eq!(
        check.summary,
        "before the advisor's migration: 4 of 9 loader statements scan their table (BotStanceByBotId, \
         HoldingByBotId, MessageByBotId, MessageByChatId); after the advisor's migration: all 9 indexed"
    );
    assert_eq!(check.migration.as_deref(), Some("the advisor's migration"));
    let files = &check.migration_files;
    assert_eq!(files.len(), if report.backend == "postgresql" { 4 } else { 1 }, "{files:#?}");
    let folder = migration_dir.join(&report.backend);
    for file in files {
        let path = std::path::Path::new(&file.path);
        assert_eq!(path.parent(), Some(folder.as_path()), "written in the run's own folder: {}", file.path);
        assert!(path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.contains("_loader_indexes")));
        assert_eq!(std::fs::read_to_string(path).expect("the file is there"), file.sql, "the report shows the file");
    }
    for fix in &check.fixes {
        // `CREATE INDEX "idx_..." ON ...`: the index name, between the first two quotes.
        let name = fix.split(['"', '`']).nth(1).expect("a quoted index name");
        let holding = files.iter().filter(|file| {
            let creates = file.sql.lines().filter(|line| line.starts_with("CREATE INDEX"));
            creates.map(|line| line.split(['"', '`']).nth(1)).any(|created| created == Some(name))
        });
        assert_eq!(holding.count(), 1, "{name} is created by one migration file: {files:#?}");
    }
    let created: usize =
        files.iter().map(|file| file.sql.lines().filter(|line| line.starts_with("CREATE INDEX")).count()).sum();
    assert_eq!(created, check.fixes.len(), "the migration creates the advisor's fixes, nothing else: {files:#?}");
    assert_eq!(check.fixes.len(), 4, "{:?}", check.fixes);
    assert!(check.fixes.iter().all(|fix| fix.starts_with("CREATE INDEX ")), "{:?}", check.fixes);
    let scans: Vec<&str> =
        check.loaders.iter().filter(|row| row.before == "full scan").map(|row| row.loader.as_str()).collect();
    assert_eq!(scans, ["BotStanceByBotId", "HoldingByBotId", "MessageByBotId", "MessageByChatId"]);
    assert!(check.loaders.iter().all(|row| row.after.as_deref().is_some_and(|after| after.starts_with("index "))));
    assert!(check.loaders.iter().all(|row| row.ddl.is_some() == (row.before == "full scan")), "{:?}", check.loaders);
    assert!(
        check.loaders.iter().any(|row| row.loader == "MembersByChatId" && row.before.starts_with("index ")),
        "the many-to-many is checked and uses chat_members' primary key: {:?}",
        check.loaders
    );
}

/// The `tick` workload of `ticks` ticks of `chats` chats each (every chat of the data set has
/// at least 4 members): exact statements per tick, naive `11 * chats` (per chat: history,
/// members, stances and holdings of the next speaker and 3 others, insert) and batched 5
/// (histories, members, stances, holdings, one insert: within the budget of 8 whatever the
/// number of chats); identical output, no error, the same phase 2 as `botfeed`.
pub(crate) fn assert_tick(report: &Report, ticks: usize, chats: u32) {
    let tick = report.workloads.iter().find(|w| w.name == "tick").expect("tick workload ran");
    assert_eq!(tick.operations, ticks);
    assert!(tick.identical_output, "naive and batched ticks wrote the same messages");
    assert_eq!(tick.errors, 0, "{:?} {:?}", tick.naive.first_error, tick.batched.first_error);
    let naive = u64::from(11 * chats);
    assert_eq!((tick.naive.queries_p50, tick.naive.queries_max), (naive, naive), "{:?}", tick.naive);
    assert_eq!(tick.naive.queries_per_op, f64::from(11 * chats));
    assert_eq!((tick.batched.queries_p50, tick.batched.queries_max), (5, 5), "{:?}", tick.batched);
    assert_eq!(tick.batched.queries_per_op, 5.0);
    assert_eq!(tick.batched.budget_exceeded, 0);
    assert_eq!(tick.batched.n_plus_one_findings, 0);
    let fixes: Vec<&str> = tick.naive.findings.iter().map(|finding| finding.fix.as_str()).collect();
    for loader in ["MessageByChatId", "MembersByChatId", "BotStanceByBotId", "HoldingByBotId"] {
        assert!(fixes.iter().any(|fix| fix.contains(loader)), "a finding names {loader}: {fixes:?}");
    }
    assert_eq!(tick.sample_output.len(), 3, "{:?}", tick.sample_output);
    let synthetic = report.workloads.iter().find(|w| w.name == "botfeed").expect("synthetic workload ran");
    assert_eq!(tick.index_check.summary, synthetic.index_check.summary);
}
