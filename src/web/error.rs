//! The web layer's one error type. A failure is said once, here, with its status; the JSON
//! API answers it as `{"error": "..."}`, a desk page as plain text (`Page`). Internal errors
//! are logged with their cause and shown to nobody.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::guard::json_error;
use crate::store::TicketRefusal;

#[derive(Debug)]
pub enum Error {
    NotFound(String),
    Conflict(String),
    Internal(anyhow::Error),
}

impl Error {
    fn status(&self) -> StatusCode {
        match self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the person who asked is told (an internal error is logged here, once).
    fn message(self) -> String {
        match self {
            Error::NotFound(m) | Error::Conflict(m) => m,
            Error::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "request failed");
                "internal error".into()
            }
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Internal(e)
    }
}

impl From<TicketRefusal> for Error {
    fn from(r: TicketRefusal) -> Self {
        match r {
            TicketRefusal::NotFound => Error::NotFound("no such ticket".into()),
            TicketRefusal::HeldBy(who) => Error::Conflict(format!("{who} holds this ticket")),
            TicketRefusal::WrongState(why) => Error::Conflict(why),
        }
    }
}

/// The JSON API's answer.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        json_error(status, &self.message())
    }
}

/// The same error for a desk page: plain text.
pub struct Page(pub Error);

impl<E: Into<Error>> From<E> for Page {
    fn from(e: E) -> Self {
        Page(e.into())
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let status = self.0.status();
        (status, self.0.message()).into_response()
    }
}
