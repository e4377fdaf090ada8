//! A catalogue record as refdesk keeps it: the few fields a patron's question needs, mapped
//! from MARC 21 (or a CSV row), plus holdings where the records carry them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueRecord {
    /// The control number (001), the key for re-imports.
    pub id: String,
    /// 245 $a $b $n $p, without the trailing ISBD punctuation.
    pub title: String,
    /// 100, 110, 700, 710 $a (and $b for corporate names), as the record writes them.
    pub authors: Vec<String>,
    /// 650 $a with its subdivisions ($x $y $z $v) joined by " -- ".
    pub subjects: Vec<String>,
    /// 264 (second indicator 1) $b, else 260 $b.
    pub publisher: Option<String>,
    /// 008/07-10 when it is a year, else the first year in 264/260 $c.
    pub year: Option<u16>,
    /// 020 $a: ISBN-10 or ISBN-13, digits (and a final X) only.
    pub isbns: Vec<String>,
    /// 050 $a $b, else 090, else the first holding's.
    pub call_number: Option<String>,
    /// 008/35-37, a MARC language code such as "eng".
    pub language: Option<String>,
    /// 852 / 952 (Koha) items, with availability where the record says.
    pub holdings: Vec<Holding>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    /// Where the item is: 852 $a $b, 952 $a / $c.
    pub location: Option<String>,
    /// 852 $h $i, 952 $o.
    pub call_number: Option<String>,
    pub status: Availability,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Availability {
    Available,
    /// Checked out; 952 $q gives the due date (as the record writes it).
    OnLoan {
        due: Option<String>,
    },
    /// Reference only, or otherwise not for loan (952 $7 not 0).
    NotForLoan,
    /// Lost or withdrawn (952 $1 / $0 not 0).
    Missing,
    /// The record does not say (852 without circulation data).
    #[default]
    Unknown,
}
