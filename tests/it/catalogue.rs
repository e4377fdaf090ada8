//! The catalogue: importing MARC 21, MARCXML and CSV (bad records skipped and reported,
//! re-imports idempotent), searching, and catalogue answers beside FAQ answers in the chat.

use std::path::{Path, PathBuf};

use crate::support::*;
use refdesk::answer::{AnswerEngine, AnswerSettings, Outcome};
use refdesk::catalogue::import::{ImportReport, import_files, read_records};
use refdesk::catalogue::mapping::Format;
use refdesk::catalogue::record::{Availability, CalendarDate, DueDate};
use refdesk::catalogue::{CatalogueIndex, CatalogueSettings};
use refdesk::faq::load_dir;
use refdesk::workers::catalogue_sync::sync_once;

fn fixture(name: &str) -> PathBuf {
    repo_path(&format!("tests/fixtures/catalogue/{name}"))
}

fn import(
    index: &CatalogueIndex,
    files: &[PathBuf],
    format: Option<Format>,
) -> (ImportReport, String) {
    let mut problems = Vec::new();
    let report = import_files(index, files, format, &mut problems).unwrap();
    (report, String::from_utf8(problems).unwrap())
}

fn fresh_index(dir: &Path) -> CatalogueIndex {
    CatalogueIndex::open_or_create(&dir.join("catalogue"), Default::default()).unwrap()
}

/// A small library's holdings as CSV, in the documented layout.
const LIBRARY_CSV: &str = "\
id,title,authors,subjects,publisher,year,isbn,call_number,language,location,status,due
b1,Dune,\"Herbert, Frank\",Science fiction|Desert ecology,Chilton Books,1965,0441013597,PS3558.E63 D8,eng,Main library,available,
b2,The Left Hand of Darkness,\"Le Guin, Ursula K.\",Science fiction|Gender identity,Ace Books,1969,9780441478125,PS3562.E42 L4,eng,Main library,on_loan,2026-12-01
b3,A Wizard of Earthsea,\"Le Guin, Ursula K.\",Fantasy fiction|Wizards,Parnassus Press,1968,,PS3562.E42 W5,eng,Children's room,available,
b4,Climate Change Policy: A Survey,\"Schneider, Stephen H.\",Climate change -- Government policy|Environmental policy,Island Press,2002,9781559638807,QC981.8.G56 C585,eng,Main library,not_for_loan,
b5,Мастер и Маргарита,\"Булгаков, Михаил\",Русская литература,Художественная литература,1967,,PG3476.B78 M3,rus,Main library,available,
";

fn library(dir: &Path) -> CatalogueIndex {
    let csv = dir.join("library.csv");
    std::fs::write(&csv, LIBRARY_CSV).unwrap();
    let index = fresh_index(dir);
    let (report, problems) = import(&index, &[csv], None);
    assert_eq!((report.indexed, report.rejected), (5, 0), "{problems}");
    index
}

/// Each question gets the FAQ entry named beside it, catalogue or not.
fn assert_faq_answers(engine: &AnswerEngine, cases: &[(&str, &str)]) {
    for &(q, id) in cases {
        let a = engine.answer(q, None);
        assert_eq!(
            (a.outcome, a.faq_id.as_deref()),
            (Outcome::Faq, Some(id)),
            "{q}: {a:?}"
        );
    }
}

fn engine_with(index: CatalogueIndex) -> AnswerEngine {
    let faq = load_dir(&repo_path("faq"), "en").unwrap();
    AnswerEngine::new(faq, AnswerSettings::default())
        .unwrap()
        .with_catalogue(
            Some(std::sync::Arc::new(index)),
            CatalogueSettings::default(),
        )
}

#[test]
fn csv_import_maps_fields_and_holdings() {
    let dir = tempfile::tempdir().unwrap();
    let index = library(dir.path());
    let dune = index.get("b1").unwrap();
    assert_eq!(dune.title, "Dune");
    assert_eq!(dune.authors, ["Herbert, Frank"]);
    assert_eq!(dune.subjects, ["Science fiction", "Desert ecology"]);
    assert_eq!(dune.year, Some(1965));
    assert_eq!(dune.call_number.as_deref(), Some("PS3558.E63 D8"));
    assert_eq!(dune.holdings[0].status, Availability::Available);
    let left_hand = index.get("b2").unwrap();
    assert_eq!(
        left_hand.holdings[0].status,
        Availability::OnLoan {
            due: Some(DueDate::parse("2026-12-01"))
        }
    );
    // Found by ISBN-10 and ISBN-13 alike.
    assert_eq!(index.by_isbn("978-0-441-01359-3")[0].id, "b1");
    assert_eq!(index.by_isbn("0441013597")[0].id, "b1");
}

#[test]
fn reimport_updates_instead_of_duplicating() {
    let dir = tempfile::tempdir().unwrap();
    let index = library(dir.path());
    assert_eq!(index.len(), 5);
    let changed = dir.path().join("changed.csv");
    std::fs::write(
        &changed,
        LIBRARY_CSV.replace("Chilton Books,1965", "Chilton Books,1966"),
    )
    .unwrap();
    let (report, _) = import(&index, &[changed], Some(Format::Csv));
    assert_eq!(report.indexed, 5);
    assert_eq!(index.len(), 5, "the same records, not copies");
    assert_eq!(index.get("b1").unwrap().year, Some(1966));
}

#[test]
fn bad_csv_rows_are_reported_with_their_row_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "id,title,year,status\nok1,Good record,2001,available\n,No id here,2002,\nok2,Bad year,19x5,\nok3,Bad status,2003,borrowed-ish\nok4,Fine too,,\n",
    )
    .unwrap();
    let index = fresh_index(dir.path());
    let (report, problems) = import(&index, &[csv], None);
    assert_eq!(
        (report.read, report.indexed, report.rejected),
        (5, 2, 3),
        "{problems}"
    );
    assert!(problems.contains("bad.csv"), "{problems}");
    assert_eq!(problems.lines().count(), 3, "{problems}");
}

#[test]
fn the_engine_answers_catalogue_questions_and_leaves_faq_ones() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(library(dir.path()));
    let catalogue = |q: &str| {
        let a = engine.answer(q, None);
        assert_eq!(a.outcome, Outcome::Catalogue, "{q}: {a:?}");
        a
    };
    // Title, author, subject, ISBN.
    let a = catalogue("Do you have Dune?");
    assert_eq!(a.records, ["b1"]);
    assert!(
        a.reply.contains("**Dune**, Herbert, Frank (1965)"),
        "{}",
        a.reply
    );
    assert!(
        a.reply
            .contains("PS3558.E63 D8. 1 copy on the shelf at Main library."),
        "{}",
        a.reply
    );
    let a = catalogue("books by Ursula Le Guin");
    let mut ids = a.records.clone();
    ids.sort();
    assert_eq!(ids, ["b2", "b3"]);
    assert!(
        a.reply.contains("1 on loan, due back 1 December 2026."),
        "{}",
        a.reply
    );
    assert_eq!(
        catalogue("anything on climate change policy").records,
        ["b4"]
    );
    assert_eq!(
        catalogue("is ISBN 9780441478125 in the library?").records,
        ["b2"]
    );
    assert_eq!(
        catalogue("Есть ли у вас Мастер и Маргарита?").records,
        ["b5"]
    );

    // FAQ questions stay FAQ answers, even with a catalogue word in them.
    assert_faq_answers(
        &engine,
        &[
            ("how do I renew a book", "renewals"),
            ("do you have wifi", "wifi"),
            ("What are your opening hours?", "hours"),
            ("do you have study rooms I can book", "study-rooms"),
            ("can I read library books on my e-reader", "e-books"),
        ],
    );
    // A catalogue question with no good match goes to a librarian, not to a weak record.
    let a = engine.answer("books by Gabriel García Márquez", None);
    assert_eq!(a.outcome, Outcome::Escalate, "{a:?}");
    assert!(a.records.is_empty());
}

async fn catalogue_answers_reach_the_web_chat(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    drop(library(dir.path()));
    let index_dir = dir.path().join("catalogue");
    let t = spawn_app_with(db, move |s| s.catalogue.index_dir = index_dir, Vec::new()).await;
    let mut c = ChatClient::connect(&t.ws_url()).await;
    c.send("have you got any books by Frank Herbert?", "q1")
        .await;
    let reply = c.next_message(WAIT).await.unwrap();
    assert_eq!(reply["from"], "bot");
    assert!(
        reply["text"].as_str().unwrap().contains("**Dune**"),
        "{reply}"
    );
    c.send("how do I renew a book", "q2").await;
    let reply = c.next_message(WAIT).await.unwrap();
    assert_eq!(reply["text"], faq_answer("renewals"));
}

/// With several instances the records live in the database: an index applies only the
/// changes it has not seen, and remembers where it stopped when it is opened again.
async fn the_index_follows_the_shared_catalogue(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(db, dir.path());
    let store = refdesk::store::Store::connect(&settings.database)
        .await
        .unwrap();
    let csv = dir.path().join("library.csv");
    std::fs::write(&csv, LIBRARY_CSV).unwrap();
    let mut records = Vec::new();
    read_records(&[csv], None, &mut Vec::new(), &mut |batch| {
        records.extend_from_slice(batch);
        Ok(())
    })
    .unwrap();
    let head = store.put_catalogue_records(&records).await.unwrap();
    assert_eq!(head, 5);

    let index = std::sync::Arc::new(fresh_index(dir.path()));
    assert_eq!(index.synced_to().unwrap(), 0);
    assert_eq!(sync_once(&store, &index).await.unwrap(), 5);
    assert_eq!((index.synced_to().unwrap(), index.len()), (head, 5));
    assert_eq!(sync_once(&store, &index).await.unwrap(), 0, "nothing new");

    // A record changed (named twice in one import: the later wins) is one change, applied
    // in place, by an index opened again (an instance restarted).
    let mut first = records[0].clone();
    first.title = "Dune (first edition)".into();
    let mut second = first.clone();
    second.title = "Dune Messiah".into();
    store.put_catalogue_records(&[first, second]).await.unwrap();
    drop(index);
    let index = std::sync::Arc::new(fresh_index(dir.path()));
    assert_eq!(index.synced_to().unwrap(), head);
    assert_eq!(sync_once(&store, &index).await.unwrap(), 1);
    assert_eq!(index.len(), 5);
    assert_eq!(index.get("b1").unwrap().title, "Dune Messiah");
    store.close().await;
}

on_both_databases!(
    catalogue_answers_reach_the_web_chat,
    the_index_follows_the_shared_catalogue
);

/// On PostgreSQL the command line imports into the database and searches a local index it
/// first brings up to date, as an instance would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_shares_the_catalogue_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(Db::Postgres, dir.path());
    let config = dir.path().join("refdesk.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{}\"\n[catalogue]\nindex_dir = \"{}\"\n",
            settings.database.url,
            dir.path().join("index").display()
        ),
    )
    .unwrap();
    let refdesk = |args: &[&str]| {
        run_ok(
            std::process::Command::new(env!("CARGO_BIN_EXE_refdesk"))
                .arg("--config")
                .arg(&config)
                .args(args),
        )
    };
    let csv = fixture("sample.csv");
    let imported = refdesk(&["catalogue", "import", csv.to_str().unwrap()]);
    assert!(imported.contains("stored"), "{imported}");
    assert!(
        !dir.path().join("index").join("meta.json").exists(),
        "the import wrote the database, not an index"
    );
    let found = refdesk(&["catalogue", "search", "dune", "--json"]);
    assert!(found.contains("Herbert"), "{found}");
}

#[test]
fn a_running_service_sees_a_later_import() {
    let dir = tempfile::tempdir().unwrap();
    let serving = fresh_index(dir.path());
    assert!(serving.is_empty());
    // `catalogue import` is another process with its own handle on the same directory.
    drop(library(dir.path()));
    let start = std::time::Instant::now();
    while serving.len() < 5 && start.elapsed() < WAIT {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(serving.len(), 5);
}

#[test]
fn marc21_with_koha_items_and_an_852() {
    let dir = tempfile::tempdir().unwrap();
    let index = fresh_index(dir.path());
    let (report, problems) = import(&index, &[fixture("koha-items.mrc")], None);
    assert_eq!(
        (report.read, report.indexed, report.rejected),
        (3, 3, 0),
        "{problems}"
    );
    let lotr = index.get("koha-1").unwrap();
    assert_eq!(lotr.title, "The lord of the rings");
    assert_eq!(lotr.authors, ["Tolkien, J. R. R."]);
    assert_eq!(lotr.isbns, ["9780261103252"]);
    assert_eq!(
        (lotr.year, lotr.language.as_deref()),
        (Some(2019), Some("eng"))
    );
    assert_eq!(lotr.call_number.as_deref(), Some("FIC TOL"));
    let statuses: Vec<&Availability> = lotr.holdings.iter().map(|h| &h.status).collect();
    assert_eq!(
        statuses,
        [
            &Availability::Available,
            &Availability::OnLoan {
                due: Some(DueDate::parse("2026-06-15"))
            }
        ]
    );
    let prince = index.get("koha-2").unwrap();
    assert_eq!(prince.authors, ["Saint-Exupéry, Antoine de"]);
    assert_eq!(prince.language.as_deref(), Some("fre"));
    assert_eq!(
        prince
            .holdings
            .iter()
            .map(|h| h.status.clone())
            .collect::<Vec<_>>(),
        [Availability::NotForLoan, Availability::Lost]
    );
    let rust = index.get("koha-3").unwrap();
    assert_eq!(rust.authors, ["Klabnik, Steve", "Nichols, Carol"]);
    assert_eq!(
        (
            rust.holdings[0].branch(),
            rust.holdings[0].location.as_deref()
        ),
        (Some("Central Library"), Some("Computing"))
    );
    assert_eq!(index.by_isbn("1718500440")[0].id, "koha-3");
    // Subjects and words find them too.
    assert_eq!(
        index.search("rust programming", None, 3)[0].record.id,
        "koha-3"
    );
}

#[test]
fn marc8_and_utf8_twins_read_the_same() {
    use refdesk::catalogue::mapping::to_catalogue;
    use refdesk::catalogue::marc::MarcReader;
    let read = |name: &str| {
        let file = std::fs::File::open(fixture(name)).unwrap();
        let recs: Vec<_> = MarcReader::new(file)
            .map(|r| to_catalogue(&r.unwrap()).unwrap())
            .collect();
        recs
    };
    let marc8 = read("marc8.dat");
    assert_eq!(marc8, read("utf8_with_leader_flag.dat"));
    assert_eq!(marc8[0].title, "Escape from loneliness");
    assert_eq!(marc8[0].authors, ["Tournier, Paul"]);
    // Transliterated Russian with combining marks, composed.
    let dir = tempfile::tempdir().unwrap();
    let index = fresh_index(dir.path());
    let (report, _) = import(
        &index,
        &[fixture("regression45.dat"), fixture("test.dat")],
        Some(Format::Marc),
    );
    assert_eq!((report.indexed, report.rejected), (22, 0));
    let first = index.get("prk2000001890").unwrap();
    assert_eq!(first.authors, ["Prokudin-Gorskiĭ, Sergeĭ Mikhaĭlovich"]);
    assert_eq!(index.get("fol05731351").unwrap().isbns, ["0471383147"]);
}

#[test]
fn marcxml_records() {
    let dir = tempfile::tempdir().unwrap();
    let index = fresh_index(dir.path());
    let (report, problems) = import(&index, &[fixture("batch.xml")], None);
    assert_eq!((report.indexed, report.rejected), (2, 0), "{problems}");
    let ray = index.get("5637241").unwrap();
    assert_eq!(ray.title, "The Great Ray Charles");
    assert_eq!(ray.authors, ["Charles, Ray"]);
    assert_eq!(ray.year, Some(1957));
}

#[test]
fn truncated_and_garbled_records_are_skipped_and_reported() {
    let good = std::fs::read(fixture("koha-items.mrc")).unwrap();
    let ends: Vec<usize> = good
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == 0x1D)
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(ends.len(), 3);
    let mut broken = Vec::new();
    // Record 1: the record length says it ends in the middle of its directory.
    let mut first = good[..ends[0]].to_vec();
    first[..5].copy_from_slice(b"00030");
    broken.extend_from_slice(&first);
    // Record 2: intact.
    broken.extend_from_slice(&good[ends[0]..ends[1]]);
    // Record 3: a directory entry pointing far outside the record.
    let mut third = good[ends[1]..ends[2]].to_vec();
    third[24 + 3..24 + 7].copy_from_slice(b"9999");
    broken.extend_from_slice(&third);
    // Record 4: record 2 again, cut off half way (a truncated download).
    let second = &good[ends[0]..ends[1]];
    broken.extend_from_slice(&second[..second.len() / 2]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.mrc");
    std::fs::write(&path, &broken).unwrap();

    let index = fresh_index(dir.path());
    let (report, problems) = import(&index, &[path], None);
    assert_eq!(report.indexed, 1, "{problems}");
    assert!(report.rejected >= 3, "{report:?} {problems}");
    assert!(index.get("koha-2").is_some());
    assert!(
        problems.contains("broken.mrc: record 1 (byte 0)"),
        "{problems}"
    );
    assert!(problems.contains("record 3"), "{problems}");
}

/// The `refdesk` binary, run from the repository (for its `faq` directory).
fn refdesk(config: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_refdesk"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .arg("--config")
        .arg(config);
    cmd
}

fn run_ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn koha_items_are_counted_by_branch_and_location_with_names_from_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let index_dir = dir.path().join("catalogue");
    let config = dir.path().join("refdesk.toml");
    std::fs::write(
        &config,
        format!(
            r#"[catalogue]
index_dir = "{}"

[catalogue.branches]
MAIN = "Main Library"
EAST = {{ en = "East Branch", ru = "Восточный филиал", es = "Sucursal Este" }}

[catalogue.locations]
MC = {{ en = "Main collection", ru = "основной фонд", es = "colección general" }}
REF = "Reference"
"#,
            index_dir.display().to_string().replace('\\', "\\\\")
        ),
    )
    .unwrap();
    let imported = run_ok(
        refdesk(&config)
            .args(["catalogue", "import"])
            .arg(fixture("holdings.xml")),
    );
    assert!(
        imported.contains("2 records read, 2 indexed, 0 rejected"),
        "{imported}"
    );

    // As stored: the year from 260 $c, not the 008's 1899; each item with its branch,
    // location, barcode and state; the due date read as a date.
    let index = CatalogueIndex::open_existing(&index_dir, Default::default())
        .unwrap()
        .unwrap();
    let rose = index.get("hold-1").unwrap();
    assert_eq!(rose.year, Some(1993));
    assert_eq!(rose.holdings.len(), 5);
    let moved = &rose.holdings[1];
    assert_eq!(
        (
            moved.home_branch.as_deref(),
            moved.branch(),
            moved.location.as_deref(),
            moved.barcode.as_deref()
        ),
        (Some("EAST"), Some("MAIN"), Some("MC"), Some("31000000102"))
    );
    assert_eq!(
        rose.holdings[2].status,
        Availability::OnLoan {
            due: Some(DueDate::Date(CalendarDate::new(2027, 3, 14).unwrap()))
        }
    );
    assert_eq!(index.get("hold-2").unwrap().year, Some(2000));
    drop(index);

    // Each patron asks in their own language; the channel's language is only a hint.
    let ask = |lang: &str| -> serde_json::Value {
        let question = match lang {
            "ru" => "книги автора Umberto Eco",
            "es" => "libros escritos por Umberto Eco",
            _ => "books by Umberto Eco",
        };
        let out = run_ok(refdesk(&config).args(["ask", "--json", "--lang", lang, question]));
        serde_json::from_str(out.trim()).unwrap()
    };
    let en = ask("en");
    assert_eq!(en["outcome"], "catalogue", "{en}");
    let mut ids: Vec<&str> = en["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["hold-1", "hold-2"]);
    let reply = en["reply"].as_str().unwrap();
    assert!(
        reply.contains(
            "- **Il nome della rosa**, Eco, Umberto (1993). Call number 853.914 ECO. \
             2 copies on the shelf at Main Library, Main collection. \
             1 on loan, due back 14 March 2027. \
             1 reference copy (not for loan) at East Branch, Reference.\n"
        ),
        "{reply}"
    );
    assert!(
        reply.contains(
            "- **Baudolino**, Eco, Umberto (2000). Call number 853.914 ECO. \
             No copy can be borrowed at the moment.\n"
        ),
        "{reply}"
    );
    assert!(!reply.contains("MC") && !reply.contains("1899"), "{reply}");

    let ru = ask("ru");
    let reply = ru["reply"].as_str().unwrap();
    assert!(
        reply.contains(
            "На полке: 2 экземпляра (Main Library, основной фонд). \
             1 экземпляр на руках, срок возврата — 14 марта 2027 г. \
             Только для чтения в библиотеке: 1 экземпляр (Восточный филиал, Reference)."
        ),
        "{reply}"
    );
    let es = ask("es");
    let reply = es["reply"].as_str().unwrap();
    assert!(
        reply.contains(
            "2 ejemplares disponibles en Main Library, colección general. \
             1 en préstamo, con devolución prevista el 14 de marzo de 2027. \
             Solo para consulta en sala: 1 ejemplar (Sucursal Este, Reference)."
        ),
        "{reply}"
    );
    assert!(
        reply.contains("Ahora mismo no hay ningún ejemplar que se pueda llevar en préstamo."),
        "{reply}"
    );
}

/// Records whose titles and names carry diacritics and romanisation marks, short titles
/// of common words (one that is also a FAQ topic) and longer titles containing them.
const MARKED_CSV: &str = "\
id,title,authors,subjects,publisher,year,isbn,call_number,language,location,status,due
m1,Die Blechtrommel,\"Grass, Günter\",German fiction,Luchterhand,1959,,PT2613.R338 B5,ger,Main library,available,
m2,Atemschaukel : Roman,\"Müller, Herta\",German fiction,Hanser,2009,,PT2673.U29234 A84,ger,Main library,available,
m3,Tārīkh al-Ṭabarī,\"Ṭabarī, Muḥammad ibn Jarīr\",Islamic Empire -- History,Dār al-Maʻārif,1960,,DS38.2 .T313,ara,Main library,available,
m4,Sefer ha-ʻIḳarim,\"Albo, Joseph\",Jewish philosophy,Mosad ha-Rav Ḳuk,1946,,BM550 .A5,heb,Main library,available,
m5,Quiet study,\"Lindqvist, Åsa\",Silence|Study skills,Norstedts,2011,,LB1049 .L56,eng,Main library,available,
m6,Quiet study spaces in the academic library : a survey of student use,\"Brown, Carol\",Academic libraries -- Space utilization,ALA,2015,,Z679.5 .B76,eng,Main library,available,
m7,It,\"King, Stephen\",Horror fiction,Viking,1986,,PS3561.I483 I8,eng,Main library,available,
m8,Poems,\"Dickinson, Emily\",American poetry,Roberts Brothers,1890,,PS1541 .A1,eng,Main library,available,
m9,Poems of the sea and the shore,\"Walcott, Derek\",Caribbean poetry,FSG,1970,,PR9272.9.W3 P6,eng,Main library,available,
m10,Selected poems,\"Ward, Anne\",English poetry,Faber,1980,,PR6073 .A7,eng,Main library,available,
m11,Ogonëk i lesa,\"Ilʹin, Mikhail\",Forests -- Russia,Detgiz,1950,,SD220 .I4,rus,Main library,available,
m12,Laptop computers for beginners,\"Ward, Anne\",Laptop computers,Que,2008,,QA76.5 .W37,eng,Main library,available,
";

fn marked_library(dir: &Path) -> CatalogueIndex {
    let csv = dir.join("marked.csv");
    std::fs::write(
        &csv,
        format!(
            "{LIBRARY_CSV}{}",
            &MARKED_CSV[MARKED_CSV.find('\n').unwrap() + 1..]
        ),
    )
    .unwrap();
    let index = fresh_index(dir);
    let (report, problems) = import(&index, &[csv], None);
    assert_eq!((report.indexed, report.rejected), (17, 0), "{problems}");
    index
}

#[test]
fn diacritics_and_romanisation_marks_may_be_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(marked_library(dir.path()));
    let first = |q: &str| {
        let a = engine.answer(q, None);
        assert_eq!(a.outcome, Outcome::Catalogue, "{q}: {a:?}");
        a.records[0].clone()
    };
    // Typed without the marks, and with them.
    assert_eq!(first("books by Gunter Grass"), "m1");
    assert_eq!(first("books by Günter Grass"), "m1");
    assert_eq!(first("anything by Herta Muller?"), "m2");
    assert_eq!(first("I'm looking for Tarikh al-Tabari"), "m3");
    assert_eq!(first("books by Muhammad ibn Jarir Tabari"), "m3");
    assert_eq!(first("is there a copy of Sefer ha-Ikarim?"), "m4");
    assert_eq!(first("do you have Sefer ha-'Ikarim"), "m4");
    assert_eq!(first("books by Asa Lindqvist"), "m5");
    assert_eq!(first("looking for Ogonek i lesa"), "m11");
    assert_eq!(first("books by Mikhail Ilin"), "m11");
    // Either name order.
    assert_eq!(first("books by Grass, Gunter"), "m1");
    assert_eq!(first("I'm looking for books by Herbert, Frank"), "b1");
}

#[test]
fn whole_titles_and_authors_rank_first() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(marked_library(dir.path()));
    let records = |q: &str| {
        let a = engine.answer(q, None);
        assert_eq!(a.outcome, Outcome::Catalogue, "{q}: {a:?}");
        a.records
    };
    // A title of common words beats longer titles containing them.
    assert_eq!(records("do you have Poems?")[0], "m8");
    assert_eq!(records("I'm looking for quiet study")[0], "m5");
    // 245 $a alone is a whole title too.
    assert_eq!(records("looking for Atemschaukel")[0], "m2");
    // A title made of stop words.
    assert_eq!(records("is there a copy of 'It'?"), ["m7"]);
    // Title and author, split and searched in their own fields; with no cue at all too.
    assert_eq!(records("do you have Poems by Emily Dickinson")[0], "m8");
    assert_eq!(records("I'm looking for Dune by Herbert")[0], "b1");
    assert_eq!(records("Dune by Frank Herbert")[0], "b1");
    assert_eq!(records("Frank Herbert, Dune")[0], "b1");
    assert_eq!(records("Poems by Walcott")[0], "m9");
    assert_eq!(
        records("Derek Walcott's Poems of the sea and the shore")[0],
        "m9"
    );
    // "can I borrow" may ask for a thing: only whole titles and named authors count.
    assert_eq!(records("can I borrow Poems by Emily Dickinson?")[0], "m8");
    assert_eq!(records("could I borrow 'Die Blechtrommel'?"), ["m1"]);
    let a = engine.answer("can I borrow a laptop computer", None);
    assert_ne!(a.outcome, Outcome::Catalogue, "{a:?}");
    assert!(!a.reply.contains("catalogue"), "{a:?}");
    // An ISBN-10 without the word ISBN, after a cue or alone.
    assert_eq!(records("do you have 0441013597?"), ["b1"]);
    assert_eq!(records("is 0-441-01359-7 available?"), ["b1"]);
    assert_eq!(records("0441013597"), ["b1"]);
}

#[test]
fn looking_for_a_title_of_faq_words_beats_the_faq() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(marked_library(dir.path()));
    // The FAQ is sure of these words ...
    let faq = engine.answer("quiet study", None);
    assert_eq!(
        (faq.outcome, faq.faq_id.as_deref()),
        (Outcome::Faq, Some("quiet-zones")),
        "{faq:?}"
    );
    // ... but a patron looking for the book gets the book.
    for q in [
        "I'm looking for Quiet study",
        "is there a copy of \"Quiet study\"?",
        "looking for the book Quiet study",
    ] {
        let a = engine.answer(q, None);
        assert!(a.confidence >= a.explanation.threshold, "{q}: {a:?}");
        assert_eq!(
            (a.outcome, a.records.first().map(String::as_str)),
            (Outcome::Catalogue, Some("m5")),
            "{q}: {a:?}"
        );
    }
    // Looking for a service, not a title: still the FAQ's.
    assert_faq_answers(
        &engine,
        &[
            ("I'm looking for a quiet place to work", "quiet-zones"),
            ("do you have quiet study areas", "quiet-zones"),
            ("do you have wifi", "wifi"),
            ("can I read library books on my e-reader", "e-books"),
        ],
    );
}

#[test]
fn an_index_of_an_older_format_asks_for_a_reimport() {
    let dir = tempfile::tempdir().unwrap();
    drop(library(dir.path()));
    let index_dir = dir.path().join("catalogue");
    // The current format opens again ...
    CatalogueIndex::open_existing(&index_dir, Default::default())
        .unwrap()
        .unwrap();
    // ... an index from before format markers does not.
    std::fs::remove_file(index_dir.join("refdesk-format")).unwrap();
    for opened in [
        CatalogueIndex::open_existing(&index_dir, Default::default()).map(|_| ()),
        CatalogueIndex::open_or_create(&index_dir, Default::default()).map(|_| ()),
    ] {
        let err = format!("{:#}", opened.expect_err("an old index must be refused"));
        assert!(err.contains("re-import the catalogue"), "{err}");
        assert!(err.contains(&index_dir.display().to_string()), "{err}");
    }
    std::fs::write(index_dir.join("refdesk-format"), "refdesk-catalogue 1\n").unwrap();
    let err = CatalogueIndex::open_existing(&index_dir, Default::default())
        .map(|_| ())
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("refdesk-catalogue 1"),
        "{err:#}"
    );
    // An empty directory gets a fresh index of the current format.
    let fresh = dir.path().join("fresh");
    drop(CatalogueIndex::open_or_create(&fresh, Default::default()).unwrap());
    assert_eq!(
        std::fs::read_to_string(fresh.join("refdesk-format"))
            .unwrap()
            .trim(),
        refdesk::catalogue::index::FORMAT
    );
}
