//! Background work: outbox delivery and the privacy retention purge.

pub mod outbox;
pub mod presence;
pub mod retention;
