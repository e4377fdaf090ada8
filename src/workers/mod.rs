//! Background work: outbox delivery, the privacy retention purge, this instance's presence
//! and (several instances) its catalogue following the database.

pub mod catalogue_sync;
pub mod outbox;
pub mod presence;
pub mod retention;
