//! The schema migrations, embedded in the binary so it runs from an empty directory. sqlx's
//! `migrate!` macro would embed them too, but its proc-macro needs a second build of both
//! database drivers; this reads the same files the same way (`<version>_<description>.sql`,
//! checksum over the exact text), so databases migrated by either agree.

use include_dir::{Dir, include_dir};
use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Backend;

static SQLITE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/migrations/sqlite");
static POSTGRES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/migrations/postgres");

pub fn migrator(backend: Backend) -> Migrator {
    let dir = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    let mut migrations: Vec<Migration> = dir.files().filter_map(migration).collect();
    migrations.sort_by_key(|m| m.version);
    Migrator::with_migrations(migrations)
}

fn migration(file: &'static include_dir::File<'static>) -> Option<Migration> {
    let name = file.path().file_name()?.to_str()?;
    let (version, rest) = name.split_once('_')?;
    let description = rest.strip_suffix(".sql")?.replace('_', " ");
    let sql = file.contents_utf8()?;
    Some(Migration::new(
        version.parse().ok()?,
        description.into(),
        MigrationType::Simple,
        SqlStr::from_static(sql),
        sql.starts_with("-- no-transaction"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_a_migration_in_order() {
        for (backend, dir) in [(Backend::Sqlite, &SQLITE), (Backend::Postgres, &POSTGRES)] {
            let migrator = migrator(backend);
            let versions: Vec<i64> = migrator.iter().map(|m| m.version).collect();
            assert_eq!(versions.len(), dir.files().count(), "{backend:?}");
            assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
            assert_eq!(versions.first(), Some(&1));
        }
    }

    #[test]
    fn descriptions_follow_sqlx() {
        let first = migrator(Backend::Sqlite).iter().next().cloned().unwrap();
        assert_eq!(first.description, "conversations");
        assert_eq!(first.migration_type, MigrationType::Simple);
    }
}
