//! `#[timed]` on plain fns and methods: `?` and early `return`, `impl Trait` returns,
//! references tied to `self`, generics, `unsafe fn`.

use batchload::timed;

struct Repo {
    names: Vec<String>,
}

impl Repo {
    #[timed]
    fn first(&self) -> Option<&String> {
        self.names.first()
    }

    #[timed]
    fn parse_all<'a>(&'a self, text: &'a str) -> Result<impl Iterator<Item = u32> + 'a, std::num::ParseIntError> {
        let first: u32 = text.split(',').next().unwrap_or("0").parse()?;
        if first == 0 {
            return Ok(Box::new(std::iter::empty()) as Box<dyn Iterator<Item = u32>>);
        }
        Ok(Box::new(std::iter::once(first).chain(self.names.iter().map(|name| name.len() as u32)))
            as Box<dyn Iterator<Item = u32>>)
    }

    #[timed]
    fn push(&mut self, name: String) -> &mut Self {
        self.names.push(name);
        self
    }

    #[timed]
    fn into_names(self) -> Vec<String> {
        self.names
    }
}

#[timed]
fn generic<T: Default>() -> T {
    T::default()
}

#[timed]
unsafe fn raw(pointer: *const u8) -> u8 {
    unsafe { *pointer }
}

fn main() {
    let mut repo = Repo { names: vec!["a".to_owned()] };
    assert_eq!(repo.first().map(String::as_str), Some("a"));
    assert_eq!(repo.parse_all("3").expect("parsed").collect::<Vec<_>>(), [3, 1]);
    assert!(repo.parse_all("x").is_err());
    repo.push("b".to_owned()).push("c".to_owned());
    assert_eq!(repo.into_names(), ["a", "b", "c"]);
    assert_eq!(generic::<u8>(), 0);
    let byte = 7u8;
    assert_eq!(unsafe { raw(&byte) }, 7);
}
