//! The reply listing catalogue records, said the way a librarian would: title, author, year
//! and call number, then how many copies are on the shelf and where, how many are on loan
//! and when the first is due back, and which can only be read in the library. Lost,
//! withdrawn and damaged copies are left out, unless they are all there is.
//!
//! Branch and location codes become names through the code tables in the settings. Each
//! language's words live in one [`Phrases`] implementation; a new language is one more of
//! those and one more arm in [`phrases`].

use crate::catalogue::CatalogueSettings;
use crate::catalogue::record::{
    Availability, AvailabilitySource, CalendarDate, CatalogueRecord, DueDate, StoredAvailability,
};

/// The reply listing `records` (best first), in `lang`, with each copy's state as the
/// catalogue last recorded it.
pub fn reply(records: &[CatalogueRecord], lang: &str, settings: &CatalogueSettings) -> String {
    reply_with(records, lang, settings, &StoredAvailability)
}

/// The reply listing `records`, with each copy's state from `source`.
pub fn reply_with(
    records: &[CatalogueRecord],
    lang: &str,
    settings: &CatalogueSettings,
    source: &dyn AvailabilitySource,
) -> String {
    let words = phrases(lang);
    let mut out = String::from(words.header());
    out.push_str("\n\n");
    for r in records {
        out.push_str("- ");
        out.push_str(&line(r, lang, settings, source));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(words.footer());
    out
}

/// "**Dune**, Herbert, Frank (1965). Call number PS3558.E63 D8. 2 copies on the shelf at
/// Main Library, Fiction. 1 on loan, due back 14 March 2027."
fn line(
    r: &CatalogueRecord,
    lang: &str,
    settings: &CatalogueSettings,
    source: &dyn AvailabilitySource,
) -> String {
    let words = phrases(lang);
    let mut s = format!("**{}**", r.title);
    if let Some(author) = r.authors.first() {
        s.push_str(&format!(", {author}"));
    }
    if let Some(year) = r.year {
        s.push_str(&format!(" ({year})"));
    }
    s.push('.');
    let call = r
        .call_number
        .clone()
        .or_else(|| r.holdings.iter().find_map(|h| h.call_number.clone()));
    if let Some(call) = call {
        s.push(' ');
        s.push_str(&words.call_number(&call));
    }
    for sentence in copies(&shelves(r, source), lang, settings) {
        s.push(' ');
        s.push_str(&sentence);
    }
    s
}

/// A record's copies at one branch and location (codes as recorded), counted by state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Shelf {
    branch: Option<String>,
    location: Option<String>,
    available: usize,
    on_loan: usize,
    /// The due dates of the copies on loan that have one.
    due: Vec<DueDate>,
    reference: usize,
    unknown: usize,
    gone: usize,
}

/// The record's copies grouped by branch and location, in the order the record first
/// names each place; a group without either comes last.
fn shelves(r: &CatalogueRecord, source: &dyn AvailabilitySource) -> Vec<Shelf> {
    let mut shelves: Vec<Shelf> = Vec::new();
    for item in &r.holdings {
        let branch = item.branch().map(str::to_string);
        let location = item.location.clone();
        let at = match shelves
            .iter()
            .position(|s| s.branch == branch && s.location == location)
        {
            Some(at) => at,
            None => {
                shelves.push(Shelf {
                    branch,
                    location,
                    ..Default::default()
                });
                shelves.len() - 1
            }
        };
        let shelf = &mut shelves[at];
        match source.status(r, item) {
            Availability::Available => shelf.available += 1,
            Availability::OnLoan { due } => {
                shelf.on_loan += 1;
                shelf.due.extend(due);
            }
            Availability::NotForLoan => shelf.reference += 1,
            Availability::Unknown => shelf.unknown += 1,
            Availability::Lost | Availability::Withdrawn | Availability::Damaged => shelf.gone += 1,
        }
    }
    // Stable: the places keep their order.
    shelves.sort_by_key(|s| s.branch.is_none() && s.location.is_none());
    shelves
}

/// Some copies at a place, for the phrases: `place` is the names to show, `None` when the
/// record names no place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub n: usize,
    pub place: Option<String>,
}

/// The sentences on the record's copies: on the shelf, on loan, reference only, state
/// unknown; or that none can be borrowed when every copy is lost, withdrawn or damaged.
fn copies(shelves: &[Shelf], lang: &str, settings: &CatalogueSettings) -> Vec<String> {
    let words = phrases(lang);
    let place = |s: &Shelf| {
        let names: Vec<&str> = [
            s.branch
                .as_deref()
                .map(|code| settings.branches.display(code, lang)),
            s.location
                .as_deref()
                .map(|code| settings.locations.display(code, lang)),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!names.is_empty()).then(|| names.join(", "))
    };
    let counts = |n: fn(&Shelf) -> usize| -> Vec<Count> {
        shelves
            .iter()
            .filter(|s| n(s) > 0)
            .map(|s| Count {
                n: n(s),
                place: place(s),
            })
            .collect()
    };
    let mut out = Vec::new();
    let available = counts(|s| s.available);
    if !available.is_empty() {
        out.push(words.on_shelf(&available));
    }
    let on_loan: usize = shelves.iter().map(|s| s.on_loan).sum();
    if on_loan > 0 {
        let due = first_due(shelves.iter().flat_map(|s| &s.due));
        let due = due.map(|d| match d {
            DueDate::Date(date) => words.date(*date),
            DueDate::Text(text) => text.clone(),
        });
        out.push(words.on_loan(on_loan, due.as_deref()));
    }
    let reference = counts(|s| s.reference);
    if !reference.is_empty() {
        out.push(words.reference_only(&reference));
    }
    let unknown = counts(|s| s.unknown);
    if !unknown.is_empty() {
        out.push(words.held(&unknown));
    }
    if out.is_empty() && shelves.iter().any(|s| s.gone > 0) {
        out.push(words.none_to_borrow().to_string());
    }
    out
}

/// The earliest due date, else the first one given as text.
fn first_due<'a>(due: impl Iterator<Item = &'a DueDate>) -> Option<&'a DueDate> {
    let due: Vec<&DueDate> = due.collect();
    due.iter()
        .filter(|d| d.date().is_some())
        .min_by_key(|d| d.date())
        .or_else(|| due.first())
        .copied()
}

/// What the reply says in one language.
pub trait Phrases: Sync {
    fn header(&self) -> &'static str;
    fn footer(&self) -> &'static str;
    /// "Call number PS3558.E63 D8."
    fn call_number(&self, call: &str) -> String;
    /// "2 copies on the shelf at Main Library, Fiction; 1 at East Branch."
    fn on_shelf(&self, places: &[Count]) -> String;
    /// "1 on loan, due back 14 March 2027." (`due` already written out.)
    fn on_loan(&self, n: usize, due: Option<&str>) -> String;
    /// "1 reference copy (not for loan) at East Branch, Reference."
    fn reference_only(&self, places: &[Count]) -> String;
    /// Copies whose state the catalogue does not know: "1 copy held at Central Library."
    fn held(&self, places: &[Count]) -> String;
    /// When every copy is lost, withdrawn or damaged.
    fn none_to_borrow(&self) -> &'static str;
    /// A date written out: "14 March 2027".
    fn date(&self, date: CalendarDate) -> String;
}

/// The phrases for `lang`; English for a language without its own.
pub fn phrases(lang: &str) -> &'static dyn Phrases {
    match lang {
        "ru" => &RUSSIAN,
        "es" => &Spanish,
        "az" => &AZERBAIJANI,
        "tr" => &TURKISH,
        "be" => &BELARUSIAN,
        _ => &English,
    }
}

/// `first(count)` for the first place, `more(count)` for the others, joined by "; ".
fn list(
    places: &[Count],
    first: impl Fn(&Count) -> String,
    more: impl Fn(&Count) -> String,
) -> String {
    let parts: Vec<String> = places
        .iter()
        .enumerate()
        .map(|(i, c)| if i == 0 { first(c) } else { more(c) })
        .collect();
    format!("{}.", parts.join("; "))
}

/// Ends a sentence with a full stop, unless its last word brought one ("2027 г.").
fn full_stop(mut sentence: String) -> String {
    if !sentence.ends_with('.') {
        sentence.push('.');
    }
    sentence
}

struct English;

impl English {
    fn copies(n: usize) -> String {
        if n == 1 {
            "1 copy".to_string()
        } else {
            format!("{n} copies")
        }
    }

    /// " at Main Library", or nothing.
    fn at(place: Option<&str>) -> String {
        place.map(|p| format!(" at {p}")).unwrap_or_default()
    }

    fn more(c: &Count) -> String {
        match &c.place {
            Some(p) => format!("{} at {p}", c.n),
            None => format!("{} more", c.n),
        }
    }
}

impl Phrases for English {
    fn header(&self) -> &'static str {
        "Here is what I found in the catalogue:"
    }

    fn footer(&self) -> &'static str {
        "If this isn't what you need, ask for a librarian and they'll help you search."
    }

    fn call_number(&self, call: &str) -> String {
        format!("Call number {call}.")
    }

    fn on_shelf(&self, places: &[Count]) -> String {
        list(
            places,
            |c| {
                format!(
                    "{} on the shelf{}",
                    Self::copies(c.n),
                    Self::at(c.place.as_deref())
                )
            },
            Self::more,
        )
    }

    fn on_loan(&self, n: usize, due: Option<&str>) -> String {
        match (n, due) {
            (_, None) => format!("{n} on loan."),
            (1, Some(d)) => full_stop(format!("1 on loan, due back {d}")),
            (_, Some(d)) => full_stop(format!("{n} on loan, the first due back {d}")),
        }
    }

    fn reference_only(&self, places: &[Count]) -> String {
        list(
            places,
            |c| {
                let copies = if c.n == 1 {
                    "1 reference copy".to_string()
                } else {
                    format!("{} reference copies", c.n)
                };
                format!("{copies} (not for loan){}", Self::at(c.place.as_deref()))
            },
            Self::more,
        )
    }

    fn held(&self, places: &[Count]) -> String {
        list(
            places,
            |c| format!("{} held{}", Self::copies(c.n), Self::at(c.place.as_deref())),
            Self::more,
        )
    }

    fn none_to_borrow(&self) -> &'static str {
        "No copy can be borrowed at the moment."
    }

    fn date(&self, date: CalendarDate) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        format!(
            "{} {} {}",
            date.day(),
            MONTHS[usize::from(date.month() - 1)],
            date.year()
        )
    }
}

/// A language whose catalogue phrases are a label and a list (Russian, Belarusian,
/// Azerbaijani, Turkish): "Rəfdə: 2 nüsxə (Main Library); 1 nüsxə (East Branch)."
struct Listed {
    header: &'static str,
    footer: &'static str,
    /// Before the call number: "Şifr".
    call_number: &'static str,
    shelf: &'static str,
    reference: &'static str,
    held: &'static str,
    /// `{copies}` on loan; with `{date}`, when the (first) copy is due back.
    on_loan: &'static str,
    on_loan_due: &'static str,
    on_loan_first_due: &'static str,
    none_to_borrow: &'static str,
    /// Before a further group with no place: "daha".
    more: &'static str,
    months: [&'static str; 12],
    /// `{day} {month} {year}`.
    date: &'static str,
    copies: fn(usize) -> String,
}

impl Listed {
    fn copies_at(&self, c: &Count, first: bool) -> String {
        let copies = (self.copies)(c.n);
        match &c.place {
            Some(p) => format!("{copies} ({p})"),
            None if first => copies,
            None => format!("{} {copies}", self.more),
        }
    }

    fn listed(&self, label: &str, places: &[Count]) -> String {
        format!(
            "{label}: {}",
            list(
                places,
                |c| self.copies_at(c, true),
                |c| self.copies_at(c, false)
            )
        )
    }
}

impl Phrases for Listed {
    fn header(&self) -> &'static str {
        self.header
    }

    fn footer(&self) -> &'static str {
        self.footer
    }

    fn call_number(&self, call: &str) -> String {
        format!("{} {call}.", self.call_number)
    }

    fn on_shelf(&self, places: &[Count]) -> String {
        self.listed(self.shelf, places)
    }

    fn on_loan(&self, n: usize, due: Option<&str>) -> String {
        let copies = (self.copies)(n);
        let text = match (n, due) {
            (_, None) => self.on_loan.replace("{copies}", &copies),
            (1, Some(d)) => self
                .on_loan_due
                .replace("{copies}", &copies)
                .replace("{date}", d),
            (_, Some(d)) => self
                .on_loan_first_due
                .replace("{copies}", &copies)
                .replace("{date}", d),
        };
        full_stop(text)
    }

    fn reference_only(&self, places: &[Count]) -> String {
        self.listed(self.reference, places)
    }

    fn held(&self, places: &[Count]) -> String {
        self.listed(self.held, places)
    }

    fn none_to_borrow(&self) -> &'static str {
        self.none_to_borrow
    }

    fn date(&self, date: CalendarDate) -> String {
        self.date
            .replace("{day}", &date.day().to_string())
            .replace("{month}", self.months[usize::from(date.month() - 1)])
            .replace("{year}", &date.year().to_string())
    }
}

/// Azerbaijani and Turkish count without a plural: "2 nüsxə", "2 nüsha".
const AZERBAIJANI: Listed = Listed {
    header: "Kataloqda bunları tapdım:",
    footer: "Axtardığınız bu deyilsə, /human yazın: kitabxanaçı axtarışda kömək edəcək.",
    call_number: "Şifr",
    shelf: "Rəfdə",
    reference: "Yalnız oxu zalında",
    held: "Fondda",
    on_loan: "{copies} oxucudadır",
    on_loan_due: "{copies} oxucudadır, qaytarılma tarixi: {date}",
    on_loan_first_due: "{copies} oxucudadır, ən yaxın qaytarılma tarixi: {date}",
    none_to_borrow: "Hazırda heç bir nüsxəni evə vermək mümkün deyil.",
    more: "daha",
    months: [
        "yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avqust", "sentyabr",
        "oktyabr", "noyabr", "dekabr",
    ],
    date: "{day} {month} {year}",
    copies: |n| format!("{n} nüsxə"),
};

const TURKISH: Listed = Listed {
    header: "Katalogda bunları buldum:",
    footer: "Aradığınız bu değilse /human yazın: bir kütüphaneci aramanıza yardım eder.",
    call_number: "Yer numarası",
    shelf: "Rafta",
    reference: "Yalnızca kütüphane içinde kullanılabilir",
    held: "Koleksiyonda",
    on_loan: "{copies} ödünçte",
    on_loan_due: "{copies} ödünçte, iade tarihi: {date}",
    on_loan_first_due: "{copies} ödünçte, en yakın iade tarihi: {date}",
    none_to_borrow: "Şu anda ödünç verilebilecek nüsha yok.",
    more: "ayrıca",
    months: [
        "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim",
        "Kasım", "Aralık",
    ],
    date: "{day} {month} {year}",
    copies: |n| format!("{n} nüsha"),
};

const BELARUSIAN: Listed = Listed {
    header: "Вось што я знайшоў у каталогу:",
    footer: "Калі гэта не тое, што трэба, напішыце /human, і бібліятэкар дапаможа з пошукам.",
    call_number: "Шыфр",
    shelf: "На паліцы",
    reference: "Толькі для чытання ў бібліятэцы",
    held: "У фондзе",
    on_loan: "{copies} на руках",
    on_loan_due: "{copies} на руках, тэрмін вяртання — {date}",
    on_loan_first_due: "{copies} на руках, бліжэйшы тэрмін вяртання — {date}",
    none_to_borrow: "Зараз ніводны асобнік выдаць нельга.",
    more: "яшчэ",
    months: [
        "студзеня",
        "лютага",
        "сакавіка",
        "красавіка",
        "мая",
        "чэрвеня",
        "ліпеня",
        "жніўня",
        "верасня",
        "кастрычніка",
        "лістапада",
        "снежня",
    ],
    date: "{day} {month} {year} г.",
    copies: |n| slavic_count(n, ["асобнік", "асобнікі", "асобнікаў"]),
};

/// "1 экземпляр", "2 экземпляра", "5 экземпляров": the East Slavic count forms.
fn slavic_count(n: usize, [one, few, many]: [&str; 3]) -> String {
    let word = match (n % 10, n % 100) {
        (1, r) if r != 11 => one,
        (2..=4, r) if !(12..=14).contains(&r) => few,
        _ => many,
    };
    format!("{n} {word}")
}

const RUSSIAN: Listed = Listed {
    header: "Вот что я нашёл в каталоге:",
    footer: "Если это не то, что нужно, напишите /human, и библиотекарь поможет с поиском.",
    call_number: "Шифр",
    shelf: "На полке",
    reference: "Только для чтения в библиотеке",
    held: "В фонде",
    on_loan: "{copies} на руках",
    on_loan_due: "{copies} на руках, срок возврата — {date}",
    on_loan_first_due: "{copies} на руках, ближайший срок возврата — {date}",
    none_to_borrow: "Сейчас ни один экземпляр выдать нельзя.",
    more: "ещё",
    months: [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    date: "{day} {month} {year} г.",
    copies: |n| slavic_count(n, ["экземпляр", "экземпляра", "экземпляров"]),
};

struct Spanish;

impl Spanish {
    fn copies(n: usize) -> String {
        if n == 1 {
            "1 ejemplar".to_string()
        } else {
            format!("{n} ejemplares")
        }
    }

    fn more(c: &Count) -> String {
        match &c.place {
            Some(p) => format!("{} en {p}", c.n),
            None => format!("{} más", c.n),
        }
    }

    /// "1 ejemplar (Sucursal Este, Referencia)".
    fn copies_at(c: &Count, first: bool) -> String {
        match &c.place {
            Some(p) => format!("{} ({p})", Self::copies(c.n)),
            None if first => Self::copies(c.n),
            None => format!("{} más", Self::copies(c.n)),
        }
    }
}

impl Phrases for Spanish {
    fn header(&self) -> &'static str {
        "Esto es lo que encontré en el catálogo:"
    }

    fn footer(&self) -> &'static str {
        "Si no es lo que buscas, escribe /human y un bibliotecario te ayudará a buscar."
    }

    fn call_number(&self, call: &str) -> String {
        format!("Signatura {call}.")
    }

    fn on_shelf(&self, places: &[Count]) -> String {
        list(
            places,
            |c| {
                let adjective = if c.n == 1 {
                    "disponible"
                } else {
                    "disponibles"
                };
                match &c.place {
                    Some(p) => format!("{} {adjective} en {p}", Self::copies(c.n)),
                    None => format!("{} {adjective}", Self::copies(c.n)),
                }
            },
            Self::more,
        )
    }

    fn on_loan(&self, n: usize, due: Option<&str>) -> String {
        match (n, due) {
            (_, None) => format!("{n} en préstamo."),
            (1, Some(d)) => full_stop(format!("1 en préstamo, con devolución prevista el {d}")),
            (_, Some(d)) => full_stop(format!("{n} en préstamo; el primero se devuelve el {d}")),
        }
    }

    fn reference_only(&self, places: &[Count]) -> String {
        format!(
            "Solo para consulta en sala: {}",
            list(
                places,
                |c| Self::copies_at(c, true),
                |c| Self::copies_at(c, false)
            )
        )
    }

    fn held(&self, places: &[Count]) -> String {
        format!(
            "En el fondo: {}",
            list(
                places,
                |c| Self::copies_at(c, true),
                |c| Self::copies_at(c, false)
            )
        )
    }

    fn none_to_borrow(&self) -> &'static str {
        "Ahora mismo no hay ningún ejemplar que se pueda llevar en préstamo."
    }

    fn date(&self, date: CalendarDate) -> String {
        const MONTHS: [&str; 12] = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ];
        format!(
            "{} de {} de {}",
            date.day(),
            MONTHS[usize::from(date.month() - 1)],
            date.year()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::CodeTable;
    use crate::catalogue::record::Holding;

    fn item(branch: &str, location: &str, status: Availability) -> Holding {
        Holding {
            home_branch: Some(branch.into()),
            location: (!location.is_empty()).then(|| location.into()),
            status,
            ..Default::default()
        }
    }

    fn on_loan(due: &str) -> Availability {
        Availability::OnLoan {
            due: Some(DueDate::parse(due)),
        }
    }

    fn settings() -> CatalogueSettings {
        let table = |text: &str| toml::from_str::<CodeTable>(text).unwrap();
        CatalogueSettings {
            branches: table(
                r#"
                MAIN = { en = "Main Library", ru = "Центральная библиотека", es = "Biblioteca Central" }
                EAST = { en = "East Branch", ru = "Восточный филиал", es = "Sucursal Este" }
                "#,
            ),
            locations: table(
                r#"
                MC = { en = "Main collection", ru = "основной фонд", es = "colección general" }
                REF = { en = "Reference", ru = "справочный фонд", es = "referencia" }
                "#,
            ),
            ..Default::default()
        }
    }

    /// Two branches: copies on the shelf at both, two on loan, one for reference, and lost,
    /// withdrawn and damaged ones.
    fn eco() -> CatalogueRecord {
        let mut moved = item("EAST", "MC", Availability::Available);
        moved.holding_branch = Some("MAIN".into());
        CatalogueRecord {
            id: "e1".into(),
            title: "Il nome della rosa".into(),
            authors: vec!["Eco, Umberto".into()],
            year: Some(1993),
            holdings: vec![
                Holding {
                    call_number: Some("853.914 ECO".into()),
                    ..item("MAIN", "MC", Availability::Available)
                },
                item("MAIN", "MC", on_loan("2027-04-02 23:59:00")),
                moved,
                item("EAST", "MC", on_loan("2027-03-14")),
                item("EAST", "REF", Availability::NotForLoan),
                item("MAIN", "MC", Availability::Lost),
                item("EAST", "MC", Availability::Withdrawn),
                item("EAST", "MC", Availability::Damaged),
                item("EAST", "", Availability::Available),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn copies_are_grouped_by_branch_and_location_and_counted() {
        let shelves = shelves(&eco(), &StoredAvailability);
        let summary: Vec<_> = shelves
            .iter()
            .map(|s| {
                (
                    s.branch.as_deref(),
                    s.location.as_deref(),
                    (s.available, s.on_loan, s.reference, s.unknown, s.gone),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Some("MAIN"), Some("MC"), (2, 1, 0, 0, 1)),
                (Some("EAST"), Some("MC"), (0, 1, 0, 0, 2)),
                (Some("EAST"), Some("REF"), (0, 0, 1, 0, 0)),
                (Some("EAST"), None, (1, 0, 0, 0, 0)),
            ]
        );
        assert_eq!(
            shelves[0].due,
            [DueDate::Date(CalendarDate::new(2027, 4, 2).unwrap())]
        );
    }

    #[test]
    fn the_reply_says_where_how_many_and_until_when() {
        let text = reply(&[eco()], "en", &settings());
        assert_eq!(
            text,
            "Here is what I found in the catalogue:\n\n\
             - **Il nome della rosa**, Eco, Umberto (1993). Call number 853.914 ECO. \
             2 copies on the shelf at Main Library, Main collection; 1 at East Branch. \
             2 on loan, the first due back 14 March 2027. \
             1 reference copy (not for loan) at East Branch, Reference.\n\n\
             If this isn't what you need, ask for a librarian and they'll help you search."
        );
    }

    #[test]
    fn russian_and_spanish_replies() {
        let ru = reply(&[eco()], "ru", &settings());
        assert!(
            ru.contains(
                "Шифр 853.914 ECO. \
                 На полке: 2 экземпляра (Центральная библиотека, основной фонд); \
                 1 экземпляр (Восточный филиал). \
                 2 экземпляра на руках, ближайший срок возврата — 14 марта 2027 г. \
                 Только для чтения в библиотеке: 1 экземпляр (Восточный филиал, справочный фонд).\n"
            ),
            "{ru}"
        );
        let es = reply(&[eco()], "es", &settings());
        assert!(
            es.contains(
                "Signatura 853.914 ECO. \
                 2 ejemplares disponibles en Biblioteca Central, colección general; \
                 1 en Sucursal Este. \
                 2 en préstamo; el primero se devuelve el 14 de marzo de 2027. \
                 Solo para consulta en sala: 1 ejemplar (Sucursal Este, referencia).\n"
            ),
            "{es}"
        );
    }

    #[test]
    fn one_copy_of_each_and_codes_without_names() {
        let r = CatalogueRecord {
            title: "Dune".into(),
            holdings: vec![
                item("NORTH", "FIC", Availability::Available),
                item("NORTH", "FIC", on_loan("2027-01-05")),
                item("MAIN", "REF", Availability::NotForLoan),
            ],
            ..Default::default()
        };
        let text = reply(&[r], "en", &settings());
        assert!(
            text.contains(
                "- **Dune**. 1 copy on the shelf at NORTH, FIC. 1 on loan, due back 5 January 2027. \
                 1 reference copy (not for loan) at Main Library, Reference.\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn lost_and_withdrawn_copies_are_mentioned_only_when_nothing_else_is_left() {
        let gone = CatalogueRecord {
            title: "Baudolino".into(),
            holdings: vec![
                item("MAIN", "MC", Availability::Lost),
                item("EAST", "MC", Availability::Withdrawn),
            ],
            ..Default::default()
        };
        let line =
            |r: &CatalogueRecord, lang: &str| line(r, lang, &settings(), &StoredAvailability);
        assert_eq!(
            line(&gone, "en"),
            "**Baudolino**. No copy can be borrowed at the moment."
        );
        assert_eq!(
            line(&gone, "ru"),
            "**Baudolino**. Сейчас ни один экземпляр выдать нельзя."
        );
        let mut reference = gone.clone();
        reference
            .holdings
            .push(item("EAST", "REF", Availability::NotForLoan));
        assert_eq!(
            line(&reference, "en"),
            "**Baudolino**. 1 reference copy (not for loan) at East Branch, Reference."
        );
        // No holdings at all: nothing said about copies.
        let bare = CatalogueRecord {
            title: "Baudolino".into(),
            ..Default::default()
        };
        assert_eq!(line(&bare, "en"), "**Baudolino**.");
    }

    #[test]
    fn loans_without_a_readable_date_and_copies_in_an_unknown_state() {
        let r = CatalogueRecord {
            title: "T".into(),
            holdings: vec![
                item("MAIN", "", on_loan("end of term")),
                item("MAIN", "", Availability::OnLoan { due: None }),
                Holding {
                    home_branch: Some("Central Library".into()),
                    location: Some("Computing".into()),
                    ..Default::default()
                },
                Holding::default(),
            ],
            ..Default::default()
        };
        let text = line(&r, "en", &settings(), &StoredAvailability);
        assert_eq!(
            text,
            "**T**. 2 on loan, the first due back end of term. \
             1 copy held at Central Library, Computing; 1 more."
        );
        let one = CatalogueRecord {
            title: "T".into(),
            holdings: vec![item("MAIN", "", Availability::OnLoan { due: None })],
            ..Default::default()
        };
        assert_eq!(
            line(&one, "es", &settings(), &StoredAvailability),
            "**T**. 1 en préstamo."
        );
    }

    #[test]
    fn russian_counts_agree_with_their_numbers() {
        let forms: Vec<String> = [1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111]
            .into_iter()
            .map(RUSSIAN.copies)
            .collect();
        assert_eq!(
            forms,
            [
                "1 экземпляр",
                "2 экземпляра",
                "4 экземпляра",
                "5 экземпляров",
                "11 экземпляров",
                "12 экземпляров",
                "14 экземпляров",
                "21 экземпляр",
                "22 экземпляра",
                "25 экземпляров",
                "101 экземпляр",
                "111 экземпляров",
            ]
        );
    }

    #[test]
    fn dates_are_written_out_per_language() {
        let d = CalendarDate::new(2027, 12, 1).unwrap();
        assert_eq!(phrases("en").date(d), "1 December 2027");
        assert_eq!(phrases("ru").date(d), "1 декабря 2027 г.");
        assert_eq!(phrases("es").date(d), "1 de diciembre de 2027");
        assert_eq!(phrases("az").date(d), "1 dekabr 2027");
        assert_eq!(phrases("tr").date(d), "1 Aralık 2027");
        assert_eq!(phrases("be").date(d), "1 снежня 2027 г.");
        assert_eq!(
            phrases("be").on_loan(2, Some("1 снежня 2027 г.")),
            "2 асобнікі на руках, бліжэйшы тэрмін вяртання — 1 снежня 2027 г."
        );
        assert_eq!(phrases("tr").on_loan(1, None), "1 nüsha ödünçte.");
        assert_eq!(
            phrases("de").date(d),
            "1 December 2027",
            "English by default"
        );
    }

    /// A stand-in for a live source: knows one barcode, defers to the catalogue otherwise.
    struct Live;

    impl AvailabilitySource for Live {
        fn status(&self, record: &CatalogueRecord, item: &Holding) -> Availability {
            match item.barcode.as_deref() {
                Some("39001") => on_loan("2027-02-01"),
                _ => StoredAvailability.status(record, item),
            }
        }
    }

    #[test]
    fn another_availability_source_can_answer_by_barcode() {
        let r = CatalogueRecord {
            title: "Dune".into(),
            holdings: vec![
                Holding {
                    barcode: Some("39001".into()),
                    ..item("MAIN", "MC", Availability::Available)
                },
                item("MAIN", "MC", Availability::Available),
            ],
            ..Default::default()
        };
        let text = reply_with(std::slice::from_ref(&r), "en", &settings(), &Live);
        assert!(
            text.contains(
                "1 copy on the shelf at Main Library, Main collection. \
                 1 on loan, due back 1 February 2027."
            ),
            "{text}"
        );
        assert!(reply(&[r], "en", &settings()).contains("2 copies on the shelf"));
    }
}
