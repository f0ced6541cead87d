//! Write shell completions and man pages: `cargo run --example generate -- DIR`
//! (scripts/generate does this for the repository).

fn main() {
    let dir = std::env::args_os().nth(1).unwrap_or_else(|| ".".into());
    if let Err(error) = amitools::generate::write_all(std::path::Path::new(&dir)) {
        eprintln!("generate: {error}");
        std::process::exit(1);
    }
}
