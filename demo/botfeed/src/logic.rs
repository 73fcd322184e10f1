// The backend-independent part of botfeed's synthetic workload: the data set, the step plan,
// the choice of speakers and the message template. A module of `botfeed` (SQLite) and, through
// `#[path]`, of `botfeed-postgres` and `botfeed-mysql`: each crate provides
// `crate::models::{Bot, BotStance, BotHolding}` (its own derived loaders) and `crate::Error`
// with a `Setup(String)` variant.

use std::fmt::Write as _;

use crate::Error;
use crate::models::{Bot, BotHolding, BotStance};

/// Size of the synthetic data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSize {
    /// Bots (each with 3-8 stances and 2-6 holdings).
    pub bots: i64,
    /// Chats.
    pub chats: i64,
    /// History messages.
    pub messages: i64,
}

impl Default for SeedSize {
    /// 200 bots, 50 chats, 20,000 history messages.
    fn default() -> Self {
        Self { bots: 200, chats: 50, messages: 20_000 }
    }
}

/// Seconds between two messages' `created_at`.
pub const MESSAGE_SPACING_S: i64 = 37;

/// Topics bots hold stances on.
pub const TOPICS: [&str; 12] =
    ["rates", "inflation", "chips", "energy", "housing", "crypto", "jobs", "trade", "gold", "bonds", "ai", "climate"];
const STANCES: [&str; 7] = ["bullish", "bearish", "cautious", "neutral", "contrarian", "optimistic", "skeptical"];
const SYMBOLS: [&str; 16] = [
    "AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOG", "META", "BRK", "XOM", "JPM", "GLD", "TLT", "BTC", "ETH", "SPY",
    "QQQ",
];
const ADJECTIVES: [&str; 10] = ["Calm", "Witty", "Grumpy", "Eager", "Sly", "Bold", "Shy", "Loud", "Wise", "Odd"];
const ANIMALS: [&str; 10] = ["Otter", "Heron", "Badger", "Lynx", "Mole", "Crow", "Yak", "Newt", "Ibis", "Wolf"];
const PERSONAS: [&str; 6] = [
    "value investor who distrusts hype",
    "momentum trader chasing headlines",
    "macro economist with strong opinions",
    "retired banker telling old stories",
    "startup founder pitching everything",
    "quiet analyst quoting numbers",
];

/// The rows of the synthetic data set, with explicit ids (1, 2, ... per table).
#[derive(Debug, Clone, Default)]
pub struct SeedRows {
    /// Bots.
    pub bots: Vec<Bot>,
    /// Stances.
    pub stances: Vec<BotStance>,
    /// Holdings.
    pub holdings: Vec<BotHolding>,
    /// Chats: id, title.
    pub chats: Vec<(i64, String)>,
    /// History messages.
    pub messages: Vec<SeedMessage>,
    /// Chat members (`chat_members`): chat, bot, the member's position in the chat (0-based).
    pub members: Vec<(i64, i64, i64)>,
}

/// A history message; `seconds` after 2026-01-01T00:00:00Z.
#[derive(Debug, Clone)]
pub struct SeedMessage {
    /// Id.
    pub id: i64,
    /// Chat.
    pub chat_id: i64,
    /// Author.
    pub bot_id: i64,
    /// Text.
    pub body: String,
    /// Creation time, seconds after 2026-01-01T00:00:00Z.
    pub seconds: i64,
}

/// The synthetic data set for `seed` (same seed, same rows).
pub fn seed_rows(seed: u64, size: SeedSize) -> SeedRows {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut rows = SeedRows::default();
    for id in 1..=size.bots {
        let name = format!("{}{}{id}", ADJECTIVES[rng.usize(..ADJECTIVES.len())], ANIMALS[rng.usize(..ANIMALS.len())]);
        rows.bots.push(Bot { id, name, persona: PERSONAS[rng.usize(..PERSONAS.len())].to_owned() });
        let mut topics: Vec<&str> = TOPICS.to_vec();
        rng.shuffle(&mut topics);
        for topic in topics.iter().take(rng.usize(3..=8)) {
            let strength = f64::from(rng.u32(1..=100)) / 100.0;
            let note = rng.bool().then(|| format!("since {}", 2015 + rng.u32(0..11)));
            rows.stances.push(BotStance {
                id: rows.stances.len() as i64 + 1,
                bot_id: id,
                topic: (*topic).to_owned(),
                stance: STANCES[rng.usize(..STANCES.len())].to_owned(),
                strength,
                note,
            });
        }
        let mut symbols: Vec<&str> = SYMBOLS.to_vec();
        rng.shuffle(&mut symbols);
        for symbol in symbols.iter().take(rng.usize(2..=6)) {
            let cost_basis = rng.bool().then(|| f64::from(rng.u32(100..=90_000)) / 100.0);
            rows.holdings.push(BotHolding {
                id: rows.holdings.len() as i64 + 1,
                bot_id: id,
                symbol: (*symbol).to_owned(),
                quantity: i64::from(rng.u32(1..=500)),
                cost_basis,
            });
        }
    }
    // Chats, each with a fixed cast of 6-14 members who do the talking.
    let mut members: Vec<Vec<i64>> = Vec::new();
    for id in 1..=size.chats {
        rows.chats.push((id, format!("{} desk #{id}", TOPICS[rng.usize(..TOPICS.len())])));
        let cast = rng.usize(6..=14).min(size.bots as usize);
        let mut ids: Vec<i64> = (1..=size.bots).collect();
        rng.shuffle(&mut ids);
        let cast: Vec<i64> = ids.into_iter().take(cast).collect();
        rows.members.extend(cast.iter().enumerate().map(|(position, bot)| (id, *bot, position as i64)));
        members.push(cast);
    }
    // History: the first rounds visit every chat in turn (so each has at least 30 messages
    // when the history is large enough), then chats are picked at random.
    for index in 0..size.messages {
        let chat = if index < size.chats * 30 { index % size.chats + 1 } else { rng.i64(1..=size.chats) };
        let cast = &members[(chat - 1) as usize];
        let bot = cast[rng.usize(..cast.len())];
        let topic = TOPICS[rng.usize(..TOPICS.len())];
        let body = format!("{topic} check-in {index}: {} as usual", STANCES[rng.usize(..STANCES.len())]);
        rows.messages.push(SeedMessage {
            id: index + 1,
            chat_id: chat,
            bot_id: bot,
            body,
            seconds: index * MESSAGE_SPACING_S,
        });
    }
    rows
}

/// Messages of history read per generated message.
pub const HISTORY: usize = 30;
/// Most recent messages whose authors are the conversation context.
pub const CONTEXT: usize = 8;
/// Most distinct recent speakers whose stances and holdings are read.
pub const MAX_SPEAKERS: usize = 3;

/// One message to generate: which chat, and the deterministic choice value for the speaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Position in the run (0-based); fixes the message's `created_at`.
    pub index: usize,
    /// Chat to write in.
    pub chat_id: i64,
    /// Drives the choice of the next speaker.
    pub pick: u64,
}

/// The steps of a run: deterministic from `seed`.
pub fn plan(seed: u64, messages: usize, chats: i64) -> Vec<Step> {
    let mut rng = fastrand::Rng::with_seed(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1));
    (0..messages).map(|index| Step { index, chat_id: rng.i64(1..=chats), pick: rng.u64(..) }).collect()
}

/// Seconds after 2026-01-01T00:00:00Z of the message of `step`, after `history` seeded messages.
pub fn created_at_seconds(history: i64, step: &Step) -> i64 {
    (history + step.index as i64) * MESSAGE_SPACING_S
}

/// A generated (and inserted) message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Its id.
    pub id: i64,
    /// Its chat.
    pub chat_id: i64,
    /// Its author.
    pub bot_id: i64,
    /// Its text.
    pub body: String,
}

impl Generated {
    /// One line: `#id chat/bot: body`.
    pub fn line(&self) -> String {
        format!("#{} chat {} bot {}: {}", self.id, self.chat_id, self.bot_id, self.body)
    }
}

/// Who is in the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cast {
    /// Authors of the [`CONTEXT`] most recent messages, most recent first (with repeats).
    pub context_authors: Vec<i64>,
    /// Distinct recent speakers, most recent first, at most [`MAX_SPEAKERS`].
    pub speakers: Vec<i64>,
    /// Who speaks next.
    pub next: i64,
}

/// The cast from the chat's history (authors, most recent first) and the step's choice value:
/// the next speaker is one of the history's distinct authors (by id, `pick` modulo their
/// number), never the last speaker when someone else is there.
pub fn choose_cast(history_authors: &[i64], pick: u64) -> Option<Cast> {
    let last = *history_authors.first()?;
    let context_authors: Vec<i64> = history_authors.iter().take(CONTEXT).copied().collect();
    let mut speakers = Vec::new();
    for author in &context_authors {
        if !speakers.contains(author) && speakers.len() < MAX_SPEAKERS {
            speakers.push(*author);
        }
    }
    let mut candidates: Vec<i64> = history_authors.to_vec();
    candidates.sort_unstable();
    candidates.dedup();
    let len = candidates.len() as u64;
    let mut next = candidates[(pick % len) as usize];
    if next == last && len > 1 {
        next = candidates[((pick + 1) % len) as usize];
    }
    Some(Cast { context_authors, speakers, next })
}

/// Chats an engine tick writes in, by default (`--tick-chats`).
pub const TICK_CHATS: usize = 20;
/// Besides the next speaker, the participants of a chat whose stances and holdings a tick reads.
pub const TICK_OTHERS: usize = 3;

/// One engine tick: a message in each of its chats, one [`Step`] per chat (distinct chats, in
/// the order the messages are written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// Position in the run (0-based).
    pub index: usize,
    /// One step per chat; their `index` continues the message numbering (`created_at`).
    pub steps: Vec<Step>,
}

/// The ticks of a run, deterministic from `seed`: `ticks` ticks of `per_tick` distinct chats
/// each (all `chats` when fewer), drawn at random; their steps are numbered from
/// `first_index` on (the messages written before them).
pub fn tick_plan(seed: u64, ticks: usize, per_tick: usize, chats: i64, first_index: usize) -> Vec<Tick> {
    let mut rng = fastrand::Rng::with_seed(seed.wrapping_mul(0xD1B5_4A32_D192_ED03).wrapping_add(2));
    let per_tick = per_tick.min(usize::try_from(chats).unwrap_or(0));
    let mut index = first_index;
    (0..ticks)
        .map(|tick| {
            let mut ids: Vec<i64> = (1..=chats).collect();
            rng.shuffle(&mut ids);
            let steps = ids
                .into_iter()
                .take(per_tick)
                .map(|chat_id| {
                    index += 1;
                    Step { index: index - 1, chat_id, pick: rng.u64(..) }
                })
                .collect();
            Tick { index: tick, steps }
        })
        .collect()
}

/// Who takes part in a tick's message for one chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickCast {
    /// Who speaks next: a member of the chat.
    pub next: i64,
    /// The other participants, at most [`TICK_OTHERS`]: the distinct authors of the
    /// [`CONTEXT`] most recent messages (most recent first), then members in the chat's order.
    pub others: Vec<i64>,
}

impl TickCast {
    /// The next speaker, then the others: the bots whose stances and holdings are read.
    pub fn participants(&self) -> Vec<i64> {
        std::iter::once(self.next).chain(self.others.iter().copied()).collect()
    }
}

/// The cast of a tick's message from the chat's history (authors, most recent first), its
/// members (in the chat's order) and the step's choice value: the next speaker is member
/// `pick` modulo their number, never the last speaker when someone else is a member; `None`
/// for a chat without members.
pub fn tick_cast(history_authors: &[i64], members: &[i64], pick: u64) -> Option<TickCast> {
    let len = members.len() as u64;
    let mut next = *members.get((pick % len.max(1)) as usize)?;
    if history_authors.first() == Some(&next) && len > 1 {
        next = members[((pick + 1) % len) as usize];
    }
    let mut others = Vec::new();
    let recent = history_authors.iter().take(CONTEXT).chain(members);
    for bot in recent {
        if *bot != next && !others.contains(bot) && others.len() < TICK_OTHERS {
            others.push(*bot);
        }
    }
    Some(TickCast { next, others })
}

/// What is known about one bot when composing.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    /// Profile.
    pub bot: &'a Bot,
    /// Stances, by id.
    pub stances: &'a [BotStance],
    /// Holdings, by id.
    pub holdings: &'a [BotHolding],
}

/// The message text (a template over the data; deterministic).
pub fn compose(next: Person<'_>, speakers: &[Person<'_>], last_body: &str) -> String {
    let mut text = format!("{}: ", next.bot.name);
    let top = next.stances.iter().max_by(|a, b| a.strength.total_cmp(&b.strength).then(b.id.cmp(&a.id)));
    match top {
        Some(top) => {
            let _ = write!(text, "on {} I'm {} ({:.2})", top.topic, top.stance, top.strength);
        }
        None => text.push_str("no strong views today"),
    }
    if let Some(other) = speakers.iter().find(|person| person.bot.id != next.bot.id) {
        let _ = write!(text, "; @{}", other.bot.name);
        match top.and_then(|top| other.stances.iter().find(|stance| stance.topic == top.topic)) {
            Some(theirs) => {
                let _ = write!(text, " you're {} on it", theirs.stance);
                if let Some(note) = &theirs.note {
                    let _ = write!(text, " ({note})");
                }
            }
            None => text.push_str(" your take?"),
        }
    }
    let biggest = next.holdings.iter().max_by(|a, b| a.quantity.cmp(&b.quantity).then(b.id.cmp(&a.id)));
    if let Some(holding) = biggest {
        let _ = write!(text, "; I hold {} {}", holding.quantity, holding.symbol);
        if let Some(cost) = holding.cost_basis {
            let _ = write!(text, " at {cost:.2}");
        }
        let same = speakers
            .iter()
            .filter(|person| person.bot.id != next.bot.id)
            .filter(|person| person.holdings.iter().any(|held| held.symbol == holding.symbol))
            .count();
        if same > 0 {
            let _ = write!(text, ", like {same} of you");
        }
    }
    let names: Vec<&str> = speakers.iter().map(|person| person.bot.name.as_str()).collect();
    let snippet: String = last_body.chars().take(24).collect();
    let style = next.bot.persona.split_whitespace().next().unwrap_or("bot");
    let _ = write!(text, " (after {}; re: \"{snippet}\") [{style}]", names.join(", "));
    text
}

/// A "not found" error.
pub fn missing(what: &str, id: i64) -> Error {
    Error::Setup(format!("{what} {id} not found"))
}

/// Version of the migration adding the four secondary indexes (`0002_indexes`).
pub const INDEX_MIGRATION: i64 = 2;

/// The migrations of `all` except the hand-written index migration (`0002_indexes`, kept for
/// the tests and examples; botfeed's index phase writes its own with the advisor): the schema
/// the original engine ran on (the tables of `0001`, and the additive `0003_chat_members`).
pub fn migrations_before_indexes(all: &sqlx::migrate::Migrator) -> sqlx::migrate::Migrator {
    sqlx::migrate::Migrator::with_migrations(
        all.iter().filter(|migration| migration.version != INDEX_MIGRATION).cloned().collect(),
    )
}

/// Writes `rows` through `connection` (callers pass a transaction) with multi-row `INSERT`s of
/// up to 1,000 rows, explicit ids included; `timestamp` turns seconds after
/// 2026-01-01T00:00:00Z into the backend's `created_at` value. Generic over the backend so that
/// the three crates seed the same rows the same way.
///
/// # Errors
/// A failed statement.
pub async fn insert_seed_rows<DB, T>(
    connection: &mut DB::Connection,
    rows: &SeedRows,
    timestamp: impl Fn(i64) -> T,
) -> Result<(), sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> f64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<String>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Option<f64>: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> T: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    use sqlx::QueryBuilder;
    for chunk in rows.bots.chunks(1_000) {
        let mut insert = QueryBuilder::<DB>::new("INSERT INTO bots (id, name, persona, created_at) ");
        insert.push_values(chunk, |mut row, bot| {
            row.push_bind(bot.id).push_bind(bot.name.clone()).push_bind(bot.persona.clone()).push_bind(timestamp(0));
        });
        insert.build().execute(&mut *connection).await?;
    }
    for chunk in rows.stances.chunks(1_000) {
        let mut insert =
            QueryBuilder::<DB>::new("INSERT INTO bot_stances (id, bot_id, topic, stance, strength, note) ");
        insert.push_values(chunk, |mut row, stance| {
            row.push_bind(stance.id)
                .push_bind(stance.bot_id)
                .push_bind(stance.topic.clone())
                .push_bind(stance.stance.clone())
                .push_bind(stance.strength)
                .push_bind(stance.note.clone());
        });
        insert.build().execute(&mut *connection).await?;
    }
    for chunk in rows.holdings.chunks(1_000) {
        let mut insert =
            QueryBuilder::<DB>::new("INSERT INTO bot_holdings (id, bot_id, symbol, quantity, cost_basis) ");
        insert.push_values(chunk, |mut row, holding| {
            row.push_bind(holding.id)
                .push_bind(holding.bot_id)
                .push_bind(holding.symbol.clone())
                .push_bind(holding.quantity)
                .push_bind(holding.cost_basis);
        });
        insert.build().execute(&mut *connection).await?;
    }
    for chunk in rows.chats.chunks(1_000) {
        let mut insert = QueryBuilder::<DB>::new("INSERT INTO chats (id, title, created_at) ");
        insert.push_values(chunk, |mut row, (id, title)| {
            row.push_bind(*id).push_bind(title.clone()).push_bind(timestamp(0));
        });
        insert.build().execute(&mut *connection).await?;
    }
    for chunk in rows.messages.chunks(1_000) {
        let mut insert = QueryBuilder::<DB>::new("INSERT INTO messages (id, chat_id, bot_id, body, created_at) ");
        insert.push_values(chunk, |mut row, message| {
            row.push_bind(message.id)
                .push_bind(message.chat_id)
                .push_bind(message.bot_id)
                .push_bind(message.body.clone())
                .push_bind(timestamp(message.seconds));
        });
        insert.build().execute(&mut *connection).await?;
    }
    for chunk in rows.members.chunks(1_000) {
        let mut insert = QueryBuilder::<DB>::new("INSERT INTO chat_members (chat_id, bot_id, position) ");
        insert.push_values(chunk, |mut row, (chat, bot, position)| {
            row.push_bind(*chat).push_bind(*bot).push_bind(*position);
        });
        insert.build().execute(&mut *connection).await?;
    }
    Ok(())
}

/// A message of a chat's history as the naive engine reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryLine {
    /// Author.
    pub bot_id: i64,
    /// Text.
    pub body: String,
}

/// A message of a chat's history joined with its author's profile (the batched engine's read).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryWithAuthor {
    /// Author.
    pub bot_id: i64,
    /// Text.
    pub body: String,
    /// The author's name.
    pub name: String,
    /// The author's persona.
    pub persona: String,
}
