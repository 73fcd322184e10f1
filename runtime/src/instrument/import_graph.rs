//! No import cycles inside `instrument/`: reads the sibling-module paths each file names
//! (`super::x`, `super::{x, y::Z}`, `crate::instrument::x`), outside comments and test
//! modules, and fails on any cycle. Naming an item through `mod.rs` (`super::Outcome`) counts
//! as depending on `mod.rs`, which depends on everything, so it fails too: modules name the
//! module that defines what they use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The sibling modules named in `source` (code before the first `#[cfg(test)]`).
fn dependencies(source: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for prefix in ["super::", "crate::instrument::"] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(prefix) {
            // `super::super::` and a `super::` that is the tail of a longer path are not siblings.
            let before = &rest[..at];
            rest = &rest[at + prefix.len()..];
            if prefix == "super::"
                && (before.ends_with("::") || before.ends_with(|c: char| c.is_alphanumeric() || c == '_'))
            {
                continue;
            }
            let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 1;
                let end = group
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += i32::from(c == '{') - i32::from(c == '}');
                        depth == 0
                    })
                    .map_or(group.len(), |(index, _)| index);
                let mut names = Vec::new();
                let mut depth = 0;
                let mut start = 0;
                let inner = &group[..end];
                for (index, c) in inner.char_indices().chain([(inner.len(), ',')]) {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            names.push(head(&inner[start..index]));
                            start = index + 1;
                        }
                        _ => {}
                    }
                }
                names
            } else {
                vec![head(rest)]
            };
            for name in names.into_iter().filter(|name| !name.is_empty() && name != "self") {
                found.insert(if modules.contains(&name) { name } else { "mod".to_owned() });
            }
        }
    }
    found
}

/// The first path segment of `path`.
fn head(path: &str) -> String {
    path.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// A cycle in `graph`, as the path that closes it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|entry| entry == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn graph_of(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut sources = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("instrument/ is readable") {
        let path = entry.expect("a directory entry").path();
        let Some(name) = path.file_stem().and_then(|stem| stem.to_str()) else { continue };
        if path.extension().is_some_and(|ext| ext == "rs") && !["tests", "import_graph"].contains(&name) {
            sources.insert(name.to_owned(), std::fs::read_to_string(&path).expect("a readable source file"));
        }
    }
    let modules: BTreeSet<String> = sources.keys().filter(|name| *name != "mod").cloned().collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, source) in &sources {
        let dependencies = if name == "mod" { modules.clone() } else { dependencies(source, &modules) };
        graph.insert(name.clone(), dependencies);
    }
    graph
}

#[test]
fn instrument_has_no_import_cycles() {
    let graph = graph_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/instrument"));
    assert!(graph.len() > 20, "{graph:?}");
    // The leaves import no sibling.
    for leaf in ["state", "outcome", "lexer"] {
        assert_eq!(graph[leaf], BTreeSet::new(), "{leaf} must be a leaf");
    }
    assert_eq!(cycle(&graph), None, "import cycle in runtime/src/instrument/");
}

#[test]
fn the_check_finds_cycles_and_imports_through_mod() {
    let modules: BTreeSet<String> = ["a", "b", "c"].map(str::to_owned).into();
    assert_eq!(
        dependencies(
            "use super::a::X;\nuse super::{b, c::{Y, Z}};\n// use super::q;\nfn f() { super::Outcome::Ok; }",
            &modules
        ),
        ["a", "b", "c", "mod"].map(str::to_owned).into()
    );
    assert_eq!(
        dependencies("use crate::instrument::b;\n#[cfg(test)]\nmod tests { use super::a; }", &modules),
        ["b".to_owned()].into()
    );
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), ["b".to_owned()].into()),
        ("b".to_owned(), ["c".to_owned()].into()),
        ("c".to_owned(), ["a".to_owned()].into()),
    ]
    .into();
    assert_eq!(cycle(&graph), Some(["a", "b", "c", "a"].map(str::to_owned).to_vec()));
}
