//! The FAQ file format: one Markdown file per entry with TOML front matter.
//!
//! `parse` turns one file into an entry (or `path:line` errors), `load` reads a whole directory
//! and checks what only the set as a whole can show (duplicate ids, orphan translations), and
//! `watch` reloads the directory when staff change a file.

mod load;
mod parse;
mod watch;

pub use load::{FaqSet, load_dir};
pub use parse::{FaqEntry, FaqError, parse_entry};
pub use watch::{FaqWatcher, spawn_watcher};
