//! Messages that did not reach their patron, across every conversation (a WhatsApp window
//! that closed, a blocked bot, a platform down for longer than the retries), and sending
//! one again where that can help.

use super::{Desk, DeskError, DeskResult};
use crate::domain::now_ms;
use crate::store::Undelivered;

impl Desk {
    /// Undelivered messages, newest first.
    pub async fn undelivered(&self) -> DeskResult<Vec<Undelivered>> {
        Ok(self.store.undelivered().await?)
    }

    /// Queues a message that ran out of retries once more. A message the platform refused
    /// for good (`undeliverable`) is not sent again: it would be refused again.
    pub async fn send_again(&self, message_id: i64) -> DeskResult<()> {
        if self.store.send_again(message_id, now_ms()).await? {
            Ok(())
        } else {
            Err(DeskError::Conflict(
                "only a message that failed after its retries can be sent again".into(),
            ))
        }
    }
}
